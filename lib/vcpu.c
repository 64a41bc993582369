// SPDX-License-Identifier: MIT
/*
 * vcpu.c - struct ipivirt_vcpu: a vCPU's APIC and/or XIVE thread context,
 * and what its owner thread asks before entering the guest (events, the
 * next interrupt, its acknowledgement).
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

static int create_apic(struct ipivirt_vm *vm, struct ipivirt_vcpu *v,
		       const struct ipivirt_vcpu_config *c)
{
	struct apic_ops ops = host_ops__apic;
	struct apic_config ac = {
		.size = sizeof(ac),
		.cpu = c->cpu,
		.apic_id = (c->flags & IPIVIRT_VCPU_APIC_ID) ? c->apic_id
							    : c->cpu,
		.bsp = (c->flags & IPIVIRT_VCPU_BSP) != 0,
		.x2apic_supported = vm->cfg.x2apic,
		.tsc_khz = vm->cfg.tsc_khz,
		.bus_khz = vm->cfg.apic_bus_khz,
	};
	int ret;

	ops.opaque = vm;
	v->apic = apic_create(&ac, &ops);
	if (!v->apic)
		return -errno;
	ret = apic_bus_attach(vm->apic_bus, v->apic);
	if (ret) {
		apic_destroy(v->apic);
		v->apic = NULL;
		return ret;
	}
	vm->apics[c->cpu] = v->apic;
	/* APs wait for INIT/SIPI, as after RESET. */
	apic_set_wait_for_sipi(v->apic, !ac.bsp);
	return 0;
}

int ipivirt_vcpu_create(struct ipivirt_vm *vm,
			const struct ipivirt_vcpu_config *cfg,
			struct ipivirt_vcpu **out)
{
	struct ipivirt_vcpu_config c;
	struct ipivirt_vcpu *v;
	int ret;

	if (!vm || !out)
		return -EINVAL;
	*out = NULL;
	ret = lib_copy_sized(&c, sizeof(c), cfg);
	if (ret)
		return ret;
	if (!c.controllers)
		c.controllers = vm->cfg.controllers;
	if (c.cpu >= vm->cfg.nr_cpus || (c.controllers & ~vm->cfg.controllers) ||
	    (c.xive_vector && (c.xive_vector < 16 || c.xive_vector > 255)))
		return -EINVAL;
	if (vm->used[c.cpu])
		return -EEXIST;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->vm = vm;
	v->cpu = c.cpu;
	v->xive = (c.controllers & IPIVIRT_CTRL_XIVE) != 0;
	v->xive_vector = c.xive_vector ? (int)c.xive_vector : -1;
	if (c.controllers & IPIVIRT_CTRL_APIC) {
		ret = create_apic(vm, v, &c);
		if (ret) {
			free(v);
			return ret;
		}
	}
	vm->used[c.cpu] = true;
	vm->vcpus[c.cpu] = v;
	*out = v;
	return 0;
}

void ipivirt_vcpu_destroy(struct ipivirt_vcpu *vcpu)
{
	if (!vcpu)
		return;
	vcpu->vm->vcpus[vcpu->cpu] = NULL;
	free(vcpu); /* the APIC belongs to the VM (vm->apics) */
}

static int xive_vector(const struct ipivirt_vcpu *v)
{
	if (!v->xive || v->xive_vector < 0 ||
	    !xive_cpu_irq_pending(v->vm->xive, v->cpu))
		return -ENOENT;
	return v->xive_vector;
}

int ipivirt_vcpu_next_interrupt(struct ipivirt_vcpu *vcpu)
{
	int vector = vcpu->apic ? apic_next_interrupt(vcpu->apic) : -1;

	return vector >= 0 ? vector : xive_vector(vcpu);
}

int ipivirt_vcpu_ack_interrupt(struct ipivirt_vcpu *vcpu)
{
	int vector = vcpu->apic ? apic_ack_interrupt(vcpu->apic) : -1;

	/* XIVE's line is a level, acknowledged by the guest in the TIMA. */
	return vector >= 0 ? vector : xive_vector(vcpu);
}

int ipivirt_vcpu_take_events(struct ipivirt_vcpu *vcpu, uint8_t *sipi_vector)
{
	struct apic_events ev;
	int mask = 0;

	if (!vcpu->apic)
		return -EINVAL;
	ev = apic_take_events(vcpu->apic);
	if (ev.mask & APIC_EVENT_NMI)
		mask |= IPIVIRT_EVENT_NMI;
	if (ev.nmis > 1)
		mask |= IPIVIRT_EVENT_NMI2;
	if (ev.mask & APIC_EVENT_INIT)
		mask |= IPIVIRT_EVENT_INIT;
	if (ev.mask & APIC_EVENT_SIPI) {
		mask |= IPIVIRT_EVENT_SIPI;
		if (sipi_vector)
			*sipi_vector = ev.sipi_vector;
	}
	return mask;
}

bool ipivirt_vcpu_wait_for_sipi(const struct ipivirt_vcpu *vcpu)
{
	return vcpu->apic && apic_wait_for_sipi(vcpu->apic);
}

void ipivirt_vcpu_timer_fire(struct ipivirt_vcpu *vcpu)
{
	if (vcpu->apic)
		apic_timer_fire(vcpu->apic);
}

bool ipivirt_vcpu_xive_line(const struct ipivirt_vcpu *vcpu)
{
	return vcpu->xive && xive_cpu_irq_pending(vcpu->vm->xive, vcpu->cpu);
}

void ipivirt_vcpu_ipi_counts(const struct ipivirt_vcpu *vcpu, uint64_t *sent,
			     uint64_t *received)
{
	uint64_t s = 0, r = 0;

	if (vcpu->vm->apic_router)
		apic_ipi_cpu_counts(vcpu->vm->apic_router, vcpu->cpu, &s, &r);
	if (vcpu->vm->xive_router)
		r += xive_ipi_received(vcpu->vm->xive_router, vcpu->cpu);
	if (sent)
		*sent = s;
	if (received)
		*received = r;
}
