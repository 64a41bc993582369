/* SPDX-License-Identifier: MIT */
/*
 * layout.h - where ipivirt puts its boot structures in guest memory.
 * docs/boot-protocol.md documents what a guest may rely on.
 */
#ifndef IPIVIRT_LAYOUT_H
#define IPIVIRT_LAYOUT_H

#define BOOT_GDT_GPA 0x1000ull
#define BOOT_PML4_GPA 0x2000ull
#define BOOT_PDPT_GPA 0x3000ull
#define BOOT_PD_GPA 0x4000ull /* 4 pages: 4 GiB in 2 MiB pages */
#define BOOT_RESERVED_END 0x8000ull
#define TRAMPOLINE_GPA 0x8000ull /* left free for the guest's AP start */
#define BOOT_INFO_GPA 0x9000ull  /* multiboot info, module list, mmap */
#define BOOT_INFO_SIZE 0x1000ull
#define BOOT_CMDLINE_GPA 0xa000ull
#define BOOT_CMDLINE_MAX 0x2000ull
#define BOOT_STACK_GPA 0xc000ull /* 4 KiB scratch stack, 64-bit entry */
#define BOOT_STACK_TOP 0xd000ull
#define BOOT_INFO_END 0xd000ull
#define EBDA_GPA 0x9fc00ull
#define BIOS_AREA_GPA 0xe0000ull  /* ACPI tables and the MP table */
#define BIOS_AREA_END 0x100000ull
#define KERNEL_MIN_GPA 0x100000ull

/* Boot GDT selectors. */
#define BOOT_CS32 0x08
#define BOOT_CS64 0x10
#define BOOT_DS 0x18

#endif
