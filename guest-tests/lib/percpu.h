/* SPDX-License-Identifier: MIT */
/*
 * percpu.h - per-CPU data. Each CPU's GS base points at its struct percpu,
 * whose first word points at itself, so this_cpu() is one %gs load.
 * CPU indices: the BSP is 0, an AP takes its APIC ID as index when free
 * (so vCPU n is cpu n on QEMU and ipivirt); cpu_apic_id() maps them.
 */
#ifndef GT_PERCPU_H
#define GT_PERCPU_H

#include <stddef.h>
#include "cpumask.h"
#include "smp_call.h"
#include "x86.h"

struct apic_ops;

struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __attribute__((packed));

struct percpu {
	struct percpu *self;           /* %gs:0 */
	unsigned cpu;                  /* %gs:8 */
	u32 apic_id;
	const struct apic_ops *apic;   /* xAPIC or x2APIC ops, per CPU */
	int fault_vector;              /* last vector fixed up by trap.c */
	unsigned boot_count;           /* times this CPU came online */
	void (*volatile task)(void *); /* on_cpu_async() work for the idle loop */
	void *volatile task_arg;
	u64 stack_top;
	u64 ist_top;
	struct smp_call_cpu call;      /* smp_call.c's queue and csds */
	u64 ipi_msgs[4];               /* XIVE: bit v = vector v sent to us */
	u64 pv_eoi;                    /* KVM PV EOI: bit 0 = "EOI by clearing me" */
	struct tss64 tss;
};

extern struct percpu *cpus[MAX_CPUS];

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__("movq %%gs:0, %0" : "=r"(p));
	return p;
}

static inline unsigned smp_id(void)
{
	unsigned id;
	__asm__("movl %%gs:%c1, %0" : "=r"(id) : "i"(offsetof(struct percpu, cpu)));
	return id;
}

static inline struct percpu *per_cpu(unsigned cpu) { return cpus[cpu]; }

#endif
