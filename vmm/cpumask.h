/* SPDX-License-Identifier: MIT */
/*
 * cpumask.h - fixed-size CPU bitmaps shared by the models and the IPI domain.
 *
 * A value type (copy it freely). Bit n stands for vCPU index n, the VMM's
 * dense numbering, which need not equal the guest-visible APIC ID.
 */
#ifndef IPIVIRT_CPUMASK_H
#define IPIVIRT_CPUMASK_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/*
 * The most vCPUs a VM may have: KVM's own ceiling on x86 (KVM_MAX_VCPUS,
 * what KVM_CAP_MAX_VCPUS reports on this host; kvm_vm__open() checks the
 * running kernel's). APIC IDs above 254 exist only in x2APIC mode: an xAPIC
 * VM stops at 255 vCPUs (machine__create()).
 */
#define IPIVIRT_MAX_CPUS 1024u
/* xAPIC physical IDs are 8 bits and 0xff is the broadcast: IDs 0..254. */
#define IPIVIRT_XAPIC_MAX_CPUS 255u
#define CPUMASK_WORDS (IPIVIRT_MAX_CPUS / 64u)

struct cpumask {
	uint64_t bits[CPUMASK_WORDS];
};

static inline void cpumask_clear(struct cpumask *m)
{
	memset(m, 0, sizeof(*m));
}

static inline void cpumask_set(struct cpumask *m, unsigned cpu)
{
	if (cpu < IPIVIRT_MAX_CPUS)
		m->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

static inline void cpumask_unset(struct cpumask *m, unsigned cpu)
{
	if (cpu < IPIVIRT_MAX_CPUS)
		m->bits[cpu / 64] &= ~(UINT64_C(1) << (cpu % 64));
}

static inline bool cpumask_test(const struct cpumask *m, unsigned cpu)
{
	return cpu < IPIVIRT_MAX_CPUS &&
	       (m->bits[cpu / 64] >> (cpu % 64)) & 1u;
}

/* Set bits 0..n-1, clear the rest. Word by word: the IPI domain builds
 * "all CPUs" on every send, and a VM may have 1024 of them. */
static inline void cpumask_fill(struct cpumask *m, unsigned n)
{
	if (n > IPIVIRT_MAX_CPUS)
		n = IPIVIRT_MAX_CPUS;
	for (unsigned w = 0; w < CPUMASK_WORDS; w++) {
		unsigned lo = w * 64u;

		m->bits[w] = n >= lo + 64u ? ~UINT64_C(0)
			   : n > lo ? (UINT64_C(1) << (n - lo)) - 1u : 0;
	}
}

static inline bool cpumask_empty(const struct cpumask *m)
{
	for (unsigned w = 0; w < CPUMASK_WORDS; w++)
		if (m->bits[w])
			return false;
	return true;
}

static inline unsigned cpumask_weight(const struct cpumask *m)
{
	unsigned n = 0;
	for (unsigned w = 0; w < CPUMASK_WORDS; w++)
		n += (unsigned)__builtin_popcountll(m->bits[w]);
	return n;
}

/* True when every CPU of @sub is also in @super. */
static inline bool cpumask_subset(const struct cpumask *sub,
				  const struct cpumask *super)
{
	for (unsigned w = 0; w < CPUMASK_WORDS; w++)
		if (sub->bits[w] & ~super->bits[w])
			return false;
	return true;
}

static inline bool cpumask_equal(const struct cpumask *a,
				 const struct cpumask *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Next set bit at or after @cpu, or IPIVIRT_MAX_CPUS when there is none. */
static inline unsigned cpumask_next(const struct cpumask *m, unsigned cpu)
{
	while (cpu < IPIVIRT_MAX_CPUS) {
		uint64_t w = m->bits[cpu / 64] >> (cpu % 64);
		if (w)
			return cpu + (unsigned)__builtin_ctzll(w);
		cpu = (cpu / 64 + 1) * 64;
	}
	return IPIVIRT_MAX_CPUS;
}

#define cpumask_for_each(cpu, mask)                                  \
	for ((cpu) = cpumask_next((mask), 0); (cpu) < IPIVIRT_MAX_CPUS; \
	     (cpu) = cpumask_next((mask), (cpu) + 1))

#endif
