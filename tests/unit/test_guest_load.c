// SPDX-License-Identifier: MIT
/*
 * test_guest_load.c - libipivirt's ipivirt_guest_load() and `ipivirt run`
 * share one boot path (vmm/boot/guest_boot.c). Each kind of image must come
 * back with the entry state its protocol wants: multiboot in 32-bit
 * protected mode, ELF64 in long mode, and a Linux vmlinux in long mode
 * with the zero page as boot data. (The library once handed a vmlinux
 * back as a 32-bit multiboot entry: its own copy of the boot path knew
 * only ELF64.) Images: the loader fuzz corpus, built by make-seeds.sh.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipivirt.h"
#include "layout.h"
#include "boot/linux_boot.h"

#include "check_main.h"

#define RAM_SIZE (64ull << 20)
#define CORPUS "tests/fuzz/corpus/fuzz_loader/"

static uint8_t *ram;

static void setup(void)
{
	ram = calloc(1, RAM_SIZE);
	ck_assert_ptr_nonnull(ram);
}

static void teardown(void)
{
	free(ram);
}

static int load(const char *image, struct ipivirt_guest_entry *e,
		char *err, size_t errlen)
{
	struct ipivirt_guest_config cfg = {
		.size = sizeof(cfg), .kernel_path = image, .append = "quiet",
		.nr_cpus = 2,
	};

	return ipivirt_guest_load(ram, RAM_SIZE, &cfg, e, err, errlen);
}

START_TEST(test_vmlinux_enters_linux_64bit)
{
	struct ipivirt_guest_entry e;
	char err[128] = "";

	ck_assert_msg(load(CORPUS "vmlinux-linux-note", &e, err,
			   sizeof(err)) == 0, "%s", err);
	ck_assert(e.long_mode);
	ck_assert_uint_eq(e.cs, BOOT_CS64);
	ck_assert_uint_eq(e.cr3, BOOT_PML4_GPA);
	ck_assert_uint_eq(e.boot_info, LINUX_ZERO_PAGE_GPA);
	/* The zero page: "HdrS", the loader type, the command line. */
	ck_assert_int_eq(memcmp(ram + LINUX_ZERO_PAGE_GPA + 0x202, "HdrS", 4),
			 0);
	ck_assert_uint_eq(ram[LINUX_ZERO_PAGE_GPA + 0x210], 0xff);
	ck_assert_str_eq((const char *)ram + BOOT_CMDLINE_GPA, "quiet");
}
END_TEST

START_TEST(test_elf64_and_multiboot_entries)
{
	struct ipivirt_guest_entry e;
	char err[128] = "";

	ck_assert_msg(load(CORPUS "elf64-min", &e, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert(e.long_mode);
	ck_assert_msg(load(CORPUS "elf32-multiboot", &e, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert(!e.long_mode);
	ck_assert_uint_eq(e.cs, BOOT_CS32);
}
END_TEST

START_TEST(test_bad_images_refused)
{
	struct ipivirt_guest_entry e;
	char err[128] = "";

	ck_assert_int_eq(load(CORPUS "elf32-no-multiboot", &e, err,
			      sizeof(err)), -ENOEXEC);
	ck_assert(err[0]);
	ck_assert_int_eq(load("tests/unit/no-such-kernel", &e, err,
			      sizeof(err)), -ENOENT);
}
END_TEST

static Suite *guest_load_suite(void)
{
	Suite *s = suite_create("guest_load");
	TCase *tc = tcase_create("boot path");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_vmlinux_enters_linux_64bit);
	tcase_add_test(tc, test_elf64_and_multiboot_entries);
	tcase_add_test(tc, test_bad_images_refused);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(guest_load_suite)
