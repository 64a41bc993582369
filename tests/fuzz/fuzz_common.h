/* SPDX-License-Identifier: MIT */
/*
 * fuzz_common.h - a byte reader over the fuzzer input, shared by the
 * libFuzzer targets in tests/fuzz/. Reads past the end return zeros, so
 * every input is a complete program.
 */
#ifndef IPIVIRT_FUZZ_COMMON_H
#define IPIVIRT_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct fin {
	const uint8_t *p;
	size_t n, off;
};

static inline bool fin_more(const struct fin *f) { return f->off < f->n; }

static inline uint8_t fin_u8(struct fin *f)
{
	return f->off < f->n ? f->p[f->off++] : 0;
}

static inline uint16_t fin_u16(struct fin *f)
{
	return (uint16_t)(fin_u8(f) | (uint16_t)fin_u8(f) << 8);
}

static inline uint32_t fin_u32(struct fin *f)
{
	return fin_u16(f) | (uint32_t)fin_u16(f) << 16;
}

static inline uint64_t fin_u64(struct fin *f)
{
	return fin_u32(f) | (uint64_t)fin_u32(f) << 32;
}

/* Die loudly: libFuzzer records the input as a crash. */
#define FUZZ_CHECK(cond, ...)                                               \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "invariant violated: %s (%s:%d): ", \
				#cond, __FILE__, __LINE__);                 \
			fprintf(stderr, __VA_ARGS__);                       \
			fputc('\n', stderr);                                \
			abort();                                            \
		}                                                           \
	} while (0)

#endif
