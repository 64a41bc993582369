// SPDX-License-Identifier: MIT
/*
 * linux_boot.c - the Linux 64-bit boot protocol (Documentation/x86/boot.rst,
 * "64-bit Boot Protocol"): the vmlinux is entered at its 64-bit entry in long
 * mode, on identity-mapped page tables, interrupts off, RSI = the zero page.
 *
 * Why this and not PVH: PVH enters in 32-bit protected mode, which this
 * host's KVM runs ten times slower than 64-bit code, and builds its own page
 * tables there; the 64-bit entry is ipivirt's ELF64 fast path already (same
 * CPU state, same GDT and page tables), needs only RSI on top, and the zero
 * page gives Linux everything directly (e820, command line, initrd, RSDP).
 *
 * The zero page: the bzImage's setup header copied to 0x1f1 (or a minimal
 * one for a plain vmlinux), type_of_loader 0xff, the command line, the
 * initrd, the e820 map of the same layout the multiboot map describes, and
 * acpi_rsdp_addr so Linux need not scan for the RSDP.
 */
#include <string.h>

#include "layout.h"
#include "linux_boot.h"

/* struct boot_params offsets (arch/x86/include/uapi/asm/bootparam.h). */
#define BP_ACPI_RSDP_ADDR 0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES 0x1e8
#define BP_SENTINEL 0x1ef
#define BP_BOOT_FLAG 0x1fe
#define BP_HEADER 0x202
#define BP_VERSION 0x206
#define BP_TYPE_OF_LOADER 0x210
#define BP_LOADFLAGS 0x211
#define BP_RAMDISK_IMAGE 0x218
#define BP_RAMDISK_SIZE 0x21c
#define BP_HEAP_END_PTR 0x224
#define BP_CMD_LINE_PTR 0x228
#define BP_INITRD_ADDR_MAX 0x22c
#define BP_CMDLINE_SIZE 0x238
#define BP_E820_TABLE 0x2d0
#define BP_SIZE 0x1000

#define LOADED_HIGH (1u << 0)
#define CAN_USE_HEAP (1u << 7)

#define E820_RAM 1
#define E820_RESERVED 2

#define ACPI_RSDP_GPA 0xe0000ull /* firmware_tables.c */

static void put8(uint8_t *p, uint8_t v) { *p = v; }
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void e820_add(uint8_t *bp, uint64_t start, uint64_t end, uint32_t type)
{
	uint8_t n = bp[BP_E820_ENTRIES];
	uint8_t *e = bp + BP_E820_TABLE + 20u * n;

	put64(e, start);
	put64(e + 8, end - start);
	put32(e + 16, type);
	bp[BP_E820_ENTRIES] = (uint8_t)(n + 1);
}

void linux_boot__setup(uint8_t *ram, uint64_t ram_size,
		       const struct loaded_kernel *k,
		       const struct boot_module *initrd, const char *cmdline)
{
	uint8_t *bp = ram + LINUX_ZERO_PAGE_GPA;

	memset(bp, 0, BP_SIZE);
	if (k->linux_hdr_len) {
		memcpy(bp + LINUX_SETUP_HDR_OFFSET, k->linux_hdr,
		       k->linux_hdr_len);
	} else { /* plain vmlinux: the fields a loader would have found */
		put16(bp + BP_BOOT_FLAG, 0xaa55);
		memcpy(bp + BP_HEADER, "HdrS", 4);
		put16(bp + BP_VERSION, 0x020f);
		put32(bp + BP_INITRD_ADDR_MAX, 0x7fffffff);
		put32(bp + BP_CMDLINE_SIZE, LINUX_CMDLINE_MAX - 1);
	}
	put8(bp + BP_SENTINEL, 0);
	put8(bp + BP_TYPE_OF_LOADER, 0xff); /* undefined boot loader */
	bp[BP_LOADFLAGS] = (uint8_t)((bp[BP_LOADFLAGS] | LOADED_HIGH) &
				     ~CAN_USE_HEAP);
	put16(bp + BP_HEAP_END_PTR, 0);

	memset(ram + BOOT_CMDLINE_GPA, 0, LINUX_CMDLINE_MAX);
	memcpy(ram + BOOT_CMDLINE_GPA, cmdline, strlen(cmdline) + 1);
	put32(bp + BP_CMD_LINE_PTR, (uint32_t)BOOT_CMDLINE_GPA);
	put32(bp + BP_EXT_CMD_LINE_PTR, 0);

	if (initrd) {
		put32(bp + BP_RAMDISK_IMAGE, (uint32_t)initrd->start);
		put32(bp + BP_RAMDISK_SIZE,
		      (uint32_t)(initrd->end - initrd->start));
		put32(bp + BP_EXT_RAMDISK_IMAGE,
		      (uint32_t)(initrd->start >> 32));
		put32(bp + BP_EXT_RAMDISK_SIZE,
		      (uint32_t)((initrd->end - initrd->start) >> 32));
	}
	put64(bp + BP_ACPI_RSDP_ADDR, ACPI_RSDP_GPA);

	/* The multiboot map's layout (boot_info.c), in e820 terms. */
	e820_add(bp, 0, BOOT_RESERVED_END, E820_RESERVED);
	e820_add(bp, TRAMPOLINE_GPA, BOOT_INFO_GPA, E820_RAM);
	e820_add(bp, BOOT_INFO_GPA, BOOT_INFO_END, E820_RESERVED);
	e820_add(bp, BOOT_INFO_END, EBDA_GPA, E820_RAM);
	e820_add(bp, EBDA_GPA, BIOS_AREA_END, E820_RESERVED);
	e820_add(bp, KERNEL_MIN_GPA, ram_size, E820_RAM);
}
