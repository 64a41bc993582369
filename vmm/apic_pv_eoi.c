// SPDX-License-Identifier: MIT
/*
 * apic_pv_eoi.c - KVM's paravirtual EOI (KVM_FEATURE_PV_EOI), run by the
 * model, so a userspace APIC spares the guest its EOI exit as KVM's
 * in-kernel APIC does.
 *
 * The guest names a byte of its RAM in MSR_KVM_PV_EOI_EN. Bit 0 set by the
 * host means "the EOI of the interrupt just injected may be done by
 * clearing me": the guest's EOI routine test-and-clears it and writes the
 * EOI register only when it was already clear. The host sets it when it
 * injects an interrupt whose EOI has no effect beyond retiring the vector,
 * and at the next exit reads it back: clear, the guest EOIed and the vector
 * leaves service now; still set, the guest has not, and the host takes the
 * bit back so that the EOI, when it comes, exits as usual.
 *
 * Everything here runs on the owner thread while the vCPU is out of guest
 * mode, and only that vCPU's guest code touches the byte, so a plain read
 * and write suffice. The byte values are KVM's: 1 armed, 0 not.
 */
#include <errno.h>

#include "apic_regs.h"

#define PV_EOI_ARMED 1u
#define PV_EOI_ADDR_ALIGN 4u

static bool pv_eoi_enabled(const struct apic *a)
{
	return a->cfg.pv_eoi && (a->pv_eoi_msr & KVM_PV_EOI_MSR_ENABLED);
}

static uint64_t pv_eoi_gpa(const struct apic *a)
{
	return a->pv_eoi_msr & ~KVM_PV_EOI_MSR_ENABLED;
}

/**
 * apic_pv_eoi_msr_write() - WRMSR MSR_KVM_PV_EOI_EN.
 * @a:     the APIC (owner thread).
 * @value: the guest byte's physical address, 4-byte aligned, | 1 to enable.
 *
 * As KVM: a misaligned address, or one that is not guest RAM when enabling,
 * is #GP. Any deferred EOI was completed or taken back by the sync that ran
 * at this exit, so nothing is armed from here on.
 *
 * Return: 0, or -EINVAL for #GP.
 */
int apic_pv_eoi_msr_write(struct apic *a, uint64_t value)
{
	uint8_t byte;

	if ((value & ~KVM_PV_EOI_MSR_ENABLED) % PV_EOI_ADDR_ALIGN)
		return -EINVAL;
	if ((value & KVM_PV_EOI_MSR_ENABLED) &&
	    a->ops.guest_read(a->ops.opaque, value & ~KVM_PV_EOI_MSR_ENABLED,
			      &byte, 1))
		return -EINVAL;
	a->pv_eoi_msr = value;
	a->pv_eoi_armed = false;
	return 0;
}

/*
 * apic_pv_eoi_reset() - RESET and INIT forget the guest's word, as KVM's
 * kvm_lapic_reset() does: the next kernel registers its own.
 * @a: the APIC (owner thread).
 */
void apic_pv_eoi_reset(struct apic *a)
{
	a->pv_eoi_msr = 0;
	a->pv_eoi_armed = false;
}

/* True when retiring @vector has an effect the host must carry out. */
static bool eoi_has_effect(const struct apic *a, unsigned vector)
{
	uint32_t bit = 1u << (vector % 32);

	if (atomic_load_explicit(&a->tmr[vector / 32], memory_order_relaxed) &
	    bit)
		return true; /* level: the I/O APIC's remote IRR */
	for (unsigned pin = 0; pin < 2; pin++) {
		uint32_t lvt = a->lvt[APIC_LVT_LINT0 + pin];
		if ((lvt & LVT_REMOTE_IRR) && (lvt & LVT_VECTOR) == vector)
			return true; /* level LINT: its remote IRR */
	}
	return false;
}

/* True when @vector is the only bit in ISR and nothing waits in IRR. */
static bool alone_in_service(const struct apic *a, unsigned vector)
{
	for (unsigned i = 0; i < 8; i++) {
		uint32_t own = i == vector / 32 ? 1u << (vector % 32) : 0;
		if (a->isr[i] != own ||
		    atomic_load_explicit(&a->irr[i], memory_order_acquire))
			return false;
	}
	return true;
}

/**
 * apic_pv_eoi_arm() - let the guest defer the EOI of the vector just
 * injected (the highest in service).
 * @apic: the APIC (owner thread), right after the injection.
 *
 * Not armed (the guest then writes the EOI register): PV EOI off; more
 * than one vector in service (the EOI is the host's to order); anything in
 * IRR (the EOI may make it deliverable, which needs the host now); a
 * level-triggered vector (its EOI goes to the I/O APIC or a LINT pin); the
 * byte not writable.
 *
 * Return: true when the guest byte was set.
 */
bool apic_pv_eoi_arm(struct apic *apic)
{
	const uint8_t armed = PV_EOI_ARMED;
	int v;

	apic->pv_eoi_armed = false;
	if (!pv_eoi_enabled(apic))
		return false;
	v = apic_highest_isr(apic);
	if (v < 0 || !alone_in_service(apic, (unsigned)v) ||
	    eoi_has_effect(apic, (unsigned)v))
		return false;
	if (apic->ops.guest_write(apic->ops.opaque, pv_eoi_gpa(apic), &armed,
				  1))
		return false;
	apic->pv_eoi_armed = true;
	return true;
}

/**
 * apic_pv_eoi_sync() - after an exit: complete the EOI the guest deferred,
 * or take the byte back when it has not EOIed yet.
 * @apic: the APIC (owner thread), before the exit is handled (an EOI
 *        register write or an ISR read in this exit must see it).
 *
 * Return: true when a deferred EOI was completed.
 */
bool apic_pv_eoi_sync(struct apic *apic)
{
	const uint8_t disarmed = 0;
	uint8_t byte;

	if (!apic->pv_eoi_armed)
		return false;
	apic->pv_eoi_armed = false;
	if (apic->ops.guest_read(apic->ops.opaque, pv_eoi_gpa(apic), &byte, 1))
		return false;
	if (byte & PV_EOI_ARMED) {
		(void)apic->ops.guest_write(apic->ops.opaque, pv_eoi_gpa(apic),
					    &disarmed, 1);
		return false;
	}
	apic_eoi(apic);
	return true;
}
