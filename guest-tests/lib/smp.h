/* SPDX-License-Identifier: MIT */
/*
 * smp.h - CPUs: bring-up, who is online, and running code elsewhere.
 *
 * on_cpu() runs @fn on @cpu in its IPI handler (interrupts off) and waits;
 * it is smp_call_function_single(wait) underneath. on_cpu_async() hands @fn
 * to @cpu's idle loop and returns at once: @fn then runs in thread context
 * with interrupts on, so it may take a long time and may itself call other
 * CPUs (the callfunc test's per-CPU drivers do). on_cpu_wait() waits until
 * @cpu's idle loop finished it. Both return after running @fn locally when
 * @cpu is the caller.
 */
#ifndef GT_SMP_H
#define GT_SMP_H

#include <stdbool.h>
#include "cpumask.h"
#include "x86.h"

#define WAKE_VECTOR 0xf0     /* on_cpu_async(): wake the idle loop */

extern struct cpumask cpu_online_mask;

/* xAPIC IDs are 8 bits and 0xff is the broadcast: more CPUs need x2APIC. */
#define XAPIC_MAX_CPUS 255

void smp_init(void);                    /* BSP: start every AP */
unsigned smp_announced_cpus(void);      /* fw_cfg, else the MADT (up to MAX_CPUS) */
unsigned cpu_count(void);               /* CPUs the firmware announced */
u64 smp_bringup_us(void);               /* smp_init(): INIT/SIPI to all online */
unsigned cpus_online(void);
static inline bool cpu_online(unsigned cpu)
{
	return cpu < MAX_CPUS && cpumask_test(&cpu_online_mask, cpu);
}
static inline bool smp_all_cpus_online(void)
{
	return cpumask_weight(&cpu_online_mask) == cpu_count();
}
u32 cpu_apic_id(unsigned cpu);
int cpu_of_apic_id(u32 apic_id);        /* -1 if no such CPU came up */
u32 cpuid_apic_id(void);                /* this CPU's APIC ID, mode-free */

void on_cpu(unsigned cpu, void (*fn)(void *), void *arg);
void on_cpu_async(unsigned cpu, void (*fn)(void *), void *arg);
void on_cpu_wait(unsigned cpu);
bool cpu_busy(unsigned cpu);            /* an on_cpu_async() still running */
/* on_cpus() - @fn on every online CPU, this one too; waits for all. */
void on_cpus(void (*fn)(void *), void *arg);

/*
 * irqs_off_hold() - park @cpu in a loop with interrupts off, so what is sent
 * to it stays pending, until irqs_off_release(), which also waits for it to
 * return. One CPU at a time. Return: false (reported) if @cpu did not start
 * the loop within @timeout_us.
 */
bool irqs_off_hold(unsigned cpu, u64 timeout_us);
void irqs_off_release(unsigned cpu);

/* For INIT/SIPI tests: take an idle AP out, start it again. */
void smp_cpu_offline(unsigned cpu);
void smp_send_init(u32 apic_id);
void smp_send_sipi(u32 apic_id);
unsigned smp_boot_count(unsigned cpu);
bool smp_wait_online(unsigned cpu, unsigned boot_count, u64 timeout_us);

#endif
