// SPDX-License-Identifier: MIT
/*
 * apic_bus.c - destination decoding across a VM's APICs (SDM 10.6.2).
 *
 * Routing reads only what each APIC publishes atomically (mode flags, ID,
 * LDR, DFR, arbitration inputs), so any thread may route while the owners
 * reprogram their APICs; a message racing with a reprogramming sees either
 * the old or the new destination, as on a real bus.
 */
#include <errno.h>
#include <stdlib.h>

#include "apic_regs.h"

struct apic_bus {
	unsigned nr_cpus;
	_Atomic(struct apic *) apics[];
};

/**
 * apic_bus_create() - an empty bus for @nr_cpus vCPUs.
 * @nr_cpus: 1..IPIVIRT_MAX_CPUS.
 *
 * Return: the bus, or NULL with errno set (EINVAL, ENOMEM).
 */
struct apic_bus *apic_bus_create(unsigned nr_cpus)
{
	struct apic_bus *bus;

	if (!nr_cpus || nr_cpus > IPIVIRT_MAX_CPUS) {
		errno = EINVAL;
		return NULL;
	}
	bus = calloc(1, sizeof(*bus) + nr_cpus * sizeof(bus->apics[0]));
	if (!bus) {
		errno = ENOMEM;
		return NULL;
	}
	bus->nr_cpus = nr_cpus;
	for (unsigned i = 0; i < nr_cpus; i++)
		atomic_init(&bus->apics[i], NULL);
	return bus;
}

/**
 * apic_bus_destroy() - free the bus (not the APICs, which it does not own).
 * @bus: the bus, or NULL.
 */
void apic_bus_destroy(struct apic_bus *bus)
{
	free(bus);
}

/**
 * apic_bus_attach() - put an APIC on the bus at its vCPU index.
 * @bus:  the bus.
 * @apic: the APIC; apic_cpu() selects the slot.
 *
 * Return: 0, -EINVAL (NULL or index out of range), -EEXIST (slot taken).
 */
int apic_bus_attach(struct apic_bus *bus, struct apic *apic)
{
	struct apic *none = NULL;
	unsigned cpu;

	if (!bus || !apic)
		return -EINVAL;
	cpu = apic_cpu(apic);
	if (cpu >= bus->nr_cpus)
		return -EINVAL;
	if (!atomic_compare_exchange_strong_explicit(&bus->apics[cpu], &none,
						     apic, memory_order_acq_rel,
						     memory_order_relaxed))
		return -EEXIST;
	return 0;
}

/**
 * apic_bus_get() - the APIC of vCPU @cpu.
 * @bus: the bus.
 * @cpu: vCPU index.
 *
 * Return: the APIC, or NULL if out of range or not attached.
 */
struct apic *apic_bus_get(const struct apic_bus *bus, unsigned cpu)
{
	if (!bus || cpu >= bus->nr_cpus)
		return NULL;
	return atomic_load_explicit(&bus->apics[cpu], memory_order_acquire);
}

/**
 * apic_bus_nr_cpus() - the bus size.
 * @bus: the bus.
 *
 * Return: the nr_cpus it was created with.
 */
unsigned apic_bus_nr_cpus(const struct apic_bus *bus)
{
	return bus ? bus->nr_cpus : 0;
}

/* xAPIC logical match (8-bit MDA) by the target's own DFR model. */
static bool match_xapic_logical(const struct apic *a, uint32_t mda)
{
	uint32_t ldr = apic_pub_ldr(a) >> 24;
	uint32_t model = apic_pub_dfr(a) >> 28;

	if (model == DFR_MODEL_FLAT)
		return (ldr & mda) != 0;
	if (model == DFR_MODEL_CLUSTER)
		return mda == 0xff ||
		       ((ldr >> 4) == (mda >> 4) && (ldr & mda & 0xf) != 0);
	return false; /* other models are undefined */
}

/* x2APIC logical match: cluster in bits 31:16, member bitmap in 15:0. */
static bool match_x2apic_logical(const struct apic *a, uint32_t dest)
{
	uint32_t ldr = apic_pub_ldr(a);

	return (ldr >> 16) == (dest >> 16) && (ldr & dest & 0xffff) != 0;
}

static bool match(const struct apic *a, unsigned cpu,
		  const struct apic_ipi *ipi)
{
	switch (ipi->shorthand) {
	case APIC_SH_SELF:
		return cpu == ipi->source_cpu;
	case APIC_SH_ALL_INCL_SELF:
		return true;
	case APIC_SH_ALL_EXCL_SELF:
		return cpu != ipi->source_cpu;
	default:
		break;
	}
	if (ipi->x2apic) {
		if (ipi->dest == 0xffffffffu)
			return true; /* broadcast, physical or logical */
		if (!ipi->logical)
			return apic_id(a) == ipi->dest;
		return match_x2apic_logical(a, ipi->dest);
	}
	if (!ipi->logical)
		return (ipi->dest & 0xff) == 0xff || apic_id(a) == (ipi->dest & 0xff);
	return match_xapic_logical(a, ipi->dest & 0xff);
}

/* Keep only the lowest arbitration priority in @mask (lowest index on ties). */
static void pick_lowest(const struct apic_bus *bus, struct cpumask *mask)
{
	unsigned cpu, best = IPIVIRT_MAX_CPUS, best_prio = ~0u;

	cpumask_for_each(cpu, mask) {
		unsigned p = apic_arb_priority(apic_bus_get(bus, cpu));

		if (p < best_prio) {
			best_prio = p;
			best = cpu;
		}
	}
	cpumask_clear(mask);
	if (best < IPIVIRT_MAX_CPUS)
		cpumask_set(mask, best);
}

/**
 * apic_bus_route() - the vCPUs an IPI message reaches (any thread).
 * @bus:  the VM's APICs.
 * @ipi:  the message.
 * @mask: out: the target vCPU indices.
 *
 * See apic_virt.h for the destination rules. An INIT level de-assert
 * (INIT, level trigger, level 0) reaches nobody and returns 0.
 *
 * Return: 0, or -EINVAL for NULL arguments or an undeliverable mode (SMI,
 * remote read, ExtINT).
 */
int apic_bus_route(const struct apic_bus *bus, const struct apic_ipi *ipi,
		   struct cpumask *mask)
{
	bool interrupt;

	if (!bus || !ipi || !mask)
		return -EINVAL;
	cpumask_clear(mask);
	switch (ipi->delivery_mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
	case APIC_DM_NMI:
	case APIC_DM_STARTUP:
		break;
	case APIC_DM_INIT:
		if (ipi->level_trigger && !ipi->level_assert)
			return 0;
		break;
	default:
		return -EINVAL;
	}
	/* Software-disabled APICs take NMI/INIT/SIPI but no vectors. */
	interrupt = ipi->delivery_mode == APIC_DM_FIXED ||
		    ipi->delivery_mode == APIC_DM_LOWEST;
	for (unsigned cpu = 0; cpu < bus->nr_cpus; cpu++) {
		const struct apic *a = apic_bus_get(bus, cpu);
		unsigned flags;

		if (!a)
			continue;
		flags = apic_pub_flags(a);
		if (!(flags & APIC_PUB_HW_ENABLED) ||
		    (interrupt && !(flags & APIC_PUB_SW_ENABLED)))
			continue;
		if (match(a, cpu, ipi))
			cpumask_set(mask, cpu);
	}
	if (ipi->delivery_mode == APIC_DM_LOWEST)
		pick_lowest(bus, mask);
	return 0;
}
