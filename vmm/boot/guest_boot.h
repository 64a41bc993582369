/* SPDX-License-Identifier: MIT */
/*
 * guest_boot.h - the one boot path: read a kernel (ELF64, multiboot, or
 * Linux as bzImage or vmlinux) and its initrd, check them before any VM
 * exists, then write them and the boot data (multiboot information or the
 * Linux zero page, the boot GDT and page tables, the MP and ACPI tables)
 * into guest RAM. `ipivirt run` (machine/machine.c) and libipivirt's
 * ipivirt_guest_load() both go through it. Pure C: RAM is a buffer.
 */
#ifndef IPIVIRT_GUEST_BOOT_H
#define IPIVIRT_GUEST_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader.h"

/* The kernel and initrd files, read once and checked. */
struct guest_images {
	uint8_t *kernel, *initrd; /* a bzImage is kept as its vmlinux */
	size_t kernel_size, initrd_size;
	struct loaded_kernel bz;  /* the bzImage's setup header, if it was one */
	struct loaded_kernel k;   /* where the kernel will land */
};

/* What the boot data says besides the images. */
struct guest_boot_request {
	const char *kernel_path;  /* multiboot command line: path, then append */
	const char *append;       /* NULL: none */
	const char *linux_extra;  /* appended to a Linux command line; NULL: none */
	unsigned nr_cpus;         /* CPUs in the MP and ACPI tables */
};

/* How the BSP enters: RIP, and RBX (multiboot) or RSI (Linux) = boot_info. */
struct guest_boot_entry {
	uint64_t rip;
	uint64_t boot_info;       /* multiboot information or zero page GPA */
	bool long_mode;           /* 64-bit entry (ELF64 or Linux) */
	bool linux64;             /* the Linux 64-bit boot protocol: RSI */
};

/*
 * guest_boot__read() - read @kernel_path (a bzImage is unpacked once) and
 * @initrd_path (NULL: none) and check that both fit in @mem_size bytes of
 * RAM. On failure @err says why and nothing is left allocated.
 * Return: 0, -ENOENT (unreadable), -ENOEXEC (bad image), -E2BIG.
 */
int guest_boot__read(struct guest_images *img, const char *kernel_path,
		     const char *initrd_path, uint64_t mem_size, char *err,
		     size_t errlen);
void guest_boot__free(struct guest_images *img);

/*
 * guest_boot__load() - write the images and the boot data into @ram.
 * Return: 0, or a negative errno with @err set (-E2BIG: command line).
 */
int guest_boot__load(const struct guest_images *img, uint8_t *ram,
		     uint64_t ram_size, const struct guest_boot_request *req,
		     struct guest_boot_entry *entry, char *err, size_t errlen);

#endif
