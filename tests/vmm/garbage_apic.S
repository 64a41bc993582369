/* A guest that writes garbage all over the xAPIC page (and an illegal
 * x2APIC MSR, which must #GP, caught here), then powers off. ipivirt must
 * survive and exit 0. */
	.code64
	.globl _start
_start:
	lea stack_top(%rip), %rsp
	/* A #GP handler that skips the 2-byte wrmsr. */
	lea idt(%rip), %rdi
	lea gp_handler(%rip), %rax
	mov %ax, 13*16(%rdi)
	movw $0x10, 13*16+2(%rdi)
	movw $0x8e00, 13*16+4(%rdi)
	shr $16, %rax
	mov %ax, 13*16+6(%rdi)
	shr $16, %rax
	mov %eax, 13*16+8(%rdi)
	lidt idtr(%rip)
	mov $0xfee00000, %rdi
	mov $0x9e3779b97f4a7c15, %rax
	xor %ecx, %ecx
1:	cmp $0x300, %ecx           /* not ICR: a random INIT or NMI */
	je 2f                      /* would legitimately kill this guest */
	mov %eax, (%rdi,%rcx)      /* every other 32-bit slot */
2:	rol $7, %rax
	add $4, %ecx
	cmp $0x1000, %ecx
	jb 1b
	mov $0x80e, %ecx           /* DFR does not exist in x2APIC: #GP */
	xor %eax, %eax
	xor %edx, %edx
	wrmsr
	mov $0x604, %dx
	mov $0x2000, %ax
	outw %ax, %dx
	hlt
gp_handler:
	addq $2, 8(%rsp)           /* skip wrmsr (error code is on top) */
	add $8, %rsp
	iretq
	.align 16
idt:	.fill 512, 1, 0
idtr:	.word 32*16-1
	.quad idt
	.align 16
	.fill 4096, 1, 0
stack_top:
