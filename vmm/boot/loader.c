// SPDX-License-Identifier: MIT
/*
 * loader.c - ELF64, ELF32 and multiboot a.out-kludge images.
 *
 * An ELF64 image is entered in 64-bit mode (our fast path); an ELF32 image
 * needs a multiboot header and is entered as QEMU's -kernel would; an image
 * that is neither ELF nor carries a multiboot header with the address
 * fields (flag 16) is refused.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errmsg.h"
#include "layout.h"
#include "loader.h"

#define MULTIBOOT_MAGIC 0x1badb002u
#define MULTIBOOT_SEARCH 8192u
#define MULTIBOOT_AOUT_KLUDGE (1u << 16)
#define PAGE_ALIGN(x) (((x) + 0xfffull) & ~0xfffull)

struct multiboot_header {
	uint32_t magic, flags, checksum;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
	uint32_t entry_addr;
};


/* The first valid multiboot header in the first 8 KiB, or NULL. */
static const struct multiboot_header *find_multiboot(const uint8_t *image,
						     size_t size,
						     size_t *offset)
{
	size_t limit = size < MULTIBOOT_SEARCH ? size : MULTIBOOT_SEARCH;

	for (size_t off = 0; off + 12 <= limit; off += 4) {
		uint32_t w[3];
		memcpy(w, image + off, sizeof(w));
		if (w[0] == MULTIBOOT_MAGIC &&
		    (uint32_t)(w[0] + w[1] + w[2]) == 0) {
			*offset = off;
			return (const struct multiboot_header *)(image + off);
		}
	}
	return NULL;
}

/* Copy one segment after checking it lies in the file and in RAM. */
static int load_segment(const uint8_t *image, size_t size, uint8_t *ram,
			uint64_t ram_size, uint64_t paddr, uint64_t offset,
			uint64_t filesz, uint64_t memsz, uint64_t *end,
			char *err, size_t errlen)
{
	if (filesz > memsz)
		return errmsg_fail(err, errlen, -ENOEXEC,
			    "segment file size exceeds its memory size");
	if (offset > size || filesz > size - offset)
		return errmsg_fail(err, errlen, -ENOEXEC,
			    "segment extends past the end of the file");
	if (paddr < KERNEL_MIN_GPA)
		return errmsg_fail(err, errlen, -ENOEXEC,
			    "segment at 0x%llx is below 1 MiB",
			    (unsigned long long)paddr);
	if (paddr > ram_size || memsz > ram_size - paddr)
		return errmsg_fail(err, errlen, -E2BIG,
			    "segment 0x%llx+0x%llx does not fit in %llu MiB "
			    "of guest memory", (unsigned long long)paddr,
			    (unsigned long long)memsz,
			    (unsigned long long)(ram_size >> 20));
	if (ram) { /* NULL: only check the image */
		memcpy(ram + paddr, image + offset, filesz);
		memset(ram + paddr + filesz, 0, memsz - filesz);
	}
	if (PAGE_ALIGN(paddr + memsz) > *end)
		*end = PAGE_ALIGN(paddr + memsz);
	return 0;
}

/* A program header of either class, widened. */
struct segment {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
};

static struct segment read_phdr(const uint8_t *at, bool is64)
{
	if (is64) {
		Elf64_Phdr ph;
		memcpy(&ph, at, sizeof(ph));
		return (struct segment){ ph.p_type, ph.p_offset, ph.p_paddr,
					 ph.p_filesz, ph.p_memsz };
	} else {
		Elf32_Phdr ph;
		memcpy(&ph, at, sizeof(ph));
		return (struct segment){ ph.p_type, ph.p_offset, ph.p_paddr,
					 ph.p_filesz, ph.p_memsz };
	}
}

/* Load every PT_LOAD segment of an ELF image of either class. */
static int load_elf(const uint8_t *image, size_t size, uint8_t *ram,
		    uint64_t ram_size, bool is64, struct loaded_kernel *out,
		    char *err, size_t errlen)
{
	const char *cls = is64 ? "ELF64" : "ELF32";
	size_t ehsize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t phsize = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	uint64_t phoff, entry;
	uint16_t machine, type, phentsize, phnum;
	unsigned loaded = 0;
	int ret;

	if (size < ehsize)
		return errmsg_fail(err, errlen, -ENOEXEC, "truncated %s header", cls);
	if (is64) {
		Elf64_Ehdr eh;
		memcpy(&eh, image, sizeof(eh));
		machine = eh.e_machine, type = eh.e_type, entry = eh.e_entry;
		phoff = eh.e_phoff, phentsize = eh.e_phentsize;
		phnum = eh.e_phnum;
	} else {
		Elf32_Ehdr eh;
		memcpy(&eh, image, sizeof(eh));
		machine = eh.e_machine, type = eh.e_type, entry = eh.e_entry;
		phoff = eh.e_phoff, phentsize = eh.e_phentsize;
		phnum = eh.e_phnum;
	}
	/* ELF64 must be x86-64; ELF32 multiboot images may be either. */
	if (machine != EM_X86_64 && (is64 || machine != EM_386))
		return errmsg_fail(err, errlen, -ENOEXEC,
			    "%s image is not for %s (machine %u)", cls,
			    is64 ? "x86-64" : "x86", machine);
	if (type != ET_EXEC)
		return errmsg_fail(err, errlen, -ENOEXEC,
			    "%s image is not an executable", cls);
	if (phentsize != phsize || phnum == 0 || phoff > size ||
	    (uint64_t)phnum * phsize > size - phoff)
		return errmsg_fail(err, errlen, -ENOEXEC,
			    "bad %s program header table", cls);

	out->end = 0;
	for (unsigned i = 0; i < phnum; i++) {
		struct segment seg = read_phdr(image + phoff + i * phsize,
					       is64);
		if (seg.type != PT_LOAD || seg.memsz == 0)
			continue;
		ret = load_segment(image, size, ram, ram_size, seg.paddr,
				   seg.offset, seg.filesz, seg.memsz,
				   &out->end, err, errlen);
		if (ret)
			return ret;
		loaded++;
	}
	if (!loaded)
		return errmsg_fail(err, errlen, -ENOEXEC,
			    "%s image has no loadable segment", cls);
	out->mode = is64 ? LOADER_ENTRY_64BIT : LOADER_ENTRY_MULTIBOOT;
	out->entry = entry;
	return 0;
}

/* The a.out kludge: the header itself says where the image goes. */
static int load_aout_kludge(const uint8_t *image, size_t size, uint8_t *ram,
			    uint64_t ram_size, const struct multiboot_header *mb,
			    size_t mb_off, struct loaded_kernel *out,
			    char *err, size_t errlen)
{
	uint64_t file_off, load_end, bss_end, filesz, memsz;

	if (mb_off + sizeof(*mb) > size)
		return errmsg_fail(err, errlen, -ENOEXEC,
			    "truncated multiboot header");
	if (mb->header_addr < mb->load_addr ||
	    mb->header_addr - mb->load_addr > mb_off)
		return errmsg_fail(err, errlen, -ENOEXEC,
			    "multiboot header_addr/load_addr inconsistent");
	file_off = mb_off - (mb->header_addr - mb->load_addr);
	load_end = mb->load_end_addr ? mb->load_end_addr
				     : mb->load_addr + (size - file_off);
	bss_end = mb->bss_end_addr ? mb->bss_end_addr : load_end;
	if (load_end < mb->load_addr || bss_end < load_end)
		return errmsg_fail(err, errlen, -ENOEXEC,
			    "multiboot load/bss end addresses out of order");
	filesz = load_end - mb->load_addr;
	memsz = bss_end - mb->load_addr;
	out->end = 0;
	out->mode = LOADER_ENTRY_MULTIBOOT;
	out->entry = mb->entry_addr;
	return load_segment(image, size, ram, ram_size, mb->load_addr,
			    file_off, filesz, memsz, &out->end, err, errlen);
}

int loader__load_image(const uint8_t *image, size_t size, uint8_t *ram,
		       uint64_t ram_size, struct loaded_kernel *out,
		       char *err, size_t errlen)
{
	const struct multiboot_header *mb;
	size_t mb_off = 0;
	int ret;

	if (size < 4)
		return errmsg_fail(err, errlen, -ENOEXEC, "image is too small");
	/* Linux images are recognised explicitly (loader_bzimage.c). */
	ret = loader_bzimage__load_linux(image, size, ram, ram_size, out, err, errlen);
	if (ret != -ENOENT)
		return ret;
	mb = find_multiboot(image, size, &mb_off);

	if (memcmp(image, ELFMAG, SELFMAG) == 0 && size > EI_DATA) {
		if (image[EI_DATA] != ELFDATA2LSB)
			return errmsg_fail(err, errlen, -ENOEXEC,
				    "ELF image is not little-endian");
		if (image[EI_CLASS] == ELFCLASS64)
			ret = load_elf(image, size, ram, ram_size, true, out,
				       err, errlen);
		else if (image[EI_CLASS] == ELFCLASS32 && mb)
			ret = load_elf(image, size, ram, ram_size, false, out,
				       err, errlen);
		else if (image[EI_CLASS] == ELFCLASS32)
			return errmsg_fail(err, errlen, -ENOEXEC,
				    "ELF32 image without a multiboot header");
		else
			return errmsg_fail(err, errlen, -ENOEXEC,
				    "unknown ELF class %u", image[EI_CLASS]);
	} else if (mb && (mb->flags & MULTIBOOT_AOUT_KLUDGE)) {
		ret = load_aout_kludge(image, size, ram, ram_size, mb, mb_off,
				       out, err, errlen);
	} else {
		return errmsg_fail(err, errlen, -ENOEXEC,
			    "not an ELF or multiboot kernel image");
	}
	if (ret)
		return ret;
	if (out->entry < KERNEL_MIN_GPA || out->entry >= out->end) {
		/* ELF64 kernels may be linked high and entered through paddr;
		 * we only support identity-linked entries. */
		return errmsg_fail(err, errlen, -ENOEXEC,
			    "entry point 0x%llx is outside the loaded image",
			    (unsigned long long)out->entry);
	}
	return 0;
}

int loader__load_elf(const uint8_t *image, size_t size, uint8_t *ram,
		     uint64_t ram_size, bool is64, struct loaded_kernel *out,
		     char *err, size_t errlen)
{
	return load_elf(image, size, ram, ram_size, is64, out, err, errlen);
}

uint8_t *loader__read_file(const char *path, size_t *size, size_t max_size,
			   char *err, size_t errlen)
{
	struct stat st;
	uint8_t *buf;
	size_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		errmsg_fail(err, errlen, 0, "cannot open %s: %s", path,
		     strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		errmsg_fail(err, errlen, 0, "%s is not a regular file", path);
		close(fd);
		return NULL;
	}
	if ((uint64_t)st.st_size > max_size) {
		errmsg_fail(err, errlen, 0, "%s is too large (%lld bytes)", path,
		     (long long)st.st_size);
		close(fd);
		return NULL;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		errmsg_fail(err, errlen, 0, "out of memory reading %s", path);
		close(fd);
		return NULL;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);
		if (n <= 0) {
			errmsg_fail(err, errlen, 0, "cannot read %s", path);
			free(buf);
			close(fd);
			return NULL;
		}
		done += (size_t)n;
	}
	close(fd);
	*size = done;
	return buf;
}
