/* SPDX-License-Identifier: MIT */
/*
 * desc.h - descriptor tables and interrupt dispatch. One GDT (with a TSS
 * slot per CPU) and one IDT shared by all CPUs; handlers are C functions
 * registered per vector. Handlers of APIC interrupts must write EOI
 * themselves (apic_eoi()), so a test can look at ISR before it does.
 */
#ifndef GT_DESC_H
#define GT_DESC_H

#include "x86.h"

struct trap_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;       /* pushed by the CPU */
};

typedef void (*irq_handler_t)(struct trap_regs *regs);

struct percpu;

void idt_init(void);                         /* once, on the BSP */
void desc_load_cpu(struct percpu *pc);       /* GDT, TSS, IDT on this CPU */
/* handle_irq() - set the handler of @vec (NULL: none). Return: the old one. */
irq_handler_t handle_irq(unsigned vec, irq_handler_t h);
irq_handler_t irq_handler_of(unsigned vec);
/* idt_set_gate_attr() - the P bit and DPL of @vec's gate (a test of the
 * checks `int $n` makes: #NP for an absent gate, #GP when DPL < CPL). */
void idt_set_gate_attr(unsigned vec, bool present, unsigned dpl);
/* irq_reserve() - @vec belongs to @owner from now on: a later handle_irq()
 * of it aborts the run (a test must not take over the XIVE vector). */
void irq_reserve(unsigned vec, const char *owner);

#endif
