// SPDX-License-Identifier: MIT
/*
 * apic_ipi.c - the APIC vector domain (one hwirq for all CPUs) under the IPI
 * domain, and the path of a guest ICR write through it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "apic_ipi.h"

/* hwirq space: level (1 bit) x delivery mode (3 bits) x vector (8 bits). */
#define APIC_HWIRQ_SPACE (1u << 12)

struct apic_ipi_router {
	struct apic_bus *bus;
	struct virq_table *tbl;
	struct irq_domain *vector_domain;
	struct irq_domain *ipi_domain;
	pthread_mutex_t lock;                   /* first-use reservations */
	_Atomic unsigned virq_of[APIC_HWIRQ_SPACE]; /* 0: not reserved yet */
	unsigned refs[APIC_HWIRQ_SPACE];        /* host + guest users a hwirq */
	_Atomic uint64_t messages;
	_Atomic uint64_t deliveries;
	_Atomic uint64_t sent[IPIVIRT_MAX_CPUS];     /* by source vCPU */
	_Atomic uint64_t received[IPIVIRT_MAX_CPUS]; /* by target vCPU */
};

static void apic_chip_send_single(struct ipi_irq_data *d, unsigned cpu)
{
	struct apic_ipi_router *r = irq_domain_host_data(d->domain);
	struct apic *apic = apic_bus_get(r->bus, cpu);

	if (!apic)
		return;
	atomic_fetch_add_explicit(&r->received[cpu], 1, memory_order_relaxed);
	apic_deliver(apic, APIC_IPI_HWIRQ_MODE(d->hwirq),
		     APIC_IPI_HWIRQ_VECTOR(d->hwirq),
		     APIC_IPI_HWIRQ_LEVEL(d->hwirq));
}

static void apic_chip_send_mask(struct ipi_irq_data *d,
				const struct cpumask *mask)
{
	unsigned cpu;

	cpumask_for_each(cpu, mask)
		apic_chip_send_single(d, cpu);
}

static const struct ipi_chip apic_ipi_chip = {
	.name = "apic",
	.send_single = apic_chip_send_single,
	.send_mask = apic_chip_send_mask,
};

/*
 * One vector serves every CPU, so allocation is just naming the hwirq.
 * Without a request the domain hands out a free fixed vector from the top
 * of the range down, the way Linux's vector domain places system vectors.
 */
static int apic_vector_alloc(struct irq_domain *dom, struct ipi_irq_data *d,
			     const struct cpumask *mask, const void *arg)
{
	struct apic_ipi_router *r = irq_domain_host_data(dom);
	uint32_t hwirq;

	(void)mask;
	if (arg) {
		hwirq = *(const uint32_t *)arg;
		if (hwirq >= APIC_HWIRQ_SPACE)
			return -EINVAL;
		if (APIC_IPI_HWIRQ_MODE(hwirq) == APIC_DM_FIXED &&
		    APIC_IPI_HWIRQ_VECTOR(hwirq) < 16)
			return -EINVAL;
	} else {
		hwirq = IPI_HWIRQ_INVALID;
		for (unsigned v = 0xfe; v >= 0x20; v--) {
			uint32_t h = APIC_IPI_HWIRQ(0, APIC_DM_FIXED, v);
			if (!r->refs[h] && !atomic_load(&r->virq_of[h])) {
				hwirq = h;
				break;
			}
		}
		if (hwirq == IPI_HWIRQ_INVALID)
			return -ENOSPC;
	}
	r->refs[hwirq]++;
	d->hwirq = hwirq;
	d->chip_data = r;
	return 0;
}

static void apic_vector_free(struct irq_domain *dom, struct ipi_irq_data *d)
{
	struct apic_ipi_router *r = irq_domain_host_data(dom);

	if (d->hwirq < APIC_HWIRQ_SPACE && r->refs[d->hwirq])
		r->refs[d->hwirq]--;
}

static const struct irq_domain_ops apic_vector_ops = {
	.alloc = apic_vector_alloc,
	.free = apic_vector_free,
};

struct apic_ipi_router *apic_ipi_router_create(struct virq_table *tbl,
					       struct apic_bus *bus)
{
	struct apic_ipi_router *r;

	if (!tbl || !bus)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->bus = bus;
	r->tbl = tbl;
	pthread_mutex_init(&r->lock, NULL);
	r->vector_domain = irq_domain_create_controller(
		tbl, "apic-vector", &apic_vector_ops, &apic_ipi_chip, r);
	if (!r->vector_domain)
		goto out_free;
	r->ipi_domain = ipi_domain_create(r->vector_domain, IPI_DOMAIN_SINGLE,
					  apic_bus_nr_cpus(bus));
	if (!r->ipi_domain)
		goto out_vector;
	return r;

out_vector:
	irq_domain_destroy(r->vector_domain);
out_free:
	pthread_mutex_destroy(&r->lock);
	free(r);
	return NULL;
}

void apic_ipi_router_destroy(struct apic_ipi_router *r)
{
	if (!r)
		return;
	/* Frees the guest virqs and any the host reserved. */
	irq_domain_destroy(r->ipi_domain);
	irq_domain_destroy(r->vector_domain);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

struct irq_domain *apic_vector_domain(struct apic_ipi_router *r)
{
	return r ? r->vector_domain : NULL;
}

struct irq_domain *apic_ipi_domain(struct apic_ipi_router *r)
{
	return r ? r->ipi_domain : NULL;
}

/* The global virq standing for @hwirq, reserved the first time it is used. */
static int guest_virq(struct apic_ipi_router *r, uint32_t hwirq)
{
	unsigned virq = atomic_load_explicit(&r->virq_of[hwirq],
					     memory_order_acquire);
	struct cpumask all;
	int ret;

	if (virq)
		return (int)virq;
	pthread_mutex_lock(&r->lock);
	virq = atomic_load_explicit(&r->virq_of[hwirq], memory_order_relaxed);
	if (!virq) {
		cpumask_fill(&all, apic_bus_nr_cpus(r->bus));
		ret = ipi_domain_reserve(r->ipi_domain, &all, true, &hwirq);
		if (ret < 0) {
			pthread_mutex_unlock(&r->lock);
			return ret;
		}
		virq = (unsigned)ret;
		atomic_store_explicit(&r->virq_of[hwirq], virq,
				      memory_order_release);
	}
	pthread_mutex_unlock(&r->lock);
	return (int)virq;
}

uint32_t apic_ipi_hwirq(const struct apic_ipi *msg)
{
	uint8_t mode = msg->delivery_mode;
	uint8_t vector = msg->vector;

	/* The vector only matters to fixed, lowest-priority and SIPI. */
	if (mode == APIC_DM_NMI || mode == APIC_DM_INIT)
		vector = 0;
	/* Lowest priority already chose its one CPU: it arrives as fixed. */
	if (mode == APIC_DM_LOWEST)
		mode = APIC_DM_FIXED;
	return APIC_IPI_HWIRQ(msg->level_trigger && mode == APIC_DM_FIXED,
			      mode, vector);
}

int apic_ipi_route(struct apic_ipi_router *r, const struct apic_ipi *ipi)
{
	struct cpumask targets;
	int virq, err;

	err = apic_bus_route(r->bus, ipi, &targets);
	if (err)
		return err;
	if (cpumask_empty(&targets))
		return 0;

	virq = guest_virq(r, apic_ipi_hwirq(ipi));
	if (virq < 0)
		return virq;
	ipi_domain_send_mask_unchecked(r->tbl, (unsigned)virq, &targets);
	atomic_fetch_add_explicit(&r->messages, 1, memory_order_relaxed);
	if (ipi->source_cpu < IPIVIRT_MAX_CPUS)
		atomic_fetch_add_explicit(&r->sent[ipi->source_cpu], 1,
					  memory_order_relaxed);
	atomic_fetch_add_explicit(&r->deliveries, cpumask_weight(&targets),
				  memory_order_relaxed);
	return 0;
}

void apic_ipi_counts(const struct apic_ipi_router *r, uint64_t *messages,
		     uint64_t *deliveries)
{
	*messages = atomic_load_explicit(&r->messages, memory_order_relaxed);
	*deliveries = atomic_load_explicit(&r->deliveries,
					   memory_order_relaxed);
}

void apic_ipi_cpu_counts(const struct apic_ipi_router *r, unsigned cpu,
			 uint64_t *sent, uint64_t *received)
{
	*sent = *received = 0;
	if (cpu >= IPIVIRT_MAX_CPUS)
		return;
	*sent = atomic_load_explicit(&r->sent[cpu], memory_order_relaxed);
	*received = atomic_load_explicit(&r->received[cpu],
					 memory_order_relaxed);
}
