// SPDX-License-Identifier: MIT
/*
 * smp - the smallest SMP test: every announced CPU came up, each answers an
 * on_cpu() on the right CPU with its own APIC ID, and on_cpu_async() work
 * runs in each AP's idle loop with interrupts on.
 */
#include "acpi.h"
#include "libtest.h"

struct whoami {
	unsigned cpu;
	u32 apic_id, cpuid_apic_id;
	u32 cpuid1_id;          /* CPUID.1:EBX[31:24]: the ID's low 8 bits */
	bool irqs_on;
};

static struct whoami seen[MAX_CPUS];

static void whoami(void *arg)
{
	struct whoami *w = &seen[(uintptr_t)arg];

	w->cpu = smp_id();
	w->apic_id = apic_id();
	w->cpuid_apic_id = cpuid_apic_id();
	w->cpuid1_id = cpuid(1).b >> 24;
	w->irqs_on = irqs_enabled();
}

/*
 * One pass with a bitmap of the IDs seen, not a pairwise compare: at 1024
 * CPUs that is half a million emulated compares. IDs past the bitmap
 * (none on ipivirt or QEMU) are compared pairwise among themselves.
 */
#define ID_BITMAP_IDS 65536u
static u64 id_seen[ID_BITMAP_IDS / 64];

static bool apic_ids_unique(void)
{
	unsigned cpu, other;

	for_each_cpu(cpu, &cpu_online_mask) {
		u32 id = cpu_apic_id(cpu);

		if (id < ID_BITMAP_IDS) {
			if (id_seen[id / 64] >> (id % 64) & 1)
				return false;
			id_seen[id / 64] |= 1ull << (id % 64);
			continue;
		}
		for (other = cpu + 1; other < MAX_CPUS; other++)
			if (cpu_online(other) && cpu_apic_id(other) == id)
				return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	unsigned n = cpu_count(), cpu;

	(void)argc;
	(void)argv;
	report_prefix_push("smp");
	report(cpus_online() == n && n >= 1, "all %u announced CPUs online (%u)", n, cpus_online());
	report_info("bring-up: %u APs online %llu us after INIT/SIPI", cpus_online() - 1,
		    (unsigned long long)smp_bringup_us());
	/* Past 254 the MADT lists CPUs in x2APIC entries (type 9): count them. */
	if (acpi_madt_cpus())
		report(acpi_madt_cpus() == n, "the MADT lists %u CPUs (%u announced)",
		       acpi_madt_cpus(), n);

	for_each_cpu(cpu, &cpu_online_mask) {
		memset(&seen[cpu], 0xff, sizeof(seen[cpu]));
		on_cpu(cpu, whoami, (void *)(uintptr_t)cpu);
		report(seen[cpu].cpu == cpu && seen[cpu].apic_id == cpu_apic_id(cpu) &&
			       seen[cpu].cpuid_apic_id == cpu_apic_id(cpu) &&
			       seen[cpu].cpuid1_id == (cpu_apic_id(cpu) & 0xff) && !seen[cpu].irqs_on,
		       "on_cpu(%u): ran on cpu %u, APIC ID %u (CPUID %u, leaf 1 %u, expected %u), "
		       "in IRQ context", cpu, seen[cpu].cpu, seen[cpu].apic_id, seen[cpu].cpuid_apic_id,
		       seen[cpu].cpuid1_id, cpu_apic_id(cpu));
	}
	report(apic_ids_unique(), "APIC IDs are unique");

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
