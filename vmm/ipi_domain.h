/* SPDX-License-Identifier: MIT */
/*
 * ipi_domain.h - a host-side generic IPI domain, after Linux's kernel/irq/ipi.c.
 *
 * An IPI is reserved for a CPU mask and named by a virq. Underneath, an IPI
 * domain is stacked on a parent controller domain that owns the hardware
 * interrupt numbers (hwirqs) and the chip that really sends:
 *
 *   [IPI domain] ---> [APIC vector domain]   one hwirq (vector) for all CPUs
 *   [IPI domain] ---> [XIVE source domain]   one hwirq (IPI source) per CPU
 *
 * Device interrupt controllers stack the same way on the same table: a
 * device domain's hwirqs are its input pins, and each pin in use has a virq
 * whose parent level is the controller hwirq it is programmed to send:
 *
 *   [IOAPIC domain] -> [APIC vector domain]  pin -> (vector, mode, trigger)
 *
 * The table, the controller and device domains are irq_domain.h's. Names
 * follow this file (ipi_domain_*); Linux's are irq_reserve_ipi(),
 * irq_destroy_ipi(), ipi_get_hwirq(), ipi_send_single() / _mask() and the
 * unchecked __ipi_send_single() / _mask().
 *
 * Threading: reserve/destroy serialize on the table's lock; the send and
 * lookup calls take no lock (a virq's descriptor is published with release
 * ordering) and may run concurrently on any thread. A virq must not be
 * destroyed while another thread may still send to it.
 *
 * Errors are negative errno values.
 */
#ifndef IPIVIRT_IPI_DOMAIN_H
#define IPIVIRT_IPI_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "cpumask.h"
#include "irq_domain.h"

/**
 * ipi_domain_create() - an IPI domain stacked on @parent.
 * @parent: a controller domain.
 * @flags:  exactly one of IPI_DOMAIN_PER_CPU or IPI_DOMAIN_SINGLE.
 * @nr_cpus: how many CPUs exist; masks may not name others.
 * Return: the domain, or NULL for bad arguments or no memory.
 */
struct irq_domain *ipi_domain_create(struct irq_domain *parent, unsigned flags,
				     unsigned nr_cpus);

/**
 * ipi_domain_reserve() - reserve an IPI for the CPUs of @mask.
 * @dom:    an IPI domain.
 * @mask:   the CPUs it may target (non-empty, within nr_cpus).
 * @global: true when it may target any CPU (no per-send mask check).
 * @arg:    passed to the controller's alloc (e.g. a fixed vector) or NULL.
 * Return: the virq (> 0) or a negative errno.
 */
int ipi_domain_reserve(struct irq_domain *dom, const struct cpumask *mask,
		       bool global, const void *arg);

/* Release an IPI reserved with ipi_domain_reserve(); -EINVAL for an unknown virq. */
int ipi_domain_release(struct virq_table *tbl, unsigned virq);

/**
 * ipi_domain_get_hwirq() - the controller hwirq that reaches @cpu for @virq.
 * Return: the hwirq, or IPI_HWIRQ_INVALID when @virq is not an IPI or @cpu
 * is outside its mask.
 */
uint32_t ipi_domain_get_hwirq(const struct virq_table *tbl, unsigned virq,
			      unsigned cpu);

/**
 * ipi_domain_send_single() - send IPI @virq to @cpu.
 * Return: 0, or -EINVAL for an unknown virq or a CPU outside its mask
 * (unless the IPI is global).
 */
int ipi_domain_send_single(const struct virq_table *tbl, unsigned virq, unsigned cpu);

/**
 * ipi_domain_send_mask() - send IPI @virq to every CPU of @mask.
 * Return: 0, or -EINVAL for an unknown virq or a mask that is not a subset
 * of the reserved one (unless the IPI is global). An empty mask sends nothing.
 */
int ipi_domain_send_mask(const struct virq_table *tbl, unsigned virq,
			 const struct cpumask *mask);

/* Hot-path variants without the checks: the caller guarantees validity. */
void ipi_domain_send_single_unchecked(const struct virq_table *tbl, unsigned virq,
				      unsigned cpu);
void ipi_domain_send_mask_unchecked(const struct virq_table *tbl, unsigned virq,
				    const struct cpumask *mask);

/* The CPU mask an IPI was reserved for; NULL for an unknown virq. */
const struct cpumask *ipi_domain_affinity(const struct virq_table *tbl, unsigned virq);

#endif
