/* Interrupts off, halt forever on every CPU it has: only --timeout or a
 * signal can end this run, and ipivirt must still stop all threads. */
	.code64
	.globl _start
_start:
	cli
1:	hlt
	jmp 1b
