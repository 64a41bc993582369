// SPDX-License-Identifier: MIT
/*
 * vm.c - struct ipivirt_vm: one VM's virq table, IPI domains and
 * controllers (APIC bus and router, XIVE and its router).
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

#define DEFAULT_MAX_IPIS 4096u
#define DEFAULT_BUS_KHZ 1000000u
#define XIVE_DEFAULT_EXTRA_IRQS 16u

static int check_config(const struct ipivirt_vm_config *c,
			const struct ipivirt_host_ops *o)
{
	if (!c->nr_cpus || c->nr_cpus > IPIVIRT_MAX_CPUS || !o->kick)
		return -EINVAL;
	if (c->controllers & ~(IPIVIRT_CTRL_APIC | IPIVIRT_CTRL_XIVE))
		return -EINVAL;
	if ((c->controllers & IPIVIRT_CTRL_APIC) &&
	    (!c->tsc_khz || c->tsc_khz > 1000000000ull ||
	     c->apic_bus_khz > 1000000000ull))
		return -EINVAL;
	if ((c->controllers & IPIVIRT_CTRL_XIVE) &&
	    (!o->read_mem || !o->write_mem))
		return -EINVAL;
	return 0;
}

static int create_xive(struct ipivirt_vm *vm)
{
	const struct ipivirt_vm_config *c = &vm->cfg;
	struct xive_ops ops = host_ops__xive;
	struct xive_config xc;
	unsigned nr_irqs = c->xive_nr_irqs ? c->xive_nr_irqs
					    : c->nr_cpus + XIVE_DEFAULT_EXTRA_IRQS;

	xive_config_init(&xc, c->nr_cpus, nr_irqs);
	if (c->xive_esb_base)
		xc.esb_base = c->xive_esb_base;
	if (c->xive_tima_base)
		xc.tima_base = c->xive_tima_base;
	if (c->xive_esb_shift)
		xc.esb_shift = c->xive_esb_shift;
	ops.opaque = vm;
	vm->xive = xive_create(&xc, &ops);
	if (!vm->xive)
		return -errno;
	xive_get_info(vm->xive, &vm->xive_info);
	vm->xive_router = xive_ipi_router_create(vm->virqs, vm->xive,
						 c->nr_cpus);
	return vm->xive_router ? 0 : -ENOMEM;
}

int ipivirt_vm_create(const struct ipivirt_vm_config *cfg,
		      const struct ipivirt_host_ops *ops,
		      struct ipivirt_vm **out)
{
	struct ipivirt_vm *vm;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	ret = lib_copy_sized(&vm->cfg, sizeof(vm->cfg), cfg);
	if (!ret)
		ret = lib_copy_sized(&vm->ops, sizeof(vm->ops), ops);
	if (ret)
		goto fail;
	if (!vm->cfg.controllers)
		vm->cfg.controllers = IPIVIRT_CTRL_APIC;
	if (!vm->cfg.max_ipis)
		vm->cfg.max_ipis = DEFAULT_MAX_IPIS;
	if (!vm->cfg.apic_bus_khz)
		vm->cfg.apic_bus_khz = DEFAULT_BUS_KHZ;
	ret = check_config(&vm->cfg, &vm->ops);
	if (ret)
		goto fail;

	ret = -ENOMEM;
	vm->virqs = irq_domain_table_create(vm->cfg.max_ipis);
	if (!vm->virqs)
		goto fail;
	if (vm->cfg.controllers & IPIVIRT_CTRL_APIC) {
		vm->apic_bus = apic_bus_create(vm->cfg.nr_cpus);
		if (!vm->apic_bus)
			goto fail;
		vm->apic_router = apic_ipi_router_create(vm->virqs,
							 vm->apic_bus);
		if (!vm->apic_router)
			goto fail;
	}
	if (vm->cfg.controllers & IPIVIRT_CTRL_XIVE) {
		ret = create_xive(vm);
		if (ret)
			goto fail;
	}
	*out = vm;
	return 0;
fail:
	ipivirt_vm_destroy(vm);
	return ret;
}

void ipivirt_vm_destroy(struct ipivirt_vm *vm)
{
	if (!vm)
		return;
	for (unsigned i = 0; i < IPIVIRT_MAX_CPUS; i++)
		ipivirt_vcpu_destroy(vm->vcpus[i]);
	for (unsigned i = 0; i < IPIVIRT_MAX_CPUS; i++)
		if (vm->apics[i])
			apic_destroy(vm->apics[i]);
	/* Domains before the table; routers before what they route to. */
	xive_ipi_router_destroy(vm->xive_router);
	if (vm->xive)
		xive_destroy(vm->xive);
	apic_ipi_router_destroy(vm->apic_router);
	if (vm->apic_bus)
		apic_bus_destroy(vm->apic_bus);
	if (vm->virqs)
		irq_domain_table_destroy(vm->virqs);
	free(vm);
}
