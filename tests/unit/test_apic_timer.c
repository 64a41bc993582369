// SPDX-License-Identifier: MIT
/*
 * test_apic_timer.c - the local APIC timer (vmm/apic_timer.c): one-shot, periodic and
 * TSC-deadline modes, the divider, masked counts, early host fires,
 * rounding, and reset.
 * Routing across APICs is test_apic_bus.c.
 */
#include "apic_fixture.h"

/* ---------------------------------------------------------------- timer */

static uint64_t last_arm(void)
{
	ck_assert_uint_gt(M.nr_arms, 0);
	ck_assert_uint_eq(M.arms[M.nr_arms - 1].cpu, 0);
	return M.arms[M.nr_arms - 1].deadline_ns;
}

START_TEST(test_timer_oneshot)
{
	uint64_t t0 = M.now;
	struct apic_events ev;

	sw_enable(A);
	xwr(A, APIC_REG_TIMER_DCR, 0xb); /* divide by 1 */
	xwr(A, APIC_REG_LVT_TIMER, 0x40);
	xwr(A, APIC_REG_TIMER_ICR, 1000);
	ck_assert_uint_eq(M.nr_arms, 1);
	ck_assert_uint_eq(last_arm(), t0 + 1000);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 1000);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_ICR), 1000);
	M.now = t0 + 250;
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 750);
	M.now = t0 + 999;
	apic_timer_poll(A, M.now);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	M.now = t0 + 1000;
	apic_timer_fire(A);
	ck_assert_uint_eq(mock_kicks(&M, 0), 1);
	ev = apic_take_events(A);
	ck_assert_uint_eq(ev.mask, 0); /* the timer flag is internal */
	ck_assert_int_eq(apic_next_interrupt(A), 0x40);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 0);
	ck_assert_uint_eq(M.nr_arms, 1); /* one-shot: nothing re-armed */
	M.now = t0 + 5000;
	apic_timer_poll(A, M.now);
	ck_assert_uint_eq(M.nr_arms, 1);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_ICR), 1000);
}
END_TEST

START_TEST(test_timer_divide_encodings)
{
	static const uint32_t dcr[8] = { 0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xa, 0xb };
	static const uint32_t div[8] = { 2, 4, 8, 16, 32, 64, 128, 1 };

	sw_enable(A);
	xwr(A, APIC_REG_LVT_TIMER, 0x40);
	for (unsigned i = 0; i < 8; i++) {
		uint64_t t0 = M.now;

		xwr(A, APIC_REG_TIMER_DCR, dcr[i] | 0x4); /* bit 2 reserved */
		ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_DCR), dcr[i]);
		xwr(A, APIC_REG_TIMER_ICR, 100);
		ck_assert_uint_eq(last_arm(), t0 + 100 * div[i]);
		M.now = t0 + 10 * div[i];
		ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 90);
		M.now = t0 + 10 * div[i] + div[i] - 1; /* ticks are whole */
		ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 90);
		M.now = t0 + 100 * div[i];
		apic_timer_poll(A, M.now);
		ck_assert_int_eq(apic_ack_interrupt(A), 0x40);
		xwr(A, APIC_REG_EOI, 0);
		M.now += 1000;
	}
}
END_TEST

START_TEST(test_timer_periodic)
{
	uint64_t t0 = M.now;

	sw_enable(A);
	xwr(A, APIC_REG_TIMER_DCR, 0xb);
	xwr(A, APIC_REG_LVT_TIMER, 0x20040);
	ck_assert_uint_eq(xrd(A, APIC_REG_LVT_TIMER), 0x20040);
	xwr(A, APIC_REG_TIMER_ICR, 100);
	ck_assert_uint_eq(last_arm(), t0 + 100);
	M.now = t0 + 100;
	apic_timer_fire(A);
	apic_take_events(A);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x40);
	xwr(A, APIC_REG_EOI, 0);
	ck_assert_uint_eq(last_arm(), t0 + 200);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 100); /* reloaded */
	M.now = t0 + 150;
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 50);
	/* Late by several periods: one interrupt, next period boundary. */
	M.now = t0 + 1050;
	apic_timer_fire(A);
	apic_take_events(A);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x40);
	ck_assert_int_eq(apic_ack_interrupt(A), -1);
	ck_assert_uint_eq(last_arm(), t0 + 1100);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 50);
	/* Writing 0 stops it and cancels the host timer. */
	xwr(A, APIC_REG_TIMER_ICR, 0);
	ck_assert_uint_eq(last_arm(), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 0);
}
END_TEST

START_TEST(test_timer_masked_counts)
{
	uint64_t t0 = M.now;

	sw_enable(A);
	xwr(A, APIC_REG_TIMER_DCR, 0xb);
	xwr(A, APIC_REG_LVT_TIMER, 0x30040); /* masked periodic */
	xwr(A, APIC_REG_TIMER_ICR, 100);
	ck_assert_uint_eq(M.nr_arms, 0); /* nothing to interrupt */
	M.now = t0 + 40;
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 60);
	M.now = t0 + 230;
	apic_timer_poll(A, M.now);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 70);
	/* Unmasked mid-period: armed at the period's end. */
	xwr(A, APIC_REG_LVT_TIMER, 0x20040);
	ck_assert_uint_eq(M.nr_arms, 1);
	ck_assert_uint_eq(last_arm(), t0 + 300);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	/* Software disable masks the LVT: the host timer is cancelled. */
	xwr(A, APIC_REG_SVR, 0xff);
	ck_assert_uint_eq(last_arm(), 0);
	M.now = t0 + 310;
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 90);
}
END_TEST

START_TEST(test_timer_oneshot_masked_expiry_is_lost)
{
	uint64_t t0 = M.now;

	sw_enable(A);
	xwr(A, APIC_REG_TIMER_DCR, 0xb);
	xwr(A, APIC_REG_LVT_TIMER, 0x10040);
	xwr(A, APIC_REG_TIMER_ICR, 100);
	M.now = t0 + 150;
	xwr(A, APIC_REG_LVT_TIMER, 0x40); /* expired while masked */
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	ck_assert_uint_eq(M.nr_arms, 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 0);
}
END_TEST

START_TEST(test_timer_mode_and_divider_changes)
{
	uint64_t t0 = M.now;

	sw_enable(A);
	xwr(A, APIC_REG_TIMER_DCR, 0xb);
	xwr(A, APIC_REG_LVT_TIMER, 0x40);
	xwr(A, APIC_REG_TIMER_ICR, 1000);
	/* The divider changes mid-count: the count goes on from 600. */
	M.now = t0 + 400;
	xwr(A, APIC_REG_TIMER_DCR, 0x0); /* divide by 2 */
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 600);
	ck_assert_uint_eq(last_arm(), t0 + 400 + 1200);
	M.now = t0 + 600;
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 500);
	/* One-shot -> periodic mid-count: reloads after this count. */
	xwr(A, APIC_REG_LVT_TIMER, 0x20040);
	M.now = t0 + 1600;
	apic_timer_poll(A, M.now);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x40);
	xwr(A, APIC_REG_EOI, 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 1000);
	ck_assert_uint_eq(last_arm(), t0 + 1600 + 2000);
	/* Periodic -> one-shot: this period ends it. */
	xwr(A, APIC_REG_LVT_TIMER, 0x40);
	M.now = t0 + 3600;
	apic_timer_poll(A, M.now);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x40);
	xwr(A, APIC_REG_EOI, 0);
	M.now = t0 + 9000;
	apic_timer_poll(A, M.now);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 0);
}
END_TEST

START_TEST(test_timer_illegal_vector)
{
	sw_enable(A);
	xwr(A, APIC_REG_TIMER_DCR, 0xb);
	xwr(A, APIC_REG_LVT_TIMER, 0x05);
	xwr(A, APIC_REG_TIMER_ICR, 10);
	M.now += 10;
	apic_timer_poll(A, M.now);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	ck_assert_uint_eq(xesr(A), 0x40);
}
END_TEST

START_TEST(test_timer_tsc_deadline)
{
	uint64_t v, t0 = M.now;

	sw_enable(A);
	M.tsc[0] = 10000;
	/* Outside TSC-deadline mode the MSR reads 0 and ignores writes. */
	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_TSC_DEADLINE, 12000), 0);
	ck_assert_int_eq(apic_msr_read(A, MSR_IA32_TSC_DEADLINE, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_uint_eq(M.nr_arms, 0);

	xwr(A, APIC_REG_LVT_TIMER, 0x40040);
	ck_assert_uint_eq(xrd(A, APIC_REG_LVT_TIMER), 0x40040);
	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_TSC_DEADLINE, 12000), 0);
	/* 2000 TSC ticks at 2 GHz: 1000 ns. */
	ck_assert_uint_eq(last_arm(), t0 + 1000);
	ck_assert_int_eq(apic_msr_read(A, MSR_IA32_TSC_DEADLINE, &v), 0);
	ck_assert_uint_eq(v, 12000);
	/* The count registers are inert in this mode. */
	xwr(A, APIC_REG_TIMER_ICR, 500);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_ICR), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 0);
	M.now = t0 + 1000;
	M.tsc[0] = 12000;
	apic_timer_fire(A);
	apic_take_events(A);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x40);
	xwr(A, APIC_REG_EOI, 0);
	ck_assert_int_eq(apic_msr_read(A, MSR_IA32_TSC_DEADLINE, &v), 0);
	ck_assert_uint_eq(v, 0); /* disarmed by the expiry */

	/* A deadline already passed fires at once. */
	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_TSC_DEADLINE, 5), 0);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x40);
	xwr(A, APIC_REG_EOI, 0);

	/* Writing 0 disarms and cancels the host timer. */
	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_TSC_DEADLINE, 14000), 0);
	ck_assert_uint_eq(last_arm(), M.now + 1000);
	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_TSC_DEADLINE, 0), 0);
	ck_assert_uint_eq(last_arm(), 0);
	M.now += 5000;
	apic_timer_poll(A, M.now);
	ck_assert_int_eq(apic_next_interrupt(A), -1);

	/* Leaving TSC-deadline mode disarms too. */
	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_TSC_DEADLINE, 99000), 0);
	ck_assert_uint_ne(last_arm(), 0);
	xwr(A, APIC_REG_LVT_TIMER, 0x40);
	ck_assert_uint_eq(last_arm(), 0);
	xwr(A, APIC_REG_LVT_TIMER, 0x40040);
	ck_assert_int_eq(apic_msr_read(A, MSR_IA32_TSC_DEADLINE, &v), 0);
	ck_assert_uint_eq(v, 0);
}
END_TEST

START_TEST(test_timer_tsc_deadline_masked)
{
	uint64_t v;

	sw_enable(A);
	M.tsc[0] = 0;
	xwr(A, APIC_REG_LVT_TIMER, 0x50040); /* masked TSC-deadline */
	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_TSC_DEADLINE, 2000), 0);
	ck_assert_uint_eq(M.nr_arms, 0);
	ck_assert_int_eq(apic_msr_read(A, MSR_IA32_TSC_DEADLINE, &v), 0);
	ck_assert_uint_eq(v, 2000);
	M.now += 1000;
	ck_assert_int_eq(apic_msr_read(A, MSR_IA32_TSC_DEADLINE, &v), 0);
	ck_assert_uint_eq(v, 0); /* expired silently */
	ck_assert_int_eq(apic_next_interrupt(A), -1);
}
END_TEST

START_TEST(test_timer_fire_flag)
{
	apic_timer_fire(A);
	apic_timer_fire(A);
	ck_assert_uint_eq(mock_kicks(&M, 0), 1);
	apic_timer_poll(A, M.now);
	apic_timer_fire(A);
	ck_assert_uint_eq(mock_kicks(&M, 1), 0);
	ck_assert_uint_eq(mock_kicks(&M, 0), 2);
	ck_assert_uint_eq(M.nr_arms, 0);
}
END_TEST

START_TEST(test_timer_early_host_fire_rearms)
{
	uint64_t t0 = M.now;

	sw_enable(A);
	xwr(A, APIC_REG_TIMER_DCR, 0xb);
	xwr(A, APIC_REG_LVT_TIMER, 0x40);
	xwr(A, APIC_REG_TIMER_ICR, 1000);
	/* The host timer fires early: nothing due, so it is re-armed. */
	M.now = t0 + 990;
	apic_timer_fire(A);
	apic_take_events(A);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	ck_assert_uint_eq(M.nr_arms, 2);
	ck_assert_uint_eq(last_arm(), t0 + 1000);
}
END_TEST

START_TEST(test_timer_rounding)
{
	/* 3 GHz timer input and TSC: a tick is a third of a nanosecond. */
	struct apic_config cfg = {
		.size = sizeof(cfg), .cpu = 1, .apic_id = 1,
		.x2apic_supported = true, .tsc_khz = 3000000,
		.bus_khz = 3000000,
	};
	struct apic_ops ops = mock_ops(&M);
	struct apic *a = apic_create(&cfg, &ops);
	uint64_t t0 = M.now;

	ck_assert_ptr_nonnull(a);
	sw_enable(a);
	xwr(a, APIC_REG_TIMER_DCR, 0xb);
	xwr(a, APIC_REG_LVT_TIMER, 0x40);
	xwr(a, APIC_REG_TIMER_ICR, 10); /* 3.33 ns: armed at the 4th */
	ck_assert_uint_eq(M.arms[M.nr_arms - 1].deadline_ns, t0 + 4);
	M.now = t0 + 3; /* 9 ticks: one to go */
	apic_timer_poll(a, M.now);
	ck_assert_int_eq(apic_next_interrupt(a), -1);
	ck_assert_uint_eq(xrd(a, APIC_REG_TIMER_CCR), 1);
	M.now = t0 + 4;
	apic_timer_poll(a, M.now);
	ck_assert_int_eq(apic_ack_interrupt(a), 0x40);
	ck_assert_uint_eq(xrd(a, APIC_REG_TIMER_CCR), 0);
	xwr(a, APIC_REG_EOI, 0);

	/* TSC deadline 10 ticks ahead: also rounded up to 4 ns. */
	M.tsc[1] = 1000;
	xwr(a, APIC_REG_LVT_TIMER, 0x40040);
	ck_assert_int_eq(apic_msr_write(a, MSR_IA32_TSC_DEADLINE, 1010), 0);
	ck_assert_uint_eq(M.arms[M.nr_arms - 1].deadline_ns, M.now + 4);
	apic_destroy(a);
}
END_TEST

START_TEST(test_timer_reset_cancels)
{
	sw_enable(A);
	xwr(A, APIC_REG_LVT_TIMER, 0x40);
	xwr(A, APIC_REG_TIMER_ICR, 1000);
	ck_assert_uint_ne(last_arm(), 0);
	apic_deliver(A, APIC_DM_INIT, 0, false);
	apic_take_events(A);
	ck_assert_uint_eq(last_arm(), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_ICR), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_LVT_TIMER), 0x10000);
}
END_TEST

static Suite *apic_timer_suite(void)
{
	Suite *s = suite_create("apic_timer");
	TCase *tc;

	tc = tcase_create("timer");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_timer_oneshot);
	tcase_add_test(tc, test_timer_divide_encodings);
	tcase_add_test(tc, test_timer_periodic);
	tcase_add_test(tc, test_timer_masked_counts);
	tcase_add_test(tc, test_timer_oneshot_masked_expiry_is_lost);
	tcase_add_test(tc, test_timer_mode_and_divider_changes);
	tcase_add_test(tc, test_timer_illegal_vector);
	tcase_add_test(tc, test_timer_tsc_deadline);
	tcase_add_test(tc, test_timer_tsc_deadline_masked);
	tcase_add_test(tc, test_timer_fire_flag);
	tcase_add_test(tc, test_timer_early_host_fire_rearms);
	tcase_add_test(tc, test_timer_rounding);
	tcase_add_test(tc, test_timer_reset_cancels);
	suite_add_tcase(s, tc);

	return s;
}

CHECK_MAIN(apic_timer_suite)
