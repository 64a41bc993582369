// SPDX-License-Identifier: MIT
/*
 * uart.c - 16550A register model with its interrupt output.
 *
 * Transmission is instant (a written byte leaves at once), so the THR is
 * always empty and the transmitter-empty interrupt is pending whenever the
 * guest has not just acknowledged it (by reading IIR while it is the
 * source, or by writing the THR, which empties again at once and raises it
 * anew). Interrupt sources, highest priority first: received data (IER
 * bit 0), THR empty (IER bit 1); there are no line errors or modem status
 * changes to report. On a PC board the INTR pin reaches the interrupt
 * controller only through MCR OUT2 (a tristate buffer), and loopback mode
 * disconnects it; both are modelled, Linux sets OUT2 when it uses the IRQ.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "uart.h"

#define UART_RBR_THR 0
#define UART_IER 1
#define UART_IIR_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define LCR_DLAB 0x80
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MCR_LOOP 0x10
#define MCR_OUT2 0x08
#define IER_RDI 0x01  /* received data available */
#define IER_THRI 0x02 /* transmitter holding register empty */
#define IIR_NO_INT 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_FIFO_ENABLED 0xc0

#define RX_FIFO_SIZE 256
#define LINE_MAX_LEN 1024

struct uart {
	pthread_mutex_t lock; /* vCPUs and the event loop share it */
	int out_fd;
	struct isa_irq irq;
	unsigned irq_line;
	bool irq_level;       /* what irq.set was last told */
	bool thre_pending;    /* THR-empty interrupt not yet acknowledged */
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	uint8_t rx[RX_FIFO_SIZE];
	unsigned rx_head, rx_count;
	char line[LINE_MAX_LEN];
	size_t line_len;
};

struct uart *uart__create(int out_fd, const struct isa_irq *irq,
			  unsigned line)
{
	struct uart *uart = calloc(1, sizeof(*uart));

	if (!uart)
		return NULL;
	pthread_mutex_init(&uart->lock, NULL);
	uart->out_fd = out_fd;
	if (irq)
		uart->irq = *irq;
	uart->irq_line = line;
	uart->dll = 1; /* 115200 baud */
	return uart;
}

void uart__destroy(struct uart *uart)
{
	if (!uart)
		return;
	uart__flush(uart);
	pthread_mutex_destroy(&uart->lock);
	free(uart);
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n <= 0)
			return; /* the console is gone; the guest must not care */
		buf += n;
		len -= (size_t)n;
	}
}

static void flush_locked(struct uart *uart)
{
	write_all(uart->out_fd, uart->line, uart->line_len);
	uart->line_len = 0;
}

void uart__flush(struct uart *uart)
{
	pthread_mutex_lock(&uart->lock);
	flush_locked(uart);
	pthread_mutex_unlock(&uart->lock);
}

/* The highest-priority pending source, as IIR bits 3:0. */
static uint8_t pending_iir(const struct uart *uart)
{
	if ((uart->ier & IER_RDI) && uart->rx_count)
		return IIR_RDI;
	if ((uart->ier & IER_THRI) && uart->thre_pending)
		return IIR_THRI;
	return IIR_NO_INT;
}

/* Drive the IRQ line from the pending sources, on a change. Lock held. */
static void update_irq(struct uart *uart)
{
	bool level = pending_iir(uart) != IIR_NO_INT &&
		     (uart->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;

	if (level == uart->irq_level || !uart->irq.set)
		return;
	uart->irq_level = level;
	uart->irq.set(uart->irq.opaque, uart->irq_line, level);
}

static void rx_push(struct uart *uart, uint8_t c)
{
	if (uart->rx_count == RX_FIFO_SIZE)
		return;
	uart->rx[(uart->rx_head + uart->rx_count) % RX_FIFO_SIZE] = c;
	uart->rx_count++;
}

void uart__receive(struct uart *uart, const uint8_t *buf, size_t len)
{
	pthread_mutex_lock(&uart->lock);
	for (size_t i = 0; i < len; i++)
		rx_push(uart, buf[i]);
	update_irq(uart);
	pthread_mutex_unlock(&uart->lock);
}

static void transmit(struct uart *uart, uint8_t c)
{
	if (uart->mcr & MCR_LOOP) {
		rx_push(uart, c);
		return;
	}
	uart->line[uart->line_len++] = (char)c;
	if (c == '\n' || uart->line_len == LINE_MAX_LEN)
		flush_locked(uart);
}

static uint8_t reg_read(struct uart *uart, unsigned reg)
{
	uint8_t c, iir;

	switch (reg) {
	case UART_RBR_THR:
		if (uart->lcr & LCR_DLAB)
			return uart->dll;
		if (!uart->rx_count)
			return 0;
		c = uart->rx[uart->rx_head];
		uart->rx_head = (uart->rx_head + 1) % RX_FIFO_SIZE;
		uart->rx_count--;
		return c;
	case UART_IER:
		return (uart->lcr & LCR_DLAB) ? uart->dlm : uart->ier;
	case UART_IIR_FCR:
		iir = pending_iir(uart);
		if (iir == IIR_THRI) /* reading IIR acknowledges THR empty */
			uart->thre_pending = false;
		return iir | ((uart->fcr & 1) ? IIR_FIFO_ENABLED : 0);
	case UART_LCR:
		return uart->lcr;
	case UART_MCR:
		return uart->mcr;
	case UART_LSR:
		return LSR_THRE | LSR_TEMT | (uart->rx_count ? LSR_DR : 0);
	case UART_MSR:
		/* Loopback mirrors MCR outputs; otherwise CTS, DSR and DCD up. */
		if (uart->mcr & MCR_LOOP)
			return (uint8_t)((uart->mcr & 0x0f) << 4);
		return 0xb0;
	default:
		return uart->scr;
	}
}

static void reg_write(struct uart *uart, unsigned reg, uint8_t v)
{
	switch (reg) {
	case UART_RBR_THR:
		if (uart->lcr & LCR_DLAB) {
			uart->dll = v;
		} else {
			transmit(uart, v);
			uart->thre_pending = true; /* sent: empty again */
		}
		break;
	case UART_IER:
		if (uart->lcr & LCR_DLAB) {
			uart->dlm = v;
		} else {
			/* Enabling THRI with the THR empty raises it (Linux's
			 * UART_BUG_THRE probe counts on that). */
			if ((v & IER_THRI) && !(uart->ier & IER_THRI))
				uart->thre_pending = true;
			uart->ier = v & 0x0f;
		}
		break;
	case UART_IIR_FCR:
		uart->fcr = v;
		if (v & 0x02) /* clear the receive FIFO */
			uart->rx_count = 0;
		break;
	case UART_LCR:
		uart->lcr = v;
		break;
	case UART_MCR:
		uart->mcr = v & 0x1f;
		break;
	case UART_SCR:
		uart->scr = v;
		break;
	default:
		break; /* LSR and MSR are read-only */
	}
}

static void uart_access(void *opaque, unsigned cpu, uint64_t addr, void *data,
			unsigned len, bool is_write)
{
	struct uart *uart = opaque;
	uint8_t *bytes = data;

	(void)cpu;
	pthread_mutex_lock(&uart->lock);
	/* Wider accesses touch consecutive registers, one byte each. */
	for (unsigned i = 0; i < len; i++) {
		unsigned reg = (unsigned)(addr + i) % UART_NR_PORTS;
		if (is_write)
			reg_write(uart, reg, bytes[i]);
		else
			bytes[i] = reg_read(uart, reg);
	}
	update_irq(uart);
	pthread_mutex_unlock(&uart->lock);
}

int uart__register(struct uart *uart, struct bus *pio, uint16_t base)
{
	return bus_register(pio, base, UART_NR_PORTS, uart_access, uart,
			    "uart");
}
