/* SPDX-License-Identifier: MIT */
/*
 * test_xive_hcall.c - Check tests of the XIVE model's H_INT_* hypercalls:
 * each documented bad-argument return code, the success outputs, and the
 * rule that rets[] is untouched on failure.
 *
 * gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -g -Ivmm \
 *     tests/unit/test_xive_hcall.c vmm/xive_*.c \
 *     $(pkg-config --cflags --libs check)
 */
#include <check.h>

#include "check_main.h"
#include "test_xive_fake.h"

#define NCPUS 4
#define NIRQS 32
#define LSI_LISN 20
#define FREE_LISN 21 /* never claimed */
#define Q4K (FAKE_RAM_BASE + 0x10000)
#define Q64K (FAKE_RAM_BASE + 0x20000)
#define POISON 0x5a5a5a5a5a5a5a5aull

static struct fake F;
static struct xive *X;

static void setup(void)
{
	fake_init(&F);
	X = fake_xive(&F, NCPUS, NIRQS, XIVE_ESB_64K_2PAGE, false);
	ck_assert_ptr_nonnull(X);
	ck_assert_int_eq(xive_claim_irq(X, LSI_LISN, true), 0);
}

static void teardown(void)
{
	xive_destroy(X);
	X = NULL;
	fake_fini(&F);
}

/* Run one hcall expecting @want; on failure rets must stay poisoned. */
static void expect(long want, unsigned long op, uint64_t a0, uint64_t a1,
		   uint64_t a2, uint64_t a3, uint64_t a4, uint64_t *out)
{
	uint64_t r[XIVE_HCALL_MAX_RETS] = { POISON, POISON, POISON, POISON };
	long rc = hc(X, 0, op, a0, a1, a2, a3, a4, r);

	ck_assert_msg(rc == want, "op %#lx (%#llx %#llx %#llx %#llx %#llx): "
				  "rc %ld want %ld",
		      op, (unsigned long long)a0, (unsigned long long)a1,
		      (unsigned long long)a2, (unsigned long long)a3,
		      (unsigned long long)a4, rc, want);
	if (rc != H_SUCCESS)
		for (int i = 0; i < XIVE_HCALL_MAX_RETS; i++)
			ck_assert_uint_eq(r[i], POISON);
	if (out)
		memcpy(out, r, sizeof(r));
}

START_TEST(test_dispatch)
{
	ck_assert(xive_is_hcall(H_INT_GET_SOURCE_INFO));
	ck_assert(xive_is_hcall(H_INT_RESET));
	ck_assert(!xive_is_hcall(H_INT_GET_SOURCE_INFO - 4));
	ck_assert(!xive_is_hcall(H_INT_RESET + 4));
	ck_assert(!xive_is_hcall(H_INT_ESB + 1));
	expect(H_FUNCTION, 0x3A4, 0, 0, 0, 0, 0, NULL);
	expect(H_FUNCTION, 0x3D4, 0, 0, 0, 0, 0, NULL);
	expect(H_FUNCTION, 0x3A9, 0, 0, 0, 0, 0, NULL);
	ck_assert_int_eq(hc(X, NCPUS, H_INT_SYNC, 0, 1, 0, 0, 0, NULL),
			 H_HARDWARE);
}
END_TEST

START_TEST(test_get_source_info)
{
	uint64_t r[4];

	expect(H_PARAMETER, H_INT_GET_SOURCE_INFO, 1, 1, 0, 0, 0, NULL);
	expect(H_PARAMETER, H_INT_GET_SOURCE_INFO, XIVE_PPC_BIT(0), 1, 0, 0, 0,
	       NULL);
	expect(H_P2, H_INT_GET_SOURCE_INFO, 0, NIRQS, 0, 0, 0, NULL);
	expect(H_P2, H_INT_GET_SOURCE_INFO, 0, UINT64_MAX, 0, 0, 0, NULL);
	expect(H_P2, H_INT_GET_SOURCE_INFO, 0, FREE_LISN, 0, 0, 0, NULL);
	expect(H_SUCCESS, H_INT_GET_SOURCE_INFO, 0, 3, 0, 0, 0, r);
	ck_assert_uint_eq(r[0], 0);
	ck_assert_uint_eq(r[1], XIVE_DEFAULT_ESB_BASE + 3 * 0x20000 + 0x10000);
	ck_assert_uint_eq(r[2], XIVE_DEFAULT_ESB_BASE + 3 * 0x20000);
	ck_assert_uint_eq(r[3], 16);
	expect(H_SUCCESS, H_INT_GET_SOURCE_INFO, 0, LSI_LISN, 0, 0, 0, r);
	ck_assert_uint_eq(r[0], XIVE_SRC_H_INT_ESB | XIVE_SRC_LSI);
	ck_assert_uint_eq(r[1], UINT64_MAX);
	ck_assert_uint_eq(r[2], UINT64_MAX);

	/* store EOI and one 64K page: both flags */
	teardown();
	fake_init(&F);
	X = fake_xive(&F, 2, 4, XIVE_ESB_64K, true);
	expect(H_SUCCESS, H_INT_GET_SOURCE_INFO, 0, 1, 0, 0, 0, r);
	ck_assert_uint_eq(r[0], XIVE_SRC_TRIGGER | XIVE_SRC_STORE_EOI);
	ck_assert_uint_eq(r[1], XIVE_DEFAULT_ESB_BASE + 0x10000);
	ck_assert_uint_eq(r[2], UINT64_MAX);
	ck_assert_uint_eq(r[3], 16);
}
END_TEST

START_TEST(test_set_source_config)
{
	const unsigned long op = H_INT_SET_SOURCE_CONFIG;
	uint64_t r[4];
	struct xive_source_state st;

	expect(H_PARAMETER, op, XIVE_PPC_BIT(61), 1, 0, 3, 0, NULL);
	expect(H_PARAMETER, op, XIVE_PPC_BIT(0), 1, 0, 3, 0, NULL);
	expect(H_P2, op, 0, NIRQS, 0, 3, 0, NULL);
	expect(H_P2, op, 0, FREE_LISN, 0, 3, 0, NULL);
	expect(H_P4, op, 0, 1, 0, 7, 0, NULL); /* reserved (hv_prio 7) */
	expect(H_P4, op, 0, 1, 0, 8, 0, NULL);
	expect(H_P4, op, 0, 1, 0, 0x100, 0, NULL); /* not truncated to 0 */
	expect(H_P4, op, 0, 1, NCPUS, 7, 0, NULL); /* prio before target */
	expect(H_P3, op, 0, 1, NCPUS, 3, 0, NULL);
	expect(H_P3, op, 0, 1, UINT64_MAX, 3, 0, NULL);
	expect(H_P5, op, XIVE_SRC_SET_EISN, 1, 0, 3, 0x80000000u, NULL);
	/* the EISN is only looked at with SET_EISN */
	expect(H_SUCCESS, op, 0, 1, 2, 3, 0x80000000u, NULL);
	ck_assert_int_eq(xive_get_source(X, 1, &st), 0);
	ck_assert_uint_eq(st.eisn, 1); /* still the LISN */
	ck_assert_uint_eq(st.server, 2);
	ck_assert_uint_eq(st.prio, 3);
	ck_assert(!st.masked);

	expect(H_SUCCESS, op, XIVE_SRC_SET_EISN, 1, 1, 6, 0x7fffffff, NULL);
	expect(H_SUCCESS, H_INT_GET_SOURCE_CONFIG, 0, 1, 0, 0, 0, r);
	ck_assert_uint_eq(r[0], 1);
	ck_assert_uint_eq(r[1], 6);
	ck_assert_uint_eq(r[2], 0x7fffffff);

	/* 0xff masks; target and prio are not checked then */
	expect(H_SUCCESS, op, XIVE_SRC_SET_EISN, 1, UINT64_MAX, 0xff, 0, NULL);
	expect(H_SUCCESS, H_INT_GET_SOURCE_CONFIG, 0, 1, 0, 0, 0, r);
	ck_assert_uint_eq(r[0], 1); /* kept */
	ck_assert_uint_eq(r[1], 0xff);
	ck_assert_uint_eq(r[2], 0);

	/* MASK flag: routed but masked, reported as 0xff */
	expect(H_SUCCESS, op, XIVE_SRC_MASK, 1, 3, 2, 0, NULL);
	expect(H_SUCCESS, H_INT_GET_SOURCE_CONFIG, 0, 1, 0, 0, 0, r);
	ck_assert_uint_eq(r[0], 3);
	ck_assert_uint_eq(r[1], 0xff);
	ck_assert_int_eq(xive_get_source(X, 1, &st), 0);
	ck_assert(st.masked);
	ck_assert_uint_eq(st.prio, 2);
	/* LSIs too */
	expect(H_SUCCESS, op, XIVE_SRC_SET_EISN, LSI_LISN, 0, 0, 0x99, NULL);
}
END_TEST

START_TEST(test_get_source_config)
{
	const unsigned long op = H_INT_GET_SOURCE_CONFIG;
	uint64_t r[4];

	expect(H_PARAMETER, op, 1, 1, 0, 0, 0, NULL);
	expect(H_P2, op, 0, NIRQS, 0, 0, 0, NULL);
	expect(H_P2, op, 0, FREE_LISN, 0, 0, 0, NULL);
	/* fresh: masked, EISN = LISN (PAPR) */
	expect(H_SUCCESS, op, 0, 3, 0, 0, 0, r);
	ck_assert_uint_eq(r[0], 0);
	ck_assert_uint_eq(r[1], 0xff);
	ck_assert_uint_eq(r[2], 3);
	ck_assert_uint_eq(r[3], 0);
}
END_TEST

START_TEST(test_get_queue_info)
{
	const unsigned long op = H_INT_GET_QUEUE_INFO;
	uint64_t r[4];
	struct xive_info in;

	expect(H_PARAMETER, op, 1, 0, 0, 0, 0, NULL);
	expect(H_P3, op, 0, 0, 7, 0, 0, NULL);
	expect(H_P3, op, 0, 0, 0xff, 0, 0, NULL);
	expect(H_P3, op, 0, NCPUS, 7, 0, 0, NULL); /* prio before target */
	expect(H_P2, op, 0, NCPUS, 0, 0, 0, NULL);
	expect(H_SUCCESS, op, 0, 2, 5, 0, 0, r);
	xive_get_info(X, &in);
	ck_assert_uint_eq(r[0], in.end_esb_base + (2 * 8 + 5) * 0x20000ull);
	ck_assert_uint_eq(r[1], 16);
}
END_TEST

START_TEST(test_set_queue_config)
{
	const unsigned long op = H_INT_SET_QUEUE_CONFIG;
	const uint64_t n = XIVE_EQ_ALWAYS_NOTIFY;
	struct xive_queue_state q;

	expect(H_PARAMETER, op, XIVE_PPC_BIT(62), 0, 0, Q4K, 12, NULL);
	expect(H_PARAMETER, op, n | XIVE_PPC_BIT(0), 0, 0, Q4K, 12, NULL);
	/* ESn-gated notification is not modelled: refused */
	expect(H_PARAMETER, op, 0, 0, 0, Q4K, 12, NULL);
	expect(H_P3, op, n, 0, 7, Q4K, 12, NULL);
	expect(H_P3, op, n, NCPUS, 7, Q4K, 12, NULL);
	expect(H_P2, op, n, NCPUS, 0, Q4K, 12, NULL);
	expect(H_P2, op, n, UINT64_MAX, 0, Q4K, 12, NULL);
	expect(H_P5, op, n, 0, 0, Q4K, 11, NULL);
	expect(H_P5, op, n, 0, 0, Q4K, 13, NULL);
	expect(H_P5, op, n, 0, 0, Q4K, 25, NULL);
	expect(H_P5, op, n, 0, 0, Q4K, 64, NULL);
	expect(H_P5, op, n, 0, 0, Q4K, 1ull << 32 | 12, NULL);
	expect(H_P4, op, n, 0, 0, Q4K + 4, 12, NULL);     /* unaligned */
	expect(H_P4, op, n, 0, 0, Q4K + 0x1000, 16, NULL); /* 4K != 64K */
	expect(H_P4, op, n, 0, 0, 0x1000, 12, NULL);       /* not RAM */
	expect(H_P4, op, n, 0, 0, FAKE_RAM_BASE + FAKE_RAM_SIZE - 0x1000, 16,
	       NULL); /* runs off the end of RAM */
	expect(H_P4, op, n, 0, 0, 0xfffffffffffff000ull, 12, NULL);
	ck_assert_int_eq(xive_get_queue(X, 0, 0, &q), 0);
	ck_assert(!q.enabled);

	expect(H_SUCCESS, op, n, 0, 0, Q4K, 12, NULL);
	expect(H_SUCCESS, op, n, 3, 6, Q64K, 16, NULL);
	expect(H_SUCCESS, op, n, 1, 1, FAKE_RAM_BASE + (2u << 20), 21, NULL);
	ck_assert_int_eq(xive_get_queue(X, 3, 6, &q), 0);
	ck_assert(q.enabled && q.always_notify);
	ck_assert_uint_eq(q.qpage, Q64K);
	ck_assert_uint_eq(q.qshift, 16);
	ck_assert_uint_eq(q.generation, 1);
	ck_assert_uint_eq(q.index, 0);
	/* size 0 resets; flags 0 allowed then (Linux's cleanup_queue) */
	expect(H_SUCCESS, op, 0, 3, 6, 0, 0, NULL);
	ck_assert_int_eq(xive_get_queue(X, 3, 6, &q), 0);
	ck_assert(!q.enabled);
	/* only accepted sizes */
	teardown();
	fake_init(&F);
	struct xive_config c;
	xive_config_init(&c, 2, 4);
	c.eq_shift_mask = 1u << 16;
	X = fake_xive_cfg(&F, &c);
	expect(H_P5, op, n, 0, 0, Q4K, 12, NULL);
	expect(H_SUCCESS, op, n, 0, 0, Q64K, 16, NULL);
}
END_TEST

START_TEST(test_get_queue_config)
{
	const unsigned long op = H_INT_GET_QUEUE_CONFIG;
	uint64_t r[4];

	expect(H_PARAMETER, op, XIVE_PPC_BIT(62), 0, 0, 0, 0, NULL);
	expect(H_P3, op, 0, 0, 7, 0, 0, NULL);
	expect(H_P2, op, 0, NCPUS, 0, 0, 0, NULL);
	expect(H_SUCCESS, op, 0, 0, 0, 0, 0, r);
	ck_assert_uint_eq(r[0], 0);
	ck_assert_uint_eq(r[1], 0);
	ck_assert_uint_eq(r[2], 0);
	ck_assert_uint_eq(r[3], 0);

	ck_assert_int_eq(fake_queue(X, 2, 5, Q4K, 12), H_SUCCESS);
	ck_assert_int_eq(fake_route(X, 1, 2, 5, 7), H_SUCCESS);
	ck_assert_int_eq(xive_trigger(X, 1), 1);
	expect(H_SUCCESS, op, 0, 2, 5, 0, 0, r);
	ck_assert_uint_eq(r[0], XIVE_EQ_ALWAYS_NOTIFY);
	ck_assert_uint_eq(r[1], Q4K);
	ck_assert_uint_eq(r[2], 12);
	ck_assert_uint_eq(r[3], 0); /* index only with DEBUG */
	expect(H_SUCCESS, op, XIVE_EQ_DEBUG, 2, 5, 0, 0, r);
	ck_assert_uint_eq(r[0], XIVE_EQ_ALWAYS_NOTIFY | XIVE_EQ_GENERATION);
	ck_assert_uint_eq(r[3], 1);
}
END_TEST

START_TEST(test_reporting_line)
{
	uint64_t r[4];

	expect(H_PARAMETER, H_INT_SET_OS_REPORTING_LINE, 1, FAKE_RAM_BASE, 0,
	       0, 0, NULL);
	expect(H_P2, H_INT_SET_OS_REPORTING_LINE, 0, FAKE_RAM_BASE + 0x80, 0,
	       0, 0, NULL);
	expect(H_P2, H_INT_SET_OS_REPORTING_LINE, 0, 0x100, 0, 0, 0, NULL);
	expect(H_PARAMETER, H_INT_GET_OS_REPORTING_LINE, 1, 0, 0, 0, 0, NULL);
	expect(H_P2, H_INT_GET_OS_REPORTING_LINE, 0, NCPUS, 0, 0, 0, NULL);
	expect(H_SUCCESS, H_INT_GET_OS_REPORTING_LINE, 0, 0, 0, 0, 0, r);
	ck_assert_uint_eq(r[0], UINT64_MAX);
	/* set by the calling vCPU (0), read by anyone */
	expect(H_SUCCESS, H_INT_SET_OS_REPORTING_LINE, 0, FAKE_RAM_BASE + 0x100,
	       0, 0, 0, NULL);
	expect(H_SUCCESS, H_INT_GET_OS_REPORTING_LINE, 0, 0, 0, 0, 0, r);
	ck_assert_uint_eq(r[0], FAKE_RAM_BASE + 0x100);
	expect(H_SUCCESS, H_INT_GET_OS_REPORTING_LINE, 0, 1, 0, 0, 0, r);
	ck_assert_uint_eq(r[0], UINT64_MAX);
	expect(H_SUCCESS, H_INT_SET_OS_REPORTING_LINE, 0, UINT64_MAX, 0, 0, 0,
	       NULL);
	expect(H_SUCCESS, H_INT_GET_OS_REPORTING_LINE, 0, 0, 0, 0, 0, r);
	ck_assert_uint_eq(r[0], UINT64_MAX);
}
END_TEST

START_TEST(test_int_esb)
{
	const unsigned long op = H_INT_ESB;
	const uint64_t st = XIVE_ESB_FLAG_STORE;
	uint64_t r[4];

	expect(H_PARAMETER, op, XIVE_PPC_BIT(62), 1, 0, 0, 0, NULL);
	expect(H_P2, op, 0, NIRQS, 0, 0, 0, NULL);
	expect(H_P2, op, 0, FREE_LISN, 0, 0, 0, NULL);
	expect(H_P3, op, 0, 1, 0x804, 0, 0, NULL);   /* unaligned */
	expect(H_P3, op, 0, 1, 0x10000, 0, 0, NULL); /* past the page */
	expect(H_P3, op, 0, 1, UINT64_MAX & ~7ull, 0, 0, NULL);
	expect(H_P3, op, st, 1, XIVE_ESB_GET, 0, 0, NULL);
	expect(H_P3, op, st, 1, XIVE_ESB_STORE_EOI, 0, 0, NULL); /* no st EOI */

	expect(H_SUCCESS, op, 0, 1, XIVE_ESB_GET, 0, 0, r);
	ck_assert_uint_eq(r[0], XIVE_ESB_OFF);
	expect(H_SUCCESS, op, 0, 1, XIVE_ESB_SET_PQ_10, 0, 0, r);
	ck_assert_uint_eq(r[0], XIVE_ESB_OFF);
	expect(H_SUCCESS, op, st, 1, XIVE_ESB_SET_PQ_00 + 0xf8, 0, 0, r);
	ck_assert_uint_eq(r[0], UINT64_MAX);
	expect(H_SUCCESS, op, st, 1, 0, 0, 0, r); /* trigger: 00 -> 10 */
	expect(H_SUCCESS, op, 0, 1, XIVE_ESB_GET, 0, 0, r);
	ck_assert_uint_eq(r[0], XIVE_ESB_PENDING);
	expect(H_SUCCESS, op, 0, 1, 0xff8, 0, 0, r); /* SET_PQ_11 */
	ck_assert_uint_eq(r[0], XIVE_ESB_PENDING);
	expect(H_SUCCESS, op, 0, 1, XIVE_ESB_LOAD_EOI, 0, 0, r);
	ck_assert_uint_eq(r[0], 1); /* 11 -> 10, forwarded */
}
END_TEST

START_TEST(test_sync_and_reset)
{
	uint64_t r[4];
	struct xive_queue_state q;
	struct xive_os_ring o;

	expect(H_PARAMETER, H_INT_SYNC, 1, 1, 0, 0, 0, NULL);
	expect(H_P2, H_INT_SYNC, 0, NIRQS, 0, 0, 0, NULL);
	expect(H_P2, H_INT_SYNC, 0, FREE_LISN, 0, 0, 0, NULL);
	expect(H_SUCCESS, H_INT_SYNC, 0, LSI_LISN, 0, 0, 0, NULL);
	expect(H_PARAMETER, H_INT_RESET, 1, 0, 0, 0, 0, NULL);

	ck_assert_int_eq(fake_queue(X, 1, 6, Q4K, 12), H_SUCCESS);
	ck_assert_int_eq(fake_route(X, 1, 1, 6, 0x10), H_SUCCESS);
	tima_cppr(X, 1, 0xff);
	ck_assert_int_eq(xive_trigger(X, 1), 1);
	ck_assert(xive_cpu_irq_pending(X, 1));
	expect(H_SUCCESS, H_INT_SET_OS_REPORTING_LINE, 0, FAKE_RAM_BASE, 0, 0,
	       0, NULL);

	expect(H_SUCCESS, H_INT_RESET, 0, 0, 0, 0, 0, NULL);
	ck_assert(!xive_cpu_irq_pending(X, 1));
	ck_assert_uint_eq(atomic_load(&F.line[1]), 0);
	ck_assert_int_eq(xive_get_os_ring(X, 1, &o), 0);
	ck_assert_uint_eq(o.ipb, 0);
	ck_assert_uint_eq(o.cppr, 0xff); /* CPPR kept */
	ck_assert_int_eq(xive_get_queue(X, 1, 6, &q), 0);
	ck_assert(!q.enabled);
	expect(H_SUCCESS, H_INT_GET_SOURCE_CONFIG, 0, 1, 0, 0, 0, r);
	ck_assert_uint_eq(r[1], 0xff);
	ck_assert_uint_eq(r[2], 1);
	expect(H_SUCCESS, H_INT_GET_OS_REPORTING_LINE, 0, 0, 0, 0, 0, r);
	ck_assert_uint_eq(r[0], UINT64_MAX);
	expect(H_SUCCESS, H_INT_ESB, 0, 1, XIVE_ESB_GET, 0, 0, r);
	ck_assert_uint_eq(r[0], XIVE_ESB_OFF);
	/* the LSI is still claimed as an LSI */
	expect(H_SUCCESS, H_INT_GET_SOURCE_INFO, 0, LSI_LISN, 0, 0, 0, r);
	ck_assert_uint_eq(r[0] & XIVE_SRC_LSI, XIVE_SRC_LSI);

	struct xive_stats s;
	xive_get_stats(X, &s);
	ck_assert_uint_eq(s.hcall_errors, 4);
}
END_TEST

static Suite *hcall_suite(void)
{
	Suite *s = suite_create("xive_hcall");
	TCase *tc = tcase_create("hcall");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dispatch);
	tcase_add_test(tc, test_get_source_info);
	tcase_add_test(tc, test_set_source_config);
	tcase_add_test(tc, test_get_source_config);
	tcase_add_test(tc, test_get_queue_info);
	tcase_add_test(tc, test_set_queue_config);
	tcase_add_test(tc, test_get_queue_config);
	tcase_add_test(tc, test_reporting_line);
	tcase_add_test(tc, test_int_esb);
	tcase_add_test(tc, test_sync_and_reset);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(hcall_suite)
