// SPDX-License-Identifier: MIT
/*
 * apic_virt.c - the local APIC register file: lifecycle, reset values, the
 * offset-based register semantics shared by both access paths, and the xAPIC
 * MMIO front end. The x2APIC MSR front end lives in apic_msr.c.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "apic_regs.h"

/* The fields every caller of apic_create() must provide (struct v1). */
#define APIC_CONFIG_SIZE_V1 \
	(offsetof(struct apic_config, bus_khz) + sizeof(uint64_t))
/* Keeps the fixed-point time conversions in apic_timer.c within 64 bits. */
#define APIC_MAX_KHZ 1000000000ull

/* Physical-address bits of the relocatable xAPIC page (MAXPHYADDR 52). */
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ull

static const uint32_t lvt_writable[APIC_NR_LVT] = {
	[APIC_LVT_CMCI] = LVT_DM_WRITABLE,
	[APIC_LVT_TIMER] = LVT_TIMER_WRITABLE,
	[APIC_LVT_THERMAL] = LVT_DM_WRITABLE,
	[APIC_LVT_PERF] = LVT_DM_WRITABLE,
	[APIC_LVT_LINT0] = LVT_LINT_WRITABLE,
	[APIC_LVT_LINT1] = LVT_LINT_WRITABLE,
	[APIC_LVT_ERROR] = LVT_ERROR_WRITABLE,
};

/* LVT index of register @offset, or -1 when it is not an LVT. */
static int lvt_index(unsigned offset)
{
	if (offset == APIC_REG_LVT_CMCI)
		return APIC_LVT_CMCI;
	if (offset >= APIC_REG_LVT_TIMER && offset <= APIC_REG_LVT_ERROR)
		return APIC_LVT_TIMER + (int)((offset - APIC_REG_LVT_TIMER) >> 4);
	return -1;
}

/**
 * apic_create() - allocate one local APIC in its power-on state.
 * @cfg: creation parameters; @cfg->size must cover at least the v1 fields.
 * @ops: host callbacks, all mandatory; copied.
 *
 * Return: the APIC, or NULL with errno set (EINVAL, ENOMEM).
 */
struct apic *apic_create(const struct apic_config *cfg,
			 const struct apic_ops *ops)
{
	struct apic_config c = { 0 };
	struct apic *a;

	if (!cfg || !ops || cfg->size < APIC_CONFIG_SIZE_V1) {
		errno = EINVAL;
		return NULL;
	}
	/* A newer, larger config is fine: take the fields we know. */
	memcpy(&c, cfg, cfg->size < sizeof(c) ? cfg->size : sizeof(c));
	c.size = sizeof(c);
	if (!c.phys_addr_bits)
		c.phys_addr_bits = APIC_MAX_PHYS_ADDR_BITS;
	if (c.phys_addr_bits < 32 ||
	    c.phys_addr_bits > APIC_MAX_PHYS_ADDR_BITS) {
		errno = EINVAL;
		return NULL;
	}
	if (c.cpu >= IPIVIRT_MAX_CPUS || !c.bus_khz || c.bus_khz > APIC_MAX_KHZ ||
	    !c.tsc_khz || c.tsc_khz > APIC_MAX_KHZ || !ops->now_ns ||
	    !ops->guest_tsc || !ops->kick || !ops->timer_arm || !ops->send_ipi ||
	    (c.pv_eoi && (!ops->guest_read || !ops->guest_write))) {
		errno = EINVAL;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		errno = ENOMEM;
		return NULL;
	}
	a->cfg = c;
	a->ops = *ops;
	for (unsigned i = 0; i < 8; i++) {
		atomic_init(&a->irr[i], 0);
		atomic_init(&a->tmr[i], 0);
	}
	atomic_init(&a->pending, 0);
	atomic_init(&a->esr_pending, 0);
	atomic_init(&a->pub_id, 0);
	atomic_init(&a->pub_ldr, 0);
	atomic_init(&a->pub_dfr, 0);
	atomic_init(&a->pub_flags, 0);
	atomic_init(&a->pub_prio, 0);
	apic_reset(a, false);
	return a;
}

/**
 * apic_destroy() - free an APIC.
 * @apic: the APIC, or NULL.
 *
 * Calls no callback: the host must have stopped its timer and detached the
 * APIC from every bus and sender first.
 */
void apic_destroy(struct apic *apic)
{
	free(apic);
}

/**
 * apic_publish() - copy the routing-relevant owner state to the atomics.
 * @a: the APIC.
 *
 * The mode flags go last with release order, so a router that sees a mode
 * also sees the ID/LDR/DFR written before it.
 */
void apic_publish(struct apic *a)
{
	unsigned flags = 0;

	if (apic_hw_enabled(a))
		flags |= APIC_PUB_HW_ENABLED;
	if (apic_mode_x2apic(a))
		flags |= APIC_PUB_X2APIC;
	if (apic_sw_enabled(a))
		flags |= APIC_PUB_SW_ENABLED;
	atomic_store_explicit(&a->pub_id, a->id, memory_order_relaxed);
	atomic_store_explicit(&a->pub_ldr, a->ldr, memory_order_relaxed);
	atomic_store_explicit(&a->pub_dfr, a->dfr, memory_order_relaxed);
	atomic_store_explicit(&a->pub_flags, flags, memory_order_release);
}

/**
 * apic_reset_regs() - put every register but the ID and IA32_APIC_BASE in
 * its power-on/INIT value (SDM 10.4.7.3, 10.12.5.1).
 * @a: the APIC.
 *
 * In x2APIC mode the LDR is re-derived from the ID, as the hardware does.
 */
void apic_reset_regs(struct apic *a)
{
	apic_timer_reset(a);
	a->tpr = 0;
	a->svr = SVR_RESET_VALUE;
	a->esr = 0;
	atomic_store_explicit(&a->esr_pending, 0, memory_order_relaxed);
	a->icr_lo = 0;
	a->icr_hi = 0;
	for (unsigned i = 0; i < 8; i++) {
		a->isr[i] = 0;
		atomic_store_explicit(&a->irr[i], 0, memory_order_relaxed);
		atomic_store_explicit(&a->tmr[i], 0, memory_order_relaxed);
	}
	for (unsigned i = 0; i < APIC_NR_LVT; i++)
		a->lvt[i] = LVT_RESET_VALUE;
	a->dfr = 0xffffffffu;
	a->ldr = apic_mode_x2apic(a) ? apic_x2apic_ldr(a->id) : 0;
	apic_publish(a);
	apic_publish_prio(a);
}

/**
 * apic_reset() - power-on (RESET) or INIT reset.
 * @apic:      the APIC (owner thread).
 * @init_only: false: RESET: xAPIC mode at the default base, the initial ID
 *             from the config, pending events dropped, APs wait for SIPI.
 *             true: INIT: mode, base and current ID kept, pending
 *             NMI/INIT/SIPI dropped, and the APIC waits for SIPI (the SDM
 *             puts every processor there after INIT, the BSP included).
 */
void apic_reset(struct apic *apic, bool init_only)
{
	bool wait = init_only || !apic->cfg.bsp;

	if (!init_only) {
		apic->base_msr = APIC_DEFAULT_BASE | APIC_BASE_ENABLE |
				 (apic->cfg.bsp ? APIC_BASE_BSP : 0);
		apic->id = apic->cfg.apic_id & 0xffu;
	}
	apic_reset_regs(apic);
	apic_pv_eoi_reset(apic);
	/* What was pending was for the processor before the reset; the LINT
	 * wires keep their levels. */
	atomic_fetch_and_explicit(&apic->pending, APIC_PEND_LINT_LEVELS,
				  memory_order_acq_rel);
	if (wait)
		atomic_fetch_or_explicit(&apic->pending, APIC_PEND_WAIT_SIPI,
					 memory_order_acq_rel);
}

/* Read register @offset (16-byte aligned, known to the current mode). */
uint32_t apic_reg_read(struct apic *a, unsigned offset)
{
	int lvt = lvt_index(offset);

	if (offset >= APIC_REG_ISR && offset < APIC_REG_TMR)
		return a->isr[(offset - APIC_REG_ISR) >> 4];
	if (offset >= APIC_REG_TMR && offset < APIC_REG_IRR)
		return atomic_load_explicit(&a->tmr[(offset - APIC_REG_TMR) >> 4],
					    memory_order_acquire);
	if (offset >= APIC_REG_IRR && offset < APIC_REG_ESR)
		return atomic_load_explicit(&a->irr[(offset - APIC_REG_IRR) >> 4],
					    memory_order_acquire);
	if (lvt >= 0)
		return a->lvt[lvt];

	switch (offset) {
	case APIC_REG_ID:
		return apic_mode_x2apic(a) ? a->id : a->id << 24;
	case APIC_REG_VERSION:
		return APIC_VERSION_VALUE;
	case APIC_REG_TPR:
		return a->tpr;
	case APIC_REG_APR:
		return apic_apr(a);
	case APIC_REG_PPR:
		return apic_ppr(a);
	case APIC_REG_LDR:
		return a->ldr;
	case APIC_REG_DFR:
		return a->dfr;
	case APIC_REG_SVR:
		return a->svr;
	case APIC_REG_ESR:
		return a->esr;
	case APIC_REG_ICR_LOW:
		/* Delivery status: always idle, sending is synchronous. */
		return a->icr_lo;
	case APIC_REG_ICR_HIGH:
		return a->icr_hi;
	case APIC_REG_TIMER_ICR:
		return a->timer.tmict;
	case APIC_REG_TIMER_CCR:
		return apic_timer_ccr(a);
	case APIC_REG_TIMER_DCR:
		return a->timer.dcr;
	default: /* EOI, RRD, SELF_IPI: write-only or unused, read 0 */
		return 0;
	}
}

static void write_svr(struct apic *a, uint32_t value)
{
	a->svr = value & SVR_WRITABLE;
	if (!apic_sw_enabled(a)) {
		/* Software disable masks every LVT (SDM 10.4.7.2). */
		for (unsigned i = 0; i < APIC_NR_LVT; i++) {
			if (i == APIC_LVT_TIMER)
				apic_timer_write_lvt(a, a->lvt[i] | LVT_MASKED);
			else
				a->lvt[i] |= LVT_MASKED;
		}
	}
	apic_publish(a);
}

static void write_lvt(struct apic *a, int lvt, uint32_t value)
{
	value &= lvt_writable[lvt];
	/* While software-disabled the mask bits cannot be cleared. */
	if (!apic_sw_enabled(a))
		value |= LVT_MASKED;
	if (lvt == APIC_LVT_TIMER) {
		apic_timer_write_lvt(a, value);
	} else if (lvt == APIC_LVT_LINT0 || lvt == APIC_LVT_LINT1) {
		uint32_t old = a->lvt[lvt];

		a->lvt[lvt] = value;
		apic_lint_lvt_written(a, (unsigned)(lvt - APIC_LVT_LINT0), old);
	} else {
		a->lvt[lvt] = value;
	}
}

/*
 * Write register @offset (16-byte aligned). The front ends have already
 * refused what the current mode forbids; this applies the writable masks.
 * Writes to read-only registers are ignored.
 */
void apic_reg_write(struct apic *a, unsigned offset, uint32_t value)
{
	int lvt = lvt_index(offset);

	if (lvt >= 0) {
		write_lvt(a, lvt, value);
		return;
	}
	switch (offset) {
	case APIC_REG_ID:
		/* Writable in xAPIC mode only (front ends enforce it). */
		a->id = value >> 24;
		apic_publish(a);
		break;
	case APIC_REG_TPR:
		a->tpr = value & TPR_WRITABLE;
		apic_publish_prio(a);
		break;
	case APIC_REG_EOI:
		apic_eoi(a);
		break;
	case APIC_REG_LDR:
		a->ldr = value & LDR_XAPIC_WRITABLE;
		apic_publish(a);
		break;
	case APIC_REG_DFR:
		a->dfr = (value & DFR_WRITABLE) | ~DFR_WRITABLE;
		apic_publish(a);
		break;
	case APIC_REG_SVR:
		write_svr(a, value);
		break;
	case APIC_REG_ESR:
		/* Latch the errors seen since the last write, start afresh. */
		a->esr = atomic_exchange_explicit(&a->esr_pending, 0,
						  memory_order_acq_rel);
		break;
	case APIC_REG_ICR_LOW:
		a->icr_lo = value & ICR_LOW_WRITABLE;
		apic_send_icr(a, (uint64_t)a->icr_hi << 32 | a->icr_lo);
		break;
	case APIC_REG_ICR_HIGH:
		a->icr_hi = value & ICR_HIGH_WRITABLE;
		break;
	case APIC_REG_TIMER_ICR:
		apic_timer_write_tmict(a, value);
		break;
	case APIC_REG_TIMER_DCR:
		apic_timer_write_dcr(a, value);
		break;
	case APIC_REG_SELF_IPI:
		apic_send_self_ipi(a, (uint8_t)value);
		break;
	default:
		break;
	}
}

/* Registers that exist in the xAPIC page (SDM table 10-1). */
static bool xapic_reg_exists(unsigned slot)
{
	if (slot >= APIC_REG_ISR && slot < APIC_REG_ESR)
		return true; /* ISR, TMR, IRR */
	if (lvt_index(slot) >= 0)
		return true;
	switch (slot) {
	case APIC_REG_ID:
	case APIC_REG_VERSION:
	case APIC_REG_TPR:
	case APIC_REG_APR:
	case APIC_REG_PPR:
	case APIC_REG_EOI:
	case APIC_REG_RRD:
	case APIC_REG_LDR:
	case APIC_REG_DFR:
	case APIC_REG_SVR:
	case APIC_REG_ESR:
	case APIC_REG_ICR_LOW:
	case APIC_REG_ICR_HIGH:
	case APIC_REG_TIMER_ICR:
	case APIC_REG_TIMER_CCR:
	case APIC_REG_TIMER_DCR:
		return true;
	default:
		return false; /* SELF_IPI (0x3f0) included: x2APIC only */
	}
}

static bool xapic_reg_read_only(unsigned slot)
{
	if (slot >= APIC_REG_ISR && slot < APIC_REG_ESR)
		return true;
	switch (slot) {
	case APIC_REG_VERSION:
	case APIC_REG_APR:
	case APIC_REG_PPR:
	case APIC_REG_RRD:
	case APIC_REG_TIMER_CCR:
		return true;
	default:
		return false;
	}
}

static bool mmio_args_ok(uint64_t offset, const void *data, unsigned len)
{
	return data && offset < APIC_MMIO_SIZE &&
	       (len == 1 || len == 2 || len == 4 || len == 8);
}

/**
 * apic_mmio_read() - a guest load from the xAPIC page.
 * @apic:   the APIC (owner thread).
 * @offset: byte offset in the page.
 * @data:   out: @len bytes, little-endian.
 * @len:    1, 2, 4 or 8.
 *
 * Each register is the first dword of a 16-byte slot; other bytes read 0.
 * Reserved slots read 0 and set ESR "illegal register address". Outside
 * xAPIC mode the page is not decoded and reads 0.
 */
void apic_mmio_read(struct apic *apic, uint64_t offset, void *data,
		    unsigned len)
{
	uint8_t *out = data;
	unsigned slot = (unsigned)offset & ~0xfu;
	uint32_t value;

	if (!mmio_args_ok(offset, data, len))
		return;
	memset(out, 0, len);
	if (!apic_mode_xapic(apic))
		return;
	if (!xapic_reg_exists(slot)) {
		apic_set_error(apic, APIC_ESR_ILLEGAL_REGISTER);
		return;
	}
	value = apic_reg_read(apic, slot);
	for (unsigned i = 0; i < len; i++) {
		uint64_t byte = offset + i;

		if ((byte & ~0xfull) == slot && (byte & 0xf) < 4)
			out[i] = (uint8_t)(value >> (8 * (byte & 0xf)));
	}
}

/**
 * apic_mmio_write() - a guest store to the xAPIC page.
 * @apic:   the APIC (owner thread).
 * @offset: byte offset in the page.
 * @data:   @len bytes, little-endian.
 * @len:    1, 2, 4 or 8.
 *
 * Only stores of at least a dword at a slot's start reach a register (the
 * SDM leaves narrower ones undefined; they are dropped). Reserved slots set
 * ESR "illegal register address"; read-only registers ignore the store.
 */
void apic_mmio_write(struct apic *apic, uint64_t offset, const void *data,
		     unsigned len)
{
	unsigned slot = (unsigned)offset & ~0xfu;
	uint32_t value;

	if (!mmio_args_ok(offset, data, len) || !apic_mode_xapic(apic))
		return;
	if (!xapic_reg_exists(slot)) {
		apic_set_error(apic, APIC_ESR_ILLEGAL_REGISTER);
		return;
	}
	if ((offset & 0xf) || len < 4 || xapic_reg_read_only(slot))
		return;
	memcpy(&value, data, sizeof(value)); /* x86 host: little-endian */
	apic_reg_write(apic, slot, value);
}

/**
 * apic_mmio_claims() - whether a guest-physical address hits this APIC.
 * @apic: the APIC.
 * @gpa:  guest-physical address.
 *
 * Return: true in xAPIC mode when @gpa is inside the (relocatable) page.
 */
bool apic_mmio_claims(const struct apic *apic, uint64_t gpa)
{
	uint64_t base = apic->base_msr & APIC_BASE_ADDR_MASK;

	return apic_mode_xapic(apic) && gpa >= base &&
	       gpa - base < APIC_MMIO_SIZE;
}

/**
 * apic_get_cr8() - TPR[7:4], what the guest reads from CR8 (owner thread).
 * @apic: the APIC.
 */
uint8_t apic_get_cr8(const struct apic *apic)
{
	return (uint8_t)(apic->tpr >> 4);
}

/**
 * apic_set_cr8() - the guest wrote @cr8 to CR8 (owner thread).
 * @apic: the APIC.
 * @cr8:  the new CR8; bits 3:0 become TPR[7:4], TPR[3:0] is cleared.
 *
 * A no-op when TPR[7:4] already equals @cr8, so that the sub-class a TPR
 * write set survives the VMM's sync after every exit.
 */
void apic_set_cr8(struct apic *apic, uint8_t cr8)
{
	cr8 &= 0xf;
	if (apic_get_cr8(apic) == cr8)
		return;
	apic->tpr = (uint32_t)cr8 << 4;
	apic_publish_prio(apic);
}

/**
 * apic_base_msr() - the IA32_APIC_BASE value (owner thread).
 * @apic: the APIC.
 *
 * Return: the MSR value.
 */
uint64_t apic_base_msr(const struct apic *apic)
{
	return apic->base_msr;
}

/**
 * apic_x2apic_enabled() - whether the APIC is in x2APIC mode (any thread).
 * @apic: the APIC.
 *
 * Return: true in x2APIC mode.
 */
bool apic_x2apic_enabled(const struct apic *apic)
{
	return (apic_pub_flags(apic) & APIC_PUB_X2APIC) != 0;
}

/**
 * apic_id() - the current APIC ID (any thread).
 * @apic: the APIC.
 *
 * Return: the 8-bit xAPIC ID or the 32-bit x2APIC ID, per the mode.
 */
uint32_t apic_id(const struct apic *apic)
{
	return atomic_load_explicit(&apic->pub_id, memory_order_acquire);
}

/**
 * apic_cpu() - the vCPU index this APIC belongs to.
 * @apic: the APIC.
 *
 * Return: the index from the config.
 */
unsigned apic_cpu(const struct apic *apic)
{
	return apic->cfg.cpu;
}
