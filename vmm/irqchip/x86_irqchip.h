/* SPDX-License-Identifier: MIT */
/*
 * x86_irqchip.h - the interrupt controllers of an x86 vCPU as its loop sees
 * them: the local APIC (apic_host.c), the 8259 behind LINT0 and the XIVE
 * output line (x86_xive.c). Exits go in (the APIC's MMIO page and MSRs;
 * XIVE's pages and hypercall page are on the MMIO bus), and out come what
 * is pending, the acknowledge in the order the hardware takes them, and
 * the per-entry state (CR8, the PV EOI byte). The KVM backend calls no
 * model directly: the next controller plugs in here, not into it.
 *
 * Every call but x86_irqchip__create_cpu() is the vCPU's owner thread's.
 */
#ifndef IPIVIRT_X86_IRQCHIP_H
#define IPIVIRT_X86_IRQCHIP_H

#include <stdbool.h>
#include <stdint.h>

#include "vm/vm.h"

/* The vCPU-side events an ICR or the timer left (the backend applies them). */
struct x86_irqchip_events {
	bool init, sipi;
	uint8_t sipi_vector;
	unsigned nmis;
};

/* What x86_irqchip__ack() took: @vector, or -1; @from_apic: into ISR. */
struct x86_irqchip_ack {
	int vector;
	bool from_apic;
};

/* The interrupt controllers of vCPU @cpu, after CPUID told the guest
 * @phys_addr_bits. An AP waits for INIT/SIPI. 0 or a negative errno. */
int x86_irqchip__create_cpu(struct vm *vm, unsigned cpu,
			    unsigned phys_addr_bits);
void x86_irqchip__destroy_cpu(struct vm *vm, unsigned cpu);

/* An MMIO exit: true when the APIC page took it. */
bool x86_irqchip__mmio(struct vm *vm, unsigned cpu, uint64_t addr,
		       void *data, unsigned len, bool is_write);
/*
 * An MSR exit: 0, or -EINVAL / -ENOENT for #GP. @apic_base is set to the
 * new IA32_APIC_BASE when a write changed it (KVM keeps its own copy).
 */
int x86_irqchip__msr_write(struct vm *vm, unsigned cpu, uint32_t msr,
			   uint64_t value, uint64_t *apic_base);
int x86_irqchip__msr_read(struct vm *vm, unsigned cpu, uint32_t msr,
			  uint64_t *value);

struct x86_irqchip_events x86_irqchip__take_events(struct vm *vm,
						   unsigned cpu);
/* Anything to inject: an ExtINT, an APIC vector above PPR, the XIVE line. */
bool x86_irqchip__pending(struct vm *vm, unsigned cpu);
/* Acknowledge the next: an ExtINT (INTA), else the APIC's, else XIVE's. */
struct x86_irqchip_ack x86_irqchip__ack(struct vm *vm, unsigned cpu);
/* After an APIC vector went in: an ExtINT or the XIVE line still up (the
 * next interrupt window must come back for them). */
bool x86_irqchip__other_pending(struct vm *vm, unsigned cpu);

/* The PV EOI byte around an entry (apic_pv_eoi.c): arm it for the vector
 * just injected; after the exit, complete an EOI the guest did there. */
bool x86_irqchip__arm_pv_eoi(struct vm *vm, unsigned cpu);
bool x86_irqchip__sync_pv_eoi(struct vm *vm, unsigned cpu);
/* CR8 is the TPR: KVM loads it on entry and reports it at exit. */
uint8_t x86_irqchip__cr8(struct vm *vm, unsigned cpu);
void x86_irqchip__set_cr8(struct vm *vm, unsigned cpu, uint8_t cr8);

#endif
