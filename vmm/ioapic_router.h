/* SPDX-License-Identifier: MIT */
/*
 * ioapic_router.h - the I/O APIC as a device domain of the VM's virq table,
 * stacked on the APIC vector domain:
 *
 *   [IOAPIC domain] -> [APIC vector domain] -> apic_deliver() on each target
 *
 * A pin's message (struct apic_ipi from ioapic.c) is routed on the APIC bus
 * (apic_bus_route(): physical, logical, lowest priority) and sent on the
 * pin's virq, whose parent hwirq is APIC_IPI_HWIRQ(trigger, mode, vector)
 * as the guest programmed it. A pin gets a new virq when the guest
 * reprograms it to another parent hwirq (Linux's vector domain re-activates
 * an irq the same way on an affinity or vector change); the old one is
 * freed. Pure C, no KVM; any thread.
 */
#ifndef IPIVIRT_IOAPIC_ROUTE_H
#define IPIVIRT_IOAPIC_ROUTE_H

#include <stdint.h>

#include "apic_ipi.h"
#include "ioapic.h"

struct ioapic_router;

/**
 * ioapic_router_create() - the I/O APIC domain of one VM.
 * @r:   the VM's APIC IPI router (owner of the vector domain).
 * @tbl: the VM's virq table.
 * @bus: the VM's APICs.
 * Return: the router, or NULL (bad arguments, no memory).
 */
struct ioapic_router *ioapic_router_create(struct apic_ipi_router *r,
					   struct virq_table *tbl,
					   struct apic_bus *bus);
void ioapic_router_destroy(struct ioapic_router *ir);

/* The device domain (hwirq = pin). */
struct irq_domain *ioapic_router_domain(struct ioapic_router *ir);

/**
 * ioapic_router_deliver() - struct ioapic_ops.deliver: send pin @pin's
 * message @msg (@opaque: the router).
 */
void ioapic_router_deliver(void *opaque, unsigned pin,
			   const struct apic_ipi *msg);

/* The virq pin @pin sends on now (0: it never sent). */
unsigned ioapic_router_virq(struct ioapic_router *ir, unsigned pin);

/* Messages sent per pin, and how many were dropped (no target, no virq). */
void ioapic_router_counts(struct ioapic_router *ir, unsigned pin,
			  uint64_t *sent, uint64_t *dropped);

#endif
