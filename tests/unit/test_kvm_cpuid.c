// SPDX-License-Identifier: MIT
/*
 * test_kvm_cpuid.c - vmm/kvm/kvm_cpuid.c: the guest's CPUID is one consistent CPU
 * of the host's vendor, whichever vendor that is. Each test starts from a
 * made-up KVM_GET_SUPPORTED_CPUID answer of an Intel or an AMD host.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "kvm/kvm_cpuid.h"

#define MAX_ENTRIES 64
#define TSC_KHZ 2445434u

struct cpuid_buf {
	struct kvm_cpuid2 head;
	struct kvm_cpuid_entry2 entries[MAX_ENTRIES];
};

static struct kvm_cpuid_entry2 *put(struct cpuid_buf *b, uint32_t fn,
				    uint32_t index, uint32_t a, uint32_t bx,
				    uint32_t cx, uint32_t d)
{
	struct kvm_cpuid_entry2 *e = &b->head.entries[b->head.nent++];

	*e = (struct kvm_cpuid_entry2){ .function = fn, .index = index,
		.eax = a, .ebx = bx, .ecx = cx, .edx = d };
	return e;
}

static void put_vendor(struct cpuid_buf *b, const char *v, uint32_t max)
{
	struct kvm_cpuid_entry2 *e = put(b, 0, 0, max, 0, 0, 0);

	memcpy(&e->ebx, v, 4);
	memcpy(&e->edx, v + 4, 4);
	memcpy(&e->ecx, v + 8, 4);
}

/* Roughly what KVM reports on each vendor: host leaves plus its PV leaves. */
static struct cpuid_buf *host(enum cpu_vendor vendor)
{
	struct cpuid_buf *b = calloc(1, sizeof(*b));

	ck_assert_ptr_nonnull(b);
	if (vendor == CPU_VENDOR_INTEL) {
		put_vendor(b, "GenuineIntel", 0x1f);
		put(b, 1, 0, 0x806f8, 0x00020800, 0xfffa3203 | (1u << 5),
		    0x178bfbff);
		put(b, 4, 0, 0x04000121, 0x01c0003f, 0x3f, 0);
		put(b, 0xb, 0, 1, 2, 0x100, 0);
		put(b, 0xb, 1, 4, 2, 0x201, 0);
		put(b, 0x15, 0, 0, 0, 0, 0);
	} else {
		put_vendor(b, "AuthenticAMD", 0x10);
		put(b, 1, 0, 0xa00f11, 0x00020800, 0xfef83203, 0x178bfbff);
		put(b, 0x80000008u, 0, 0x3030, 0, 0x1001, 0);
		put(b, 0x8000001eu, 0, 3, 0x101, 0, 0);
	}
	put(b, 7, 0, 0, 0xdc230020, 0, 0);
	put(b, 0xd, 0, 7, 0x340, 0x340, 0);
	put(b, 0x80000001u, 0, 0, 0, (1u << 2) | (1u << 3) | 1u, 0);
	put(b, 0x40000000u, 0, 0x40000001u, 0x4b4d564b, 0x564b4d56, 0x4d);
	put(b, 0x40000001u, 0, 0x01007afb, 0, 0, 0);
	return b;
}

static struct kvm_cpuid_shape shape(unsigned id, unsigned n)
{
	return (struct kvm_cpuid_shape){ .apic_id = id, .nr_cpus = n,
		.x2apic = true, .kvmclock = true, .tsc_leaf = true,
		.tsc_khz = TSC_KHZ };
}

static struct kvm_cpuid_entry2 *leaf(struct cpuid_buf *b, uint32_t fn,
				     uint32_t index)
{
	return kvm_cpuid__find(&b->head, fn, index);
}

START_TEST(vendor_is_read_from_leaf_0)
{
	struct cpuid_buf *intel = host(CPU_VENDOR_INTEL);
	struct cpuid_buf *amd = host(CPU_VENDOR_AMD);
	struct cpuid_buf other = { 0 };

	ck_assert_int_eq(kvm_cpuid__vendor(&intel->head), CPU_VENDOR_INTEL);
	ck_assert_int_eq(kvm_cpuid__vendor(&amd->head), CPU_VENDOR_AMD);
	put_vendor(&other, "HygonGenuine", 0xd);
	ck_assert_int_eq(kvm_cpuid__vendor(&other.head), CPU_VENDOR_AMD);
	other.head.nent = 0;
	put_vendor(&other, "VIA VIA VIA ", 0xd);
	ck_assert_int_eq(kvm_cpuid__vendor(&other.head), CPU_VENDOR_OTHER);
	free(intel);
	free(amd);
}
END_TEST

/* Linux reads 0x15/0x16 only on Intel: announce them there, nowhere else. */
START_TEST(tsc_leaves_on_intel_only)
{
	struct cpuid_buf *b = host(CPU_VENDOR_INTEL);
	struct kvm_cpuid2 *c = &b->head;
	struct kvm_cpuid_shape s = shape(0, 2);
	struct kvm_cpuid_entry2 *e;

	ck_assert_int_eq(kvm_cpuid__shape(c, MAX_ENTRIES, &s), 0);
	e = leaf(b, 0x15, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->ecx, KVM_CPUID_APIC_BUS_HZ);
	/* Linux: crystal_khz * ebx / eax, in 32 bits */
	ck_assert_uint_le((uint64_t)e->ebx * (e->ecx / 1000), UINT32_MAX);
	ck_assert_uint_eq((uint64_t)(e->ecx / 1000) * e->ebx / e->eax,
			  TSC_KHZ);
	ck_assert_uint_eq(leaf(b, 0x16, 0)->eax, TSC_KHZ / 1000);
	ck_assert_uint_ge(leaf(b, 0, 0)->eax, 0x16);
	free(b);

	b = host(CPU_VENDOR_AMD);
	ck_assert_int_eq(kvm_cpuid__shape(&b->head, MAX_ENTRIES, &s), 0);
	ck_assert_ptr_null(leaf(b, 0x15, 0));
	ck_assert_ptr_null(leaf(b, 0x16, 0));
	ck_assert_uint_eq(leaf(b, 0, 0)->eax, 0x10);
	free(b);
}
END_TEST

/* Every vendor gets kvmclock (when KVM has it) and the timing leaf. */
START_TEST(kvmclock_and_timing_leaf_on_every_vendor)
{
	for (int v = CPU_VENDOR_INTEL; v <= CPU_VENDOR_AMD; v++) {
		struct cpuid_buf *b = host((enum cpu_vendor)v);
		struct kvm_cpuid_shape s = shape(1, 2);
		struct kvm_cpuid_entry2 *e;

		ck_assert_int_eq(kvm_cpuid__shape(&b->head, MAX_ENTRIES, &s), 0);
		e = leaf(b, KVM_CPUID_SIGNATURE_LEAF, 0);
		ck_assert_ptr_nonnull(e);
		ck_assert_uint_eq(e->eax, HV_CPUID_TIMING_LEAF);
		ck_assert_int_eq(memcmp(&e->ebx, "KVMKVMKVM", 9 - 1), 0);
		e = leaf(b, KVM_CPUID_FEATURES_LEAF, 0);
		/* only the clock bits of what KVM supports (0x01007afb) */
		ck_assert_uint_eq(e->eax, KVM_FEATURE_BIT_CLOCKSOURCE |
					  KVM_FEATURE_BIT_CLOCKSOURCE2 |
					  KVM_FEATURE_BIT_CLOCKSOURCE_STABLE);
		e = leaf(b, HV_CPUID_TIMING_LEAF, 0);
		ck_assert_uint_eq(e->eax, TSC_KHZ);
		ck_assert_uint_eq(e->ebx, KVM_CPUID_APIC_BUS_HZ / 1000);
		ck_assert(leaf(b, 1, 0)->ecx & (1u << 31));
		free(b);
	}
}
END_TEST

/* A KVM without kvmclock: the bit is not made up. */
START_TEST(kvmclock_only_when_kvm_has_it)
{
	struct cpuid_buf *b = host(CPU_VENDOR_AMD);
	struct kvm_cpuid_shape s = shape(0, 1);

	leaf(b, KVM_CPUID_FEATURES_LEAF, 0)->eax = 1u << 6; /* PV EOI only */
	ck_assert_int_eq(kvm_cpuid__shape(&b->head, MAX_ENTRIES, &s), 0);
	ck_assert_uint_eq(leaf(b, KVM_CPUID_FEATURES_LEAF, 0)->eax, 0);
	free(b);
}
END_TEST

/* PV EOI is the VMM's to offer (its APIC runs it), whatever KVM says, and
 * it alone is reason enough for the KVM leaves. */
START_TEST(pv_eoi_offered_by_the_vmm)
{
	for (int v = CPU_VENDOR_INTEL; v <= CPU_VENDOR_AMD; v++) {
		struct cpuid_buf *b = host((enum cpu_vendor)v);
		struct kvm_cpuid_shape s = shape(0, 2);

		leaf(b, KVM_CPUID_FEATURES_LEAF, 0)->eax = 0; /* KVM: none */
		s.x2apic = s.kvmclock = s.tsc_leaf = false;
		s.pv_eoi = true;
		ck_assert_int_eq(kvm_cpuid__shape(&b->head, MAX_ENTRIES, &s), 0);
		ck_assert_ptr_nonnull(leaf(b, KVM_CPUID_SIGNATURE_LEAF, 0));
		ck_assert_uint_eq(leaf(b, KVM_CPUID_FEATURES_LEAF, 0)->eax,
				  KVM_FEATURE_BIT_PV_EOI);
		free(b);
	}
}
END_TEST

/* --clock legacy: nothing about time in CPUID; x2APIC still vouched for. */
START_TEST(legacy_clock_hides_time)
{
	for (int v = CPU_VENDOR_INTEL; v <= CPU_VENDOR_AMD; v++) {
		struct cpuid_buf *b = host((enum cpu_vendor)v);
		struct kvm_cpuid_shape s = shape(0, 4);
		struct kvm_cpuid_entry2 *e;

		s.kvmclock = s.tsc_leaf = false;
		ck_assert_int_eq(kvm_cpuid__shape(&b->head, MAX_ENTRIES, &s), 0);
		e = leaf(b, 0x15, 0);
		ck_assert(!e || (!e->eax && !e->ebx && !e->ecx));
		e = leaf(b, 0x16, 0);
		ck_assert(!e || !e->eax);
		ck_assert_ptr_null(leaf(b, HV_CPUID_TIMING_LEAF, 0));
		ck_assert_uint_eq(leaf(b, KVM_CPUID_SIGNATURE_LEAF, 0)->eax,
				  KVM_CPUID_FEATURES_LEAF);
		ck_assert_uint_eq(leaf(b, KVM_CPUID_FEATURES_LEAF, 0)->eax, 0);
		free(b);
	}
}
END_TEST

/* xAPIC and no clock information: no hypervisor leaves at all. */
START_TEST(no_pv_leaves_when_nothing_needs_them)
{
	struct cpuid_buf *b = host(CPU_VENDOR_INTEL);
	struct kvm_cpuid_shape s = shape(0, 2);

	s.x2apic = s.kvmclock = s.tsc_leaf = false;
	ck_assert_int_eq(kvm_cpuid__shape(&b->head, MAX_ENTRIES, &s), 0);
	ck_assert_ptr_null(leaf(b, KVM_CPUID_SIGNATURE_LEAF, 0));
	ck_assert_ptr_null(leaf(b, KVM_CPUID_FEATURES_LEAF, 0));
	ck_assert(!(leaf(b, 1, 0)->ecx & (1u << 21)));
	free(b);
}
END_TEST

START_TEST(hidden_features)
{
	for (int v = CPU_VENDOR_INTEL; v <= CPU_VENDOR_AMD; v++) {
		struct cpuid_buf *b = host((enum cpu_vendor)v);
		struct kvm_cpuid_shape s = shape(0, 2);
		uint32_t ecx1;

		ck_assert_int_eq(kvm_cpuid__shape(&b->head, MAX_ENTRIES, &s), 0);
		ecx1 = leaf(b, 1, 0)->ecx;
		ck_assert(!(ecx1 & (1u << 13))); /* CX16 */
		ck_assert(!(ecx1 & (1u << 26))); /* XSAVE */
		ck_assert(!(ecx1 & (1u << 28))); /* AVX */
		ck_assert(!(ecx1 & (1u << 5)));  /* VMX */
		ck_assert(ecx1 & (1u << 21));    /* x2APIC */
		ck_assert(ecx1 & (1u << 24));    /* TSC deadline */
		ck_assert(leaf(b, 1, 0)->edx & (1u << 9));
		ck_assert_uint_eq(leaf(b, 7, 0)->ebx & 0xdc230020u, 0);
		ck_assert_uint_eq(leaf(b, 0x80000001u, 0)->ecx, 1); /* no SVM, ExtApic */
		ck_assert_ptr_null(leaf(b, 0xd, 0));
		free(b);
	}
}
END_TEST

/* Topology: one package of N single-thread cores, APIC ID = vCPU index. */
START_TEST(topology_intel)
{
	struct cpuid_buf *b = host(CPU_VENDOR_INTEL);
	struct kvm_cpuid_shape s = shape(5, 6);

	ck_assert_int_eq(kvm_cpuid__shape(&b->head, MAX_ENTRIES, &s), 0);
	ck_assert_uint_eq(leaf(b, 1, 0)->ebx >> 24, 5);
	ck_assert_uint_eq(leaf(b, 1, 0)->ebx >> 16 & 0xff, 8);
	ck_assert(leaf(b, 1, 0)->edx & (1u << 28));
	ck_assert_uint_eq(leaf(b, 0xb, 0)->ebx, 1);   /* 1 thread per core */
	ck_assert_uint_eq(leaf(b, 0xb, 0)->eax, 0);
	ck_assert_uint_eq(leaf(b, 0xb, 1)->ebx, 6);   /* 6 cores */
	ck_assert_uint_eq(leaf(b, 0xb, 1)->eax, 3);   /* APIC ID >> 3: package */
	ck_assert_uint_eq(leaf(b, 0xb, 1)->ecx, 0x201);
	ck_assert_uint_eq(leaf(b, 0xb, 0)->edx, 5);
	ck_assert_uint_eq(leaf(b, 0xb, 1)->edx, 5);
	ck_assert_uint_eq(leaf(b, 4, 0)->eax >> 26, 7);
	free(b);
}
END_TEST

START_TEST(topology_amd)
{
	struct cpuid_buf *b = host(CPU_VENDOR_AMD);
	struct kvm_cpuid_shape s = shape(300, 1024);

	ck_assert_int_eq(kvm_cpuid__shape(&b->head, MAX_ENTRIES, &s), 0);
	ck_assert_uint_eq(leaf(b, 0x8000001eu, 0)->eax, 300);
	ck_assert_uint_eq(leaf(b, 0x8000001eu, 0)->ebx >> 8 & 0xff, 0);
	ck_assert_uint_eq(leaf(b, 0x80000008u, 0)->ecx & 0xff, 255);
	ck_assert_uint_eq(leaf(b, 0x80000008u, 0)->ecx >> 12 & 0xf, 10);
	ck_assert_uint_eq(leaf(b, 1, 0)->ebx >> 16 & 0xff, 255);
	ck_assert_uint_eq(leaf(b, 1, 0)->ebx >> 24, 300 & 0xff);
	free(b);

	b = host(CPU_VENDOR_AMD);
	s = shape(0, 1);
	ck_assert_int_eq(kvm_cpuid__shape(&b->head, MAX_ENTRIES, &s), 0);
	ck_assert_uint_eq(leaf(b, 0x80000008u, 0)->ecx & 0xf0ff, 0);
	ck_assert(!(leaf(b, 1, 0)->edx & (1u << 28)));
	free(b);
}
END_TEST

/*
 * Past 255 vCPUs leaf 0xB is the only place with the whole x2APIC ID: it is
 * there on every vendor, both levels, even when the host lists no 0xB (AMD
 * here) or only subleaf 0 with level type 0 (the software KVM of
 * shared/platform.md), and 0x1F's levels too where the host has 0x1F.
 */
START_TEST(topology_leaf_0xb_always_complete)
{
	struct cpuid_buf *b = host(CPU_VENDOR_AMD);
	struct kvm_cpuid_shape s = shape(1000, 1024);

	ck_assert_ptr_null(leaf(b, 0xb, 0));
	ck_assert_int_eq(kvm_cpuid__shape(&b->head, MAX_ENTRIES, &s), 0);
	for (uint32_t i = 0; i < 2; i++) {
		ck_assert_ptr_nonnull(leaf(b, 0xb, i));
		ck_assert_uint_eq(leaf(b, 0xb, i)->edx, 1000);
		ck_assert_uint_eq(leaf(b, 0xb, i)->flags,
				  KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
	}
	ck_assert_uint_eq(leaf(b, 0xb, 0)->ecx, 0x100);
	ck_assert_uint_eq(leaf(b, 0xb, 1)->ecx, 0x201);
	ck_assert_uint_eq(leaf(b, 0xb, 1)->eax, 10);   /* 1024 = 2^10 cores */
	ck_assert_uint_eq(leaf(b, 0xb, 1)->ebx, 1024);
	ck_assert_ptr_null(leaf(b, 0x1f, 0));           /* not invented */
	ck_assert_uint_eq(leaf(b, 1, 0)->ebx >> 24, 1000 & 0xff);
	ck_assert_uint_eq(leaf(b, 0x8000001eu, 0)->eax, 1000);
	free(b);

	/* Intel host: 0xB and 0x1F with subleaf 0 only, leaf 0 below 0xB. */
	b = calloc(1, sizeof(*b));
	ck_assert_ptr_nonnull(b);
	put_vendor(b, "GenuineIntel", 0xa);
	put(b, 1, 0, 0x806f8, 0x00020800, 0xfffa3203, 0x178bfbff);
	put(b, 0xb, 0, 0, 0, 0, 1)->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	put(b, 0x1f, 0, 0, 0, 0, 1)->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	s = shape(257, 300);
	ck_assert_int_eq(kvm_cpuid__shape(&b->head, MAX_ENTRIES, &s), 0);
	ck_assert_uint_ge(leaf(b, 0, 0)->eax, 0xb);
	for (uint32_t fn = 0xb; fn <= 0x1f; fn += 0x1f - 0xb) {
		ck_assert_uint_eq(leaf(b, fn, 0)->edx, 257);
		ck_assert_uint_eq(leaf(b, fn, 0)->ebx, 1);
		ck_assert_uint_eq(leaf(b, fn, 1)->edx, 257);
		ck_assert_uint_eq(leaf(b, fn, 1)->ebx, 300);
		ck_assert_uint_eq(leaf(b, fn, 1)->eax, 9);
		ck_assert_uint_eq(leaf(b, fn, 1)->ecx, 0x201);
	}
	free(b);

	/* No room for the levels: an error, not a short table. */
	b = host(CPU_VENDOR_AMD);
	ck_assert_int_eq(kvm_cpuid__shape(&b->head, b->head.nent - 3, &s),
			 -ENOSPC);
	free(b);
}
END_TEST

/* No room for the leaves to add: an error, never a write past the end. */
START_TEST(full_table_is_an_error)
{
	struct cpuid_buf *b = host(CPU_VENDOR_INTEL);
	struct kvm_cpuid_shape s = shape(0, 2);
	unsigned n = b->head.nent;

	/* the PV leaves and 0xd are dropped first: n - 3 slots in use */
	ck_assert_int_eq(kvm_cpuid__shape(&b->head, n - 3, &s), -ENOSPC);
	free(b);
	b = host(CPU_VENDOR_INTEL);
	ck_assert_int_eq(kvm_cpuid__shape(&b->head, n - 1, &s), -ENOSPC);
	free(b);
}
END_TEST

static Suite *kvm_cpuid_suite(void)
{
	Suite *s = suite_create("kvm_cpuid");
	TCase *tc = tcase_create("shape");

	tcase_add_test(tc, vendor_is_read_from_leaf_0);
	tcase_add_test(tc, tsc_leaves_on_intel_only);
	tcase_add_test(tc, kvmclock_and_timing_leaf_on_every_vendor);
	tcase_add_test(tc, kvmclock_only_when_kvm_has_it);
	tcase_add_test(tc, pv_eoi_offered_by_the_vmm);
	tcase_add_test(tc, legacy_clock_hides_time);
	tcase_add_test(tc, no_pv_leaves_when_nothing_needs_them);
	tcase_add_test(tc, hidden_features);
	tcase_add_test(tc, topology_intel);
	tcase_add_test(tc, topology_amd);
	tcase_add_test(tc, topology_leaf_0xb_always_complete);
	tcase_add_test(tc, full_table_is_an_error);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(kvm_cpuid_suite)
