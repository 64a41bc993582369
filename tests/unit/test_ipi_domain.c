// SPDX-License-Identifier: MIT
/*
 * test_ipi_domain.c - the generic IPI domain against a recording mock
 * controller: reservation with one hwirq for all CPUs and one per CPU,
 * validation of every send, several controllers side by side, and
 * concurrent senders.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "check_main.h"
#include "ipi_domain.h"

#define NR_CPUS 8
#define MAX_SENDS 4096

struct sent {
	uint32_t hwirq;
	unsigned cpu;
};

/* A controller that records what its chip was asked to raise. */
struct mock_ctrl {
	struct sent log[MAX_SENDS];
	_Atomic unsigned nr;
	unsigned mask_calls;
	unsigned next_hwirq;
	unsigned frees;
	int fail_alloc;
	bool leave_hole; /* per-CPU alloc forgets one CPU */
};

static void record(struct mock_ctrl *m, uint32_t hwirq, unsigned cpu)
{
	unsigned i = atomic_fetch_add(&m->nr, 1);

	if (i < MAX_SENDS)
		m->log[i] = (struct sent){ hwirq, cpu };
}

static void mock_send_single(struct ipi_irq_data *d, unsigned cpu)
{
	struct mock_ctrl *m = irq_domain_host_data(d->domain);

	record(m, d->cpu_hwirq ? d->cpu_hwirq[cpu] : d->hwirq, cpu);
}

static void mock_send_mask(struct ipi_irq_data *d, const struct cpumask *mask)
{
	struct mock_ctrl *m = irq_domain_host_data(d->domain);
	unsigned cpu;

	m->mask_calls++;
	cpumask_for_each(cpu, mask)
		record(m, d->hwirq, cpu);
}

/* Single hwirq: the requested one or the next free; per-CPU: 100 + cpu. */
static int mock_alloc(struct irq_domain *dom, struct ipi_irq_data *d,
		      const struct cpumask *mask, const void *arg)
{
	struct mock_ctrl *m = irq_domain_host_data(dom);
	unsigned cpu;

	if (m->fail_alloc)
		return m->fail_alloc;
	if (d->cpu_hwirq) {
		cpumask_for_each(cpu, mask) {
			if (m->leave_hole && cpu == cpumask_next(mask, 0))
				continue;
			d->cpu_hwirq[cpu] = 100 + cpu;
		}
		return 0;
	}
	d->hwirq = arg ? *(const uint32_t *)arg : m->next_hwirq++;
	return 0;
}

static void mock_free(struct irq_domain *dom, struct ipi_irq_data *d)
{
	struct mock_ctrl *m = irq_domain_host_data(dom);

	(void)d;
	m->frees++;
}

static const struct irq_domain_ops mock_ops = {
	.alloc = mock_alloc,
	.free = mock_free,
};
static const struct ipi_chip mock_chip = {
	.name = "mock",
	.send_single = mock_send_single,
	.send_mask = mock_send_mask,
};
static const struct ipi_chip mock_chip_single_only = {
	.name = "mock-single",
	.send_single = mock_send_single,
};

struct fixture {
	struct virq_table *tbl;
	struct mock_ctrl *ctrl;
	struct irq_domain *parent;
	struct irq_domain *ipi;
};

static struct fixture setup(unsigned flags, const struct ipi_chip *chip)
{
	struct fixture f;

	f.tbl = irq_domain_table_create(64);
	f.ctrl = calloc(1, sizeof(*f.ctrl));
	f.ctrl->next_hwirq = 0xf0;
	f.parent = irq_domain_create_controller(f.tbl, "mock", &mock_ops,
						chip, f.ctrl);
	f.ipi = ipi_domain_create(f.parent, flags, NR_CPUS);
	ck_assert_ptr_nonnull(f.tbl);
	ck_assert_ptr_nonnull(f.parent);
	ck_assert_ptr_nonnull(f.ipi);
	return f;
}

static void teardown(struct fixture *f)
{
	irq_domain_destroy(f->ipi);
	irq_domain_destroy(f->parent);
	irq_domain_table_destroy(f->tbl);
	free(f->ctrl);
}

static struct cpumask mask_of(unsigned n, const unsigned *cpus)
{
	struct cpumask m;

	cpumask_clear(&m);
	for (unsigned i = 0; i < n; i++)
		cpumask_set(&m, cpus[i]);
	return m;
}

START_TEST(test_domain_create_checks)
{
	struct virq_table *tbl = irq_domain_table_create(4);
	struct mock_ctrl ctrl = { 0 };
	struct irq_domain *p = irq_domain_create_controller(tbl, "m", &mock_ops,
							    &mock_chip, &ctrl);

	ck_assert_ptr_null(irq_domain_table_create(0));
	ck_assert_ptr_null(irq_domain_create_controller(NULL, "m", &mock_ops,
							&mock_chip, NULL));
	ck_assert_ptr_null(ipi_domain_create(p, 0, 4));
	ck_assert_ptr_null(ipi_domain_create(
		p, IPI_DOMAIN_PER_CPU | IPI_DOMAIN_SINGLE, 4));
	ck_assert_ptr_null(ipi_domain_create(p, IPI_DOMAIN_SINGLE, 0));
	ck_assert_ptr_null(ipi_domain_create(p, IPI_DOMAIN_SINGLE,
					     IPIVIRT_MAX_CPUS + 1));
	/* An IPI domain cannot be a parent. */
	struct irq_domain *ipi = ipi_domain_create(p, IPI_DOMAIN_SINGLE, 4);
	ck_assert_ptr_nonnull(ipi);
	ck_assert_ptr_null(ipi_domain_create(ipi, IPI_DOMAIN_SINGLE, 4));
	ck_assert_str_eq(irq_domain_name(p), "m");
	irq_domain_destroy(ipi);
	irq_domain_destroy(p);
	irq_domain_table_destroy(tbl);
}
END_TEST

START_TEST(test_single_reserve_and_hwirq)
{
	struct fixture f = setup(IPI_DOMAIN_SINGLE, &mock_chip);
	unsigned cpus[] = { 1, 2, 5 };
	struct cpumask m = mask_of(3, cpus);
	uint32_t want = 0xfb;
	int virq = ipi_domain_reserve(f.ipi, &m, false, &want);
	int virq2 = ipi_domain_reserve(f.ipi, &m, false, NULL);

	ck_assert_int_gt(virq, 0);
	ck_assert_int_gt(virq2, 0);
	ck_assert_int_ne(virq, virq2);
	/* One hwirq for every CPU of the mask, none elsewhere. */
	ck_assert_uint_eq(ipi_domain_get_hwirq(f.tbl, (unsigned)virq, 1), 0xfb);
	ck_assert_uint_eq(ipi_domain_get_hwirq(f.tbl, (unsigned)virq, 5), 0xfb);
	ck_assert_uint_eq(ipi_domain_get_hwirq(f.tbl, (unsigned)virq, 0),
			  IPI_HWIRQ_INVALID);
	ck_assert_uint_eq(ipi_domain_get_hwirq(f.tbl, (unsigned)virq2, 2), 0xf0);
	ck_assert_uint_eq(ipi_domain_get_hwirq(f.tbl, 63, 2), IPI_HWIRQ_INVALID);
	ck_assert(cpumask_equal(ipi_domain_affinity(f.tbl, (unsigned)virq), &m));
	teardown(&f);
}
END_TEST

START_TEST(test_reserve_rejects_bad_masks)
{
	struct fixture f = setup(IPI_DOMAIN_SINGLE, &mock_chip);
	struct cpumask empty, outside;
	unsigned far[] = { NR_CPUS };

	cpumask_clear(&empty);
	outside = mask_of(1, far);
	ck_assert_int_eq(ipi_domain_reserve(f.ipi, &empty, false, NULL), -EINVAL);
	ck_assert_int_eq(ipi_domain_reserve(f.ipi, &outside, false, NULL), -EINVAL);
	ck_assert_int_eq(ipi_domain_reserve(f.ipi, NULL, false, NULL), -EINVAL);
	ck_assert_int_eq(ipi_domain_reserve(f.parent, &outside, false, NULL),
			 -EINVAL);
	/* A failing controller leaves no virq behind. */
	unsigned one[] = { 0 };
	struct cpumask m = mask_of(1, one);
	f.ctrl->fail_alloc = -ENOSPC;
	ck_assert_int_eq(ipi_domain_reserve(f.ipi, &m, false, NULL), -ENOSPC);
	f.ctrl->fail_alloc = 0;
	ck_assert_int_eq(ipi_domain_reserve(f.ipi, &m, false, NULL), 1);
	teardown(&f);
}
END_TEST

START_TEST(test_table_full_and_destroy)
{
	struct virq_table *tbl = irq_domain_table_create(2);
	struct mock_ctrl ctrl = { .next_hwirq = 1 };
	struct irq_domain *p = irq_domain_create_controller(tbl, "m", &mock_ops,
							    &mock_chip, &ctrl);
	struct irq_domain *ipi = ipi_domain_create(p, IPI_DOMAIN_SINGLE, 2);
	struct cpumask all;

	cpumask_fill(&all, 2);
	ck_assert_int_eq(ipi_domain_reserve(ipi, &all, false, NULL), 1);
	ck_assert_int_eq(ipi_domain_reserve(ipi, &all, false, NULL), 2);
	ck_assert_int_eq(ipi_domain_reserve(ipi, &all, false, NULL), -ENOSPC);
	ck_assert_int_eq(ipi_domain_release(tbl, 1), 0);
	ck_assert_uint_eq(ctrl.frees, 1);
	ck_assert_int_eq(ipi_domain_release(tbl, 1), -EINVAL);
	ck_assert_int_eq(ipi_domain_release(tbl, 0), -EINVAL);
	ck_assert_int_eq(ipi_domain_release(tbl, 3), -EINVAL);
	ck_assert_int_eq(ipi_domain_send_single(tbl, 1, 0), -EINVAL);
	/* The freed slot is reused. */
	ck_assert_int_eq(ipi_domain_reserve(ipi, &all, false, NULL), 1);
	/* Destroying the domain releases the IPIs still reserved. */
	irq_domain_destroy(ipi);
	ck_assert_uint_eq(ctrl.frees, 3);
	ck_assert_ptr_null(ipi_domain_affinity(tbl, 1));
	irq_domain_destroy(p);
	irq_domain_table_destroy(tbl);
}
END_TEST

START_TEST(test_send_single_validates)
{
	struct fixture f = setup(IPI_DOMAIN_SINGLE, &mock_chip);
	unsigned cpus[] = { 2, 3 };
	struct cpumask m = mask_of(2, cpus);
	int virq = ipi_domain_reserve(f.ipi, &m, false, NULL);

	ck_assert_int_eq(ipi_domain_send_single(f.tbl, (unsigned)virq, 3), 0);
	ck_assert_uint_eq(atomic_load(&f.ctrl->nr), 1);
	ck_assert_uint_eq(f.ctrl->log[0].cpu, 3);
	ck_assert_uint_eq(f.ctrl->log[0].hwirq, 0xf0);
	ck_assert_int_eq(ipi_domain_send_single(f.tbl, (unsigned)virq, 1), -EINVAL);
	ck_assert_int_eq(ipi_domain_send_single(f.tbl, (unsigned)virq, NR_CPUS),
			 -EINVAL);
	ck_assert_int_eq(ipi_domain_send_single(f.tbl, 0, 2), -EINVAL);
	ck_assert_int_eq(ipi_domain_send_single(f.tbl, 40, 2), -EINVAL);
	ck_assert_uint_eq(atomic_load(&f.ctrl->nr), 1); /* none went out */
	teardown(&f);
}
END_TEST

START_TEST(test_send_mask_validates_and_batches)
{
	struct fixture f = setup(IPI_DOMAIN_SINGLE, &mock_chip);
	unsigned cpus[] = { 0, 4, 6 };
	unsigned sub[] = { 0, 6 };
	unsigned bad[] = { 0, 5 };
	struct cpumask m = mask_of(3, cpus), s = mask_of(2, sub),
		       b = mask_of(2, bad), empty;
	int virq = ipi_domain_reserve(f.ipi, &m, false, NULL);

	cpumask_clear(&empty);
	ck_assert_int_eq(ipi_domain_send_mask(f.tbl, (unsigned)virq, &s), 0);
	/* A single-hwirq controller gets the multicast in one call. */
	ck_assert_uint_eq(f.ctrl->mask_calls, 1);
	ck_assert_uint_eq(atomic_load(&f.ctrl->nr), 2);
	ck_assert_uint_eq(f.ctrl->log[0].cpu, 0);
	ck_assert_uint_eq(f.ctrl->log[1].cpu, 6);
	ck_assert_int_eq(ipi_domain_send_mask(f.tbl, (unsigned)virq, &b), -EINVAL);
	ck_assert_int_eq(ipi_domain_send_mask(f.tbl, (unsigned)virq, &empty), 0);
	ck_assert_int_eq(ipi_domain_send_mask(f.tbl, (unsigned)virq, NULL), -EINVAL);
	ck_assert_uint_eq(atomic_load(&f.ctrl->nr), 2);
	teardown(&f);
}
END_TEST

START_TEST(test_global_ipi_reaches_any_cpu)
{
	struct fixture f = setup(IPI_DOMAIN_SINGLE, &mock_chip);
	unsigned one[] = { 0 };
	struct cpumask m = mask_of(1, one), all, too_many;
	int virq = ipi_domain_reserve(f.ipi, &m, true, NULL);

	cpumask_fill(&all, NR_CPUS);
	cpumask_fill(&too_many, NR_CPUS + 1);
	ck_assert_int_eq(ipi_domain_send_single(f.tbl, (unsigned)virq, 7), 0);
	ck_assert_int_eq(ipi_domain_send_mask(f.tbl, (unsigned)virq, &all), 0);
	ck_assert_uint_eq(atomic_load(&f.ctrl->nr), 1 + NR_CPUS);
	/* Global does not mean CPUs that do not exist. */
	ck_assert_int_eq(ipi_domain_send_single(f.tbl, (unsigned)virq, NR_CPUS),
			 -EINVAL);
	ck_assert_int_eq(ipi_domain_send_mask(f.tbl, (unsigned)virq, &too_many),
			 -EINVAL);
	teardown(&f);
}
END_TEST

START_TEST(test_per_cpu_hwirqs)
{
	struct fixture f = setup(IPI_DOMAIN_PER_CPU, &mock_chip);
	unsigned cpus[] = { 1, 3, 4 };
	struct cpumask m = mask_of(3, cpus);
	int virq = ipi_domain_reserve(f.ipi, &m, false, NULL);

	ck_assert_int_gt(virq, 0);
	ck_assert_uint_eq(ipi_domain_get_hwirq(f.tbl, (unsigned)virq, 1), 101);
	ck_assert_uint_eq(ipi_domain_get_hwirq(f.tbl, (unsigned)virq, 3), 103);
	ck_assert_uint_eq(ipi_domain_get_hwirq(f.tbl, (unsigned)virq, 4), 104);
	ck_assert_uint_eq(ipi_domain_get_hwirq(f.tbl, (unsigned)virq, 2),
			  IPI_HWIRQ_INVALID);
	/* A multicast becomes one send per CPU, each with its own hwirq. */
	ck_assert_int_eq(ipi_domain_send_mask(f.tbl, (unsigned)virq, &m), 0);
	ck_assert_uint_eq(f.ctrl->mask_calls, 0);
	ck_assert_uint_eq(atomic_load(&f.ctrl->nr), 3);
	ck_assert_uint_eq(f.ctrl->log[0].hwirq, 101);
	ck_assert_uint_eq(f.ctrl->log[1].hwirq, 103);
	ck_assert_uint_eq(f.ctrl->log[2].hwirq, 104);
	ck_assert_int_eq(ipi_domain_send_single(f.tbl, (unsigned)virq, 4), 0);
	ck_assert_uint_eq(f.ctrl->log[3].hwirq, 104);
	ck_assert_int_eq(ipi_domain_send_single(f.tbl, (unsigned)virq, 2), -EINVAL);
	teardown(&f);
}
END_TEST

START_TEST(test_per_cpu_rejects_holes_and_partial_global)
{
	struct fixture f = setup(IPI_DOMAIN_PER_CPU, &mock_chip);
	unsigned cpus[] = { 0, 1 };
	struct cpumask m = mask_of(2, cpus);

	/* A controller that leaves a CPU without hwirq fails the reserve. */
	f.ctrl->leave_hole = true;
	ck_assert_int_eq(ipi_domain_reserve(f.ipi, &m, false, NULL), -EIO);
	ck_assert_uint_eq(f.ctrl->frees, 1);
	f.ctrl->leave_hole = false;
	/* Global per-CPU IPIs need every CPU to have a hwirq. */
	ck_assert_int_eq(ipi_domain_reserve(f.ipi, &m, true, NULL), -EINVAL);
	struct cpumask all;
	cpumask_fill(&all, NR_CPUS);
	ck_assert_int_gt(ipi_domain_reserve(f.ipi, &all, true, NULL), 0);
	teardown(&f);
}
END_TEST

START_TEST(test_single_only_chip_gets_loop)
{
	struct fixture f = setup(IPI_DOMAIN_SINGLE, &mock_chip_single_only);
	struct cpumask all;
	int virq;

	cpumask_fill(&all, NR_CPUS);
	virq = ipi_domain_reserve(f.ipi, &all, false, NULL);
	ck_assert_int_eq(ipi_domain_send_mask(f.tbl, (unsigned)virq, &all), 0);
	ck_assert_uint_eq(atomic_load(&f.ctrl->nr), NR_CPUS);
	for (unsigned i = 0; i < NR_CPUS; i++)
		ck_assert_uint_eq(f.ctrl->log[i].cpu, i);
	teardown(&f);
}
END_TEST

START_TEST(test_controllers_coexist)
{
	struct virq_table *tbl = irq_domain_table_create(16);
	struct mock_ctrl a = { .next_hwirq = 10 }, b = { 0 };
	struct irq_domain *pa = irq_domain_create_controller(tbl, "a", &mock_ops,
							     &mock_chip, &a);
	struct irq_domain *pb = irq_domain_create_controller(tbl, "b", &mock_ops,
							     &mock_chip, &b);
	struct irq_domain *ia = ipi_domain_create(pa, IPI_DOMAIN_SINGLE, 4);
	struct irq_domain *ib = ipi_domain_create(pb, IPI_DOMAIN_PER_CPU, 4);
	struct cpumask all;
	int va, vb;

	cpumask_fill(&all, 4);
	va = ipi_domain_reserve(ia, &all, false, NULL);
	vb = ipi_domain_reserve(ib, &all, false, NULL);
	ck_assert_int_gt(va, 0);
	ck_assert_int_gt(vb, 0);
	ck_assert_int_ne(va, vb); /* one virq namespace per VM */
	ck_assert_int_eq(ipi_domain_send_single(tbl, (unsigned)va, 2), 0);
	ck_assert_int_eq(ipi_domain_send_single(tbl, (unsigned)vb, 2), 0);
	ck_assert_uint_eq(atomic_load(&a.nr), 1);
	ck_assert_uint_eq(a.log[0].hwirq, 10);
	ck_assert_uint_eq(atomic_load(&b.nr), 1);
	ck_assert_uint_eq(b.log[0].hwirq, 102);
	irq_domain_destroy(ia);
	ck_assert_ptr_null(ipi_domain_affinity(tbl, (unsigned)va));
	ck_assert_ptr_nonnull(ipi_domain_affinity(tbl, (unsigned)vb));
	irq_domain_destroy(ib);
	irq_domain_destroy(pa);
	irq_domain_destroy(pb);
	irq_domain_table_destroy(tbl);
}
END_TEST

struct sender_arg {
	struct virq_table *tbl;
	unsigned virq;
	unsigned cpu;
	unsigned count;
};

static void *sender(void *p)
{
	struct sender_arg *a = p;

	for (unsigned i = 0; i < a->count; i++)
		ck_assert_int_eq(ipi_domain_send_single(a->tbl, a->virq, a->cpu), 0);
	return NULL;
}

START_TEST(test_concurrent_senders_lose_nothing)
{
	struct fixture f = setup(IPI_DOMAIN_SINGLE, &mock_chip);
	struct cpumask all;
	pthread_t th[4];
	struct sender_arg args[4];
	unsigned per_cpu[4] = { 0 };
	int virq;

	cpumask_fill(&all, NR_CPUS);
	virq = ipi_domain_reserve(f.ipi, &all, false, NULL);
	for (unsigned i = 0; i < 4; i++) {
		args[i] = (struct sender_arg){ f.tbl, (unsigned)virq, i, 500 };
		pthread_create(&th[i], NULL, sender, &args[i]);
	}
	/* Reservations may run while others send. */
	for (unsigned i = 0; i < 8; i++)
		ck_assert_int_gt(ipi_domain_reserve(f.ipi, &all, false, NULL), 0);
	for (unsigned i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	ck_assert_uint_eq(atomic_load(&f.ctrl->nr), 2000);
	for (unsigned i = 0; i < 2000; i++)
		per_cpu[f.ctrl->log[i].cpu]++;
	for (unsigned i = 0; i < 4; i++)
		ck_assert_uint_eq(per_cpu[i], 500);
	teardown(&f);
}
END_TEST

static Suite *ipi_domain_suite(void)
{
	Suite *s = suite_create("ipi_domain");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_domain_create_checks);
	tcase_add_test(tc, test_single_reserve_and_hwirq);
	tcase_add_test(tc, test_reserve_rejects_bad_masks);
	tcase_add_test(tc, test_table_full_and_destroy);
	tcase_add_test(tc, test_send_single_validates);
	tcase_add_test(tc, test_send_mask_validates_and_batches);
	tcase_add_test(tc, test_global_ipi_reaches_any_cpu);
	tcase_add_test(tc, test_per_cpu_hwirqs);
	tcase_add_test(tc, test_per_cpu_rejects_holes_and_partial_global);
	tcase_add_test(tc, test_single_only_chip_gets_loop);
	tcase_add_test(tc, test_controllers_coexist);
	tcase_add_test(tc, test_concurrent_senders_lose_nothing);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(ipi_domain_suite)
