// SPDX-License-Identifier: MIT
/*
 * test_ioapic_router.c - the I/O APIC domain on the APIC vector domain: a
 * pin's virq and its parent hwirq, remapping when the guest reprograms a
 * pin, physical / logical / lowest-priority routing through the IPI domain
 * into the local APICs, the local APIC's EOI broadcast clearing remote IRR,
 * and messages that reach nobody.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apic_ipi.h"
#include "apic_mock.h"
#include "check_main.h"
#include "ioapic.h"
#include "ioapic_router.h"

#define NCPUS 4

struct rig {
	struct mock m;
	struct apic *apic[NCPUS];
	struct apic_bus *bus;
	struct virq_table *tbl;
	struct apic_ipi_router *apic_router;
	struct ioapic_router *router;
	struct ioapic *io;
};

static struct rig R;

static void rig_eoi_broadcast(void *opaque, unsigned cpu, uint8_t vector)
{
	(void)opaque;
	(void)cpu;
	ioapic_eoi(R.io, vector);
}

static void rig_up(void)
{
	struct ioapic_ops io_ops;

	memset(&R, 0, sizeof(R));
	mock_init(&R.m);
	R.bus = apic_bus_create(NCPUS);
	R.tbl = irq_domain_table_create(64);
	ck_assert_ptr_nonnull(R.bus);
	ck_assert_ptr_nonnull(R.tbl);
	for (unsigned i = 0; i < NCPUS; i++) {
		struct apic_config cfg = {
			.size = sizeof(cfg), .cpu = i, .apic_id = i,
			.bsp = i == 0, .x2apic_supported = true,
			.tsc_khz = MOCK_TSC_KHZ, .bus_khz = MOCK_BUS_KHZ,
		};
		struct apic_ops ops = mock_ops(&R.m);

		ops.eoi_broadcast = rig_eoi_broadcast;
		R.apic[i] = apic_create(&cfg, &ops);
		ck_assert_ptr_nonnull(R.apic[i]);
		ck_assert_int_eq(apic_bus_attach(R.bus, R.apic[i]), 0);
		xwr(R.apic[i], APIC_REG_SVR, 0x1ff);
		xwr(R.apic[i], APIC_REG_DFR, 0xffffffff); /* flat */
		xwr(R.apic[i], APIC_REG_LDR, (1u << i) << 24);
	}
	R.apic_router = apic_ipi_router_create(R.tbl, R.bus);
	ck_assert_ptr_nonnull(R.apic_router);
	R.router = ioapic_router_create(R.apic_router, R.tbl, R.bus);
	ck_assert_ptr_nonnull(R.router);
	io_ops = (struct ioapic_ops){ .deliver = ioapic_router_deliver,
				      .opaque = R.router };
	R.io = ioapic_create(&io_ops);
	ck_assert_ptr_nonnull(R.io);
}

static void rig_down(void)
{
	ioapic_destroy(R.io);
	ioapic_router_destroy(R.router);
	apic_ipi_router_destroy(R.apic_router);
	for (unsigned i = 0; i < NCPUS; i++)
		apic_destroy(R.apic[i]);
	apic_bus_destroy(R.bus);
	irq_domain_table_destroy(R.tbl);
}

static void wr(unsigned reg, uint32_t v)
{
	ioapic_mmio_write(R.io, IOAPIC_REG_SELECT, &reg, 4);
	ioapic_mmio_write(R.io, IOAPIC_REG_WINDOW, &v, 4);
}

static uint32_t rd(unsigned reg)
{
	uint32_t v = 0;

	ioapic_mmio_write(R.io, IOAPIC_REG_SELECT, &reg, 4);
	ioapic_mmio_read(R.io, IOAPIC_REG_WINDOW, &v, 4);
	return v;
}

static void set_rte(unsigned pin, uint32_t low, uint8_t dest)
{
	wr(IOAPIC_REDTBL(pin) + 1, (uint32_t)dest << 24);
	wr(IOAPIC_REDTBL(pin), low);
}

#define LEVEL IOAPIC_RTE_LEVEL
#define LOGICAL IOAPIC_RTE_DESTMODE
#define DM(m) ((uint32_t)(m) << IOAPIC_RTE_DELMODE_SHIFT)

START_TEST(test_create_checks)
{
	rig_up();
	ck_assert_ptr_null(ioapic_router_create(NULL, R.tbl, R.bus));
	ck_assert_ptr_null(ioapic_router_create(R.apic_router, NULL, R.bus));
	ck_assert_ptr_null(ioapic_router_create(R.apic_router, R.tbl, NULL));
	ck_assert_ptr_eq(irq_domain_name(ioapic_router_domain(R.router)),
			 irq_domain_name(ioapic_router_domain(R.router)));
	ck_assert_str_eq(irq_domain_name(ioapic_router_domain(R.router)),
			 "ioapic");
	/* A device domain hands out pins, not IPIs. */
	ck_assert_int_lt(irq_domain_alloc_irq(ioapic_router_domain(R.router),
					      IOAPIC_NR_PINS, NULL), 0);
	{
		struct cpumask all;

		cpumask_fill(&all, NCPUS);
		ck_assert_int_eq(ipi_domain_reserve(ioapic_router_domain(R.router),
						    &all, true, NULL), -EINVAL);
	}
	ck_assert_uint_eq(ioapic_router_virq(R.router, 3), 0);
	rig_down();
}
END_TEST

START_TEST(test_pin_virq_hierarchy)
{
	const struct ipi_irq_data *d;
	unsigned virq;
	uint64_t sent, dropped;

	rig_up();
	set_rte(5, 0x41, 2);
	ioapic_set_irq(R.io, 5, true);
	ck_assert_int_eq(apic_next_interrupt(R.apic[2]), 0x41);
	ck_assert_int_eq(apic_next_interrupt(R.apic[1]), -1);
	virq = ioapic_router_virq(R.router, 5);
	ck_assert_uint_gt(virq, 0);
	d = irq_domain_get_irq_data(R.tbl, virq);
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_eq(d->domain, ioapic_router_domain(R.router));
	ck_assert_uint_eq(d->hwirq, 5);
	ck_assert_ptr_nonnull(d->parent_data);
	ck_assert_ptr_eq(d->parent_data->domain,
			 apic_vector_domain(R.apic_router));
	ck_assert_uint_eq(d->parent_data->hwirq,
			  APIC_IPI_HWIRQ(0, APIC_DM_FIXED, 0x41));
	ioapic_router_counts(R.router, 5, &sent, &dropped);
	ck_assert_uint_eq(sent, 1);
	ck_assert_uint_eq(dropped, 0);

	/* Same programming, another edge: the same virq. */
	ioapic_set_irq(R.io, 5, false);
	ioapic_set_irq(R.io, 5, true);
	ck_assert_uint_eq(ioapic_router_virq(R.router, 5), virq);

	/* A new vector: a new virq, the old one freed. */
	set_rte(5, 0x52, 2);
	ioapic_set_irq(R.io, 5, false);
	ioapic_set_irq(R.io, 5, true);
	ck_assert_uint_ne(ioapic_router_virq(R.router, 5), 0);
	d = irq_domain_get_irq_data(R.tbl, ioapic_router_virq(R.router, 5));
	ck_assert_uint_eq(d->parent_data->hwirq,
			  APIC_IPI_HWIRQ(0, APIC_DM_FIXED, 0x52));
	if (ioapic_router_virq(R.router, 5) != virq)
		ck_assert_ptr_null(irq_domain_get_irq_data(R.tbl, virq));
	ck_assert(apic_ack_interrupt(R.apic[2]) == 0x52);
	rig_down();
}
END_TEST

START_TEST(test_logical_and_lowest_priority)
{
	rig_up();
	/* Logical flat 0x0a: CPUs 1 and 3. */
	set_rte(7, 0x61 | LOGICAL, 0x0a);
	ioapic_set_irq(R.io, 7, true);
	ck_assert_int_eq(apic_next_interrupt(R.apic[1]), 0x61);
	ck_assert_int_eq(apic_next_interrupt(R.apic[3]), 0x61);
	ck_assert_int_eq(apic_next_interrupt(R.apic[0]), -1);
	ck_assert_int_eq(apic_next_interrupt(R.apic[2]), -1);

	/* Lowest priority among 0x0c (CPUs 2, 3): CPU 2's TPR is higher,
	 * so CPU 3 gets it, as fixed. */
	xwr(R.apic[2], APIC_REG_TPR, 0x80);
	set_rte(8, 0x62 | LOGICAL | DM(APIC_DM_LOWEST), 0x0c);
	ioapic_set_irq(R.io, 8, true);
	ck_assert_int_eq(apic_ack_interrupt(R.apic[3]), 0x62);
	ck_assert_int_eq(apic_next_interrupt(R.apic[2]), -1);
	ck_assert_uint_eq(irq_domain_get_irq_data(R.tbl,
						  ioapic_router_virq(R.router, 8))
				  ->parent_data->hwirq,
			  APIC_IPI_HWIRQ(0, APIC_DM_FIXED, 0x62));

	/* NMI through a pin: vector ignored, one NMI event. */
	set_rte(9, 0x77 | DM(APIC_DM_NMI), 1);
	ioapic_set_irq(R.io, 9, true);
	ck_assert(apic_take_events(R.apic[1]).mask & APIC_EVENT_NMI);
	rig_down();
}
END_TEST

START_TEST(test_level_eoi_broadcast)
{
	uint32_t tmr;

	rig_up();
	set_rte(10, 0x71 | LEVEL, 0);
	ioapic_set_irq(R.io, 10, true);
	ck_assert(rd(IOAPIC_REDTBL(10)) & IOAPIC_RTE_REMOTE_IRR);
	ck_assert_int_eq(apic_ack_interrupt(R.apic[0]), 0x71);
	tmr = xrd(R.apic[0], APIC_REG_TMR + 0x10 * (0x71 / 32));
	ck_assert(tmr & (1u << (0x71 % 32)));
	/* Line still high: the EOI broadcast clears remote IRR and the pin
	 * delivers again. */
	xwr(R.apic[0], APIC_REG_EOI, 0);
	ck_assert(rd(IOAPIC_REDTBL(10)) & IOAPIC_RTE_REMOTE_IRR);
	ck_assert_int_eq(apic_ack_interrupt(R.apic[0]), 0x71);
	/* Device quiet, EOI: remote IRR clear, nothing new. */
	ioapic_set_irq(R.io, 10, false);
	xwr(R.apic[0], APIC_REG_EOI, 0);
	ck_assert(!(rd(IOAPIC_REDTBL(10)) & IOAPIC_RTE_REMOTE_IRR));
	ck_assert_int_eq(apic_next_interrupt(R.apic[0]), -1);

	/* An edge vector's EOI is not broadcast: a level pin sharing
	 * nothing with it keeps its remote IRR. */
	set_rte(11, 0x72 | LEVEL, 0);
	set_rte(12, 0x73, 0);
	ioapic_set_irq(R.io, 11, true);
	ioapic_set_irq(R.io, 12, true);
	ck_assert_int_eq(apic_ack_interrupt(R.apic[0]), 0x73);
	xwr(R.apic[0], APIC_REG_EOI, 0);
	ck_assert(rd(IOAPIC_REDTBL(11)) & IOAPIC_RTE_REMOTE_IRR);
	rig_down();
}
END_TEST

START_TEST(test_nobody_home)
{
	uint64_t sent, dropped;

	rig_up();
	/* Physical APIC ID 9 does not exist; ExtINT reaches no local APIC. */
	set_rte(3, 0x44, 9);
	ioapic_set_irq(R.io, 3, true);
	set_rte(4, DM(APIC_DM_EXTINT), 0);
	ioapic_set_irq(R.io, 4, true);
	ioapic_router_counts(R.router, 3, &sent, &dropped);
	ck_assert_uint_eq(sent, 0);
	ck_assert_uint_eq(dropped, 1);
	ioapic_router_counts(R.router, 4, &sent, &dropped);
	ck_assert_uint_eq(dropped, 1);
	for (unsigned i = 0; i < NCPUS; i++)
		ck_assert_int_eq(apic_next_interrupt(R.apic[i]), -1);
	/* A bad pin from a broken caller is ignored. */
	ioapic_router_deliver(R.router, IOAPIC_NR_PINS, &(struct apic_ipi){ 0 });
	ioapic_router_counts(R.router, IOAPIC_NR_PINS, &sent, &dropped);
	ck_assert_uint_eq(sent + dropped, 0);
	rig_down();
}
END_TEST

static Suite *ioapic_route_suite(void)
{
	Suite *s = suite_create("ioapic_route");
	TCase *tc = tcase_create("route");

	tcase_add_test(tc, test_create_checks);
	tcase_add_test(tc, test_pin_virq_hierarchy);
	tcase_add_test(tc, test_logical_and_lowest_priority);
	tcase_add_test(tc, test_level_eoi_broadcast);
	tcase_add_test(tc, test_nobody_home);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(ioapic_route_suite)
