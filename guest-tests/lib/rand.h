/* SPDX-License-Identifier: MIT */
/*
 * rand.h - reproducible pseudo-random numbers for test kernels (xorshift64:
 * a run is replayed by its seed; the seed must not be 0).
 */
#ifndef GT_RAND_H
#define GT_RAND_H

#include "x86.h"

static inline u64 rand_next(u64 *s)
{
	u64 x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

#endif
