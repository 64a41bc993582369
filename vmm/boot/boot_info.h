/* SPDX-License-Identifier: MIT */
/*
 * boot_info.h - what the VMM writes into guest memory before the first
 * instruction: the multiboot information (memory map, command line, initrd
 * as module 0), the boot GDT and page tables, and the MP / ACPI tables that
 * announce the CPUs.
 */
#ifndef IPIVIRT_BOOT_INFO_H
#define IPIVIRT_BOOT_INFO_H

#include <stddef.h>
#include <stdint.h>

struct boot_module {
	uint64_t start, end; /* guest physical, end exclusive */
};

/*
 * boot_info__write_multiboot() - the multiboot v1 information structure.
 * Return: its guest physical address, or 0 when @cmdline is too long.
 */
uint64_t boot_info__write_multiboot(uint8_t *ram, uint64_t ram_size,
				    const char *cmdline,
				    const struct boot_module *initrd);

/* The boot GDT and an identity map of the first 4 GiB (2 MiB pages). */
void boot_info__write_long_mode_tables(uint8_t *ram);

/* MP floating pointer + configuration table, and ACPI RSDP/RSDT/FADT/MADT/DSDT. */
void firmware_tables__write(uint8_t *ram, unsigned nr_cpus);

#endif
