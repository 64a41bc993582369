/* SPDX-License-Identifier: MIT */
/*
 * uart.h - a 16550A UART in polled mode: the guest console on COM1.
 * Output goes to a file descriptor a line at a time; input is fed by the
 * event loop from the host's standard input.
 */
#ifndef IPIVIRT_UART_H
#define IPIVIRT_UART_H

#include <stddef.h>
#include <stdint.h>

#include "bus.h"

#define UART_COM1_BASE 0x3f8
#define UART_NR_PORTS 8

struct uart;

struct uart *uart__create(int out_fd);
void uart__destroy(struct uart *uart);
int uart__register(struct uart *uart, struct bus *pio, uint16_t base);
/* Queue host input for the guest (any thread). Excess input is dropped. */
void uart__receive(struct uart *uart, const uint8_t *buf, size_t len);
/* Write out a partial line still buffered (at exit). */
void uart__flush(struct uart *uart);

#endif
