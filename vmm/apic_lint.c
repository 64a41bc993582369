// SPDX-License-Identifier: MIT
/*
 * apic_lint.c - the local APIC's LINT0 and LINT1 input pins and what their
 * LVT entries make of them (SDM 10.5.1): fixed (edge, or level with the
 * LVT's remote IRR, set when the vector is accepted and cleared by its
 * EOI, after which a still-asserted line interrupts again), NMI, INIT,
 * ExtINT (level-sensed: the vector comes from the 8259's INTA through
 * apic_ops.extint_ack), SMI (dropped). The polarity bit picks which level
 * asserts. With the APIC hardware-disabled the pins pass straight through,
 * LINT0 as the processor's INTR (ExtINT) and LINT1 as its NMI.
 *
 * Other threads (the PIC's) only record the wire's level and a rise or
 * fall bit in the atomic pending word and kick; the owner turns asserting
 * edges (a rise, or a fall for an active-low entry) into interrupts when it
 * takes events, so a pulse it never saw high still counts once.
 */
#include "apic_regs.h"

static bool line_high(const struct apic *a, unsigned pin)
{
	return atomic_load_explicit(&a->pending, memory_order_acquire) &
	       APIC_PEND_LINT_LEVEL(pin);
}

/* The pin's wire asserted, by its LVT polarity. Owner. */
static bool asserted(const struct apic *a, unsigned pin)
{
	bool active_low = a->lvt[APIC_LVT_LINT0 + pin] & LVT_POLARITY;

	return line_high(a, pin) != active_low;
}

static unsigned lvt_mode(uint32_t lvt)
{
	return (lvt & LVT_DELIVERY_MODE) >> 8;
}

/**
 * apic_set_lint() - a wire drove LINT @pin (0 or 1) to @level (any thread).
 * @apic:  the APIC.
 * @pin:   0 or 1; others are ignored.
 * @level: the electrical level.
 */
void apic_set_lint(struct apic *apic, unsigned pin, bool level)
{
	unsigned bit, old;

	if (pin > 1)
		return;
	bit = APIC_PEND_LINT_LEVEL(pin);
	if (level)
		old = atomic_fetch_or_explicit(&apic->pending, bit,
					       memory_order_acq_rel);
	else
		old = atomic_fetch_and_explicit(&apic->pending, ~bit,
						memory_order_acq_rel);
	if (((old & bit) != 0) == level)
		return; /* no change on the wire */
	atomic_fetch_or_explicit(&apic->pending,
				 level ? APIC_PEND_LINT_ROSE(pin)
				       : APIC_PEND_LINT_FELL(pin),
				 memory_order_acq_rel);
	apic->ops.kick(apic->ops.opaque, apic->cfg.cpu);
}

/* A level-triggered fixed LINT: deliver while asserted and not in service. */
static void fixed_level(struct apic *a, unsigned pin)
{
	uint32_t *lvt = &a->lvt[APIC_LVT_LINT0 + pin];

	if ((*lvt & (LVT_MASKED | LVT_REMOTE_IRR)) || !asserted(a, pin) ||
	    lvt_mode(*lvt) != APIC_DM_FIXED || !(*lvt & LVT_LEVEL_TRIGGER))
		return;
	apic_local_irq(a, APIC_LVT_LINT0 + pin);
	if ((*lvt & LVT_VECTOR) >= 16)
		*lvt |= LVT_REMOTE_IRR;
}

/* The wire of @pin became asserted (owner). */
static void assert_edge(struct apic *a, unsigned pin)
{
	uint32_t lvt = a->lvt[APIC_LVT_LINT0 + pin];

	if (!apic_hw_enabled(a)) { /* through-pass: LINT1 is the NMI pin */
		if (pin == 1)
			apic_raise_nmi(a);
		return;
	}
	if (lvt & LVT_MASKED)
		return;
	switch (lvt_mode(lvt)) {
	case APIC_DM_FIXED:
		if (lvt & LVT_LEVEL_TRIGGER)
			fixed_level(a, pin);
		else
			apic_local_irq(a, APIC_LVT_LINT0 + pin);
		break;
	case APIC_DM_NMI:
		apic_raise_nmi(a);
		break;
	case APIC_DM_INIT:
		apic_deliver(a, APIC_DM_INIT, 0, false);
		break;
	default: /* ExtINT is sensed by level; SMI is not modelled */
		break;
	}
}

/**
 * apic_lint_service() - turn LINT wire changes into interrupts (owner).
 * @a: the APIC.
 *
 * Called first thing by apic_take_events(), so the NMI or INIT a pin
 * raises is taken in the same call.
 */
void apic_lint_service(struct apic *a)
{
	unsigned old = atomic_fetch_and_explicit(&a->pending,
						 ~APIC_PEND_LINT_EDGES,
						 memory_order_acq_rel);

	for (unsigned pin = 0; pin < 2; pin++) {
		bool active_low = a->lvt[APIC_LVT_LINT0 + pin] & LVT_POLARITY;
		unsigned edge = active_low ? APIC_PEND_LINT_FELL(pin)
					   : APIC_PEND_LINT_ROSE(pin);

		if (!apic_hw_enabled(a))
			edge = APIC_PEND_LINT_ROSE(pin); /* the bare pins */
		if (old & edge)
			assert_edge(a, pin);
	}
}

/**
 * apic_lint_eoi() - the guest EOIed @vector (owner): a level-triggered
 * fixed LINT entry of that vector leaves service, and interrupts again if
 * its wire is still asserted.
 */
void apic_lint_eoi(struct apic *a, uint8_t vector)
{
	for (unsigned pin = 0; pin < 2; pin++) {
		uint32_t *lvt = &a->lvt[APIC_LVT_LINT0 + pin];

		if (!(*lvt & LVT_REMOTE_IRR) || (*lvt & LVT_VECTOR) != vector)
			continue;
		*lvt &= ~LVT_REMOTE_IRR;
		fixed_level(a, pin);
	}
}

/**
 * apic_lint_lvt_written() - a LINT LVT was written (owner): keep remote
 * IRR while the entry stays level-triggered fixed, and deliver an
 * asserted level line that the write unmasked.
 * @a:   the APIC.
 * @pin: 0 or 1.
 * @old: the entry before the write.
 */
void apic_lint_lvt_written(struct apic *a, unsigned pin, uint32_t old)
{
	uint32_t *lvt = &a->lvt[APIC_LVT_LINT0 + pin];

	if ((old & LVT_REMOTE_IRR) && (*lvt & LVT_LEVEL_TRIGGER) &&
	    lvt_mode(*lvt) == APIC_DM_FIXED)
		*lvt |= LVT_REMOTE_IRR;
	fixed_level(a, pin);
}

/**
 * apic_extint_pending() - an ExtINT is being requested (owner): LINT0 or
 * LINT1 programmed ExtINT, unmasked and asserted, or, with the APIC
 * hardware-disabled, LINT0 (the processor's INTR) high.
 */
bool apic_extint_pending(struct apic *apic)
{
	if (!apic_hw_enabled(apic))
		return line_high(apic, 0);
	for (unsigned pin = 0; pin < 2; pin++) {
		uint32_t lvt = apic->lvt[APIC_LVT_LINT0 + pin];

		if (!(lvt & LVT_MASKED) && lvt_mode(lvt) == APIC_DM_EXTINT &&
		    asserted(apic, pin))
			return true;
	}
	return false;
}

/**
 * apic_ack_extint() - the processor takes the ExtINT (owner): the 8259's
 * INTA cycle through apic_ops.extint_ack.
 * Return: the vector, or -1 when nothing is requested or there is no PIC.
 */
int apic_ack_extint(struct apic *apic)
{
	if (!apic_extint_pending(apic) || !apic->ops.extint_ack)
		return -1;
	return apic->ops.extint_ack(apic->ops.opaque, apic->cfg.cpu);
}
