// SPDX-License-Identifier: MIT
/*
 * test_uart.c - the 16550A of COM1 (vmm/hw/uart.c) through the port bus:
 * output by lines to its fd, input through the receive FIFO, LSR, the
 * divisor latch, the interrupt sources and their priority, and the IRQ
 * line gated by MCR OUT2 and loopback, as a PC board wires it.
 */
#include <check.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "check_main.h"
#include "hw/uart.h"

#define BASE UART_COM1_BASE
#define THR (BASE + 0)
#define IER (BASE + 1)
#define IIR (BASE + 2)
#define LCR (BASE + 3)
#define MCR (BASE + 4)
#define LSR (BASE + 5)
#define MSR (BASE + 6)
#define SCR (BASE + 7)

static struct bus pio;
static struct uart *U;
static int out[2]; /* the console: a pipe the test reads */
static struct {
	unsigned line, changes;
	bool level;
} irq;

static void set_irq(void *opaque, unsigned line, bool level)
{
	(void)opaque;
	irq.line = line;
	irq.level = level;
	irq.changes++;
}

static void setup(void)
{
	const struct isa_irq line = { .set = set_irq };

	memset(&irq, 0, sizeof(irq));
	ck_assert_int_eq(pipe2(out, O_NONBLOCK), 0);
	bus_init(&pio, "pio");
	U = uart__create(out[1], &line, UART_COM1_IRQ);
	ck_assert_ptr_nonnull(U);
	ck_assert_int_eq(uart__register(U, &pio, BASE), 0);
}

static void teardown(void)
{
	uart__destroy(U);
	close(out[0]);
	close(out[1]);
}

static void outb(uint16_t port, uint8_t v)
{
	ck_assert(bus_access(&pio, 0, port, &v, 1, true));
}

static uint8_t inb(uint16_t port)
{
	uint8_t v = 0;

	ck_assert(bus_access(&pio, 0, port, &v, 1, false));
	return v;
}

/* What the console got so far. */
static const char *console(void)
{
	static char buf[4096];
	ssize_t n = read(out[0], buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

START_TEST(output_by_lines)
{
	const char *msg = "hello\n";

	for (const char *p = msg; *p; p++)
		outb(THR, (uint8_t)*p);
	ck_assert_str_eq(console(), "hello\n");
	outb(THR, 'x');
	ck_assert_str_eq(console(), ""); /* no newline yet */
	uart__flush(U);
	ck_assert_str_eq(console(), "x");
	/* Transmission is instant: THR and the shifter always empty. */
	ck_assert_uint_eq(inb(LSR) & 0x60, 0x60);
}
END_TEST

START_TEST(input_fifo)
{
	ck_assert_uint_eq(inb(LSR) & 1, 0);
	uart__receive(U, (const uint8_t *)"ab", 2);
	ck_assert_uint_eq(inb(LSR) & 1, 1);
	ck_assert_uint_eq(inb(THR), 'a');
	ck_assert_uint_eq(inb(THR), 'b');
	ck_assert_uint_eq(inb(LSR) & 1, 0);
	ck_assert_uint_eq(inb(THR), 0); /* empty reads as 0 */
	/* FCR bit 1 clears the receive FIFO. */
	uart__receive(U, (const uint8_t *)"zz", 2);
	outb(IIR, 0x03);
	ck_assert_uint_eq(inb(LSR) & 1, 0);
	ck_assert_uint_eq(inb(IIR) & 0xc0, 0xc0); /* FIFOs enabled */
}
END_TEST

START_TEST(divisor_latch)
{
	outb(LCR, 0x83);
	ck_assert_uint_eq(inb(THR), 1); /* 115200 baud from reset */
	outb(THR, 12);
	outb(IER, 0);
	ck_assert_uint_eq(inb(THR), 12);
	outb(LCR, 0x03);
	ck_assert_str_eq(console(), ""); /* the divisor is not output */
	ck_assert_uint_eq(inb(IER), 0);
	outb(SCR, 0x5a);
	ck_assert_uint_eq(inb(SCR), 0x5a);
}
END_TEST

START_TEST(interrupt_sources_and_priority)
{
	outb(MCR, 0x08); /* OUT2: the line reaches the board */
	ck_assert_uint_eq(inb(IIR) & 0x0f, 0x01); /* none pending */
	/* Enabling THRI with the THR empty raises it at once. */
	outb(IER, 0x02);
	ck_assert(irq.level);
	ck_assert_uint_eq(irq.line, UART_COM1_IRQ);
	ck_assert_uint_eq(inb(IIR) & 0x0f, 0x02);
	/* Reading IIR acknowledged it: the line drops. */
	ck_assert(!irq.level);
	ck_assert_uint_eq(inb(IIR) & 0x0f, 0x01);
	/* Received data outranks THR empty. */
	outb(IER, 0x03);
	outb(THR, '\n');
	uart__receive(U, (const uint8_t *)"q", 1);
	ck_assert_uint_eq(inb(IIR) & 0x0f, 0x04);
	ck_assert(irq.level);
	ck_assert_uint_eq(inb(THR), 'q');
	ck_assert_uint_eq(inb(IIR) & 0x0f, 0x02);
	ck_assert_uint_eq(inb(IIR) & 0x0f, 0x01);
	ck_assert(!irq.level);
}
END_TEST

START_TEST(out2_and_loopback_gate_the_line)
{
	outb(IER, 0x01);
	uart__receive(U, (const uint8_t *)"r", 1);
	ck_assert(!irq.level); /* pending, but OUT2 is low */
	ck_assert_uint_eq(inb(IIR) & 0x0f, 0x04);
	outb(MCR, 0x08);
	ck_assert(irq.level);
	/* Loopback disconnects the pin and sends THR to the receiver. */
	outb(MCR, 0x18);
	ck_assert(!irq.level);
	(void)inb(THR);
	outb(THR, 'L');
	ck_assert_uint_eq(inb(THR), 'L');
	ck_assert_str_eq(console(), "");
	ck_assert_uint_eq(inb(MSR), 0x80); /* OUT2 mirrored to DCD */
	outb(MCR, 0x00);
	ck_assert_uint_eq(inb(MSR), 0xb0);
}
END_TEST

START_TEST(wide_access_is_bytewise)
{
	uint16_t v = 0x0a41; /* 'A' to THR, then 0x0a to IER */

	ck_assert(bus_access(&pio, 0, THR, &v, 2, true));
	ck_assert_uint_eq(inb(IER), 0x0a);
	uart__flush(U);
	ck_assert_str_eq(console(), "A");
}
END_TEST

static Suite *uart_suite(void)
{
	Suite *s = suite_create("uart");
	TCase *tc = tcase_create("16550");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, output_by_lines);
	tcase_add_test(tc, input_fifo);
	tcase_add_test(tc, divisor_latch);
	tcase_add_test(tc, interrupt_sources_and_priority);
	tcase_add_test(tc, out2_and_loopback_gate_the_line);
	tcase_add_test(tc, wide_access_is_bytewise);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(uart_suite)
