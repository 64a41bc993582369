/* SPDX-License-Identifier: MIT */
/*
 * kvm_cpuid.h - what CPUID tells a guest: the host's supported leaves, shaped
 * into one consistent CPU of the host's own vendor (Intel or AMD), with the
 * topology of the VM, the features this host's KVM can emulate, and the ways
 * of learning the TSC rate a real VMM gives (kvmclock, the TSC leaves).
 *
 * No ioctl here: the caller fetches KVM_GET_SUPPORTED_CPUID and sets the
 * result, so the shaping is unit-tested (tests/unit/test_kvm_cpuid.c).
 */
#ifndef IPIVIRT_KVM_CPUID_H
#define IPIVIRT_KVM_CPUID_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

/* The KVM paravirtual leaves and the clock bits we pass through. */
#define KVM_CPUID_SIGNATURE_LEAF 0x40000000u
#define KVM_CPUID_FEATURES_LEAF 0x40000001u
#define HV_CPUID_TIMING_LEAF 0x40000010u /* EAX TSC kHz, EBX APIC bus kHz */
#define KVM_FEATURE_BIT_CLOCKSOURCE (1u << 0)
#define KVM_FEATURE_BIT_CLOCKSOURCE2 (1u << 3)
#define KVM_FEATURE_BIT_PV_EOI (1u << 6)
#define KVM_FEATURE_BIT_CLOCKSOURCE_STABLE (1u << 24)

/* The APIC timer input clock the TSC leaves announce: 1 GHz. */
#define KVM_CPUID_APIC_BUS_HZ 1000000000u

enum cpu_vendor { CPU_VENDOR_OTHER, CPU_VENDOR_INTEL, CPU_VENDOR_AMD };

struct kvm_cpuid_shape {
	unsigned apic_id;
	unsigned nr_cpus;
	bool x2apic;    /* offer x2APIC (CPUID.1:ECX.21) */
	bool kvmclock;  /* pass KVM's paravirtual clock bits through */
	bool tsc_leaf;  /* announce the TSC rate in CPUID */
	bool pv_eoi;    /* KVM_FEATURE_PV_EOI: the VMM's APIC runs it */
	uint64_t tsc_khz; /* 0: unknown, no TSC leaves */
};

/*
 * kvm_cpuid__vendor() - the vendor leaf 0 of @c names (Hygon counts as AMD:
 * Linux takes the AMD paths for it).
 */
enum cpu_vendor kvm_cpuid__vendor(const struct kvm_cpuid2 *c);

/*
 * kvm_cpuid__shape() - turn KVM_GET_SUPPORTED_CPUID's answer @c (room for
 * @max entries) into the CPUID of vCPU @s->apic_id.
 * Return: 0, or -ENOSPC when a leaf to add does not fit.
 */
int kvm_cpuid__shape(struct kvm_cpuid2 *c, unsigned max,
		     const struct kvm_cpuid_shape *s);

/*
 * kvm_cpuid__phys_addr_bits() - MAXPHYADDR as @c tells it: CPUID
 * 0x80000008 EAX[7:0], else 36 (SDM: when the leaf is absent).
 */
unsigned kvm_cpuid__phys_addr_bits(struct kvm_cpuid2 *c);

/* kvm_cpuid__find() - entry (@fn, @index) of @c, or NULL. */
struct kvm_cpuid_entry2 *kvm_cpuid__find(struct kvm_cpuid2 *c, uint32_t fn,
					 uint32_t index);

#endif
