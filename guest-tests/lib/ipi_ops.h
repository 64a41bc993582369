/* SPDX-License-Identifier: MIT */
/*
 * ipi_ops.h - how IPIs are sent: through the local APIC (the default) or
 * through XIVE (lib/xive.c) when ipivirt offers it. SMP bring-up (INIT,
 * SIPI), NMIs and the APIC timer always use the APIC.
 *
 * Choice, at boot (ipi_select()): XIVE when the fw_cfg file
 * opt/ipivirt/xive exists, unless the command line says "apic"; "xive" on
 * the command line demands it (the run fails at once without it).
 *
 * XIVE has one IPI source per CPU, not one per vector: as Linux's
 * smp_muxed_ipi_message_pass(), the sender sets the vector's bit in the
 * target's ipi_msgs and triggers; the target's XIVE handler calls
 * ipi_demux(), which runs the handler registered for each vector found. A
 * vector's handler therefore runs for either path and ends with
 * ipi_eoi(regs): an APIC EOI only when the APIC delivered it.
 */
#ifndef GT_IPI_OPS_H
#define GT_IPI_OPS_H

#include <stdbool.h>
#include "apic.h"
#include "cpumask.h"
#include "desc.h"

struct ipi_ops {
	const char *name;                   /* "APIC" or "XIVE" */
	void (*cpu_init)(void);             /* this CPU, as it comes up */
	void (*send)(unsigned cpu, unsigned vec);
	void (*send_mask)(const struct cpumask *mask, unsigned vec);
};

extern const struct ipi_ops apic_ipi_ops, xive_ipi_ops;
extern const struct ipi_ops *ipi_ops;

void ipi_select(void);                  /* BSP, once, before ipi_cpu_init() */
static inline bool ipi_via_xive(void) { return ipi_ops == &xive_ipi_ops; }
static inline const char *ipi_name(void) { return ipi_ops->name; }
static inline void ipi_cpu_init(void) { ipi_ops->cpu_init(); }
/* A fixed IPI of @vec to @cpu, or to every CPU in @mask (none is us). */
static inline void ipi_send(unsigned cpu, unsigned vec) { ipi_ops->send(cpu, vec); }
static inline void ipi_send_mask(const struct cpumask *m, unsigned vec) { ipi_ops->send_mask(m, vec); }

/* struct trap_regs.error_code of a demultiplexed vector (hardware pushes 0
 * for interrupts). */
#define IPI_MUXED 0x1badull

void ipi_demux(struct trap_regs *regs);
bool ipi_msg_pending(unsigned vec);     /* set for this CPU, not yet run */
static inline void ipi_eoi(const struct trap_regs *r)
{
	if (r->error_code != IPI_MUXED)
		apic_eoi();
}

#endif
