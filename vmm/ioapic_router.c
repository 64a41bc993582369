// SPDX-License-Identifier: MIT
/*
 * ioapic_router.c - I/O APIC pins as virqs of a device domain on the APIC
 * vector domain; see ioapic_router.h.
 *
 * Device interrupts are not the IPI hot path: one lock serializes sends and
 * remaps, so a virq is never freed while another thread sends on it, and a
 * pin's messages leave in the order the I/O APIC decided them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "ioapic_router.h"

struct pin_route {
	unsigned virq; /* 0: the pin never sent */
	uint64_t sent, dropped;
};

struct ioapic_router {
	pthread_mutex_t lock;
	struct virq_table *tbl;
	struct apic_bus *bus;
	struct irq_domain *domain;
	struct pin_route pin[IOAPIC_NR_PINS];
};

struct ioapic_router *ioapic_router_create(struct apic_ipi_router *r,
					   struct virq_table *tbl,
					   struct apic_bus *bus)
{
	struct ioapic_router *ir;

	if (!r || !tbl || !bus)
		return NULL;
	ir = calloc(1, sizeof(*ir));
	if (!ir)
		return NULL;
	ir->domain = irq_domain_create_hierarchy(apic_vector_domain(r),
						 "ioapic", IOAPIC_NR_PINS,
						 apic_bus_nr_cpus(bus));
	if (!ir->domain) {
		free(ir);
		return NULL;
	}
	pthread_mutex_init(&ir->lock, NULL);
	ir->tbl = tbl;
	ir->bus = bus;
	return ir;
}

void ioapic_router_destroy(struct ioapic_router *ir)
{
	if (!ir)
		return;
	irq_domain_destroy(ir->domain); /* frees the pins' virqs */
	pthread_mutex_destroy(&ir->lock);
	free(ir);
}

struct irq_domain *ioapic_router_domain(struct ioapic_router *ir)
{
	return ir ? ir->domain : NULL;
}

/* The pin's virq for @hwirq, remapped when the guest reprogrammed it. */
static int pin_virq(struct ioapic_router *ir, unsigned pin, uint32_t hwirq)
{
	struct pin_route *p = &ir->pin[pin];
	int virq;

	/* The programmed parent hwirq is the virq's own parent level. */
	if (p->virq &&
	    irq_domain_get_irq_data(ir->tbl, p->virq)->parent_data->hwirq == hwirq)
		return (int)p->virq;
	virq = irq_domain_alloc_irq(ir->domain, pin, &hwirq);
	if (virq < 0)
		return virq;
	if (p->virq)
		irq_domain_free_irq(ir->tbl, p->virq);
	p->virq = (unsigned)virq;
	return virq;
}

void ioapic_router_deliver(void *opaque, unsigned pin,
			   const struct apic_ipi *msg)
{
	struct ioapic_router *ir = opaque;
	struct cpumask targets;
	int virq;

	if (pin >= IOAPIC_NR_PINS)
		return;
	pthread_mutex_lock(&ir->lock);
	/* SMI, remote read and ExtINT reach no local APIC here. */
	if (apic_bus_route(ir->bus, msg, &targets) ||
	    cpumask_empty(&targets)) {
		ir->pin[pin].dropped++;
		goto out;
	}
	virq = pin_virq(ir, pin, apic_ipi_hwirq(msg));
	if (virq < 0) {
		ir->pin[pin].dropped++;
		goto out;
	}
	ipi_domain_send_mask_unchecked(ir->tbl, (unsigned)virq, &targets);
	ir->pin[pin].sent++;
out:
	pthread_mutex_unlock(&ir->lock);
}

unsigned ioapic_router_virq(struct ioapic_router *ir, unsigned pin)
{
	unsigned virq;

	if (!ir || pin >= IOAPIC_NR_PINS)
		return 0;
	pthread_mutex_lock(&ir->lock);
	virq = ir->pin[pin].virq;
	pthread_mutex_unlock(&ir->lock);
	return virq;
}

void ioapic_router_counts(struct ioapic_router *ir, unsigned pin,
			  uint64_t *sent, uint64_t *dropped)
{
	*sent = *dropped = 0;
	if (!ir || pin >= IOAPIC_NR_PINS)
		return;
	pthread_mutex_lock(&ir->lock);
	*sent = ir->pin[pin].sent;
	*dropped = ir->pin[pin].dropped;
	pthread_mutex_unlock(&ir->lock);
}
