/* SPDX-License-Identifier: MIT */
/*
 * fault_inject.h - `ipivirt run --inject`: make kicks late or lost and stall
 * vCPU threads on purpose, to reproduce IPI and CSD-lock stalls
 * (docs/hardening.md, "Fault injection").
 *
 *   kick-delay=P:USEC     with probability P a kick of a vCPU is not sent
 *                         now but USEC microseconds later
 *   kick-drop=P[:MS]      with probability P a kick is dropped: the IPI stays
 *                         pending in the APIC model and is taken at the
 *                         target's next exit; a watchdog kick MS later
 *                         (default 10) bounds how late that can be
 *   stall=CPU:AT_MS:FOR_MS  from AT_MS after start, vCPU CPU runs no guest
 *                         code for FOR_MS
 *
 * One struct fault_inject per VM (vm->fi, NULL when no --inject: every hook
 * is then one NULL test). It knows the VM only through struct
 * fault_inject_host. Late kicks and stall starts are carried out by
 * one injector thread per VM with the ordinary kick protocol, so a delayed
 * or dropped kick is late, never lost. The configuration is the public
 * struct ipivirt_fault_config: the CLI fills it through libipivirt.
 */
#ifndef IPIVIRT_FAULT_INJECT_H
#define IPIVIRT_FAULT_INJECT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ipivirt.h" /* struct ipivirt_fault_config */

struct fault_inject;

/**
 * struct fault_inject_host - the VM the injector faults.
 * @opaque:      the callbacks' argument.
 * @nr_cpus:     vCPUs.
 * @start_ns:    the run's start (mono_clock_ns()): stall windows count from
 *               it.
 * @kick_wanted: would a kick of @cpu be sent now (it is in the guest or
 *               halted)? Any thread.
 * @kick:        the real kick of @cpu. Injector thread.
 * @should_stop: the run is ending. Any thread.
 */
struct fault_inject_host {
	void *opaque;
	unsigned nr_cpus;
	uint64_t start_ns;
	bool (*kick_wanted)(void *opaque, unsigned cpu);
	void (*kick)(void *opaque, unsigned cpu);
	bool (*should_stop)(void *opaque);
};

/* Build the injector of @host (after the VM is built); start its thread. */
int fault_inject__create(const struct fault_inject_host *host,
			 const struct ipivirt_fault_config *cfg,
			 struct fault_inject **out);
/* Stop the thread and free (after the vCPU threads are joined). */
void fault_inject__destroy(struct fault_inject *fi);

/*
 * fault_inject__kick() - decide the fate of a kick of @cpu (any thread).
 * Return: true when the kick was delayed or dropped (the caller must not
 * kick now), false to kick as usual.
 */
bool fault_inject__kick(struct fault_inject *fi, unsigned cpu);

/* vCPU thread, before entering the guest: sleep out a stall window. */
void fault_inject__checkpoint(struct fault_inject *fi, unsigned cpu);

/* The --stats lines: what was injected, per vCPU. */
void fault_inject__print_stats(const struct fault_inject *fi, FILE *out);

#endif
