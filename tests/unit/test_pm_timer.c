// SPDX-License-Identifier: MIT
/*
 * test_pm_timer.c - the ACPI PM timer against a fake clock: 3.579545 MHz
 * from its creation, the 24-bit wrap, no overflow after days, byte and
 * dword reads through the bus next to PM1a's block, writes ignored.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "check_main.h"
#include "pm_timer.h"

#define BASE_NS 777000000000ull
#define NS_PER_SEC 1000000000ull

static uint64_t fake_ns;

static uint64_t fake_now(void *opaque)
{
	return *(uint64_t *)opaque;
}

static struct pm_timer *make_timer(void)
{
	const struct pm_timer_ops ops = { .now_ns = fake_now,
					  .opaque = &fake_ns };
	struct pm_timer *t;

	fake_ns = BASE_NS;
	t = pm_timer_create(&ops);
	ck_assert_ptr_nonnull(t);
	return t;
}

/* The first nanosecond at which @ticks have passed. */
static uint64_t ticks_ns(uint64_t ticks)
{
	return ticks / PM_TIMER_HZ * NS_PER_SEC +
	       (ticks % PM_TIMER_HZ * NS_PER_SEC + PM_TIMER_HZ - 1) /
		       PM_TIMER_HZ;
}

START_TEST(test_create_checks)
{
	const struct pm_timer_ops none = { 0 };

	ck_assert_ptr_null(pm_timer_create(NULL));
	ck_assert_ptr_null(pm_timer_create(&none));
	pm_timer_destroy(NULL);
}
END_TEST

START_TEST(test_rate_from_creation)
{
	struct pm_timer *t = make_timer();

	ck_assert_uint_eq(pm_timer_read(t), 0);
	fake_ns = BASE_NS + 1000000; /* 1 ms */
	ck_assert_uint_eq(pm_timer_read(t), 3579);
	fake_ns = BASE_NS + NS_PER_SEC;
	ck_assert_uint_eq(pm_timer_read(t), PM_TIMER_HZ);
	/* One tick is 279.4 ns: the count changes exactly at each edge. */
	fake_ns = BASE_NS + ticks_ns(12345) - 1;
	ck_assert_uint_eq(pm_timer_read(t), 12344);
	fake_ns = BASE_NS + ticks_ns(12345);
	ck_assert_uint_eq(pm_timer_read(t), 12345);
	pm_timer_destroy(t);
}
END_TEST

START_TEST(test_wraps_at_24_bits)
{
	struct pm_timer *t = make_timer();

	fake_ns = BASE_NS + ticks_ns(PM_TIMER_MASK);
	ck_assert_uint_eq(pm_timer_read(t), PM_TIMER_MASK);
	fake_ns = BASE_NS + ticks_ns(PM_TIMER_MASK + 1ull); /* 4.69 s */
	ck_assert_uint_eq(pm_timer_read(t), 0);
	fake_ns = BASE_NS + ticks_ns(PM_TIMER_MASK + 6ull);
	ck_assert_uint_eq(pm_timer_read(t), 5);
	pm_timer_destroy(t);
}
END_TEST

START_TEST(test_no_overflow_after_days)
{
	struct pm_timer *t = make_timer();
	/* ns * Hz overflows 64 bits after 85 minutes; go 40 days. */
	const uint64_t ticks = 40ull * 86400 * PM_TIMER_HZ + 777;

	fake_ns = BASE_NS + ticks_ns(ticks);
	ck_assert_uint_eq(pm_timer_read(t), ticks & PM_TIMER_MASK);
	fake_ns += 1000000;
	ck_assert_uint_eq(pm_timer_read(t), (ticks + 3579) & PM_TIMER_MASK);
	pm_timer_destroy(t);
}
END_TEST

START_TEST(test_monotonic_modulo_wrap)
{
	struct pm_timer *t = make_timer();
	uint32_t prev = 0, v;
	uint64_t total = 0;

	/* 12 s in steps of 0.9 ms: every step moves 3221 or 3222 ticks. */
	for (unsigned i = 0; i < 13334; i++) {
		fake_ns += 900000;
		v = pm_timer_read(t);
		ck_assert_uint_le(v, PM_TIMER_MASK);
		total += (v - prev) & PM_TIMER_MASK;
		ck_assert_uint_ge((v - prev) & PM_TIMER_MASK, 3221);
		ck_assert_uint_le((v - prev) & PM_TIMER_MASK, 3222);
		prev = v;
	}
	ck_assert_uint_eq(total, (13334ull * 900000 * PM_TIMER_HZ) / NS_PER_SEC);
	/* A clock before creation reads 0, never a huge value. */
	fake_ns = BASE_NS - 1;
	ck_assert_uint_eq(pm_timer_read(t), 0);
	pm_timer_destroy(t);
}
END_TEST

static uint8_t buf[8];

static void pm1a(void *opaque, unsigned cpu, uint64_t addr, void *data,
		 unsigned len, bool is_write)
{
	(void)opaque;
	(void)cpu;
	(void)addr;
	if (!is_write)
		memset(data, 0, len);
}

START_TEST(test_bus_reads)
{
	struct pm_timer *t = make_timer();
	struct bus bus;
	uint32_t v = 0;

	bus_init(&bus, "pio");
	ck_assert_int_eq(pm_timer_register(NULL, &bus, 0x608), -EINVAL);
	/* PM1a (power.c) takes 0x600-0x607, the timer 0x608-0x60b. */
	ck_assert_int_eq(bus_register(&bus, 0x600, 8, pm1a, NULL, "pm1a"), 0);
	ck_assert_int_eq(pm_timer_register(t, &bus, 0x608), 0);
	ck_assert_int_eq(pm_timer_register(t, &bus, 0x60a), -EEXIST);
	fake_ns = BASE_NS + ticks_ns(0x123456);
	ck_assert(bus_access(&bus, 0, 0x608, &v, 4, false));
	ck_assert_uint_eq(v, 0x123456);
	/* Narrow reads get their bytes; the top byte is 0. */
	ck_assert(bus_access(&bus, 0, 0x609, buf, 2, false));
	ck_assert_uint_eq(buf[0], 0x34);
	ck_assert_uint_eq(buf[1], 0x12);
	ck_assert(bus_access(&bus, 0, 0x60b, buf, 1, false));
	ck_assert_uint_eq(buf[0], 0);
	/* Writes do nothing; a dword across 0x606 is neither device's. */
	v = 0xffffffff;
	ck_assert(bus_access(&bus, 0, 0x608, &v, 4, true));
	ck_assert_uint_eq(pm_timer_read(t), 0x123456);
	ck_assert(!bus_access(&bus, 0, 0x606, &v, 4, false));
	pm_timer_destroy(t);
}
END_TEST

static Suite *pm_timer_suite(void)
{
	Suite *s = suite_create("pm_timer");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_create_checks);
	tcase_add_test(tc, test_rate_from_creation);
	tcase_add_test(tc, test_wraps_at_24_bits);
	tcase_add_test(tc, test_no_overflow_after_days);
	tcase_add_test(tc, test_monotonic_modulo_wrap);
	tcase_add_test(tc, test_bus_reads);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(pm_timer_suite)
