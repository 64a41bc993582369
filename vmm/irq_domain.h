/* SPDX-License-Identifier: MIT */
/*
 * irq_domain.h - a VM's virq table and its domain hierarchy, after Linux's
 * irqdomain.h: controller domains own hwirqs and the chip that sends; IPI
 * domains (ipi_domain.h) and device domains (the I/O APIC's) stack on them,
 * and each virq has one struct ipi_irq_data per level, chained by
 * @parent_data.
 *
 * Virqs live in a struct virq_table, one per VM, so several controllers can
 * coexist without clashing numbers. Nothing here is global. Allocation and
 * freeing serialize on the table's lock; lookups take none (a virq's
 * descriptor is published with release ordering).
 *
 * Errors are negative errno values.
 */
#ifndef IPIVIRT_IRQ_DOMAIN_H
#define IPIVIRT_IRQ_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "cpumask.h"

#define IPI_HWIRQ_INVALID UINT32_MAX

struct irq_domain;
struct virq_table;

/**
 * struct ipi_irq_data - one level of a virq's hierarchy.
 * @virq:        the virq this data belongs to.
 * @hwirq:       the level's hwirq; for per-CPU IPIs the first CPU's one.
 * @cpu_hwirq:   per-CPU IPIs only: the hwirq of every CPU of the mask,
 *               IPI_HWIRQ_INVALID elsewhere (the design mail's cpumap[]).
 * @domain:      the domain at this level.
 * @chip_data:   private to the level's domain / chip.
 * @parent_data: the level below, or NULL at the controller.
 */
struct ipi_irq_data {
	unsigned virq;
	uint32_t hwirq;
	uint32_t *cpu_hwirq;
	struct irq_domain *domain;
	void *chip_data;
	struct ipi_irq_data *parent_data;
};

/**
 * struct ipi_chip - what a controller does to send an IPI.
 * @name:        for diagnostics.
 * @send_single: raise @d on @cpu.
 * @send_mask:   raise @d on every CPU of @mask; optional (the core loops
 *               over send_single), worth providing when a controller can
 *               batch a multicast.
 */
struct ipi_chip {
	const char *name;
	void (*send_single)(struct ipi_irq_data *d, unsigned cpu);
	void (*send_mask)(struct ipi_irq_data *d, const struct cpumask *mask);
};

/**
 * struct irq_domain_ops - hwirq management of a controller domain.
 * @alloc: give @d its hwirq(s) for the CPUs of @mask: @d->hwirq for a
 *         single-hwirq IPI, @d->cpu_hwirq[cpu] for every CPU of @mask for a
 *         per-CPU one. @arg is the reserver's request (e.g. a fixed vector)
 *         or NULL to let the domain choose. Return 0 or a negative errno.
 * @free:  release what @alloc took.
 */
struct irq_domain_ops {
	int (*alloc)(struct irq_domain *dom, struct ipi_irq_data *d,
		     const struct cpumask *mask, const void *arg);
	void (*free)(struct irq_domain *dom, struct ipi_irq_data *d);
};

/* Domain flags, as Linux's IRQ_DOMAIN_FLAG_IPI_PER_CPU / _SINGLE. */
#define IPI_DOMAIN_PER_CPU (1u << 0) /* one hwirq per CPU (XIVE) */
#define IPI_DOMAIN_SINGLE (1u << 1)  /* one hwirq for all CPUs (APIC) */
#define IRQ_DOMAIN_DEVICE (1u << 2)  /* device pins (IOAPIC) */

/*
 * The virq table of one VM. @max_virqs bounds how many IPIs may exist.
 * Destroy every domain of a table before the table itself.
 */
struct virq_table *irq_domain_table_create(unsigned max_virqs);
void irq_domain_table_destroy(struct virq_table *tbl);

/**
 * irq_domain_create_controller() - a parent (controller) domain.
 * @tbl:       the VM's virq table.
 * @name:      for diagnostics.
 * @ops:       hwirq allocation.
 * @chip:      how IPIs are sent.
 * @host_data: the controller's own state, see irq_domain_host_data().
 * Return: the domain or NULL (out of memory).
 */
struct irq_domain *irq_domain_create_controller(struct virq_table *tbl,
						const char *name,
						const struct irq_domain_ops *ops,
						const struct ipi_chip *chip,
						void *host_data);

/**
 * irq_domain_create_hierarchy() - a device interrupt domain on @parent.
 * @parent:    a controller domain (the APIC vector domain).
 * @name:      for diagnostics.
 * @nr_hwirqs: its input pins; hwirqs 0..@nr_hwirqs-1.
 * @nr_cpus:   the CPUs its interrupts may reach.
 * Return: the domain, or NULL for bad arguments or no memory.
 */
struct irq_domain *irq_domain_create_hierarchy(struct irq_domain *parent,
					       const char *name,
					       unsigned nr_hwirqs,
					       unsigned nr_cpus);

/**
 * irq_domain_alloc_irq() - a virq for pin @hwirq of device domain @dom.
 * @dom:        a domain from irq_domain_create_hierarchy().
 * @hwirq:      the pin.
 * @parent_arg: what the controller's alloc is asked for (for the APIC
 *              vector domain: a uint32_t APIC_IPI_HWIRQ()).
 * The virq is global (any CPU), sent with the ipi_domain_send_*() calls
 * like an IPI; a pin may have several virqs (one per
 * programming), each freed with irq_domain_free_irq().
 * Return: the virq (> 0) or a negative errno.
 */
int irq_domain_alloc_irq(struct irq_domain *dom, uint32_t hwirq,
			 const void *parent_arg);
int irq_domain_free_irq(struct virq_table *tbl, unsigned virq);

/*
 * The top level of @virq's hierarchy (the IPI or device domain's data;
 * ->parent_data is the controller's), or NULL for an unknown virq.
 */
const struct ipi_irq_data *irq_domain_get_irq_data(const struct virq_table *tbl,
						   unsigned virq);

/* Destroy a domain and every IPI still reserved through it. */
void irq_domain_destroy(struct irq_domain *dom);
void *irq_domain_host_data(const struct irq_domain *dom);
const char *irq_domain_name(const struct irq_domain *dom);

#endif
