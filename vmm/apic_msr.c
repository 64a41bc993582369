// SPDX-License-Identifier: MIT
/*
 * apic_msr.c - the MSR front end: IA32_APIC_BASE and its mode transitions,
 * IA32_TSC_DEADLINE, and the x2APIC register MSRs 0x800-0x8ff with their
 * #GP rules (SDM 10.12.1.2 table 10-6, 10.12.1.3 reserved-bit checking).
 */
#include <errno.h>

#include "apic_regs.h"

/* IA32_APIC_BASE bits that must be zero below bit 12: 0-7 and 9. */
#define APIC_BASE_RESERVED_LOW 0x2ffull

/* ... and every address bit at or above MAXPHYADDR. */
static uint64_t apic_base_reserved(const struct apic *a)
{
	return APIC_BASE_RESERVED_LOW | ~((1ull << a->cfg.phys_addr_bits) - 1);
}

#define X2_READ 1u
#define X2_WRITE 2u

/*
 * Access rights of x2APIC register @offset, and the bits a write may set
 * (@allowed; all others are reserved and #GP). Read-only status bits within
 * a writable register (LVT delivery status, remote IRR) count as allowed:
 * writing back what was read never faults, the bits are just ignored.
 * Return: X2_READ | X2_WRITE, or 0 when the register does not exist in
 * x2APIC mode (APR, RRD, DFR, ICR high and the reserved slots #GP).
 */
static unsigned x2apic_access(unsigned offset, uint64_t *allowed)
{
	*allowed = 0;
	if (offset >= APIC_REG_ISR && offset < APIC_REG_ESR)
		return X2_READ; /* ISR, TMR, IRR */
	switch (offset) {
	case APIC_REG_ID:
	case APIC_REG_VERSION:
	case APIC_REG_PPR:
	case APIC_REG_LDR:
	case APIC_REG_TIMER_CCR:
		return X2_READ;
	case APIC_REG_TPR:
		*allowed = TPR_WRITABLE;
		return X2_READ | X2_WRITE;
	case APIC_REG_EOI:
		return X2_WRITE; /* only 0 may be written */
	case APIC_REG_SVR:
		*allowed = SVR_WRITABLE;
		return X2_READ | X2_WRITE;
	case APIC_REG_ESR:
		return X2_READ | X2_WRITE; /* only 0 may be written */
	case APIC_REG_LVT_CMCI:
	case APIC_REG_LVT_THERMAL:
	case APIC_REG_LVT_PERF:
		*allowed = LVT_DM_WRITABLE | LVT_DELIVERY_STATUS;
		return X2_READ | X2_WRITE;
	case APIC_REG_LVT_TIMER:
		*allowed = LVT_TIMER_WRITABLE | LVT_DELIVERY_STATUS;
		return X2_READ | X2_WRITE;
	case APIC_REG_LVT_LINT0:
	case APIC_REG_LVT_LINT1:
		*allowed = LVT_LINT_WRITABLE | LVT_DELIVERY_STATUS |
			   LVT_REMOTE_IRR;
		return X2_READ | X2_WRITE;
	case APIC_REG_LVT_ERROR:
		*allowed = LVT_ERROR_WRITABLE | LVT_DELIVERY_STATUS;
		return X2_READ | X2_WRITE;
	case APIC_REG_ICR_LOW:
		*allowed = ~X2APIC_ICR_RESERVED;
		return X2_READ | X2_WRITE;
	case APIC_REG_TIMER_ICR:
		*allowed = 0xffffffffu;
		return X2_READ | X2_WRITE;
	case APIC_REG_TIMER_DCR:
		*allowed = DCR_WRITABLE;
		return X2_READ | X2_WRITE;
	case APIC_REG_SELF_IPI:
		*allowed = SELF_IPI_WRITABLE;
		return X2_WRITE;
	default:
		return 0;
	}
}

enum apic_mode { MODE_DISABLED, MODE_XAPIC, MODE_X2APIC, MODE_INVALID };

static enum apic_mode mode_of(uint64_t base)
{
	bool en = base & APIC_BASE_ENABLE, extd = base & APIC_BASE_EXTD;

	if (!en)
		return extd ? MODE_INVALID : MODE_DISABLED;
	return extd ? MODE_X2APIC : MODE_XAPIC;
}

/*
 * WRMSR IA32_APIC_BASE. Legal mode changes (SDM 10.12.5.1): disabled ->
 * xAPIC, xAPIC -> x2APIC, xAPIC or x2APIC -> disabled. x2APIC -> xAPIC,
 * disabled -> x2APIC and EN=0/EXTD=1 #GP, as do reserved bits and EXTD
 * without x2APIC support. BSP is read-only and ignored.
 */
static int write_apic_base(struct apic *a, uint64_t value)
{
	enum apic_mode from = mode_of(a->base_msr), to = mode_of(value);

	if (value & apic_base_reserved(a))
		return -EINVAL;
	if ((value & APIC_BASE_EXTD) && !a->cfg.x2apic_supported)
		return -EINVAL;
	if (to == MODE_INVALID || (from == MODE_X2APIC && to == MODE_XAPIC) ||
	    (from == MODE_DISABLED && to == MODE_X2APIC))
		return -EINVAL;

	a->base_msr = (value & ~APIC_BASE_BSP) | (a->base_msr & APIC_BASE_BSP);
	if (from == to) {
		apic_publish(a); /* only the page moved */
		return 0;
	}
	switch (to) {
	case MODE_DISABLED:
		/* No register state survives, except the ID. */
		apic_reset_regs(a);
		break;
	case MODE_XAPIC:
		/* From disabled: a reset APIC, its ID the initial one again
		 * (as KVM does; a changed xAPIC ID does not survive). */
		a->id = a->cfg.apic_id & 0xffu;
		apic_reset_regs(a);
		break;
	case MODE_X2APIC:
		/* The physical x2APIC ID comes back, the LDR is derived. */
		a->id = a->cfg.apic_id;
		a->ldr = apic_x2apic_ldr(a->id);
		apic_publish(a);
		break;
	default:
		break;
	}
	return 0;
}

/**
 * apic_msr_read() - RDMSR of an MSR the model owns (owner thread).
 * @apic:  the APIC.
 * @msr:   IA32_APIC_BASE, IA32_TSC_DEADLINE, 0x800-0x8ff, or
 *         MSR_KVM_PV_EOI_EN when the config has pv_eoi.
 * @value: out: the value.
 *
 * Return: 0; -EINVAL for #GP (x2APIC MSRs outside x2APIC mode, registers
 * that do not exist or are write-only in x2APIC mode); -ENOENT when @msr is
 * not one of the model's MSRs.
 */
int apic_msr_read(struct apic *apic, uint32_t msr, uint64_t *value)
{
	unsigned offset;
	uint64_t allowed;

	if (!value)
		return -EINVAL;
	if (msr == MSR_IA32_APIC_BASE) {
		*value = apic->base_msr;
		return 0;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		*value = apic_timer_read_deadline(apic);
		return 0;
	}
	if (msr == MSR_KVM_PV_EOI_EN && apic->cfg.pv_eoi) {
		*value = apic->pv_eoi_msr;
		return 0;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST)
		return -ENOENT;
	if (!apic_mode_x2apic(apic))
		return -EINVAL;
	offset = (msr - MSR_X2APIC_FIRST) << 4;
	if (!(x2apic_access(offset, &allowed) & X2_READ))
		return -EINVAL;
	if (offset == APIC_REG_ICR_LOW)
		*value = (uint64_t)apic->icr_hi << 32 | apic->icr_lo;
	else
		*value = apic_reg_read(apic, offset);
	return 0;
}

/**
 * apic_msr_write() - WRMSR of an MSR the model owns (owner thread).
 * @apic:  the APIC.
 * @msr:   IA32_APIC_BASE, IA32_TSC_DEADLINE, 0x800-0x8ff, or
 *         MSR_KVM_PV_EOI_EN when the config has pv_eoi.
 * @value: the value.
 *
 * Return: 0; -EINVAL for #GP (illegal IA32_APIC_BASE values or mode
 * changes; x2APIC MSRs outside x2APIC mode, read-only or missing registers,
 * reserved bits, non-zero EOI/ESR writes); -ENOENT when @msr is not one of
 * the model's MSRs.
 */
int apic_msr_write(struct apic *apic, uint32_t msr, uint64_t value)
{
	unsigned offset;
	uint64_t allowed;

	if (msr == MSR_IA32_APIC_BASE)
		return write_apic_base(apic, value);
	if (msr == MSR_IA32_TSC_DEADLINE) {
		apic_timer_write_deadline(apic, value);
		return 0;
	}
	if (msr == MSR_KVM_PV_EOI_EN && apic->cfg.pv_eoi)
		return apic_pv_eoi_msr_write(apic, value);
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST)
		return -ENOENT;
	if (!apic_mode_x2apic(apic))
		return -EINVAL;
	offset = (msr - MSR_X2APIC_FIRST) << 4;
	if (!(x2apic_access(offset, &allowed) & X2_WRITE))
		return -EINVAL;
	if (value & ~allowed)
		return -EINVAL;
	if (offset == APIC_REG_ICR_LOW) {
		/* One 64-bit write sends; bit 12 is ignored. */
		apic->icr_lo = (uint32_t)value & ICR_LOW_WRITABLE;
		apic->icr_hi = (uint32_t)(value >> 32);
		apic_send_icr(apic, (uint64_t)apic->icr_hi << 32 | apic->icr_lo);
		return 0;
	}
	apic_reg_write(apic, offset, (uint32_t)value);
	return 0;
}
