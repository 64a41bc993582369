/* SPDX-License-Identifier: MIT */
/*
 * x86.h - one-instruction helpers: port I/O, MSRs, CPUID, TSC, flags.
 * Every helper is a single instruction (this KVM emulates each one).
 */
#ifndef GT_X86_H
#define GT_X86_H

#include <stdbool.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define MSR_IA32_APIC_BASE 0x1b
#define MSR_IA32_TSC_DEADLINE 0x6e0
#define MSR_EFER 0xc0000080
#define MSR_GS_BASE 0xc0000101

#define X86_EFLAGS_IF (1ul << 9)

static inline void outb(u16 port, u8 v) { __asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ __volatile__("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port)); }

static inline u8 inb(u16 port)
{
	u8 v;
	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;
	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ __volatile__("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

/*
 * rdmsr_safe() / wrmsr_safe() - MSR access that survives a fault.
 * Return: 0, or the exception vector the access raised (e.g. 13 for #GP).
 * The instruction is listed in .ex_table: trap.c records the vector in this
 * CPU's percpu area and resumes after the instruction.
 */
int rdmsr_safe(u32 msr, u64 *v);
int wrmsr_safe(u32 msr, u64 v);

struct cpuid { u32 a, b, c, d; };

static inline struct cpuid cpuid_count(u32 leaf, u32 sub)
{
	struct cpuid r;
	__asm__ __volatile__("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d) : "a"(leaf), "c"(sub));
	return r;
}

static inline struct cpuid cpuid(u32 leaf) { return cpuid_count(leaf, 0); }

#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline void cli(void) { __asm__ __volatile__("cli" ::: "memory"); }
static inline void sti(void) { __asm__ __volatile__("sti" ::: "memory"); }
static inline void pause(void) { __asm__ __volatile__("pause" ::: "memory"); }
/* sti's one-instruction shadow makes "sti; hlt" race-free against wakeups. */
static inline void safe_halt(void) { __asm__ __volatile__("sti; hlt" ::: "memory"); }
/* Let a pending interrupt in: sti; nop opens the window for exactly one nop. */
static inline void irq_window(void) { __asm__ __volatile__("sti; nop; cli" ::: "memory"); }

static inline u64 read_rflags(void)
{
	u64 f;
	__asm__ __volatile__("pushfq; popq %0" : "=r"(f) : : "memory");
	return f;
}

static inline bool irqs_enabled(void) { return read_rflags() & X86_EFLAGS_IF; }

static inline u64 irq_save(void)
{
	u64 f = read_rflags();
	cli();
	return f;
}

static inline void irq_restore(u64 f)
{
	if (f & X86_EFLAGS_IF)
		sti();
}

/* Big-endian data (fw_cfg directory, XIVE): one bswap each. */
static inline u16 be16_to_cpu(u16 v) { return __builtin_bswap16(v); }
static inline u32 be32_to_cpu(u32 v) { return __builtin_bswap32(v); }
static inline u64 be64_to_cpu(u64 v) { return __builtin_bswap64(v); }

static inline u64 read_cr2(void)
{
	u64 v;
	__asm__ __volatile__("mov %%cr2, %0" : "=r"(v));
	return v;
}

/* CR8 is the TPR's priority class, TPR[7:4] (64-bit mode only). */
static inline u64 read_cr8(void)
{
	u64 v;
	__asm__ __volatile__("mov %%cr8, %0" : "=r"(v));
	return v;
}

static inline void write_cr8(u64 v)
{
	__asm__ __volatile__("mov %0, %%cr8" : : "r"(v) : "memory");
}

#endif
