/* SPDX-License-Identifier: MIT */
/*
 * xive_fixture.h - one XIVE model on the fake host (test_xive_fake.h), as
 * the single-controller tests use it: test_xive_esb.c, test_xive_queue.c,
 * test_xive_tima.c, test_xive_virt.c.
 */
#ifndef IPIVIRT_XIVE_FIXTURE_H
#define IPIVIRT_XIVE_FIXTURE_H

#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#include "check_main.h"
#include "test_xive_fake.h"

#define QPAGE(n) (FAKE_RAM_BASE + 0x10000ull * (n)) /* 64K-aligned slots */

static struct fake F;
static struct xive *X;

static inline void teardown(void)
{
	xive_destroy(X);
	X = NULL;
	fake_fini(&F);
}

/* vCPU @cpu's OS ring, as the model reports it. */
static inline void ring(unsigned cpu, struct xive_os_ring *r)
{
	ck_assert_int_eq(xive_get_os_ring(X, cpu, r), 0);
}

#endif
