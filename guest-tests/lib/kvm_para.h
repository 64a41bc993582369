/* SPDX-License-Identifier: MIT */
/*
 * kvm_para.h - KVM's paravirtual interface as a guest finds it: the
 * "KVMKVMKVM" signature at CPUID 0x40000000 and the feature bits of
 * 0x40000001. ipivirt offers the same leaves (and runs the features in its
 * own device models), QEMU with KVM offers KVM's; TCG offers none.
 */
#ifndef GT_KVM_PARA_H
#define GT_KVM_PARA_H

#include <stdbool.h>
#include "x86.h"

#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define KVM_FEATURE_PV_EOI (1u << 6)

#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define MSR_KVM_PV_EOI_EN 0x4b564d04

/* Hypervisor leaf @leaf exists (CPUID.1:ECX[31] and the max leaf). */
bool hypervisor_leaf(u32 leaf);
/* The hypervisor leaves are KVM's. */
bool kvm_signature(void);
/* KVM feature @bit (KVM_FEATURE_*) is offered. */
bool kvm_para_has_feature(u32 bit);

#endif
