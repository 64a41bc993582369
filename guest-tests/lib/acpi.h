/* SPDX-License-Identifier: MIT */
/*
 * acpi.h - just enough ACPI: FADT power-off and PM timer ports, MADT CPUs,
 * the I/O APIC and the ISA interrupt overrides.
 */
#ifndef GT_ACPI_H
#define GT_ACPI_H

#include "x86.h"

#define ACPI_PM1_CNT_FALLBACK 0x604  /* QEMU/SeaBIOS PIIX4 PM1a_CNT */

void acpi_init(void);
u16 acpi_pm1a_cnt(void);             /* 0: no FADT */
u16 acpi_pm_timer(void);             /* 0: none */
unsigned acpi_madt_cpus(void);       /* enabled local (x2)APICs; 0: no MADT */
u32 acpi_ioapic_addr(void);          /* the first I/O APIC's MMIO base; 0: none */
u32 acpi_isa_irq_gsi(unsigned irq);  /* ISA IRQ -> GSI (MADT overrides) */
u16 acpi_isa_irq_flags(unsigned irq); /* its override's MPS INTI flags; 0: none */

#endif
