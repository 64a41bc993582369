// SPDX-License-Identifier: MIT
/* kvm_para.c - finding KVM's paravirtual leaves (kvm_para.h). */
#include "kvm_para.h"
#include "string.h"

bool hypervisor_leaf(u32 leaf)
{
	return (cpuid(1).c & CPUID1_ECX_HYPERVISOR) &&
	       cpuid(0x40000000).a >= leaf;
}

bool kvm_signature(void)
{
	struct cpuid r = cpuid(0x40000000);
	char sig[12];

	memcpy(sig, &r.b, 4);
	memcpy(sig + 4, &r.c, 4);
	memcpy(sig + 8, &r.d, 4);
	return !memcmp(sig, "KVMKVMKVM\0\0\0", 12);
}

bool kvm_para_has_feature(u32 bit)
{
	return hypervisor_leaf(0x40000001) && kvm_signature() &&
	       (cpuid(0x40000001).a & bit);
}
