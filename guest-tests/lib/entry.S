/* SPDX-License-Identifier: MIT */
/*
 * entry.S - the two ways in: a 32-bit multiboot entry (QEMU -kernel and
 * ipivirt's multiboot path) and a 64-bit entry (ipivirt's ELF64 path).
 * Both arrive with EAX = 0x2BADB002 and EBX = the multiboot information.
 * 32-bit code is ten times slower than 64-bit code under this host's KVM,
 * so the 32-bit path is the shortest switch to long mode there is: the page
 * tables and GDT are static data, nothing is computed.
 */
#include "layout.h"

	.section .text.multiboot, "ax"
	.code32
	.balign 4
multiboot_header:
	.long MULTIBOOT_MAGIC
	.long 0x00000003                   /* page-aligned modules, memory info */
	.long -(MULTIBOOT_MAGIC + 0x00000003)

	.globl mb_entry
mb_entry:
	movl %eax, %edi                    /* magic and info for kernel_start() */
	movl %ebx, %esi
	movl $BOOT_CR4, %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx              /* EFER */
	xorl %edx, %edx
	movl $BOOT_EFER, %eax
	wrmsr
	movl $BOOT_CR0, %eax
	movl %eax, %cr0                    /* paging on: long mode active */
	lgdt gdt_desc                      /* low 6 bytes: limit, 32-bit base */
	ljmp $KERNEL_CS, $start64_common


	.code64
	.globl start64
start64:                                   /* ELF64 entry: RAX, RBX as above */
	movl %eax, %edi
	movl %ebx, %esi
	lgdt gdt_desc(%rip)
	pushq $KERNEL_CS
	leaq start64_common(%rip), %rax
	pushq %rax
	lretq

start64_common:
	movl $KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movl $boot_pml4, %eax              /* ours: the APs share it */
	movq %rax, %cr3
	leaq bsp_stack_top(%rip), %rsp
	movl %edi, %r12d
	movl %esi, %r13d
	leaq __bss_start(%rip), %rdi       /* loaders zero .bss; be sure */
	leaq __bss_end(%rip), %rcx
	subq %rdi, %rcx
	shrq $3, %rcx
	xorl %eax, %eax
	rep stosq
	movl %r12d, %edi
	movl %r13d, %esi
	call kernel_start
1:	cli
	hlt
	jmp 1b

	.data
	.balign 4096
	.globl boot_pml4
boot_pml4:                                 /* identity map of 4 GiB */
	.quad boot_pdpt + 0x3
	.fill 511, 8, 0
boot_pdpt:
	.quad boot_pd + 0x0000 + 0x3
	.quad boot_pd + 0x1000 + 0x3
	.quad boot_pd + 0x2000 + 0x3
	.quad boot_pd + 0x3000 + 0x3
	.fill 508, 8, 0
boot_pd:                                   /* 2 MiB pages, P | RW | PS */
	.set pfn, 0
	.rept 2048
	/* 3-4 GiB (APIC, MMIO): PCD | PWT. GAS's ">=" yields -1 for true. */
	.quad (pfn << 21) | 0x83 | ((pfn >= 1536) & 0x18)
	.set pfn, pfn + 1
	.endr

	.balign 16
	.globl gdt, gdt_desc
gdt:
	.quad 0
	.quad 0x00af9a000000ffff                  /* KERNEL_CS: 64-bit code */
	.quad 0x00cf92000000ffff                  /* KERNEL_DS: flat data */
	.fill GDT_MAX_CPUS * 2, 8, 0              /* TSS_SEL(cpu), 16 bytes each */
gdt_end:
	.balign 8
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt

	.bss
	.balign 16
bsp_stack:
	.skip STACK_SIZE
	.globl bsp_stack_top
bsp_stack_top:
