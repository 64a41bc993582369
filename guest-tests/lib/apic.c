// SPDX-License-Identifier: MIT
/* apic.c - APIC mode selection and per-CPU set-up. */
#include "apic.h"

static bool default_x2apic;

bool apic_x2apic_supported(void)
{
	return cpuid(1).c & CPUID1_ECX_X2APIC;
}

bool apic_default_x2apic(void) { return default_x2apic; }
void apic_set_default_mode(bool x2apic) { default_x2apic = x2apic; }

/*
 * LVTs are masked first: the firmware leaves LINT0 in ExtINT mode with the
 * PIC's timer running, and QEMU drops a PIC request it already raised only
 * when a later TPR/SVR write re-evaluates the APIC's inputs.
 */
void apic_setup_regs(void)
{
	apic_write(APIC_LVT0, APIC_LVT_MASKED);   /* no PIC ExtINT */
	apic_write(APIC_LVT1, APIC_LVT_MASKED);
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	apic_write(APIC_LVTERR, APIC_LVT_MASKED);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_ESR, 0);
}

int apic_set_mode(bool x2apic)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);

	if (x2apic) {
		if (!apic_x2apic_supported())
			return -1;
		/* xAPIC -> x2APIC is a legal direct transition (SDM 11.12.5). */
		if (!(base & APIC_BASE_EXTD) || !(base & APIC_BASE_ENABLE))
			wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_EXTD);
		this_cpu()->apic = &x2apic_ops;
	} else {
		/* x2APIC -> xAPIC must go through disabled, which resets the APIC. */
		if (base & APIC_BASE_EXTD)
			wrmsr(MSR_IA32_APIC_BASE, base & ~(APIC_BASE_ENABLE | APIC_BASE_EXTD));
		if ((base & (APIC_BASE_EXTD | APIC_BASE_ENABLE)) != APIC_BASE_ENABLE)
			wrmsr(MSR_IA32_APIC_BASE, (base & ~APIC_BASE_EXTD) | APIC_BASE_ENABLE);
		this_cpu()->apic = &xapic_ops;
	}
	apic_setup_regs();
	return 0;
}

void apic_cpu_init(void)
{
	apic_set_mode(default_x2apic);
}
