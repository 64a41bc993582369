// SPDX-License-Identifier: MIT
/*
 * test_xive_virt.c - the XIVE model as a whole (vmm/xive_virt.c): what Linux's
 * spapr backend does for one IPI, any-thread triggers against Linux-like
 * receivers, configuration checks, claims, layout, CAS and reset.
 */
#include "xive_fixture.h"

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

static Suite *xive_virt_suite(void)
{
	Suite *s = suite_create("xive_virt");
	TCase *tc;

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

CHECK_MAIN(xive_virt_suite)
