// SPDX-License-Identifier: MIT
/*
 * test_xive_tima.c - the TIMA OS ring of the XIVE model (vmm/xive_tima.c): its
 * layout after reset, CPPR, IPB, PIPR, NSR, the ack of several
 * priorities, masking, pending.
 */
#include "xive_fixture.h"

/* ------------------------------------------------------------------ */
/* TIMA OS ring                                                        */
/* ------------------------------------------------------------------ */

START_TEST(test_tima_reset_layout)
{
	uint8_t b[8];

	fake_init(&F);
	X = fake_xive(&F, 2, 8, XIVE_ESB_64K_2PAGE, false);
	/* word0 NSR CPPR IPB LSMFB, word1 ACK_CNT INC AGE(hidden) PIPR */
	ck_assert_uint_eq(xive_tima_read(X, 0, TM_QW1_OS + TM_WORD0, 4),
			  0x000000ffu);
	ck_assert_uint_eq(xive_tima_read(X, 0, TM_QW1_OS + TM_WORD1, 4),
			  0xff0000ffu);
	ck_assert_uint_eq(xive_tima_read(X, 0, TM_QW1_OS, 8),
			  0x000000ffff0000ffull);
	ck_assert_uint_eq(xive_tima_read(X, 0, TM_QW1_OS + TM_PIPR, 1), 0xff);
	ck_assert_uint_eq(xive_tima_read(X, 0, TM_QW1_OS + TM_CPPR, 1), 0);
	/* word 2 (the OS CAM line) is hidden from the OS page, as in QEMU */
	ck_assert_int_eq(xive_tima_access(X, 0, TM_QW1_OS + TM_WORD2, b, 4,
					  false),
			 -EINVAL);
	ck_assert_uint_eq(xive_be_load(b, 4), 0xffffffffu);
	/* AGE alone: nothing visible -> invalid */
	ck_assert_int_eq(xive_tima_access(X, 0, TM_QW1_OS + TM_AGE, b, 1,
					  false),
			 -EINVAL);
	ck_assert_uint_eq(b[0], 0xff);
	/* QW0 (user), QW2, QW3: not in the OS view */
	ck_assert_int_eq(xive_tima_access(X, 0, TM_QW0_USER, b, 4, false),
			 -EINVAL);
	ck_assert_int_eq(xive_tima_access(X, 0, TM_QW2_HV_POOL, b, 8, false),
			 -EINVAL);
	ck_assert_int_eq(xive_tima_access(X, 0, TM_QW3_HV_PHYS, b, 8, false),
			 -EINVAL);
	/* unaligned, bad special ops, read-only fields */
	ck_assert_int_eq(xive_tima_access(X, 0, TM_QW1_OS + 2, b, 4, false),
			 -EINVAL);
	ck_assert_int_eq(xive_tima_access(X, 0, TM_SPC_ACK_OS_REG, b, 4, false),
			 -EINVAL);
	ck_assert_int_eq(xive_tima_access(X, 0, TM_SPC_ACK_OS_REG, b, 2, true),
			 -EINVAL);
	b[0] = 0x80;
	ck_assert_int_eq(xive_tima_access(X, 0, TM_QW1_OS + TM_IPB, b, 1, true),
			 -EINVAL);
	ck_assert_uint_eq(xive_tima_read(X, 0, TM_QW1_OS + TM_IPB, 1), 0);
	ck_assert_int_eq(xive_tima_access(X, 0, 1ull << XIVE_TM_PAGE_SHIFT, b,
					  1, false),
			 -ERANGE);
	ck_assert_int_eq(xive_tima_access(X, 2, TM_QW1_OS, b, 4, false),
			 -EINVAL);
	teardown();
}
END_TEST

START_TEST(test_cppr_values)
{
	static const struct {
		uint8_t in, out;
	} v[] = { { 0, 0 }, { 5, 5 }, { 7, 7 }, { 8, 0xff }, { 0x80, 0xff },
		  { 0xff, 0xff } };

	fake_init(&F);
	X = fake_xive(&F, 1, 4, XIVE_ESB_64K_2PAGE, false);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		tima_cppr(X, 0, v[i].in);
		ck_assert_uint_eq(xive_tima_read(X, 0, TM_QW1_OS + TM_CPPR, 1),
				  v[i].out);
	}
	/* a 4-byte store of word 0 writes CPPR only */
	xive_tima_write(X, 0, TM_QW1_OS, 4, 0x80038000u);
	ck_assert_uint_eq(xive_tima_read(X, 0, TM_QW1_OS, 4), 0x000300ffu);
	teardown();
}
END_TEST

/* cpu 0 has queues at prio 2, 5, 6; lisn 1 -> 5, lisn 2 -> 2, lisn 3 -> 6 */
static void three_prios(void)
{
	fake_init(&F);
	X = fake_xive(&F, 4, 16, XIVE_ESB_64K_2PAGE, false);
	ck_assert_int_eq(fake_queue(X, 0, 2, QPAGE(2), 12), H_SUCCESS);
	ck_assert_int_eq(fake_queue(X, 0, 5, QPAGE(5), 12), H_SUCCESS);
	ck_assert_int_eq(fake_queue(X, 0, 6, QPAGE(6), 12), H_SUCCESS);
	ck_assert_int_eq(fake_route(X, 1, 0, 5, 101), H_SUCCESS);
	ck_assert_int_eq(fake_route(X, 2, 0, 2, 102), H_SUCCESS);
	ck_assert_int_eq(fake_route(X, 3, 0, 6, 103), H_SUCCESS);
}

START_TEST(test_ack_several_priorities)
{
	struct xive_os_ring r;
	struct xive_stats st;

	three_prios();
	/* CPPR 0 after reset: everything is held back */
	ck_assert_int_eq(xive_trigger(X, 1), 1);
	ck_assert_int_eq(xive_trigger(X, 2), 1);
	ck_assert_int_eq(xive_trigger(X, 3), 1);
	ring(0, &r);
	ck_assert_uint_eq(r.ipb, 0x20 | 0x04 | 0x02);
	ck_assert_uint_eq(r.pipr, 2);
	ck_assert_uint_eq(r.nsr, 0);
	ck_assert(!r.line && !xive_cpu_irq_pending(X, 0));
	ck_assert_uint_eq(atomic_load(&F.raises[0]), 0);

	/* Linux opens CPPR: the line goes up, vCPU kicked */
	tima_cppr(X, 0, 0xff);
	ring(0, &r);
	ck_assert_uint_eq(r.nsr, TM_QW1_NSR_EO);
	ck_assert(r.line && xive_cpu_irq_pending(X, 0));
	ck_assert_uint_eq(atomic_load(&F.line[0]), 1);
	ck_assert_uint_eq(atomic_load(&F.kicks[0]), 1);
	ck_assert_uint_eq(xive_tima_read(X, 0, TM_QW1_OS, 4), 0x80ff26ffu);

	/* ack takes the most favoured: 2 */
	ck_assert_uint_eq(tima_ack(X, 0), 0x8002);
	ring(0, &r);
	ck_assert_uint_eq(r.cppr, 2);
	ck_assert_uint_eq(r.ipb, 0x04 | 0x02);
	ck_assert_uint_eq(r.pipr, 5);
	ck_assert_uint_eq(r.nsr, 0);
	ck_assert(!r.line && !xive_cpu_irq_pending(X, 0));
	ck_assert_uint_eq(atomic_load(&F.line[0]), 0);
	/* a second ack finds nothing above CPPR */
	ck_assert_uint_eq(tima_ack(X, 0), 0x0002);
	ring(0, &r);
	ck_assert_uint_eq(r.ipb, 0x06);

	/* done with 2: restore CPPR to 6 -> 5 is above it -> raised */
	tima_cppr(X, 0, 6);
	ck_assert(xive_cpu_irq_pending(X, 0));
	ck_assert_uint_eq(tima_ack(X, 0), 0x8005);
	ring(0, &r);
	ck_assert_uint_eq(r.ipb, 0x02);
	ck_assert_uint_eq(r.pipr, 6);
	ck_assert(!r.line);
	tima_cppr(X, 0, 0xff);
	ck_assert_uint_eq(tima_ack(X, 0), 0x8006);
	tima_cppr(X, 0, 0xff);
	ring(0, &r);
	ck_assert_uint_eq(r.ipb, 0);
	ck_assert_uint_eq(r.pipr, 0xff);
	ck_assert_uint_eq(r.cppr, 0xff);
	ck_assert(!r.line);
	ck_assert_uint_eq(atomic_load(&F.raises[0]), 3);
	ck_assert_uint_eq(atomic_load(&F.lowers[0]), 3);
	xive_get_stats(X, &st);
	ck_assert_uint_eq(st.acks, 3);
	ck_assert_uint_eq(st.empty_acks, 1);
	ck_assert_uint_gt(st.ack_latency_ns_total, 0);
	teardown();
}
END_TEST

START_TEST(test_cppr_masking)
{
	struct xive_os_ring r;

	three_prios();
	tima_cppr(X, 0, 5); /* only 0..4 get through */
	ck_assert_int_eq(xive_trigger(X, 1), 1); /* prio 5 */
	ck_assert_int_eq(xive_trigger(X, 3), 1); /* prio 6 */
	ring(0, &r);
	ck_assert_uint_eq(r.pipr, 5);
	ck_assert(!r.line);
	ck_assert_uint_eq(tima_ack(X, 0), 0x0005); /* nothing to accept */
	ck_assert_int_eq(xive_trigger(X, 2), 1);   /* prio 2 passes */
	ring(0, &r);
	ck_assert(r.line);
	ck_assert_uint_eq(r.pipr, 2);
	/* raising CPPR above the pending priority withdraws the exception */
	tima_cppr(X, 0, 1);
	ring(0, &r);
	ck_assert(!r.line);
	ck_assert_uint_eq(r.nsr, 0);
	ck_assert_uint_eq(atomic_load(&F.line[0]), 0);
	/* lowering it below the pending priorities raises again */
	tima_cppr(X, 0, 3);
	ck_assert(xive_cpu_irq_pending(X, 0));
	ck_assert_uint_eq(tima_ack(X, 0), 0x8002);
	ring(0, &r);
	ck_assert_uint_eq(r.ipb, 0x06);
	tima_cppr(X, 0, 0);
	ck_assert(!xive_cpu_irq_pending(X, 0));
	tima_cppr(X, 0, 0xff);
	ck_assert(xive_cpu_irq_pending(X, 0));
	ck_assert_uint_eq(tima_ack(X, 0), 0x8005);
	teardown();
}
END_TEST

START_TEST(test_set_os_pending)
{
	struct xive_os_ring r;

	fake_init(&F);
	X = fake_xive(&F, 2, 4, XIVE_ESB_64K_2PAGE, false);
	tima_cppr(X, 1, 0xff);
	xive_tima_write(X, 1, TM_SPC_SET_OS_PENDING, 1, 4);
	ring(1, &r);
	ck_assert_uint_eq(r.ipb, 0x08);
	ck_assert(r.line);
	xive_tima_write(X, 1, TM_SPC_SET_OS_PENDING, 1, 0xff); /* no bit */
	ring(1, &r);
	ck_assert_uint_eq(r.ipb, 0x08);
	/* the page aliases every 4 KiB: 0x1810 is the ack too */
	ck_assert_uint_eq(xive_tima_read(X, 1, 0x1000 + TM_SPC_ACK_OS_REG, 2),
			  0x8004);
	ring(0, &r);
	ck_assert(!r.line); /* the other vCPU never saw it */
	teardown();
}
END_TEST

static Suite *xive_tima_suite(void)
{
	Suite *s = suite_create("xive_tima");
	TCase *tc;

	tc = tcase_create("tima");
	tcase_add_test(tc, test_tima_reset_layout);
	tcase_add_test(tc, test_cppr_values);
	tcase_add_test(tc, test_ack_several_priorities);
	tcase_add_test(tc, test_cppr_masking);
	tcase_add_test(tc, test_set_os_pending);
	suite_add_tcase(s, tc);

	return s;
}

CHECK_MAIN(xive_tima_suite)
