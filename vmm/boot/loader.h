/* SPDX-License-Identifier: MIT */
/*
 * loader.h - put a kernel image into guest memory and say how to enter it.
 * Every malformed image is refused with a message naming the problem.
 */
#ifndef IPIVIRT_LOADER_H
#define IPIVIRT_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum loader_entry_mode {
	LOADER_ENTRY_64BIT,     /* ELF64: long mode, multiboot registers */
	LOADER_ENTRY_MULTIBOOT, /* 32-bit protected mode, EAX/EBX multiboot */
	LOADER_ENTRY_LINUX64,   /* Linux vmlinux: 64-bit boot protocol, RSI */
};

/* Bytes 0x1f1.. of a bzImage: the setup header boot_params starts with. */
#define LINUX_SETUP_HDR_OFFSET 0x1f1
#define LINUX_SETUP_HDR_MAX (0x290 - LINUX_SETUP_HDR_OFFSET)

struct loaded_kernel {
	enum loader_entry_mode mode;
	uint64_t entry;
	uint64_t end; /* first byte after the image, page aligned */
	/* LOADER_ENTRY_LINUX64: the bzImage setup header (len 0: plain vmlinux) */
	uint8_t linux_hdr[LINUX_SETUP_HDR_MAX];
	size_t linux_hdr_len;
};

/*
 * loader__load_image() - parse @image (@size bytes) and copy it into @ram.
 * @ram, @ram_size: guest memory; @ram NULL only checks that it would load.
 * @out:  entry point and mode.
 * @err:  a one-line reason on failure.
 * Return: 0 or a negative errno (-ENOEXEC for a malformed or unknown image,
 * -E2BIG when it does not fit in guest memory).
 */
int loader__load_image(const uint8_t *image, size_t size, uint8_t *ram,
		       uint64_t ram_size, struct loaded_kernel *out,
		       char *err, size_t errlen);

/*
 * loader__load_elf() - load the PT_LOAD segments of an ELF image of either
 * class at their physical addresses (no Linux detection: loader_bzimage.c
 * uses it for the vmlinux it extracted). Arguments as loader__load_image().
 */
int loader__load_elf(const uint8_t *image, size_t size, uint8_t *ram,
		     uint64_t ram_size, bool is64, struct loaded_kernel *out,
		     char *err, size_t errlen);

/*
 * loader_bzimage__load_linux() - a Linux image: a bzImage (payload decompressed on
 * the host) or a plain vmlinux (ELF64 with Linux or Xen ELF notes).
 * Return: -ENOENT when @image is not a Linux image (try the other formats),
 * else as loader__load_image(), with @out->mode LOADER_ENTRY_LINUX64.
 */
int loader_bzimage__load_linux(const uint8_t *image, size_t size, uint8_t *ram,
			       uint64_t ram_size, struct loaded_kernel *out,
			       char *err, size_t errlen);

/*
 * loader_bzimage__unpack() - decompress a bzImage once, ahead of loading.
 * @vmlinux, @vsize: out: the payload (the caller frees it), for
 *                   loader_bzimage__load_unpacked().
 * @hdr:             out: the setup header (only linux_hdr is filled).
 * Return: 0, -ENOENT when @image is no bzImage, else -ENOEXEC with @err.
 */
int loader_bzimage__unpack(const uint8_t *image, size_t size,
			   uint8_t **vmlinux, size_t *vsize,
			   struct loaded_kernel *hdr, char *err, size_t errlen);
/* Load (or, @ram NULL, check) what loader_bzimage__unpack() gave. */
int loader_bzimage__load_unpacked(const uint8_t *vmlinux, size_t vsize,
				  const struct loaded_kernel *hdr,
				  uint8_t *ram, uint64_t ram_size,
				  struct loaded_kernel *out, char *err,
				  size_t errlen);

/* Read a whole file; NULL with @err set on failure. */
uint8_t *loader__read_file(const char *path, size_t *size, size_t max_size,
			   char *err, size_t errlen);

#endif
