// SPDX-License-Identifier: MIT
/*
 * test_xive_ipi.c - XIVE as the parent chip of a per-CPU IPI domain: each
 * CPU's hwirq is its own IPI source, a send triggers that source, XIVE
 * routes the event to the queue and vCPU the guest configured, and a
 * guest's trigger store goes through the same domain.
 */
#include <check.h>
#include <stdlib.h>

#include "check_main.h"
#include "test_xive_fake.h"
#include "xive_ipi.h"

#define NR_CPUS 4
#define PRIO 6

struct world {
	struct fake f;
	struct xive *x;
	struct virq_table *tbl;
	struct xive_ipi_router *r;
};

/* Every CPU's queue, and each IPI source routed to its own CPU. */
static void world_init(struct world *w)
{
	fake_init(&w->f);
	w->x = fake_xive(&w->f, NR_CPUS, NR_CPUS + 4, 17, false);
	ck_assert_ptr_nonnull(w->x);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		ck_assert_int_eq(fake_queue(w->x, cpu, PRIO,
					    FAKE_RAM_BASE + cpu * 0x1000, 12),
				 H_SUCCESS);
		ck_assert_int_eq(fake_route(w->x, cpu, cpu, PRIO, 0x100 + cpu),
				 H_SUCCESS);
		tima_cppr(w->x, cpu, 0xff);
	}
	w->tbl = irq_domain_table_create(16);
	w->r = xive_ipi_router_create(w->tbl, w->x, NR_CPUS);
	ck_assert_ptr_nonnull(w->r);
}

static void world_fini(struct world *w)
{
	xive_ipi_router_destroy(w->r);
	irq_domain_table_destroy(w->tbl);
	xive_destroy(w->x);
	fake_fini(&w->f);
}

START_TEST(test_per_cpu_hwirqs_are_ipi_sources)
{
	struct world w;
	unsigned virq;

	world_init(&w);
	virq = xive_ipi_guest_virq(w.r);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		ck_assert_uint_eq(ipi_domain_get_hwirq(w.tbl, virq, cpu),
				  xive_ipi_source(w.x, cpu));
	world_fini(&w);
}
END_TEST

START_TEST(test_host_send_reaches_target_queue)
{
	struct world w;
	struct cpumask m;
	int virq;

	world_init(&w);
	cpumask_clear(&m);
	cpumask_set(&m, 1);
	cpumask_set(&m, 3);
	virq = ipi_domain_reserve(xive_ipi_domain(w.r), &m, false, NULL);
	ck_assert_int_gt(virq, 0);
	ck_assert_int_eq(ipi_domain_send_mask(w.tbl, (unsigned)virq, &m), 0);
	/* Lines up on 1 and 3 only; each queue got its source's EISN. */
	ck_assert_int_eq(atomic_load(&w.f.line[1]), 1);
	ck_assert_int_eq(atomic_load(&w.f.line[3]), 1);
	ck_assert_int_eq(atomic_load(&w.f.line[0]), 0);
	ck_assert_int_eq(atomic_load(&w.f.line[2]), 0);
	ck_assert_uint_eq(ram_be32(&w.f, FAKE_RAM_BASE + 1 * 0x1000),
			  0x80000000u | 0x101);
	ck_assert_uint_eq(ram_be32(&w.f, FAKE_RAM_BASE + 3 * 0x1000),
			  0x80000000u | 0x103);
	ck_assert_uint_eq(xive_ipi_received(w.r, 1), 1);
	ck_assert_uint_eq(xive_ipi_received(w.r, 0), 0);
	/* Outside the reserved mask: refused, nothing sent. */
	ck_assert_int_eq(ipi_domain_send_single(w.tbl, (unsigned)virq, 2), -EINVAL);
	ck_assert_int_eq(atomic_load(&w.f.line[2]), 0);
	world_fini(&w);
}
END_TEST

START_TEST(test_guest_trigger_goes_through_domain)
{
	struct world w;

	world_init(&w);
	ck_assert_int_eq(xive_ipi_guest_trigger(w.r, 2), 0);
	ck_assert_uint_eq(xive_ipi_received(w.r, 2), 1);
	ck_assert_int_eq(atomic_load(&w.f.line[2]), 1);
	/* A second trigger before the EOI coalesces (PQ 10 -> 11). */
	ck_assert_int_eq(xive_ipi_guest_trigger(w.r, 2), 0);
	ck_assert_uint_eq(xive_ipi_received(w.r, 2), 2);
	ck_assert_uint_eq(queue_enqueued(w.x, 2, PRIO), 1);
	ck_assert_uint_eq(esb_pq(w.x, 2), 3);
	/* The guest's flow: ack, then EOI re-forwards the queued event. */
	ck_assert_uint_eq(tima_ack(w.x, 2), 0x8000 | PRIO);
	ck_assert_uint_eq(xive_esb_read64(w.x, esb_mgmt(w.x, 2)), 1);
	ck_assert_uint_eq(queue_enqueued(w.x, 2, PRIO), 2);
	/* A non-IPI source triggers directly, an unknown one is refused. */
	ck_assert_int_eq(xive_ipi_guest_trigger(w.r, NR_CPUS + 1), 0);
	ck_assert_uint_eq(xive_ipi_received(w.r, 1), 0);
	ck_assert_int_lt(xive_ipi_guest_trigger(w.r, 1000), 0);
	world_fini(&w);
}
END_TEST

START_TEST(test_guest_routing_wins)
{
	struct world w;

	world_init(&w);
	/* The guest points CPU 0's IPI source at CPU 3: XIVE obeys it. */
	ck_assert_int_eq(fake_route(w.x, 0, 3, PRIO, 0x200), H_SUCCESS);
	ck_assert_int_eq(xive_ipi_guest_trigger(w.r, 0), 0);
	ck_assert_int_eq(atomic_load(&w.f.line[3]), 1);
	ck_assert_int_eq(atomic_load(&w.f.line[0]), 0);
	ck_assert_uint_eq(ram_be32(&w.f, FAKE_RAM_BASE + 3 * 0x1000),
			  0x80000000u | 0x200);
	world_fini(&w);
}
END_TEST

static Suite *xive_ipi_suite(void)
{
	Suite *s = suite_create("xive_ipi");
	TCase *tc = tcase_create("domain");

	tcase_add_test(tc, test_per_cpu_hwirqs_are_ipi_sources);
	tcase_add_test(tc, test_host_send_reaches_target_queue);
	tcase_add_test(tc, test_guest_trigger_goes_through_domain);
	tcase_add_test(tc, test_guest_routing_wins);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(xive_ipi_suite)
