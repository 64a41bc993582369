// SPDX-License-Identifier: MIT
/*
 * host_ops.c - the models' callbacks (struct apic_ops, struct xive_ops),
 * forwarded to the embedder's struct ipivirt_host_ops, with defaults for
 * the optional ones. The models' opaque is the struct ipivirt_vm.
 */
#include <time.h>

#include "internal.h"
#include "mono_clock.h"

static uint64_t now_ns(void *opaque)
{
	struct ipivirt_vm *vm = opaque;

	if (vm->ops.now_ns)
		return vm->ops.now_ns(vm->ops.opaque);
	return mono_clock_ns();
}

static uint64_t guest_tsc(void *opaque, unsigned cpu)
{
	struct ipivirt_vm *vm = opaque;
	uint64_t ns;

	if (vm->ops.guest_tsc)
		return vm->ops.guest_tsc(vm->ops.opaque, cpu);
	/* ns * kHz / 10^6, split to stay within 64 bits. */
	ns = now_ns(vm);
	return ns / 1000000ull * vm->cfg.tsc_khz +
	       ns % 1000000ull * vm->cfg.tsc_khz / 1000000ull;
}

static void kick(void *opaque, unsigned cpu)
{
	struct ipivirt_vm *vm = opaque;

	vm->ops.kick(vm->ops.opaque, cpu);
}

static void timer_arm(void *opaque, unsigned cpu, uint64_t deadline_ns)
{
	struct ipivirt_vm *vm = opaque;

	if (vm->ops.timer_arm)
		vm->ops.timer_arm(vm->ops.opaque, cpu, deadline_ns);
}

static int send_ipi(void *opaque, const struct apic_ipi *ipi)
{
	struct ipivirt_vm *vm = opaque;

	return apic_ipi_route(vm->apic_router, ipi);
}

const struct apic_ops host_ops__apic = {
	.now_ns = now_ns,
	.guest_tsc = guest_tsc,
	.kick = kick,
	.timer_arm = timer_arm,
	.send_ipi = send_ipi,
};

static int read_mem(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	struct ipivirt_vm *vm = opaque;

	return vm->ops.read_mem(vm->ops.opaque, gpa, buf, len);
}

static int write_mem(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
	struct ipivirt_vm *vm = opaque;

	return vm->ops.write_mem(vm->ops.opaque, gpa, buf, len);
}

static void set_irq_line(void *opaque, unsigned cpu, bool level)
{
	struct ipivirt_vm *vm = opaque;

	if (vm->ops.set_irq_line)
		vm->ops.set_irq_line(vm->ops.opaque, cpu, level);
}

const struct xive_ops host_ops__xive = {
	.read_mem = read_mem,
	.write_mem = write_mem,
	.set_irq_line = set_irq_line,
	.kick = kick,
	.now_ns = now_ns,
};
