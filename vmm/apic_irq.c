// SPDX-License-Identifier: MIT
/*
 * apic_irq.c - interrupt acceptance: IRR/TMR/ISR, TPR/PPR/APR, EOI, the
 * error and local (LVT) interrupts, and the NMI/INIT/SIPI event word.
 *
 * IRR, TMR and the event word are atomics written by any thread; ISR, TPR
 * and the LVTs are the owner's. Only the owner clears IRR bits, so a bit it
 * has seen set stays set until it takes it.
 */
#include "apic_regs.h"

static int highest_bit(uint32_t w, unsigned word)
{
	return (int)(word * 32 + 31 - (unsigned)__builtin_clz(w));
}

/* Highest vector set in the IRR, or -1 (any thread). */
int apic_highest_irr(const struct apic *a)
{
	for (unsigned i = 8; i-- > 0;) {
		uint32_t w = atomic_load_explicit(&a->irr[i],
						  memory_order_acquire);
		if (w)
			return highest_bit(w, i);
	}
	return -1;
}

/* Highest vector in service, or -1 (owner). */
int apic_highest_isr(const struct apic *a)
{
	for (unsigned i = 8; i-- > 0;)
		if (a->isr[i])
			return highest_bit(a->isr[i], i);
	return -1;
}

/* PPR as SDM 10.8.3.1 defines it: TPR unless the in-service class is higher. */
uint32_t apic_ppr(const struct apic *a)
{
	int isrv = apic_highest_isr(a);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	if ((a->tpr & 0xf0) >= isr_class)
		return a->tpr;
	return isr_class;
}

/*
 * APR (SDM 10.6.2.4): TPR when it dominates both the highest pending and
 * the highest in-service class; otherwise the highest of the three classes.
 * The SDM prints "max(TPR[7:4] AND ISRV[7:4], IRRV[7:4])"; a bitwise AND
 * would rank a CPU servicing class 2 under TPR class 1 as idle (1 & 2 = 0),
 * so it is read as the larger of TPR and ISRV, as the surrounding text
 * ("whichever is higher") intends.
 */
static uint32_t apr_of(uint32_t tpr, int isrv, int irrv)
{
	uint32_t t = tpr >> 4;
	uint32_t s = isrv < 0 ? 0 : (uint32_t)isrv >> 4;
	uint32_t r = irrv < 0 ? 0 : (uint32_t)irrv >> 4;
	uint32_t m;

	if (t >= r && t > s)
		return tpr;
	m = t > s ? t : s;
	return (r > m ? r : m) << 4;
}

uint32_t apic_apr(const struct apic *a)
{
	return apr_of(a->tpr, apic_highest_isr(a), apic_highest_irr(a));
}

/* Publish TPR and ISRV for lowest-priority arbitration by other threads. */
void apic_publish_prio(struct apic *a)
{
	int isrv = apic_highest_isr(a);
	unsigned v = a->tpr | (isrv < 0 ? 0u : (unsigned)isrv << 8);

	atomic_store_explicit(&a->pub_prio, v, memory_order_release);
}

/**
 * apic_arb_priority() - arbitration priority for lowest-priority delivery.
 * @apic: the APIC (any thread; reads the published TPR/ISRV and the IRR).
 *
 * Return: the APR value (0-255); the lowest one wins.
 */
unsigned apic_arb_priority(const struct apic *apic)
{
	unsigned p = atomic_load_explicit(&apic->pub_prio, memory_order_acquire);
	int isrv = (p >> 8) ? (int)(p >> 8) : -1;

	return apr_of(p & 0xff, isrv, apic_highest_irr(apic));
}

/* Set IRR bit @vector (TMR per @level). Return: true if newly pending. */
static bool set_irr(struct apic *a, uint8_t vector, bool level)
{
	unsigned w = vector / 32;
	uint32_t bit = 1u << (vector % 32);
	uint32_t old;

	/* TMR first: the owner reads it after it has seen the IRR bit. */
	if (level)
		atomic_fetch_or_explicit(&a->tmr[w], bit, memory_order_relaxed);
	else
		atomic_fetch_and_explicit(&a->tmr[w], ~bit,
					  memory_order_relaxed);
	old = atomic_fetch_or_explicit(&a->irr[w], bit, memory_order_release);
	return !(old & bit);
}

/* Set event bits @bits. Return: true if any of them was newly set. */
static bool raise_event(struct apic *a, unsigned bits)
{
	unsigned old = atomic_fetch_or_explicit(&a->pending, bits,
						memory_order_acq_rel);

	return (old & bits) != bits;
}

/**
 * apic_set_error() - record ESR bits detected on the owner thread.
 * @a:        the APIC.
 * @esr_bits: APIC_ESR_* bits.
 *
 * Errors are collected whatever the LVT error mask; the interrupt is only
 * raised when it is unmasked (SDM 10.5.3).
 */
void apic_set_error(struct apic *a, uint32_t esr_bits)
{
	atomic_fetch_or_explicit(&a->esr_pending, esr_bits,
				 memory_order_relaxed);
	apic_local_irq(a, APIC_LVT_ERROR);
}

/**
 * apic_local_irq() - raise the interrupt of one LVT entry (owner thread).
 * @a:   the APIC.
 * @lvt: which entry (the model raises the timer and the error entries).
 *
 * A masked entry raises nothing. An illegal vector (0-15) is not accepted
 * and sets "receive illegal vector" (which in turn raises the error LVT,
 * unless that is the entry at fault). No kick: the owner is running and
 * looks at apic_next_interrupt() before it re-enters the guest.
 */
void apic_local_irq(struct apic *a, enum apic_lvt lvt)
{
	uint32_t v = a->lvt[lvt];
	uint8_t vector = (uint8_t)(v & LVT_VECTOR);

	if (v & LVT_MASKED)
		return;
	if (vector < 16) {
		atomic_fetch_or_explicit(&a->esr_pending,
					 APIC_ESR_RECV_ILLEGAL_VECTOR,
					 memory_order_relaxed);
		if (lvt != APIC_LVT_ERROR)
			apic_local_irq(a, APIC_LVT_ERROR);
		return;
	}
	/* Only the LINT entries have a trigger mode bit. */
	set_irr(a, vector, (v & LVT_LEVEL_TRIGGER) != 0);
}

/* Turn a receive error flagged by another thread into the LVT interrupt. */
static void sync_errors(struct apic *a)
{
	unsigned old;

	if (!(atomic_load_explicit(&a->pending, memory_order_relaxed) &
	      APIC_PEND_ERROR))
		return;
	old = atomic_fetch_and_explicit(&a->pending, ~APIC_PEND_ERROR,
					memory_order_acq_rel);
	if (old & APIC_PEND_ERROR)
		apic_local_irq(a, APIC_LVT_ERROR);
}

static void deliver_init(struct apic *a)
{
	unsigned old = atomic_load_explicit(&a->pending, memory_order_relaxed);
	unsigned new;

	/* INIT supersedes an NMI or SIPI not yet taken, and arms SIPI. */
	do {
		new = (old & ~(APIC_EVENT_NMI | APIC_PEND_NMI2 |
			       APIC_EVENT_SIPI | APIC_PEND_SIPI_VECTOR)) |
		      APIC_EVENT_INIT | APIC_PEND_WAIT_SIPI;
	} while (!atomic_compare_exchange_weak_explicit(
		&a->pending, &old, new, memory_order_acq_rel,
		memory_order_relaxed));
	if (new != old)
		a->ops.kick(a->ops.opaque, a->cfg.cpu);
}

static void deliver_sipi(struct apic *a, uint8_t vector)
{
	unsigned old = atomic_load_explicit(&a->pending, memory_order_relaxed);
	unsigned new;

	/* Only a processor waiting for SIPI takes one, and only the first. */
	do {
		if (!(old & APIC_PEND_WAIT_SIPI))
			return;
		new = (old & ~(APIC_PEND_WAIT_SIPI | APIC_PEND_SIPI_VECTOR)) |
		      APIC_EVENT_SIPI | (unsigned)vector << APIC_PEND_SIPI_SHIFT;
	} while (!atomic_compare_exchange_weak_explicit(
		&a->pending, &old, new, memory_order_acq_rel,
		memory_order_relaxed));
	a->ops.kick(a->ops.opaque, a->cfg.cpu);
}

/*
 * An NMI for this processor (any thread): one in service is latched as a
 * second, a third is lost, as on hardware.
 */
void apic_raise_nmi(struct apic *apic)
{
	if (raise_event(apic, APIC_EVENT_NMI))
		apic->ops.kick(apic->ops.opaque, apic->cfg.cpu);
	else if (raise_event(apic, APIC_PEND_NMI2)) /* latched */
		apic->ops.kick(apic->ops.opaque, apic->cfg.cpu);
}

/**
 * apic_deliver() - accept one interrupt message (any thread).
 * @apic:          the target APIC.
 * @delivery_mode: enum apic_delivery_mode; SMI, remote read and ExtINT are
 *                 not modelled and are dropped.
 * @vector:        the vector (fixed, lowest priority) or SIPI page.
 * @level_trigger: level-triggered (sets the TMR bit, else clears it).
 *
 * A hardware-disabled APIC accepts nothing; a software-disabled one drops
 * fixed and lowest-priority messages (SDM 10.4.7.2 lets it). A vector 0-15
 * sets ESR "receive illegal vector" and is dropped. An identical vector
 * already pending in the IRR coalesces (no second kick).
 */
void apic_deliver(struct apic *apic, uint8_t delivery_mode, uint8_t vector,
		  bool level_trigger)
{
	unsigned flags = apic_pub_flags(apic);

	if (!(flags & APIC_PUB_HW_ENABLED))
		return;
	switch (delivery_mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		if (!(flags & APIC_PUB_SW_ENABLED))
			return;
		if (vector < 16) {
			atomic_fetch_or_explicit(&apic->esr_pending,
						 APIC_ESR_RECV_ILLEGAL_VECTOR,
						 memory_order_relaxed);
			if (raise_event(apic, APIC_PEND_ERROR))
				apic->ops.kick(apic->ops.opaque, apic->cfg.cpu);
			return;
		}
		if (set_irr(apic, vector, level_trigger))
			apic->ops.kick(apic->ops.opaque, apic->cfg.cpu);
		return;
	case APIC_DM_NMI:
		apic_raise_nmi(apic);
		return;
	case APIC_DM_INIT:
		deliver_init(apic);
		return;
	case APIC_DM_STARTUP:
		deliver_sipi(apic, vector);
		return;
	default:
		return;
	}
}

/**
 * apic_next_interrupt() - the vector the APIC would present now (owner).
 * @apic: the APIC.
 *
 * Return: the highest IRR vector whose class is above the PPR class, when
 * the APIC is hardware- and software-enabled; otherwise -1.
 */
int apic_next_interrupt(struct apic *apic)
{
	int irrv;

	sync_errors(apic);
	if (!apic_hw_enabled(apic) || !apic_sw_enabled(apic))
		return -1;
	irrv = apic_highest_irr(apic);
	if (irrv < 0 || ((uint32_t)irrv & 0xf0) <= (apic_ppr(apic) & 0xf0))
		return -1;
	return irrv;
}

/**
 * apic_ack_interrupt() - the core takes the next interrupt (owner).
 * @apic: the APIC.
 *
 * Return: the vector moved from IRR to ISR, or -1 if none is deliverable.
 */
int apic_ack_interrupt(struct apic *apic)
{
	int v = apic_next_interrupt(apic);
	uint32_t bit;

	if (v < 0)
		return -1;
	bit = 1u << (v % 32);
	atomic_fetch_and_explicit(&apic->irr[v / 32], ~bit,
				  memory_order_acq_rel);
	apic->isr[v / 32] |= bit;
	apic_publish_prio(apic);
	return v;
}

/*
 * EOI: retire the highest in-service vector. A level-triggered one (its TMR
 * bit set when it was accepted) is also broadcast to the I/O APICs, which
 * clear their remote IRR for it; after the ISR update, so a redelivery the
 * broadcast causes sees the vector out of service.
 */
void apic_eoi(struct apic *a)
{
	int v = apic_highest_isr(a);
	uint32_t bit;

	if (v < 0)
		return;
	bit = 1u << (v % 32);
	a->isr[v / 32] &= ~bit;
	apic_publish_prio(a);
	apic_lint_eoi(a, (uint8_t)v);
	if (a->ops.eoi_broadcast &&
	    (atomic_load_explicit(&a->tmr[v / 32], memory_order_relaxed) & bit))
		a->ops.eoi_broadcast(a->ops.opaque, a->cfg.cpu, (uint8_t)v);
}

/**
 * apic_take_events() - consume pending NMI/INIT/SIPI events (owner).
 * @apic: the APIC.
 *
 * INIT is applied here: the registers go to their INIT state (ID and mode
 * kept) and the APIC waits for SIPI. A fired host timer is serviced and a
 * receive error raises the error LVT; neither is reported in the mask.
 * When several events come back, handle INIT first, then SIPI, then NMI.
 *
 * Return: the events (APIC_EVENT_NMI/INIT/SIPI) and the SIPI vector.
 */
struct apic_events apic_take_events(struct apic *apic)
{
	struct apic_events ev = { 0 };
	unsigned old;

	apic_lint_service(apic); /* may raise NMI or INIT: taken below */
	old = atomic_fetch_and_explicit(&apic->pending,
					APIC_PEND_WAIT_SIPI |
						APIC_PEND_LINT_LEVELS |
						APIC_PEND_LINT_EDGES,
					memory_order_acq_rel);

	if (old & APIC_EVENT_INIT) {
		apic_reset_regs(apic);
		/* Not in apic_reset_regs(): mode changes keep the word. */
		apic_pv_eoi_reset(apic);
	}
	if (old & APIC_EVENT_TIMER) {
		apic->timer.armed_ns = 0; /* the host timer has fired */
		apic_timer_service(apic, apic->ops.now_ns(apic->ops.opaque));
	}
	if (old & APIC_PEND_ERROR)
		apic_local_irq(apic, APIC_LVT_ERROR);
	ev.mask = old & (APIC_EVENT_NMI | APIC_EVENT_INIT | APIC_EVENT_SIPI);
	/* (A second NMI can land just after a take cleared the first.) */
	ev.nmis = (uint8_t)(!!(old & APIC_EVENT_NMI) + !!(old & APIC_PEND_NMI2));
	if (ev.nmis)
		ev.mask |= APIC_EVENT_NMI;
	if (old & APIC_EVENT_SIPI)
		ev.sipi_vector = (uint8_t)(old >> APIC_PEND_SIPI_SHIFT);
	return ev;
}

/**
 * apic_wait_for_sipi() - whether the processor waits for SIPI (any thread).
 * @apic: the APIC.
 *
 * Return: true after RESET (APs) or INIT until a SIPI is accepted.
 */
bool apic_wait_for_sipi(const struct apic *apic)
{
	return (atomic_load_explicit(&apic->pending, memory_order_acquire) &
		APIC_PEND_WAIT_SIPI) != 0;
}

/**
 * apic_set_wait_for_sipi() - set or leave the wait-for-SIPI state.
 * @apic: the APIC.
 * @wait: true to accept the next SIPI, false to refuse SIPIs.
 */
void apic_set_wait_for_sipi(struct apic *apic, bool wait)
{
	if (wait)
		atomic_fetch_or_explicit(&apic->pending, APIC_PEND_WAIT_SIPI,
					 memory_order_acq_rel);
	else
		atomic_fetch_and_explicit(&apic->pending, ~APIC_PEND_WAIT_SIPI,
					  memory_order_acq_rel);
}
