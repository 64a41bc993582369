// SPDX-License-Identifier: MIT
/*
 * acpi.c - RSDP in 0xE0000-0xFFFFF -> RSDT -> FADT ("FACP") and MADT
 * ("APIC"). Read-only; checksums are checked so a stray "RSD PTR " in the
 * BIOS area is not taken for the real thing.
 */
#include "acpi.h"
#include "string.h"

struct sdt_header {
	char sig[4];
	u32 length;
	u8 revision, checksum;
	char oem[6], oem_table[8];
	u32 oem_rev, creator, creator_rev;
} __attribute__((packed));

static u16 pm1a_cnt, pm_tmr;
static unsigned madt_cpus;
static u32 ioapic_addr;
static u32 isa_gsi[16];  /* ISA IRQ -> GSI, identity unless overridden */
static u16 isa_flags[16];

static bool checksum_ok(const void *p, u32 len)
{
	u8 sum = 0;

	for (const u8 *b = p; len; len--)
		sum = (u8)(sum + *b++);
	return sum == 0;
}

static const struct sdt_header *find_rsdt(void)
{
	for (uintptr_t a = 0xe0000; a < 0x100000; a += 16) {
		const char *p = (const char *)a;
		if (!memcmp(p, "RSD PTR ", 8) && checksum_ok(p, 20))
			return (const struct sdt_header *)(uintptr_t)*(const u32 *)(p + 16);
	}
	return NULL;
}

static void parse_fadt(const u8 *t)
{
	pm1a_cnt = (u16)*(const u32 *)(t + 64);
	pm_tmr = (u16)*(const u32 *)(t + 76);
}

static void parse_madt(const u8 *t, u32 len)
{
	for (u32 off = 44; off + 2 <= len && t[off + 1]; off += t[off + 1]) {
		if (t[off] == 0 && (*(const u32 *)(t + off + 4) & 1))       /* local APIC */
			madt_cpus++;
		else if (t[off] == 9 && (*(const u32 *)(t + off + 8) & 1))  /* x2APIC */
			madt_cpus++;
		else if (t[off] == 1 && !ioapic_addr)                       /* I/O APIC */
			ioapic_addr = *(const u32 *)(t + off + 4);
		else if (t[off] == 2 && t[off + 3] < 16) {                  /* override */
			isa_gsi[t[off + 3]] = *(const u32 *)(t + off + 4);
			isa_flags[t[off + 3]] = *(const u16 *)(t + off + 8);
		}
	}
}

void acpi_init(void)
{
	const struct sdt_header *rsdt = find_rsdt();

	for (unsigned i = 0; i < 16; i++)
		isa_gsi[i] = i;

	if (!rsdt || memcmp(rsdt->sig, "RSDT", 4) || !checksum_ok(rsdt, rsdt->length))
		return;
	const u32 *entry = (const u32 *)(rsdt + 1);
	unsigned n = (rsdt->length - sizeof(*rsdt)) / 4;
	for (unsigned i = 0; i < n; i++) {
		const struct sdt_header *t = (const struct sdt_header *)(uintptr_t)entry[i];
		if (!checksum_ok(t, t->length))
			continue;
		if (!memcmp(t->sig, "FACP", 4) && t->length >= 80)
			parse_fadt((const u8 *)t);
		else if (!memcmp(t->sig, "APIC", 4))
			parse_madt((const u8 *)t, t->length);
	}
}

u16 acpi_pm1a_cnt(void) { return pm1a_cnt; }
u16 acpi_pm_timer(void) { return pm_tmr; }
unsigned acpi_madt_cpus(void) { return madt_cpus; }
u32 acpi_ioapic_addr(void) { return ioapic_addr; }
u32 acpi_isa_irq_gsi(unsigned irq) { return irq < 16 ? isa_gsi[irq] : irq; }
u16 acpi_isa_irq_flags(unsigned irq) { return irq < 16 ? isa_flags[irq] : 0; }
