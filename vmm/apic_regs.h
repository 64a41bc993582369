/* SPDX-License-Identifier: MIT */
/*
 * apic_regs.h - private layout of the local APIC model.
 *
 * Only the apic_*.c files (and white-box unit tests) include this; the rest
 * of the VMM sees struct apic as opaque through apic_virt.h.
 */
#ifndef IPIVIRT_APIC_REGS_H
#define IPIVIRT_APIC_REGS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "apic_virt.h"

/*
 * Version register: version 0x14 (integrated xAPIC), max LVT entry 6 (seven
 * LVTs, CMCI included), bit 24 clear: no EOI-broadcast suppression (SVR
 * bit 12 is reserved), so every level-triggered EOI goes to the I/O APIC
 * (apic_ops.eoi_broadcast), as on the 82489DX-era xAPICs Linux expects
 * when it finds an I/O APIC at version 0x20 with no directed EOI.
 */
#define APIC_VERSION_VALUE 0x00060014u

/* LVT fields. */
#define LVT_VECTOR 0x000000ffu
#define LVT_DELIVERY_MODE 0x00000700u
#define LVT_DELIVERY_STATUS (1u << 12)
#define LVT_POLARITY (1u << 13)
#define LVT_REMOTE_IRR (1u << 14)
#define LVT_LEVEL_TRIGGER (1u << 15)
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_MODE_SHIFT 17
#define LVT_TIMER_MODE (3u << LVT_TIMER_MODE_SHIFT)
#define LVT_RESET_VALUE LVT_MASKED

enum apic_timer_mode {
	APIC_TIMER_ONESHOT = 0,
	APIC_TIMER_PERIODIC = 1,
	APIC_TIMER_TSC_DEADLINE = 2,
	/* 3 is reserved; the model counts it as one-shot. */
};

/* Software-writable bits of each LVT (status bits 12 and 14 are RO). */
#define LVT_TIMER_WRITABLE (LVT_VECTOR | LVT_MASKED | LVT_TIMER_MODE)
#define LVT_DM_WRITABLE (LVT_VECTOR | LVT_DELIVERY_MODE | LVT_MASKED)
#define LVT_LINT_WRITABLE                                                \
	(LVT_VECTOR | LVT_DELIVERY_MODE | LVT_POLARITY | LVT_LEVEL_TRIGGER | \
	 LVT_MASKED)
#define LVT_ERROR_WRITABLE (LVT_VECTOR | LVT_MASKED)

/* The seven LVT entries, in register order (CMCI sits apart at 0x2f0). */
enum apic_lvt {
	APIC_LVT_CMCI,
	APIC_LVT_TIMER,
	APIC_LVT_THERMAL,
	APIC_LVT_PERF,
	APIC_LVT_LINT0,
	APIC_LVT_LINT1,
	APIC_LVT_ERROR,
	APIC_NR_LVT,
};

/* Spurious-interrupt vector register. */
#define SVR_VECTOR 0xffu
#define SVR_APIC_ENABLED (1u << 8)
#define SVR_FOCUS_DISABLED (1u << 9)
#define SVR_WRITABLE (SVR_VECTOR | SVR_APIC_ENABLED | SVR_FOCUS_DISABLED)
#define SVR_RESET_VALUE 0xffu

/* Error status register bits the model can raise. */
#define APIC_ESR_SEND_ILLEGAL_VECTOR 0x20u
#define APIC_ESR_RECV_ILLEGAL_VECTOR 0x40u
#define APIC_ESR_ILLEGAL_REGISTER 0x80u

/* ICR fields (low dword, same in both modes). */
#define ICR_VECTOR 0x000000ffu
#define ICR_DM_SHIFT 8
#define ICR_DM_MASK 0x7u
#define ICR_DEST_LOGICAL (1u << 11)
#define ICR_DELIVERY_STATUS (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_LEVEL_TRIGGER (1u << 15)
#define ICR_SHORTHAND_SHIFT 18
#define ICR_SHORTHAND_MASK 0x3u
/* Low-dword bits that keep what software wrote (bit 12 always reads 0). */
#define ICR_LOW_WRITABLE 0x000ccfffu
#define ICR_HIGH_WRITABLE 0xff000000u
/* x2APIC ICR MSR: bit 12 is ignored (SDM), these bits #GP. */
#define X2APIC_ICR_RESERVED 0x00000000fff32000ull

#define TPR_WRITABLE 0xffu
#define LDR_XAPIC_WRITABLE 0xff000000u
#define DFR_WRITABLE 0xf0000000u
#define DFR_MODEL_FLAT 0xfu
#define DFR_MODEL_CLUSTER 0x0u
#define DCR_WRITABLE 0x0000000bu
#define SELF_IPI_WRITABLE 0xffu

/* Published mode bits (struct apic.pub_flags). */
#define APIC_PUB_HW_ENABLED (1u << 0)
#define APIC_PUB_X2APIC (1u << 1)
#define APIC_PUB_SW_ENABLED (1u << 2)

/*
 * struct apic.pending: one atomic word, so INIT/SIPI ordering is decided by
 * a single compare-and-swap. The low bits are the public APIC_EVENT_* ones.
 */
#define APIC_PEND_ERROR (1u << 4)     /* a receive error awaits the LVT */
#define APIC_PEND_WAIT_SIPI (1u << 5) /* state, not an event: never taken */
#define APIC_PEND_NMI2 (1u << 6)      /* a second NMI came before the first was taken */
/* LINT pins: the wire's level (state, kept across takes), and a rise or a
 * fall the owner has not looked at yet (apic_lint.c): a pulse shorter than
 * the owner's look still counts as an edge. */
#define APIC_PEND_LINT_ROSE(pin) (1u << (16 + (pin)))
#define APIC_PEND_LINT_LEVEL(pin) (1u << (18 + (pin)))
#define APIC_PEND_LINT_FELL(pin) (1u << (20 + (pin)))
#define APIC_PEND_LINT_LEVELS (APIC_PEND_LINT_LEVEL(0) | APIC_PEND_LINT_LEVEL(1))
#define APIC_PEND_LINT_EDGES                                             \
	(APIC_PEND_LINT_ROSE(0) | APIC_PEND_LINT_ROSE(1) |               \
	 APIC_PEND_LINT_FELL(0) | APIC_PEND_LINT_FELL(1))
#define APIC_PEND_SIPI_SHIFT 8
#define APIC_PEND_SIPI_VECTOR (0xffu << APIC_PEND_SIPI_SHIFT)

/* "No expiry" for the timer's internal times (0 is a valid clock value). */
#define APIC_TIMER_NONE UINT64_MAX

/*
 * struct apic_timer - the timer's owner-only state.
 * The current count is not stored: it is derived from @anchor_ns, @base and
 * the divider whenever it is read, so a masked timer "still counts" for free.
 * @tmict:    initial count register.
 * @dcr:      divide configuration register (bits 0, 1, 3).
 * @divisor:  1..128, decoded from @dcr.
 * @running:  one-shot / periodic count in progress.
 * @anchor_ns: time at which the current count was @base.
 * @base:     current count at @anchor_ns (periodic reloads @tmict after).
 * @next_ns:  next expiry in any mode, or APIC_TIMER_NONE.
 * @deadline: IA32_TSC_DEADLINE as written (0: disarmed).
 * @armed_ns: what the host timer is armed at (0: not armed).
 */
struct apic_timer {
	uint32_t tmict;
	uint32_t dcr;
	uint32_t divisor;
	bool running;
	uint64_t anchor_ns;
	uint32_t base;
	uint64_t next_ns;
	uint64_t deadline;
	uint64_t armed_ns;
};

/*
 * struct apic - one local APIC.
 * The first group never changes after creation; the atomic group is what
 * the threading contract in apic_virt.h lets other threads touch; the rest
 * belongs to the owner (vCPU) thread.
 */
struct apic {
	struct apic_config cfg;
	struct apic_ops ops;

	_Atomic uint32_t irr[8];
	_Atomic uint32_t tmr[8];
	_Atomic unsigned pending;     /* APIC_EVENT_*, APIC_PEND_* */
	_Atomic uint32_t esr_pending; /* errors since the last ESR write */
	_Atomic uint32_t pub_id;      /* 8-bit xAPIC or 32-bit x2APIC ID */
	_Atomic uint32_t pub_ldr;
	_Atomic uint32_t pub_dfr;
	_Atomic unsigned pub_flags;   /* APIC_PUB_* */
	_Atomic unsigned pub_prio;    /* TPR | ISRV << 8, for arbitration */

	uint64_t base_msr;
	uint32_t id; /* numeric ID: 8-bit in xAPIC mode, 32-bit in x2APIC */
	uint32_t tpr;
	uint32_t ldr;
	uint32_t dfr;
	uint32_t svr;
	uint32_t esr; /* the readable, latched copy */
	uint32_t icr_lo;
	uint32_t icr_hi;
	uint32_t isr[8];
	uint32_t lvt[APIC_NR_LVT];
	struct apic_timer timer;
	uint64_t pv_eoi_msr;   /* MSR_KVM_PV_EOI_EN as written */
	bool pv_eoi_armed;     /* the guest byte was set at the last injection */
};

/* Owner's view of the mode (IA32_APIC_BASE). */
static inline bool apic_hw_enabled(const struct apic *a)
{
	return (a->base_msr & APIC_BASE_ENABLE) != 0;
}

static inline bool apic_mode_x2apic(const struct apic *a)
{
	return (a->base_msr & (APIC_BASE_ENABLE | APIC_BASE_EXTD)) ==
	       (APIC_BASE_ENABLE | APIC_BASE_EXTD);
}

static inline bool apic_mode_xapic(const struct apic *a)
{
	return (a->base_msr & (APIC_BASE_ENABLE | APIC_BASE_EXTD)) ==
	       APIC_BASE_ENABLE;
}

static inline bool apic_sw_enabled(const struct apic *a)
{
	return (a->svr & SVR_APIC_ENABLED) != 0;
}

/* Published state (any thread). */
static inline unsigned apic_pub_flags(const struct apic *a)
{
	return atomic_load_explicit(&a->pub_flags, memory_order_acquire);
}

static inline uint32_t apic_pub_ldr(const struct apic *a)
{
	return atomic_load_explicit(&a->pub_ldr, memory_order_acquire);
}

static inline uint32_t apic_pub_dfr(const struct apic *a)
{
	return atomic_load_explicit(&a->pub_dfr, memory_order_acquire);
}

/* The x2APIC logical ID the hardware derives from the x2APIC ID. */
static inline uint32_t apic_x2apic_ldr(uint32_t id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

/* apic_virt.c: register file. */
void apic_publish(struct apic *a);
void apic_reset_regs(struct apic *a);
uint32_t apic_reg_read(struct apic *a, unsigned offset);
void apic_reg_write(struct apic *a, unsigned offset, uint32_t value);

/* apic_irq.c: IRR/ISR, priorities, errors and local interrupts. */
int apic_highest_irr(const struct apic *a);
int apic_highest_isr(const struct apic *a);
uint32_t apic_ppr(const struct apic *a);
uint32_t apic_apr(const struct apic *a);
void apic_publish_prio(struct apic *a);
void apic_eoi(struct apic *a);
void apic_set_error(struct apic *a, uint32_t esr_bits);
void apic_local_irq(struct apic *a, enum apic_lvt lvt);
void apic_raise_nmi(struct apic *apic);

/* apic_lint.c: the LINT0/LINT1 pins. */
void apic_lint_service(struct apic *a);
void apic_lint_eoi(struct apic *a, uint8_t vector);
void apic_lint_lvt_written(struct apic *a, unsigned pin, uint32_t old);

/* apic_pv_eoi.c: MSR_KVM_PV_EOI_EN. */
int apic_pv_eoi_msr_write(struct apic *a, uint64_t value);
void apic_pv_eoi_reset(struct apic *a);

/* apic_icr.c: the sending side. */
void apic_send_icr(struct apic *a, uint64_t icr);
void apic_send_self_ipi(struct apic *a, uint8_t vector);

/* apic_timer.c */
void apic_timer_reset(struct apic *a);
uint32_t apic_timer_ccr(struct apic *a);
void apic_timer_write_tmict(struct apic *a, uint32_t value);
void apic_timer_write_dcr(struct apic *a, uint32_t value);
void apic_timer_write_lvt(struct apic *a, uint32_t value);
uint64_t apic_timer_read_deadline(struct apic *a);
void apic_timer_write_deadline(struct apic *a, uint64_t value);
void apic_timer_service(struct apic *a, uint64_t now_ns);

#endif
