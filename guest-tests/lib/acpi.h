/* SPDX-License-Identifier: MIT */
/* acpi.h - just enough ACPI: FADT power-off and PM timer ports, MADT CPUs. */
#ifndef GT_ACPI_H
#define GT_ACPI_H

#include "x86.h"

#define ACPI_PM1_CNT_FALLBACK 0x604  /* QEMU/SeaBIOS PIIX4 PM1a_CNT */

void acpi_init(void);
u16 acpi_pm1a_cnt(void);             /* 0: no FADT */
u16 acpi_pm_timer(void);             /* 0: none */
unsigned acpi_madt_cpus(void);       /* enabled local (x2)APICs; 0: no MADT */

#endif
