// SPDX-License-Identifier: MIT
/*
 * xive_ipi.c - the XIVE source domain (one hwirq per CPU) under the IPI
 * domain, and guest IPI triggers routed through it.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "xive_ipi.h"

struct xive_ipi_router {
	struct xive *xive;
	struct virq_table *tbl;
	struct irq_domain *source_domain;
	struct irq_domain *ipi_domain;
	unsigned nr_cpus;
	unsigned guest_virq;
	_Atomic uint64_t received[IPIVIRT_MAX_CPUS];
};

static void xive_chip_send_single(struct ipi_irq_data *d, unsigned cpu)
{
	struct xive_ipi_router *r = irq_domain_host_data(d->domain);

	atomic_fetch_add_explicit(&r->received[cpu], 1, memory_order_relaxed);
	/* Coalescing (PQ 10/11) or a masked source (01) is XIVE's business. */
	(void)xive_trigger(r->xive, d->cpu_hwirq[cpu]);
}

/* No send_mask: each CPU has its own source, so a multicast is a loop. */
static const struct ipi_chip xive_ipi_chip = {
	.name = "xive",
	.send_single = xive_chip_send_single,
};

/* Every CPU of the mask gets its own IPI source. */
static int xive_source_alloc(struct irq_domain *dom, struct ipi_irq_data *d,
			     const struct cpumask *mask, const void *arg)
{
	struct xive_ipi_router *r = irq_domain_host_data(dom);
	unsigned cpu;

	(void)arg;
	cpumask_for_each(cpu, mask) {
		if (cpu >= r->nr_cpus)
			return -EINVAL;
		d->cpu_hwirq[cpu] = xive_ipi_source(r->xive, cpu);
	}
	d->chip_data = r;
	return 0;
}

static const struct irq_domain_ops xive_source_ops = {
	.alloc = xive_source_alloc,
};

struct xive_ipi_router *xive_ipi_router_create(struct virq_table *tbl,
					       struct xive *x,
					       unsigned nr_cpus)
{
	struct xive_ipi_router *r;
	struct cpumask all;
	int virq;

	if (!tbl || !x || nr_cpus == 0 || nr_cpus > IPIVIRT_MAX_CPUS)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->xive = x;
	r->tbl = tbl;
	r->nr_cpus = nr_cpus;
	r->source_domain = irq_domain_create_controller(
		tbl, "xive-source", &xive_source_ops, &xive_ipi_chip, r);
	if (!r->source_domain)
		goto out_free;
	r->ipi_domain = ipi_domain_create(r->source_domain,
					  IPI_DOMAIN_PER_CPU, nr_cpus);
	if (!r->ipi_domain)
		goto out_source;
	cpumask_fill(&all, nr_cpus);
	virq = ipi_domain_reserve(r->ipi_domain, &all, true, NULL);
	if (virq < 0)
		goto out_ipi;
	r->guest_virq = (unsigned)virq;
	return r;

out_ipi:
	irq_domain_destroy(r->ipi_domain);
out_source:
	irq_domain_destroy(r->source_domain);
out_free:
	free(r);
	return NULL;
}

void xive_ipi_router_destroy(struct xive_ipi_router *r)
{
	if (!r)
		return;
	irq_domain_destroy(r->ipi_domain);
	irq_domain_destroy(r->source_domain);
	free(r);
}

struct irq_domain *xive_ipi_domain(struct xive_ipi_router *r)
{
	return r ? r->ipi_domain : NULL;
}

unsigned xive_ipi_guest_virq(const struct xive_ipi_router *r)
{
	return r->guest_virq;
}

int xive_ipi_guest_trigger(struct xive_ipi_router *r, uint32_t lisn)
{
	/* IPI source n belongs to vCPU n (xive_ipi_source's numbering). */
	if (lisn < r->nr_cpus && xive_ipi_source(r->xive, lisn) == lisn)
		return ipi_domain_send_single(r->tbl, r->guest_virq, lisn);
	return xive_trigger(r->xive, lisn) < 0 ? -EINVAL : 0;
}

uint64_t xive_ipi_received(const struct xive_ipi_router *r, unsigned cpu)
{
	if (cpu >= IPIVIRT_MAX_CPUS)
		return 0;
	return atomic_load_explicit(&r->received[cpu], memory_order_relaxed);
}
