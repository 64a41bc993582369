// SPDX-License-Identifier: MIT
/*
 * ipi_xive.c - the ipi kernel's XIVE checks, run when IPIs go through XIVE
 * (docs/xive-x86.md; PQ, routing and hcall rules as vmm/xive_virt.h
 * documents them):
 *  - every CPU's IPI source and queue are set up as the driver asked;
 *  - an IPI to each CPU, and around the ring, arrives exactly once;
 *  - self-IPIs with interrupts on and off; TIMA CPPR and acknowledge;
 *  - triggers to a CPU with interrupts off coalesce as the PQ bits say:
 *    one trigger, one event; more, two (the EOI of PQ 11 forwards again);
 *  - SET_PQ_01 masks (triggers dropped), SET_PQ_00 unmasks without replay;
 *  - a re-routed source lands on its new CPU with its EISN; a source
 *    masked by priority 0xff forwards (PQ 10) but nothing is queued;
 *  - a queue wraps (generation bit) without losing or repeating an IPI,
 *    and H_INT_GET_QUEUE_CONFIG(DEBUG) agrees with the consumer;
 *  - doorbell registers are per vCPU; H_INT_* argument errors return the
 *    PAPR codes (ipi_hcall.c), and the refused calls change nothing.
 * Raw triggers (xive_esb_trigger) carry no message: they show up in the
 * target's XIVE counters only, never as a vector.
 */
#include "fwcfg.h"
#include "ipi.h"
#include "ipi_ops.h"
#include "xive.h"

#define SETTLE_US 10000   /* time for a wrong extra event to show up */
#define WRAP_MAX 20000    /* wrap check only for queues up to this size */

static const char *const pq_names[4] = { "00", "01", "10", "11" };

static struct xive_stats stats_of(unsigned cpu)
{
	struct xive_stats s;

	barrier();   /* another CPU's handler writes them */
	s = xive_cpu(cpu)->stats;
	barrier();
	return s;
}

static u64 pq_of(unsigned cpu)
{
	return xive_esb_load(xive_cpu(cpu)->mgmt, XIVE_ESB_GET) & 3;
}

static unsigned online_other_than(unsigned a, unsigned b)
{
	unsigned cpu, found = MAX_CPUS;

	for_each_cpu(cpu, &cpu_online_mask)
		if (cpu != a && cpu != b)
			found = cpu;
	return found;
}

static bool config_ok(unsigned cpu, bool say)
{
	struct xive_cpu *xc = xive_cpu(cpu);
	u64 s[4] = { 0 }, q[4] = { 0 };
	long rs = XIVE_HCALL(H_INT_GET_SOURCE_CONFIG, s, 0, xc->server);
	long rq = XIVE_HCALL(H_INT_GET_QUEUE_CONFIG, q, 0, xc->server, xc->prio);
	bool ok = rs == H_SUCCESS && s[0] == xc->server && s[1] == xc->prio && s[2] == xc->server &&
		  rq == H_SUCCESS && (q[0] & XIVE_EQ_ALWAYS_NOTIFY) && q[1] == (u64)(uintptr_t)xc->qpage &&
		  q[2] == xc->qshift;

	if (say || !ok)
		report(ok, "cpu %u: source %u -> target %lu prio %lu EISN %lu (%s); queue %#lx shift %lu "
		       "flags %#lx (%s)", cpu, xc->server, (unsigned long)s[0], (unsigned long)s[1],
		       (unsigned long)s[2], xive_rc_name(rs), (unsigned long)q[1], (unsigned long)q[2],
		       (unsigned long)q[0], xive_rc_name(rq));
	return ok;
}

static void send_here(void *arg)
{
	ipi_send(*(unsigned *)arg, TEST_VEC);
}

static void test_unicast(void)
{
	unsigned order[MAX_CPUS], n = 0, cpu;
	char what[64];

	for_each_cpu(cpu, &cpu_online_mask)
		order[n++] = cpu;
	for (unsigned i = 1; i < n; i++) {
		struct cpumask m = mask_of(order[i]);
		ipi_send(order[i], TEST_VEC);
		snprintf(what, sizeof(what), "IPI %u -> %u", smp_id(), order[i]);
		check(hits, &m, what);
	}
	for (unsigned i = 1; i < n; i++) {
		unsigned src = order[i], dst = order[(i + 1) % n];
		struct cpumask m = mask_of(dst);
		on_cpu(src, send_here, &dst);
		snprintf(what, sizeof(what), "IPI %u -> %u", src, dst);
		check(hits, &m, what);
	}
}

static void test_self(void)
{
	unsigned me = smp_id();
	struct cpumask m = mask_of(me);
	struct xive_cpu *xc = xive_cpu(me);

	ipi_send(me, TEST_VEC);
	check(hits, &m, "self-IPI");
	u32 idle = xive_tima_word0();
	u16 ack = stats_of(me).last_ack;
	report(idle >> 24 == 0 && (idle >> 16 & 0xff) == 0xff && (idle >> 8 & 0xff) == 0 &&
		       (ack >> 8 & TM_QW1_NSR_EO) && (ack & 0xff) == xc->prio,
	       "TIMA: idle NSR %#x CPPR %#x IPB %#x; the handler's acknowledge returned NSR %#x CPPR %u",
	       idle >> 24, idle >> 16 & 0xff, idle >> 8 & 0xff, ack >> 8, ack & 0xff);

	cli();
	ipi_send(me, TEST_VEC);
	udelay(2000);
	unsigned early = READ_ONCE(hits[me]);
	u64 pq = pq_of(me);
	u32 w0 = xive_tima_word0();
	sti();
	report(!early && pq == XIVE_PQ_PENDING && (w0 >> 24 & TM_QW1_NSR_EO) &&
		       (w0 >> 8 & 0xff) == (0x80u >> xc->prio),
	       "self-IPI with interrupts off waits (taken %u, PQ %s, NSR %#x, IPB %#x)", early,
	       pq_names[pq], w0 >> 24, w0 >> 8 & 0xff);
	check(hits, &m, "... and is taken once after sti");
}

/* @n raw triggers while @cpu has interrupts off. */
static void test_burst(unsigned cpu, unsigned n)
{
	struct xive_cpu *xc = xive_cpu(cpu);
	u64 want = n > 1 ? 2 : 1;

	if (!irqs_off_hold(cpu, DELIVERY_TIMEOUT_US))
		return;
	struct xive_stats s0 = stats_of(cpu);
	for (unsigned i = 0; i < n; i++)
		xive_esb_trigger(xc->trig);
	u64 pq = pq_of(cpu), early = stats_of(cpu).events - s0.events;
	irqs_off_release(cpu);
	wait_until(stats_of(cpu).ipi_events - s0.ipi_events >= want, DELIVERY_TIMEOUT_US);
	udelay(SETTLE_US);
	struct xive_stats s1 = stats_of(cpu);
	u64 ev = s1.events - s0.events, refwd = s1.eoi_reforwarded - s0.eoi_reforwarded;
	u64 pq_after = pq_of(cpu);
	report(pq == (n > 1 ? XIVE_PQ_QUEUED : XIVE_PQ_PENDING) && !early && ev == want &&
		       s1.ipi_events - s0.ipi_events == want && refwd == want - 1 &&
		       pq_after == XIVE_PQ_RESET,
	       "%u trigger%s to cpu %u with interrupts off: PQ %s; then %llu event%s (want %llu), "
	       "%llu EOI re-forward, %llu interrupt%s, PQ %s", n, n > 1 ? "s" : "", cpu, pq_names[pq],
	       (unsigned long long)ev, ev == 1 ? "" : "s", (unsigned long long)want,
	       (unsigned long long)refwd, (unsigned long long)(s1.irqs - s0.irqs),
	       s1.irqs - s0.irqs == 1 ? "" : "s", pq_names[pq_after]);
}

/* Messages coalesce too: one vector sent 4 times runs once, as IRR would. */
static void test_msg_coalesce(unsigned cpu)
{
	struct cpumask m = mask_of(cpu);

	if (!irqs_off_hold(cpu, DELIVERY_TIMEOUT_US))
		return;
	for (unsigned i = 0; i < 4; i++)
		ipi_send(cpu, TEST_VEC);
	irqs_off_release(cpu);
	check(hits, &m, "4 IPIs of one vector to a CPU with interrupts off run its handler once");
}

static void test_mask(unsigned cpu)
{
	struct xive_cpu *xc = xive_cpu(cpu);
	struct xive_stats s0 = stats_of(cpu);

	u64 old = xive_esb_load(xc->mgmt, XIVE_ESB_SET_PQ_01) & 3;
	for (unsigned i = 0; i < 3; i++)
		xive_esb_trigger(xc->trig);
	u64 pq = pq_of(cpu);
	udelay(SETTLE_US);
	u64 ev = stats_of(cpu).events - s0.events;
	report(old == XIVE_PQ_RESET && pq == XIVE_PQ_OFF && ev == 0,
	       "SET_PQ_01 masks cpu %u's IPI (old PQ %s): 3 triggers leave PQ %s, %llu events", cpu,
	       pq_names[old], pq_names[pq], (unsigned long long)ev);

	old = xive_esb_load(xc->mgmt, XIVE_ESB_SET_PQ_00) & 3;
	udelay(SETTLE_US);
	ev = stats_of(cpu).events - s0.events;
	pq = pq_of(cpu);
	report(old == XIVE_PQ_OFF && pq == XIVE_PQ_RESET && ev == 0,
	       "SET_PQ_00 unmasks it (old PQ %s, now %s) and replays nothing (%llu events)",
	       pq_names[old], pq_names[pq], (unsigned long long)ev);

	xive_esb_trigger(xc->trig);
	bool got = wait_until(stats_of(cpu).ipi_events - s0.ipi_events == 1, DELIVERY_TIMEOUT_US);
	report(got, "the next trigger arrives");

	/* Neither of these may forward an event (xive_virt.h). */
	u64 eoi = xive_esb_load(xc->mgmt, XIVE_ESB_LOAD_EOI);
	u64 tload = *(volatile u64 *)(uintptr_t)xc->trig;
	pq = pq_of(cpu);
	udelay(SETTLE_US);
	ev = stats_of(cpu).events - s0.events;
	report(got && eoi == 0 && tload == ~0ull && pq == XIVE_PQ_RESET && ev == 1,
	       "LOAD_EOI of an idle source returns %llu; a trigger-page load reads %#llx; "
	       "PQ %s, %llu new events", (unsigned long long)eoi, (unsigned long long)tload,
	       pq_names[pq], (unsigned long long)(ev - 1));
}

static long set_source(u64 flags, u32 lisn, u32 target, u64 prio, u32 eisn)
{
	return XIVE_HCALL(H_INT_SET_SOURCE_CONFIG, NULL, flags, lisn, target, prio, eisn);
}

static void restore_source(struct xive_cpu *xc)
{
	long rc = set_source(XIVE_SRC_SET_EISN, xc->server, xc->server, xc->prio, xc->server);

	if (rc != H_SUCCESS)
		report_abort("restoring source %u's routing: %s", xc->server, xive_rc_name(rc));
}

/* Source @a routed to CPU @b: b's queue gets EISN a, a gets nothing. */
static void test_route(unsigned a, unsigned b)
{
	struct xive_cpu *xa = xive_cpu(a), *xb = xive_cpu(b);
	struct xive_stats a0 = stats_of(a), b0 = stats_of(b);
	u64 r[4] = { 0 };

	long rc = set_source(XIVE_SRC_SET_EISN, xa->server, xb->server, xb->prio, xa->server);
	long rc2 = XIVE_HCALL(H_INT_GET_SOURCE_CONFIG, r, 0, xa->server);
	xive_esb_trigger(xa->trig);
	bool got = wait_until(stats_of(b).foreign_events - b0.foreign_events >= 1, DELIVERY_TIMEOUT_US);
	udelay(SETTLE_US);
	struct xive_stats a1 = stats_of(a), b1 = stats_of(b);
	restore_source(xa);
	report(rc == H_SUCCESS && rc2 == H_SUCCESS && r[0] == xb->server && got &&
		       b1.foreign_events - b0.foreign_events == 1 && b1.last_foreign == xa->server &&
		       a1.events == a0.events && pq_of(a) == XIVE_PQ_RESET,
	       "source %u re-routed to cpu %u (%s; GET_SOURCE_CONFIG target %lu): its trigger reaches "
	       "cpu %u with EISN %u (%llu events), cpu %u none (%llu)", xa->server, b, xive_rc_name(rc),
	       (unsigned long)r[0], b, b1.last_foreign,
	       (unsigned long long)(b1.foreign_events - b0.foreign_events), a,
	       (unsigned long long)(a1.events - a0.events));
}

/* Priority 0xff masks at routing: the source still goes to PQ 10. */
static void test_eas_mask(unsigned cpu)
{
	struct xive_cpu *xc = xive_cpu(cpu);
	struct xive_stats s0 = stats_of(cpu), me0 = stats_of(smp_id());
	u64 r[4] = { 0 };

	long rc = set_source(0, xc->server, xc->server, 0xff, 0);
	long rc2 = XIVE_HCALL(H_INT_GET_SOURCE_CONFIG, r, 0, xc->server);
	xive_esb_trigger(xc->trig);
	udelay(SETTLE_US);
	u64 pq = pq_of(cpu);
	u64 ev = stats_of(cpu).events - s0.events + stats_of(smp_id()).events - me0.events;
	restore_source(xc);
	u64 old = xive_esb_load(xc->mgmt, XIVE_ESB_SET_PQ_00) & 3;
	report(rc == H_SUCCESS && rc2 == H_SUCCESS && r[1] == 0xff && pq == XIVE_PQ_PENDING && ev == 0 &&
		       old == XIVE_PQ_PENDING,
	       "priority 0xff masks source %u (%s; GET_SOURCE_CONFIG prio %#lx): a trigger leaves "
	       "PQ %s and queues %llu events", xc->server, xive_rc_name(rc), (unsigned long)r[1],
	       pq_names[pq], (unsigned long long)ev);
	xive_esb_trigger(xc->trig);
	report(wait_until(stats_of(cpu).ipi_events - s0.ipi_events == 1, DELIVERY_TIMEOUT_US),
	       "unmasked by its old routing and SET_PQ_00, it delivers again");
}

static long other_rc;

static void full_call(void *arg)
{
	other_rc = XIVE_HCALL(H_INT_GET_SOURCE_INFO, NULL, 0, *(u32 *)arg);
}

/* Our arguments must survive another vCPU's call made in between. */
static void test_doorbell(unsigned other)
{
	u32 lisn = xive_cpu(other)->server;

	other_rc = 1;
	xive_doorbell_args((const u64[6]){ 1, xive_cpu(smp_id())->server });   /* bad flags */
	on_cpu(other, full_call, &lisn);
	long rc = xive_doorbell_call(H_INT_GET_SOURCE_INFO, NULL);
	report(other_rc == H_SUCCESS && rc == H_PARAMETER,
	       "doorbell registers are per vCPU: cpu %u's call in between (%s) left ours (%s, want "
	       "H_PARAMETER)", other, xive_rc_name(other_rc), xive_rc_name(rc));

	/* docs/xive-x86.md: any other access reads all-ones. */
	volatile u8 *db = (volatile u8 *)(uintptr_t)xive_fw()->hcall_base;
	u64 op = *(volatile u64 *)db, arg = *(volatile u64 *)(db + 0x08);
	u32 half = *(volatile u32 *)(db + 0x40);
	report(op == ~0ull && arg == ~0ull && half == ~0u,
	       "doorbell: reads of the opcode (%#llx) and an argument (%#llx), a 4-byte read of the "
	       "return code (%#x) give all-ones", (unsigned long long)op, (unsigned long long)arg, half);
}

/* More self-IPIs than the queue has entries: across the generation flip. */
static void test_wrap(void)
{
	unsigned me = smp_id();
	struct xive_cpu *xc = xive_cpu(me);
	u32 entries = xc->msk + 1, n = entries + entries / 8, taken = 0;

	if (n > WRAP_MAX) {
		report_skip("queue wrap: %u-entry queue", entries);
		return;
	}
	u32 idx0 = xc->idx, tog0 = xc->toggle;
	struct xive_stats s0 = stats_of(me);
	for (u32 i = 0; i < n; i++) {
		ipi_send(me, TEST_VEC);
		if (!wait_until(READ_ONCE(hits[me]) == i + 1, DELIVERY_TIMEOUT_US))
			break;
		taken = i + 1;
	}
	udelay(SETTLE_US);
	struct xive_stats s1 = stats_of(me);
	u64 all = s1.events - s0.events;
	u32 want_idx = (u32)((idx0 + all) & xc->msk);
	u32 want_tog = tog0 ^ (u32)(((idx0 + all) / entries) & 1);
	report(taken == n && READ_ONCE(hits[me]) == n && s1.ipi_events - s0.ipi_events == n &&
		       xc->idx == want_idx && xc->toggle == want_tog && want_tog != tog0,
	       "%u self-IPIs through a %u-entry queue: %u taken once each, %llu events; index %u -> %u, "
	       "toggle %u -> %u", n, entries, READ_ONCE(hits[me]),
	       (unsigned long long)(s1.ipi_events - s0.ipi_events), idx0, xc->idx, tog0, xc->toggle);
	reset_counts();
}

/* The VMM's producer index and generation against an idle CPU's consumer
 * (the generation starts at 1, the consumer's toggle at 0). */
static void test_queue_index(unsigned cpu)
{
	struct xive_cpu *xc = xive_cpu(cpu);
	u64 r[4] = { 0 };
	long rc = XIVE_HCALL(H_INT_GET_QUEUE_CONFIG, r, XIVE_EQ_DEBUG, xc->server, xc->prio);
	u32 idx = READ_ONCE(xc->idx), tog = READ_ONCE(xc->toggle);
	bool gen = r[0] & XIVE_EQ_GENERATION;

	report(rc == H_SUCCESS && r[3] == idx && gen == !tog,
	       "H_INT_GET_QUEUE_CONFIG(DEBUG) of cpu %u: index %lu generation %u (%s); its consumer: "
	       "index %u toggle %u", cpu, (unsigned long)r[3], gen, xive_rc_name(rc), idx, tog);
}

void test_xive(void)
{
	const struct xive_fw *fw = xive_fw();
	struct xive_cpu *xc = xive_cpu(smp_id());
	unsigned me = smp_id(), cpu, other = online_other_than(me, me);
	unsigned third = other < MAX_CPUS ? online_other_than(me, other) : MAX_CPUS;
	bool ok = true;

	report_info("fw_cfg %s: ESB %#lx shift %u, %u sources (%u IPIs), vector %#x, TIMA OS %#lx, "
		    "doorbell %#lx, queue shifts %#x, %u priorities; queues of %u KiB at priority %u",
		    XIVE_FWCFG_FILE, (unsigned long)fw->esb_base, fw->esb_shift, fw->nr_irqs,
		    fw->nr_ipis, fw->vector, (unsigned long)fw->tima_os_base,
		    (unsigned long)fw->hcall_base, fw->eq_shift_mask, fw->nr_prios,
		    (1u << xc->qshift) / 1024, xc->prio);
	for_each_cpu(cpu, &cpu_online_mask)
		config_ok(cpu, true);
	test_self();
	if (other == MAX_CPUS) {
		report_skip("XIVE IPIs between CPUs: needs 2 CPUs");
	} else {
		test_unicast();
		test_burst(other, 1);
		test_burst(other, 8);
		test_msg_coalesce(other);
		test_mask(other);
		test_route(other, third < MAX_CPUS ? third : me);
		test_eas_mask(other);
		test_doorbell(other);
	}
	test_wrap();
	test_queue_index(me);
	if (other < MAX_CPUS)
		test_queue_index(other);
	test_hcall_errors(xc);
	for_each_cpu(cpu, &cpu_online_mask)
		ok = config_ok(cpu, false) && ok;
	report(ok, "the refused calls changed no CPU's source or queue");
}
