// SPDX-License-Identifier: MIT
/*
 * test_xive_esb.c - the ESB of the XIVE model (vmm/xive_esb.c): every PQ
 * transition for every offset in every layout, store EOI, bad accesses,
 * MSI coalescing and LSI levels.
 */
#include "xive_fixture.h"

/* ------------------------------------------------------------------ */
/* ESB: every PQ transition for every offset, in every layout          */
/* ------------------------------------------------------------------ */

enum esb_kind { K_TRIGGER, K_EOI, K_GET, K_SETPQ, K_BAD_LOAD, K_IGNORED };

struct esb_op {
	const char *name;
	bool trigger_page; /* else management page */
	bool write;
	uint32_t off;
	enum esb_kind kind;
	uint8_t pq; /* K_SETPQ */
};

static const struct esb_op esb_ops[] = {
	/* management page loads */
	{ "load EOI 0x000", false, false, 0x000, K_EOI, 0 },
	{ "load EOI 0x3f8", false, false, 0x3f8, K_EOI, 0 },
	{ "load EOI alias 0x400", false, false, 0x400, K_EOI, 0 },
	{ "load EOI alias 0x7f8", false, false, 0x7f8, K_EOI, 0 },
	{ "load GET 0x800", false, false, 0x800, K_GET, 0 },
	{ "load GET 0xbf8", false, false, 0xbf8, K_GET, 0 },
	{ "load SET_PQ_00", false, false, 0xc00, K_SETPQ, 0 },
	{ "load SET_PQ_00+f8", false, false, 0xcf8, K_SETPQ, 0 },
	{ "load SET_PQ_01", false, false, 0xd00, K_SETPQ, 1 },
	{ "load SET_PQ_01+f8", false, false, 0xdf8, K_SETPQ, 1 },
	{ "load SET_PQ_10", false, false, 0xe00, K_SETPQ, 2 },
	{ "load SET_PQ_10+f8", false, false, 0xef8, K_SETPQ, 2 },
	{ "load SET_PQ_11", false, false, 0xf00, K_SETPQ, 3 },
	{ "load SET_PQ_11+f8", false, false, 0xff8, K_SETPQ, 3 },
	/* management page stores */
	{ "store trigger 0x000", false, true, 0x000, K_TRIGGER, 0 },
	{ "store trigger 0x3f8", false, true, 0x3f8, K_TRIGGER, 0 },
	{ "store EOI 0x400", false, true, 0x400, K_EOI, 0 },
	{ "store EOI 0x7f8", false, true, 0x7f8, K_EOI, 0 },
	{ "store 0x800 ignored", false, true, 0x800, K_IGNORED, 0 },
	{ "store SET_PQ_00", false, true, 0xc00, K_SETPQ, 0 },
	{ "store SET_PQ_01", false, true, 0xd00, K_SETPQ, 1 },
	{ "store SET_PQ_10", false, true, 0xe00, K_SETPQ, 2 },
	{ "store SET_PQ_11+f8", false, true, 0xff8, K_SETPQ, 3 },
	/* trigger page (two-page layouts only): any store triggers */
	{ "trig page store 0x000", true, true, 0x000, K_TRIGGER, 0 },
	{ "trig page store 0xc00", true, true, 0xc00, K_TRIGGER, 0 },
	{ "trig page store 0xff8", true, true, 0xff8, K_TRIGGER, 0 },
	{ "trig page load 0x000", true, false, 0x000, K_BAD_LOAD, 0 },
	{ "trig page load 0x800", true, false, 0x800, K_BAD_LOAD, 0 },
};

static const uint8_t trig_next[4] = { 2, 1, 3, 3 }; /* 00->10 01->01 ... */
static const uint8_t eoi_next[4] = { 0, 1, 0, 2 };  /* 10->00 11->10 */
static const unsigned layouts[4] = { XIVE_ESB_4K, XIVE_ESB_4K_2PAGE,
				     XIVE_ESB_64K, XIVE_ESB_64K_2PAGE };

START_TEST(test_pq_every_offset)
{
	unsigned shift = layouts[_i];
	const uint32_t lisn = 2; /* vCPU 2's IPI */
	bool two_page = shift == XIVE_ESB_4K_2PAGE || shift == XIVE_ESB_64K_2PAGE;
	unsigned checked = 0;

	fake_init(&F);
	X = fake_xive(&F, 4, 16, shift, true);
	ck_assert_ptr_nonnull(X);
	ck_assert_int_eq(fake_queue(X, 0, 5, QPAGE(1), 12), H_SUCCESS);
	ck_assert_int_eq(fake_route(X, lisn, 0, 5, 0x77), H_SUCCESS);

	for (size_t o = 0; o < sizeof(esb_ops) / sizeof(esb_ops[0]); o++) {
		const struct esb_op *op = &esb_ops[o];
		if (op->trigger_page && !two_page)
			continue;
		for (uint8_t pq = 0; pq < 4; pq++) {
			uint64_t off = (op->trigger_page ? esb_trig(X, lisn)
							 : esb_mgmt(X, lisn)) +
				       op->off;
			uint8_t b[8];
			uint8_t want;
			uint64_t want_val = 0;
			bool want_fwd = false;
			int want_rc = 0, rc;
			uint64_t before;

			esb_force_pq(X, lisn, pq);
			ck_assert_uint_eq(esb_pq(X, lisn), pq);
			before = queue_enqueued(X, 0, 5);

			switch (op->kind) {
			case K_TRIGGER:
				want = trig_next[pq];
				want_fwd = pq == XIVE_ESB_RESET;
				break;
			case K_EOI:
				want = eoi_next[pq];
				want_fwd = pq == XIVE_ESB_QUEUED;
				want_val = want_fwd;
				break;
			case K_GET:
				want = pq;
				want_val = pq;
				break;
			case K_SETPQ:
				want = op->pq;
				want_val = pq;
				break;
			case K_BAD_LOAD:
				want = pq;
				want_val = UINT64_MAX;
				want_rc = -EINVAL;
				break;
			default:
				want = pq;
				want_rc = -EINVAL;
				break;
			}

			if (op->write)
				xive_be_store(b, 8, 0);
			rc = xive_esb_access(X, off, b, 8, op->write);
			ck_assert_msg(rc == want_rc, "%s pq=%u: rc %d want %d",
				      op->name, pq, rc, want_rc);
			if (!op->write)
				ck_assert_msg(xive_be_load(b, 8) == want_val,
					      "%s pq=%u: loaded %#llx want %#llx",
					      op->name, pq,
					      (unsigned long long)xive_be_load(b, 8),
					      (unsigned long long)want_val);
			ck_assert_msg(esb_pq(X, lisn) == want,
				      "%s pq=%u: PQ %u want %u (shift %u)",
				      op->name, pq, esb_pq(X, lisn), want, shift);
			ck_assert_msg(queue_enqueued(X, 0, 5) - before == want_fwd,
				      "%s pq=%u: forwarded %llu want %d", op->name,
				      pq,
				      (unsigned long long)(queue_enqueued(X, 0, 5) -
							   before),
				      want_fwd);
			checked++;
		}
	}
	ck_assert_uint_ge(checked, two_page ? 4u * 28 : 4u * 23);
	teardown();
}
END_TEST

START_TEST(test_store_eoi_unsupported)
{
	fake_init(&F);
	X = fake_xive(&F, 2, 8, XIVE_ESB_64K_2PAGE, false);
	ck_assert_int_eq(fake_queue(X, 0, 5, QPAGE(1), 12), H_SUCCESS);
	ck_assert_int_eq(fake_route(X, 1, 0, 5, 1), H_SUCCESS);
	for (uint8_t pq = 0; pq < 4; pq++) {
		uint8_t b[8] = { 0 };
		esb_force_pq(X, 1, pq);
		ck_assert_int_eq(xive_esb_access(X, esb_mgmt(X, 1) +
						      XIVE_ESB_STORE_EOI,
						 b, 8, true),
				 -EINVAL);
		ck_assert_uint_eq(esb_pq(X, 1), pq);
	}
	ck_assert_uint_eq(queue_enqueued(X, 0, 5), 0);
	teardown();
}
END_TEST

START_TEST(test_esb_bad_accesses)
{
	uint8_t b[8];
	struct xive_stats st;

	fake_init(&F);
	X = fake_xive(&F, 2, 8, XIVE_ESB_64K_2PAGE, false);
	esb_force_pq(X, 1, 0);
	/* sizes other than 8, unaligned: rejected without side effects */
	for (unsigned len = 1; len < 8; len *= 2) {
		memset(b, 0, sizeof(b));
		ck_assert_int_eq(xive_esb_access(X, esb_mgmt(X, 1) +
						      XIVE_ESB_SET_PQ_11,
						 b, len, false),
				 -EINVAL);
		for (unsigned i = 0; i < len; i++)
			ck_assert_uint_eq(b[i], 0xff);
	}
	ck_assert_int_eq(xive_esb_access(X, esb_mgmt(X, 1) + 0xd04, b, 8,
					 false),
			 -EINVAL);
	ck_assert_int_eq(xive_esb_access(X, esb_trig(X, 1) + 4, b, 8, true),
			 -EINVAL);
	ck_assert_uint_eq(esb_pq(X, 1), 0);
	/* beyond the last source */
	ck_assert_int_eq(xive_esb_access(X, 8ull << XIVE_ESB_64K_2PAGE, b, 8,
					 false),
			 -ERANGE);
	ck_assert_uint_eq(xive_be_load(b, 8), UINT64_MAX);
	xive_get_stats(X, &st);
	ck_assert_uint_eq(st.invalid_accesses, 5); /* -ERANGE not counted */
	teardown();
}
END_TEST

/* ------------------------------------------------------------------ */
/* MSI vs LSI                                                          */
/* ------------------------------------------------------------------ */

START_TEST(test_msi_coalescing)
{
	const uint32_t ipi = 1;

	fake_init(&F);
	X = fake_xive(&F, 2, 32, XIVE_ESB_64K_2PAGE, false);
	ck_assert_int_eq(fake_queue(X, 0, 5, QPAGE(1), 12), H_SUCCESS);
	ck_assert_int_eq(fake_route(X, ipi, 0, 5, 0x11), H_SUCCESS);
	ck_assert_int_eq(xive_trigger(X, ipi), 1);
	ck_assert_uint_eq(esb_pq(X, ipi), XIVE_ESB_PENDING);
	ck_assert_int_eq(xive_trigger(X, ipi), 0);
	ck_assert_uint_eq(esb_pq(X, ipi), XIVE_ESB_QUEUED);
	ck_assert_int_eq(xive_trigger(X, ipi), 0);
	ck_assert_uint_eq(queue_enqueued(X, 0, 5), 1);
	/* EOI with Q: forwarded again, P stays */
	ck_assert_uint_eq(xive_esb_read64(X, esb_mgmt(X, ipi)), 1);
	ck_assert_uint_eq(esb_pq(X, ipi), XIVE_ESB_PENDING);
	ck_assert_uint_eq(queue_enqueued(X, 0, 5), 2);
	ck_assert_uint_eq(xive_esb_read64(X, esb_mgmt(X, ipi)), 0);
	ck_assert_uint_eq(esb_pq(X, ipi), XIVE_ESB_RESET);
	/* masked at the source (PQ 01): dropped, nothing remembered */
	esb_force_pq(X, ipi, XIVE_ESB_OFF);
	ck_assert_int_eq(xive_trigger(X, ipi), 0);
	ck_assert_uint_eq(esb_pq(X, ipi), XIVE_ESB_OFF);
	ck_assert_uint_eq(queue_enqueued(X, 0, 5), 2);
	/* the MSI API refuses to play LSI */
	ck_assert_int_eq(xive_set_level(X, ipi, true), -EINVAL);
	ck_assert_int_eq(xive_trigger(X, 32), -EINVAL);
	teardown();
}
END_TEST

START_TEST(test_lsi_level)
{
	const uint32_t lsi = 20;
	struct xive_source_state st;
	uint64_t r[4];

	fake_init(&F);
	X = fake_xive(&F, 2, 32, XIVE_ESB_64K_2PAGE, false);
	ck_assert_int_eq(xive_claim_irq(X, lsi, true), 0);
	ck_assert_int_eq(xive_claim_irq(X, lsi, true), -EBUSY);
	ck_assert_int_eq(fake_queue(X, 1, 3, QPAGE(1), 12), H_SUCCESS);
	ck_assert_int_eq(fake_route(X, lsi, 1, 3, 0x20), H_SUCCESS);
	ck_assert_uint_eq(esb_pq(X, lsi), XIVE_ESB_RESET);

	/* assert: 00 -> 10, forwarded */
	ck_assert_int_eq(xive_set_level(X, lsi, true), 1);
	ck_assert_uint_eq(esb_pq(X, lsi), XIVE_ESB_PENDING);
	ck_assert_uint_eq(queue_enqueued(X, 1, 3), 1);
	/* asserting again while pending does not set Q */
	ck_assert_int_eq(xive_set_level(X, lsi, true), 0);
	ck_assert_uint_eq(esb_pq(X, lsi), XIVE_ESB_PENDING);
	/* EOI while still asserted: re-notified, returns 1 */
	ck_assert_uint_eq(xive_esb_read64(X, esb_mgmt(X, lsi) +
					     XIVE_ESB_LOAD_EOI),
			  1);
	ck_assert_uint_eq(esb_pq(X, lsi), XIVE_ESB_PENDING);
	ck_assert_uint_eq(queue_enqueued(X, 1, 3), 2);
	/* the same through H_INT_ESB, the path Linux takes for LSIs */
	ck_assert_int_eq(hc(X, 1, H_INT_ESB, 0, lsi, XIVE_ESB_LOAD_EOI, 0, 0, r),
			 H_SUCCESS);
	ck_assert_uint_eq(r[0], 1);
	ck_assert_uint_eq(queue_enqueued(X, 1, 3), 3);
	/* deassert, then EOI: back to 00, nothing more */
	ck_assert_int_eq(xive_set_level(X, lsi, false), 0);
	ck_assert_int_eq(hc(X, 1, H_INT_ESB, 0, lsi, XIVE_ESB_LOAD_EOI, 0, 0, r),
			 H_SUCCESS);
	ck_assert_uint_eq(r[0], 0);
	ck_assert_uint_eq(esb_pq(X, lsi), XIVE_ESB_RESET);
	ck_assert_uint_eq(queue_enqueued(X, 1, 3), 3);

	/* masked (PQ 01) while asserted: nothing; unmasking fires */
	esb_force_pq(X, lsi, XIVE_ESB_OFF);
	ck_assert_int_eq(xive_set_level(X, lsi, true), 0);
	ck_assert_uint_eq(queue_enqueued(X, 1, 3), 3);
	ck_assert_uint_eq(xive_esb_read64(X, esb_mgmt(X, lsi) +
					     XIVE_ESB_SET_PQ_00),
			  XIVE_ESB_OFF);
	ck_assert_uint_eq(esb_pq(X, lsi), XIVE_ESB_PENDING);
	ck_assert_uint_eq(queue_enqueued(X, 1, 3), 4);
	ck_assert_int_eq(xive_get_source(X, lsi, &st), 0);
	ck_assert(st.lsi && st.asserted && st.claimed && !st.masked);
	ck_assert_uint_eq(ram_be32(&F, QPAGE(1)), 0x80000020u);

	/* H_INT_GET_SOURCE_INFO tells Linux to use H_INT_ESB for it */
	ck_assert_int_eq(hc(X, 0, H_INT_GET_SOURCE_INFO, 0, lsi, 0, 0, 0, r),
			 H_SUCCESS);
	ck_assert_uint_eq(r[0], XIVE_SRC_H_INT_ESB | XIVE_SRC_LSI);
	ck_assert_uint_eq(r[1], UINT64_MAX);
	ck_assert_uint_eq(r[2], UINT64_MAX);
	ck_assert_uint_eq(r[3], 16);
	/* set_level needs a claimed LSI */
	ck_assert_int_eq(xive_set_level(X, 21, true), -EINVAL);
	teardown();
}
END_TEST

static Suite *xive_esb_suite(void)
{
	Suite *s = suite_create("xive_esb");
	TCase *tc;

	tc = tcase_create("esb");
	tcase_add_loop_test(tc, test_pq_every_offset, 0, 4);
	tcase_add_test(tc, test_store_eoi_unsupported);
	tcase_add_test(tc, test_esb_bad_accesses);
	suite_add_tcase(s, tc);

	tc = tcase_create("msi_lsi");
	tcase_add_test(tc, test_msi_coalescing);
	tcase_add_test(tc, test_lsi_level);
	suite_add_tcase(s, tc);

	return s;
}

CHECK_MAIN(xive_esb_suite)
