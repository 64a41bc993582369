// SPDX-License-Identifier: MIT
/*
 * setup.c - kernel_start(): from entry.S (long mode, BSP stack, .bss
 * clear) to the test's main(), then exit() with its result.
 */
#include "acpi.h"
#include "alloc.h"
#include "apic.h"
#include "args.h"
#include "desc.h"
#include "io.h"
#include "ipi_ops.h"
#include "layout.h"
#include "percpu.h"
#include "report.h"
#include "smp.h"
#include "string.h"
#include "tsc.h"

int main(int argc, char **argv);

static struct percpu bsp_percpu;
extern char bsp_stack_top[];

static void choose_apic_mode(void)
{
	bool have = apic_x2apic_supported(), x2apic = have && !arg_has("xapic");
	unsigned n = smp_announced_cpus();

	if (arg_has("x2apic") && arg_has("xapic"))
		report_abort("both \"x2apic\" and \"xapic\" on the command line");
	if (arg_has("x2apic") && !have)
		report_abort("\"x2apic\" requested but CPUID.1:ECX[21] (x2APIC) is clear");
	/* Past 255 CPUs xAPIC IDs alias (CPU 256 would answer to ID 0). */
	if (!x2apic && n > XAPIC_MAX_CPUS) {
		if (!have) {
			report_skip("%u CPUs announced: an xAPIC addresses %u and CPUID offers no "
				    "x2APIC", n, XAPIC_MAX_CPUS);
			exit(report_summary());
		}
		printf("guest-tests: %u CPUs announced: an xAPIC addresses %u, using x2APIC\n", n,
		       XAPIC_MAX_CPUS);
		x2apic = true;
	}
	apic_set_default_mode(x2apic);
}

/* CPUID leaf 0's vendor string: the tests take no vendor-specific path,
 * but a log should say which CPU the VMM presented. */
static const char *cpu_vendor(void)
{
	static char name[13];
	struct cpuid r = cpuid(0);

	memcpy(name, &r.b, 4);
	memcpy(name + 4, &r.d, 4);
	memcpy(name + 8, &r.c, 4);
	return name;
}

void kernel_start(u32 magic, u32 info)
{
	struct percpu *pc = &bsp_percpu;
	u64 heap_start, heap_end;

	/* GS first: printf and report use smp_id(). */
	pc->self = pc;
	pc->cpu = 0;
	cpus[0] = pc;
	wrmsr(MSR_GS_BASE, (u64)pc);
	serial_init();
	multiboot_parse(magic, info, &heap_start, &heap_end);
	alloc_init(heap_start, heap_end);
	pc->stack_top = (u64)bsp_stack_top;
	pc->ist_top = (u64)alloc(IST_STACK_SIZE, 16) + IST_STACK_SIZE;
	idt_init();
	desc_load_cpu(pc);
	acpi_init();
	tsc_init();
	/* Mask both 8259s: interrupts come from the local APIC only (a VMM
	 * without a PIC ignores these writes). */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	choose_apic_mode();
	apic_choose_pv_eoi();
	apic_cpu_init();
	pc->apic_id = cpuid_apic_id();
	smp_call_setup_vectors();
	smp_call_init_cpu(0);
	ipi_select();
	ipi_cpu_init();
	sti();
	smp_init();
	printf("guest-tests: %s: %u/%u CPUs online, %s, IPIs via %s, CPU %s, TSC %llu kHz (%s), PV EOI %s\n",
	       argv[0], cpus_online(), cpu_count(), apic_ops()->name, ipi_name(),
	       cpu_vendor(), (unsigned long long)tsc_khz(), tsc_khz_source(),
	       apic_pv_eoi_on() ? "on" : "off");
	exit(main(argc, argv));
}
