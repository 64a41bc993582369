/* SPDX-License-Identifier: MIT */
/*
 * flight_recorder.h - the IPI flight recorder: per-vCPU ring buffers of
 * timestamped IPI stages, written at exit by `ipivirt run --trace FILE`
 * to FILE (text) and FILE.json (trace-event format, for Perfetto; format
 * and correlation method: docs/bench.md, "Flight recorder").
 *
 * One recorder per VM (vm->fr), NULL when off: every hook is then an
 * inline NULL test (one predictable, not-taken branch). When on, a hook
 * appends one 24-byte record to the calling vCPU thread's own ring (single
 * producer, no atomics, no locks); threads that are not vCPUs record
 * nothing. The only per-thread state is which ring the current thread owns
 * (set by flight_recorder__thread_start), like a kernel's per-CPU "current": it names a
 * ring of this thread's own VM, so VMs never share anything. Pure C: no KVM.
 */
#ifndef IPIVIRT_FLIGHT_RECORDER_H
#define IPIVIRT_FLIGHT_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum flight_recorder_stage {
	FR_SEND = 1,     /* sender: ICR write exit / XIVE trigger store seen */
	FR_ROUTE,        /* sender: decoded IPI handed to the IPI domain */
	FR_PENDING,      /* sender: target's IRR (or XIVE line) set, kick asked */
	FR_KICK_SIGNAL,  /* sender: target in guest: immediate_exit + signal */
	FR_KICK_FUTEX,   /* sender: target halted: futex wake */
	FR_WAKE_EXIT,    /* target: KVM_RUN returned -EINTR (kicked out) */
	FR_WAKE_HALT,    /* target: back from the halt sleep with work */
	FR_INJECT,       /* target: KVM_INTERRUPT of the vector done */
	FR_EOI,          /* target: guest EOI (x2APIC 0x80b / xAPIC 0xb0) */
	FR_NR_STAGES
};

struct flight_recorder;

/*
 * flight_recorder__create() - rings for @nr_cpus vCPUs of @ring_entries records each
 * (rounded up to a power of two; 0: the default), written to @path by
 * flight_recorder__finish(). @start_ns: when the VMM started (CLOCK_MONOTONIC), for the
 * start-up figures in the trace header. NULL with errno on failure.
 */
struct flight_recorder *flight_recorder__create(const char *path, size_t ring_entries,
						unsigned nr_cpus, uint64_t start_ns);
/*
 * Write the trace (after the vCPU threads are gone): the text format to
 * the path given to flight_recorder__create(), and the same records as a Chrome/Perfetto
 * trace-event file to that path + ".json". 0 or the first -errno.
 */
int flight_recorder__finish(struct flight_recorder *fr, const void *ram, size_t ram_size);
void flight_recorder__destroy(struct flight_recorder *fr);

/* Out of line: only called when the VM has a recorder. */
void flight_recorder__thread_start_slow(struct flight_recorder *fr, unsigned cpu);
void flight_recorder__send_slow(unsigned cpu);
void flight_recorder__route_slow(unsigned cpu, unsigned vector);
void flight_recorder__pending_slow(struct flight_recorder *fr, unsigned target);
void flight_recorder__stage_slow(enum flight_recorder_stage stage, unsigned peer);
void flight_recorder__inject_slow(struct flight_recorder *fr, unsigned cpu,
				  unsigned vector);
void flight_recorder__first_run_slow(unsigned cpu);

#define FR_HOOK(fr, call)                                   \
	do {                                                \
		if (__builtin_expect((fr) != NULL, 0))      \
			call;                               \
	} while (0)

/* The vCPU thread of @cpu starts: this thread records into ring @cpu. */
static inline void flight_recorder__thread_start(struct flight_recorder *fr, unsigned cpu)
{
	FR_HOOK(fr, flight_recorder__thread_start_slow(fr, cpu));
}
/* The sender saw an ICR write / trigger store: a new IPI identity. */
static inline void flight_recorder__send(struct flight_recorder *fr, unsigned cpu)
{
	FR_HOOK(fr, flight_recorder__send_slow(cpu));
}
static inline void flight_recorder__route(struct flight_recorder *fr, unsigned cpu,
					  unsigned vector)
{
	FR_HOOK(fr, flight_recorder__route_slow(cpu, vector));
}
/* The current IPI is pending on @target: remembered in target's slot. */
static inline void flight_recorder__pending(struct flight_recorder *fr, unsigned target)
{
	FR_HOOK(fr, flight_recorder__pending_slow(fr, target));
}
/* Any other stage; @peer: the target for kicks, else this vCPU. */
static inline void flight_recorder__stage(struct flight_recorder *fr, enum flight_recorder_stage stage,
					  unsigned peer)
{
	FR_HOOK(fr, flight_recorder__stage_slow(stage, peer));
}
static inline void flight_recorder__inject(struct flight_recorder *fr, unsigned cpu,
					   unsigned vector)
{
	FR_HOOK(fr, flight_recorder__inject_slow(fr, cpu, vector));
}
static inline void flight_recorder__first_run(struct flight_recorder *fr, unsigned cpu)
{
	FR_HOOK(fr, flight_recorder__first_run_slow(cpu));
}

#endif
