/* SPDX-License-Identifier: MIT */
/*
 * linux_boot.h - boot a Linux vmlinux through the x86 64-bit boot protocol:
 * the zero page (struct boot_params), its e820 map and command line.
 */
#ifndef IPIVIRT_LINUX_BOOT_H
#define IPIVIRT_LINUX_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "boot_info.h"
#include "loader.h"

/* Where the zero page goes (reserved low memory, see layout.h). */
#define LINUX_ZERO_PAGE_GPA BOOT_INFO_GPA

#define LINUX_CMDLINE_MAX 2048 /* COMMAND_LINE_SIZE on x86 */

/*
 * linux_boot__setup() - write the zero page and @cmdline (shorter than
 * LINUX_CMDLINE_MAX) for the vmlinux @k that loader_bzimage__load_linux() put in
 * @ram; the BSP then enters it with RSI = LINUX_ZERO_PAGE_GPA.
 * @initrd: the initrd in guest memory, or NULL.
 */
void linux_boot__setup(uint8_t *ram, uint64_t ram_size,
		       const struct loaded_kernel *k,
		       const struct boot_module *initrd, const char *cmdline);

#endif
