// SPDX-License-Identifier: MIT
/*
 * loader_bzimage.c - Linux kernel images: bzImage and plain vmlinux.
 *
 * A bzImage is recognised by its setup header (boot_flag 0xAA55 at 0x1fe,
 * "HdrS" at 0x202). ipivirt does not run its 16/32-bit setup code or its
 * decompressor (this host's KVM emulates 32-bit code ten times slower than
 * 64-bit code, shared/platform.md): the payload (payload_offset /
 * payload_length, boot protocol 2.08+) is decompressed here, on the host,
 * with liblzma (xz), zlib (gzip) or libzstd (zstd), and the ELF vmlinux it
 * holds is loaded at its physical addresses and entered through the 64-bit
 * boot protocol (linux_boot.c writes the zero page).
 *
 * A plain vmlinux is an ELF64 x86-64 executable carrying a "Linux" or "Xen"
 * ELF note (every x86 vmlinux has them; ipivirt's test kernels do not).
 * Anything else is not Linux: loader.c tries its other formats.
 */
#include <elf.h>
#include <errno.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "errmsg.h"
#include "layout.h"
#include "loader.h"

#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP 0x200      /* the jump's offset byte ends the header */
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_LOADFLAGS 0x211
#define HDR_XLOADFLAGS 0x236
#define HDR_PAYLOAD_OFFSET 0x248
#define HDR_PAYLOAD_LENGTH 0x24c
#define HDR_MIN_SIZE 0x250
#define XLF_KERNEL_64 (1u << 0)
#define LOADED_HIGH (1u << 0)
#define MAX_VMLINUX_SIZE (1ull << 30)


static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/**
 * is_bzimage() - does @image start with a Linux setup header?
 * @image: the file
 * @size:  its size
 *
 * Return: true for anything with the boot flag and the "HdrS" magic, even a
 * malformed one (the caller then reports what is wrong with it).
 */
static bool is_bzimage(const uint8_t *image, size_t size)
{
	return size >= HDR_MAGIC + 4 && get16(image + HDR_BOOT_FLAG) == 0xaa55 &&
	       memcmp(image + HDR_MAGIC, "HdrS", 4) == 0;
}

/* Does this ELF64 x86-64 image carry a Linux or Xen note? */
static bool is_vmlinux(const uint8_t *image, size_t size)
{
	Elf64_Ehdr eh;

	if (size < sizeof(eh) || memcmp(image, ELFMAG, SELFMAG) ||
	    image[EI_CLASS] != ELFCLASS64 || image[EI_DATA] != ELFDATA2LSB)
		return false;
	memcpy(&eh, image, sizeof(eh));
	if (eh.e_machine != EM_X86_64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phoff > size ||
	    (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > size - eh.e_phoff)
		return false;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		uint64_t off, end;

		memcpy(&ph, image + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_NOTE || ph.p_offset > size ||
		    ph.p_filesz > size - ph.p_offset)
			continue;
		off = ph.p_offset;
		end = ph.p_offset + ph.p_filesz;
		while (off <= end && end - off >= sizeof(Elf64_Nhdr)) {
			Elf64_Nhdr nh;
			uint64_t name, desc;

			memcpy(&nh, image + off, sizeof(nh));
			name = off + sizeof(nh);
			desc = name + ((nh.n_namesz + 3ull) & ~3ull);
			if (desc > end)
				break;
			if ((nh.n_namesz == 6 && !memcmp(image + name, "Linux", 6)) ||
			    (nh.n_namesz == 4 && !memcmp(image + name, "Xen", 4)))
				return true;
			off = desc + ((nh.n_descsz + 3ull) & ~3ull);
		}
	}
	return false;
}

static int decompress_xz(const uint8_t *in, size_t in_len, uint8_t *out,
			 size_t out_len, size_t *done)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r;

	if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK)
		return -ENOMEM;
	s.next_in = in;
	s.avail_in = in_len;
	s.next_out = out;
	s.avail_out = out_len;
	r = lzma_code(&s, LZMA_FINISH);
	*done = out_len - s.avail_out;
	lzma_end(&s);
	return r == LZMA_STREAM_END ? 0 : -EBADMSG;
}

static int decompress_gzip(const uint8_t *in, size_t in_len, uint8_t *out,
			   size_t out_len, size_t *done)
{
	z_stream z;
	int r;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)in_len;
	z.next_out = out;
	z.avail_out = (uInt)out_len;
	r = inflate(&z, Z_FINISH);
	*done = out_len - z.avail_out;
	inflateEnd(&z);
	return r == Z_STREAM_END ? 0 : -EBADMSG;
}

static int decompress_zstd(const uint8_t *in, size_t in_len, uint8_t *out,
			   size_t out_len, size_t *done)
{
	ZSTD_DStream *d = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, in_len, 0 };
	ZSTD_outBuffer ob = { out, out_len, 0 };
	size_t r = 1;

	if (!d)
		return -ENOMEM;
	ZSTD_initDStream(d);
	/* Linux appends the size after the frame: stop at the frame's end. */
	while (r != 0 && ib.pos < ib.size && ob.pos < ob.size) {
		r = ZSTD_decompressStream(d, &ob, &ib);
		if (ZSTD_isError(r))
			break;
	}
	*done = ob.pos;
	ZSTD_freeDStream(d);
	return r == 0 ? 0 : -EBADMSG;
}

/*
 * Decompress a bzImage payload into a new buffer. Linux appends the
 * decompressed size (32-bit LE) to every payload (scripts/Makefile.lib
 * size_append), so the buffer is sized exactly and must come out full.
 */
static uint8_t *decompress_payload(const uint8_t *p, size_t len,
				   size_t *out_size, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		const uint8_t *magic;
		size_t magic_len;
		int (*fn)(const uint8_t *, size_t, uint8_t *, size_t, size_t *);
	} formats[] = {
		{ "xz", (const uint8_t *)"\xfd" "7zXZ\0", 6, decompress_xz },
		{ "gzip", (const uint8_t *)"\x1f\x8b", 2, decompress_gzip },
		{ "zstd", (const uint8_t *)"\x28\xb5\x2f\xfd", 4, decompress_zstd },
	};
	uint8_t *out;
	size_t want, done = 0;

	if (len < 8) {
		errmsg_fail(err, errlen, 0, "bzImage payload is only %zu bytes", len);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (memcmp(p, formats[i].magic, formats[i].magic_len))
			continue;
		want = get32(p + len - 4);
		if (want < sizeof(Elf64_Ehdr) || want > MAX_VMLINUX_SIZE) {
			errmsg_fail(err, errlen, 0, "bzImage %s payload announces a "
			     "bad decompressed size (%zu bytes)",
			     formats[i].name, want);
			return NULL;
		}
		out = malloc(want);
		if (!out) {
			errmsg_fail(err, errlen, 0, "out of memory decompressing the "
			     "bzImage payload (%zu bytes)", want);
			return NULL;
		}
		if (formats[i].fn(p, len - 4, out, want, &done) || done != want) {
			errmsg_fail(err, errlen, 0, "bzImage %s payload is corrupt "
			     "(decompressed %zu of %zu bytes)", formats[i].name,
			     done, want);
			free(out);
			return NULL;
		}
		*out_size = want;
		return out;
	}
	errmsg_fail(err, errlen, 0, "bzImage payload compression is not supported "
	     "(magic %02x %02x %02x %02x; ipivirt reads xz, gzip and zstd)",
	     p[0], p[1], p[2], p[3]);
	return NULL;
}

/* Load an extracted or plain vmlinux and check its entry point. */
static int load_vmlinux(const uint8_t *elf, size_t size, uint8_t *ram,
			uint64_t ram_size, struct loaded_kernel *out,
			const char *what, char *err, size_t errlen)
{
	char why[384];
	int ret;

	if (size < SELFMAG || memcmp(elf, ELFMAG, SELFMAG) ||
	    size <= EI_CLASS || elf[EI_CLASS] != ELFCLASS64)
		return errmsg_fail(err, errlen, -ENOEXEC,
			    "%s does not hold an ELF64 vmlinux", what);
	ret = loader__load_elf(elf, size, ram, ram_size, true, out, why,
			       sizeof(why));
	if (ret)
		return errmsg_fail(err, errlen, ret, "%s: %s", what, why);
	if (out->entry < KERNEL_MIN_GPA || out->entry >= out->end)
		return errmsg_fail(err, errlen, -ENOEXEC,
			    "%s: entry point 0x%llx is outside the loaded "
			    "image", what, (unsigned long long)out->entry);
	out->mode = LOADER_ENTRY_LINUX64;
	return 0;
}

/* Check a bzImage's setup header, keep it in @out, decompress the payload. */
static int unpack_bzimage(const uint8_t *image, size_t size,
			  uint8_t **vmlinux, size_t *vsize,
			  struct loaded_kernel *out, char *err, size_t errlen)
{
	uint16_t version;
	uint64_t setup_sects, pm_off, poff, plen, hdr_end;

	if (size < HDR_MIN_SIZE)
		return errmsg_fail(err, errlen, -ENOEXEC,
			    "truncated bzImage setup header");
	version = get16(image + HDR_VERSION);
	if (version < 0x208)
		return errmsg_fail(err, errlen, -ENOEXEC,
			    "bzImage boot protocol %u.%02u is too old (2.08+ "
			    "has the payload fields ipivirt needs)",
			    version >> 8, version & 0xff);
	if (!(image[HDR_LOADFLAGS] & LOADED_HIGH))
		return errmsg_fail(err, errlen, -ENOEXEC,
			    "not a bzImage (zImage loaded low)");
	if (!(get16(image + HDR_XLOADFLAGS) & XLF_KERNEL_64))
		return errmsg_fail(err, errlen, -ENOEXEC,
			    "bzImage has no 64-bit entry (a 32-bit kernel?)");
	setup_sects = image[LINUX_SETUP_HDR_OFFSET] ? image[LINUX_SETUP_HDR_OFFSET]
						    : 4;
	pm_off = (setup_sects + 1) * 512;
	poff = get32(image + HDR_PAYLOAD_OFFSET);
	plen = get32(image + HDR_PAYLOAD_LENGTH);
	if (pm_off > size || poff > size - pm_off || plen == 0 ||
	    plen > size - pm_off - poff)
		return errmsg_fail(err, errlen, -ENOEXEC,
			    "bzImage payload (offset 0x%llx, length %llu) lies "
			    "outside the %zu-byte file",
			    (unsigned long long)(pm_off + poff),
			    (unsigned long long)plen, size);
	*vmlinux = decompress_payload(image + pm_off + poff, plen, vsize, err,
				      errlen);
	if (!*vmlinux)
		return -ENOEXEC;
	/* The header runs to the end of the jump at 0x200. */
	hdr_end = HDR_JUMP + 2 + image[HDR_JUMP + 1];
	if (hdr_end > LINUX_SETUP_HDR_OFFSET + LINUX_SETUP_HDR_MAX)
		hdr_end = LINUX_SETUP_HDR_OFFSET + LINUX_SETUP_HDR_MAX;
	out->linux_hdr_len = hdr_end - LINUX_SETUP_HDR_OFFSET;
	memcpy(out->linux_hdr, image + LINUX_SETUP_HDR_OFFSET,
	       out->linux_hdr_len);
	return 0;
}

static int load_bzimage(const uint8_t *image, size_t size, uint8_t *ram,
			uint64_t ram_size, struct loaded_kernel *out,
			char *err, size_t errlen)
{
	struct loaded_kernel hdr = { 0 };
	uint8_t *vmlinux = NULL;
	size_t vsize = 0;
	int ret;

	ret = unpack_bzimage(image, size, &vmlinux, &vsize, &hdr, err, errlen);
	if (ret)
		return ret;
	ret = loader_bzimage__load_unpacked(vmlinux, vsize, &hdr, ram,
					    ram_size, out, err, errlen);
	free(vmlinux);
	return ret;
}

int loader_bzimage__load_unpacked(const uint8_t *vmlinux, size_t vsize,
				  const struct loaded_kernel *hdr,
				  uint8_t *ram, uint64_t ram_size,
				  struct loaded_kernel *out, char *err,
				  size_t errlen)
{
	int ret;

	memset(out, 0, sizeof(*out));
	ret = load_vmlinux(vmlinux, vsize, ram, ram_size, out,
			   "bzImage payload", err, errlen);
	if (ret)
		return ret;
	out->linux_hdr_len = hdr->linux_hdr_len;
	memcpy(out->linux_hdr, hdr->linux_hdr, hdr->linux_hdr_len);
	return 0;
}

int loader_bzimage__unpack(const uint8_t *image, size_t size,
			   uint8_t **vmlinux, size_t *vsize,
			   struct loaded_kernel *hdr, char *err, size_t errlen)
{
	*vmlinux = NULL;
	memset(hdr, 0, sizeof(*hdr));
	if (!is_bzimage(image, size))
		return -ENOENT;
	return unpack_bzimage(image, size, vmlinux, vsize, hdr, err, errlen);
}

int loader_bzimage__load_linux(const uint8_t *image, size_t size, uint8_t *ram,
			       uint64_t ram_size, struct loaded_kernel *out,
			       char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (is_bzimage(image, size))
		return load_bzimage(image, size, ram, ram_size, out, err,
				    errlen);
	if (is_vmlinux(image, size))
		return load_vmlinux(image, size, ram, ram_size, out, "vmlinux",
				    err, errlen);
	return -ENOENT;
}
