/* SPDX-License-Identifier: MIT */
/*
 * apic_fixture.h - one local APIC on the recording mock (apic_mock.h), as
 * the single-APIC tests use it: test_apic_virt.c, test_apic_msr.c,
 * test_apic_irq.c, test_apic_timer.c.
 */
#ifndef IPIVIRT_APIC_FIXTURE_H
#define IPIVIRT_APIC_FIXTURE_H

#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "apic_mock.h"
#include "apic_regs.h"
#include "check_main.h"

static struct mock M;
static struct apic *A;

#define ID0 3u /* the APIC ID of the APIC under test */

static inline void setup(void)
{
	mock_init(&M);
	A = mock_apic(&M, 0, ID0, true);
	ck_assert_ptr_nonnull(A);
}

static inline void teardown(void)
{
	apic_destroy(A);
	A = NULL;
}

static inline void sw_enable(struct apic *a)
{
	xwr(a, APIC_REG_SVR, 0x1ff);
}

static inline void to_x2apic(struct apic *a)
{
	ck_assert_int_eq(apic_msr_write(a, MSR_IA32_APIC_BASE,
					apic_base_msr(a) | APIC_BASE_EXTD),
			 0);
	ck_assert(apic_x2apic_enabled(a));
}

static inline uint32_t irr_word(struct apic *a, unsigned i)
{
	return xrd(a, APIC_REG_IRR + 16 * i);
}

#endif
