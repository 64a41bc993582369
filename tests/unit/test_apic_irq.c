// SPDX-License-Identifier: MIT
/*
 * test_apic_irq.c - interrupt acceptance and delivery in one local APIC
 * (vmm/apic_irq.c): PPR and APR, acceptance by priority class, ISR nesting,
 * TMR, NMI, INIT/SIPI and when a delivery kicks.
 * Routing across APICs is test_apic_bus.c.
 */
#include "apic_fixture.h"

/* ------------------------------------------------------------- priority */

START_TEST(test_ppr_rules)
{
	sw_enable(A);
	xwr(A, APIC_REG_TPR, 0x45);
	ck_assert_uint_eq(xrd(A, APIC_REG_PPR), 0x45);
	apic_deliver(A, APIC_DM_FIXED, 0x61, false);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x61);
	/* ISRV class 6 > TPR class 4: PPR = ISRV class, subclass 0. */
	ck_assert_uint_eq(xrd(A, APIC_REG_PPR), 0x60);
	xwr(A, APIC_REG_TPR, 0x6f); /* equal class: TPR wins, all 8 bits */
	ck_assert_uint_eq(xrd(A, APIC_REG_PPR), 0x6f);
	xwr(A, APIC_REG_TPR, 0x5f);
	ck_assert_uint_eq(xrd(A, APIC_REG_PPR), 0x60);
	xwr(A, APIC_REG_TPR, 0x71);
	ck_assert_uint_eq(xrd(A, APIC_REG_PPR), 0x71);
	xwr(A, APIC_REG_EOI, 0);
	xwr(A, APIC_REG_TPR, 0x0);
	ck_assert_uint_eq(xrd(A, APIC_REG_PPR), 0);
}
END_TEST

START_TEST(test_acceptance_by_class)
{
	sw_enable(A);
	xwr(A, APIC_REG_TPR, 0x4f);
	apic_deliver(A, APIC_DM_FIXED, 0x45, false);
	ck_assert_int_eq(apic_next_interrupt(A), -1); /* class 4 == TPR's */
	ck_assert_int_eq(apic_ack_interrupt(A), -1);
	apic_deliver(A, APIC_DM_FIXED, 0x50, false);
	ck_assert_int_eq(apic_next_interrupt(A), 0x50);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x50);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	xwr(A, APIC_REG_EOI, 0);
	xwr(A, APIC_REG_TPR, 0x3f);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x45);
	ck_assert_uint_eq(xrd(A, APIC_REG_ISR + 0x20), 1u << 5);
	ck_assert_uint_eq(xrd(A, APIC_REG_IRR + 0x20), 0);
}
END_TEST

START_TEST(test_isr_nesting)
{
	sw_enable(A);
	apic_deliver(A, APIC_DM_FIXED, 0x31, false);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x31);
	apic_deliver(A, APIC_DM_FIXED, 0x32, false);
	ck_assert_int_eq(apic_next_interrupt(A), -1); /* same class waits */
	apic_deliver(A, APIC_DM_FIXED, 0x71, false);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x71); /* higher nests */
	ck_assert_uint_eq(xrd(A, APIC_REG_ISR + 0x10), 1u << 17);
	ck_assert_uint_eq(xrd(A, APIC_REG_ISR + 0x30), 1u << 17);
	ck_assert_uint_eq(xrd(A, APIC_REG_PPR), 0x70);
	xwr(A, APIC_REG_EOI, 0); /* retires 0x71, the highest */
	ck_assert_uint_eq(xrd(A, APIC_REG_ISR + 0x30), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_ISR + 0x10), 1u << 17);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	xwr(A, APIC_REG_EOI, 0);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x32);
	xwr(A, APIC_REG_EOI, 0);
	xwr(A, APIC_REG_EOI, 0); /* EOI with nothing in service: no-op */
	ck_assert_uint_eq(xrd(A, APIC_REG_ISR + 0x10), 0);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
}
END_TEST

START_TEST(test_highest_first)
{
	sw_enable(A);
	apic_deliver(A, APIC_DM_FIXED, 0x20, false);
	apic_deliver(A, APIC_DM_FIXED, 0xff, false);
	apic_deliver(A, APIC_DM_LOWEST, 0x80, false);
	ck_assert_uint_eq(irr_word(A, 1), 1);
	ck_assert_uint_eq(irr_word(A, 4), 1);
	ck_assert_uint_eq(irr_word(A, 7), 0x80000000);
	ck_assert_int_eq(apic_ack_interrupt(A), 0xff);
	ck_assert_int_eq(apic_ack_interrupt(A), -1);
	xwr(A, APIC_REG_EOI, 0);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x80);
	xwr(A, APIC_REG_EOI, 0);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x20);
	xwr(A, APIC_REG_EOI, 0);
	ck_assert_int_eq(apic_ack_interrupt(A), -1);
}
END_TEST

START_TEST(test_tmr_and_sw_disable)
{
	sw_enable(A);
	apic_deliver(A, APIC_DM_FIXED, 0x41, true);
	apic_deliver(A, APIC_DM_FIXED, 0xff, true);
	apic_deliver(A, APIC_DM_FIXED, 0x20, false);
	ck_assert_uint_eq(xrd(A, APIC_REG_TMR + 0x20), 2);
	ck_assert_uint_eq(xrd(A, APIC_REG_TMR + 0x70), 0x80000000);
	ck_assert_uint_eq(xrd(A, APIC_REG_TMR + 0x10), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_IRR + 0x20), 2);
	/* An edge redelivery of a level vector clears its TMR bit. */
	apic_deliver(A, APIC_DM_FIXED, 0x41, false);
	ck_assert_uint_eq(xrd(A, APIC_REG_TMR + 0x20), 0);
	ck_assert_uint_eq(mock_kicks(&M, 0), 3); /* coalesced: no kick */

	/* Software disabled: IRR held but nothing presented; new dropped. */
	xwr(A, APIC_REG_SVR, 0xff);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	apic_deliver(A, APIC_DM_FIXED, 0x90, false);
	ck_assert_uint_eq(xrd(A, APIC_REG_IRR + 0x40), 0);
	ck_assert_uint_eq(mock_kicks(&M, 0), 3);
	sw_enable(A);
	ck_assert_int_eq(apic_next_interrupt(A), 0xff);
}
END_TEST

START_TEST(test_apr)
{
	sw_enable(A);
	xwr(A, APIC_REG_TPR, 0x35);
	ck_assert_uint_eq(xrd(A, APIC_REG_APR), 0x35);
	ck_assert_uint_eq(apic_arb_priority(A), 0x35);
	apic_deliver(A, APIC_DM_FIXED, 0x51, false); /* IRRV class above */
	ck_assert_uint_eq(xrd(A, APIC_REG_APR), 0x50);
	ck_assert_uint_eq(apic_arb_priority(A), 0x50);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x51); /* now ISRV 0x51 */
	ck_assert_uint_eq(xrd(A, APIC_REG_APR), 0x50);
	ck_assert_uint_eq(apic_arb_priority(A), 0x50);
	xwr(A, APIC_REG_TPR, 0x56); /* TPR class == ISRV class: not > */
	ck_assert_uint_eq(xrd(A, APIC_REG_APR), 0x50);
	xwr(A, APIC_REG_TPR, 0x66);
	ck_assert_uint_eq(xrd(A, APIC_REG_APR), 0x66);
	ck_assert_uint_eq(apic_arb_priority(A), 0x66);
	apic_deliver(A, APIC_DM_FIXED, 0x65, false); /* IRRV class == TPR's */
	ck_assert_uint_eq(xrd(A, APIC_REG_APR), 0x66);
	xwr(A, APIC_REG_TPR, 0x10); /* max(1, 5, 6) */
	ck_assert_uint_eq(xrd(A, APIC_REG_APR), 0x60);
	ck_assert_uint_eq(apic_arb_priority(A), 0x60);
}
END_TEST

/* --------------------------------------------------------------- events */

START_TEST(test_nmi_and_dropped_modes)
{
	struct apic_events ev;
	unsigned kicks;

	apic_deliver(A, APIC_DM_NMI, 0, false);
	ev = apic_take_events(A);
	ck_assert_uint_eq(ev.mask, APIC_EVENT_NMI);
	ck_assert_uint_eq(ev.nmis, 1);
	ck_assert_uint_eq(mock_kicks(&M, 0), 1);
	/* Two before the owner looks: both count (one to serve, one latched);
	 * a third is lost, as on hardware. */
	apic_deliver(A, APIC_DM_NMI, 0, false);
	apic_deliver(A, APIC_DM_NMI, 0, false);
	apic_deliver(A, APIC_DM_NMI, 0, false);
	ck_assert_uint_eq(mock_kicks(&M, 0), 3);
	ev = apic_take_events(A);
	ck_assert_uint_eq(ev.mask, APIC_EVENT_NMI);
	ck_assert_uint_eq(ev.nmis, 2);
	ev = apic_take_events(A);
	ck_assert_uint_eq(ev.mask, 0);
	ck_assert_uint_eq(ev.nmis, 0);
	/* INIT drops pending NMIs, the latched one too. */
	apic_deliver(A, APIC_DM_NMI, 0, false);
	apic_deliver(A, APIC_DM_NMI, 0, false);
	apic_deliver(A, APIC_DM_INIT, 0, false);
	ev = apic_take_events(A);
	ck_assert_uint_eq(ev.mask, APIC_EVENT_INIT);
	ck_assert_uint_eq(ev.nmis, 0);
	kicks = mock_kicks(&M, 0);
	/* NMI reaches a software-disabled APIC (reset state here). */
	apic_deliver(A, APIC_DM_SMI, 0x30, false);
	apic_deliver(A, APIC_DM_REMOTE_READ, 0x30, false);
	apic_deliver(A, APIC_DM_EXTINT, 0x30, false);
	apic_deliver(A, 0x9, 0x30, false);
	ck_assert_uint_eq(mock_kicks(&M, 0), kicks);
	ck_assert_uint_eq(apic_take_events(A).mask, 0);
	ck_assert_uint_eq(irr_word(A, 1), 0);
}
END_TEST

START_TEST(test_init_sipi_sequence)
{
	struct apic *ap = mock_apic(&M, 1, 1, false);
	struct apic_events ev;

	/* AP at power-on waits for SIPI and takes the first one only. */
	apic_deliver(ap, APIC_DM_STARTUP, 0x08, false);
	apic_deliver(ap, APIC_DM_STARTUP, 0x09, false);
	ck_assert_uint_eq(mock_kicks(&M, 1), 1);
	ck_assert(!apic_wait_for_sipi(ap));
	ev = apic_take_events(ap);
	ck_assert_uint_eq(ev.mask, APIC_EVENT_SIPI);
	ck_assert_uint_eq(ev.sipi_vector, 0x08);

	/* INIT, SIPI, SIPI while running: INIT state, then the first SIPI. */
	sw_enable(ap);
	xwr(ap, APIC_REG_TPR, 0x20);
	xwr(ap, APIC_REG_ID, 0x05000000);
	apic_deliver(ap, APIC_DM_NMI, 0, false); /* superseded by INIT */
	apic_deliver(ap, APIC_DM_INIT, 0, true);
	ck_assert(apic_wait_for_sipi(ap));
	apic_deliver(ap, APIC_DM_STARTUP, 0x10, false);
	apic_deliver(ap, APIC_DM_STARTUP, 0x11, false);
	ev = apic_take_events(ap);
	ck_assert_uint_eq(ev.mask, APIC_EVENT_INIT | APIC_EVENT_SIPI);
	ck_assert_uint_eq(ev.sipi_vector, 0x10);
	ck_assert_uint_eq(xrd(ap, APIC_REG_TPR), 0);
	ck_assert_uint_eq(xrd(ap, APIC_REG_SVR), 0xff);
	ck_assert_uint_eq(xrd(ap, APIC_REG_ID), 0x05000000);
	ck_assert(!apic_wait_for_sipi(ap));

	/* INIT alone leaves it waiting. */
	apic_deliver(ap, APIC_DM_INIT, 0, false);
	ev = apic_take_events(ap);
	ck_assert_uint_eq(ev.mask, APIC_EVENT_INIT);
	ck_assert(apic_wait_for_sipi(ap));
	apic_set_wait_for_sipi(ap, false);
	apic_deliver(ap, APIC_DM_STARTUP, 0x12, false);
	ck_assert_uint_eq(apic_take_events(ap).mask, 0);
	apic_set_wait_for_sipi(ap, true);
	apic_deliver(ap, APIC_DM_STARTUP, 0x12, false);
	ck_assert_uint_eq(apic_take_events(ap).sipi_vector, 0x12);
	apic_destroy(ap);
}
END_TEST

START_TEST(test_bsp_init)
{
	struct apic_events ev;

	/* A running BSP refuses SIPI; INIT puts it in wait-for-SIPI too. */
	apic_deliver(A, APIC_DM_STARTUP, 0x08, false);
	ck_assert_uint_eq(mock_kicks(&M, 0), 0);
	ck_assert_uint_eq(apic_take_events(A).mask, 0);
	to_x2apic(A);
	apic_deliver(A, APIC_DM_INIT, 0, false);
	ev = apic_take_events(A);
	ck_assert_uint_eq(ev.mask, APIC_EVENT_INIT);
	ck_assert(apic_wait_for_sipi(A));
	ck_assert(apic_x2apic_enabled(A)); /* INIT keeps the mode */
	ck_assert_uint_eq(apic_base_msr(A) & APIC_BASE_BSP, APIC_BASE_BSP);
}
END_TEST

START_TEST(test_kick_on_new_irr_only)
{
	sw_enable(A);
	apic_deliver(A, APIC_DM_FIXED, 0x40, false);
	apic_deliver(A, APIC_DM_FIXED, 0x40, false);
	ck_assert_uint_eq(mock_kicks(&M, 0), 1);
	apic_deliver(A, APIC_DM_FIXED, 0x41, false);
	ck_assert_uint_eq(mock_kicks(&M, 0), 2);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x41);
	apic_deliver(A, APIC_DM_FIXED, 0x41, false); /* in ISR, not IRR */
	ck_assert_uint_eq(mock_kicks(&M, 0), 3);
	ck_assert_uint_eq(irr_word(A, 2), 3);
}
END_TEST

static Suite *apic_irq_suite(void)
{
	Suite *s = suite_create("apic_irq");
	TCase *tc;

	tc = tcase_create("priority");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ppr_rules);
	tcase_add_test(tc, test_acceptance_by_class);
	tcase_add_test(tc, test_isr_nesting);
	tcase_add_test(tc, test_highest_first);
	tcase_add_test(tc, test_tmr_and_sw_disable);
	tcase_add_test(tc, test_apr);
	suite_add_tcase(s, tc);

	tc = tcase_create("events");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_nmi_and_dropped_modes);
	tcase_add_test(tc, test_init_sipi_sequence);
	tcase_add_test(tc, test_bsp_init);
	tcase_add_test(tc, test_kick_on_new_irr_only);
	suite_add_tcase(s, tc);

	return s;
}

CHECK_MAIN(apic_irq_suite)
