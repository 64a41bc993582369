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
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ipi_domain.h"

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

struct virq_table *virq_table_create(unsigned max_virqs)
{
	struct virq_table *tbl;

	if (max_virqs == 0)
		return NULL;
	tbl = calloc(1, sizeof(*tbl));
	if (!tbl)
		return NULL;
	tbl->descs = calloc(max_virqs, sizeof(*tbl->descs));
	if (!tbl->descs) {
		free(tbl);
		return NULL;
	}
	tbl->max_virqs = max_virqs;
	pthread_mutex_init(&tbl->lock, NULL);
	return tbl;
}

void virq_table_destroy(struct virq_table *tbl)
{
	if (!tbl)
		return;
	for (unsigned i = 0; i < tbl->max_virqs; i++)
		if (atomic_load_explicit(&tbl->descs[i], memory_order_relaxed))
			ipi_destroy(tbl, i + 1);
	pthread_mutex_destroy(&tbl->lock);
	free(tbl->descs);
	free(tbl);
}

struct irq_domain *irq_domain_create_controller(struct virq_table *tbl,
						const char *name,
						const struct irq_domain_ops *ops,
						const struct ipi_chip *chip,
						void *host_data)
{
	struct irq_domain *dom;

	if (!tbl || !ops || !ops->alloc || !chip ||
	    (!chip->send_single && !chip->send_mask))
		return NULL;
	dom = calloc(1, sizeof(*dom));
	if (!dom)
		return NULL;
	dom->table = tbl;
	dom->name = name ? name : "controller";
	dom->ops = ops;
	dom->chip = chip;
	dom->host_data = host_data;
	return dom;
}

/* A domain stacked on controller @parent, in @parent's virq table. */
static struct irq_domain *stacked_domain(struct irq_domain *parent,
					 const char *name, unsigned flags,
					 unsigned nr_cpus)
{
	struct irq_domain *dom;

	if (!parent || !parent->chip || parent->parent)
		return NULL;
	if (nr_cpus == 0 || nr_cpus > IPIVIRT_MAX_CPUS)
		return NULL;
	dom = calloc(1, sizeof(*dom));
	if (!dom)
		return NULL;
	dom->table = parent->table;
	dom->name = name;
	dom->parent = parent;
	dom->flags = flags;
	dom->nr_cpus = nr_cpus;
	return dom;
}

struct irq_domain *ipi_domain_create(struct irq_domain *parent, unsigned flags,
				     unsigned nr_cpus)
{
	unsigned kind = flags & (IPI_DOMAIN_PER_CPU | IPI_DOMAIN_SINGLE);

	if (kind != IPI_DOMAIN_PER_CPU && kind != IPI_DOMAIN_SINGLE)
		return NULL;
	return stacked_domain(parent, "ipi", flags, nr_cpus);
}

struct irq_domain *irq_domain_create_hierarchy(struct irq_domain *parent,
					       const char *name,
					       unsigned nr_hwirqs,
					       unsigned nr_cpus)
{
	struct irq_domain *dom;

	if (nr_hwirqs == 0)
		return NULL;
	dom = stacked_domain(parent, name ? name : "device",
			     IRQ_DOMAIN_DEVICE, nr_cpus);
	if (dom)
		dom->nr_hwirqs = nr_hwirqs;
	return dom;
}

void irq_domain_destroy(struct irq_domain *dom)
{
	struct virq_table *tbl;

	if (!dom)
		return;
	/* IPIs still reserved through this domain die with it. */
	tbl = dom->table;
	for (unsigned i = 0; i < tbl->max_virqs; i++) {
		struct ipi_desc *desc = atomic_load_explicit(
			&tbl->descs[i], memory_order_acquire);
		if (desc && (desc->top_level.domain == dom ||
			     desc->ctrl_level.domain == dom))
			ipi_destroy(tbl, i + 1);
	}
	free(dom);
}

void *irq_domain_host_data(const struct irq_domain *dom)
{
	return dom ? dom->host_data : NULL;
}

const char *irq_domain_name(const struct irq_domain *dom)
{
	return dom ? dom->name : NULL;
}

static struct ipi_desc *desc_lookup(const struct virq_table *tbl, unsigned virq)
{
	if (!tbl || virq == 0 || virq > tbl->max_virqs)
		return NULL;
	return atomic_load_explicit(&tbl->descs[virq - 1], memory_order_acquire);
}

/* A mask is acceptable when non-empty and naming only existing CPUs. */
static bool mask_valid(const struct cpumask *mask, unsigned nr_cpus)
{
	struct cpumask all;

	cpumask_fill(&all, nr_cpus);
	return !cpumask_empty(mask) && cpumask_subset(mask, &all);
}

/*
 * Give a new virq a descriptor with two levels, @top in @dom over the
 * controller below it: an IPI (top hwirq chosen by the controller) or a
 * device pin (@top_hwirq, its own). The controller names its hwirq(s) for
 * the CPUs of @mask from @arg.
 */
static int virq_alloc(struct irq_domain *dom, const struct cpumask *mask,
		      bool global, uint32_t top_hwirq, const void *arg)
{
	struct virq_table *tbl = dom->table;
	struct irq_domain *ctrl = dom->parent;
	bool per_cpu = dom->flags & IPI_DOMAIN_PER_CPU;
	struct ipi_desc *desc;
	unsigned slot;
	int err;

	desc = calloc(1, sizeof(*desc) +
			 (per_cpu ? dom->nr_cpus * sizeof(uint32_t) : 0));
	if (!desc)
		return -ENOMEM;
	desc->mask = *mask;
	desc->global = global;
	desc->per_cpu = per_cpu;

	pthread_mutex_lock(&tbl->lock);
	for (slot = 0; slot < tbl->max_virqs; slot++)
		if (!atomic_load_explicit(&tbl->descs[slot],
					  memory_order_relaxed))
			break;
	if (slot == tbl->max_virqs) {
		err = -ENOSPC;
		goto out_unlock;
	}

	desc->top_level = (struct ipi_irq_data){
		.virq = slot + 1,
		.hwirq = IPI_HWIRQ_INVALID,
		.domain = dom,
		.parent_data = &desc->ctrl_level,
	};
	desc->ctrl_level = (struct ipi_irq_data){
		.virq = slot + 1,
		.hwirq = IPI_HWIRQ_INVALID,
		.domain = ctrl,
	};
	if (per_cpu) {
		for (unsigned cpu = 0; cpu < dom->nr_cpus; cpu++)
			desc->cpu_hwirq[cpu] = IPI_HWIRQ_INVALID;
		desc->ctrl_level.cpu_hwirq = desc->cpu_hwirq;
		desc->top_level.cpu_hwirq = desc->cpu_hwirq;
	}

	err = ctrl->ops->alloc(ctrl, &desc->ctrl_level, mask, arg);
	if (err)
		goto out_unlock;

	/* The controller must have named a hwirq for every CPU it serves. */
	if (per_cpu) {
		unsigned cpu;
		cpumask_for_each(cpu, mask) {
			if (desc->cpu_hwirq[cpu] == IPI_HWIRQ_INVALID) {
				if (ctrl->ops->free)
					ctrl->ops->free(ctrl, &desc->ctrl_level);
				err = -EIO;
				goto out_unlock;
			}
		}
		desc->ctrl_level.hwirq =
			desc->cpu_hwirq[cpumask_next(mask, 0)];
	} else if (desc->ctrl_level.hwirq == IPI_HWIRQ_INVALID) {
		if (ctrl->ops->free)
			ctrl->ops->free(ctrl, &desc->ctrl_level);
		err = -EIO;
		goto out_unlock;
	}
	/* An IPI is named by its controller hwirq; a device irq by its pin. */
	desc->top_level.hwirq = (dom->flags & IRQ_DOMAIN_DEVICE)
					? top_hwirq
					: desc->ctrl_level.hwirq;

	atomic_store_explicit(&tbl->descs[slot], desc, memory_order_release);
	pthread_mutex_unlock(&tbl->lock);
	return (int)slot + 1;

out_unlock:
	pthread_mutex_unlock(&tbl->lock);
	free(desc);
	return err;
}

int ipi_reserve(struct irq_domain *dom, const struct cpumask *mask,
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
	return virq_alloc(dom, mask, global, IPI_HWIRQ_INVALID, arg);
}

int irq_domain_alloc_irq(struct irq_domain *dom, uint32_t hwirq,
			 const void *parent_arg)
{
	struct cpumask all;

	if (!dom || !(dom->flags & IRQ_DOMAIN_DEVICE) || hwirq >= dom->nr_hwirqs)
		return -EINVAL;
	cpumask_fill(&all, dom->nr_cpus);
	return virq_alloc(dom, &all, true, hwirq, parent_arg);
}

int irq_domain_free_irq(struct virq_table *tbl, unsigned virq)
{
	return ipi_destroy(tbl, virq);
}

const struct ipi_irq_data *irq_get_irq_data(const struct virq_table *tbl,
					    unsigned virq)
{
	const struct ipi_desc *desc = desc_lookup(tbl, virq);

	return desc ? &desc->top_level : NULL;
}

int ipi_destroy(struct virq_table *tbl, unsigned virq)
{
	struct ipi_desc *desc;
	struct irq_domain *ctrl;

	if (!tbl || virq == 0 || virq > tbl->max_virqs)
		return -EINVAL;
	pthread_mutex_lock(&tbl->lock);
	desc = atomic_load_explicit(&tbl->descs[virq - 1],
				    memory_order_relaxed);
	if (!desc) {
		pthread_mutex_unlock(&tbl->lock);
		return -EINVAL;
	}
	atomic_store_explicit(&tbl->descs[virq - 1], NULL,
			      memory_order_release);
	/* Under the lock: alloc and free of one controller never overlap. */
	ctrl = desc->ctrl_level.domain;
	if (ctrl->ops->free)
		ctrl->ops->free(ctrl, &desc->ctrl_level);
	pthread_mutex_unlock(&tbl->lock);
	free(desc);
	return 0;
}

uint32_t ipi_get_hwirq(const struct virq_table *tbl, unsigned virq,
		       unsigned cpu)
{
	const struct ipi_desc *desc = desc_lookup(tbl, virq);

	if (!desc || !cpumask_test(&desc->mask, cpu))
		return IPI_HWIRQ_INVALID;
	return desc->per_cpu ? desc->cpu_hwirq[cpu] : desc->ctrl_level.hwirq;
}

const struct cpumask *ipi_affinity(const struct virq_table *tbl, unsigned virq)
{
	const struct ipi_desc *desc = desc_lookup(tbl, virq);

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

void __ipi_send_single(const struct virq_table *tbl, unsigned virq,
		       unsigned cpu)
{
	chip_send_single(desc_lookup(tbl, virq), cpu);
}

void __ipi_send_mask(const struct virq_table *tbl, unsigned virq,
		     const struct cpumask *mask)
{
	chip_send_mask(desc_lookup(tbl, virq), mask);
}

int ipi_send_single(const struct virq_table *tbl, unsigned virq, unsigned cpu)
{
	struct ipi_desc *desc = desc_lookup(tbl, virq);

	if (!desc || cpu >= desc->top_level.domain->nr_cpus)
		return -EINVAL;
	/* Global IPIs may reach any CPU; the others only their own mask. */
	if (!desc->global && !cpumask_test(&desc->mask, cpu))
		return -EINVAL;
	chip_send_single(desc, cpu);
	return 0;
}

int ipi_send_mask(const struct virq_table *tbl, unsigned virq,
		  const struct cpumask *mask)
{
	struct ipi_desc *desc = desc_lookup(tbl, virq);
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
