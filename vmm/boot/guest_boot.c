// SPDX-License-Identifier: MIT
/*
 * guest_boot.c - the one boot path (guest_boot.h): read and check the
 * images, then put them and the boot data in guest RAM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot_info.h"
#include "guest_boot.h"
#include "layout.h"
#include "linux_boot.h"

#define MAX_IMAGE_SIZE (1ull << 30)

/* Load (@ram NULL: check) the kernel, an unpacked bzImage or any other. */
static int load_kernel(const struct guest_images *img, uint8_t *ram,
		       uint64_t ram_size, struct loaded_kernel *k, char *err,
		       size_t errlen)
{
	if (img->bz.linux_hdr_len)
		return loader_bzimage__load_unpacked(img->kernel,
						     img->kernel_size, &img->bz,
						     ram, ram_size, k, err,
						     errlen);
	return loader__load_image(img->kernel, img->kernel_size, ram,
				  ram_size, k, err, errlen);
}

void guest_boot__free(struct guest_images *img)
{
	free(img->kernel);
	free(img->initrd);
	img->kernel = img->initrd = NULL;
}

static int read_images(struct guest_images *img, const char *kernel_path,
		       const char *initrd_path, uint64_t mem_size, char *err,
		       size_t errlen)
{
	uint8_t *vmlinux;
	size_t vsize = 0;
	int ret;

	img->kernel = loader__read_file(kernel_path, &img->kernel_size,
					MAX_IMAGE_SIZE, err, errlen);
	if (!img->kernel)
		return -ENOENT;
	/* Decompress a bzImage once, here: both load passes take its vmlinux. */
	ret = loader_bzimage__unpack(img->kernel, img->kernel_size, &vmlinux,
				     &vsize, &img->bz, err, errlen);
	if (ret == 0) {
		free(img->kernel);
		img->kernel = vmlinux;
		img->kernel_size = vsize;
	} else if (ret != -ENOENT) {
		return ret;
	}
	ret = load_kernel(img, NULL, mem_size, &img->k, err, errlen);
	if (ret || !initrd_path)
		return ret;
	img->initrd = loader__read_file(initrd_path, &img->initrd_size,
					MAX_IMAGE_SIZE, err, errlen);
	if (!img->initrd)
		return -ENOENT;
	if (img->initrd_size > mem_size ||
	    img->k.end > mem_size - img->initrd_size) {
		snprintf(err, errlen, "initrd %s (%zu bytes) does not fit in "
			 "guest memory after the kernel", initrd_path,
			 img->initrd_size);
		return -E2BIG;
	}
	return 0;
}

int guest_boot__read(struct guest_images *img, const char *kernel_path,
		     const char *initrd_path, uint64_t mem_size, char *err,
		     size_t errlen)
{
	int ret;

	memset(img, 0, sizeof(*img));
	ret = read_images(img, kernel_path, initrd_path, mem_size, err, errlen);
	if (ret)
		guest_boot__free(img);
	return ret;
}

/* The user's command line, then what the VMM adds for Linux. */
static int linux_cmdline(const struct guest_boot_request *req, char *buf,
			 size_t len)
{
	const char *user = req->append ? req->append : "";
	const char *extra = req->linux_extra ? req->linux_extra : "";
	int n = snprintf(buf, len, "%s%s%s", user, *user && *extra ? " " : "",
			 extra);

	return n < 0 || (size_t)n >= len ? -E2BIG : 0;
}

int guest_boot__load(const struct guest_images *img, uint8_t *ram,
		     uint64_t ram_size, const struct guest_boot_request *req,
		     struct guest_boot_entry *entry, char *err, size_t errlen)
{
	struct loaded_kernel k;
	struct boot_module initrd, *initrd_p = NULL;
	char cmdline[LINUX_CMDLINE_MAX > BOOT_CMDLINE_MAX ? LINUX_CMDLINE_MAX
							  : BOOT_CMDLINE_MAX];
	int ret;

	ret = load_kernel(img, ram, ram_size, &k, err, errlen);
	if (ret)
		return ret;
	if (img->initrd) {
		if (img->initrd_size > ram_size ||
		    k.end > ram_size - img->initrd_size) {
			snprintf(err, errlen, "initrd (%zu bytes) does not fit "
				 "in guest memory after the kernel",
				 img->initrd_size);
			return -E2BIG;
		}
		memcpy(ram + k.end, img->initrd, img->initrd_size);
		initrd = (struct boot_module){ k.end, k.end + img->initrd_size };
		initrd_p = &initrd;
	}

	ret = snprintf(cmdline, BOOT_CMDLINE_MAX, "%s%s%s", req->kernel_path,
		       req->append ? " " : "", req->append ? req->append : "");
	if (ret < 0 || (size_t)ret >= BOOT_CMDLINE_MAX) {
		snprintf(err, errlen, "command line longer than %llu bytes",
			 (unsigned long long)BOOT_CMDLINE_MAX - 1);
		return -E2BIG;
	}
	memset(entry, 0, sizeof(*entry));
	entry->boot_info = boot_info__write_multiboot(ram, ram_size, cmdline,
						      initrd_p);
	boot_info__write_long_mode_tables(ram);
	firmware_tables__write(ram, req->nr_cpus);
	entry->rip = k.entry;
	entry->long_mode = k.mode != LOADER_ENTRY_MULTIBOOT;
	if (k.mode != LOADER_ENTRY_LINUX64)
		return 0;
	if (linux_cmdline(req, cmdline, LINUX_CMDLINE_MAX)) {
		snprintf(err, errlen, "Linux command line longer than %d bytes",
			 LINUX_CMDLINE_MAX - 1);
		return -E2BIG;
	}
	linux_boot__setup(ram, ram_size, &k, initrd_p, cmdline);
	entry->boot_info = LINUX_ZERO_PAGE_GPA;
	entry->linux64 = true;
	return 0;
}
