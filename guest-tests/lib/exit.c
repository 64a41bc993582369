// SPDX-License-Identifier: MIT
/*
 * exit.c - how a test kernel ends. Success: ACPI soft-off (SLP_TYP 0 |
 * SLP_EN to PM1a_CNT), which QEMU -no-reboot and ipivirt turn into exit
 * status 0. Failure: the failure count to the isa-debug-exit port 0xf4,
 * which ends the run with status (v << 1) | 1, never 0.
 */
#include "acpi.h"
#include "report.h"
#include "tsc.h"
#include "x86.h"

#define DEBUG_EXIT_PORT 0xf4
#define PM1_SLP_EN 0x2000

void exit(int code)
{
	u16 pm1 = acpi_pm1a_cnt() ? acpi_pm1a_cnt() : ACPI_PM1_CNT_FALLBACK;

	if (code == 0) {
		outw(pm1, PM1_SLP_EN);
		/* A VMM stops the vCPU soon, not at once: give it 2 s. */
		u64 end = rdtsc() + tsc_cycles_from_us(2000000);
		while (rdtsc() < end)
			pause();
		/* Still here: no ACPI power-off. Exit status 1 says so. */
	}
	outl(DEBUG_EXIT_PORT, code <= 0 ? 0 : (code > 0x7f ? 0x7f : (u32)code));
	for (;;)
		__asm__ __volatile__("cli; hlt");
}
