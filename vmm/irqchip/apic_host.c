// SPDX-License-Identifier: MIT
/*
 * apic_host.c - what the local APIC model needs from the VM (struct
 * apic_ops): the clock, the guest's TSC, its timer's timerfd, guest memory
 * for PV EOI, the 8259 and the I/O APIC, and the two calls of the IPI send
 * path: route a message (the APIC IPI domain) and kick a target.
 */
#include <errno.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "apic_host.h"
#include "apic_ipi.h"
#include "i8259.h"
#include "ioapic.h"
#include "debug/flight_recorder.h"

static uint64_t ops_guest_tsc(void *opaque, unsigned cpu)
{
	struct vm *vm = opaque;

	return cpu < vm->nr_cpus && vm->backend_guest_tsc
		       ? vm->backend_guest_tsc(vm, cpu)
		       : 0;
}

static void ops_timer_arm(void *opaque, unsigned cpu, uint64_t deadline_ns)
{
	struct vm *vm = opaque;

	if (cpu < vm->nr_cpus)
		vm__timerfd_arm(vm->cpus[cpu].timer_fd, deadline_ns);
}

static int ops_send_ipi(void *opaque, const struct apic_ipi *ipi)
{
	struct vm *vm = opaque;

	/* Runs on the sender's thread: the flag is the sender's own. */
	flight_recorder__route(vm->fr, ipi->source_cpu, ipi->vector);
	if (ipi->source_cpu < vm->nr_cpus)
		vm->cpus[ipi->source_cpu].sent_ipi = true;
	return apic_ipi_route(vm->apic_router, ipi);
}

static void ops_eoi_broadcast(void *opaque, unsigned cpu, uint8_t vector)
{
	struct vm *vm = opaque;

	(void)cpu;
	if (vm->ioapic)
		ioapic_eoi(vm->ioapic, vector);
}

/* The INTA cycle of an ExtINT: the 8259 names the vector. */
static int ops_extint_ack(void *opaque, unsigned cpu)
{
	struct vm *vm = opaque;

	(void)cpu;
	return vm->pic ? i8259_ack(vm->pic) : -1;
}

int apic_host__create(struct vm *vm, const struct apic_config *cfg)
{
	const struct apic_ops ops = {
		.opaque = vm,
		.now_ns = vm__clock_ns,
		.guest_tsc = ops_guest_tsc,
		.kick = vm__kick_op,
		.timer_arm = ops_timer_arm,
		.send_ipi = ops_send_ipi,
		.eoi_broadcast = ops_eoi_broadcast,
		.extint_ack = ops_extint_ack,
		/* The PV EOI byte (apic_pv_eoi.c) lives in guest RAM. */
		.guest_read = vm__read_guest_op,
		.guest_write = vm__write_guest_op,
	};
	struct vm_cpu *c;
	int ret;

	if (cfg->cpu >= IPIVIRT_MAX_CPUS)
		return -EINVAL;
	c = &vm->cpus[cfg->cpu];
	c->timer_fd = timerfd_create(CLOCK_MONOTONIC,
				     TFD_CLOEXEC | TFD_NONBLOCK);
	if (c->timer_fd < 0)
		return -errno;
	c->apic = apic_create(cfg, &ops);
	if (!c->apic) {
		ret = -errno;
		close(c->timer_fd);
		c->timer_fd = -1;
		return ret;
	}
	return 0;
}

void apic_host__destroy(struct vm *vm, unsigned cpu)
{
	struct vm_cpu *c = &vm->cpus[cpu];

	apic_destroy(c->apic);
	c->apic = NULL;
	if (c->timer_fd >= 0)
		close(c->timer_fd);
	c->timer_fd = -1;
}
