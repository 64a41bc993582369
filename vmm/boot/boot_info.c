// SPDX-License-Identifier: MIT
/* boot_info.c - multiboot information, boot page tables and GDT. */
#include <string.h>

#include "boot_info.h"
#include "layout.h"

#define MB_INFO_MEM (1u << 0)
#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MODS (1u << 3)
#define MB_INFO_MMAP (1u << 6)

#define MB_MEM_AVAILABLE 1
#define MB_MEM_RESERVED 2

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_module {
	uint32_t mod_start, mod_end, string, reserved;
} __attribute__((packed));

struct mb_mmap_entry {
	uint32_t size; /* of the rest of the entry: 20 */
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

static void add_region(struct mb_mmap_entry *e, unsigned *n, uint64_t start,
		       uint64_t end, uint32_t type)
{
	e[*n] = (struct mb_mmap_entry){
		.size = 20, .addr = start, .len = end - start, .type = type,
	};
	(*n)++;
}

uint64_t boot_info__write_multiboot(uint8_t *ram, uint64_t ram_size,
				    const char *cmdline,
				    const struct boot_module *initrd)
{
	struct mb_info info = { 0 };
	struct mb_module mod = { 0 };
	struct mb_mmap_entry mmap[8];
	unsigned n = 0;
	size_t len = strlen(cmdline) + 1;
	uint64_t mods_gpa = BOOT_INFO_GPA + sizeof(info);
	uint64_t mmap_gpa = mods_gpa + sizeof(mod);

	if (len > BOOT_CMDLINE_MAX)
		return 0;
	memset(ram + BOOT_INFO_GPA, 0, BOOT_INFO_END - BOOT_INFO_GPA);
	memcpy(ram + BOOT_CMDLINE_GPA, cmdline, len);

	/* What the VMM uses stays reserved; 0x8000 page is the guest's. */
	add_region(mmap, &n, 0, BOOT_RESERVED_END, MB_MEM_RESERVED);
	add_region(mmap, &n, TRAMPOLINE_GPA, BOOT_INFO_GPA, MB_MEM_AVAILABLE);
	add_region(mmap, &n, BOOT_INFO_GPA, BOOT_INFO_END, MB_MEM_RESERVED);
	add_region(mmap, &n, BOOT_INFO_END, EBDA_GPA, MB_MEM_AVAILABLE);
	add_region(mmap, &n, EBDA_GPA, BIOS_AREA_END, MB_MEM_RESERVED);
	add_region(mmap, &n, KERNEL_MIN_GPA, ram_size, MB_MEM_AVAILABLE);

	info.flags = MB_INFO_MEM | MB_INFO_CMDLINE | MB_INFO_MMAP | MB_INFO_MODS;
	info.mem_lower = (uint32_t)(EBDA_GPA >> 10);
	info.mem_upper = (uint32_t)((ram_size - KERNEL_MIN_GPA) >> 10);
	info.cmdline = (uint32_t)BOOT_CMDLINE_GPA;
	info.mmap_addr = (uint32_t)mmap_gpa;
	info.mmap_length = (uint32_t)(n * sizeof(mmap[0]));
	info.mods_addr = (uint32_t)mods_gpa;
	if (initrd) {
		mod.mod_start = (uint32_t)initrd->start;
		mod.mod_end = (uint32_t)initrd->end;
		info.mods_count = 1;
	}
	memcpy(ram + BOOT_INFO_GPA, &info, sizeof(info));
	memcpy(ram + mods_gpa, &mod, sizeof(mod));
	memcpy(ram + mmap_gpa, mmap, n * sizeof(mmap[0]));
	return BOOT_INFO_GPA;
}

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PS (1ull << 7)

void boot_info__write_long_mode_tables(uint8_t *ram)
{
	/* null, 32-bit code, 64-bit code, data: flat, DPL 0. */
	static const uint64_t gdt[] = {
		0,
		0x00cf9b000000ffffull,
		0x00af9b000000ffffull,
		0x00cf93000000ffffull,
	};
	uint64_t *pml4 = (uint64_t *)(ram + BOOT_PML4_GPA);
	uint64_t *pdpt = (uint64_t *)(ram + BOOT_PDPT_GPA);
	uint64_t *pd = (uint64_t *)(ram + BOOT_PD_GPA);

	memcpy(ram + BOOT_GDT_GPA, gdt, sizeof(gdt));
	memset(pml4, 0, 0x1000);
	memset(pdpt, 0, 0x1000);
	pml4[0] = BOOT_PDPT_GPA | PTE_P | PTE_W;
	for (unsigned i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD_GPA + i * 0x1000ull) | PTE_P | PTE_W;
	for (unsigned i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_P | PTE_W | PTE_PS;
}
