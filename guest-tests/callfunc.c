// SPDX-License-Identifier: MIT
/*
 * callfunc - the call-function layer (lib/smp_call.c) under load.
 *
 * First its semantics, deterministically: a local call runs at once,
 * an offline target is refused, wait returns only after the function ran,
 * an async csd still queued is -EBUSY, entries queued while the target
 * cannot take interrupts cost one IPI in all and run in FIFO order.
 *
 * Then the stress: every CPU calls every other CPU, `calls=N` function
 * executions in all (default 100000), cycling through `mix=` (default
 * "SNSAMm": S single+wait, N single no-wait, A single_async with our own
 * csds, M many+wait, m many no-wait). Each execution has its own slot: the
 * caller marks it expected, the function counts it, so at the end every
 * slot must have run exactly once (lost=0 dup=0), on the right CPU
 * (wrong=0), wait calls must have found their slots done (early=0), every
 * queue must be empty and every csd unlocked, and the per-CPU counters must
 * add up: entries queued = functions run, interrupts taken = IPIs sent,
 * none of them finding an empty queue. Round-trip latency of the S calls is
 * kept as a log-linear histogram (12% buckets: percentiles are bucket
 * floors, min/max exact).
 */
#include "libtest.h"

#define DEFAULT_CALLS 100000
#define DEFAULT_MIX "SNSAMm"
#define POOL 8
#define MANY_FLAG 0x8000u
#define HIST_BUCKETS 512
#define DRAIN_TIMEOUT_US 30000000ull

static unsigned ncpu;                    /* online CPUs */
static unsigned cpu_at[MAX_CPUS];        /* rank -> cpu */
static unsigned rank_of[MAX_CPUS];       /* cpu -> rank */
static u8 *runs, *expect;                /* one per slot */
static const char *mix;
static unsigned wrong;

struct driver {
	u32 base, budget, used;              /* slots [base, base + budget * ncpu) */
	unsigned early, errors, busy;
	unsigned samples;
	u64 min, max;
	u32 hist[HIST_BUCKETS];
	struct csd pool[POOL];
} __attribute__((aligned(64)));

static struct driver *drivers;

/* The called function: count this slot (for "many", this CPU's slot). */
static void cf_func(void *info)
{
	uintptr_t v = (uintptr_t)info;
	u32 slot = (u32)(v >> 16), me = rank_of[smp_id()];

	if (v & MANY_FLAG)
		slot += me;
	else if ((v & 0x7fff) != me)
		atomic_inc(&wrong);
	__atomic_fetch_add(&runs[slot], 1, __ATOMIC_RELAXED);
}

static void *cf_info(u32 slot, unsigned target_rank)
{
	return (void *)((uintptr_t)slot << 16 | target_rank);
}

/* Log-linear buckets: exact below 16, then 8 per power of two (~12%). */
static unsigned bucket_of(u64 x)
{
	if (x < 16)
		return (unsigned)x;
	unsigned msb = 63 - (unsigned)__builtin_clzll(x);
	return 16 + (msb - 4) * 8 + (unsigned)((x >> (msb - 3)) & 7);
}

static u64 bucket_low(unsigned b)
{
	if (b < 16)
		return b;
	unsigned msb = (b - 16) / 8 + 4;
	return (u64)(8 + (b - 16) % 8) << (msb - 3);
}

static void record(struct driver *d, u64 cycles)
{
	d->hist[bucket_of(cycles)]++;
	d->samples++;
	if (cycles < d->min)
		d->min = cycles;
	if (cycles > d->max)
		d->max = cycles;
}

static unsigned next_other(unsigned me, unsigned *rr)
{
	*rr = (*rr + 1) % ncpu;
	if (*rr == me)
		*rr = (*rr + 1) % ncpu;
	return *rr;
}

static void driver(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg, rr = me, turn = 0;
	struct driver *d = &drivers[me];
	u32 slot = d->base, left = d->budget;
	size_t mixlen = strlen(mix);
	unsigned pool_next = 0;

	while (left) {
		char kind = mix[turn % mixlen];
		unsigned others = ncpu - 1;
		int err = 0;

		if ((kind == 'M' || kind == 'm') && others > left)
			kind = 'S';                   /* the budget's last few */
		if (kind == 'M' || kind == 'm') {
			/* All others (the shorthand path), or all but one, in turn. */
			struct cpumask mask;
			cpumask_clear(&mask);
			unsigned skip = ncpu > 2 && (turn / mixlen) % 2 ? next_other(me, &rr) : ncpu;
			unsigned k = 0;
			for (unsigned r = 0; r < ncpu; r++) {
				if (r == me || r == skip)
					continue;
				cpumask_set(&mask, cpu_at[r]);
				expect[slot + r] = 1;
				k++;
			}
			err = smp_call_function_many(&mask, cf_func, (void *)((uintptr_t)slot << 16 | MANY_FLAG),
						     kind == 'M');
			if (kind == 'M')
				for (unsigned r = 0; r < ncpu; r++)
					if (expect[slot + r] && READ_ONCE(runs[slot + r]) != 1)
						d->early++;
			slot += ncpu;
			left -= k;
		} else {
			unsigned t = next_other(me, &rr);
			void *info = cf_info(slot, t);
			expect[slot] = 1;
			if (kind == 'N') {
				err = smp_call_function_single(cpu_at[t], cf_func, info, false);
			} else if (kind == 'A') {
				struct csd *csd = &d->pool[pool_next++ % POOL];
				if (csd_locked(csd)) {
					d->busy++;
					while (csd_locked(csd))
						pause();
				}
				csd->func = cf_func;
				csd->info = info;
				err = smp_call_function_single_async(cpu_at[t], csd);
			} else {
				u64 t0 = rdtsc();
				err = smp_call_function_single(cpu_at[t], cf_func, info, true);
				record(d, rdtsc() - t0);
				if (READ_ONCE(runs[slot]) != 1)
					d->early++;
			}
			slot++;
			left--;
		}
		if (err)
			d->errors++;
		turn++;
	}
	d->used = slot - d->base;
}

/* ---- semantics ---- */

static unsigned order[8], norder;

static void order_fn(void *info)
{
	if (norder < ARRAY_SIZE(order))
		order[norder++] = (unsigned)(uintptr_t)info;
}

static bool ran_here_irqs_off;

static void local_fn(void *arg)
{
	ran_here_irqs_off = smp_id() == (unsigned)(uintptr_t)arg && !irqs_enabled();
}

static volatile bool slow_done;

static void slow_fn(void *arg)
{
	(void)arg;
	udelay(2000);
	slow_done = true;
}

static void test_semantics(void)
{
	unsigned me = smp_id(), target = cpu_at[ncpu - 1], offline = 0;

	while (cpu_online(offline))
		offline++;
	report(smp_call_function_single(offline, order_fn, NULL, true) == -ENXIO,
	       "call to offline cpu %u: -ENXIO", offline);

	ran_here_irqs_off = false;
	int err = smp_call_function_single(me, local_fn, (void *)(uintptr_t)me, false);
	report(!err && ran_here_irqs_off, "call to self runs at once, here, interrupts off");

	slow_done = false;
	err = smp_call_function_single(target, slow_fn, NULL, true);
	report(!err && slow_done, "wait=1 returns after the function finished (2 ms function)");

	/* Target takes no interrupts: three entries, one IPI, then FIFO. */
	static struct csd a, b, c;
	a = (struct csd){ .func = order_fn, .info = (void *)1 };
	b = (struct csd){ .func = order_fn, .info = (void *)2 };
	c = (struct csd){ .func = order_fn, .info = (void *)3 };
	norder = 0;
	if (!irqs_off_hold(target, 10000000))
		return;
	struct smp_call_stats mine = this_cpu()->call.stats, theirs = per_cpu(target)->call.stats;
	int r1 = smp_call_function_single_async(target, &a);
	int r2 = smp_call_function_single_async(target, &b);
	int r3 = smp_call_function_single_async(target, &c);
	int rbusy = smp_call_function_single_async(target, &a);
	u64 ipis = this_cpu()->call.stats.ipis - mine.ipis;
	u64 queued = this_cpu()->call.stats.queued - mine.queued;
	report(!r1 && !r2 && !r3 && rbusy == -EBUSY, "async: a csd still queued is -EBUSY (%d %d %d, %d)",
	       r1, r2, r3, rbusy);
	report(ipis == 1 && queued == 3 && norder == 0,
	       "3 calls queued to a busy cpu %u: 1 IPI (%llu), none run yet (%u)", target,
	       (unsigned long long)ipis, norder);
	irqs_off_release(target);
	wait_until(norder == 3, 10000000);
	report(norder == 3 && order[0] == 1 && order[1] == 2 && order[2] == 3,
	       "queue flushed in FIFO order (%u: %u %u %u)", norder, order[0], order[1], order[2]);
	struct smp_call_stats now = per_cpu(target)->call.stats;
	report(now.interrupts - theirs.interrupts == 1 && now.funcs - theirs.funcs == 3,
	       "one interrupt ran all three (%llu interrupts, %llu functions)",
	       (unsigned long long)(now.interrupts - theirs.interrupts),
	       (unsigned long long)(now.funcs - theirs.funcs));
	report(!csd_locked(&a) && !csd_locked(&b) && !csd_locked(&c) &&
		       smp_call_function_single_async(target, &a) == 0 && wait_until(norder == 4, 10000000),
	       "csds unlocked after running, and reusable");
}

/* ---- end-of-run accounting ---- */

static bool all_unlocked(void)
{
	for (unsigned r = 0; r < ncpu; r++) {
		struct percpu *pc = per_cpu(cpu_at[r]);
		if (csd_locked(&pc->call.csd_data))
			return false;
		for (unsigned t = 0; t < ncpu && pc->call.cfd_csd; t++)
			if (csd_locked(&pc->call.cfd_csd[cpu_at[t]]))
				return false;
		for (unsigned i = 0; i < POOL; i++)
			if (csd_locked(&drivers[r].pool[i]))
				return false;
	}
	return true;
}

static bool all_queues_empty(void)
{
	for (unsigned r = 0; r < ncpu; r++)
		if (!llist_empty(&per_cpu(cpu_at[r])->call.queue))
			return false;
	return true;
}

static struct smp_call_stats sum_stats(void)
{
	struct smp_call_stats s = { 0, 0, 0, 0, 0 };

	for (unsigned r = 0; r < ncpu; r++) {
		struct smp_call_stats *p = &per_cpu(cpu_at[r])->call.stats;
		s.queued += p->queued;
		s.ipis += p->ipis;
		s.interrupts += p->interrupts;
		s.empty += p->empty;
		s.funcs += p->funcs;
	}
	return s;
}

static u64 percentile(const u32 *hist, u64 total, unsigned pct)
{
	u64 want = (total * pct + 99) / 100, seen = 0;

	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		seen += hist[b];
		if (seen >= want && want)
			return bucket_low(b);
	}
	return 0;
}

static void test_stress(unsigned long calls)
{
	unsigned me = rank_of[smp_id()];
	u32 per = (u32)(calls / ncpu), extra = (u32)(calls % ncpu), nslots = 0;

	drivers = zalloc(ncpu * sizeof(*drivers), 64);
	for (unsigned r = 0; r < ncpu; r++) {
		drivers[r].base = nslots;
		drivers[r].budget = per + (r < extra);
		drivers[r].min = ~0ull;
		nslots += drivers[r].budget * ncpu + ncpu;
	}
	runs = zalloc(nslots, 64);
	expect = zalloc(nslots, 64);

	struct smp_call_stats before = sum_stats();
	u64 t0 = rdtsc();
	for (unsigned r = 0; r < ncpu; r++)
		if (r != me)
			on_cpu_async(cpu_at[r], driver, (void *)(uintptr_t)r);
	driver((void *)(uintptr_t)me);
	for (unsigned r = 0; r < ncpu; r++)
		on_cpu_wait(cpu_at[r]);
	bool drained = wait_until(all_unlocked(), DRAIN_TIMEOUT_US);
	u64 cycles = rdtsc() - t0;
	struct smp_call_stats after = sum_stats();

	u64 expected = 0, lost = 0, dup = 0;
	for (u32 s = 0; s < nslots; s++) {
		expected += expect[s];
		if (expect[s] && !runs[s])
			lost++;
		if (runs[s] > expect[s])
			dup += runs[s] - expect[s];
	}
	unsigned early = 0, errors = 0, busy = 0;
	u32 *hist = zalloc(HIST_BUCKETS * sizeof(u32), 64);
	u64 samples = 0, min = ~0ull, max = 0;
	for (unsigned r = 0; r < ncpu; r++) {
		struct driver *d = &drivers[r];
		early += d->early;
		errors += d->errors;
		busy += d->busy;
		samples += d->samples;
		min = d->min < min ? d->min : min;
		max = d->max > max ? d->max : max;
		for (unsigned b = 0; b < HIST_BUCKETS; b++)
			hist[b] += d->hist[b];
	}
	u64 funcs = after.funcs - before.funcs, ipis = after.ipis - before.ipis;
	u64 queued = after.queued - before.queued, irqs = after.interrupts - before.interrupts;
	u64 empty = after.empty - before.empty;
	u64 us = tsc_us_from_cycles(cycles);

	report(expected == calls, "%llu function calls issued (%lu asked)", (unsigned long long)expected, calls);
	report(drained, "every csd unlocked at the end");
	report(all_queues_empty(), "every call_single_queue empty at the end");
	report(lost == 0 && dup == 0, "each call ran exactly once (lost %llu, dup %llu)",
	       (unsigned long long)lost, (unsigned long long)dup);
	report(READ_ONCE(wrong) == 0, "each call ran on its target CPU (wrong %u)", READ_ONCE(wrong));
	report(early == 0, "wait calls returned only after completion (early %u)", early);
	report(errors == 0, "no call returned an error (%u)", errors);
	report(funcs == expected && queued == expected,
	       "counters add up: %llu queued, %llu run, %llu expected", (unsigned long long)queued,
	       (unsigned long long)funcs, (unsigned long long)expected);
	report(ipis >= 1 && ipis <= queued,
	       "IPIs only on empty-to-non-empty pushes (%llu IPIs for %llu entries)",
	       (unsigned long long)ipis, (unsigned long long)queued);
	report(irqs == ipis && empty == 0,
	       "one interrupt per IPI, each with work (%llu interrupts, %llu found the queue empty)",
	       (unsigned long long)irqs, (unsigned long long)empty);
	printf("callfunc: calls=%llu cpus=%u mix=%s lost=%llu dup=%llu wrong=%u early=%u errors=%u "
	       "ipis=%llu queued=%llu irqs=%llu irqs_empty=%llu async_busy=%u time_ms=%llu calls_per_s=%llu "
	       "rtt_samples=%llu p50=%llu p90=%llu p99=%llu min=%llu max=%llu cycles "
	       "(p50=%lluns p99=%lluns, tsc_khz=%llu %s)\n",
	       (unsigned long long)expected, ncpu, mix, (unsigned long long)lost,
	       (unsigned long long)dup, READ_ONCE(wrong), early, errors, (unsigned long long)ipis,
	       (unsigned long long)queued, (unsigned long long)irqs, (unsigned long long)empty, busy,
	       (unsigned long long)(us / 1000), (unsigned long long)(us ? expected * 1000000 / us : 0),
	       (unsigned long long)samples, (unsigned long long)percentile(hist, samples, 50),
	       (unsigned long long)percentile(hist, samples, 90),
	       (unsigned long long)percentile(hist, samples, 99),
	       (unsigned long long)(samples ? min : 0), (unsigned long long)max,
	       (unsigned long long)tsc_ns_from_cycles(percentile(hist, samples, 50)),
	       (unsigned long long)tsc_ns_from_cycles(percentile(hist, samples, 99)),
	       (unsigned long long)tsc_khz(), tsc_khz_source());
	/* csd_warn_ms=N: waits that outlived N ms (lib/smp_call.c). */
	u64 csd_stalls, csd_stall_max_ms;
	smp_call_csd_stall_totals(&csd_stalls, &csd_stall_max_ms);
	printf("callfunc: csd_stalls=%llu csd_stall_max_ms=%llu\n", (unsigned long long)csd_stalls,
	       (unsigned long long)csd_stall_max_ms);
}

int main(int argc, char **argv)
{
	unsigned long calls = arg_ulong("calls", DEFAULT_CALLS);
	unsigned cpu;

	(void)argc;
	(void)argv;
	mix = arg_value("mix") ? arg_value("mix") : DEFAULT_MIX;
	for (const char *p = mix; *p; p++)
		if (!strchr("SNAMm", *p))
			report_abort("mix=%s: letters are S N A M m", mix);
	if (!*mix)
		report_abort("mix= is empty");
	for_each_cpu(cpu, &cpu_online_mask) {
		rank_of[cpu] = ncpu;
		cpu_at[ncpu++] = cpu;
	}
	report_prefix_push("callfunc");
	if (ncpu < 2 || ncpu > 0x7fff || calls > 0xffff0000ul / ncpu / ncpu) {
		report_skip("needs 2 or more CPUs (and calls * cpus^2 < 2^32)");
	} else {
		test_semantics();
		test_stress(calls);
	}
	report_prefix_pop();
	return report_summary();
}
