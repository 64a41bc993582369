/* SPDX-License-Identifier: MIT */
/*
 * tsc.h - the TSC as the clock. Its rate comes from the first source that
 * answers, in the order of enum tsc_source: what the machine announces
 * (CPUID 0x15 / 0x16, the hypervisor timing leaf 0x40000010, KVM's
 * paravirtual clock) before what has to be measured (the 8254 PIT, the
 * ACPI PM timer). Timeouts and delays are in wall-clock microseconds.
 */
#ifndef GT_TSC_H
#define GT_TSC_H

#include <stdbool.h>

#include "x86.h"

/*
 * The sources, in tsc_init()'s order of preference. Announced rates are
 * exact and cost nothing, so they come first: cpuid15 (TSC = crystal * EBX
 * / EAX, Intel), cpuid16 (base MHz, Intel), hv (kHz in 0x40000010), then
 * kvmclock (exact too, but it needs an MSR and guest memory). Measured ones
 * last: pit before pmtimer because it needs no ACPI tables and is what
 * Linux itself tries first (quick_pit_calibrate(), pit_calibrate_tsc());
 * the PM timer needs the FADT.
 */
enum tsc_source {
	TSC_SRC_CPUID15,
	TSC_SRC_CPUID16,
	TSC_SRC_HV,
	TSC_SRC_KVMCLOCK,
	TSC_SRC_PIT,
	TSC_SRC_PMTIMER,
	TSC_SRC_NR,
};

/* "cpuid15", "cpuid16", "hv", "kvmclock", "pit", "pmtimer"; "?" if bad. */
const char *tsc_source_name(enum tsc_source src);
/* Measured (pit, pmtimer) rather than announced. */
bool tsc_source_measured(enum tsc_source src);

/*
 * tsc_khz_from() - the TSC rate according to @src alone, asked afresh
 * (a measurement takes about 20 ms). One CPU at a time: the PIT and the
 * kvmclock page are shared.
 * Return: false, leaving @khz alone, when @src is absent on this machine.
 */
bool tsc_khz_from(enum tsc_source src, u64 *khz);

void tsc_init(void);
u64 tsc_khz(void);
const char *tsc_khz_source(void);    /* a tsc_source_name(), or "guess" */
u64 tsc_cycles_from_us(u64 us);
u64 tsc_us_from_cycles(u64 cycles);
u64 tsc_ns_from_cycles(u64 cycles);
void udelay(u64 us);

#endif
