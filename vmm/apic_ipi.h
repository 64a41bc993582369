/* SPDX-License-Identifier: MIT */
/*
 * apic_ipi.h - the APIC as the parent chip of an IPI domain, and the routing
 * of guest-sent APIC IPIs through that domain.
 *
 * The APIC vector domain names an IPI by one hwirq for all CPUs:
 *   hwirq = level << 11 | delivery_mode << 8 | vector
 * and its chip delivers it to each target APIC with apic_deliver().
 *
 * A guest ICR write is decoded by the APIC model (struct apic_ipi), its
 * targets found by apic_bus_route(), and it is sent with ipi_domain_send_mask_unchecked()
 * on a global virq reserved, on first use, for its (mode, vector): so every
 * guest IPI goes through the same IPI domain calls host code uses.
 * Pure C: no KVM here.
 */
#ifndef IPIVIRT_APIC_IPI_H
#define IPIVIRT_APIC_IPI_H

#include <stdint.h>

#include "apic_virt.h"
#include "ipi_domain.h"

#define APIC_IPI_HWIRQ(level, mode, vector) \
	((uint32_t)(level) << 11 | (uint32_t)(mode) << 8 | (uint32_t)(vector))
#define APIC_IPI_HWIRQ_VECTOR(hwirq) ((uint8_t)((hwirq) & 0xff))
#define APIC_IPI_HWIRQ_MODE(hwirq) ((uint8_t)(((hwirq) >> 8) & 0x7))
#define APIC_IPI_HWIRQ_LEVEL(hwirq) (((hwirq) >> 11) & 1u)

struct apic_ipi_router;

/**
 * apic_ipi_router_create() - the APIC vector domain, its IPI domain and the
 * guest IPI router of one VM.
 * @tbl: the VM's virq table.
 * @bus: the VM's APICs (already holding nr_cpus APICs or filled later).
 * Return: the router or NULL.
 */
struct apic_ipi_router *apic_ipi_router_create(struct virq_table *tbl,
					       struct apic_bus *bus);
void apic_ipi_router_destroy(struct apic_ipi_router *r);

/* The APIC vector domain: parent of the IPI and I/O APIC domains. */
struct irq_domain *apic_vector_domain(struct apic_ipi_router *r);

/* The IPI domain host code reserves APIC IPIs from (arg: uint32_t *hwirq). */
struct irq_domain *apic_ipi_domain(struct apic_ipi_router *r);

/*
 * apic_ipi_hwirq() - the vector-domain hwirq message @msg is sent as, once
 * apic_bus_route() chose its targets: the vector dropped for NMI and INIT,
 * lowest priority as fixed, the trigger kept for fixed only. Shared by
 * guest IPIs and the I/O APIC's messages (ioapic_router.c).
 */
uint32_t apic_ipi_hwirq(const struct apic_ipi *msg);

/**
 * apic_ipi_route() - send a guest-written IPI through the IPI domain.
 * Suitable as (the body of) struct apic_ops.send_ipi. Any thread.
 * Return: 0, -EINVAL for modes the APIC bus cannot deliver (SMI, remote
 * read, ExtINT), -ENOSPC when no virq is left.
 */
int apic_ipi_route(struct apic_ipi_router *r, const struct apic_ipi *ipi);

/* How many IPI messages apic_ipi_route() has sent and CPUs they reached. */
void apic_ipi_counts(const struct apic_ipi_router *r, uint64_t *messages,
		     uint64_t *deliveries);

/* Guest IPI messages sent by @cpu, and deliveries to @cpu from any sender. */
void apic_ipi_cpu_counts(const struct apic_ipi_router *r, unsigned cpu,
			 uint64_t *sent, uint64_t *received);

#endif
