// SPDX-License-Identifier: MIT
/*
 * soak - a long IPI flood with exact accounting, for `make soak`
 * (tests/hostile/soak.sh, docs/hardening.md "Soak").
 *
 * Every CPU sends fixed IPIs to every other CPU, round robin, on its own
 * vector (0x60 + sender rank), `ipis=N` in all (default 100000). A sender
 * sends to a target only once the target has handled its previous IPI
 * (sent[s][t] == recv[t][s]), so no two IPIs of one sender ever meet in a
 * target's IRR: nothing can coalesce, and at the end every counter pair
 * must match exactly. A lost IPI leaves its pair unequal (the run reports
 * it after the drain timeout); a duplicate makes recv exceed sent.
 *
 * A sender with nothing to send (all its IPIs in flight) parks in hlt
 * rather than spin (8 vCPUs share 2 host cores): it sets `parked`, and the
 * first target that handles one of its IPIs afterwards clears it and sends
 * it one wake IPI (0xa8). A sender does not park again while a wake owed
 * to it is in flight, so wakes never coalesce either; they are counted
 * like the flood and reported apart.
 *
 * Output: "soak-cpu: cpu=C sent=S recv=R wake_sent=W wake_recv=V" per CPU
 * (the runner compares them with `ipivirt --stats`), then
 * "soak: ipis=... sent=... recv=... lost=... dup=... wakes=... time_ms=...
 * ipis_per_s=...", and the usual summary.
 */
#include "libtest.h"
#include "ipi_ops.h"

#define DEFAULT_IPIS 100000
#define FLOOD_BASE 0x60      /* + sender rank; not 0x50 (XIVE), below 0xa8 */
#define MAX_RANKS 64         /* 0x60 + 63 = 0x9f */
#define WAKE_VEC 0xa8
#define DRAIN_TIMEOUT_US 30000000ull

struct soak_cpu {
	u64 sent[MAX_RANKS];     /* by me to rank t: written by my driver */
	u64 recv[MAX_RANKS];     /* from rank s: written by my handler */
	u64 done, budget;
	u64 wake_sent;           /* by my handler */
	u64 wake_recv;           /* by my wake handler */
	u64 wake_owed;           /* wakes someone took my `parked` for */
	u64 parks;
	u32 parked;
	u32 dup;                 /* handler found recv > sent: counted twice */
} __attribute__((aligned(64)));

static unsigned ncpu, cpu_at[MAX_CPUS], rank_of[MAX_CPUS];
static struct soak_cpu *st;

static void flood_irq(struct trap_regs *r)
{
	unsigned s = (unsigned)r->vector - FLOOD_BASE, me = rank_of[smp_id()];
	struct soak_cpu *c = &st[me];
	u64 n = c->recv[s] + 1;

	ipi_eoi(r);
	if (s >= ncpu || n > READ_ONCE(st[s].sent[me]))
		c->dup++;
	/* SEQ_CST store (xchg): ordered before the `parked` load below, the
	 * other half of the sender's store-parked-then-check (Dekker). */
	__atomic_store_n(&c->recv[s], n, __ATOMIC_SEQ_CST);
	if (s < ncpu && READ_ONCE(st[s].parked) && atomic_xchg(&st[s].parked, 0)) {
		c->wake_sent++;
		ipi_send(cpu_at[s], WAKE_VEC);
	}
}

static void wake_irq(struct trap_regs *r)
{
	st[rank_of[smp_id()]].wake_recv++;
	ipi_eoi(r);
}

static bool can_send(unsigned me, unsigned t)
{
	return t != me && st[me].sent[t] == READ_ONCE(st[t].recv[me]);
}

static bool any_sendable(unsigned me)
{
	for (unsigned t = 0; t < ncpu; t++)
		if (can_send(me, t))
			return true;
	return false;
}

static void driver(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg, t = me;
	struct soak_cpu *c = &st[me];
	u64 step = c->budget / 10 ? c->budget / 10 : 1, next_report = step;
	u64 t0 = rdtsc();

	while (c->done < c->budget) {
		bool sent = false;
		for (unsigned k = 1; k < ncpu && c->done < c->budget; k++) {
			t = (t + 1) % ncpu;
			if (!can_send(me, t))
				continue;
			/* Count before sending: the target may check us at once. */
			WRITE_ONCE(c->sent[t], c->sent[t] + 1);
			ipi_send(cpu_at[t], FLOOD_BASE + me);
			c->done++;
			sent = true;
		}
		if (me == 0 && c->done >= next_report) {
			printf("soak-progress: cpu0 %llu/%llu sent, %llu ms\n",
			       (unsigned long long)c->done, (unsigned long long)c->budget,
			       (unsigned long long)tsc_us_from_cycles(rdtsc() - t0) / 1000);
			next_report += step;
		}
		if (sent)
			continue;
		/* A wake owed to us is still in flight: take it before parking
		 * again, so two wakes never meet in our IRR. */
		if (READ_ONCE(c->wake_owed) != READ_ONCE(c->wake_recv)) {
			pause();
			continue;
		}
		cli();
		__atomic_store_n(&c->parked, 1, __ATOMIC_SEQ_CST);
		if (any_sendable(me)) {
			if (!atomic_xchg(&c->parked, 0))
				c->wake_owed++;   /* a target took it: a wake is coming */
			sti();
			continue;
		}
		c->parks++;
		safe_halt();                  /* interrupts on again after it */
		if (!atomic_xchg(&c->parked, 0))
			c->wake_owed++;
	}
}

static bool drained(void)
{
	for (unsigned s = 0; s < ncpu; s++) {
		if (READ_ONCE(st[s].wake_owed) != READ_ONCE(st[s].wake_recv))
			return false;
		for (unsigned t = 0; t < ncpu; t++)
			if (READ_ONCE(st[s].sent[t]) != READ_ONCE(st[t].recv[s]))
				return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	unsigned long ipis = arg_ulong("ipis", DEFAULT_IPIS);
	unsigned cpu;

	(void)argc;
	(void)argv;
	for_each_cpu(cpu, &cpu_online_mask) {
		rank_of[cpu] = ncpu;
		cpu_at[ncpu++] = cpu;
	}
	report_prefix_push("soak");
	if (ncpu < 2 || ncpu > MAX_RANKS) {
		report_skip("needs 2 to %u CPUs (%u online)", MAX_RANKS, ncpu);
		report_prefix_pop();
		return report_summary();
	}
	st = zalloc(ncpu * sizeof(*st), 64);
	for (unsigned r = 0; r < ncpu; r++) {
		st[r].budget = ipis / ncpu + (r < ipis % ncpu);
		handle_irq(FLOOD_BASE + r, flood_irq);
	}
	handle_irq(WAKE_VEC, wake_irq);

	u64 t0 = rdtsc();
	for (unsigned r = 1; r < ncpu; r++)
		on_cpu_async(cpu_at[r], driver, (void *)(uintptr_t)r);
	driver((void *)0);
	for (unsigned r = 1; r < ncpu; r++)
		on_cpu_wait(cpu_at[r]);
	bool ok = wait_until(drained(), DRAIN_TIMEOUT_US);
	u64 us = tsc_us_from_cycles(rdtsc() - t0);

	u64 sent = 0, recv = 0, lost = 0, dup = 0, wsent = 0, wrecv = 0, parks = 0;
	for (unsigned s = 0; s < ncpu; s++) {
		u64 cs = 0, cr = 0;
		for (unsigned t = 0; t < ncpu; t++) {
			cs += st[s].sent[t];
			cr += st[s].recv[t];
			if (st[s].sent[t] > st[t].recv[s])
				lost += st[s].sent[t] - st[t].recv[s];
			else
				dup += st[t].recv[s] - st[s].sent[t];
		}
		dup += st[s].dup;
		sent += cs;
		recv += cr;
		wsent += st[s].wake_sent;
		wrecv += st[s].wake_recv;
		parks += st[s].parks;
		printf("soak-cpu: cpu=%u sent=%llu recv=%llu wake_sent=%llu wake_recv=%llu parks=%llu\n",
		       cpu_at[s], (unsigned long long)cs, (unsigned long long)cr,
		       (unsigned long long)st[s].wake_sent, (unsigned long long)st[s].wake_recv,
		       (unsigned long long)st[s].parks);
	}
	report(sent == ipis, "%llu flood IPIs sent (%lu asked)", (unsigned long long)sent, ipis);
	report(ok, "every IPI handled within %llu s of the last send", DRAIN_TIMEOUT_US / 1000000);
	report(lost == 0 && dup == 0 && recv == sent,
	       "every IPI handled exactly once by its target (sent %llu, recv %llu, lost %llu, dup %llu)",
	       (unsigned long long)sent, (unsigned long long)recv, (unsigned long long)lost,
	       (unsigned long long)dup);
	report(wsent == wrecv, "every wake IPI arrived (%llu sent, %llu handled)",
	       (unsigned long long)wsent, (unsigned long long)wrecv);
	printf("soak: ipis=%lu cpus=%u via=%s sent=%llu recv=%llu lost=%llu dup=%llu wakes_sent=%llu "
	       "wakes_recv=%llu parks=%llu time_ms=%llu ipis_per_s=%llu\n",
	       ipis, ncpu, ipi_name(), (unsigned long long)sent, (unsigned long long)recv,
	       (unsigned long long)lost, (unsigned long long)dup, (unsigned long long)wsent,
	       (unsigned long long)wrecv, (unsigned long long)parks, (unsigned long long)(us / 1000),
	       (unsigned long long)(us ? (sent + wsent) * 1000000 / us : 0));
	report_prefix_pop();
	return report_summary();
}
