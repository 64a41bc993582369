// SPDX-License-Identifier: MIT
/*
 * guest.c - ipivirt_guest_load(): a kernel, its initrd and boot data into a
 * RAM buffer, as vmm/vm.c does for `ipivirt run`. Pure: no KVM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot_info.h"
#include "internal.h"
#include "layout.h"
#include "loader.h"

#define MAX_IMAGE_SIZE (1ull << 30)

static int load_initrd(uint8_t *ram, uint64_t ram_size, const char *path,
		       uint64_t at, struct boot_module *mod, char *err,
		       size_t errlen)
{
	size_t size;
	uint8_t *image = loader__read_file(path, &size, MAX_IMAGE_SIZE, err,
					   errlen);

	if (!image)
		return -ENOENT;
	if (size > ram_size || at > ram_size - size) {
		snprintf(err, errlen, "initrd %s (%zu bytes) does not fit in "
			 "guest memory after the kernel", path, size);
		free(image);
		return -E2BIG;
	}
	memcpy(ram + at, image, size);
	free(image);
	*mod = (struct boot_module){ at, at + size };
	return 0;
}

static void fill_entry(struct ipivirt_guest_entry *e,
		       const struct loaded_kernel *k, uint64_t boot_info)
{
	memset(e, 0, sizeof(*e));
	e->long_mode = k->mode == LOADER_ENTRY_64BIT;
	e->rip = k->entry;
	e->rsp = e->long_mode ? BOOT_STACK_TOP : 0;
	e->boot_info = boot_info;
	e->gdt_base = BOOT_GDT_GPA;
	e->gdt_limit = 4 * 8 - 1;
	e->cs = e->long_mode ? BOOT_CS64 : BOOT_CS32;
	e->ds = BOOT_DS;
	e->cr3 = e->long_mode ? BOOT_PML4_GPA : 0;
}

int ipivirt_guest_load(void *ram_, uint64_t ram_size,
		       const struct ipivirt_guest_config *cfg,
		       struct ipivirt_guest_entry *entry, char *err,
		       size_t errlen)
{
	struct ipivirt_guest_config c;
	struct boot_module initrd, *initrd_p = NULL;
	struct loaded_kernel k;
	uint8_t *ram = ram_, *image;
	char cmdline[BOOT_CMDLINE_MAX], dummy[1];
	uint64_t info;
	size_t size;
	int ret;

	if (!err) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	if (!ram || !entry || lib_copy_sized(&c, sizeof(c), cfg) ||
	    !c.kernel_path || !c.nr_cpus || c.nr_cpus > IPIVIRT_MAX_CPUS ||
	    ram_size < KERNEL_MIN_GPA) {
		snprintf(err, errlen, "invalid arguments");
		return -EINVAL;
	}
	image = loader__read_file(c.kernel_path, &size, MAX_IMAGE_SIZE, err,
				  errlen);
	if (!image)
		return -ENOENT;
	ret = loader__load_image(image, size, ram, ram_size, &k, err, errlen);
	free(image);
	if (ret)
		return ret;
	if (c.initrd_path) {
		ret = load_initrd(ram, ram_size, c.initrd_path, k.end, &initrd,
				  err, errlen);
		if (ret)
			return ret;
		initrd_p = &initrd;
	}
	ret = snprintf(cmdline, sizeof(cmdline), "%s%s%s", c.kernel_path,
		       c.append ? " " : "", c.append ? c.append : "");
	if (ret < 0 || (size_t)ret >= sizeof(cmdline)) {
		snprintf(err, errlen, "command line too long");
		return -E2BIG;
	}
	info = boot_info__write_multiboot(ram, ram_size, cmdline, initrd_p);
	boot_info__write_long_mode_tables(ram);
	boot_info__write_firmware_tables(ram, c.nr_cpus);
	fill_entry(entry, &k, info);
	return 0;
}
