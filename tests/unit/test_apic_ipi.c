// SPDX-License-Identifier: MIT
/*
 * test_apic_ipi.c - the APIC as parent chip of the IPI domain: a guest's
 * ICR message, decoded by the APIC model, routed by apic_ipi_route() through
 * the IPI domain, ends up pending on exactly the right APICs (and kicks
 * them); host code sends through the same domain calls.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apic_ipi.h"
#include "check_main.h"

#define NR_CPUS 8

struct world {
	struct virq_table *tbl;
	struct apic_bus *bus;
	struct apic_ipi_router *router;
	struct apic *apic[NR_CPUS];
	unsigned kicks[NR_CPUS];
	uint64_t now;
};

static uint64_t mock_now(void *opaque)
{
	return ((struct world *)opaque)->now;
}

static uint64_t mock_tsc(void *opaque, unsigned cpu)
{
	(void)cpu;
	return ((struct world *)opaque)->now * 2;
}

static void mock_kick(void *opaque, unsigned cpu)
{
	((struct world *)opaque)->kicks[cpu]++;
}

static void mock_timer_arm(void *opaque, unsigned cpu, uint64_t deadline)
{
	(void)opaque;
	(void)cpu;
	(void)deadline;
}

static int mock_send_ipi(void *opaque, const struct apic_ipi *ipi)
{
	return apic_ipi_route(((struct world *)opaque)->router, ipi);
}

static struct world *world_create(void)
{
	struct world *w = calloc(1, sizeof(*w));
	struct apic_ops ops = {
		.opaque = w, .now_ns = mock_now, .guest_tsc = mock_tsc,
		.kick = mock_kick, .timer_arm = mock_timer_arm,
		.send_ipi = mock_send_ipi,
	};

	w->tbl = irq_domain_table_create(256);
	w->bus = apic_bus_create(NR_CPUS);
	w->router = apic_ipi_router_create(w->tbl, w->bus);
	ck_assert_ptr_nonnull(w->router);
	for (unsigned i = 0; i < NR_CPUS; i++) {
		struct apic_config cfg = {
			.size = sizeof(cfg), .cpu = i, .apic_id = i,
			.bsp = i == 0, .x2apic_supported = true,
			.tsc_khz = 2000000, .bus_khz = 1000000,
		};
		uint32_t svr = 0x1ff; /* software enable, spurious 0xff */
		w->apic[i] = apic_create(&cfg, &ops);
		ck_assert_ptr_nonnull(w->apic[i]);
		ck_assert_int_eq(apic_bus_attach(w->bus, w->apic[i]), 0);
		apic_set_wait_for_sipi(w->apic[i], false);
		apic_mmio_write(w->apic[i], APIC_REG_SVR, &svr, 4);
	}
	return w;
}

static void world_destroy(struct world *w)
{
	apic_ipi_router_destroy(w->router);
	for (unsigned i = 0; i < NR_CPUS; i++)
		apic_destroy(w->apic[i]);
	apic_bus_destroy(w->bus);
	irq_domain_table_destroy(w->tbl);
	free(w);
}

/* Write the xAPIC ICR of @cpu the way a guest does: high, then low. */
static void icr_write(struct world *w, unsigned cpu, uint32_t high,
		      uint32_t low)
{
	apic_mmio_write(w->apic[cpu], APIC_REG_ICR_HIGH, &high, 4);
	apic_mmio_write(w->apic[cpu], APIC_REG_ICR_LOW, &low, 4);
}

/* The CPUs whose next interrupt is @vector. */
static unsigned pending_mask(struct world *w, int vector)
{
	unsigned m = 0;

	for (unsigned i = 0; i < NR_CPUS; i++)
		if (apic_next_interrupt(w->apic[i]) == vector)
			m |= 1u << i;
	return m;
}

START_TEST(test_physical_fixed_ipi)
{
	struct world *w = world_create();
	uint64_t msgs, dels, sent, recv;

	icr_write(w, 0, 3u << 24, 0x4000 | 0xfb); /* assert, fixed, 0xfb */
	ck_assert_uint_eq(pending_mask(w, 0xfb), 1u << 3);
	ck_assert_uint_eq(w->kicks[3], 1);
	ck_assert_int_eq(apic_ack_interrupt(w->apic[3]), 0xfb);
	ck_assert_int_eq(apic_next_interrupt(w->apic[3]), -1);
	apic_ipi_counts(w->router, &msgs, &dels);
	ck_assert_uint_eq(msgs, 1);
	ck_assert_uint_eq(dels, 1);
	apic_ipi_cpu_counts(w->router, 0, &sent, &recv);
	ck_assert_uint_eq(sent, 1);
	apic_ipi_cpu_counts(w->router, 3, &sent, &recv);
	ck_assert_uint_eq(recv, 1);
	world_destroy(w);
}
END_TEST

START_TEST(test_shorthands)
{
	struct world *w = world_create();

	icr_write(w, 2, 0, 0xc0000 | 0x4000 | 0x40); /* all excluding self */
	ck_assert_uint_eq(pending_mask(w, 0x40), 0xffu & ~(1u << 2));
	icr_write(w, 5, 0, 0x80000 | 0x4000 | 0x50); /* all including self */
	/* Everyone, the sender too; 0x50 outranks 0x40 where both wait. */
	ck_assert_uint_eq(pending_mask(w, 0x50), 0xffu);
	ck_assert_int_eq(apic_ack_interrupt(w->apic[3]), 0x50);
	ck_assert_int_eq(apic_next_interrupt(w->apic[3]), -1); /* 0x40 < PPR */
	icr_write(w, 6, 0, 0x40000 | 0x4000 | 0x90); /* self */
	ck_assert_uint_eq(pending_mask(w, 0x90), 1u << 6);
	world_destroy(w);
}
END_TEST

START_TEST(test_logical_flat_multicast)
{
	struct world *w = world_create();

	/* Flat model: LDR bit i on CPU i. */
	for (unsigned i = 0; i < NR_CPUS; i++) {
		uint32_t dfr = 0xffffffff, ldr = (1u << i) << 24;
		apic_mmio_write(w->apic[i], APIC_REG_DFR, &dfr, 4);
		apic_mmio_write(w->apic[i], APIC_REG_LDR, &ldr, 4);
	}
	icr_write(w, 0, 0x96u << 24, 0x800 | 0x4000 | 0x61);
	ck_assert_uint_eq(pending_mask(w, 0x61), 0x96);
	world_destroy(w);
}
END_TEST

START_TEST(test_x2apic_cluster_multicast)
{
	struct world *w = world_create();

	for (unsigned i = 0; i < NR_CPUS; i++) {
		uint64_t base = APIC_DEFAULT_BASE | APIC_BASE_ENABLE |
				APIC_BASE_EXTD | (i == 0 ? APIC_BASE_BSP : 0);
		ck_assert_int_eq(apic_msr_write(w->apic[i], MSR_IA32_APIC_BASE,
						base), 0);
	}
	/* Cluster 0, members 1, 2 and 7; logical, fixed, vector 0x71. */
	uint64_t messages, deliveries;
	memset(w->kicks, 0, sizeof(w->kicks));
	ck_assert_int_eq(apic_msr_write(w->apic[0], 0x830,
					((uint64_t)0x86 << 32) | 0x800 |
						0x4000 | 0x71),
			 0);
	ck_assert_uint_eq(pending_mask(w, 0x71), 0x86);
	/* One ICR write is one message through the domain, one delivery and
	 * one kick per target, nothing for the others. */
	apic_ipi_counts(w->router, &messages, &deliveries);
	ck_assert_uint_eq(messages, 1);
	ck_assert_uint_eq(deliveries, 3);
	for (unsigned i = 0; i < NR_CPUS; i++)
		ck_assert_uint_eq(w->kicks[i], (0x86u >> i) & 1);
	world_destroy(w);
}
END_TEST

START_TEST(test_nmi_init_sipi_events)
{
	struct world *w = world_create();
	struct apic_events ev;

	icr_write(w, 0, 1u << 24, 0x4000 | 0x400); /* NMI to 1 */
	ev = apic_take_events(w->apic[1]);
	ck_assert(ev.mask & APIC_EVENT_NMI);
	ck_assert_uint_eq(w->kicks[1], 1);

	icr_write(w, 0, 2u << 24, 0x4000 | 0x500); /* INIT to 2 */
	ev = apic_take_events(w->apic[2]);
	ck_assert(ev.mask & APIC_EVENT_INIT);
	ck_assert(apic_wait_for_sipi(w->apic[2]));
	icr_write(w, 0, 2u << 24, 0x4000 | 0x600 | 0x08); /* SIPI 0x08 */
	ev = apic_take_events(w->apic[2]);
	ck_assert(ev.mask & APIC_EVENT_SIPI);
	ck_assert_uint_eq(ev.sipi_vector, 0x08);
	world_destroy(w);
}
END_TEST

START_TEST(test_lowest_priority_reaches_one)
{
	struct world *w = world_create();
	uint32_t tpr_hi = 0x80;

	for (unsigned i = 0; i < NR_CPUS; i++) {
		uint32_t dfr = 0xffffffff, ldr = (1u << i) << 24;
		apic_mmio_write(w->apic[i], APIC_REG_DFR, &dfr, 4);
		apic_mmio_write(w->apic[i], APIC_REG_LDR, &ldr, 4);
		if (i != 4)
			apic_mmio_write(w->apic[i], APIC_REG_TPR, &tpr_hi, 4);
	}
	/* Logical to CPUs 1..4, lowest priority: CPU 4 has the lowest TPR. */
	icr_write(w, 0, 0x1eu << 24, 0x800 | 0x4000 | 0x100 | 0xa1);
	ck_assert_uint_eq(pending_mask(w, 0xa1), 1u << 4);
	world_destroy(w);
}
END_TEST

START_TEST(test_host_ipi_through_domain)
{
	struct world *w = world_create();
	struct cpumask all, some;
	uint32_t hwirq = APIC_IPI_HWIRQ(0, APIC_DM_FIXED, 0xe1);
	int virq, other;

	cpumask_fill(&all, NR_CPUS);
	virq = ipi_domain_reserve(apic_ipi_domain(w->router), &all, false, &hwirq);
	ck_assert_int_gt(virq, 0);
	/* One vector for all CPUs. */
	for (unsigned i = 0; i < NR_CPUS; i++)
		ck_assert_uint_eq(ipi_domain_get_hwirq(w->tbl, (unsigned)virq, i),
				  hwirq);
	cpumask_clear(&some);
	cpumask_set(&some, 1);
	cpumask_set(&some, 6);
	ck_assert_int_eq(ipi_domain_send_mask(w->tbl, (unsigned)virq, &some), 0);
	ck_assert_uint_eq(pending_mask(w, 0xe1), (1u << 1) | (1u << 6));
	ck_assert_int_eq(ipi_domain_send_single(w->tbl, (unsigned)virq, 2), 0);
	ck_assert_uint_eq(pending_mask(w, 0xe1), (1u << 1) | (1u << 2) |
							 (1u << 6));
	/* With no request the domain picks a free fixed vector. */
	other = ipi_domain_reserve(apic_ipi_domain(w->router), &all, false, NULL);
	ck_assert_int_gt(other, 0);
	uint32_t h = ipi_domain_get_hwirq(w->tbl, (unsigned)other, 0);
	ck_assert_uint_eq(APIC_IPI_HWIRQ_MODE(h), APIC_DM_FIXED);
	ck_assert_uint_ge(APIC_IPI_HWIRQ_VECTOR(h), 0x20);
	ck_assert_uint_ne(h, hwirq);
	/* Fixed vectors below 16 are not IPIs. */
	hwirq = APIC_IPI_HWIRQ(0, APIC_DM_FIXED, 3);
	ck_assert_int_eq(ipi_domain_reserve(apic_ipi_domain(w->router), &all, false,
					    &hwirq),
			 -EINVAL);
	world_destroy(w);
}
END_TEST

START_TEST(test_route_rejects_smi)
{
	struct world *w = world_create();
	struct apic_ipi ipi = {
		.vector = 0, .delivery_mode = APIC_DM_SMI, .dest = 1,
		.source_cpu = 0,
	};

	ck_assert_int_eq(apic_ipi_route(w->router, &ipi), -EINVAL);
	for (unsigned i = 0; i < NR_CPUS; i++)
		ck_assert_uint_eq(w->kicks[i], 0);
	world_destroy(w);
}
END_TEST

static Suite *apic_ipi_suite(void)
{
	Suite *s = suite_create("apic_ipi");
	TCase *tc = tcase_create("routing");

	tcase_add_test(tc, test_physical_fixed_ipi);
	tcase_add_test(tc, test_shorthands);
	tcase_add_test(tc, test_logical_flat_multicast);
	tcase_add_test(tc, test_x2apic_cluster_multicast);
	tcase_add_test(tc, test_nmi_init_sipi_events);
	tcase_add_test(tc, test_lowest_priority_reaches_one);
	tcase_add_test(tc, test_host_ipi_through_domain);
	tcase_add_test(tc, test_route_rejects_smi);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(apic_ipi_suite)
