/* An empty IDT, then #UD: #UD -> #GP -> #DF -> triple fault. ipivirt must
 * end the run with exit 125 and a report naming the vCPU and RIP. */
	.code64
	.globl _start
_start:
	lidt empty_idt(%rip)
	ud2
empty_idt:
	.word 0
	.quad 0
