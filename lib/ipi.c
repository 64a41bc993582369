// SPDX-License-Identifier: MIT
/*
 * ipi.c - host-originated IPIs: the checked front end of vmm/ipi_domain.c
 * (ipi_domain_reserve / ipi_domain_release / ipi_domain_send_single / ipi_domain_send_mask) over the
 * VM's APIC vector domain or XIVE source domain.
 */
#include <errno.h>

#include "internal.h"

int ipi__cpumask_from_bits(struct cpumask *m, const uint64_t *bits,
			   unsigned nr_bits, unsigned nr_cpus)
{
	cpumask_clear(m);
	if (!bits)
		return -EINVAL;
	for (unsigned i = 0; i < nr_bits; i++) {
		if (!((bits[i / 64] >> (i % 64)) & 1u))
			continue;
		if (i >= nr_cpus)
			return -EINVAL;
		cpumask_set(m, i);
	}
	return 0;
}

/* The APIC domain's request for @vector, or -EINVAL. */
static int apic_hwirq(int vector, uint32_t *hwirq)
{
	if (vector == IPIVIRT_IPI_NMI)
		*hwirq = APIC_IPI_HWIRQ(0, APIC_DM_NMI, 0);
	else if (vector >= 16 && vector <= 255)
		*hwirq = APIC_IPI_HWIRQ(0, APIC_DM_FIXED, vector);
	else
		return -EINVAL;
	return 0;
}

int ipivirt_ipi_reserve(struct ipivirt_vm *vm, unsigned domain,
			const uint64_t *mask, unsigned nr_bits, int vector)
{
	struct irq_domain *dom;
	struct cpumask m;
	uint32_t hwirq, *arg = NULL;
	int ret;

	if (!vm)
		return -EINVAL;
	if (mask) {
		ret = ipi__cpumask_from_bits(&m, mask, nr_bits, vm->cfg.nr_cpus);
		if (ret || cpumask_empty(&m))
			return -EINVAL;
	} else {
		cpumask_fill(&m, vm->cfg.nr_cpus);
	}
	if (domain == IPIVIRT_IPI_APIC && vm->apic_router) {
		dom = apic_ipi_domain(vm->apic_router);
		if (vector != IPIVIRT_IPI_ANY_VECTOR) {
			ret = apic_hwirq(vector, &hwirq);
			if (ret)
				return ret;
			arg = &hwirq;
		}
	} else if (domain == IPIVIRT_IPI_XIVE && vm->xive_router &&
		   vector == IPIVIRT_IPI_ANY_VECTOR) {
		dom = xive_ipi_domain(vm->xive_router);
	} else {
		return -EINVAL;
	}
	return ipi_domain_reserve(dom, &m, mask == NULL, arg);
}

int ipivirt_ipi_destroy(struct ipivirt_vm *vm, unsigned virq)
{
	return vm ? ipi_domain_release(vm->virqs, virq) : -EINVAL;
}

int ipivirt_ipi_send_single(struct ipivirt_vm *vm, unsigned virq,
			    unsigned cpu)
{
	if (!vm || cpu >= vm->cfg.nr_cpus)
		return -EINVAL;
	return ipi_domain_send_single(vm->virqs, virq, cpu);
}

int ipivirt_ipi_send_mask(struct ipivirt_vm *vm, unsigned virq,
			  const uint64_t *mask, unsigned nr_bits)
{
	struct cpumask m;
	int ret;

	if (!vm)
		return -EINVAL;
	ret = ipi__cpumask_from_bits(&m, mask, nr_bits, vm->cfg.nr_cpus);
	return ret ? ret : ipi_domain_send_mask(vm->virqs, virq, &m);
}
