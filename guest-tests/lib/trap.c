// SPDX-License-Identifier: MIT
/*
 * trap.c - where every interrupt and exception lands. Registered handlers
 * run first; faults of instructions listed in .ex_table (rdmsr_safe and
 * friends) are fixed up; anything else is a test failure: an exception
 * prints vector, RIP and error code and ends the run, a stray interrupt is
 * reported and acknowledged.
 */
#include "apic.h"
#include "desc.h"
#include "io.h"
#include "percpu.h"
#include "report.h"

struct ex_entry {
	u64 insn, fixup;
};

extern const struct ex_entry __ex_table_start[], __ex_table_end[];

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS",
	"#NP", "#SS", "#GP", "#PF", "?15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

static bool fixup(struct trap_regs *r)
{
	for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == r->rip) {
			this_cpu()->fault_vector = (int)r->vector;
			r->rip = e->fixup;
			return true;
		}
	}
	return false;
}

void handle_trap(struct trap_regs *r)
{
	unsigned vec = (unsigned)r->vector;
	irq_handler_t h = irq_handler_of(vec);

	if (h) {
		h(r);
		return;
	}
	if (vec < 32) {
		const char *name = exception_names[vec] ? exception_names[vec] : "?";
		if (vec != 2 && fixup(r))
			return;
		printf("EXCEPTION: vector %u (%s) on cpu %u at RIP %#lx, error code %#lx, "
		       "RSP %#lx, CR2 %#lx\n",
		       vec, name, smp_id(), (unsigned long)r->rip, (unsigned long)r->error_code,
		       (unsigned long)r->rsp, (unsigned long)read_cr2());
		report_abort("unexpected exception %u (%s) at %#lx", vec, name, (unsigned long)r->rip);
	}
	if (vec == APIC_SPURIOUS_VECTOR)
		return;                     /* spurious: no EOI, by definition */
	report(false, "unexpected interrupt vector %#x on cpu %u", vec, smp_id());
	apic_eoi();
}

/* The .ex_table entry: the faulting instruction at 1:, resume at 2:. */
#define EX_ENTRY "\t.pushsection .ex_table, \"a\"\n\t.quad 1b, 2b\n\t.popsection\n"

int rdmsr_safe(u32 msr, u64 *v)
{
	u32 lo = 0, hi = 0;

	this_cpu()->fault_vector = 0;
	__asm__ __volatile__("1: rdmsr\n2:\n" EX_ENTRY
			     : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*v = ((u64)hi << 32) | lo;
	return this_cpu()->fault_vector;
}

int wrmsr_safe(u32 msr, u64 v)
{
	this_cpu()->fault_vector = 0;
	__asm__ __volatile__("1: wrmsr\n2:\n" EX_ENTRY
			     : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
	return this_cpu()->fault_vector;
}
