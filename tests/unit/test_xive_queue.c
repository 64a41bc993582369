// SPDX-License-Identifier: MIT
/*
 * test_xive_queue.c - the XIVE event queues (vmm/xive_queue.c): wrap and
 * generation at 4K, 64K and 2M, the data, drops.
 */
#include "xive_fixture.h"

/* ------------------------------------------------------------------ */
/* Event queues                                                        */
/* ------------------------------------------------------------------ */

static void fire_and_eoi(uint32_t lisn)
{
	ck_assert_int_eq(xive_trigger(X, lisn), 1);
	ck_assert_uint_eq(xive_esb_read64(X, esb_mgmt(X, lisn)), 0);
}

static void check_wrap(unsigned qshift)
{
	const uint32_t entries = 1u << (qshift - 2);
	const uint64_t q = FAKE_RAM_BASE + (1ull << 21); /* 2M aligned */
	const uint32_t eisn = 0x1234;
	struct xive_queue_state qs;

	fake_init(&F);
	X = fake_xive(&F, 2, 8, XIVE_ESB_64K_2PAGE, false);
	ck_assert_int_eq(fake_queue(X, 1, 4, q, qshift), H_SUCCESS);
	ck_assert_int_eq(fake_route(X, 1, 1, 4, eisn), H_SUCCESS);

	for (uint32_t i = 0; i < entries; i++)
		fire_and_eoi(1);
	for (uint32_t i = 0; i < entries; i++)
		ck_assert_uint_eq(ram_be32(&F, q + 4ull * i), 0x80000000u | eisn);
	ck_assert_uint_eq(ram_be32(&F, q + 4ull * entries), 0); /* not past */
	ck_assert_int_eq(xive_get_queue(X, 1, 4, &qs), 0);
	ck_assert_uint_eq(qs.index, 0);
	ck_assert_uint_eq(qs.generation, 0);

	fire_and_eoi(1); /* entries + 1: wraps, generation 0 */
	ck_assert_uint_eq(ram_be32(&F, q), eisn);
	ck_assert_uint_eq(ram_be32(&F, q + 4), 0x80000000u | eisn);
	ck_assert_int_eq(xive_get_queue(X, 1, 4, &qs), 0);
	ck_assert_uint_eq(qs.index, 1);
	ck_assert_uint_eq(qs.generation, 0);
	ck_assert_uint_eq(qs.enqueued, entries + 1u);

	for (uint32_t i = 1; i < entries; i++)
		fire_and_eoi(1);
	ck_assert_uint_eq(ram_be32(&F, q + 4ull * (entries - 1)), eisn);
	ck_assert_int_eq(xive_get_queue(X, 1, 4, &qs), 0);
	ck_assert_uint_eq(qs.index, 0);
	ck_assert_uint_eq(qs.generation, 1); /* flipped back */
	teardown();
}

START_TEST(test_queue_wrap_4k)
{
	check_wrap(12); /* 1024 entries, 1025th event wraps */
}
END_TEST

START_TEST(test_queue_wrap_64k)
{
	check_wrap(16);
}
END_TEST

START_TEST(test_queue_2m_and_data)
{
	const uint64_t q = FAKE_RAM_BASE + (2ull << 20);

	fake_init(&F);
	X = fake_xive(&F, 2, 8, XIVE_ESB_64K_2PAGE, false);
	ck_assert_int_eq(fake_queue(X, 0, 0, q, 21), H_SUCCESS);
	/* 31 bits of EISN; bit 31 is the generation */
	ck_assert_int_eq(fake_route(X, 1, 0, 0, 0x7fffffff), H_SUCCESS);
	ck_assert_int_eq(fake_route(X, 0, 0, 0, 0), H_SUCCESS);
	fire_and_eoi(1);
	fire_and_eoi(0);
	ck_assert_uint_eq(ram_be32(&F, q), 0xffffffffu);
	ck_assert_uint_eq(ram_be32(&F, q + 4), 0x80000000u);
	/* big-endian bytes in guest memory */
	ck_assert_uint_eq(F.ram[(q - FAKE_RAM_BASE) + 4], 0x80);
	ck_assert_uint_eq(F.ram[(q - FAKE_RAM_BASE) + 7], 0x00);
	teardown();
}
END_TEST

START_TEST(test_queue_drops)
{
	struct xive_stats st;
	struct xive_queue_state qs;

	fake_init(&F);
	X = fake_xive(&F, 2, 8, XIVE_ESB_64K_2PAGE, false);
	/* routed, but no queue for (1, 2) */
	ck_assert_int_eq(fake_route(X, 1, 1, 2, 5), H_SUCCESS);
	ck_assert_int_eq(xive_trigger(X, 1), 1);
	xive_get_stats(X, &st);
	ck_assert_uint_eq(st.dropped_no_queue, 1);
	ck_assert_uint_eq(esb_pq(X, 1), XIVE_ESB_PENDING); /* P stays */
	esb_force_pq(X, 1, 0);

	/* masked at the EAS (XIVE_SRC_MASK): PQ moves, event dropped */
	ck_assert_int_eq(fake_queue(X, 1, 2, QPAGE(1), 12), H_SUCCESS);
	ck_assert_int_eq(hc(X, 0, H_INT_SET_SOURCE_CONFIG, XIVE_SRC_MASK, 1, 1,
			    2, 0, NULL),
			 H_SUCCESS);
	ck_assert_int_eq(xive_trigger(X, 1), 1);
	xive_get_stats(X, &st);
	ck_assert_uint_eq(st.dropped_masked, 1);
	ck_assert_uint_eq(queue_enqueued(X, 1, 2), 0);
	esb_force_pq(X, 1, 0);

	/* guest memory write failure: slot not consumed, counted */
	ck_assert_int_eq(fake_route(X, 1, 1, 2, 5), H_SUCCESS);
	atomic_store(&F.fail_writes, true);
	ck_assert_int_eq(xive_trigger(X, 1), 1);
	atomic_store(&F.fail_writes, false);
	xive_get_stats(X, &st);
	ck_assert_uint_eq(st.queue_write_errors, 1);
	ck_assert_int_eq(xive_get_queue(X, 1, 2, &qs), 0);
	ck_assert_uint_eq(qs.index, 0);
	ck_assert_uint_eq(qs.enqueued, 0);

	/* an unclaimed source's ESB still works, its events go nowhere */
	esb_force_pq(X, 7, 0);
	ck_assert_int_eq(xive_trigger(X, 7), 1);
	xive_get_stats(X, &st);
	ck_assert_uint_eq(st.dropped_invalid, 1);
	teardown();
}
END_TEST

static Suite *xive_queue_suite(void)
{
	Suite *s = suite_create("xive_queue");
	TCase *tc;

	tc = tcase_create("queue");
	tcase_add_test(tc, test_queue_wrap_4k);
	tcase_add_test(tc, test_queue_wrap_64k);
	tcase_add_test(tc, test_queue_2m_and_data);
	tcase_add_test(tc, test_queue_drops);
	suite_add_tcase(s, tc);

	return s;
}

CHECK_MAIN(xive_queue_suite)
