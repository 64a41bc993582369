/* SPDX-License-Identifier: MIT */
/*
 * irq_domain_priv.h - what irq_domain.c and ipi_domain.c share: a domain,
 * a virq's descriptor, the table, and the three steps every kind of virq
 * takes (stack a domain, allocate a virq through the controller, look it
 * up). Not for other files.
 */
#ifndef IPIVIRT_IRQ_DOMAIN_PRIV_H
#define IPIVIRT_IRQ_DOMAIN_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "irq_domain.h"

struct irq_domain {
	struct virq_table *table;
	const char *name;
	const struct irq_domain_ops *ops; /* controller domains only */
	const struct ipi_chip *chip;      /* controller domains only */
	void *host_data;
	struct irq_domain *parent;        /* stacked domains only */
	unsigned flags;                   /* IPI_DOMAIN_*, IRQ_DOMAIN_DEVICE */
	unsigned nr_cpus;
	unsigned nr_hwirqs;               /* device domains: pins */
};

/* Everything one virq owns, allocated in one block. */
struct ipi_desc {
	struct ipi_irq_data top_level; /* the IPI or device domain's */
	struct ipi_irq_data ctrl_level;
	struct cpumask mask;
	bool global;
	bool per_cpu;
	uint32_t cpu_hwirq[]; /* per-CPU IPIs: nr_cpus entries */
};

struct virq_table {
	pthread_mutex_t lock; /* serializes reserve / destroy */
	unsigned max_virqs;
	_Atomic(struct ipi_desc *) *descs; /* index = virq - 1 */
};

/* A domain stacked on controller @parent, in @parent's virq table. */
struct irq_domain *irq_domain_stack(struct irq_domain *parent,
				    const char *name, unsigned flags,
				    unsigned nr_cpus);

/*
 * irq_domain_alloc_virq() - a new virq with two levels, the top in @dom
 * over the controller below it: an IPI (top hwirq chosen by the
 * controller) or a device pin (@top_hwirq, its own). The controller names
 * its hwirq(s) for the CPUs of @mask from @arg. Return: the virq or a
 * negative errno.
 */
int irq_domain_alloc_virq(struct irq_domain *dom, const struct cpumask *mask,
			  bool global, uint32_t top_hwirq, const void *arg);

/* @virq's descriptor, or NULL (no lock: published with release). Inline:
 * every send looks one up. */
static inline struct ipi_desc *irq_domain_lookup(const struct virq_table *tbl,
						 unsigned virq)
{
	if (!tbl || virq == 0 || virq > tbl->max_virqs)
		return NULL;
	return atomic_load_explicit(&tbl->descs[virq - 1],
				    memory_order_acquire);
}

#endif
