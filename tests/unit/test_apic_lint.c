// SPDX-License-Identifier: MIT
/*
 * test_apic_lint.c - the local APIC's LINT0/LINT1 pins (vmm/apic_lint.c):
 * fixed edge and level (remote IRR, redelivery after EOI while asserted,
 * kept across an LVT rewrite), NMI, ExtINT through the 8259's INTA
 * (ops.extint_ack), masking, polarity, the hardware-disabled through-pass
 * (LINT0 = INTR, LINT1 = NMI), wire levels surviving a reset, and a wire
 * toggled from another thread while the owner takes events.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "apic_mock.h"
#include "apic_regs.h"
#include "check_main.h"

#define LVT0 APIC_REG_LVT_LINT0
#define LVT1 APIC_REG_LVT_LINT1
#define DM_NMI (4u << 8)
#define DM_EXTINT (7u << 8)

static struct mock M;
static unsigned extint_acks;

static int mock_extint_ack(void *opaque, unsigned cpu)
{
	(void)opaque;
	(void)cpu;
	extint_acks++;
	return 0x38; /* what a PIC programmed with base 0x38 says for IR0 */
}

static struct apic *make_apic(void)
{
	struct apic_config cfg = {
		.size = sizeof(cfg), .cpu = 0, .apic_id = 0, .bsp = true,
		.x2apic_supported = true, .tsc_khz = MOCK_TSC_KHZ,
		.bus_khz = MOCK_BUS_KHZ,
	};
	struct apic_ops ops;
	struct apic *a;

	mock_init(&M);
	extint_acks = 0;
	ops = mock_ops(&M);
	ops.extint_ack = mock_extint_ack;
	a = apic_create(&cfg, &ops);
	ck_assert_ptr_nonnull(a);
	xwr(a, APIC_REG_SVR, 0x1ff);
	return a;
}

static bool irr(struct apic *a, unsigned v)
{
	return xrd(a, APIC_REG_IRR + 0x10 * (v / 32)) & (1u << (v % 32));
}

static bool tmr(struct apic *a, unsigned v)
{
	return xrd(a, APIC_REG_TMR + 0x10 * (v / 32)) & (1u << (v % 32));
}

/* Take the next interrupt and EOI it; return its vector (or -1). */
static int take(struct apic *a)
{
	int v = apic_ack_interrupt(a);

	if (v >= 0)
		xwr(a, APIC_REG_EOI, 0);
	return v;
}

START_TEST(test_fixed_edge)
{
	struct apic *a = make_apic();

	xwr(a, LVT0, 0x40);
	apic_set_lint(a, 0, true);
	ck_assert_uint_eq(mock_kicks(&M, 0), 1);
	ck_assert(!irr(a, 0x40)); /* the owner has not looked yet */
	(void)apic_take_events(a);
	ck_assert(irr(a, 0x40));
	ck_assert(!tmr(a, 0x40));
	ck_assert_int_eq(take(a), 0x40);
	/* Still high: no new edge. */
	apic_set_lint(a, 0, true);
	(void)apic_take_events(a);
	ck_assert_int_eq(apic_next_interrupt(a), -1);
	/* Low, high: one more. */
	apic_set_lint(a, 0, false);
	apic_set_lint(a, 0, true);
	(void)apic_take_events(a);
	ck_assert_int_eq(take(a), 0x40);
	ck_assert_int_eq(apic_next_interrupt(a), -1);
	apic_destroy(a);
}
END_TEST

START_TEST(test_fixed_level_remote_irr)
{
	struct apic *a = make_apic();

	xwr(a, LVT1, 0x41 | LVT_LEVEL_TRIGGER);
	apic_set_lint(a, 1, true);
	(void)apic_take_events(a);
	ck_assert(irr(a, 0x41));
	ck_assert(tmr(a, 0x41));
	ck_assert(xrd(a, LVT1) & LVT_REMOTE_IRR);
	ck_assert_int_eq(apic_ack_interrupt(a), 0x41);
	/* Rewriting the entry (same trigger) keeps remote IRR. */
	xwr(a, LVT1, 0x41 | LVT_LEVEL_TRIGGER);
	ck_assert(xrd(a, LVT1) & LVT_REMOTE_IRR);
	ck_assert(!irr(a, 0x41));
	/* EOI while the wire is still asserted: it comes again. */
	xwr(a, APIC_REG_EOI, 0);
	ck_assert(irr(a, 0x41));
	ck_assert(xrd(a, LVT1) & LVT_REMOTE_IRR);
	/* Quiet the wire, take it, EOI: remote IRR clear, nothing more. */
	apic_set_lint(a, 1, false);
	(void)apic_take_events(a);
	ck_assert_int_eq(take(a), 0x41);
	ck_assert(!(xrd(a, LVT1) & LVT_REMOTE_IRR));
	ck_assert_int_eq(apic_next_interrupt(a), -1);
	apic_destroy(a);
}
END_TEST

START_TEST(test_masked_and_unmask)
{
	struct apic *a = make_apic();

	/* Masked edge entry: the edge is lost. */
	xwr(a, LVT0, LVT_MASKED | 0x42);
	apic_set_lint(a, 0, true);
	(void)apic_take_events(a);
	xwr(a, LVT0, 0x42);
	(void)apic_take_events(a);
	ck_assert_int_eq(apic_next_interrupt(a), -1);
	apic_set_lint(a, 0, false);
	/* Masked level entry with the wire asserted: delivered on unmask. */
	xwr(a, LVT1, LVT_MASKED | LVT_LEVEL_TRIGGER | 0x43);
	apic_set_lint(a, 1, true);
	(void)apic_take_events(a);
	ck_assert_int_eq(apic_next_interrupt(a), -1);
	xwr(a, LVT1, LVT_LEVEL_TRIGGER | 0x43);
	ck_assert_int_eq(apic_next_interrupt(a), 0x43);
	/* An illegal vector is an error, not an interrupt. */
	apic_set_lint(a, 0, true);
	xwr(a, LVT0, 0x05);
	apic_set_lint(a, 0, false);
	apic_set_lint(a, 0, true);
	(void)apic_take_events(a);
	ck_assert(xesr(a) & APIC_ESR_RECV_ILLEGAL_VECTOR);
	apic_destroy(a);
}
END_TEST

START_TEST(test_nmi_and_polarity)
{
	struct apic *a = make_apic();
	struct apic_events ev;

	xwr(a, LVT1, DM_NMI);
	apic_set_lint(a, 1, true);
	ev = apic_take_events(a);
	ck_assert(ev.mask & APIC_EVENT_NMI);
	ck_assert_uint_eq(ev.nmis, 1);
	apic_set_lint(a, 1, false);
	ev = apic_take_events(a);
	ck_assert(!(ev.mask & APIC_EVENT_NMI));
	/* Active low: the falling wire asserts. */
	xwr(a, LVT1, DM_NMI | LVT_POLARITY);
	apic_set_lint(a, 1, true);
	ev = apic_take_events(a);
	ck_assert(!(ev.mask & APIC_EVENT_NMI));
	apic_set_lint(a, 1, false);
	ev = apic_take_events(a);
	ck_assert(ev.mask & APIC_EVENT_NMI);
	apic_destroy(a);
}
END_TEST

START_TEST(test_extint)
{
	struct apic *a = make_apic();

	xwr(a, LVT0, DM_EXTINT);
	ck_assert(!apic_extint_pending(a));
	ck_assert_int_eq(apic_ack_extint(a), -1);
	ck_assert_uint_eq(extint_acks, 0);
	apic_set_lint(a, 0, true);
	ck_assert(apic_extint_pending(a));
	/* Not an IRR vector: the APIC's priorities do not hold it. */
	ck_assert_int_eq(apic_next_interrupt(a), -1);
	xwr(a, APIC_REG_TPR, 0xf0);
	ck_assert_int_eq(apic_ack_extint(a), 0x38);
	ck_assert_uint_eq(extint_acks, 1);
	xwr(a, APIC_REG_TPR, 0);
	/* Masked: not requested. */
	xwr(a, LVT0, DM_EXTINT | LVT_MASKED);
	ck_assert(!apic_extint_pending(a));
	/* LINT1 may carry ExtINT too; active low. */
	xwr(a, LVT1, DM_EXTINT | LVT_POLARITY);
	ck_assert(apic_extint_pending(a)); /* LINT1's wire is low */
	apic_set_lint(a, 1, true);
	ck_assert(!apic_extint_pending(a));
	apic_set_lint(a, 0, false);
	apic_destroy(a);
}
END_TEST

START_TEST(test_hw_disabled_through_pass)
{
	struct apic *a = make_apic();
	struct apic_events ev;

	ck_assert_int_eq(apic_msr_write(a, MSR_IA32_APIC_BASE,
					APIC_DEFAULT_BASE | APIC_BASE_BSP),
			 0);
	apic_set_lint(a, 0, true);
	ck_assert(apic_extint_pending(a)); /* LINT0 is INTR */
	ck_assert_int_eq(apic_ack_extint(a), 0x38);
	apic_set_lint(a, 1, true);
	ev = apic_take_events(a);
	ck_assert(ev.mask & APIC_EVENT_NMI); /* LINT1 is the NMI pin */
	apic_destroy(a);
}
END_TEST

START_TEST(test_wires_survive_reset)
{
	struct apic *a = make_apic();

	apic_set_lint(a, 0, true);
	apic_reset(a, false);
	xwr(a, APIC_REG_SVR, 0x1ff);
	xwr(a, LVT0, DM_EXTINT);
	ck_assert(apic_extint_pending(a));
	apic_set_lint(a, 0, false);
	ck_assert(!apic_extint_pending(a));
	apic_destroy(a);
}
END_TEST

struct toggler {
	struct apic *a;
	atomic_bool done;
	unsigned flips;
};

static void *toggle(void *arg)
{
	struct toggler *t = arg;

	for (; t->flips < 200000; t->flips++)
		apic_set_lint(t->a, t->flips & 2 ? 1 : 0, t->flips & 1);
	atomic_store(&t->done, true);
	return NULL;
}

START_TEST(test_wire_from_another_thread)
{
	struct apic *a = make_apic();
	struct toggler t = { .a = a };
	pthread_t th;
	unsigned taken = 0;

	xwr(a, LVT0, 0x50);                      /* edge */
	xwr(a, LVT1, LVT_LEVEL_TRIGGER | 0x51);  /* level */
	atomic_init(&t.done, false);
	ck_assert_int_eq(pthread_create(&th, NULL, toggle, &t), 0);
	/* The owner takes events for as long as the wires move (on 2 host
	 * cores the toggler may also run before or after all of it). */
	while (!atomic_load(&t.done)) {
		(void)apic_take_events(a);
		if (take(a) >= 0)
			taken++;
	}
	pthread_join(th, NULL);
	/* Quiet wires and a drained APIC: nothing left in service, and the
	 * edges latched meanwhile were taken. */
	apic_set_lint(a, 0, false);
	apic_set_lint(a, 1, false);
	for (unsigned i = 0; i < 8; i++) {
		(void)apic_take_events(a);
		if (take(a) >= 0)
			taken++;
	}
	ck_assert_uint_gt(taken, 0);
	ck_assert_int_eq(apic_next_interrupt(a), -1);
	ck_assert(!(xrd(a, LVT1) & LVT_REMOTE_IRR));
	apic_destroy(a);
}
END_TEST

static Suite *lint_suite(void)
{
	Suite *s = suite_create("apic_lint");
	TCase *tc = tcase_create("lint");

	tcase_add_test(tc, test_fixed_edge);
	tcase_add_test(tc, test_fixed_level_remote_irr);
	tcase_add_test(tc, test_masked_and_unmask);
	tcase_add_test(tc, test_nmi_and_polarity);
	tcase_add_test(tc, test_extint);
	tcase_add_test(tc, test_hw_disabled_through_pass);
	tcase_add_test(tc, test_wires_survive_reset);
	tcase_add_test(tc, test_wire_from_another_thread);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(lint_suite)
