/* SPDX-License-Identifier: MIT */
/*
 * tsc.h - the TSC as the clock: frequency from CPUID 0x15 / 0x16, the
 * hypervisor timing leaf 0x40000010, or else measured against the ACPI PM
 * timer. Timeouts and delays are in wall-clock microseconds.
 */
#ifndef GT_TSC_H
#define GT_TSC_H

#include "x86.h"

void tsc_init(void);
u64 tsc_khz(void);
const char *tsc_khz_source(void);    /* "cpuid15", "cpuid16", "hv", "pmtimer", "guess" */
u64 tsc_cycles_from_us(u64 us);
u64 tsc_us_from_cycles(u64 cycles);
u64 tsc_ns_from_cycles(u64 cycles);
void udelay(u64 us);

#endif
