/* SPDX-License-Identifier: MIT */
/*
 * isr.S - 256 interrupt stubs, their address table, and the common path. Each
 * stub pushes an error code (a dummy 0 where the CPU pushes none) and its
 * vector, so handle_trap() always sees a struct trap_regs.
 */
	.text
	.code64

	.section .rodata
	.balign 8
	.globl isr_stub_table
isr_stub_table:                           /* 256 stub addresses, for the IDT */
	.text

	.set vec, 0
	.rept 256
	.balign 16
0:
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0                          /* no CPU error code: push a dummy */
	.endif
	pushq $vec
	jmp isr_common
	.pushsection .rodata
	.quad 0b
	.popsection
	.set vec, vec + 1
	.endr

isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	cld
	call handle_trap                  /* stack is 16-byte aligned here */
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp                    /* vector, error code */
	iretq
