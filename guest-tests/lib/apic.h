/* SPDX-License-Identifier: MIT */
/*
 * apic.h - the local APIC behind an ops table: xAPIC (MMIO at the
 * IA32_APIC_BASE page) or x2APIC (MSRs 0x800 + offset / 16). The mode is
 * per CPU and can change at run time (apic_set_mode()); register names are
 * the xAPIC offsets in both modes.
 */
#ifndef GT_APIC_H
#define GT_APIC_H

#include <stdbool.h>
#include "percpu.h"
#include "x86.h"

#define APIC_ID 0x020
#define APIC_LVR 0x030
#define APIC_TPR 0x080
#define APIC_PPR 0x0a0
#define APIC_EOI 0x0b0
#define APIC_LDR 0x0d0
#define APIC_DFR 0x0e0
#define APIC_SVR 0x0f0
#define APIC_ISR 0x100
#define APIC_TMR 0x180
#define APIC_IRR 0x200
#define APIC_ESR 0x280
#define APIC_ICR 0x300
#define APIC_ICR2 0x310
#define APIC_LVTT 0x320
#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_LVTERR 0x370
#define APIC_TMICT 0x380
#define APIC_TMCCT 0x390
#define APIC_TDCR 0x3e0
#define APIC_SELF_IPI 0x3f0                /* x2APIC only */

/* ICR */
#define APIC_DM_FIXED 0x000
#define APIC_DM_NMI 0x400
#define APIC_DM_INIT 0x500
#define APIC_DM_STARTUP 0x600
#define APIC_DEST_LOGICAL 0x800
#define APIC_ICR_BUSY 0x1000
#define APIC_INT_ASSERT 0x4000
#define APIC_INT_LEVELTRIG 0x8000
#define APIC_DEST_SELF 0x40000
#define APIC_DEST_ALLINC 0x80000
#define APIC_DEST_ALLBUT 0xc0000

/* LVT, SVR, ESR */
#define APIC_LVT_MASKED 0x10000
#define APIC_LVT_TIMER_ONESHOT 0x00000
#define APIC_LVT_TIMER_PERIODIC 0x20000
#define APIC_LVT_TIMER_TSCDEADLINE 0x40000
#define APIC_SVR_ENABLE 0x100
#define APIC_ESR_SEND_ILLEGAL 0x20
#define APIC_ESR_RECV_ILLEGAL 0x40

#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_ENABLE (1ull << 11)

#define APIC_SPURIOUS_VECTOR 0xff
#define X2APIC_MSR(reg) (0x800 + ((reg) >> 4))

struct apic_ops {
	const char *name;
	u32 (*read)(unsigned reg);
	void (*write)(unsigned reg, u32 val);
	/* @low: ICR bits 31:0; @dest: APIC ID or logical destination. */
	void (*icr_write)(u32 low, u32 dest);
	u64 (*icr_read)(void);
	u32 (*id)(void);
};

extern const struct apic_ops xapic_ops, x2apic_ops;

static inline const struct apic_ops *apic_ops(void) { return this_cpu()->apic; }
static inline u32 apic_read(unsigned reg) { return apic_ops()->read(reg); }
static inline void apic_write(unsigned reg, u32 v) { apic_ops()->write(reg, v); }
static inline void apic_icr_write(u32 low, u32 dest) { apic_ops()->icr_write(low, dest); }
static inline u64 apic_icr_read(void) { return apic_ops()->icr_read(); }
static inline u32 apic_id(void) { return apic_ops()->id(); }
/*
 * EOI. With KVM's paravirtual EOI the host sets bit 0 of this CPU's
 * pv_eoi word when the EOI of the interrupt it injected may be a store:
 * then clearing the bit is the EOI and no exit happens. The test and the
 * clear must be one instruction: the host looks at the word at any exit.
 */
static inline bool apic_pv_eoi_take(void)
{
	bool was_set;

	__asm__ __volatile__("btrq $0, %%gs:%c1"
			     : "=@ccc"(was_set)
			     : "i"(offsetof(struct percpu, pv_eoi))
			     : "memory");
	return was_set;
}
static inline void apic_eoi(void)
{
	if (!apic_pv_eoi_take())
		apic_write(APIC_EOI, 0);
}
/* The register itself, for tests of EOI semantics (no PV shortcut). */
static inline void apic_eoi_register(void) { apic_write(APIC_EOI, 0); }
static inline bool apic_x2apic_mode(void) { return apic_ops() == &x2apic_ops; }

bool apic_x2apic_supported(void);
/* The boot-time choice: x2APIC when supported, unless argv says "xapic". */
bool apic_default_x2apic(void);
void apic_set_default_mode(bool x2apic);
/* Put this CPU's APIC in @x2apic mode, re-initialized. Return: 0 or -1. */
int apic_set_mode(bool x2apic);
/*
 * PV EOI (kvm_para.h): on when KVM's leaves offer it and the command line
 * does not say "pveoi=off"; chosen once at boot, registered per CPU by
 * apic_cpu_init(). apic_pv_eoi_on() says whether this boot uses it.
 */
void apic_choose_pv_eoi(void);
bool apic_pv_eoi_on(void);
/* Enable this CPU's APIC in the default mode: SVR on, TPR 0, LVTs masked. */
void apic_cpu_init(void);
void apic_setup_regs(void);

static inline bool apic_vec_test(unsigned base, unsigned vec)
{
	return apic_read(base + (vec / 32) * 0x10) >> (vec % 32) & 1;
}
static inline bool apic_irr(unsigned vec) { return apic_vec_test(APIC_IRR, vec); }
static inline bool apic_isr(unsigned vec) { return apic_vec_test(APIC_ISR, vec); }

/* Fixed, physical, edge IPI to one APIC ID. */
static inline void apic_send_ipi(u32 apic_id, unsigned vector)
{
	apic_icr_write(APIC_DM_FIXED | vector, apic_id);
}

static inline void apic_self_ipi(unsigned vector)
{
	apic_icr_write(APIC_DEST_SELF | APIC_DM_FIXED | vector, 0);
}

#endif
