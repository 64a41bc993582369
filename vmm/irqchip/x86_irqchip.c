// SPDX-License-Identifier: MIT
/*
 * x86_irqchip.c - the x86 vCPU loop's one door to its interrupt
 * controllers (x86_irqchip.h): the local APIC, the 8259's ExtINT and the
 * XIVE line, and the flight recorder's send and EOI stages on the way.
 */
#include "x86_irqchip.h"
#include "apic_host.h"
#include "x86_xive.h"

#define APIC_MMIO_ICR_LOW 0x300
#define APIC_MMIO_EOI 0xb0
#define X2APIC_MSR_EOI 0x80b
#define X2APIC_MSR_ICR 0x830
#define X2APIC_MSR_SELF_IPI 0x83f

static inline struct apic *apic_of(struct vm *vm, unsigned cpu)
{
	return vm->cpus[cpu].apic;
}

/* The level of the XIVE output line as a vector, or -1. */
static int xive_vector(struct vm *vm, unsigned cpu)
{
	return vm->xive_dev ? x86_xive__pending_vector(vm->xive_dev, cpu) : -1;
}

int x86_irqchip__create_cpu(struct vm *vm, unsigned cpu,
			    unsigned phys_addr_bits)
{
	const struct apic_config cfg = {
		.size = sizeof(cfg),
		.cpu = cpu,
		.apic_id = cpu,
		.bsp = cpu == 0,
		.x2apic_supported = vm->cfg.apic_mode == VM_APIC_X2APIC,
		.tsc_khz = vm->tsc_khz,
		.bus_khz = 1000000,
		.phys_addr_bits = phys_addr_bits,
		.pv_eoi = !vm->cfg.no_pv_eoi,
	};
	int ret = apic_host__create(vm, &cfg);

	/* APs wait for INIT/SIPI like real hardware after reset. */
	if (!ret)
		apic_set_wait_for_sipi(apic_of(vm, cpu), cpu != 0);
	return ret;
}

void x86_irqchip__destroy_cpu(struct vm *vm, unsigned cpu)
{
	apic_host__destroy(vm, cpu);
}

bool x86_irqchip__mmio(struct vm *vm, unsigned cpu, uint64_t addr,
		       void *data, unsigned len, bool is_write)
{
	struct apic *a = apic_of(vm, cpu);
	uint64_t off;

	if (!apic_mmio_claims(a, addr))
		return false;
	off = addr - (apic_base_msr(a) & ~0xfffull);
	if (is_write && off == APIC_MMIO_ICR_LOW)
		flight_recorder__send(vm->fr, cpu);
	else if (is_write && off == APIC_MMIO_EOI)
		flight_recorder__stage(vm->fr, FR_EOI, cpu);
	if (is_write)
		apic_mmio_write(a, off, data, len);
	else
		apic_mmio_read(a, off, data, len);
	return true;
}

int x86_irqchip__msr_write(struct vm *vm, unsigned cpu, uint32_t msr,
			   uint64_t value, uint64_t *apic_base)
{
	struct apic *a = apic_of(vm, cpu);
	int err;

	if (msr == X2APIC_MSR_ICR || msr == X2APIC_MSR_SELF_IPI)
		flight_recorder__send(vm->fr, cpu);
	else if (msr == X2APIC_MSR_EOI)
		flight_recorder__stage(vm->fr, FR_EOI, cpu);
	err = apic_msr_write(a, msr, value);
	if (!err && msr == MSR_IA32_APIC_BASE)
		*apic_base = apic_base_msr(a);
	return err;
}

int x86_irqchip__msr_read(struct vm *vm, unsigned cpu, uint32_t msr,
			  uint64_t *value)
{
	return apic_msr_read(apic_of(vm, cpu), msr, value);
}

struct x86_irqchip_events x86_irqchip__take_events(struct vm *vm,
						   unsigned cpu)
{
	struct apic_events ev = apic_take_events(apic_of(vm, cpu));

	return (struct x86_irqchip_events){
		.init = ev.mask & APIC_EVENT_INIT,
		.sipi = ev.mask & APIC_EVENT_SIPI,
		.sipi_vector = ev.sipi_vector,
		.nmis = (ev.mask & APIC_EVENT_NMI) ? ev.nmis : 0,
	};
}

bool x86_irqchip__pending(struct vm *vm, unsigned cpu)
{
	struct apic *a = apic_of(vm, cpu);

	return apic_extint_pending(a) || apic_next_interrupt(a) >= 0 ||
	       xive_vector(vm, cpu) >= 0;
}

/*
 * An ExtINT first (the 8259 names it at INTA, as KVM's own APIC orders
 * them), then the APIC (its vectors are acknowledged into ISR), then XIVE's
 * line, which stays up until the guest's TIMA ack: no acknowledge here.
 */
struct x86_irqchip_ack x86_irqchip__ack(struct vm *vm, unsigned cpu)
{
	struct apic *a = apic_of(vm, cpu);
	struct x86_irqchip_ack ack = { .vector = apic_ack_extint(a) };

	if (ack.vector < 0) {
		ack.vector = apic_ack_interrupt(a);
		ack.from_apic = ack.vector >= 0;
	}
	if (ack.vector < 0)
		ack.vector = xive_vector(vm, cpu);
	return ack;
}

bool x86_irqchip__other_pending(struct vm *vm, unsigned cpu)
{
	return apic_extint_pending(apic_of(vm, cpu)) ||
	       xive_vector(vm, cpu) >= 0;
}

bool x86_irqchip__arm_pv_eoi(struct vm *vm, unsigned cpu)
{
	return apic_pv_eoi_arm(apic_of(vm, cpu));
}

bool x86_irqchip__sync_pv_eoi(struct vm *vm, unsigned cpu)
{
	if (!apic_pv_eoi_sync(apic_of(vm, cpu)))
		return false;
	flight_recorder__stage(vm->fr, FR_EOI, cpu);
	return true;
}

uint8_t x86_irqchip__cr8(struct vm *vm, unsigned cpu)
{
	return apic_get_cr8(apic_of(vm, cpu));
}

void x86_irqchip__set_cr8(struct vm *vm, unsigned cpu, uint8_t cr8)
{
	apic_set_cr8(apic_of(vm, cpu), cr8);
}
