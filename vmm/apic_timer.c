// SPDX-License-Identifier: MIT
/*
 * apic_timer.c - the local APIC timer: one-shot, periodic and TSC-deadline
 * modes (SDM 10.5.4), on top of one host timer (ops->timer_arm).
 *
 * The current count is derived from the clock instead of being stored, so a
 * masked timer keeps counting without host timer activity: the host timer
 * is only armed when an expiry would raise an interrupt.
 */
#include "apic_regs.h"
#include "muldiv.h"

#define NS_PER_MS 1000000ull

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

/*
 * Ticks and nanoseconds. ticks -> ns rounds up and ns -> ticks rounds down,
 * so at now >= anchor + ticks_to_ns(n) at least n ticks have elapsed: the
 * expiry time and the current count never disagree.
 */
static uint64_t ticks_to_ns(const struct apic *a, uint64_t ticks)
{
	return muldiv(ticks, a->timer.divisor * NS_PER_MS, a->cfg.bus_khz,
		      true);
}

static uint64_t ns_to_ticks(const struct apic *a, uint64_t ns)
{
	return muldiv(ns, a->cfg.bus_khz, a->timer.divisor * NS_PER_MS, false);
}

static unsigned timer_mode(uint32_t lvt)
{
	return (lvt & LVT_TIMER_MODE) >> LVT_TIMER_MODE_SHIFT;
}

/* DCR bits 3,1,0 encode divide by 2^(n+1), with 0b111 meaning 1. */
static uint32_t dcr_divisor(uint32_t dcr)
{
	uint32_t n = ((dcr & 8) >> 1) | (dcr & 3);

	return n == 7 ? 1 : 2u << n;
}

static uint64_t now_ns(const struct apic *a)
{
	return a->ops.now_ns(a->ops.opaque);
}

static uint64_t elapsed_ticks(const struct apic *a, uint64_t now)
{
	const struct apic_timer *t = &a->timer;

	return now > t->anchor_ns ? ns_to_ticks(a, now - t->anchor_ns) : 0;
}

/* Current count at @now in one-shot/periodic mode. */
static uint32_t count_at(const struct apic *a, uint64_t now)
{
	const struct apic_timer *t = &a->timer;
	uint64_t el;

	if (!t->running)
		return 0;
	el = elapsed_ticks(a, now);
	if (el < t->base)
		return (uint32_t)(t->base - el);
	if (timer_mode(a->lvt[APIC_LVT_TIMER]) != APIC_TIMER_PERIODIC)
		return 0;
	return t->tmict - (uint32_t)((el - t->base) % t->tmict);
}

/* First expiry strictly after @now in one-shot/periodic mode, or NONE. */
static uint64_t expiry_after(const struct apic *a, uint64_t now)
{
	const struct apic_timer *t = &a->timer;
	uint64_t el, k, ticks;

	if (!t->running)
		return APIC_TIMER_NONE;
	el = elapsed_ticks(a, now);
	if (el < t->base)
		return sat_add(t->anchor_ns, ticks_to_ns(a, t->base));
	if (timer_mode(a->lvt[APIC_LVT_TIMER]) != APIC_TIMER_PERIODIC)
		return APIC_TIMER_NONE;
	/* Missed periods coalesce into the one IRR bit already raised. */
	k = (el - t->base) / t->tmict + 1;
	if (__builtin_mul_overflow(k, (uint64_t)t->tmict, &ticks))
		return APIC_TIMER_NONE;
	return sat_add(t->anchor_ns, ticks_to_ns(a, sat_add(ticks, t->base)));
}

/* Restart counting from @count at @now (divider or mode change). */
static void reanchor(struct apic *a, uint64_t now, uint32_t count)
{
	struct apic_timer *t = &a->timer;

	t->anchor_ns = now;
	t->base = count;
	t->running = count != 0;
	t->next_ns = count ? sat_add(now, ticks_to_ns(a, count))
			   : APIC_TIMER_NONE;
}

/* Arm, move or cancel the host timer to match what can interrupt. */
static void sync_host_timer(struct apic *a)
{
	struct apic_timer *t = &a->timer;
	uint64_t want = 0;

	if (t->next_ns != APIC_TIMER_NONE &&
	    !(a->lvt[APIC_LVT_TIMER] & LVT_MASKED))
		want = t->next_ns ? t->next_ns : 1; /* 0 would mean cancel */
	if (want == t->armed_ns)
		return;
	t->armed_ns = want;
	a->ops.timer_arm(a->ops.opaque, a->cfg.cpu, want);
}

/**
 * apic_timer_service() - expire the timer if it is due, then re-arm.
 * @a:   the APIC (owner thread).
 * @now: the current time (ops->now_ns clock).
 *
 * An expiry raises the LVT timer interrupt unless the entry is masked. A
 * one-shot count stops, a periodic one goes on, a TSC deadline disarms and
 * clears IA32_TSC_DEADLINE.
 */
void apic_timer_service(struct apic *a, uint64_t now)
{
	struct apic_timer *t = &a->timer;

	if (t->next_ns != APIC_TIMER_NONE && now >= t->next_ns) {
		if (timer_mode(a->lvt[APIC_LVT_TIMER]) ==
		    APIC_TIMER_TSC_DEADLINE) {
			t->deadline = 0;
			t->next_ns = APIC_TIMER_NONE;
		} else {
			t->next_ns = expiry_after(a, now);
			if (t->next_ns == APIC_TIMER_NONE)
				t->running = false;
		}
		apic_local_irq(a, APIC_LVT_TIMER); /* no-op when masked */
	}
	sync_host_timer(a);
}

/* Stop everything and cancel the host timer (RESET, INIT, disable). */
void apic_timer_reset(struct apic *a)
{
	struct apic_timer *t = &a->timer;

	t->tmict = 0;
	t->dcr = 0;
	t->divisor = dcr_divisor(0);
	t->running = false;
	t->anchor_ns = 0;
	t->base = 0;
	t->next_ns = APIC_TIMER_NONE;
	t->deadline = 0;
	if (t->armed_ns) {
		t->armed_ns = 0;
		a->ops.timer_arm(a->ops.opaque, a->cfg.cpu, 0);
	}
}

/* Current-count register: 0 when stopped and always in TSC-deadline mode. */
uint32_t apic_timer_ccr(struct apic *a)
{
	if (timer_mode(a->lvt[APIC_LVT_TIMER]) == APIC_TIMER_TSC_DEADLINE)
		return 0;
	return count_at(a, now_ns(a));
}

/* Initial-count write: (re)start or, with 0, stop. Ignored in TSC mode. */
void apic_timer_write_tmict(struct apic *a, uint32_t value)
{
	uint64_t now;

	if (timer_mode(a->lvt[APIC_LVT_TIMER]) == APIC_TIMER_TSC_DEADLINE)
		return;
	now = now_ns(a);
	apic_timer_service(a, now); /* an overdue expiry still interrupts */
	a->timer.tmict = value;
	reanchor(a, now, value);
	sync_host_timer(a);
}

/* Divide-configuration write: the count goes on from where it is. */
void apic_timer_write_dcr(struct apic *a, uint32_t value)
{
	uint64_t now = now_ns(a);
	uint32_t count;

	apic_timer_service(a, now);
	count = count_at(a, now);
	a->timer.dcr = value & DCR_WRITABLE;
	a->timer.divisor = dcr_divisor(a->timer.dcr);
	if (a->timer.running)
		reanchor(a, now, count);
	sync_host_timer(a);
}

/**
 * apic_timer_write_lvt() - store the LVT timer entry (already masked to
 * its writable bits and forced masked when software-disabled).
 * @a:     the APIC (owner thread).
 * @value: the new entry.
 *
 * Entering or leaving TSC-deadline mode disarms the timer (SDM 10.5.4.1);
 * one-shot <-> periodic keeps the count going under the new mode.
 */
void apic_timer_write_lvt(struct apic *a, uint32_t value)
{
	struct apic_timer *t = &a->timer;
	uint32_t old = a->lvt[APIC_LVT_TIMER];
	unsigned from = timer_mode(old), to = timer_mode(value);
	uint64_t now = now_ns(a);

	apic_timer_service(a, now); /* under the old entry */
	if (from != to) {
		if (from == APIC_TIMER_TSC_DEADLINE ||
		    to == APIC_TIMER_TSC_DEADLINE) {
			t->tmict = 0;
			t->deadline = 0;
			t->running = false;
			t->next_ns = APIC_TIMER_NONE;
		} else if (t->running) {
			reanchor(a, now, count_at(a, now));
		}
	}
	a->lvt[APIC_LVT_TIMER] = value;
	sync_host_timer(a);
}

/* RDMSR IA32_TSC_DEADLINE: 0 outside TSC-deadline mode or once expired. */
uint64_t apic_timer_read_deadline(struct apic *a)
{
	if (timer_mode(a->lvt[APIC_LVT_TIMER]) != APIC_TIMER_TSC_DEADLINE)
		return 0;
	apic_timer_service(a, now_ns(a));
	return a->timer.deadline;
}

/*
 * WRMSR IA32_TSC_DEADLINE: ignored outside TSC-deadline mode; 0 disarms;
 * a deadline already passed expires at once.
 */
void apic_timer_write_deadline(struct apic *a, uint64_t value)
{
	struct apic_timer *t = &a->timer;
	uint64_t now, tsc;

	if (timer_mode(a->lvt[APIC_LVT_TIMER]) != APIC_TIMER_TSC_DEADLINE)
		return;
	now = now_ns(a);
	apic_timer_service(a, now);
	t->deadline = value;
	if (!value) {
		t->next_ns = APIC_TIMER_NONE;
	} else {
		tsc = a->ops.guest_tsc(a->ops.opaque, a->cfg.cpu);
		t->next_ns = value <= tsc
				     ? now
				     : sat_add(now, muldiv(value - tsc, NS_PER_MS,
							   a->cfg.tsc_khz, true));
	}
	apic_timer_service(a, now);
}

/**
 * apic_timer_fire() - the host timer fired (any thread).
 * @apic: the APIC.
 *
 * Only flags it and kicks the owner, which expires the timer in
 * apic_take_events() or apic_timer_poll().
 */
void apic_timer_fire(struct apic *apic)
{
	unsigned old = atomic_fetch_or_explicit(&apic->pending, APIC_EVENT_TIMER,
						memory_order_acq_rel);

	if (!(old & APIC_EVENT_TIMER))
		apic->ops.kick(apic->ops.opaque, apic->cfg.cpu);
}

/**
 * apic_timer_poll() - expire the timer if due and re-arm (owner thread).
 * @apic:   the APIC.
 * @now_ns: the current time (ops->now_ns clock).
 *
 * Consumes a pending apic_timer_fire(): the host timer is then known to be
 * idle, so it is re-armed if anything is still ahead.
 */
void apic_timer_poll(struct apic *apic, uint64_t now_ns)
{
	unsigned old = atomic_fetch_and_explicit(&apic->pending,
						 ~APIC_EVENT_TIMER,
						 memory_order_acq_rel);

	if (old & APIC_EVENT_TIMER)
		apic->timer.armed_ns = 0;
	apic_timer_service(apic, now_ns);
}
