// SPDX-License-Identifier: MIT
/*
 * ipi_domain.c - the generic IPI domain: reserve, look up and send IPIs
 * through a stack of domains down to the controller chip.
 *
 * The structure follows Linux's kernel/irq/ipi.c and the design mail in
 * shared/seeds: a virq has an irq_data per level; the IPI level records the
 * reserved mask and whether the IPI is global; the controller level holds
 * the hwirq(s) and the chip. Sends never lock: the descriptor pointer is
 * published with release ordering and never changes while the virq lives.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ipi_domain.h"
#include "irq_domain_priv.h"

struct irq_domain *ipi_domain_create(struct irq_domain *parent, unsigned flags,
				     unsigned nr_cpus)
{
	unsigned kind = flags & (IPI_DOMAIN_PER_CPU | IPI_DOMAIN_SINGLE);

	if (kind != IPI_DOMAIN_PER_CPU && kind != IPI_DOMAIN_SINGLE)
		return NULL;
	return irq_domain_stack(parent, "ipi", flags, nr_cpus);
}

/* A mask is acceptable when non-empty and naming only existing CPUs. */
static bool mask_valid(const struct cpumask *mask, unsigned nr_cpus)
{
	struct cpumask all;

	cpumask_fill(&all, nr_cpus);
	return !cpumask_empty(mask) && cpumask_subset(mask, &all);
}

int ipi_domain_reserve(struct irq_domain *dom, const struct cpumask *mask,
		       bool global, const void *arg)
{
	if (!dom || !dom->parent || !mask || (dom->flags & IRQ_DOMAIN_DEVICE))
		return -EINVAL;
	if (!mask_valid(mask, dom->nr_cpus))
		return -EINVAL;
	/* A global per-CPU IPI needs a hwirq on every CPU it may reach. */
	if (global && (dom->flags & IPI_DOMAIN_PER_CPU) &&
	    cpumask_weight(mask) != dom->nr_cpus)
		return -EINVAL;
	return irq_domain_alloc_virq(dom, mask, global, IPI_HWIRQ_INVALID, arg);
}

int ipi_domain_release(struct virq_table *tbl, unsigned virq)
{
	return irq_domain_free_irq(tbl, virq);
}

uint32_t ipi_domain_get_hwirq(const struct virq_table *tbl, unsigned virq,
			      unsigned cpu)
{
	const struct ipi_desc *desc = irq_domain_lookup(tbl, virq);

	if (!desc || !cpumask_test(&desc->mask, cpu))
		return IPI_HWIRQ_INVALID;
	return desc->per_cpu ? desc->cpu_hwirq[cpu] : desc->ctrl_level.hwirq;
}

const struct cpumask *ipi_domain_affinity(const struct virq_table *tbl, unsigned virq)
{
	const struct ipi_desc *desc = irq_domain_lookup(tbl, virq);

	return desc ? &desc->mask : NULL;
}

/* Hand one CPU to the controller chip. */
static void chip_send_single(struct ipi_desc *desc, unsigned cpu)
{
	struct ipi_irq_data *d = &desc->ctrl_level;
	const struct ipi_chip *chip = d->domain->chip;

	if (chip->send_single) {
		chip->send_single(d, cpu);
	} else {
		struct cpumask one;

		cpumask_clear(&one);
		cpumask_set(&one, cpu);
		chip->send_mask(d, &one);
	}
}

/*
 * A per-CPU IPI has a different hwirq on each CPU, so a multicast becomes
 * one send per CPU; a single-hwirq controller gets the whole mask at once
 * when it can batch.
 */
static void chip_send_mask(struct ipi_desc *desc, const struct cpumask *mask)
{
	struct ipi_irq_data *d = &desc->ctrl_level;
	const struct ipi_chip *chip = d->domain->chip;
	unsigned cpu;

	if (!desc->per_cpu && chip->send_mask) {
		chip->send_mask(d, mask);
		return;
	}
	cpumask_for_each(cpu, mask)
		chip_send_single(desc, cpu);
}

void ipi_domain_send_single_unchecked(const struct virq_table *tbl, unsigned virq,
				      unsigned cpu)
{
	chip_send_single(irq_domain_lookup(tbl, virq), cpu);
}

void ipi_domain_send_mask_unchecked(const struct virq_table *tbl, unsigned virq,
				    const struct cpumask *mask)
{
	chip_send_mask(irq_domain_lookup(tbl, virq), mask);
}

int ipi_domain_send_single(const struct virq_table *tbl, unsigned virq, unsigned cpu)
{
	struct ipi_desc *desc = irq_domain_lookup(tbl, virq);

	if (!desc || cpu >= desc->top_level.domain->nr_cpus)
		return -EINVAL;
	/* Global IPIs may reach any CPU; the others only their own mask. */
	if (!desc->global && !cpumask_test(&desc->mask, cpu))
		return -EINVAL;
	chip_send_single(desc, cpu);
	return 0;
}

int ipi_domain_send_mask(const struct virq_table *tbl, unsigned virq,
			 const struct cpumask *mask)
{
	struct ipi_desc *desc = irq_domain_lookup(tbl, virq);
	struct cpumask all;

	if (!desc || !mask)
		return -EINVAL;
	cpumask_fill(&all, desc->top_level.domain->nr_cpus);
	if (!cpumask_subset(mask, &all))
		return -EINVAL;
	if (!desc->global && !cpumask_subset(mask, &desc->mask))
		return -EINVAL;
	if (!cpumask_empty(mask))
		chip_send_mask(desc, mask);
	return 0;
}
