/* SPDX-License-Identifier: MIT */
/* libtest.h - everything a test kernel includes. */
#ifndef GT_LIBTEST_H
#define GT_LIBTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "apic.h"
#include "args.h"
#include "atomic.h"
#include "cpumask.h"
#include "desc.h"
#include "io.h"
#include "percpu.h"
#include "report.h"
#include "smp.h"
#include "smp_call.h"
#include "string.h"
#include "tsc.h"
#include "x86.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Spin until @cond holds or @us microseconds pass. Return: @cond. */
#define wait_until(cond, us)                                              \
	({                                                                \
		u64 __end = rdtsc() + tsc_cycles_from_us(us);             \
		while (!(cond) && rdtsc() < __end)                        \
			pause();                                          \
		(bool)(cond);                                             \
	})

/*
 * Let interrupts in until @cond holds or @us microseconds pass, then close
 * the window again (IF=0 afterwards). Return: @cond.
 */
#define irq_wait(cond, us)                                                \
	({                                                                \
		sti();                                                    \
		bool __ok = wait_until(cond, us);                         \
		cli();                                                    \
		__ok;                                                     \
	})

#endif
