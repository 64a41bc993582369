// SPDX-License-Identifier: MIT
/* serial.c - COM1, a 16550 at I/O 0x3f8, polled: the console. */
#include "io.h"
#include "x86.h"

#define COM1 0x3f8
#define UART_THR 0
#define UART_IER 1
#define UART_LCR 3
#define UART_LSR 5
#define LSR_THRE 0x20
#define LCR_DLAB 0x80
#define LCR_8N1 0x03

void serial_init(void)
{
	outb(COM1 + UART_IER, 0);          /* polled: no interrupts */
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + 0, 1);                 /* divisor 1: 115200 baud */
	outb(COM1 + 1, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
}

void serial_putc(char c)
{
	/*
	 * Bounded wait for the transmitter: a missing or wedged UART must not
	 * hang the test (an absent port reads 0xff, which says "ready").
	 */
	for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
		pause();
	outb(COM1 + UART_THR, (u8)c);
}
