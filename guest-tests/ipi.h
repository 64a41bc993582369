/* SPDX-License-Identifier: MIT */
/* ipi.h - what the ipi kernel's two files (ipi.c, ipi_xive.c) share. */
#ifndef GT_IPI_TEST_H
#define GT_IPI_TEST_H

#include "libtest.h"

#define TEST_VEC 0x40
#define DELIVERY_TIMEOUT_US 5000000ull

extern unsigned hits[MAX_CPUS];   /* TEST_VEC interrupts taken, per CPU */

/* Wait for @count to reach 1 on every CPU of @expect, then check that it
 * is exactly 1 there and 0 elsewhere (pending counts); reset the counts. */
void check(const unsigned *count, const struct cpumask *expect, const char *what);
void reset_counts(void);
struct cpumask mask_of(unsigned cpu);
void send_from(unsigned cpu, u32 icr_low, u32 dest);   /* APIC ICR write on @cpu */
void nop(void *arg);

struct xive_cpu;
void test_xive(void);                          /* ipi_xive.c */
void test_hcall_errors(struct xive_cpu *xc);   /* ipi_hcall.c */

#endif
