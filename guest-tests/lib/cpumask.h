/* SPDX-License-Identifier: MIT */
/* cpumask.h - a fixed-size bitmap of CPU indices (not APIC IDs). */
#ifndef GT_CPUMASK_H
#define GT_CPUMASK_H

#include <stdbool.h>
#include "x86.h"

/* ipivirt's and KVM's vCPU limit (vmm/cpumask.h); more than 255 need x2APIC. */
#define MAX_CPUS 1024
#define CPUMASK_WORDS (MAX_CPUS / 64)

struct cpumask {
	u64 bits[CPUMASK_WORDS];
};

static inline void cpumask_clear(struct cpumask *m)
{
	for (int i = 0; i < CPUMASK_WORDS; i++)
		m->bits[i] = 0;
}

static inline void cpumask_set(struct cpumask *m, unsigned cpu) { m->bits[cpu / 64] |= 1ull << (cpu % 64); }
static inline void cpumask_clr(struct cpumask *m, unsigned cpu) { m->bits[cpu / 64] &= ~(1ull << (cpu % 64)); }
static inline bool cpumask_test(const struct cpumask *m, unsigned cpu) { return m->bits[cpu / 64] >> (cpu % 64) & 1; }

static inline void cpumask_set_atomic(struct cpumask *m, unsigned cpu)
{
	__atomic_fetch_or(&m->bits[cpu / 64], 1ull << (cpu % 64), __ATOMIC_SEQ_CST);
}

static inline void cpumask_clr_atomic(struct cpumask *m, unsigned cpu)
{
	__atomic_fetch_and(&m->bits[cpu / 64], ~(1ull << (cpu % 64)), __ATOMIC_SEQ_CST);
}

static inline void cpumask_and(struct cpumask *d, const struct cpumask *a, const struct cpumask *b)
{
	for (int i = 0; i < CPUMASK_WORDS; i++)
		d->bits[i] = a->bits[i] & b->bits[i];
}

static inline bool cpumask_equal(const struct cpumask *a, const struct cpumask *b)
{
	for (int i = 0; i < CPUMASK_WORDS; i++)
		if (a->bits[i] != b->bits[i])
			return false;
	return true;
}

static inline unsigned cpumask_weight(const struct cpumask *m)
{
	unsigned n = 0;
	for (int i = 0; i < CPUMASK_WORDS; i++)
		for (u64 w = m->bits[i]; w; w &= w - 1)
			n++;
	return n;
}

/* Next set bit at or after @cpu, or MAX_CPUS. */
static inline unsigned cpumask_next(const struct cpumask *m, unsigned cpu)
{
	while (cpu < MAX_CPUS) {
		u64 w = m->bits[cpu / 64] >> (cpu % 64);
		if (w)
			return cpu + (unsigned)__builtin_ctzll(w);
		cpu = (cpu / 64 + 1) * 64;
	}
	return MAX_CPUS;
}

#define for_each_cpu(cpu, m) \
	for ((cpu) = cpumask_next((m), 0); (cpu) < MAX_CPUS; (cpu) = cpumask_next((m), (cpu) + 1))

#endif
