// SPDX-License-Identifier: MIT
/*
 * fault_inject.c - late and lost kicks, stalled vCPU threads, on purpose.
 *
 * A kick that is delayed or dropped is not sent by the sender: the event is
 * already visible in the APIC model (IRR), so the target takes it at its
 * next exit of its own, and the injector thread kicks it at a deadline
 * (USEC for a delay, the drop watchdog for a drop) with the ordinary
 * protocol (the host's kick: immediate_exit + signal, or futex wake). A
 * guest that spins without exits (a csd_lock_wait()) or a halted vCPU
 * therefore sees its IPI late, never lost.
 *
 * A stall window [AT, AT + FOR) keeps the vCPU thread out of KVM_RUN: the
 * thread checks the window before each entry, and the injector kicks it out
 * of the guest when the window opens. A halted vCPU sleeps on; if woken in
 * the window it stays out until the window ends.
 *
 * The decisions for kicks of vCPU n come from one xorshift64* stream
 * seeded from seed + n: the stream is reproducible; which kick gets which
 * draw still depends on how the host schedules the senders.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fault_inject.h"
#include "mono_clock.h"

#define NS_PER_MS ((uint64_t)1000000)
/* The injector re-checks for the end of the run at least this often. */
#define INJECTOR_POLL_NS (100 * NS_PER_MS)
/* A stalled thread looks at vm__should_stop() this often. */
#define STALL_SLICE_NS (20 * NS_PER_MS)

struct fi_cpu {
	_Atomic uint64_t rng;         /* xorshift64* state for kicks of this vCPU */
	_Atomic uint64_t deadline_ns; /* a late kick is due then; 0: none */
	uint64_t next_stall_ns;       /* owner: earliest window not yet done */
	_Atomic uint64_t delayed, dropped, late_kicks, stalls, stalled_ns;
} __attribute__((aligned(64)));

struct fi_stall {
	unsigned cpu;
	uint64_t start_ns, end_ns; /* absolute, CLOCK_MONOTONIC */
	bool kicked;               /* injector thread only */
	bool done;                 /* owner vCPU thread only */
};

struct fault_inject {
	struct fault_inject_host host;
	struct ipivirt_fault_config cfg;
	unsigned nr_cpus;
	struct fi_stall stalls[IPIVIRT_FAULT_MAX_STALLS];
	_Atomic uint32_t wake_seq; /* futex word of the injector */
	_Atomic bool quit;
	pthread_t thread;
	bool thread_started;
	struct fi_cpu cpu[];
};

static long fi_futex(_Atomic uint32_t *addr, int op, uint32_t val,
		     const struct timespec *ts)
{
	return syscall(SYS_futex, (uint32_t *)addr, op, val, ts, NULL, 0);
}

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* One draw in [0, 1) from @c's stream; senders race, hence the CAS. */
static double fi_draw(struct fi_cpu *c)
{
	uint64_t x = atomic_load_explicit(&c->rng, memory_order_relaxed), n;

	do {
		n = x;
		n ^= n >> 12;
		n ^= n << 25;
		n ^= n >> 27;
	} while (!atomic_compare_exchange_weak_explicit(
		&c->rng, &x, n, memory_order_relaxed, memory_order_relaxed));
	return (double)((n * 0x2545f4914f6cdd1dull) >> 11) * 0x1.0p-53;
}

static void fi_wake_injector(struct fault_inject *fi)
{
	atomic_fetch_add(&fi->wake_seq, 1);
	fi_futex(&fi->wake_seq, FUTEX_WAKE_PRIVATE, 1, NULL);
}

/* Ask for a kick of @c at @when, unless one is due no later. */
static void fi_defer(struct fault_inject *fi, struct fi_cpu *c, uint64_t when)
{
	uint64_t cur = atomic_load(&c->deadline_ns);

	do {
		if (cur && cur <= when)
			return; /* that earlier kick covers this event too */
	} while (!atomic_compare_exchange_weak(&c->deadline_ns, &cur, when));
	fi_wake_injector(fi);
}

bool fault_inject__kick(struct fault_inject *fi, unsigned cpu)
{
	const struct ipivirt_fault_config *cfg = &fi->cfg;
	struct fi_cpu *c;
	uint64_t delay_ns;

	if (cpu >= fi->nr_cpus || (cfg->kick_drop_p <= 0 && cfg->kick_delay_p <= 0))
		return false;
	/*
	 * Only kicks that would be sent are faulted: a vCPU outside the guest
	 * looks at its events anyway. A stale answer is harmless: "no" sends
	 * us to the real protocol, which looks again; a wrong "yes" costs one
	 * needless late kick.
	 */
	if (!fi->host.kick_wanted(fi->host.opaque, cpu))
		return false;
	c = &fi->cpu[cpu];
	if (cfg->kick_drop_p > 0 && fi_draw(c) < cfg->kick_drop_p) {
		atomic_fetch_add_explicit(&c->dropped, 1, memory_order_relaxed);
		delay_ns = cfg->kick_drop_recover_ms * NS_PER_MS;
	} else if (cfg->kick_delay_p > 0 && fi_draw(c) < cfg->kick_delay_p) {
		atomic_fetch_add_explicit(&c->delayed, 1, memory_order_relaxed);
		delay_ns = cfg->kick_delay_us * 1000ull;
	} else {
		return false;
	}
	fi_defer(fi, c, mono_clock_ns() + delay_ns);
	return true;
}

static uint64_t fi_next_stall(const struct fault_inject *fi, unsigned cpu)
{
	uint64_t next = UINT64_MAX;

	for (unsigned i = 0; i < fi->cfg.nr_stalls; i++)
		if (fi->stalls[i].cpu == cpu && !fi->stalls[i].done &&
		    fi->stalls[i].start_ns < next)
			next = fi->stalls[i].start_ns;
	return next;
}

static void fi_sleep_until(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
			       .tv_nsec = (long)(ns % 1000000000ull) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		; /* a kick; the window is what decides */
}

void fault_inject__checkpoint(struct fault_inject *fi, unsigned cpu)
{
	struct fi_cpu *c;
	uint64_t now;

	if (cpu >= fi->nr_cpus)
		return;
	c = &fi->cpu[cpu];
	if (c->next_stall_ns == UINT64_MAX)
		return;
	now = mono_clock_ns();
	if (now < c->next_stall_ns)
		return;
	for (unsigned i = 0; i < fi->cfg.nr_stalls; i++) {
		struct fi_stall *s = &fi->stalls[i];
		uint64_t t0 = now;

		if (s->cpu != cpu || s->done || now < s->start_ns)
			continue;
		s->done = true;
		if (now >= s->end_ns)
			continue; /* halted through all of it */
		fprintf(stderr, "ipivirt: inject: vCPU %u stalls at %" PRIu64
			" ms (stall=%u:%" PRIu64 ":%" PRIu64 ")\n", cpu,
			(now - fi->host.start_ns) / NS_PER_MS, cpu,
			fi->cfg.stalls[i].at_ms, fi->cfg.stalls[i].for_ms);
		while (now < s->end_ns && !fi->host.should_stop(fi->host.opaque)) {
			uint64_t until = s->end_ns - now > STALL_SLICE_NS
						 ? now + STALL_SLICE_NS
						 : s->end_ns;
			fi_sleep_until(until);
			now = mono_clock_ns();
		}
		atomic_fetch_add(&c->stalls, 1);
		atomic_fetch_add(&c->stalled_ns, now - t0);
		fprintf(stderr, "ipivirt: inject: vCPU %u resumes at %" PRIu64
			" ms after %" PRIu64 " ms\n", cpu,
			(now - fi->host.start_ns) / NS_PER_MS,
			(now - t0) / NS_PER_MS);
	}
	c->next_stall_ns = fi_next_stall(fi, cpu);
}

/* The real kick: no injection here. */
static void fi_kick(struct fault_inject *fi, unsigned cpu)
{
	fi->host.kick(fi->host.opaque, cpu);
}

static void *fi_thread(void *arg)
{
	struct fault_inject *fi = arg;

	pthread_setname_np(pthread_self(), "inject");
	while (!atomic_load(&fi->quit) && !fi->host.should_stop(fi->host.opaque)) {
		/* Read the sequence first: a deadline set after the scan
		 * changes it, and the futex wait returns at once. */
		uint32_t seq = atomic_load(&fi->wake_seq);
		uint64_t now = mono_clock_ns(), next = now + INJECTOR_POLL_NS;
		struct timespec ts;

		for (unsigned i = 0; i < fi->nr_cpus; i++) {
			struct fi_cpu *c = &fi->cpu[i];
			uint64_t d = atomic_load(&c->deadline_ns);

			if (!d)
				continue;
			if (d > now) {
				next = d < next ? d : next;
			} else if (atomic_compare_exchange_strong(
					   &c->deadline_ns, &d, 0)) {
				atomic_fetch_add_explicit(&c->late_kicks, 1,
							  memory_order_relaxed);
				fi_kick(fi, i);
			}
		}
		for (unsigned i = 0; i < fi->cfg.nr_stalls; i++) {
			struct fi_stall *s = &fi->stalls[i];

			if (s->kicked)
				continue;
			if (s->start_ns <= now) {
				s->kicked = true; /* out of the guest, to stall */
				fi_kick(fi, s->cpu);
			} else if (s->start_ns < next) {
				next = s->start_ns;
			}
		}
		if (next <= now)
			continue;
		ts.tv_sec = (time_t)((next - now) / 1000000000ull);
		ts.tv_nsec = (long)((next - now) % 1000000000ull);
		fi_futex(&fi->wake_seq, FUTEX_WAIT_PRIVATE, seq, &ts);
	}
	return NULL;
}

int fault_inject__create(const struct fault_inject_host *host,
			 const struct ipivirt_fault_config *cfg,
			 struct fault_inject **out)
{
	struct fault_inject *fi;
	int err;

	fi = calloc(1, sizeof(*fi) + host->nr_cpus * sizeof(fi->cpu[0]));
	if (!fi)
		return -ENOMEM;
	fi->host = *host;
	fi->cfg = *cfg;
	if (!fi->cfg.kick_drop_recover_ms)
		fi->cfg.kick_drop_recover_ms = IPIVIRT_FAULT_DROP_RECOVER_MS;
	fi->nr_cpus = host->nr_cpus;
	if (fi->cfg.nr_stalls > IPIVIRT_FAULT_MAX_STALLS)
		fi->cfg.nr_stalls = IPIVIRT_FAULT_MAX_STALLS;
	for (unsigned i = 0; i < fi->cfg.nr_stalls; i++) {
		const struct ipivirt_fault_stall *sp = &fi->cfg.stalls[i];

		fi->stalls[i].cpu = sp->cpu;
		fi->stalls[i].start_ns = host->start_ns + sp->at_ms * NS_PER_MS;
		fi->stalls[i].end_ns = fi->stalls[i].start_ns +
				       sp->for_ms * NS_PER_MS;
	}
	for (unsigned i = 0; i < fi->nr_cpus; i++) {
		uint64_t seed = splitmix64(cfg->seed + i);

		atomic_init(&fi->cpu[i].rng, seed ? seed : 1);
		fi->cpu[i].next_stall_ns = fi_next_stall(fi, i);
	}
	err = pthread_create(&fi->thread, NULL, fi_thread, fi);
	if (err) {
		free(fi);
		return -err;
	}
	fi->thread_started = true;
	*out = fi;
	return 0;
}

void fault_inject__destroy(struct fault_inject *fi)
{
	if (!fi)
		return;
	if (fi->thread_started) {
		atomic_store(&fi->quit, true);
		fi_wake_injector(fi);
		pthread_join(fi->thread, NULL);
	}
	free(fi);
}

void fault_inject__print_stats(const struct fault_inject *fi, FILE *out)
{
	uint64_t delayed = 0, dropped = 0, late = 0, stalls = 0, stalled = 0;

	for (unsigned i = 0; i < fi->nr_cpus; i++) {
		const struct fi_cpu *c = &fi->cpu[i];

		delayed += atomic_load(&c->delayed);
		dropped += atomic_load(&c->dropped);
		late += atomic_load(&c->late_kicks);
		stalls += atomic_load(&c->stalls);
		stalled += atomic_load(&c->stalled_ns);
		fprintf(out, "inject: vcpu %u kick-delayed=%" PRIu64
			" kick-dropped=%" PRIu64 " late-kicks=%" PRIu64
			" stalls=%" PRIu64 " stalled_ms=%" PRIu64 "\n", i,
			atomic_load(&c->delayed), atomic_load(&c->dropped),
			atomic_load(&c->late_kicks), atomic_load(&c->stalls),
			atomic_load(&c->stalled_ns) / NS_PER_MS);
	}
	fprintf(out, "inject: total kick-delayed=%" PRIu64 " kick-dropped=%"
		PRIu64 " late-kicks=%" PRIu64 " stalls=%" PRIu64
		" stalled_ms=%" PRIu64 " seed=%" PRIu64 "\n", delayed, dropped,
		late, stalls, stalled / NS_PER_MS, fi->cfg.seed);
}
