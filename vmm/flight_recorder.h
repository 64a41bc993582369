/* SPDX-License-Identifier: MIT */
/*
 * flight_recorder.h - the IPI flight recorder: per-vCPU ring buffers of
 * timestamped IPI stages, written at exit by `ipivirt run --trace FILE`
 * (format and correlation method: docs/bench.md, "Flight recorder").
 *
 * Cost when off: every hook is an inline test of one global flag that is
 * false for the whole run (one predictable, not-taken branch). When on, a
 * hook appends one 24-byte record to the calling vCPU thread's own ring
 * (single producer, no atomics, no locks); threads that are not vCPUs
 * record nothing. Pure C: no KVM.
 */
#ifndef IPIVIRT_FLIGHT_RECORDER_H
#define IPIVIRT_FLIGHT_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fr_stage {
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

extern bool fr_enabled;

/* cli.c: --trace FILE (enables the recorder). @ring_entries: 0 = default. */
int fr_configure(const char *path, size_t ring_entries);
/* vm.c: before the vCPUs start / after they joined. */
int fr_start(unsigned nr_cpus);
/* Write the file; @ram/@ram_size: guest RAM, to report resident memory. */
int fr_finish(const void *ram, size_t ram_size);

/* Out of line: only called when fr_enabled. */
void fr_thread_start_slow(unsigned cpu);
void fr_send_slow(unsigned cpu);
void fr_route_slow(unsigned cpu, unsigned vector);
void fr_pending_slow(unsigned target);
void fr_stage_slow(enum fr_stage stage, unsigned peer);
void fr_inject_slow(unsigned cpu, unsigned vector);
void fr_first_run_slow(unsigned cpu);

#define FR_HOOK(call)                                   \
	do {                                            \
		if (__builtin_expect(fr_enabled, 0))    \
			call;                           \
	} while (0)

/* vCPU thread start: this thread records into @cpu's ring. */
static inline void fr_thread_start(unsigned cpu) { FR_HOOK(fr_thread_start_slow(cpu)); }
/* A new IPI leaves @cpu: gives it the identity (cpu, next sequence). */
static inline void fr_send(unsigned cpu) { FR_HOOK(fr_send_slow(cpu)); }
static inline void fr_route(unsigned cpu, unsigned vector) { FR_HOOK(fr_route_slow(cpu, vector)); }
/* The current IPI is pending on @target: remembered in target's slot. */
static inline void fr_pending(unsigned target) { FR_HOOK(fr_pending_slow(target)); }
/* Any other stage; @peer: the target for kicks, else this vCPU. */
static inline void fr_stage(enum fr_stage stage, unsigned peer) { FR_HOOK(fr_stage_slow(stage, peer)); }
static inline void fr_inject(unsigned cpu, unsigned vector) { FR_HOOK(fr_inject_slow(cpu, vector)); }
static inline void fr_first_run(unsigned cpu) { FR_HOOK(fr_first_run_slow(cpu)); }

#endif
