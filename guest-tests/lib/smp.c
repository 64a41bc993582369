// SPDX-License-Identifier: MIT
/*
 * smp.c - AP start-up and the idle loop.
 *
 * The BSP copies the trampoline to 0x8000 and broadcasts INIT, SIPI, SIPI
 * to all-excluding-self. Every AP reaches ap_boot() on a boot stack of its
 * own (trampoline.S; all APs at once), which gives it a CPU index (its APIC
 * ID where possible; the BSP is 0), a per-CPU area with a stack, and loads
 * its GDT/TSS/IDT. On its own stack, ap_main() sets up the APIC, marks the
 * CPU online and idles in sti; hlt, taking IPIs. An AP restarted by
 * INIT/SIPI finds its old area by APIC ID and comes back with the same
 * index.
 *
 * Nothing here is O(CPUs) per AP: with 1024 vCPUs on two host CPUs, every
 * instruction of the bring-up is paid a thousand times.
 */
#include "acpi.h"
#include "alloc.h"
#include "apic.h"
#include "atomic.h"
#include "desc.h"
#include "fwcfg.h"
#include "io.h"
#include "ipi_ops.h"
#include "layout.h"
#include "percpu.h"
#include "report.h"
#include "smp.h"
#include "string.h"
#include "tsc.h"

/* Seconds under emulation; a second more per 16 CPUs for the large VMs
 * (1024 vCPUs came up in ~3 s on two host CPUs, docs/bench.md). */
#define BRINGUP_TIMEOUT_US(n) ((60ull + (n) / 16) * 1000000)

struct percpu *cpus[MAX_CPUS];
struct cpumask cpu_online_mask;
static unsigned nr_cpus_expected = 1;
static u64 bringup_us;   /* INIT/SIPI to the last AP online */

/* trampoline.S: APIC ID n < ap_boot_stack_slots boots on the stack ending at
 * ap_boot_stacks + (n + 1) << AP_BOOT_STACK_SHIFT. */
u64 ap_boot_stacks;
u32 ap_boot_stack_slots;

extern const char ap_trampoline_start[], ap_trampoline_end[];

unsigned cpu_count(void) { return nr_cpus_expected; }
u64 smp_bringup_us(void) { return bringup_us; }
unsigned cpus_online(void) { return cpumask_weight(&cpu_online_mask); }
u32 cpu_apic_id(unsigned cpu) { return cpus[cpu]->apic_id; }
unsigned smp_boot_count(unsigned cpu) { return READ_ONCE(cpus[cpu]->boot_count); }

int cpu_of_apic_id(u32 apic_id)
{
	struct percpu *pc;

	/* Index = APIC ID on ipivirt and QEMU: one look, not a scan per AP. */
	if (apic_id < MAX_CPUS) {
		pc = __atomic_load_n(&cpus[apic_id], __ATOMIC_ACQUIRE);
		if (pc && pc->apic_id == apic_id)
			return (int)apic_id;
	}
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		pc = __atomic_load_n(&cpus[i], __ATOMIC_ACQUIRE);
		if (pc && pc->apic_id == apic_id)
			return (int)i;
	}
	return -1;
}

u32 cpuid_apic_id(void)
{
	/* Leaf 0xB gives the full x2APIC ID; leaf 1 only its low 8 bits. */
	if (cpuid(0).a >= 0xb && cpuid_count(0xb, 0).b)
		return cpuid_count(0xb, 0).d;
	return cpuid(1).b >> 24;
}

/* Publish @pc as CPU @idx if that slot is free (APs claim slots at once). */
static bool claim_slot(unsigned idx, struct percpu *pc)
{
	struct percpu *none = NULL;

	pc->cpu = idx;
	return __atomic_compare_exchange_n(&cpus[idx], &none, pc, false, __ATOMIC_RELEASE,
					   __ATOMIC_RELAXED);
}

/*
 * A new AP's per-CPU area (stacks, IST stack, call-function state) under
 * a free index: its APIC ID when that slot is free (vCPU n is APIC ID n on
 * QEMU and ipivirt, so output is stable), else the first free one.
 * Return: NULL when every slot is taken.
 */
static struct percpu *percpu_create(u32 apic_id)
{
	struct percpu *pc = zalloc(sizeof(*pc), 64);
	unsigned idx;

	pc->self = pc;
	pc->apic_id = apic_id;
	pc->stack_top = (u64)alloc(STACK_SIZE, 16) + STACK_SIZE;
	pc->ist_top = (u64)alloc(IST_STACK_SIZE, 16) + IST_STACK_SIZE;
	if (!(apic_id < MAX_CPUS && claim_slot(apic_id, pc)))
		for (idx = 0; !claim_slot(idx, pc); idx++)
			if (idx + 1 == MAX_CPUS)
				return NULL;
	smp_call_init_cpu(pc->cpu);
	return pc;
}

/* trampoline.S, on this AP's boot stack (or the shared one, under its lock).
 * Return: our own stack. */
u64 ap_boot(u32 apic_id)
{
	int cpu = cpu_of_apic_id(apic_id);
	struct percpu *pc = cpu >= 0 ? cpus[cpu] : percpu_create(apic_id);

	if (!pc)
		for (;;)
			__asm__ __volatile__("cli; hlt");   /* no room: stay out */
	wrmsr(MSR_GS_BASE, (u64)pc);
	desc_load_cpu(pc);
	return pc->stack_top;
}

void ap_main(void)
{
	struct percpu *pc = this_cpu();

	apic_cpu_init();
	ipi_cpu_init();
	if (!llist_empty(&pc->call.queue))  /* nothing should be left; be sure */
		flush_smp_call_function_queue();
	pc->boot_count++;
	cpumask_set_atomic(&cpu_online_mask, pc->cpu);
	for (;;) {
		cli();
		void (*fn)(void *) = smp_load_acquire(&pc->task);
		if (fn) {
			sti();
			fn(pc->task_arg);
			smp_store_release(&pc->task, NULL);
			continue;
		}
		safe_halt();   /* woken by any interrupt; re-check the task */
	}
}

static void wake_interrupt(struct trap_regs *r)
{
	ipi_eoi(r);
}

void smp_send_init(u32 apic_id)
{
	apic_icr_write(APIC_DM_INIT | APIC_INT_ASSERT | APIC_INT_LEVELTRIG, apic_id);
}

void smp_send_sipi(u32 apic_id)
{
	apic_icr_write(APIC_DM_STARTUP | SIPI_VECTOR, apic_id);
}

unsigned smp_announced_cpus(void)
{
	unsigned n = 0;

	if (fwcfg_present())
		n = (unsigned)fwcfg_read(FW_CFG_NB_CPUS, 2);
	if (!n)
		n = acpi_madt_cpus();
	if (!n)
		n = 1;
	return n > MAX_CPUS ? MAX_CPUS : n;
}

void smp_init(void)
{
	nr_cpus_expected = smp_announced_cpus();
	cpumask_set_atomic(&cpu_online_mask, 0);
	cpus[0]->boot_count = 1;
	handle_irq(WAKE_VECTOR, wake_interrupt);
	if (nr_cpus_expected == 1)
		return;
	memcpy((void *)TRAMPOLINE_BASE, ap_trampoline_start,
	       (size_t)(ap_trampoline_end - ap_trampoline_start));
	/* APIC IDs 0..n-1 (ipivirt, QEMU) each get a boot stack; another ID
	 * boots on the shared one. Not zeroed: a stack needs no clearing. */
	ap_boot_stacks = (u64)alloc((u64)nr_cpus_expected << AP_BOOT_STACK_SHIFT, 16);
	ap_boot_stack_slots = nr_cpus_expected;
	/* INIT, SIPI, SIPI: the second SIPI is ignored by APs already going. */
	u64 start = rdtsc();
	apic_icr_write(APIC_DEST_ALLBUT | APIC_DM_INIT | APIC_INT_ASSERT | APIC_INT_LEVELTRIG, 0);
	apic_icr_write(APIC_DEST_ALLBUT | APIC_DM_STARTUP | SIPI_VECTOR, 0);
	apic_icr_write(APIC_DEST_ALLBUT | APIC_DM_STARTUP | SIPI_VECTOR, 0);

	u64 limit_us = BRINGUP_TIMEOUT_US(nr_cpus_expected);
	u64 deadline = start + tsc_cycles_from_us(limit_us);
	while (cpus_online() < nr_cpus_expected && rdtsc() < deadline)
		pause();
	bringup_us = tsc_us_from_cycles(rdtsc() - start);
	if (cpus_online() < nr_cpus_expected)
		report(false, "SMP bring-up: %u of %u CPUs online after %llu s", cpus_online(),
		       nr_cpus_expected, (unsigned long long)limit_us / 1000000);
}

void on_cpu(unsigned cpu, void (*fn)(void *), void *arg)
{
	int err = smp_call_function_single(cpu, fn, arg, true);

	if (err)
		report(false, "on_cpu(%u): error %d", cpu, err);
}

bool cpu_busy(unsigned cpu)
{
	return smp_load_acquire(&cpus[cpu]->task) != NULL;
}

void on_cpu_wait(unsigned cpu)
{
	while (cpu_busy(cpu))
		pause();
}

void on_cpu_async(unsigned cpu, void (*fn)(void *), void *arg)
{
	struct percpu *pc = cpus[cpu];

	if (cpu == smp_id()) {
		fn(arg);
		return;
	}
	if (!cpu_online(cpu)) {
		report(false, "on_cpu_async(%u): CPU offline", cpu);
		return;
	}
	on_cpu_wait(cpu);
	pc->task_arg = arg;
	smp_store_release(&pc->task, fn);   /* arg is visible before fn */
	ipi_send(cpu, WAKE_VECTOR);
}

void on_cpus(void (*fn)(void *), void *arg)
{
	int err = smp_call_function_many(&cpu_online_mask, fn, arg, true);
	u64 f = irq_save();

	fn(arg);
	irq_restore(f);
	if (err)
		report(false, "on_cpus: error %d", err);
}

void smp_cpu_offline(unsigned cpu)
{
	cpumask_clr_atomic(&cpu_online_mask, cpu);
}

bool smp_wait_online(unsigned cpu, unsigned boot_count, u64 timeout_us)
{
	u64 deadline = rdtsc() + tsc_cycles_from_us(timeout_us);

	while (rdtsc() < deadline) {
		if (smp_boot_count(cpu) > boot_count && cpu_online(cpu))
			return true;
		pause();
	}
	return false;
}

static volatile bool hold_started, hold_release;

static void irqs_off_loop(void *arg)
{
	(void)arg;
	cli();
	hold_started = true;
	while (!hold_release)
		pause();
	sti();
}

bool irqs_off_hold(unsigned cpu, u64 timeout_us)
{
	u64 end;

	hold_started = hold_release = false;
	on_cpu_async(cpu, irqs_off_loop, NULL);
	end = rdtsc() + tsc_cycles_from_us(timeout_us);
	while (!hold_started && rdtsc() < end)
		pause();
	if (!hold_started)
		report(false, "cpu %u did not start the hold function", cpu);
	return hold_started;
}

void irqs_off_release(unsigned cpu)
{
	hold_release = true;
	on_cpu_wait(cpu);
}
