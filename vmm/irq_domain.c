// SPDX-License-Identifier: MIT
/*
 * irq_domain.c - a VM's virq table and its hierarchy of domains: controller
 * domains, and the IPI and device domains stacked on them. A virq's
 * descriptor is allocated in one block and published with release
 * ordering, so lookups and sends never lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "irq_domain_priv.h"

struct virq_table *irq_domain_table_create(unsigned max_virqs)
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

void irq_domain_table_destroy(struct virq_table *tbl)
{
	if (!tbl)
		return;
	for (unsigned i = 0; i < tbl->max_virqs; i++)
		if (atomic_load_explicit(&tbl->descs[i], memory_order_relaxed))
			irq_domain_free_irq(tbl, i + 1);
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

struct irq_domain *irq_domain_stack(struct irq_domain *parent,
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

struct irq_domain *irq_domain_create_hierarchy(struct irq_domain *parent,
					       const char *name,
					       unsigned nr_hwirqs,
					       unsigned nr_cpus)
{
	struct irq_domain *dom;

	if (nr_hwirqs == 0)
		return NULL;
	dom = irq_domain_stack(parent, name ? name : "device",
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
			irq_domain_free_irq(tbl, i + 1);
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

/* irq_domain_priv.h says what it gives; the controller names the hwirqs. */
int irq_domain_alloc_virq(struct irq_domain *dom, const struct cpumask *mask,
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

int irq_domain_alloc_irq(struct irq_domain *dom, uint32_t hwirq,
			 const void *parent_arg)
{
	struct cpumask all;

	if (!dom || !(dom->flags & IRQ_DOMAIN_DEVICE) || hwirq >= dom->nr_hwirqs)
		return -EINVAL;
	cpumask_fill(&all, dom->nr_cpus);
	return irq_domain_alloc_virq(dom, &all, true, hwirq, parent_arg);
}

int irq_domain_free_irq(struct virq_table *tbl, unsigned virq)
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

const struct ipi_irq_data *irq_domain_get_irq_data(const struct virq_table *tbl,
						   unsigned virq)
{
	const struct ipi_desc *desc = irq_domain_lookup(tbl, virq);

	return desc ? &desc->top_level : NULL;
}
