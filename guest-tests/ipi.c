// SPDX-License-Identifier: MIT
/*
 * ipi - interprocessor interrupt delivery: fixed physical IPIs between all
 * CPUs, logical flat and cluster multicast (xAPIC) or x2APIC cluster, the
 * broadcast shorthands and physical broadcast, NMI IPIs, and INIT/SIPI
 * restart of an AP (idle, busy with interrupts off, or INITing itself).
 *
 * When IPIs go through XIVE (lib/ipi_ops.h), the XIVE checks of
 * ipi_xive.c replace the APIC destination-mode ones, which do not apply;
 * NMIs and INIT/SIPI stay on the APIC and are checked as before (the
 * restarted CPU's IPIs then come over XIVE).
 *
 * Every check counts deliveries on every CPU: the targets must get the
 * vector exactly once and every other CPU not at all (neither taken nor
 * left pending in IRR or, over XIVE, in the message word, which a barrier
 * on_cpus() probe reads).
 */
#include "ipi.h"
#include "ipi_ops.h"

#define RESTART_VEC 0x41

unsigned hits[MAX_CPUS];
static unsigned restart_hits[MAX_CPUS];
static unsigned nmis[MAX_CPUS];
static bool pending[MAX_CPUS];

static void test_irq(struct trap_regs *r)
{
	atomic_inc(&hits[smp_id()]);
	ipi_eoi(r);
}

static void restart_irq(struct trap_regs *r)
{
	atomic_inc(&restart_hits[smp_id()]);
	ipi_eoi(r);
}

static void nmi_handler(struct trap_regs *r)
{
	(void)r;
	atomic_inc(&nmis[smp_id()]);
}

static void probe_pending(void *arg)
{
	(void)arg;
	pending[smp_id()] = apic_irr(TEST_VEC) || ipi_msg_pending(TEST_VEC);
}

void reset_counts(void)
{
	memset(hits, 0, sizeof(hits));
	memset(nmis, 0, sizeof(nmis));
	memset(pending, 0, sizeof(pending));
}

static bool all_arrived(const unsigned *count, const struct cpumask *expect)
{
	unsigned cpu;

	for_each_cpu(cpu, expect)
		if (READ_ONCE(count[cpu]) < 1)
			return false;
	return true;
}

/*
 * Wait for the expected deliveries, let every CPU take what it has (a
 * synchronous call to all of them), then compare. @count is hits or nmis.
 */
void check(const unsigned *count, const struct cpumask *expect, const char *what)
{
	char got[128] = "";
	size_t len = 0;
	bool ok = true;
	unsigned cpu;

	wait_until(all_arrived(count, expect), DELIVERY_TIMEOUT_US);
	on_cpus(probe_pending, NULL);
	for_each_cpu(cpu, &cpu_online_mask) {
		unsigned n = READ_ONCE(count[cpu]) + (count == hits && pending[cpu]);
		if (n != (cpumask_test(expect, cpu) ? 1u : 0u))
			ok = false;
		if (n && len < sizeof(got) - 8)
			len += (size_t)snprintf(got + len, sizeof(got) - len, " %u%s", cpu,
						n > 1 ? "(dup)" : (pending[cpu] && count == hits ? "(pending)" : ""));
	}
	report(ok, "%s: delivered to {%s }", what, got);
	reset_counts();
}

struct send_req {
	u32 icr_low, dest;
};

static void send_from_here(void *arg)
{
	struct send_req *r = arg;

	apic_icr_write(r->icr_low, r->dest);
}

void send_from(unsigned cpu, u32 icr_low, u32 dest)
{
	struct send_req r = { icr_low, dest };

	if (cpu == smp_id())
		send_from_here(&r);
	else
		on_cpu(cpu, send_from_here, &r);
}

struct cpumask mask_of(unsigned cpu)
{
	struct cpumask m;

	cpumask_clear(&m);
	cpumask_set(&m, cpu);
	return m;
}

static void test_physical(void)
{
	unsigned cpu, n = 0;
	unsigned order[MAX_CPUS];
	char what[64];

	for_each_cpu(cpu, &cpu_online_mask)
		order[n++] = cpu;
	if (n < 2) {
		report_skip("physical IPIs: needs 2 CPUs");
		return;
	}
	/* BSP to every other CPU, then around the ring so every APIC sends. */
	for (unsigned i = 1; i < n; i++) {
		struct cpumask m = mask_of(order[i]);
		apic_send_ipi(cpu_apic_id(order[i]), TEST_VEC);
		snprintf(what, sizeof(what), "fixed physical %u -> %u", smp_id(), order[i]);
		check(hits, &m, what);
	}
	for (unsigned i = 1; i < n; i++) {
		unsigned src = order[i], dst = order[(i + 1) % n];
		struct cpumask m = mask_of(dst);
		send_from(src, APIC_DM_FIXED | TEST_VEC, cpu_apic_id(dst));
		snprintf(what, sizeof(what), "fixed physical %u -> %u", src, dst);
		check(hits, &m, what);
	}
}

/* xAPIC logical: each CPU programs its own DFR and LDR. */
static void set_flat(void *arg)
{
	unsigned cpu = smp_id();

	(void)arg;
	apic_write(APIC_DFR, 0xffffffff);
	apic_write(APIC_LDR, cpu < 8 ? (1u << cpu) << 24 : 0);
}

static void set_cluster(void *arg)
{
	unsigned cpu = smp_id();

	(void)arg;
	apic_write(APIC_DFR, 0x0fffffff);
	apic_write(APIC_LDR, cpu < 60 ? ((cpu / 4) << 4 | 1u << (cpu % 4)) << 24 : 0);
}

static void clear_logical(void *arg)
{
	(void)arg;
	apic_write(APIC_LDR, 0);
	apic_write(APIC_DFR, 0xffffffff);
}

static u32 ldr_seen[MAX_CPUS], dfr_seen[MAX_CPUS];

static void read_logical(void *arg)
{
	(void)arg;
	ldr_seen[smp_id()] = apic_read(APIC_LDR);
	dfr_seen[smp_id()] = apic_x2apic_mode() ? 0 : apic_read(APIC_DFR);
}

static bool logical_readback(u32 (*want_ldr)(unsigned), u32 want_dfr)
{
	unsigned cpu;
	bool ok = true;

	on_cpus(read_logical, NULL);
	for_each_cpu(cpu, &cpu_online_mask) {
		if (ldr_seen[cpu] != want_ldr(cpu) || dfr_seen[cpu] != want_dfr) {
			printf("  cpu %u: LDR %#x (want %#x) DFR %#x (want %#x)\n", cpu, ldr_seen[cpu],
			       want_ldr(cpu), dfr_seen[cpu], want_dfr);
			ok = false;
		}
	}
	return ok;
}

static u32 flat_ldr(unsigned cpu) { return cpu < 8 ? (1u << cpu) << 24 : 0; }
static u32 cluster_ldr(unsigned cpu) { return cpu < 60 ? ((cpu / 4) << 4 | 1u << (cpu % 4)) << 24 : 0; }

static void test_flat(void)
{
	struct cpumask m;
	unsigned cpu;
	u32 dest = 0;
	char what[64];

	on_cpus(set_flat, NULL);
	report(logical_readback(flat_ldr, 0xffffffff), "flat: LDR/DFR read back on every CPU");
	for_each_cpu(cpu, &cpu_online_mask) {
		if (cpu >= 8)
			break;
		m = mask_of(cpu);
		apic_icr_write(APIC_DEST_LOGICAL | APIC_DM_FIXED | TEST_VEC, 1u << cpu);
		snprintf(what, sizeof(what), "logical flat dest %#x", 1u << cpu);
		check(hits, &m, what);
	}
	/* Multicast: every other CPU with an LDR bit, then everyone. */
	cpumask_clear(&m);
	for_each_cpu(cpu, &cpu_online_mask)
		if (cpu < 8 && cpu != smp_id()) {
			cpumask_set(&m, cpu);
			dest |= 1u << cpu;
		}
	apic_icr_write(APIC_DEST_LOGICAL | APIC_DM_FIXED | TEST_VEC, dest);
	snprintf(what, sizeof(what), "logical flat multicast dest %#x", dest);
	check(hits, &m, what);
	cpumask_set(&m, smp_id());
	dest |= 1u << smp_id();
	apic_icr_write(APIC_DEST_LOGICAL | APIC_DM_FIXED | TEST_VEC, dest);
	snprintf(what, sizeof(what), "logical flat multicast dest %#x (self too)", dest);
	check(hits, &m, what);
	on_cpus(clear_logical, NULL);
}

static void test_cluster(void)
{
	struct cpumask m;
	unsigned cpu;
	char what[64];

	on_cpus(set_cluster, NULL);
	report(logical_readback(cluster_ldr, 0x0fffffff), "cluster: LDR/DFR read back on every CPU");
	for (unsigned cl = 0; cl < 15; cl++) {
		u32 bits = 0;
		cpumask_clear(&m);
		for_each_cpu(cpu, &cpu_online_mask)
			if (cpu / 4 == cl && cpu < 60 && cpu != smp_id()) {
				cpumask_set(&m, cpu);
				bits |= 1u << (cpu % 4);
			}
		if (!bits)
			continue;
		apic_icr_write(APIC_DEST_LOGICAL | APIC_DM_FIXED | TEST_VEC, cl << 4 | bits);
		snprintf(what, sizeof(what), "logical cluster %u members %#x", cl, bits);
		check(hits, &m, what);
	}
	on_cpus(clear_logical, NULL);
}

/* x2APIC: LDR is read-only, derived from the x2APIC ID. */
static u32 x2apic_ldr(unsigned cpu)
{
	u32 id = cpu_apic_id(cpu);

	return (id >> 4) << 16 | 1u << (id & 0xf);
}

static void test_x2apic_cluster(void)
{
	struct cpumask m;
	unsigned cpu, self = smp_id();
	char what[80];

	report(logical_readback(x2apic_ldr, 0), "x2APIC cluster: LDR = cluster << 16 | 1 << (id & 15)");
	/* One multicast per cluster holding other CPUs. */
	struct cpumask left = cpu_online_mask;
	cpumask_clr(&left, self);
	while ((cpu = cpumask_next(&left, 0)) < MAX_CPUS) {
		u32 cluster = cpu_apic_id(cpu) >> 4, bits = 0;
		unsigned c;
		cpumask_clear(&m);
		for_each_cpu(c, &cpu_online_mask)
			if (c != self && cpu_apic_id(c) >> 4 == cluster) {
				cpumask_set(&m, c);
				cpumask_clr(&left, c);
				bits |= 1u << (cpu_apic_id(c) & 0xf);
			}
		apic_icr_write(APIC_DEST_LOGICAL | APIC_DM_FIXED | TEST_VEC, cluster << 16 | bits);
		snprintf(what, sizeof(what), "x2APIC logical cluster %u members %#x", cluster, bits);
		check(hits, &m, what);
	}
}

static void test_broadcast(void)
{
	struct cpumask m = cpu_online_mask;

	if (!smp_all_cpus_online()) {
		report_skip("broadcast: not every CPU is online");
		return;
	}
	apic_icr_write(APIC_DEST_ALLINC | APIC_DM_FIXED | TEST_VEC, 0);
	check(hits, &m, "shorthand all-including-self");
	cpumask_clr(&m, smp_id());
	apic_icr_write(APIC_DEST_ALLBUT | APIC_DM_FIXED | TEST_VEC, 0);
	check(hits, &m, "shorthand all-excluding-self");
	m = cpu_online_mask;
	apic_icr_write(APIC_DM_FIXED | TEST_VEC, apic_x2apic_mode() ? 0xffffffff : 0xff);
	check(hits, &m, "physical broadcast destination");
	/* From an AP too: the shorthands are relative to the sender. */
	unsigned ap = cpumask_next(&cpu_online_mask, 1);
	if (ap < MAX_CPUS) {
		cpumask_clr(&m, ap);
		send_from(ap, APIC_DEST_ALLBUT | APIC_DM_FIXED | TEST_VEC, 0);
		check(hits, &m, "shorthand all-excluding-self from an AP");
	}
}

static void test_nmi(void)
{
	unsigned cpu;
	char what[48];

	handle_irq(2, nmi_handler);
	for_each_cpu(cpu, &cpu_online_mask) {
		if (cpu == smp_id())
			continue;
		struct cpumask m = mask_of(cpu);
		apic_icr_write(APIC_DM_NMI, cpu_apic_id(cpu));
		snprintf(what, sizeof(what), "NMI IPI to cpu %u", cpu);
		check(nmis, &m, what);
	}
	if (smp_all_cpus_online()) {
		struct cpumask m = cpu_online_mask;
		cpumask_clr(&m, smp_id());
		apic_icr_write(APIC_DEST_ALLBUT | APIC_DM_NMI, 0);
		check(nmis, &m, "NMI to all-excluding-self");
	}
	handle_irq(2, NULL);
}

struct where {
	unsigned cpu;
	u32 apic_id;
};

static void where_am_i(void *arg)
{
	struct where *w = arg;

	w->cpu = smp_id();
	w->apic_id = apic_id();
}

void nop(void *arg)
{
	(void)arg;
}

static void test_init_sipi(void)
{
	unsigned target = MAX_CPUS, cpu;

	for_each_cpu(cpu, &cpu_online_mask)
		if (cpu != smp_id())
			target = cpu;
	if (target == MAX_CPUS) {
		report_skip("INIT/SIPI: needs 2 CPUs");
		return;
	}
	u32 id = cpu_apic_id(target);
	unsigned boots = smp_boot_count(target);

	on_cpu(target, nop, NULL);           /* it is idle, its queue empty */
	smp_cpu_offline(target);
	smp_send_init(id);
	ipi_send(target, TEST_VEC);
	udelay(20000);
	report(READ_ONCE(hits[target]) == 0, "INIT: cpu %u stops taking interrupts", target);

	/* Two SIPIs as the MP spec says; one that finds it running is ignored. */
	smp_send_sipi(id);
	smp_send_sipi(id);
	bool back = smp_wait_online(target, boots, 30000000);
	report(back && smp_boot_count(target) == boots + 1,
	       "SIPI: cpu %u started again (boot count %u -> %u)", target, boots,
	       smp_boot_count(target));
	if (!back)
		return;
	struct where w = { MAX_CPUS, ~0u };
	on_cpu(target, where_am_i, &w);
	report(w.cpu == target && w.apic_id == id, "restarted cpu %u answers on_cpu (cpu %u, APIC ID %u)",
	       target, w.cpu, w.apic_id);
	/* A fresh vector: what happens to an IPI sent during wait-for-SIPI
	 * (dropped, or held in IRR) is the APIC's choice. (Over XIVE the
	 * restarted CPU drops it: lib/ipi_ops.c.) */
	ipi_send(target, RESTART_VEC);
	wait_until(READ_ONCE(restart_hits[target]) >= 1, DELIVERY_TIMEOUT_US);
	on_cpu(target, nop, NULL);
	report(READ_ONCE(restart_hits[target]) == 1, "restarted cpu %u takes a fixed IPI (via %s)", target,
	       ipi_name());
	on_cpus(probe_pending, NULL);
	report_info("IPI sent to cpu %u in wait-for-SIPI: %s", target,
		    hits[target] || pending[target] ? "held and delivered after SIPI" : "dropped");
	reset_counts();
}

/*
 * INIT is not masked by IF: a CPU busy with interrupts off goes to
 * wait-for-SIPI as surely as an idle one, and so does a CPU that sends INIT
 * to its own APIC ID. Either comes back with SIPI.
 */
static volatile u64 spin_count;
static volatile bool self_init_sent;

static void spin_irqs_off(void *arg)
{
	(void)arg;
	cli();
	for (;;) {
		spin_count++;
		pause();
	}
}

static void init_self(void *arg)
{
	(void)arg;
	cli();
	self_init_sent = true;
	smp_send_init(apic_id());
	for (;;) {                             /* only until the INIT lands */
		spin_count++;
		pause();
	}
}

/* Has @cpu stopped running code? @what names how it was stopped. */
static bool stopped_by_init(unsigned cpu, const char *what)
{
	u64 c0, c1;

	udelay(20000);
	c0 = spin_count;
	udelay(20000);
	c1 = spin_count;
	report(c0 == c1, "%s: cpu %u stops (%llu then %llu loops)", what, cpu,
	       (unsigned long long)c0, (unsigned long long)c1);
	return c0 == c1;
}

/* SIPI @cpu back and check it serves on_cpu() again. */
static void restart(unsigned cpu, unsigned boots, const char *what)
{
	u32 id = cpu_apic_id(cpu);
	struct where w = { MAX_CPUS, ~0u };

	smp_store_release(&per_cpu(cpu)->task, NULL); /* it never returned */
	smp_send_sipi(id);
	smp_send_sipi(id);
	bool back = smp_wait_online(cpu, boots, 30000000);
	report(back, "%s: cpu %u started again by SIPI (boot count %u -> %u)", what, cpu, boots,
	       smp_boot_count(cpu));
	if (!back)
		return;
	on_cpu(cpu, where_am_i, &w);
	report(w.cpu == cpu && w.apic_id == id, "%s: cpu %u answers on_cpu again", what, cpu);
}

static void test_init_running_and_self(void)
{
	unsigned target = MAX_CPUS, cpu, boots;

	for_each_cpu(cpu, &cpu_online_mask)
		if (cpu != smp_id())
			target = cpu;
	if (target == MAX_CPUS) {
		report_skip("INIT to a running CPU / to self: needs 2 CPUs");
		return;
	}
	boots = smp_boot_count(target);
	spin_count = 0;
	on_cpu_async(target, spin_irqs_off, NULL);
	wait_until(spin_count > 0, DELIVERY_TIMEOUT_US);
	smp_cpu_offline(target);
	smp_send_init(cpu_apic_id(target));
	if (stopped_by_init(target, "INIT to a CPU running with interrupts off"))
		restart(target, boots, "INIT to a running CPU");

	boots = smp_boot_count(target);
	if (!cpu_online(target))
		return;
	spin_count = 0;
	self_init_sent = false;
	on_cpu_async(target, init_self, NULL);
	wait_until(self_init_sent, DELIVERY_TIMEOUT_US);
	smp_cpu_offline(target);
	if (stopped_by_init(target, "INIT to self"))
		restart(target, boots, "INIT to self");
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	handle_irq(TEST_VEC, test_irq);
	handle_irq(RESTART_VEC, restart_irq);
	report_prefix_push("ipi");
	if (ipi_via_xive()) {
		report_prefix_push("XIVE");
		test_xive();
		report_prefix_pop();
	}
	report_prefix_push(apic_ops()->name);
	if (ipi_via_xive()) {
		report_skip("APIC destination modes: IPIs go through XIVE (\"apic\" on the command line tests them)");
	} else {
		test_physical();
		if (apic_x2apic_mode()) {
			report_skip("logical flat: no flat model in x2APIC mode");
			test_x2apic_cluster();
		} else {
			test_flat();
			test_cluster();
		}
		test_broadcast();
	}
	test_nmi();
	test_init_sipi();
	test_init_running_and_self();
	report_prefix_pop();
	report_prefix_pop();
	return report_summary();
}
