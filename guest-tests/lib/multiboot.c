// SPDX-License-Identifier: MIT
/*
 * multiboot.c - read the multiboot v1 information: the command line, and
 * where free RAM is. The loader puts its info, the command line and the
 * modules right after the image (QEMU) or in low memory (ipivirt): the heap
 * starts past all of them, inside the memory-map region that holds it.
 */
#include "args.h"
#include "fwcfg.h"
#include "string.h"

#define MB_FLAG_MEM (1u << 0)
#define MB_FLAG_CMDLINE (1u << 2)
#define MB_FLAG_MODS (1u << 3)
#define MB_FLAG_MMAP (1u << 6)
#define HEAP_CEILING 0xc0000000ull     /* RAM ends below 3 GiB on both VMMs */

struct mb_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_module {
	u32 start, end, string, reserved;
};

struct mb_mmap {
	u32 size;
	u64 addr, len;
	u32 type;
} __attribute__((packed));

extern char _end[];

static u64 max64(u64 a, u64 b) { return a > b ? a : b; }

void multiboot_parse(u32 magic, u32 info, u64 *heap_start, u64 *heap_end)
{
	u64 start = (u64)_end, end = 0;

	if (magic != 0x2badb002u) {
		args_parse("kernel");
		info = 0;
	}
	const struct mb_info *mbi = (const struct mb_info *)(uintptr_t)info;
	if (mbi) {
		start = max64(start, info + sizeof(*mbi));
		if (mbi->flags & MB_FLAG_CMDLINE) {
			const char *c = (const char *)(uintptr_t)mbi->cmdline;
			args_parse(c);
			start = max64(start, mbi->cmdline + strlen(c) + 1);
		} else {
			args_parse("kernel");
		}
		if (mbi->flags & MB_FLAG_MODS) {
			const struct mb_module *m = (const struct mb_module *)(uintptr_t)mbi->mods_addr;
			start = max64(start, mbi->mods_addr + mbi->mods_count * sizeof(*m));
			for (u32 i = 0; i < mbi->mods_count; i++)
				start = max64(start, m[i].end);
		}
		if (mbi->flags & MB_FLAG_MMAP) {
			start = max64(start, (u64)mbi->mmap_addr + mbi->mmap_length);
		}
	}
	start = (start + 4095) & ~4095ull;
	if (mbi && (mbi->flags & MB_FLAG_MMAP)) {
		/* The available region that holds the heap start ends the heap. */
		for (u32 off = 0; off < mbi->mmap_length;) {
			const struct mb_mmap *e = (const struct mb_mmap *)(uintptr_t)(mbi->mmap_addr + off);
			if (e->type == 1 && e->addr <= start && start < e->addr + e->len)
				end = e->addr + e->len;
			off += e->size + 4;
		}
	} else if (mbi && (mbi->flags & MB_FLAG_MEM)) {
		end = 0x100000ull + (u64)mbi->mem_upper * 1024;
	}
	if (!end && fwcfg_present())
		end = fwcfg_read(FW_CFG_RAM_SIZE, 8);
	if (!end)
		end = start + (16ull << 20);
	if (end > HEAP_CEILING)
		end = HEAP_CEILING;
	*heap_start = start;
	*heap_end = end;
}
