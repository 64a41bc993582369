// SPDX-License-Identifier: MIT
/*
 * smp - the smallest SMP test: every announced CPU came up, each answers an
 * on_cpu() on the right CPU with its own APIC ID, and on_cpu_async() work
 * runs in each AP's idle loop with interrupts on.
 */
#include "libtest.h"

struct whoami {
	unsigned cpu;
	u32 apic_id, cpuid_apic_id;
	bool irqs_on;
};

static struct whoami seen[MAX_CPUS];

static void whoami(void *arg)
{
	struct whoami *w = &seen[(uintptr_t)arg];

	w->cpu = smp_id();
	w->apic_id = apic_id();
	w->cpuid_apic_id = cpuid_apic_id();
	w->irqs_on = irqs_enabled();
}

int main(int argc, char **argv)
{
	unsigned n = cpu_count(), cpu;
	bool unique = true;

	(void)argc;
	(void)argv;
	report_prefix_push("smp");
	report(cpus_online() == n && n >= 1, "all %u announced CPUs online (%u)", n, cpus_online());

	for_each_cpu(cpu, &cpu_online_mask) {
		memset(&seen[cpu], 0xff, sizeof(seen[cpu]));
		on_cpu(cpu, whoami, (void *)(uintptr_t)cpu);
		report(seen[cpu].cpu == cpu && seen[cpu].apic_id == cpu_apic_id(cpu) &&
			       seen[cpu].cpuid_apic_id == cpu_apic_id(cpu) && !seen[cpu].irqs_on,
		       "on_cpu(%u): ran on cpu %u, APIC ID %u (CPUID %u, expected %u), in IRQ context",
		       cpu, seen[cpu].cpu, seen[cpu].apic_id, seen[cpu].cpuid_apic_id, cpu_apic_id(cpu));
	}
	for_each_cpu(cpu, &cpu_online_mask)
		for (unsigned other = cpu + 1; other < MAX_CPUS; other++)
			if (cpu_online(other) && cpu_apic_id(other) == cpu_apic_id(cpu))
				unique = false;
	report(unique, "APIC IDs are unique");

	for_each_cpu(cpu, &cpu_online_mask) {
		memset(&seen[cpu], 0xff, sizeof(seen[cpu]));
		on_cpu_async(cpu, whoami, (void *)(uintptr_t)cpu);
	}
	for_each_cpu(cpu, &cpu_online_mask)
		on_cpu_wait(cpu);
	bool async_ok = true;
	for_each_cpu(cpu, &cpu_online_mask)
		if (seen[cpu].cpu != cpu || seen[cpu].apic_id != cpu_apic_id(cpu) || !seen[cpu].irqs_on)
			async_ok = false;
	report(async_ok, "on_cpu_async() on every CPU: right CPU, interrupts on");
	report_prefix_pop();
	return report_summary();
}
