// SPDX-License-Identifier: MIT
/* xapic.c - xAPIC: 32-bit MMIO registers in the 4 KiB APIC page. */
#include "apic.h"

static volatile u8 *xapic_page(void)
{
	static volatile u8 *base;

	if (!base)
		base = (volatile u8 *)(uintptr_t)(rdmsr(MSR_IA32_APIC_BASE) & ~0xfffull);
	return base;
}

static u32 xapic_read(unsigned reg)
{
	return *(volatile u32 *)(xapic_page() + reg);
}

static void xapic_write(unsigned reg, u32 v)
{
	*(volatile u32 *)(xapic_page() + reg) = v;
}

/*
 * Two MMIO writes, ICR2 then ICR (the write of ICR sends): interrupts stay
 * off in between so a handler's IPI cannot change ICR2 under us. MMIO
 * writes are ordered after earlier stores on x86 (uncached), so no fence.
 */
static void xapic_icr_write(u32 low, u32 dest)
{
	u64 f = irq_save();

	while (xapic_read(APIC_ICR) & APIC_ICR_BUSY)
		pause();
	xapic_write(APIC_ICR2, dest << 24);
	xapic_write(APIC_ICR, low);
	irq_restore(f);
}

static u64 xapic_icr_read(void)
{
	return (u64)xapic_read(APIC_ICR2) << 32 | xapic_read(APIC_ICR);
}

static u32 xapic_id(void)
{
	return xapic_read(APIC_ID) >> 24;
}

const struct apic_ops xapic_ops = {
	.name = "xAPIC",
	.read = xapic_read,
	.write = xapic_write,
	.icr_write = xapic_icr_write,
	.icr_read = xapic_icr_read,
	.id = xapic_id,
};
