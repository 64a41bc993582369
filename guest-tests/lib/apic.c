// SPDX-License-Identifier: MIT
/* apic.c - APIC mode selection and per-CPU set-up. */
#include "apic.h"
#include "args.h"
#include "kvm_para.h"
#include "report.h"
#include "string.h"

static bool default_x2apic;
static bool pv_eoi;

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

void apic_choose_pv_eoi(void)
{
	const char *v = arg_value("pveoi");

	if (v && strcmp(v, "on") && strcmp(v, "off"))
		report_abort("pveoi=%s: not on or off", v);
	pv_eoi = kvm_para_has_feature(KVM_FEATURE_PV_EOI) &&
		 !(v && !strcmp(v, "off"));
	if (v && !strcmp(v, "on") && !pv_eoi)
		report_abort("pveoi=on but CPUID 0x40000001 offers no PV EOI");
}

bool apic_pv_eoi_on(void) { return pv_eoi; }

/* After an INIT the host has forgotten the word: register it again. */
static void pv_eoi_register(void)
{
	struct percpu *pc = this_cpu();

	pc->pv_eoi = 0;
	if (pv_eoi && wrmsr_safe(MSR_KVM_PV_EOI_EN, (u64)(uintptr_t)&pc->pv_eoi | 1))
		report_abort("cpu %u: MSR_KVM_PV_EOI_EN refused", pc->cpu);
}

void apic_cpu_init(void)
{
	apic_set_mode(default_x2apic);
	pv_eoi_register();
}
