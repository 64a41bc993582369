/* SPDX-License-Identifier: MIT */
/*
 * trampoline.S - where APs start after SIPI. smp.c copies
 * [ap_trampoline_start, ap_trampoline_end) to TRAMPOLINE_BASE (0x8000) and
 * sends SIPI vector 0x08: the AP starts in real mode at CS = 0x0800, IP = 0.
 * It goes straight from real mode to long mode (PE and PG in one CR0 write,
 * which is allowed), so it runs no 32-bit instruction at all.
 */
#include "layout.h"

	.section .text.trampoline, "ax"
	.code16
	.globl ap_trampoline_start, ap_trampoline_end
ap_trampoline_start:
	cli
	movw %cs, %ax
	movw %ax, %ds
	lgdtl tr_gdt_desc - ap_trampoline_start   /* 32-bit base */
	movl $BOOT_CR4, %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	xorl %edx, %edx
	movl $BOOT_EFER, %eax
	wrmsr
	movl $BOOT_CR0, %eax
	movl %eax, %cr0
	ljmpl $KERNEL_CS, $ap_start64

	.balign 8
tr_gdt:                                     /* same selectors as entry.S */
	.quad 0
	.quad 0x00af9a000000ffff
	.quad 0x00cf92000000ffff
tr_gdt_desc:
	.word tr_gdt_desc - tr_gdt - 1
	.long TRAMPOLINE_BASE + (tr_gdt - ap_trampoline_start)
ap_trampoline_end:

	.text
	.code64
/*
 * All APs arrive here at once (broadcast SIPI). They take turns on one boot
 * stack: ap_boot() finds or makes the CPU's per-CPU area and returns its own
 * stack, and the lock is dropped only once off the shared stack.
 */
ap_start64:
	movl $KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
1:	lock btsl $0, ap_boot_lock(%rip)
	jnc 2f
	pause
	jmp 1b
2:	leaq ap_boot_stack_top(%rip), %rsp
	call ap_boot
	movq %rax, %rsp
	movl $0, ap_boot_lock(%rip)       /* a plain store releases on x86 */
	call ap_main
3:	cli
	hlt
	jmp 3b

	.bss
	.balign 16
ap_boot_lock:
	.skip 16
ap_boot_stack:
	.skip 4096
ap_boot_stack_top:
