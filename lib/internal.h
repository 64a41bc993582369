/* SPDX-License-Identifier: MIT */
/*
 * internal.h - libipivirt's handles: the public opaque types over the pure
 * models (vmm/apic_*, vmm/xive_*, vmm/ipi_domain). Not installed.
 */
#ifndef IPIVIRT_LIB_INTERNAL_H
#define IPIVIRT_LIB_INTERNAL_H

#include <errno.h>
#include <string.h>

#include "apic_ipi.h"
#include "apic_virt.h"
#include "ipi_domain.h"
#include "ipivirt.h"
#include "xive_ipi.h"
#include "xive_virt.h"

struct ipivirt_vm {
	struct ipivirt_vm_config cfg;
	struct ipivirt_host_ops ops;
	struct virq_table *virqs;
	struct apic_bus *apic_bus;            /* IPIVIRT_CTRL_APIC */
	struct apic_ipi_router *apic_router;
	struct xive *xive;                    /* IPIVIRT_CTRL_XIVE */
	struct xive_ipi_router *xive_router;
	struct xive_info xive_info;
	struct ipivirt_vcpu *vcpus[IPIVIRT_MAX_CPUS];
	struct apic *apics[IPIVIRT_MAX_CPUS]; /* owned here: the bus keeps them */
	bool used[IPIVIRT_MAX_CPUS];          /* vCPU index taken, once */
};

struct ipivirt_vcpu {
	struct ipivirt_vm *vm;
	unsigned cpu;
	struct apic *apic;  /* NULL without IPIVIRT_CTRL_APIC */
	bool xive;          /* has a XIVE thread context */
	int xive_vector;    /* -1: none */
};

/*
 * Copy a caller's size-prefixed struct into a zeroed full-size one: fields
 * past the caller's size keep their zero (default) value.
 */
static inline int lib_copy_sized(void *dst, size_t dst_size, const void *src)
{
	size_t size;

	if (!src)
		return -EINVAL;
	memcpy(&size, src, sizeof(size));
	if (size < sizeof(size_t))
		return -EINVAL;
	memset(dst, 0, dst_size);
	memcpy(dst, src, size < dst_size ? size : dst_size);
	memcpy(dst, &dst_size, sizeof(size_t));
	return 0;
}

/* A public bit array as a cpumask; -EINVAL when it names a CPU >= nr_cpus. */
int ipi__cpumask_from_bits(struct cpumask *m, const uint64_t *bits,
			   unsigned nr_bits, unsigned nr_cpus);

/* The APIC model's callbacks over struct ipivirt_host_ops. */
extern const struct apic_ops host_ops__apic;
/* The XIVE model's callbacks. */
extern const struct xive_ops host_ops__xive;

#endif
