/* SPDX-License-Identifier: MIT */
/*
 * apic_virt.h - a userspace x86 local APIC model (xAPIC MMIO and x2APIC MSRs).
 *
 * Pure C: no KVM, no ioctl. The model reaches the outside only through
 * struct apic_ops. One struct apic per vCPU, plus one struct apic_bus per VM
 * that knows every APIC and turns an ICR write into the set of target vCPUs.
 *
 * Threading contract:
 *  - Register accesses (apic_mmio_*, apic_msr_*), apic_next_interrupt(),
 *    apic_ack_interrupt(), apic_take_events(), apic_timer_poll(),
 *    apic_reset() run on the vCPU's own thread ("the owner").
 *  - apic_deliver() may run on any thread, concurrently with the owner and
 *    with other senders: it only touches atomic state (IRR words, the pending
 *    event bits) and then calls ops->kick().
 *  - apic_bus_route() may run on any thread: it reads only the published
 *    (atomic) ID/LDR/DFR/enable state of each APIC.
 *  - apic_timer_fire(), apic_wait_for_sipi(), apic_x2apic_enabled(),
 *    apic_id(), apic_cpu() and apic_arb_priority() may run on any thread.
 *  - Interrupts the owner raises on itself (timer expiry, APIC error) do not
 *    call ops->kick(): the owner must look at apic_next_interrupt() after
 *    any register access, apic_take_events() or apic_timer_poll(), before
 *    it re-enters the guest. IPIs, self-IPIs included, go through
 *    ops->send_ipi() and apic_deliver(), which kicks.
 *
 * Error convention: 0 or a negative errno. -EINVAL from an MSR access means
 * "inject #GP into the guest", -ENOENT "not an MSR of this model". MMIO
 * accesses never fail: reserved registers read as zero and ignore writes,
 * as on hardware, and set ESR bit 7 "illegal register address" (SDM table
 * 10-5); the model has no other way to report them.
 *
 * The ICR delivery-status bit always reads idle: a send is synchronous, the
 * message is in its targets' IRR/event words when ops->send_ipi() returns.
 */
#ifndef IPIVIRT_APIC_VIRT_H
#define IPIVIRT_APIC_VIRT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpumask.h"

#define APIC_DEFAULT_BASE 0xfee00000ull
#define APIC_MMIO_SIZE 0x1000u

/* MSRs the model owns. */
#define MSR_IA32_APIC_BASE 0x1b
#define MSR_IA32_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_FIRST 0x800
#define MSR_X2APIC_LAST 0x8ff
/* KVM's paravirtual EOI (apic_pv_eoi.c): the guest byte's address | 1. */
#define MSR_KVM_PV_EOI_EN 0x4b564d04
#define KVM_PV_EOI_MSR_ENABLED 1ull

/* IA32_APIC_BASE bits. */
#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_MAX_PHYS_ADDR_BITS 52u

/* xAPIC register offsets (x2APIC MSR = 0x800 + offset / 16). */
#define APIC_REG_ID 0x020
#define APIC_REG_VERSION 0x030
#define APIC_REG_TPR 0x080
#define APIC_REG_APR 0x090
#define APIC_REG_PPR 0x0a0
#define APIC_REG_EOI 0x0b0
#define APIC_REG_RRD 0x0c0
#define APIC_REG_LDR 0x0d0
#define APIC_REG_DFR 0x0e0
#define APIC_REG_SVR 0x0f0
#define APIC_REG_ISR 0x100 /* 8 registers, 0x10 apart */
#define APIC_REG_TMR 0x180
#define APIC_REG_IRR 0x200
#define APIC_REG_ESR 0x280
#define APIC_REG_LVT_CMCI 0x2f0
#define APIC_REG_ICR_LOW 0x300
#define APIC_REG_ICR_HIGH 0x310
#define APIC_REG_LVT_TIMER 0x320
#define APIC_REG_LVT_THERMAL 0x330
#define APIC_REG_LVT_PERF 0x340
#define APIC_REG_LVT_LINT0 0x350
#define APIC_REG_LVT_LINT1 0x360
#define APIC_REG_LVT_ERROR 0x370
#define APIC_REG_TIMER_ICR 0x380
#define APIC_REG_TIMER_CCR 0x390
#define APIC_REG_TIMER_DCR 0x3e0
#define APIC_REG_SELF_IPI 0x3f0 /* x2APIC only */

/* ICR fields. */
enum apic_delivery_mode {
	APIC_DM_FIXED = 0,
	APIC_DM_LOWEST = 1,
	APIC_DM_SMI = 2,
	APIC_DM_REMOTE_READ = 3,
	APIC_DM_NMI = 4,
	APIC_DM_INIT = 5,
	APIC_DM_STARTUP = 6,
	APIC_DM_EXTINT = 7,
};

enum apic_shorthand {
	APIC_SH_NONE = 0,
	APIC_SH_SELF = 1,
	APIC_SH_ALL_INCL_SELF = 2,
	APIC_SH_ALL_EXCL_SELF = 3,
};

/* One interprocessor message, decoded from an ICR write. */
struct apic_ipi {
	uint8_t vector;
	uint8_t delivery_mode;  /* enum apic_delivery_mode */
	bool logical;           /* destination mode: logical when true */
	bool level_assert;      /* ICR bit 14 */
	bool level_trigger;     /* ICR bit 15 */
	uint8_t shorthand;      /* enum apic_shorthand */
	uint32_t dest;          /* 8-bit xAPIC destination or 32-bit x2APIC one */
	bool x2apic;            /* the sender was in x2APIC mode */
	unsigned source_cpu;    /* sender's vCPU index */
};

/* Events other than fixed interrupts, returned by apic_take_events(). */
#define APIC_EVENT_NMI (1u << 0)
#define APIC_EVENT_INIT (1u << 1)
#define APIC_EVENT_SIPI (1u << 2) /* vector in apic_events.sipi_vector */
#define APIC_EVENT_TIMER (1u << 3) /* internal: host timer fired; never
					    returned by apic_take_events() */

struct apic_events {
	unsigned mask;        /* APIC_EVENT_* */
	uint8_t sipi_vector;  /* valid with APIC_EVENT_SIPI */
	/* With APIC_EVENT_NMI: 1 or 2 NMIs. A CPU holds one NMI in service
	 * and latches one more; a third before either is taken is lost on
	 * hardware too. Inject each (KVM_NMI twice latches the second). */
	uint8_t nmis;
};

/**
 * struct apic_ops - what an APIC model needs from its host.
 * @opaque:    passed back to every callback.
 * @now_ns:    a monotonic clock in nanoseconds.
 * @guest_tsc: the guest's current TSC on vCPU @cpu (for TSC-deadline mode).
 * @kick:      vCPU @cpu has something new pending (an IRR bit, an NMI,
 *             INIT, SIPI or timer event): wake it if halted, or force it out
 *             of guest mode so it takes the interrupt. Any thread.
 * @timer_arm: arm vCPU @cpu's host timer to fire at @deadline_ns (now_ns
 *             clock); 0 cancels it. When it fires the host calls
 *             apic_timer_fire() (any thread), then the owner polls.
 * @send_ipi:  the guest wrote the ICR (or SELF_IPI): route @ipi. Called on
 *             the sender's thread; returns 0 or a negative errno.
 * @extint_ack: optional (NULL: no 8259): the INTA cycle of an ExtINT
 *             interrupt vCPU @cpu takes (apic_ack_extint()): the vector
 *             the PIC supplies. Owner's thread. (Added after v1.)
 * @eoi_broadcast: optional (NULL: no I/O APIC): the guest EOIed
 *             level-triggered @vector on vCPU @cpu; the VMM tells its I/O
 *             APICs (ioapic_eoi()). Called on the owner's thread, after the
 *             ISR bit is clear. (Added after v1.)
 * @guest_read, @guest_write: optional (NULL: no paravirtual EOI): copy
 *             @len bytes from / to guest-physical @gpa; 0, or -EFAULT when
 *             the range is not guest RAM. Owner's thread, while the vCPU
 *             is out of guest mode. (Added after v1.)
 */
struct apic_ops {
	void *opaque;
	uint64_t (*now_ns)(void *opaque);
	uint64_t (*guest_tsc)(void *opaque, unsigned cpu);
	void (*kick)(void *opaque, unsigned cpu);
	void (*timer_arm)(void *opaque, unsigned cpu, uint64_t deadline_ns);
	int (*send_ipi)(void *opaque, const struct apic_ipi *ipi);
	void (*eoi_broadcast)(void *opaque, unsigned cpu, uint8_t vector);
	int (*extint_ack)(void *opaque, unsigned cpu);
	int (*guest_read)(void *opaque, uint64_t gpa, void *buf, size_t len);
	int (*guest_write)(void *opaque, uint64_t gpa, const void *buf,
			   size_t len);
};

/**
 * struct apic_config - creation parameters of one APIC.
 * @size:       sizeof(struct apic_config), so the struct can grow.
 * @cpu:        the vCPU index (dense, 0-based) this APIC belongs to.
 * @apic_id:    the initial APIC ID (xAPIC uses its low 8 bits).
 * @bsp:        true for the bootstrap processor (IA32_APIC_BASE.BSP).
 * @x2apic_supported: whether the guest may set IA32_APIC_BASE.EXTD.
 * @tsc_khz:    guest TSC frequency, to turn TSC deadlines into time.
 * @bus_khz:    the APIC timer input clock before the divider (e.g. 1000000).
 * @phys_addr_bits: MAXPHYADDR (CPUID 0x80000008 EAX[7:0]): IA32_APIC_BASE
 *              bits at or above it are reserved (#GP). 0: 52, the
 *              architectural maximum. (Added after v1: optional.)
 * @pv_eoi:     MSR_KVM_PV_EOI_EN exists (the VMM advertises
 *              KVM_FEATURE_PV_EOI); needs ops->guest_read and
 *              ops->guest_write. (Added after v1: optional.)
 *
 * apic_create() wants @cpu < IPIVIRT_MAX_CPUS, @tsc_khz and @bus_khz in
 * 1..10^9 and every struct apic_ops callback set; it returns NULL with
 * errno EINVAL otherwise (ENOMEM when out of memory).
 */
struct apic_config {
	size_t size;
	unsigned cpu;
	uint32_t apic_id;
	bool bsp;
	bool x2apic_supported;
	uint64_t tsc_khz;
	uint64_t bus_khz;
	unsigned phys_addr_bits;
	bool pv_eoi;
};

struct apic;

/* Lifecycle. */
struct apic *apic_create(const struct apic_config *cfg,
			 const struct apic_ops *ops);
void apic_destroy(struct apic *apic);
/*
 * Power-on / INIT reset: registers to their reset values.
 * RESET (@init_only false): xAPIC mode at APIC_DEFAULT_BASE, APIC ID back
 * to the config's, pending events dropped, APs (not the BSP) wait for SIPI.
 * INIT (@init_only true): mode, base and current APIC ID kept, pending
 * events dropped, and the APIC waits for SIPI, the BSP too (SDM 10.4.7.3).
 */
void apic_reset(struct apic *apic, bool init_only);

/* Guest register access. @offset is within the 4 KiB page. @len 1, 2, 4 or 8. */
void apic_mmio_read(struct apic *apic, uint64_t offset, void *data,
		    unsigned len);
void apic_mmio_write(struct apic *apic, uint64_t offset, const void *data,
		     unsigned len);
/* True when physical address @gpa falls in this APIC's enabled xAPIC page. */
bool apic_mmio_claims(const struct apic *apic, uint64_t gpa);
uint64_t apic_base_msr(const struct apic *apic);
/*
 * CR8 is TPR[7:4] (SDM 10.8.6.1). With the APIC outside KVM, KVM keeps CR8
 * itself: the VMM hands the model what the guest wrote to CR8
 * (apic_set_cr8(): TPR[3:0] cleared, as a CR8 write does) and gives KVM the
 * model's TPR[7:4] before it runs the guest again (apic_get_cr8()).
 */
uint8_t apic_get_cr8(const struct apic *apic);
void apic_set_cr8(struct apic *apic, uint8_t cr8);
bool apic_x2apic_enabled(const struct apic *apic);

/*
 * MSR access (IA32_APIC_BASE, IA32_TSC_DEADLINE, 0x800-0x8ff).
 * -EINVAL: #GP. -ENOENT: @msr is none of these (not the model's).
 */
int apic_msr_read(struct apic *apic, uint32_t msr, uint64_t *value);
int apic_msr_write(struct apic *apic, uint32_t msr, uint64_t value);

/*
 * Interrupt acceptance, as the SDM orders it (owner thread).
 * apic_next_interrupt(): the vector the APIC would present to the core now
 * (highest IRR above PPR, APIC software-enabled), or -1.
 * apic_ack_interrupt(): the core takes it: IRR -> ISR, returns the vector
 * (or -1 when nothing is deliverable any more).
 */
int apic_next_interrupt(struct apic *apic);
int apic_ack_interrupt(struct apic *apic);

/*
 * KVM's paravirtual EOI (KVM_FEATURE_PV_EOI; apic_pv_eoi.c), owner thread.
 * The guest registers a byte of its RAM with MSR_KVM_PV_EOI_EN (handled by
 * apic_msr_read/write when the config has @pv_eoi). apic_pv_eoi_arm(),
 * right after the vector apic_ack_interrupt() returned was injected, sets
 * the byte when that EOI can be deferred: nothing else in service or in
 * IRR, and no level-triggered entry (TMR, LINT remote IRR) to tell. The
 * guest's EOI routine then clears the byte instead of writing the EOI
 * register. apic_pv_eoi_sync(), after every exit from the guest and before
 * the exit is handled, completes that EOI (true) or takes the byte back
 * when the guest has not EOIed yet (false).
 */
bool apic_pv_eoi_arm(struct apic *apic);
bool apic_pv_eoi_sync(struct apic *apic);

/*
 * Consume NMI / INIT / SIPI events (owner thread). Runs the timer too.
 * INIT is applied here (registers to their INIT state, wait-for-SIPI); the
 * caller resets the vCPU. Handle INIT first, then SIPI, then NMI.
 */
struct apic_events apic_take_events(struct apic *apic);

/*
 * Deliver an interrupt message to this APIC (any thread): fixed and
 * lowest-priority set the IRR bit (and TMR for level), NMI / INIT / SIPI set
 * events. Vectors 0-15 for fixed / lowest set ESR "receive illegal vector"
 * and are dropped. Calls ops->kick() when something became pending.
 */
void apic_deliver(struct apic *apic, uint8_t delivery_mode, uint8_t vector,
		  bool level_trigger);

/*
 * The LINT0/LINT1 pins (apic_lint.c). apic_set_lint(): a wire drove @pin
 * to @level (any thread; kicks on a change). What the LVT makes of it
 * happens on the owner thread at apic_take_events(): fixed (edge, or level
 * with remote IRR), NMI, INIT; ExtINT is level-sensed:
 * apic_extint_pending() (owner) says one is requested, apic_ack_extint()
 * takes it through ops->extint_ack (the 8259's INTA) and returns the
 * vector or -1. With the APIC hardware-disabled LINT0 is the INTR pin
 * (ExtINT) and LINT1 the NMI pin.
 */
void apic_set_lint(struct apic *apic, unsigned pin, bool level);
bool apic_extint_pending(struct apic *apic);
int apic_ack_extint(struct apic *apic);

/* The host timer armed through ops->timer_arm fired (any thread). */
void apic_timer_fire(struct apic *apic);
/* Owner thread: expire the timer if due (sets IRR), re-arm periodic mode. */
void apic_timer_poll(struct apic *apic, uint64_t now_ns);

/* True while the vCPU waits for SIPI after INIT (APs at power-on). */
bool apic_wait_for_sipi(const struct apic *apic);
void apic_set_wait_for_sipi(struct apic *apic, bool wait);

/* Published state read by the bus (any thread). */
uint32_t apic_id(const struct apic *apic);
unsigned apic_cpu(const struct apic *apic);
/* Arbitration priority for lowest-priority delivery (lower wins). */
unsigned apic_arb_priority(const struct apic *apic);

/*
 * struct apic_bus - every APIC of a VM; decodes ICR destinations.
 * Holds pointers only, the APICs stay owned by the caller.
 */
struct apic_bus;

struct apic_bus *apic_bus_create(unsigned nr_cpus);
void apic_bus_destroy(struct apic_bus *bus);
int apic_bus_attach(struct apic_bus *bus, struct apic *apic);
struct apic *apic_bus_get(const struct apic_bus *bus, unsigned cpu);
unsigned apic_bus_nr_cpus(const struct apic_bus *bus);

/**
 * apic_bus_route() - the vCPUs an IPI message reaches.
 * @bus:  the VM's APICs.
 * @ipi:  the message (shorthand, destination, mode, source).
 * @mask: out: target vCPU indices. For lowest-priority delivery exactly one
 *        CPU (lowest arbitration priority among the matches, ties broken
 *        by lowest index) or none.
 *
 * Physical: xAPIC 0xff and x2APIC 0xffffffff broadcast; logical: flat
 * (DFR model 0xf, 8-bit bitmap), cluster (DFR model 0x0: high nibble
 * cluster, low nibble bitmap, 0xff broadcast), x2APIC cluster (dest[31:16]
 * cluster, dest[15:0] bitmap vs LDR). APICs that are hardware-disabled never
 * match; software-disabled ones still accept NMI/INIT/SIPI (and fixed IRR
 * bits are not accepted: the SDM lets them be ignored). An INIT level
 * de-assert (INIT, level trigger, level 0) reaches nobody.
 * Return: 0, or -EINVAL for an undeliverable mode (SMI, remote read, ExtINT).
 */
int apic_bus_route(const struct apic_bus *bus, const struct apic_ipi *ipi,
		   struct cpumask *mask);

/* Decode a raw 64-bit ICR value (x2APIC layout; xAPIC: high<<32 | low). */
void apic_icr_decode(uint64_t icr, bool x2apic, unsigned source_cpu,
		     struct apic_ipi *ipi);

#endif
