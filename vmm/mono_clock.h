/* SPDX-License-Identifier: MIT */
/*
 * mono_clock.h - CLOCK_MONOTONIC in nanoseconds: the one clock of the VMM
 * (vm__now_ns()), the flight recorder, the POWER backend and libipivirt's
 * default now_ns. Pure C, header only: models and tools may use it.
 */
#ifndef IPIVIRT_MONO_CLOCK_H
#define IPIVIRT_MONO_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t mono_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
