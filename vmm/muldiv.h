/* SPDX-License-Identifier: MIT */
/*
 * muldiv.h - a * b / c without the 64-bit overflow of a * b: the clock
 * conversions of the device models (APIC timer, PIT, PM timer), where a is
 * a time in nanoseconds or ticks that keeps growing.
 */
#ifndef IPIVIRT_MULDIV_H
#define IPIVIRT_MULDIV_H

#include <stdbool.h>
#include <stdint.h>

/*
 * muldiv() - saturating @a * @b / @c, rounded down or (@round_up) up.
 * Split as (a / c) * b plus (a % c) * b / c, so only the caller's bound
 * c * b < 2^64 matters; a result past 2^64 - 1 is UINT64_MAX.
 */
static inline uint64_t muldiv(uint64_t a, uint64_t b, uint64_t c,
			      bool round_up)
{
	uint64_t hi, lo = (a % c) * b;

	if (__builtin_mul_overflow(a / c, b, &hi))
		return UINT64_MAX;
	lo = round_up ? lo / c + (lo % c != 0) : lo / c;
	if (__builtin_add_overflow(hi, lo, &hi))
		return UINT64_MAX;
	return hi;
}

#endif
