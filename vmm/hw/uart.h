/* SPDX-License-Identifier: MIT */
/*
 * uart.h - a 16550A UART: the guest console on COM1. Output goes to a file
 * descriptor a line at a time; input is fed by the event loop from the
 * host's standard input. Its interrupt output (received data, THR empty)
 * drives an ISA IRQ line through struct uart_irq; guests may also poll.
 */
#ifndef IPIVIRT_UART_H
#define IPIVIRT_UART_H

#include <stddef.h>
#include <stdint.h>

#include "bus.h"
#include "isa_irq.h"

#define UART_COM1_BASE 0x3f8
#define UART_NR_PORTS 8
#define UART_COM1_IRQ 4

struct uart;

/*
 * A UART writing to @out_fd, its interrupt on ISA IRQ @line of @irq (NULL:
 * no interrupt line, polled only).
 */
struct uart *uart__create(int out_fd, const struct isa_irq *irq,
			  unsigned line);
void uart__destroy(struct uart *uart);
int uart__register(struct uart *uart, struct bus *pio, uint16_t base);
/* Queue host input for the guest (any thread). Excess input is dropped. */
void uart__receive(struct uart *uart, const uint8_t *buf, size_t len);
/* Write out a partial line still buffered (at exit). */
void uart__flush(struct uart *uart);

#endif
