// SPDX-License-Identifier: MIT
/*
 * guest.c - ipivirt_guest_load(): a kernel, its initrd and boot data into a
 * RAM buffer, as vmm/machine/machine.c does for `ipivirt run`. Pure: no KVM.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "layout.h"
#include "boot/guest_boot.h"

/* The entry state the boot path's answer stands for (docs/boot-protocol.md). */
static void fill_entry(struct ipivirt_guest_entry *e,
		       const struct guest_boot_entry *g)
{
	memset(e, 0, sizeof(*e));
	e->long_mode = g->long_mode;
	e->rip = g->rip;
	e->rsp = e->long_mode ? BOOT_STACK_TOP : 0;
	e->boot_info = g->boot_info;
	e->gdt_base = BOOT_GDT_GPA;
	e->gdt_limit = 4 * 8 - 1;
	e->cs = e->long_mode ? BOOT_CS64 : BOOT_CS32;
	e->ds = BOOT_DS;
	e->cr3 = e->long_mode ? BOOT_PML4_GPA : 0;
}

int ipivirt_guest_load(void *ram, uint64_t ram_size,
		       const struct ipivirt_guest_config *cfg,
		       struct ipivirt_guest_entry *entry, char *err,
		       size_t errlen)
{
	struct ipivirt_guest_config c;
	struct guest_boot_request req;
	struct guest_boot_entry g;
	struct guest_images img;
	char dummy[1];
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
	/* The boot path of `ipivirt run` (vmm/boot/guest_boot.c), minus the
	 * work-arounds of its --compat, which belong to its KVM. */
	ret = guest_boot__read(&img, c.kernel_path, c.initrd_path, ram_size,
			       err, errlen);
	if (ret)
		return ret;
	req = (struct guest_boot_request){ .kernel_path = c.kernel_path,
					   .append = c.append,
					   .nr_cpus = c.nr_cpus };
	ret = guest_boot__load(&img, ram, ram_size, &req, &g, err, errlen);
	guest_boot__free(&img);
	if (!ret)
		fill_entry(entry, &g);
	return ret;
}
