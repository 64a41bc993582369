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
#include "vm.h"

/* Where the zero page goes (reserved low memory, see layout.h). */
#define LINUX_ZERO_PAGE_GPA BOOT_INFO_GPA

/*
 * linux_boot__setup() - write the zero page and the command line for the
 * vmlinux @k that loader__load_linux() put in guest memory, and make the
 * BSP enter it with RSI = the zero page (vm->entry_linux).
 * @initrd: the initrd in guest memory, or NULL.
 * Return: 0, or -E2BIG with @err set when the command line is too long.
 */
int linux_boot__setup(struct vm *vm, const struct loaded_kernel *k,
		      const struct boot_module *initrd, char *err,
		      size_t errlen);

#endif
