// SPDX-License-Identifier: MIT
/*
 * bench - IPI latency and throughput, for `make bench` (tools/bench/).
 *
 *   mode=pingpong   CPU0 sends a fixed IPI to CPU1, whose handler answers
 *                   with one back; CPU0 spins (interrupts on) until the
 *                   answer and measures the round trip with rdtsc. CPU1
 *                   idles in sti; hlt between rounds. With one CPU: a
 *                   self-IPI round trip (send, take it, EOI).
 *   mode=alltoall   every CPU calls every other CPU in turn with
 *                   smp_call_function_single(wait=1) (lib/smp_call.c);
 *                   each call's round trip is a sample.
 *   mode=broadcast  CPU0 sends one all-excluding-self shorthand IPI and
 *                   waits until every other CPU acked; then the same with
 *                   N-1 single physical IPIs. Samples: the shorthand's.
 *   mode=oncpu      the shape of a third-party microbenchmark: CPU1 idles in
 *                   a bare hlt loop (interrupts on, nothing else); CPU0
 *                   writes one fixed physical IPI straight to the ICR, the
 *                   call's function pointer in a shared slot, and spins on
 *                   a flag without pause; CPU1's handler runs the function,
 *                   sets the flag and EOIs. One IPI and one EOI per call,
 *                   no answering IPI. gap=N: N TSC cycles of spinning after
 *                   each call, so the target is back in hlt (default 0).
 *                   target=hlt|spin|spinpause: the target halts (default),
 *                   or runs a loop with interrupts on, without or with
 *                   pause: the IPI must then reach a vCPU in guest mode.
 *   mode=many       CPU0 calls smp_call_function_many(wait=1) on a set of
 *                   CPUs (lib/smp_call.c): targets=others (every other CPU:
 *                   the all-but-self shorthand, one ICR) or targets=half
 *                   (default: every second other CPU: x2APIC one logical
 *                   ICR per cluster of 16, xAPIC one ICR per CPU). Each
 *                   call, until every target ran the function, is a sample.
 *   peer=halt|spin  pingpong: CPU1 waits for pings in sti; hlt (default; a
 *                   VMM wakes a halted vCPU) or spins with interrupts on
 *                   (a VMM must kick a running vCPU out of the guest)
 *   rounds=N        samples (after 10 warm-up rounds that are not counted)
 *   samples=N       print at most N raw samples on bench-samples: lines
 *                   (default 2000; 0: none)
 *
 * Output: one line
 *   bench: mode=M cpus=N rounds=R p50_cycles=.. p99_cycles=.. p50_ns=..
 *          p99_ns=.. calls_per_s=.. tsc_khz=.. [single_p50_cycles=..
 *          single_p99_cycles=.. bcast_over_single=..]
 * raw samples on "bench-samples: c,c,c" lines (cycles), and the usual
 * "N passed, 0 failed". The numbers are never checked against a limit:
 * a pass means every IPI arrived exactly where it should.
 */
#include "libtest.h"
#include "ipi_ops.h"

#define PING_VEC 0x60
#define PONG_VEC 0x61
#define BCAST_VEC 0x62
#define ONCPU_VEC 0x63
#define WARMUP 10
#define ANSWER_TIMEOUT_US 30000000ull

static volatile u32 pong_seen;
static volatile u32 ping_seen;
static volatile u32 acks;
static u32 ack_per_cpu[MAX_CPUS];
static unsigned pong_cpu; /* who the ping handler answers */
static unsigned ncpu, cpu_at[MAX_CPUS];

static void ping_irq(struct trap_regs *r)
{
	ping_seen++;
	ipi_eoi(r);
	ipi_send(pong_cpu, PONG_VEC);
}

static void pong_irq(struct trap_regs *r)
{
	ipi_eoi(r);
	smp_store_release(&pong_seen, pong_seen + 1);
}

static void bcast_irq(struct trap_regs *r)
{
	ack_per_cpu[smp_id()]++;
	ipi_eoi(r);
	atomic_inc(&acks);
}

/* ---- samples ------------------------------------------------------------- */

static u64 *samples;
static u64 nsamples;

static void sift(u64 *a, u64 n, u64 i)
{
	for (;;) {
		u64 l = 2 * i + 1, big = i;
		if (l < n && a[l] > a[big])
			big = l;
		if (l + 1 < n && a[l + 1] > a[big])
			big = l + 1;
		if (big == i)
			return;
		u64 t = a[i];
		a[i] = a[big];
		a[big] = t;
		i = big;
	}
}

static void sort(u64 *a, u64 n)
{
	for (u64 i = n / 2; i-- > 0;)
		sift(a, n, i);
	for (u64 end = n; end-- > 1;) {
		u64 t = a[0];
		a[0] = a[end];
		a[end] = t;
		sift(a, end, 0);
	}
}

/* Nearest-rank percentile of a sorted array. */
static u64 pct(const u64 *a, u64 n, unsigned p)
{
	if (!n)
		return 0;
	u64 rank = (n * p + 99) / 100;
	return a[rank ? rank - 1 : 0];
}

static void print_samples(const u64 *a, u64 n, unsigned long max)
{
	char line[200];
	size_t len = 0;

	if (n > max)
		n = max;
	for (u64 i = 0; i < n; i++) {
		len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%llu", len ? "," : "",
					(unsigned long long)a[i]);
		if (len > sizeof(line) - 24 || i + 1 == n) {
			printf("bench-samples: %s\n", line);
			len = 0;
		}
	}
}

/* ---- ping-pong ------------------------------------------------------------- */

static volatile bool spin_stop;

static void peer_spin(void *arg)
{
	(void)arg;
	while (!READ_ONCE(spin_stop))
		pause();
}

static bool wait_pong(u32 want)
{
	return wait_until(smp_load_acquire(&pong_seen) == want, ANSWER_TIMEOUT_US);
}

static void bench_pingpong(unsigned long rounds, u64 *elapsed)
{
	unsigned me = smp_id();
	unsigned peer = ncpu > 1 ? cpu_at[1] : me;
	u32 sent = 0;
	bool ok = true;

	pong_cpu = me;
	bool spin = peer != me && arg_value("peer") && !strcmp(arg_value("peer"), "spin");
	if (spin)
		on_cpu_async(peer, peer_spin, NULL);
	u64 start = 0;
	for (unsigned long i = 0; i < rounds + WARMUP && ok; i++) {
		if (i == WARMUP)
			start = rdtsc();
		u64 t0 = rdtsc();
		if (peer == me)
			ipi_send(peer, PONG_VEC); /* self: the pong is the answer */
		else
			ipi_send(peer, PING_VEC);
		ok = wait_pong(++sent);
		u64 t1 = rdtsc();
		if (i >= WARMUP)
			samples[nsamples++] = t1 - t0;
	}
	*elapsed = rdtsc() - start;
	if (spin) {
		WRITE_ONCE(spin_stop, true);
		on_cpu_wait(peer);
	}
	report(ok, "pingpong: %u round trips cpu %u <-> cpu %u (peer %s)", sent, me, peer,
	       spin ? "spins" : "halts");
	if (peer != me)
		report(READ_ONCE(ping_seen) == sent, "pingpong: cpu %u took %u pings", peer,
		       READ_ONCE(ping_seen));
}

/* ---- on-cpu: one IPI carrying a function, a flag back ------------------- */

static void (*volatile oncpu_fn)(void);
static volatile u32 oncpu_done, oncpu_ran;
static volatile bool oncpu_stop;

static void oncpu_work(void)
{
	oncpu_ran++;
}

static void oncpu_irq(struct trap_regs *r)
{
	(void)r;
	oncpu_fn();
	WRITE_ONCE(oncpu_done, 1);
	apic_eoi();
}

/* The target: nothing but hlt (or a spin), interrupts on. */
static void bare_hlt(void *arg)
{
	const char *how = arg;

	sti();
	if (!strcmp(how, "spin")) {
		while (!READ_ONCE(oncpu_stop))
			;
	} else if (!strcmp(how, "spinpause")) {
		while (!READ_ONCE(oncpu_stop))
			pause();
	} else {
		while (!READ_ONCE(oncpu_stop))
			__asm__ __volatile__("hlt" ::: "memory");
	}
}

static void bench_oncpu(unsigned long rounds, u64 *elapsed)
{
	unsigned peer = cpu_at[1];
	u32 dest = cpu_apic_id(peer);
	u64 gap = arg_ulong("gap", 0), start = 0;
	unsigned long done = 0;
	bool ok = true;

	const char *how = arg_value("target") ? arg_value("target") : "hlt";

	if (strcmp(how, "hlt") && strcmp(how, "spin") && strcmp(how, "spinpause"))
		report_abort("target=%s: hlt, spin or spinpause", how);
	oncpu_fn = oncpu_work;
	on_cpu_async(peer, bare_hlt, (void *)how);
	udelay(1000); /* let it reach hlt */
	for (unsigned long i = 0; i < rounds + WARMUP && ok; i++) {
		if (i == WARMUP)
			start = rdtsc();
		WRITE_ONCE(oncpu_done, 0);
		u64 t0 = rdtsc();
		apic_icr_write(APIC_DM_FIXED | ONCPU_VEC, dest);
		u64 limit = t0 + tsc_cycles_from_us(ANSWER_TIMEOUT_US);
		while (!READ_ONCE(oncpu_done) && rdtsc() < limit)
			; /* no pause, as the microbenchmark spins */
		u64 t1 = rdtsc();
		ok = READ_ONCE(oncpu_done);
		if (ok && i >= WARMUP) {
			samples[nsamples++] = t1 - t0;
			done++;
		}
		for (u64 end = rdtsc() + gap; gap && rdtsc() < end;)
			;
	}
	*elapsed = rdtsc() - start;
	WRITE_ONCE(oncpu_stop, true);
	apic_icr_write(APIC_DM_FIXED | ONCPU_VEC, dest); /* out of its hlt */
	on_cpu_wait(peer);
	report(ok && done == rounds, "oncpu: %lu calls on cpu %u, target %s (gap %llu cycles)",
	       done, peer, how, (unsigned long long)gap);
	report(READ_ONCE(oncpu_ran) == rounds + WARMUP + 1, "oncpu: the function ran %u times",
	       READ_ONCE(oncpu_ran));
}

/* ---- all-to-all (smp_call_function_single, wait) ------------------------ */

struct a2a {
	u64 *samples;
	u64 n, errors;
	unsigned long budget;
} __attribute__((aligned(64)));

static struct a2a *a2a;
static volatile u32 a2a_done;
static volatile u32 a2a_calls_ran;

static void a2a_fn(void *info)
{
	(void)info;
	atomic_inc(&a2a_calls_ran);
}

static void a2a_driver(void *arg)
{
	unsigned rank = (unsigned)(uintptr_t)arg;
	struct a2a *d = &a2a[rank];
	unsigned t = rank;

	for (unsigned long i = 0; i < d->budget; i++) {
		t = (t + 1) % ncpu;
		if (t == rank)
			t = (t + 1) % ncpu;
		u64 t0 = rdtsc();
		int err = smp_call_function_single(cpu_at[t], a2a_fn, NULL, true);
		u64 t1 = rdtsc();
		if (err)
			d->errors++;
		else
			d->samples[d->n++] = t1 - t0;
	}
	atomic_inc(&a2a_done);
}

static void bench_alltoall(unsigned long rounds, u64 *elapsed)
{
	unsigned long per = rounds / ncpu, extra = rounds % ncpu;
	u64 errors = 0;

	a2a = zalloc(ncpu * sizeof(*a2a), 64);
	for (unsigned r = 0; r < ncpu; r++) {
		a2a[r].budget = per + (r < extra);
		a2a[r].samples = zalloc((a2a[r].budget + 1) * sizeof(u64), 64);
	}
	u64 t0 = rdtsc();
	for (unsigned r = 1; r < ncpu; r++)
		on_cpu_async(cpu_at[r], a2a_driver, (void *)(uintptr_t)r);
	a2a_driver((void *)(uintptr_t)0);
	bool done = wait_until(READ_ONCE(a2a_done) == ncpu, 600000000ull);
	*elapsed = rdtsc() - t0;
	for (unsigned r = 0; r < ncpu; r++) {
		for (u64 i = 0; i < a2a[r].n; i++)
			samples[nsamples++] = a2a[r].samples[i];
		errors += a2a[r].errors;
	}
	report(done, "alltoall: every CPU finished its calls");
	report(errors == 0 && nsamples == rounds && READ_ONCE(a2a_calls_ran) == rounds,
	       "alltoall: %llu calls ran, %llu errors", (unsigned long long)READ_ONCE(a2a_calls_ran),
	       (unsigned long long)errors);
}

/* ---- many ------------------------------------------------------------------- */

static u32 many_ran[MAX_CPUS];

static void many_fn(void *arg)
{
	(void)arg;
	atomic_inc(&many_ran[smp_id()]);
}

static void bench_many(unsigned long rounds, u64 *elapsed)
{
	const char *which = arg_value("targets") ? arg_value("targets") : "half";
	struct cpumask mask;
	unsigned long calls = rounds + WARMUP;
	unsigned cpu, ntargets = 0;
	bool exact = true;
	int errors = 0;

	if (strcmp(which, "half") && strcmp(which, "others"))
		report_abort("targets=%s: half or others", which);
	cpumask_clear(&mask);
	for (unsigned r = 1; r < ncpu; r++)
		if (!strcmp(which, "others") || r % 2) {
			cpumask_set(&mask, cpu_at[r]);
			ntargets++;
		}
	u64 start = 0;
	for (unsigned long i = 0; i < calls; i++) {
		if (i == WARMUP)
			start = rdtsc();
		u64 t0 = rdtsc();
		errors += smp_call_function_many(&mask, many_fn, NULL, true) != 0;
		u64 t1 = rdtsc();
		if (i >= WARMUP)
			samples[nsamples++] = t1 - t0;
	}
	*elapsed = rdtsc() - start;
	for (unsigned r = 0; r < ncpu; r++)
		exact &= READ_ONCE(many_ran[cpu_at[r]]) == (cpumask_test(&mask, cpu_at[r]) ? calls : 0);
	report(!errors, "many: %lu calls to %u CPUs (targets=%s), %d errors", rounds, ntargets,
	       which, errors);
	report(exact, "many: each target ran each call exactly once, the others none");
	for_each_cpu(cpu, &mask)
		if (READ_ONCE(many_ran[cpu]) != calls)
			report_info("cpu %u ran %u of %lu", cpu, READ_ONCE(many_ran[cpu]), calls);
}

/* ---- broadcast -------------------------------------------------------------- */

static bool wait_acks(u32 want)
{
	return wait_until(READ_ONCE(acks) >= want, ANSWER_TIMEOUT_US);
}

static void bench_broadcast(unsigned long rounds, u64 *elapsed, u64 *single, u64 *nsingle)
{
	u32 want = 0, others = ncpu - 1;
	struct cpumask others_mask;
	bool ok = true;

	cpumask_clear(&others_mask);
	for (unsigned r = 1; r < ncpu; r++)
		cpumask_set(&others_mask, cpu_at[r]);

	u64 start = 0;
	for (unsigned long i = 0; i < rounds + WARMUP && ok; i++) {
		if (i == WARMUP)
			start = rdtsc();
		want += others;
		u64 t0 = rdtsc();
		/* The APIC's all-but-self shorthand; XIVE has no broadcast,
		 * its multicast is one trigger per target. */
		if (ipi_via_xive())
			ipi_send_mask(&others_mask, BCAST_VEC);
		else
			apic_icr_write(APIC_DEST_ALLBUT | APIC_DM_FIXED | BCAST_VEC, 0);
		ok = wait_acks(want);
		u64 t1 = rdtsc();
		if (i >= WARMUP)
			samples[nsamples++] = t1 - t0;
	}
	*elapsed = rdtsc() - start;
	report(ok, "broadcast: %lu all-but-self shorthands, every target acked", rounds);
	for (unsigned long i = 0; i < rounds + WARMUP && ok; i++) {
		want += others;
		u64 t0 = rdtsc();
		for (unsigned r = 1; r < ncpu; r++)
			ipi_send(cpu_at[r], BCAST_VEC);
		ok = wait_acks(want);
		u64 t1 = rdtsc();
		if (i >= WARMUP)
			single[(*nsingle)++] = t1 - t0;
	}
	report(ok, "broadcast: %lu rounds of %u single IPIs, every target acked", rounds, others);
	bool exact = ack_per_cpu[smp_id()] == 0;
	for (unsigned r = 1; r < ncpu; r++)
		exact &= ack_per_cpu[cpu_at[r]] == 2 * (rounds + WARMUP);
	report(exact || !ok, "broadcast: each target got each IPI exactly once, the sender none");
}

int main(int argc, char **argv)
{
	const char *mode = arg_value("mode") ? arg_value("mode") : "pingpong";
	unsigned long rounds = arg_ulong("rounds", 1000);
	unsigned long max_print = arg_ulong("samples", 2000);
	u64 elapsed = 0, *single = NULL, nsingle = 0;
	unsigned cpu;

	(void)argc;
	(void)argv;
	for_each_cpu(cpu, &cpu_online_mask)
		cpu_at[ncpu++] = cpu;
	if (!rounds || rounds > 10000000ul)
		report_abort("rounds=%lu: 1 .. 10000000", rounds);
	handle_irq(PING_VEC, ping_irq);
	handle_irq(PONG_VEC, pong_irq);
	handle_irq(BCAST_VEC, bcast_irq);
	handle_irq(ONCPU_VEC, oncpu_irq);
	samples = zalloc((rounds + 1) * sizeof(u64), 64);
	report_prefix_push("bench");
	report_info("mode=%s rounds=%lu cpus=%u %s, IPIs via %s tsc_khz=%llu (%s)", mode,
		    rounds, ncpu, apic_ops()->name, ipi_name(), (unsigned long long)tsc_khz(), tsc_khz_source());
	if (!strcmp(mode, "pingpong")) {
		bench_pingpong(rounds, &elapsed);
	} else if (!strcmp(mode, "alltoall")) {
		if (ncpu < 2) {
			report_skip("alltoall needs 2 or more CPUs");
			goto out;
		}
		bench_alltoall(rounds, &elapsed);
	} else if (!strcmp(mode, "oncpu")) {
		if (ncpu < 2 || ipi_via_xive()) {
			report_skip("oncpu needs 2 or more CPUs and APIC IPIs");
			goto out;
		}
		bench_oncpu(rounds, &elapsed);
	} else if (!strcmp(mode, "many")) {
		if (ncpu < 2) {
			report_skip("many needs 2 or more CPUs");
			goto out;
		}
		bench_many(rounds, &elapsed);
	} else if (!strcmp(mode, "broadcast")) {
		if (ncpu < 2) {
			report_skip("broadcast needs 2 or more CPUs");
			goto out;
		}
		single = zalloc((rounds + 1) * sizeof(u64), 64);
		bench_broadcast(rounds, &elapsed, single, &nsingle);
	} else {
		report_abort("mode=%s: pingpong, oncpu, alltoall, many or broadcast", mode);
	}

	u64 us = tsc_us_from_cycles(elapsed);
	sort(samples, nsamples);
	u64 p50 = pct(samples, nsamples, 50), p99 = pct(samples, nsamples, 99);
	char extra[160] = "";
	if (single) {
		sort(single, nsingle);
		u64 s50 = pct(single, nsingle, 50);
		snprintf(extra, sizeof(extra),
			 " single_p50_cycles=%llu single_p99_cycles=%llu bcast_over_single_pct=%llu",
			 (unsigned long long)s50, (unsigned long long)pct(single, nsingle, 99),
			 (unsigned long long)(s50 ? p50 * 100 / s50 : 0));
	}
	printf("bench: mode=%s cpus=%u apic=%s rounds=%llu p50_cycles=%llu p99_cycles=%llu "
	       "min_cycles=%llu max_cycles=%llu p50_ns=%llu p99_ns=%llu calls_per_s=%llu "
	       "tsc_khz=%llu%s\n",
	       mode, ncpu, apic_ops()->name, (unsigned long long)nsamples, (unsigned long long)p50,
	       (unsigned long long)p99, (unsigned long long)(nsamples ? samples[0] : 0),
	       (unsigned long long)(nsamples ? samples[nsamples - 1] : 0),
	       (unsigned long long)tsc_ns_from_cycles(p50), (unsigned long long)tsc_ns_from_cycles(p99),
	       (unsigned long long)(us ? nsamples * 1000000 / us : 0),
	       (unsigned long long)tsc_khz(), extra);
	/* Raw samples, in the order taken would be nicer for plots over time;
	 * sorted is what a histogram needs and costs nothing extra. */
	print_samples(samples, nsamples, max_print);
out:
	report_prefix_pop();
	return report_summary();
}
