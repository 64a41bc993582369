// SPDX-License-Identifier: MIT
/*
 * firmware_tables.c - the MP table and a minimal ACPI set (RSDP, RSDT, FADT,
 * MADT, a DSDT with _S5 and COM1) in the BIOS area, announcing the CPUs, the
 * I/O APIC with the PC's ISA wiring (IRQ 0 on pin 2, the SCI level and
 * active high on pin 9), LINT0 ExtINT / LINT1 NMI, and the PM ports of
 * power.c, as QEMU's and SeaBIOS's tables do.
 */
#include <stdbool.h>
#include <string.h>

#include "apic_virt.h"
#include "boot_info.h"
#include "cpumask.h"
#include "ioapic.h"
#include "isa_irq.h"
#include "layout.h"
#include "hw/power.h"
#include "hw/uart.h"

#define MP_FPS_GPA 0xf0000ull
#define MP_TABLE_GPA 0xf0010ull
#define ACPI_RSDP_GPA 0xe0000ull
#define ACPI_RSDT_GPA 0xe0040ull
#define ACPI_FADT_GPA 0xe0100ull
#define ACPI_DSDT_GPA 0xe0200ull
#define ACPI_MADT_GPA 0xe0300ull
#define ACPI_AREA_END MP_FPS_GPA /* the MADT must end below the MP table */
#define ACPI_SCI_IRQ 9
/* The I/O APIC's ID: 0, as QEMU's (IDs are per bus, not CPU IDs). */
#define FW_IOAPIC_ID 0

/* MP / MADT interrupt flags: polarity bits 1:0, trigger bits 3:2. */
#define INTI_CONFORMS 0x0
#define INTI_ACTIVE_HIGH 0x1
#define INTI_LEVEL 0xc

static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)(0u - sum);
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static void write_mp_table(uint8_t *ram, unsigned nr_cpus)
{
	uint8_t *fps = ram + MP_FPS_GPA;
	uint8_t *t = ram + MP_TABLE_GPA;
	size_t len = 44;
	uint16_t entries = 0;

	memset(fps, 0, 16);
	memcpy(fps, "_MP_", 4);
	put32(fps + 4, (uint32_t)MP_TABLE_GPA);
	fps[8] = 1;    /* length in 16-byte units */
	fps[9] = 4;    /* MP spec 1.4 */
	fps[10] = checksum(fps, 16);

	memset(t, 0, 44);
	memcpy(t, "PCMP", 4);
	t[6] = 4;
	memcpy(t + 8, "IPIVIRT ", 8);
	memcpy(t + 16, "SMP TEST    ", 12);
	put32(t + 36, (uint32_t)APIC_DEFAULT_BASE);
	/* Processor entries hold an 8-bit APIC ID: the MP table lists
	 * the first 255 CPUs only, the MADT all of them. */
	for (unsigned cpu = 0; cpu < nr_cpus && cpu < 255; cpu++) {
		uint8_t *e = t + len;
		memset(e, 0, 20);
		e[0] = 0;                 /* processor */
		e[1] = (uint8_t)cpu;      /* APIC ID */
		e[2] = 0x14;              /* APIC version */
		e[3] = 1 | (cpu == 0 ? 2 : 0); /* enabled, BSP */
		put32(e + 4, 0x600);      /* family 6 signature */
		put32(e + 8, 0x201);      /* FPU, APIC */
		len += 20;
		entries++;
	}
	memset(t + len, 0, 8);            /* one ISA bus */
	t[len] = 1;
	memcpy(t + len + 2, "ISA   ", 6);
	len += 8;
	entries++;
	memset(t + len, 0, 8);            /* the I/O APIC */
	t[len] = 2;
	t[len + 1] = FW_IOAPIC_ID;
	t[len + 2] = IOAPIC_VERSION_VALUE & 0xff;
	t[len + 3] = 1;                   /* usable */
	put32(t + len + 4, (uint32_t)IOAPIC_DEFAULT_BASE);
	len += 8;
	entries++;
	/* I/O interrupts: the 8259's ExtINT on pin 0, ISA IRQ n on its pin. */
	for (int irq = -1; irq < ISA_NR_IRQS; irq++) {
		uint8_t *e = t + len;
		if (irq == 2)
			continue;             /* the cascade: no device */
		memset(e, 0, 8);
		e[0] = 3;
		e[1] = irq < 0 ? 3 : 0;       /* ExtINT : INT */
		put16(e + 2, irq == ACPI_SCI_IRQ ? INTI_ACTIVE_HIGH | INTI_LEVEL
						 : INTI_CONFORMS);
		e[4] = 0;                     /* source bus: ISA */
		e[5] = (uint8_t)(irq < 0 ? 0 : irq);
		e[6] = FW_IOAPIC_ID;
		e[7] = (uint8_t)(irq < 0 ? 0 : isa_irq_gsi((unsigned)irq));
		len += 8;
		entries++;
	}
	/* Local interrupts: LINT0 ExtINT, LINT1 NMI, on every CPU. */
	for (unsigned lint = 0; lint < 2; lint++) {
		uint8_t *e = t + len;
		memset(e, 0, 8);
		e[0] = 4;
		e[1] = lint ? 1 : 3;          /* NMI : ExtINT */
		e[6] = 0xff;
		e[7] = (uint8_t)lint;
		len += 8;
		entries++;
	}
	put16(t + 4, (uint16_t)len);
	put16(t + 34, entries);
	t[7] = checksum(t, len);
}

static void acpi_header(uint8_t *h, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(h, sig, 4);
	put32(h + 4, len);
	h[8] = rev;
	memcpy(h + 10, "IPIVRT", 6);
	memcpy(h + 16, "IPIVIRT ", 8);
	put32(h + 24, 1);
	memcpy(h + 28, "IPIV", 4);
	put32(h + 32, 1);
}

static const uint8_t dsdt_s5[] = {
	0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00,
	/*
	 * Scope (\_SB) { Device (COM1) { Name (_HID, EisaId ("PNP0501"))
	 *   Name (_UID, One) Name (_CRS, ResourceTemplate () {
	 *   IO (Decode16, 0x3F8, 0x3F8, 0x01, 0x08) IRQNoFlags () {4} }) } }
	 * IRQ 4 is routed through the I/O APIC (uart.c raises it), so Linux's
	 * 8250_pnp runs the console port on interrupts.
	 */
	0x10, 0x33, '\\', '_', 'S', 'B', '_',
	0x5b, 0x82, 0x2b, 'C', 'O', 'M', '1',
	0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01,
	0x08, '_', 'U', 'I', 'D', 0x01,
	0x08, '_', 'C', 'R', 'S', 0x11, 0x10, 0x0a, 0x0d,
	0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,
	0x22, 1u << UART_COM1_IRQ, 0x00, 0x79, 0x00,
};

/*
 * The MADT's size: header, a local APIC entry (8 bytes) per APIC ID below
 * 255 and a local x2APIC entry (16) per ID above, then madt_interrupts()
 * (I/O APIC 12, two overrides 10 each, LINT1 NMI 6, x2APIC NMI 12).
 */
#define MADT_SIZE(n)                                                   \
	(44u + 8u * ((n) < 255u ? (n) : 255u) +                        \
	 16u * ((n) > 255u ? (n) - 255u : 0u) + 12u + 2u * 10u + 6u + 12u)
_Static_assert(ACPI_MADT_GPA + MADT_SIZE(IPIVIRT_MAX_CPUS) <= ACPI_AREA_END,
	       "the MADT for IPIVIRT_MAX_CPUS runs into the MP table");

/* MADT entries after the CPUs: I/O APIC, overrides, LINT1 NMI (and the
 * same for the x2APIC entries, when there are any). */
static uint32_t madt_interrupts(uint8_t *e, bool x2apic_cpus)
{
	const uint8_t *start = e;

	e[0] = 1; /* I/O APIC */
	e[1] = 12;
	e[2] = FW_IOAPIC_ID;
	e[3] = 0;
	put32(e + 4, (uint32_t)IOAPIC_DEFAULT_BASE);
	put32(e + 8, 0); /* GSI base */
	e += 12;
	e[0] = 2; /* override: ISA IRQ 0 -> GSI 2, ISA defaults */
	e[1] = 10;
	e[2] = 0;
	e[3] = 0;
	put32(e + 4, isa_irq_gsi(0));
	put16(e + 8, INTI_CONFORMS);
	e += 10;
	e[0] = 2; /* override: the SCI, level and active high */
	e[1] = 10;
	e[2] = 0;
	e[3] = ACPI_SCI_IRQ;
	put32(e + 4, ACPI_SCI_IRQ);
	put16(e + 8, INTI_ACTIVE_HIGH | INTI_LEVEL);
	e += 10;
	e[0] = 4; /* local APIC NMI: every processor's LINT1 */
	e[1] = 6;
	e[2] = 0xff;
	put16(e + 3, INTI_CONFORMS);
	e[5] = 1;
	e += 6;
	/* Type 4 names processors by an 8-bit UID: the x2APIC entries' LINT1
	 * is declared by a local x2APIC NMI (type 0xA, all UIDs), as
	 * QEMU does once an APIC ID passes 254 (ACPI 6.5 5.2.12.13). */
	if (x2apic_cpus) {
		memset(e, 0, 12);
		e[0] = 0xa;
		e[1] = 12;
		put16(e + 2, INTI_CONFORMS);
		put32(e + 4, 0xffffffffu);
		e[8] = 1;
		e += 12;
	}
	return (uint32_t)(e - start);
}

static void write_acpi(uint8_t *ram, unsigned nr_cpus)
{
	uint8_t *rsdp = ram + ACPI_RSDP_GPA;
	uint8_t *rsdt = ram + ACPI_RSDT_GPA;
	uint8_t *fadt = ram + ACPI_FADT_GPA;
	uint8_t *dsdt = ram + ACPI_DSDT_GPA;
	uint8_t *madt = ram + ACPI_MADT_GPA;
	uint32_t madt_len = 44;

	memset(rsdp, 0, 20);
	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "IPIVRT", 6);
	rsdp[15] = 0; /* ACPI 1.0 RSDP */
	put32(rsdp + 16, (uint32_t)ACPI_RSDT_GPA);
	rsdp[8] = checksum(rsdp, 20);

	memset(rsdt, 0, 44);
	acpi_header(rsdt, "RSDT", 44, 1);
	put32(rsdt + 36, (uint32_t)ACPI_FADT_GPA);
	put32(rsdt + 40, (uint32_t)ACPI_MADT_GPA);
	rsdt[9] = checksum(rsdt, 44);

	/* Name (_S5, Package (4) { 0, 0, 0, 0 }): S5 is SLP_TYP 0, as in
	 * power.c (Linux needs _S5 to power off through PM1a); COM1. */
	memset(dsdt, 0, 36 + sizeof(dsdt_s5));
	memcpy(dsdt + 36, dsdt_s5, sizeof(dsdt_s5));
	acpi_header(dsdt, "DSDT", 36 + sizeof(dsdt_s5), 1);
	dsdt[9] = checksum(dsdt, 36 + sizeof(dsdt_s5));

	memset(fadt, 0, 116);
	acpi_header(fadt, "FACP", 116, 1);
	put32(fadt + 40, (uint32_t)ACPI_DSDT_GPA);
	put16(fadt + 46, ACPI_SCI_IRQ);          /* SCI_INT */
	put32(fadt + 56, ACPI_PM1A_EVT);
	put32(fadt + 64, ACPI_PM1A_CNT);
	put32(fadt + 76, ACPI_PM_TMR);
	fadt[88] = 4;                            /* PM1_EVT_LEN */
	fadt[89] = 2;                            /* PM1_CNT_LEN */
	fadt[91] = 4;                            /* PM_TMR_LEN */
	put32(fadt + 112, (1u << 0) | (1u << 2)); /* WBINVD, PROC_C1 */
	fadt[9] = checksum(fadt, 116);

	memset(madt, 0, MADT_SIZE(nr_cpus));
	put32(madt + 36, (uint32_t)APIC_DEFAULT_BASE);
	put32(madt + 40, 0); /* no legacy PICs */
	/* ACPI 6.5 5.2.12.12: IDs below 255 in local APIC entries (type 0),
	 * the rest in local x2APIC entries (type 9), UID = vCPU index. */
	for (unsigned cpu = 0; cpu < nr_cpus; cpu++) {
		uint8_t *e = madt + madt_len;
		if (cpu < 255) {
			e[0] = 0; /* processor local APIC */
			e[1] = 8;
			e[2] = (uint8_t)cpu; /* processor UID */
			e[3] = (uint8_t)cpu; /* APIC ID */
			put32(e + 4, 1);     /* enabled */
			madt_len += 8;
		} else {
			e[0] = 9; /* processor local x2APIC */
			e[1] = 16;
			put32(e + 4, cpu);
			put32(e + 8, 1);
			put32(e + 12, cpu);
			madt_len += 16;
		}
	}
	madt_len += madt_interrupts(madt + madt_len, nr_cpus > 255);
	acpi_header(madt, "APIC", madt_len, 3);
	madt[9] = checksum(madt, madt_len);
}

void firmware_tables__write(uint8_t *ram, unsigned nr_cpus)
{
	memset(ram + BIOS_AREA_GPA, 0, BIOS_AREA_END - BIOS_AREA_GPA);
	write_mp_table(ram, nr_cpus);
	write_acpi(ram, nr_cpus);
}
