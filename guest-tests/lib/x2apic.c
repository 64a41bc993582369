// SPDX-License-Identifier: MIT
/* x2apic.c - x2APIC: MSRs 0x800-0x8ff; ICR is one 64-bit MSR. */
#include "apic.h"

static u32 x2apic_read(unsigned reg)
{
	return (u32)rdmsr(X2APIC_MSR(reg));
}

static void x2apic_write(unsigned reg, u32 v)
{
	wrmsr(X2APIC_MSR(reg), v);
}

/*
 * The x2APIC ICR write is not serializing: without a fence the IPI can
 * overtake stores still in the store buffer (the data the target is about
 * to read). Linux's weak_wrmsr_fence() is mfence; lfence, as here.
 */
static void x2apic_icr_write(u32 low, u32 dest)
{
	__asm__ __volatile__("mfence; lfence" ::: "memory");
	wrmsr(X2APIC_MSR(APIC_ICR), (u64)dest << 32 | low);
}

static u64 x2apic_icr_read(void)
{
	return rdmsr(X2APIC_MSR(APIC_ICR));
}

static u32 x2apic_id(void)
{
	return (u32)rdmsr(X2APIC_MSR(APIC_ID));
}

const struct apic_ops x2apic_ops = {
	.name = "x2APIC",
	.read = x2apic_read,
	.write = x2apic_write,
	.icr_write = x2apic_icr_write,
	.icr_read = x2apic_icr_read,
	.id = x2apic_id,
};
