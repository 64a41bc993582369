/* SPDX-License-Identifier: MIT */
/*
 * test_xive.c - Check tests of the XIVE model: ESB PQ state machine on every
 * offset and layout, MSI vs LSI, event queues (wrap, generation), the TIMA
 * OS ring (CPPR / IPB / PIPR / NSR, ack), a Linux-like end-to-end IPI, the
 * any-thread trigger path, lifecycle and layout.
 *
 * gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -g -Ivmm \
 *     tests/unit/test_xive.c vmm/xive_*.c $(pkg-config --cflags --libs check)
 */
#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#include "check_main.h"
#include "test_xive_fake.h"

#define QPAGE(n) (FAKE_RAM_BASE + 0x10000ull * (n)) /* 64K-aligned slots */

static struct fake F;
static struct xive *X;

static void teardown(void)
{
	xive_destroy(X);
	X = NULL;
	fake_fini(&F);
}

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

/* ------------------------------------------------------------------ */
/* TIMA OS ring                                                        */
/* ------------------------------------------------------------------ */

static void ring(unsigned cpu, struct xive_os_ring *r)
{
	ck_assert_int_eq(xive_get_os_ring(X, cpu, r), 0);
}

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

/* ------------------------------------------------------------------ */
/* End to end: what Linux's xive spapr backend does for one IPI        */
/* ------------------------------------------------------------------ */

START_TEST(test_linux_ipi_flow)
{
	struct xive_info in;
	uint64_t r[4], eoi_off, trig_off, tima_off, tima_gpa;
	const uint64_t qpage = QPAGE(3);
	uint8_t b[8];
	struct xive_stats st;
	uint32_t ipi;

	fake_init(&F);
	X = fake_xive(&F, 2, 16, XIVE_ESB_64K_2PAGE, false);
	xive_get_info(X, &in);
	ipi = xive_ipi_source(X, 1);
	ck_assert_uint_eq(ipi, 1);

	/* xive_spapr_configure_queue(): queue info, then 4K queue, notify */
	ck_assert_int_eq(hc(X, 1, H_INT_GET_QUEUE_INFO, 0, 1, 6, 0, 0, r),
			 H_SUCCESS);
	ck_assert_int_eq(hc(X, 1, H_INT_SET_QUEUE_CONFIG, XIVE_EQ_ALWAYS_NOTIFY,
			    1, 6, qpage, 12, NULL),
			 H_SUCCESS);
	/* xive_spapr_populate_irq_data() */
	ck_assert_int_eq(hc(X, 0, H_INT_GET_SOURCE_INFO, 0, ipi, 0, 0, 0, r),
			 H_SUCCESS);
	ck_assert_uint_eq(r[0], 0); /* MSI, two pages, no store EOI */
	ck_assert_uint_eq(r[3], 16);
	ck_assert_uint_eq(r[2], XIVE_DEFAULT_ESB_BASE + (1ull << 17));
	ck_assert_uint_eq(r[1], XIVE_DEFAULT_ESB_BASE + (1ull << 17) + 0x10000);
	ck_assert(xive_esb_claims(X, r[1], &eoi_off));
	ck_assert(xive_esb_claims(X, r[2], &trig_off));
	/* xive_spapr_configure_irq(): route to cpu 1 prio 6, then unmask */
	ck_assert_int_eq(hc(X, 0, H_INT_SET_SOURCE_CONFIG, XIVE_SRC_SET_EISN,
			    ipi, 1, 6, 0x42, NULL),
			 H_SUCCESS);
	ck_assert_uint_eq(xive_esb_read64(X, eoi_off + XIVE_ESB_SET_PQ_00),
			  XIVE_ESB_OFF);
	/* xive_setup_cpu() on cpu 1: CPPR 0xff through the OS TIMA page */
	tima_gpa = in.tima_os_base + TM_QW1_OS + TM_CPPR;
	ck_assert_uint_eq(in.tima_os_base, XIVE_DEFAULT_TIMA_BASE + 0x20000);
	ck_assert(xive_tima_claims(X, tima_gpa, &tima_off));
	b[0] = 0xff;
	ck_assert_int_eq(xive_tima_access(X, 1, tima_off, b, 1, true), 0);
	ck_assert_uint_eq(atomic_load(&F.raises[1]), 0);

	/* xive_cause_ipi() on cpu 0: out_be64(trig_mmio, 0) */
	memset(b, 0, 8);
	ck_assert_int_eq(xive_esb_access(X, trig_off, b, 8, true), 0);
	ck_assert_uint_eq(atomic_load(&F.line[1]), 1);
	ck_assert_uint_eq(atomic_load(&F.kicks[1]), 1);
	ck_assert(xive_cpu_irq_pending(X, 1));
	ck_assert(!xive_cpu_irq_pending(X, 0));
	ck_assert_uint_eq(atomic_load(&F.raises[0]), 0);

	/* cpu 1 takes the 0x500: xive_spapr_update_pending() acks */
	ck_assert(xive_tima_claims(X, in.tima_os_base + TM_SPC_ACK_OS_REG,
				   &tima_off));
	ck_assert_int_eq(xive_tima_access(X, 1, tima_off, b, 2, false), 0);
	ck_assert_uint_eq(b[0], TM_QW1_NSR_EO);
	ck_assert_uint_eq(b[1], 6);
	ck_assert_uint_eq(atomic_load(&F.line[1]), 0);
	ck_assert(!xive_cpu_irq_pending(X, 1));
	/* xive_read_eq(): toggle 0, so bit 31 = 1 marks the valid entry */
	ck_assert_uint_eq(ram_be32(&F, qpage), 0x80000042u);
	ck_assert_uint_eq(ram_be32(&F, qpage + 4), 0);
	/* xive_do_source_eoi() (the brief's LOAD_EOI variant) */
	ck_assert_uint_eq(xive_esb_read64(X, eoi_off + XIVE_ESB_LOAD_EOI), 0);
	ck_assert_uint_eq(esb_pq(X, ipi), XIVE_ESB_RESET);
	/* xive_irq_eoi(): CPPR back to 0xff, nothing left */
	tima_cppr(X, 1, 0xff);
	ck_assert_uint_eq(xive_tima_read(X, 1, TM_QW1_OS, 8),
			  0x00ff00ffff0000ffull);
	ck_assert_uint_eq(atomic_load(&F.line[1]), 0);

	/* the next IPI goes to the next slot, and uses Linux's own EOI */
	ck_assert_int_eq(xive_esb_access(X, trig_off, b, 8, true), 0);
	ck_assert_uint_eq(tima_ack(X, 1), 0x8006);
	ck_assert_uint_eq(ram_be32(&F, qpage + 4), 0x80000042u);
	ck_assert_uint_eq(xive_esb_read64(X, eoi_off + XIVE_ESB_SET_PQ_00),
			  XIVE_ESB_PENDING); /* no Q: no retrigger */
	tima_cppr(X, 1, 0xff);
	ck_assert_uint_eq(atomic_load(&F.raises[1]), 2);
	ck_assert_uint_eq(atomic_load(&F.lowers[1]), 2);
	xive_get_stats(X, &st);
	ck_assert_uint_eq(st.acks, 2);
	ck_assert_uint_eq(st.presented, 2);
	ck_assert_uint_eq(st.hcall_errors, 0);
	teardown();
}
END_TEST

/* ------------------------------------------------------------------ */
/* Any-thread triggers against Linux-like receivers                    */
/* ------------------------------------------------------------------ */

#define THR_RECEIVERS 3
#define THR_SENDERS 2
#define THR_SENDS 3000

struct rx {
	unsigned cpu;
	atomic_bool *done;
	uint64_t consumed;
	uint32_t idx;
	uint32_t toggle;
	unsigned bad;
};

static void *sender(void *arg)
{
	(void)arg;
	for (int i = 0; i < THR_SENDS; i++) {
		unsigned cpu = 1 + (unsigned)i % THR_RECEIVERS;
		xive_esb_write64(X, esb_trig(X, xive_ipi_source(X, cpu)), 0);
		if (i % 64 == 0)
			sched_yield();
	}
	return NULL;
}

static void rx_drain(struct rx *c)
{
	const uint64_t q = QPAGE(8 + c->cpu);

	for (;;) {
		uint32_t e = ram_be32(&F, q + 4ull * c->idx);
		if ((e >> 31) == c->toggle)
			return;
		if ((e & 0x7fffffffu) != 0x100 + c->cpu)
			c->bad++;
		c->consumed++;
		c->idx = (c->idx + 1) & 1023u;
		if (c->idx == 0)
			c->toggle ^= 1;
	}
}

static void *receiver(void *arg)
{
	struct rx *c = arg;
	uint32_t ipi = xive_ipi_source(X, c->cpu);

	for (;;) {
		if (!xive_cpu_irq_pending(X, c->cpu)) {
			if (atomic_load(c->done))
				break;
			sched_yield();
			continue;
		}
		uint16_t ack = tima_ack(X, c->cpu);
		if (ack >> 8 == TM_QW1_NSR_EO && (ack & 0xff) != 6)
			c->bad++;
		rx_drain(c);
		/* Linux's EOI: SET_PQ_00, re-trigger if Q was set */
		uint64_t old = xive_esb_read64(X, esb_mgmt(X, ipi) +
						      XIVE_ESB_SET_PQ_00);
		if (old & XIVE_ESB_VAL_Q)
			xive_esb_write64(X, esb_trig(X, ipi), 0);
		tima_cppr(X, c->cpu, 0xff);
	}
	return NULL;
}

START_TEST(test_threads_no_lost_ipi)
{
	pthread_t s[THR_SENDERS], r[THR_RECEIVERS];
	struct rx rx[THR_RECEIVERS];
	atomic_bool senders_done;
	struct xive_stats st;
	uint64_t total = 0;

	fake_init(&F);
	X = fake_xive(&F, 4, 16, XIVE_ESB_64K_2PAGE, false);
	atomic_init(&senders_done, false);
	for (unsigned i = 0; i < THR_RECEIVERS; i++) {
		unsigned cpu = i + 1;
		ck_assert_int_eq(fake_queue(X, cpu, 6, QPAGE(8 + cpu), 12),
				 H_SUCCESS);
		ck_assert_int_eq(fake_route(X, cpu, cpu, 6, 0x100 + cpu),
				 H_SUCCESS);
		tima_cppr(X, cpu, 0xff);
		rx[i] = (struct rx){ .cpu = cpu, .done = &senders_done };
	}
	for (unsigned i = 0; i < THR_RECEIVERS; i++)
		ck_assert_int_eq(pthread_create(&r[i], NULL, receiver, &rx[i]), 0);
	for (unsigned i = 0; i < THR_SENDERS; i++)
		ck_assert_int_eq(pthread_create(&s[i], NULL, sender, NULL), 0);
	for (unsigned i = 0; i < THR_SENDERS; i++)
		pthread_join(s[i], NULL);
	atomic_store(&senders_done, true);
	for (unsigned i = 0; i < THR_RECEIVERS; i++)
		pthread_join(r[i], NULL);

	/* quiescent: nothing pending, nothing lost, nothing left queued */
	for (unsigned i = 0; i < THR_RECEIVERS; i++) {
		unsigned cpu = rx[i].cpu;
		struct xive_os_ring o;
		ck_assert_uint_eq(rx[i].bad, 0);
		ck_assert_uint_gt(rx[i].consumed, 0);
		ck_assert_uint_eq(rx[i].consumed, queue_enqueued(X, cpu, 6));
		ck_assert_uint_eq(esb_pq(X, cpu), XIVE_ESB_RESET);
		ring(cpu, &o);
		ck_assert_uint_eq(o.ipb, 0);
		ck_assert(!o.line);
		ck_assert_uint_eq(atomic_load(&F.line[cpu]), 0);
		total += rx[i].consumed;
	}
	xive_get_stats(X, &st);
	ck_assert_uint_eq(st.forwarded, total);
	ck_assert_uint_eq(st.triggers, st.forwarded + st.coalesced);
	ck_assert_uint_ge(st.triggers, (uint64_t)THR_SENDERS * THR_SENDS);
	teardown();
}
END_TEST

/* ------------------------------------------------------------------ */
/* Lifecycle, configuration, layout                                    */
/* ------------------------------------------------------------------ */

START_TEST(test_config_checks)
{
	struct xive_config c;
	struct xive_ops ops;

	fake_init(&F);
	ops = fake_ops(&F);
	xive_config_init(&c, 0, 8);
	ck_assert_ptr_null(xive_create(&c, &ops));
	ck_assert_int_eq(errno, EINVAL);
	xive_config_init(&c, 4, 3); /* fewer LISNs than IPIs */
	ck_assert_ptr_null(xive_create(&c, &ops));
	xive_config_init(&c, 4, 8);
	c.esb_shift = 14;
	ck_assert_ptr_null(xive_create(&c, &ops));
	xive_config_init(&c, 4, 8);
	c.hv_prio = 0;
	ck_assert_ptr_null(xive_create(&c, &ops));
	xive_config_init(&c, 4, 8);
	c.eq_shift_mask = 1u << 11;
	ck_assert_ptr_null(xive_create(&c, &ops));
	xive_config_init(&c, 4, 8);
	c.tima_base = 0x1000;
	ck_assert_ptr_null(xive_create(&c, &ops));
	xive_config_init(&c, 4, 8);
	ops.kick = NULL;
	ck_assert_ptr_null(xive_create(&c, &ops));
	ops = fake_ops(&F);
	xive_config_init(&c, 4, 8);
	c.size = sizeof(size_t); /* no nr_cpus / nr_irqs */
	ck_assert_ptr_null(xive_create(&c, &ops));

	/* an older, shorter config: the rest are defaults */
	xive_config_init(&c, 4, 8);
	c.esb_shift = 12;
	c.size = offsetof(struct xive_config, nr_irqs) + sizeof(unsigned);
	X = xive_create(&c, &ops);
	ck_assert_ptr_nonnull(X);
	struct xive_info in;
	xive_get_info(X, &in);
	ck_assert_uint_eq(in.esb_page_shift, 16); /* default, not 12 */
	ck_assert(in.esb_two_page);
	ck_assert_uint_eq(in.esb_base, XIVE_DEFAULT_ESB_BASE);
	ck_assert_uint_eq(in.esb_size, 8ull << 17);
	ck_assert_uint_eq(in.end_esb_base, XIVE_DEFAULT_ESB_BASE + (8ull << 17));
	ck_assert_uint_eq(in.tima_user_base, XIVE_DEFAULT_TIMA_BASE + 0x30000);
	ck_assert_uint_eq(in.nr_ipis, 4);
	ck_assert_uint_eq(in.hv_prio, 7);
	ck_assert_uint_eq(in.eq_shift_mask, XIVE_EQ_SHIFTS_DEFAULT);
	teardown();
}
END_TEST

START_TEST(test_claims_and_layout)
{
	struct xive_config c;
	struct xive_source_state st;
	uint64_t off;

	fake_init(&F);
	xive_config_init(&c, 2, 8);
	c.esb_shift = XIVE_ESB_4K;
	c.esb_base = 0xd0000000;    /* a 32-bit remap for the x86 VMM */
	c.tima_base = 0xd8000000;
	X = fake_xive_cfg(&F, &c);
	ck_assert_ptr_nonnull(X);
	ck_assert(xive_esb_claims(X, 0xd0000000 + 3 * 4096 + 8, &off));
	ck_assert_uint_eq(off, 3 * 4096 + 8);
	ck_assert(!xive_esb_claims(X, 0xd0000000 + 8 * 4096, &off));
	ck_assert(!xive_esb_claims(X, 0xcffffff8, &off));
	ck_assert(xive_tima_claims(X, 0xd8020000 + 0x810, &off));
	ck_assert_uint_eq(off, 0x810);
	ck_assert(!xive_tima_claims(X, 0xd8030000, &off)); /* user page */
	ck_assert(!xive_tima_claims(X, 0xd8010000, &off)); /* HV page */
	/* one 4K page: GET_SOURCE_INFO says it triggers, no trigger page */
	uint64_t r[4];
	ck_assert_int_eq(hc(X, 0, H_INT_GET_SOURCE_INFO, 0, 1, 0, 0, 0, r),
			 H_SUCCESS);
	ck_assert_uint_eq(r[0], XIVE_SRC_TRIGGER);
	ck_assert_uint_eq(r[1], 0xd0000000 + 4096);
	ck_assert_uint_eq(r[2], UINT64_MAX);
	ck_assert_uint_eq(r[3], 12);

	ck_assert_uint_eq(xive_ipi_source(X, 1), 1);
	ck_assert_uint_eq(xive_ipi_source(X, 2), UINT32_MAX);
	ck_assert_int_eq(xive_claim_irq(X, 0, false), -EBUSY); /* IPI */
	ck_assert_int_eq(xive_claim_irq(X, 8, false), -EINVAL);
	ck_assert_int_eq(xive_get_source(X, 5, &st), 0);
	ck_assert(!st.claimed);
	ck_assert_int_eq(xive_claim_irq(X, 5, false), 0);
	ck_assert_int_eq(xive_get_source(X, 5, &st), 0);
	ck_assert(st.claimed && !st.lsi && st.masked);
	ck_assert_uint_eq(st.pq, XIVE_ESB_OFF);
	ck_assert_uint_eq(st.eisn, 5);
	ck_assert_int_eq(xive_free_irq(X, 5), 0);
	ck_assert_int_eq(hc(X, 0, H_INT_GET_SOURCE_INFO, 0, 5, 0, 0, 0, r),
			 H_P2);
	teardown();
}
END_TEST

START_TEST(test_wait_for_cas_and_reset)
{
	struct xive_config c;
	uint8_t b[8];
	struct xive_os_ring o;

	fake_init(&F);
	xive_config_init(&c, 2, 8);
	c.wait_for_cas = true;
	X = fake_xive_cfg(&F, &c);
	ck_assert_ptr_nonnull(X);
	ck_assert_int_eq(hc(X, 0, H_INT_RESET, 0, 0, 0, 0, 0, NULL),
			 H_FUNCTION);
	ck_assert_int_eq(xive_esb_access(X, esb_mgmt(X, 1), b, 8, false),
			 -EAGAIN);
	ck_assert_int_eq(xive_tima_access(X, 0, TM_QW1_OS, b, 4, false),
			 -EAGAIN);
	xive_activate(X, true);
	ck_assert_int_eq(fake_queue(X, 1, 6, QPAGE(1), 12), H_SUCCESS);
	ck_assert_int_eq(fake_route(X, 1, 1, 6, 9), H_SUCCESS);
	tima_cppr(X, 1, 0xff);
	ck_assert_int_eq(xive_trigger(X, 1), 1);
	ck_assert(xive_cpu_irq_pending(X, 1));

	/* machine reset: line down, everything back, inactive again */
	xive_reset(X);
	ck_assert(!xive_cpu_irq_pending(X, 1));
	ck_assert_uint_eq(atomic_load(&F.line[1]), 0);
	ck_assert_int_eq(xive_get_os_ring(X, 1, &o), 0);
	ck_assert_uint_eq(o.cppr, 0);
	ck_assert_uint_eq(o.pipr, 0xff);
	ck_assert_uint_eq(queue_enqueued(X, 1, 6), 0);
	ck_assert_int_eq(hc(X, 0, H_INT_SYNC, 0, 1, 0, 0, 0, NULL), H_FUNCTION);
	xive_activate(X, true);
	ck_assert_uint_eq(esb_pq(X, 1), XIVE_ESB_OFF);
	ck_assert_int_eq(xive_trigger(X, 1), 0);
	teardown();
}
END_TEST

static Suite *xive_suite(void)
{
	Suite *s = suite_create("xive");
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

	tc = tcase_create("queue");
	tcase_add_test(tc, test_queue_wrap_4k);
	tcase_add_test(tc, test_queue_wrap_64k);
	tcase_add_test(tc, test_queue_2m_and_data);
	tcase_add_test(tc, test_queue_drops);
	suite_add_tcase(s, tc);

	tc = tcase_create("tima");
	tcase_add_test(tc, test_tima_reset_layout);
	tcase_add_test(tc, test_cppr_values);
	tcase_add_test(tc, test_ack_several_priorities);
	tcase_add_test(tc, test_cppr_masking);
	tcase_add_test(tc, test_set_os_pending);
	suite_add_tcase(s, tc);

	tc = tcase_create("end_to_end");
	tcase_add_test(tc, test_linux_ipi_flow);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_threads_no_lost_ipi);
	suite_add_tcase(s, tc);

	tc = tcase_create("lifecycle");
	tcase_add_test(tc, test_config_checks);
	tcase_add_test(tc, test_claims_and_layout);
	tcase_add_test(tc, test_wait_for_cas_and_reset);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(xive_suite)
