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
 * All APs arrive here at once (broadcast SIPI). Each one needs a stack to
 * run C on: it reads its own APIC ID with CPUID (no stack needed) and takes
 * the boot stack smp_init() set aside for that ID, so APs boot in parallel.
 * With 1024 vCPUs on a few host CPUs, one shared stack behind a spin lock
 * was a convoy: the holder was preempted while a thousand waiters spun out
 * their time slices. An ID without a slot (none set aside, or an ID past
 * them) takes the one shared stack under the lock, as before. ap_boot()
 * finds or makes the CPU's per-CPU area and returns its own stack.
 */
ap_start64:
	movl $KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	/* The APIC ID as cpuid_apic_id() reads it: leaf 0xB's 32 bits where
	 * the leaf is there, else leaf 1's 8. */
	cpuid
	cmpl $0xb, %eax
	jb 1f
	movl $0xb, %eax
	xorl %ecx, %ecx
	cpuid
	testl %ebx, %ebx
	jz 1f
	movl %edx, %r12d
	jmp 2f
1:	movl $1, %eax
	cpuid
	shrl $24, %ebx
	movl %ebx, %r12d
2:	cmpl ap_boot_stack_slots(%rip), %r12d
	jae 4f
	movl %r12d, %eax
	incq %rax
	shlq $AP_BOOT_STACK_SHIFT, %rax
	addq ap_boot_stacks(%rip), %rax
	movq %rax, %rsp
	movl %r12d, %edi
	call ap_boot
	movq %rax, %rsp
	call ap_main
	jmp 5f
4:	lock btsl $0, ap_boot_lock(%rip)
	jnc 3f
	pause
	jmp 4b
3:	leaq ap_boot_stack_top(%rip), %rsp
	movl %r12d, %edi
	call ap_boot
	movq %rax, %rsp
	movl $0, ap_boot_lock(%rip)       /* a plain store releases on x86 */
	call ap_main
5:	cli
	hlt
	jmp 5b

	.bss
	.balign 16
ap_boot_lock:
	.skip 16
ap_boot_stack:
	.skip 1 << AP_BOOT_STACK_SHIFT
ap_boot_stack_top:
