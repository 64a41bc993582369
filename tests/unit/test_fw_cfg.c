// SPDX-License-Identifier: MIT
/*
 * test_fw_cfg.c - QEMU's fw_cfg, legacy port flavour (vmm/hw/fw_cfg.c),
 * read as a guest reads it: select a key at 0x510, stream bytes from 0x511.
 * The signature, the interface ID, RAM size and CPU counts little-endian,
 * the big-endian file directory and a file found through it, unknown keys
 * and reads past the end as zeros, and the limits on files.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "bus.h"
#include "check_main.h"
#include "hw/fw_cfg.h"

static struct bus pio;
static struct fw_cfg *C;

static void setup(void)
{
	bus_init(&pio, "pio");
	C = fw_cfg__create(256ull << 20, 4);
	ck_assert_ptr_nonnull(C);
	ck_assert_int_eq(fw_cfg__register(C, &pio), 0);
}

static void teardown(void)
{
	fw_cfg__destroy(C);
}

static void select_key(uint16_t key)
{
	ck_assert(bus_access(&pio, 0, FW_CFG_PORT_SEL, &key, 2, true));
}

static void read_bytes(void *buf, unsigned len)
{
	uint8_t *p = buf;

	for (unsigned i = 0; i < len; i++)
		ck_assert(bus_access(&pio, 0, FW_CFG_PORT_DATA, &p[i], 1,
				     false));
}

static uint64_t read_le(uint16_t key, unsigned len)
{
	uint8_t b[8] = { 0 };
	uint64_t v = 0;

	select_key(key);
	read_bytes(b, len);
	for (unsigned i = len; i-- > 0;)
		v = v << 8 | b[i];
	return v;
}

START_TEST(standard_items)
{
	char sig[5] = "";

	select_key(FW_CFG_SIGNATURE);
	read_bytes(sig, 4);
	ck_assert_str_eq(sig, "QEMU");
	ck_assert_uint_eq(read_le(FW_CFG_ID, 4), 1); /* no DMA */
	ck_assert_uint_eq(read_le(FW_CFG_RAM_SIZE, 8), 256ull << 20);
	ck_assert_uint_eq(read_le(FW_CFG_NB_CPUS, 2), 4);
	ck_assert_uint_eq(read_le(FW_CFG_MAX_CPUS, 2), 4);
}
END_TEST

START_TEST(unknown_key_and_past_the_end_read_zero)
{
	uint8_t b[6];

	select_key(0x1234);
	memset(b, 0xaa, sizeof(b));
	read_bytes(b, sizeof(b));
	for (unsigned i = 0; i < sizeof(b); i++)
		ck_assert_uint_eq(b[i], 0);
	select_key(FW_CFG_SIGNATURE);
	read_bytes(b, 6);
	ck_assert_uint_eq(b[4], 0);
	ck_assert_uint_eq(b[5], 0);
	/* Reselecting starts over. */
	select_key(FW_CFG_SIGNATURE);
	read_bytes(b, 1);
	ck_assert_uint_eq(b[0], 'Q');
}
END_TEST

/* Find @name in the directory: its key and size, as a guest does. */
static bool find_file(const char *name, uint16_t *key, uint32_t *size)
{
	uint8_t n[4], e[64];
	uint32_t count;

	select_key(FW_CFG_FILE_DIR);
	read_bytes(n, 4);
	count = (uint32_t)n[0] << 24 | n[1] << 16 | n[2] << 8 | n[3];
	for (uint32_t i = 0; i < count; i++) {
		read_bytes(e, sizeof(e));
		if (!strcmp((const char *)e + 8, name)) {
			*size = (uint32_t)e[0] << 24 | e[1] << 16 | e[2] << 8 |
				e[3];
			*key = (uint16_t)(e[4] << 8 | e[5]);
			return true;
		}
	}
	return false;
}

START_TEST(files_through_the_directory)
{
	static const char data[] = "ipivirt test file";
	uint16_t key;
	uint32_t size;
	char buf[sizeof(data)];

	ck_assert(!find_file("etc/ipivirt", &key, &size));
	ck_assert_int_eq(fw_cfg__add_file(C, "etc/ipivirt", data,
					  sizeof(data)), 0);
	ck_assert_int_eq(fw_cfg__add_file(C, "etc/other", "x", 1), 0);
	ck_assert(find_file("etc/ipivirt", &key, &size));
	ck_assert_uint_eq(size, sizeof(data));
	ck_assert_uint_ge(key, FW_CFG_FILE_FIRST);
	select_key(key);
	read_bytes(buf, sizeof(buf));
	ck_assert_str_eq(buf, data);
	ck_assert(find_file("etc/other", &key, &size));
	ck_assert_uint_eq(size, 1);
}
END_TEST

START_TEST(file_limits)
{
	char name[80];
	unsigned added = 0;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_int_lt(fw_cfg__add_file(C, name, "x", 1), 0); /* too long */
	for (unsigned i = 0; i < FW_CFG_FILES + 2; i++) {
		char n[16];

		snprintf(n, sizeof(n), "f%u", i);
		if (fw_cfg__add_file(C, n, "y", 1) == 0)
			added++;
	}
	ck_assert_uint_eq(added, FW_CFG_FILES);
}
END_TEST

static Suite *fw_cfg_suite(void)
{
	Suite *s = suite_create("fw_cfg");
	TCase *tc = tcase_create("ports");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, standard_items);
	tcase_add_test(tc, unknown_key_and_past_the_end_read_zero);
	tcase_add_test(tc, files_through_the_directory);
	tcase_add_test(tc, file_limits);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(fw_cfg_suite)
