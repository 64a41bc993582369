// SPDX-License-Identifier: MIT
/*
 * test_power.c - the ways a guest ends a run (vmm/hw/power.c), through the
 * port bus as a vCPU's I/O exits reach them: the debug-exit port's status,
 * ACPI S5 through PM1a_CNT, PM1a_EN read back, the reset register, and the
 * writes that must not end anything.
 */
#include <check.h>
#include <string.h>

#include "bus.h"
#include "check_main.h"
#include "hw/power.h"

struct requests {
	unsigned n;
	enum power_request last;
	int code;
};

static void record(void *opaque, enum power_request req, int code)
{
	struct requests *r = opaque;

	r->n++;
	r->last = req;
	r->code = code;
}

static struct bus pio;
static struct power pw;
static struct requests reqs;

static void setup(void)
{
	memset(&reqs, 0, sizeof(reqs));
	bus_init(&pio, "pio");
	ck_assert_int_eq(power__register(&pw, &pio, record, &reqs), 0);
}

static void out(uint64_t port, uint32_t v, unsigned len)
{
	ck_assert(bus_access(&pio, 0, port, &v, len, true));
}

static uint32_t in(uint64_t port, unsigned len)
{
	uint32_t v = 0;

	ck_assert(bus_access(&pio, 0, port, &v, len, false));
	return v;
}

START_TEST(debug_exit_status)
{
	out(DEBUG_EXIT_PORT, 42, 1);
	ck_assert_uint_eq(reqs.n, 1);
	ck_assert_int_eq(reqs.last, POWER_DEBUG_EXIT);
	ck_assert_int_eq(reqs.code, (42 << 1) | 1);
	/* A 4-byte write carries the whole value; reads are all ones. */
	out(DEBUG_EXIT_PORT, 0x80, 4);
	ck_assert_int_eq(reqs.code, (0x80 << 1) | 1);
	ck_assert_uint_eq(in(DEBUG_EXIT_PORT, 1), 0xff);
}
END_TEST

START_TEST(s5_powers_off)
{
	/* SLP_TYP 0 (our _S5) with SLP_EN: power off. */
	out(ACPI_PM1A_CNT, 1u << 13, 2);
	ck_assert_uint_eq(reqs.n, 1);
	ck_assert_int_eq(reqs.last, POWER_OFF);
}
END_TEST

START_TEST(other_sleep_states_do_not)
{
	out(ACPI_PM1A_CNT, (1u << 13) | (5u << 10), 2); /* SLP_TYP 5 */
	out(ACPI_PM1A_CNT, 0, 2);                       /* no SLP_EN */
	out(ACPI_PM1A_EVT, 0xffff, 2);
	ck_assert_uint_eq(reqs.n, 0);
	/* SCI_EN reads set: the guest sees ACPI mode. */
	ck_assert_uint_eq(in(ACPI_PM1A_CNT, 2) & 1, 1);
}
END_TEST

START_TEST(pm1_enable_reads_back)
{
	ck_assert_uint_eq(in(ACPI_PM1A_EVT + 2, 2), 0);
	out(ACPI_PM1A_EVT + 2, 0x0121, 2);
	ck_assert_uint_eq(in(ACPI_PM1A_EVT + 2, 2), 0x0121);
	/* Status reads zero whatever was written. */
	ck_assert_uint_eq(in(ACPI_PM1A_EVT, 2), 0);
	ck_assert_uint_eq(reqs.n, 0);
}
END_TEST

START_TEST(pm1_enable_is_per_device)
{
	struct bus pio2;
	struct power pw2;
	struct requests r2 = { 0 };
	uint32_t v = 0;

	bus_init(&pio2, "pio");
	ck_assert_int_eq(power__register(&pw2, &pio2, record, &r2), 0);
	out(ACPI_PM1A_EVT + 2, 0x20, 2);
	ck_assert(bus_access(&pio2, 0, ACPI_PM1A_EVT + 2, &v, 2, false));
	ck_assert_uint_eq(v, 0); /* the other VM's word is untouched */
}
END_TEST

START_TEST(reset_control)
{
	out(RESET_CONTROL_PORT, 0x02, 1); /* SYS_RST alone: nothing */
	ck_assert_uint_eq(reqs.n, 0);
	out(RESET_CONTROL_PORT, 0x06, 1); /* RST_CPU | SYS_RST */
	ck_assert_uint_eq(reqs.n, 1);
	ck_assert_int_eq(reqs.last, POWER_RESET);
	ck_assert_uint_eq(in(RESET_CONTROL_PORT, 1), 0);
}
END_TEST

static Suite *power_suite(void)
{
	Suite *s = suite_create("power");
	TCase *tc = tcase_create("ports");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, debug_exit_status);
	tcase_add_test(tc, s5_powers_off);
	tcase_add_test(tc, other_sleep_states_do_not);
	tcase_add_test(tc, pm1_enable_reads_back);
	tcase_add_test(tc, pm1_enable_is_per_device);
	tcase_add_test(tc, reset_control);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(power_suite)
