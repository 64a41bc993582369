/* SPDX-License-Identifier: MIT */
/*
 * xive_ipi.h - XIVE as the parent chip of an IPI domain: one hwirq per CPU.
 *
 * The XIVE source domain names an IPI by the IPI source (LISN) of each
 * target CPU: hwirq(cpu) = xive_ipi_source(x, cpu), the design mail's
 * per-CPU mapping. Its chip triggers that source, and XIVE's routing (the
 * guest's H_INT_SET_SOURCE_CONFIG) takes the event to a queue and a vCPU.
 *
 * A guest's trigger store to an IPI source's ESB page is sent through the
 * same IPI domain as a host IPI (xive_ipi_guest_trigger()), so every guest
 * IPI is routed by the domain. Pure C: no KVM here.
 */
#ifndef IPIVIRT_XIVE_IPI_H
#define IPIVIRT_XIVE_IPI_H

#include <stdint.h>

#include "ipi_domain.h"
#include "xive_virt.h"

struct xive_ipi_router;

struct xive_ipi_router *xive_ipi_router_create(struct virq_table *tbl,
					       struct xive *x,
					       unsigned nr_cpus);
void xive_ipi_router_destroy(struct xive_ipi_router *r);

/* The IPI domain host code reserves XIVE IPIs from (per-CPU hwirqs). */
struct irq_domain *xive_ipi_domain(struct xive_ipi_router *r);
/* The global virq every guest IPI trigger goes through. */
unsigned xive_ipi_guest_virq(const struct xive_ipi_router *r);

/**
 * xive_ipi_guest_trigger() - a guest's store to source @lisn's trigger page.
 * IPI sources go through the IPI domain (send_single to the CPU owning the
 * source); other sources trigger directly. Any thread.
 * Return: 0 (the event may still be coalesced or dropped by the source's
 * PQ state, as on hardware) or a negative errno for an unknown source.
 */
int xive_ipi_guest_trigger(struct xive_ipi_router *r, uint32_t lisn);

/* IPIs sent through the domain to @cpu (guest triggers and host sends). */
uint64_t xive_ipi_received(const struct xive_ipi_router *r, unsigned cpu);

#endif
