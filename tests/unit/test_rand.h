/* SPDX-License-Identifier: MIT */
/*
 * test_rand.h - reproducible garbage for the unit tests' hostile loops:
 * xorshift64*, seeded by the test (a non-zero seed).
 */
#ifndef IPIVIRT_TEST_RAND_H
#define IPIVIRT_TEST_RAND_H

#include <stdint.h>

static inline uint64_t test_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

#endif
