// SPDX-License-Identifier: MIT
/*
 * test_i8259.c - the two cascaded 8259A PICs and the ELCR: the state
 * firmware leaves, the ICW sequences, Linux's init_8259A() then edge IRQs
 * on the master and through the cascade, fully nested priority (nesting,
 * blocking, the slave locked out while IR2 is in service), IMR, edge and
 * level triggering (ELCR and ICW1 LTIM), spurious IR7 on both chips,
 * auto-EOI, specific and rotating EOIs, set priority, poll mode, special
 * mask mode, the INTR callback, the bus registration, garbage at every
 * port and several threads at once.
 *
 * Expected behaviour is the 8259A datasheet as vmm/i8259.h describes it;
 * one deliberate difference from the silicon is spelled out there: an
 * edge is latched in IRR even if the line drops before the INTA.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "check_main.h"
#include "i8259.h"
#include "test_rand.h"

#define PM 0x20	 /* master command (ICW1, OCW2, OCW3; IRR/ISR/poll) */
#define PMD 0x21 /* master data (ICW2-4, OCW1 = IMR) */
#define PS 0xa0
#define PSD 0xa1
#define ELCR0 0x4d0
#define ELCR1 0x4d1

#define OCW3_IRR 0x0a
#define OCW3_ISR 0x0b
#define OCW3_POLL 0x0c
#define OCW3_SMM_ON 0x68
#define OCW3_SMM_OFF 0x48
#define OCW2_EOI 0x20
#define OCW2_SEOI(n) (0x60 | (n))
#define OCW2_ROT_EOI 0xa0
#define OCW2_ROT_SEOI(n) (0xe0 | (n))
#define OCW2_SET_PRIO(n) (0xc0 | (n))
#define OCW2_ROT_AEOI_SET 0x80
#define OCW2_ROT_AEOI_CLR 0x00

/* What set_intr was told (single-threaded tests). */
static struct {
	unsigned calls, repeats, bad_opaque;
	bool level;
	bool seq[64];
} rec;

static void rec_set_intr(void *opaque, bool level)
{
	if (opaque != &rec)
		rec.bad_opaque++;
	if (level == rec.level) /* "on every change": never twice the same */
		rec.repeats++;
	rec.level = level;
	if (rec.calls < 64)
		rec.seq[rec.calls] = level;
	rec.calls++;
}

/* Static: the model may keep the pointer rather than a copy. */
static const struct i8259_ops rec_ops = { .set_intr = rec_set_intr,
					  .opaque = &rec };

static struct i8259 *make_pic(void)
{
	struct i8259 *p;

	memset(&rec, 0, sizeof(rec));
	p = i8259_create(&rec_ops);
	ck_assert_ptr_nonnull(p);
	return p;
}

/* Macros, not functions: a failure then names the test's own line. */
#define INTR(p, v)                                          \
	do {                                                \
		ck_assert_int_eq(i8259_intr(p), (v));       \
		ck_assert_int_eq(rec.level, (v));           \
		ck_assert_uint_eq(rec.repeats, 0);          \
		ck_assert_uint_eq(rec.bad_opaque, 0);       \
	} while (0)
#define ACK(p, v) ck_assert_int_eq(i8259_ack(p), (v))
#define LINE(p, irq, v) ck_assert_int_eq(i8259_set_irq(p, irq, v), 0)

static void out(struct i8259 *p, uint16_t port, uint8_t v)
{
	i8259_write(p, port, v);
}

static uint8_t in(struct i8259 *p, uint16_t port)
{
	return i8259_read(p, port);
}

static uint8_t irr(struct i8259 *p, uint16_t cmd)
{
	out(p, cmd, OCW3_IRR);
	return in(p, cmd);
}

static uint8_t isr(struct i8259 *p, uint16_t cmd)
{
	out(p, cmd, OCW3_ISR);
	return in(p, cmd);
}

static void eoi(struct i8259 *p, uint16_t cmd)
{
	out(p, cmd, OCW2_EOI);
}

static void pulse(struct i8259 *p, unsigned irq)
{
	LINE(p, irq, true);
	LINE(p, irq, false);
}

static void init_chip(struct i8259 *p, uint16_t cmd, uint8_t icw1,
		      uint8_t icw2, uint8_t icw3, uint8_t icw4)
{
	out(p, cmd, icw1);
	out(p, (uint16_t)(cmd + 1), icw2);
	out(p, (uint16_t)(cmd + 1), icw3);
	out(p, (uint16_t)(cmd + 1), icw4);
}

/* Linux's vectors and cascade (ICW1/ICW4 as given), every line unmasked. */
static void init_pics(struct i8259 *p, uint8_t icw1, uint8_t icw4)
{
	init_chip(p, PM, icw1, 0x20, 0x04, icw4);
	init_chip(p, PS, icw1, 0x28, 0x02, icw4);
	out(p, PMD, 0x00);
	out(p, PSD, 0x00);
}

static void linux_init(struct i8259 *p)
{
	init_pics(p, 0x11, 0x01);
}

/* ---------------------------------------------------------------- */

START_TEST(test_create_checks)
{
	const struct i8259_ops none = { 0 };
	struct i8259 *p;

	ck_assert_ptr_null(i8259_create(NULL));
	/* set_intr is optional: the VMM may poll i8259_intr() instead. */
	p = i8259_create(&none);
	ck_assert_ptr_nonnull(p);
	linux_init(p);
	LINE(p, 1, true);
	ck_assert(i8259_intr(p));
	ACK(p, 0x21);
	ck_assert(!i8259_intr(p));
	i8259_destroy(p);
}
END_TEST

START_TEST(test_power_on_state)
{
	static const uint16_t foreign[] = { 0x1f, 0x22, 0x9f, 0xa2,
					    0x4cf, 0x4d2, 0x0, 0xffff };
	struct i8259 *p = make_pic();

	INTR(p, false);
	ck_assert_uint_eq(rec.calls, 0);
	ck_assert_uint_eq(in(p, PMD), 0xff);
	ck_assert_uint_eq(in(p, PSD), 0xff);
	ck_assert_uint_eq(in(p, PM), 0); /* reads select IRR */
	ck_assert_uint_eq(in(p, PS), 0);
	ck_assert_uint_eq(isr(p, PM), 0);
	ck_assert_uint_eq(isr(p, PS), 0);
	ck_assert_uint_eq(in(p, ELCR0), 0); /* PIIX reset value: all edge */
	ck_assert_uint_eq(in(p, ELCR1), 0);
	for (unsigned i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		ck_assert_uint_eq(in(p, foreign[i]), 0xff);
		out(p, foreign[i], 0x00);
	}
	ck_assert_uint_eq(in(p, PMD), 0xff);
	ck_assert_uint_eq(in(p, PSD), 0xff);
	/* Every line masked: requests are latched, INTR stays low. */
	LINE(p, 1, true);
	LINE(p, 12, true);
	INTR(p, false);
	ck_assert_uint_eq(rec.calls, 0);
	ck_assert_uint_eq(irr(p, PM), 0x02); /* slave INT masked away */
	ck_assert_uint_eq(irr(p, PS), 0x10);
	/* Nothing to acknowledge: the master's IR7 at base 0x08. */
	ACK(p, 0x0f);
	ck_assert_uint_eq(isr(p, PM), 0);
	INTR(p, false);
	i8259_destroy(p);
}
END_TEST

/* Firmware's vector bases without any ICW: a guest can unmask and go. */
START_TEST(test_firmware_vector_bases)
{
	struct i8259 *p = make_pic();

	out(p, PMD, 0xfa); /* IR0 and the cascade */
	out(p, PSD, 0xfe); /* IRQ 8 */
	ck_assert_uint_eq(in(p, PMD), 0xfa);
	ck_assert_uint_eq(in(p, PSD), 0xfe);
	LINE(p, 0, true);
	INTR(p, true);
	ACK(p, 0x08);
	ck_assert_uint_eq(isr(p, PM), 0x01);
	eoi(p, PM);
	LINE(p, 8, true);
	INTR(p, true);
	ACK(p, 0x70);
	ck_assert_uint_eq(isr(p, PS), 0x01);
	ck_assert_uint_eq(isr(p, PM), 0x04);
	eoi(p, PS);
	eoi(p, PM);
	ck_assert_uint_eq(isr(p, PM), 0);
	INTR(p, false);
	i8259_destroy(p);
}
END_TEST

/* Which words follow ICW1 depends on its SNGL and IC4 bits. */
START_TEST(test_icw_sequences)
{
	struct i8259 *p = make_pic();

	init_chip(p, PS, 0x11, 0x28, 0x02, 0x01);
	out(p, PSD, 0xff);
	/* IC4 clear: ICW3 is the last word, the next one is OCW1. */
	out(p, PM, 0x10);
	out(p, PMD, 0x20);
	out(p, PMD, 0x04);
	ck_assert_uint_eq(in(p, PMD), 0x00); /* ICW1 cleared the IMR */
	out(p, PMD, 0xfd);
	ck_assert_uint_eq(in(p, PMD), 0xfd);
	/* SNGL: no ICW3, ICW4 right after ICW2. */
	out(p, PM, 0x13);
	out(p, PMD, 0x20);
	out(p, PMD, 0x01);
	out(p, PMD, 0xaa);
	ck_assert_uint_eq(in(p, PMD), 0xaa);
	/* SNGL without IC4: ICW2 alone. */
	out(p, PM, 0x12);
	out(p, PMD, 0x20);
	out(p, PMD, 0x55);
	ck_assert_uint_eq(in(p, PMD), 0x55);
	/* ICW2 bits 2:0 are the IR number in x86 mode, not the base's. */
	init_chip(p, PM, 0x11, 0x27, 0x04, 0x01);
	ck_assert_uint_eq(in(p, PMD), 0x00);
	LINE(p, 1, true);
	ACK(p, 0x21);
	eoi(p, PM);
	LINE(p, 1, false);
	/* 8080 address bits and ADI in ICW1, buffered/master in ICW4:
	 * accepted and ignored, the chip works as with 0x11/0x01. */
	init_chip(p, PM, 0xf5, 0x30, 0x04, 0x0d);
	ck_assert_uint_eq(in(p, PMD), 0x00);
	LINE(p, 3, true);
	INTR(p, true);
	ACK(p, 0x33);
	ck_assert_uint_eq(isr(p, PM), 0x08); /* not auto-EOI */
	eoi(p, PM);
	ck_assert_uint_eq(isr(p, PM), 0);
	INTR(p, false);
	i8259_destroy(p);
}
END_TEST

/* ICW1 resets IMR, ISR, IRR, priority, special mask and read select. */
START_TEST(test_icw1_resets)
{
	struct i8259 *p = make_pic();

	linux_init(p);
	LINE(p, 3, true);
	ACK(p, 0x23);
	out(p, PMD, 0x02);
	pulse(p, 1); /* latched while masked */
	out(p, PM, OCW2_SET_PRIO(4));
	out(p, PM, OCW3_SMM_ON);
	out(p, PM, OCW3_ISR);
	LINE(p, 3, false);
	ck_assert_uint_eq(in(p, PM), 0x08);
	init_chip(p, PM, 0x11, 0x20, 0x04, 0x01);
	INTR(p, false);
	ck_assert_uint_eq(in(p, PMD), 0x00);
	ck_assert_uint_eq(isr(p, PM), 0);
	ck_assert_uint_eq(irr(p, PM), 0); /* the latched edge is gone */
	out(p, PM, OCW3_ISR);
	init_chip(p, PM, 0x11, 0x20, 0x04, 0x01);
	/* IR7 lowest again: IR0 before IR6 (0xc4 had IR5 highest). */
	LINE(p, 6, true);
	LINE(p, 0, true);
	ck_assert_uint_eq(in(p, PM), 0x41); /* reads return IRR again */
	ACK(p, 0x20);
	eoi(p, PM);
	ACK(p, 0x26);
	eoi(p, PM);
	/* Special mask off: a masked in-service IR3 blocks IR5 again. */
	LINE(p, 3, false);
	LINE(p, 3, true);
	ACK(p, 0x23);
	out(p, PMD, 0x08);
	LINE(p, 5, true);
	INTR(p, false);
	out(p, PM, OCW2_SEOI(3));
	INTR(p, true);
	ACK(p, 0x25);
	i8259_destroy(p);
}
END_TEST

/* OCW3's RR/RIS pick what reads of the command port return, until
 * changed; the data port always reads the IMR. */
START_TEST(test_ocw3_read_select)
{
	struct i8259 *p = make_pic();

	linux_init(p);
	out(p, PMD, 0x10);
	LINE(p, 1, true);
	out(p, PM, OCW3_ISR);
	ck_assert_uint_eq(in(p, PM), 0);
	ck_assert_uint_eq(in(p, PM), 0);
	ACK(p, 0x21);
	ck_assert_uint_eq(in(p, PM), 0x02);
	ck_assert_uint_eq(in(p, PMD), 0x10);
	out(p, PM, 0x08); /* RR=0: no change */
	ck_assert_uint_eq(in(p, PM), 0x02);
	out(p, PM, 0x09); /* RR=0, RIS=1: still no change */
	ck_assert_uint_eq(in(p, PM), 0x02);
	out(p, PM, OCW3_IRR);
	ck_assert_uint_eq(in(p, PM), 0); /* INTA consumed the edge */
	ck_assert_uint_eq(in(p, PM), 0);
	ck_assert_uint_eq(in(p, PMD), 0x10);
	i8259_destroy(p);
}
END_TEST

START_TEST(test_elcr_reserved_bits)
{
	struct i8259 *p = make_pic();

	out(p, ELCR0, 0xff);
	out(p, ELCR1, 0xff);
	ck_assert_uint_eq(in(p, ELCR0), 0xf8); /* IRQ 0, 1, 2 always edge */
	ck_assert_uint_eq(in(p, ELCR1), 0xde); /* IRQ 8 and 13 too */
	out(p, ELCR0, 0x00);
	out(p, ELCR1, 0x00);
	ck_assert_uint_eq(in(p, ELCR0), 0);
	ck_assert_uint_eq(in(p, ELCR1), 0);
	out(p, ELCR0, 0xa7);
	out(p, ELCR1, 0x21);
	ck_assert_uint_eq(in(p, ELCR0), 0xa0);
	ck_assert_uint_eq(in(p, ELCR1), 0x00);
	/* The ELCR is the chipset's, not the PICs': ICW1 leaves it. */
	linux_init(p);
	ck_assert_uint_eq(in(p, ELCR0), 0xa0);
	/* A reserved bit leaves IRQ 1 edge: its pulse is latched. */
	out(p, ELCR0, 0x02);
	ck_assert_uint_eq(in(p, ELCR0), 0x00);
	pulse(p, 1);
	INTR(p, true);
	ACK(p, 0x21);
	eoi(p, PM);
	/* A real bit makes IRQ 3 level: its pulse is gone when low. */
	out(p, ELCR0, 0x08);
	pulse(p, 3);
	INTR(p, false);
	ck_assert_uint_eq(irr(p, PM), 0);
	i8259_destroy(p);
}
END_TEST

START_TEST(test_bus_registration)
{
	struct i8259 *p = make_pic();
	struct bus bus;
	uint8_t buf[2];

	bus_init(&bus, "pio");
	ck_assert_int_eq(i8259_register(NULL, &bus), -EINVAL);
	ck_assert_int_eq(i8259_register(p, NULL), -EINVAL);
	ck_assert_int_eq(i8259_register(p, &bus), 0);
	ck_assert_int_eq(i8259_register(p, &bus), -EEXIST);
	/* outw 0x20: ICW1 at 0x20 and ICW2 at 0x21 in one access. */
	buf[0] = 0x11;
	buf[1] = 0x20;
	ck_assert(bus_access(&bus, 0, PM, buf, 2, true));
	buf[0] = 0x04;
	ck_assert(bus_access(&bus, 0, PMD, buf, 1, true));
	buf[0] = 0x01;
	ck_assert(bus_access(&bus, 0, PMD, buf, 1, true));
	buf[0] = 0x11;
	buf[1] = 0x28;
	ck_assert(bus_access(&bus, 1, PS, buf, 2, true));
	buf[0] = 0x02;
	ck_assert(bus_access(&bus, 1, PSD, buf, 1, true));
	buf[0] = 0x01;
	ck_assert(bus_access(&bus, 1, PSD, buf, 1, true));
	/* OCW3 "read ISR" and OCW1 in one word; read both back. */
	buf[0] = OCW3_ISR;
	buf[1] = 0xf9;
	ck_assert(bus_access(&bus, 0, PM, buf, 2, true));
	memset(buf, 0x5a, sizeof(buf));
	ck_assert(bus_access(&bus, 0, PM, buf, 2, false));
	ck_assert_uint_eq(buf[0], 0);
	ck_assert_uint_eq(buf[1], 0xf9);
	LINE(p, 1, true);
	INTR(p, true);
	ACK(p, 0x21);
	ck_assert(bus_access(&bus, 0, PM, buf, 2, false));
	ck_assert_uint_eq(buf[0], 0x02);
	ck_assert_uint_eq(buf[1], 0xf9);
	buf[0] = OCW2_EOI;
	ck_assert(bus_access(&bus, 0, PM, buf, 1, true));
	ck_assert(bus_access(&bus, 0, PM, buf, 1, false));
	ck_assert_uint_eq(buf[0], 0);
	/* The ELCR as one word. */
	buf[0] = buf[1] = 0xff;
	ck_assert(bus_access(&bus, 0, ELCR0, buf, 2, true));
	memset(buf, 0, sizeof(buf));
	ck_assert(bus_access(&bus, 0, ELCR0, buf, 2, false));
	ck_assert_uint_eq(buf[0], 0xf8);
	ck_assert_uint_eq(buf[1], 0xde);
	ck_assert(bus_access(&bus, 0, ELCR1, buf, 1, false));
	ck_assert_uint_eq(buf[0], 0xde);
	/* Exactly the six ports: neighbours and straddling words are not
	 * claimed. */
	ck_assert(!bus_access(&bus, 0, 0x22, buf, 1, false));
	ck_assert(!bus_access(&bus, 0, 0x1f, buf, 1, false));
	ck_assert(!bus_access(&bus, 0, 0xa2, buf, 1, false));
	ck_assert(!bus_access(&bus, 0, 0x4d2, buf, 1, false));
	ck_assert(!bus_access(&bus, 0, PMD, buf, 2, false));
	ck_assert_uint_eq(buf[0], 0xff);
	i8259_destroy(p);
}
END_TEST

START_TEST(test_set_irq_bad_args)
{
	struct i8259 *p = make_pic();

	ck_assert_int_eq(i8259_set_irq(NULL, 0, true), -EINVAL);
	ck_assert_int_eq(i8259_set_irq(p, I8259_NR_IRQS, true), -EINVAL);
	ck_assert_int_eq(i8259_set_irq(p, 255, true), -EINVAL);
	ck_assert_int_eq(i8259_set_irq(p, UINT_MAX, true), -EINVAL);
	/* Rejected calls touched nothing (IRQ 16 is not IRQ 0 or 8). */
	ck_assert_uint_eq(irr(p, PM), 0);
	ck_assert_uint_eq(irr(p, PS), 0);
	ck_assert_int_eq(i8259_set_irq(p, 15, true), 0);
	ck_assert_int_eq(i8259_set_irq(p, 0, false), 0);
	ck_assert_uint_eq(irr(p, PS), 0x80);
	ck_assert_uint_eq(rec.calls, 0);
	i8259_destroy(p);
}
END_TEST

/* ---------------------------------------------------------------- */

/* Linux's init_8259A(), then enable_8259A_irq(1) and one keypress. */
START_TEST(test_linux_init_master_edge)
{
	struct i8259 *p = make_pic();

	out(p, PMD, 0xff);
	out(p, PSD, 0xff);
	init_chip(p, PM, 0x11, 0x20, 0x04, 0x01);
	init_chip(p, PS, 0x11, 0x28, 0x02, 0x01);
	ck_assert_uint_eq(in(p, PMD), 0x00); /* ICW1 cleared them */
	ck_assert_uint_eq(in(p, PSD), 0x00);
	out(p, PMD, 0xfb); /* cached_master_mask */
	out(p, PSD, 0xff);
	ck_assert_uint_eq(in(p, PMD), 0xfb);
	ck_assert_uint_eq(in(p, PSD), 0xff);
	INTR(p, false);
	ck_assert_uint_eq(rec.calls, 0);
	out(p, PMD, 0xf9);
	LINE(p, 1, true);
	INTR(p, true);
	ck_assert_uint_eq(rec.calls, 1);
	ck_assert_uint_eq(irr(p, PM), 0x02);
	ck_assert_uint_eq(isr(p, PM), 0);
	ACK(p, 0x21);
	INTR(p, false);
	ck_assert_uint_eq(isr(p, PM), 0x02);
	ck_assert_uint_eq(irr(p, PM), 0); /* edge consumed, line still up */
	ck_assert_uint_eq(isr(p, PS), 0);
	eoi(p, PM);
	ck_assert_uint_eq(isr(p, PM), 0);
	INTR(p, false);
	LINE(p, 1, false);
	ck_assert_uint_eq(rec.calls, 2);
	i8259_destroy(p);
}
END_TEST

/* IRQ 12 (the mouse) through the cascade: slave IR4 -> master IR2. */
START_TEST(test_slave_through_cascade)
{
	struct i8259 *p = make_pic();

	linux_init(p);
	out(p, PMD, 0xfb);
	out(p, PSD, 0xef);
	LINE(p, 12, true);
	INTR(p, true);
	ck_assert_uint_eq(irr(p, PS), 0x10);
	ck_assert_uint_eq(irr(p, PM), 0x04);
	ACK(p, 0x2c);
	INTR(p, false);
	ck_assert_uint_eq(isr(p, PS), 0x10);
	ck_assert_uint_eq(isr(p, PM), 0x04);
	ck_assert_uint_eq(irr(p, PS), 0);
	ck_assert_uint_eq(irr(p, PM), 0);
	eoi(p, PS); /* slave first, then the master's cascade */
	ck_assert_uint_eq(isr(p, PS), 0);
	ck_assert_uint_eq(isr(p, PM), 0x04);
	INTR(p, false);
	eoi(p, PM);
	ck_assert_uint_eq(isr(p, PM), 0);
	INTR(p, false);
	LINE(p, 12, false);
	/* Slave IRQs rank at IR2: IRQ 9 before IRQ 3. */
	out(p, PMD, 0x00);
	out(p, PSD, 0x00);
	LINE(p, 3, true);
	LINE(p, 9, true);
	ACK(p, 0x29);
	eoi(p, PS);
	eoi(p, PM);
	ACK(p, 0x23);
	eoi(p, PM);
	INTR(p, false);
	/* The master's IR2 mask hides the whole slave. */
	out(p, PMD, 0x04);
	LINE(p, 10, true);
	INTR(p, false);
	ck_assert_uint_eq(irr(p, PS), 0x04);
	out(p, PMD, 0x00);
	INTR(p, true);
	ACK(p, 0x2a);
	i8259_destroy(p);
}
END_TEST

START_TEST(test_priority_order)
{
	static const int order[] = { 0x20, 0x21, 0x28, 0x29, 0x2a, 0x2b,
				     0x2c, 0x2d, 0x2e, 0x2f, 0x23, 0x24,
				     0x25, 0x26, 0x27 };
	struct i8259 *p = make_pic();

	linux_init(p);
	LINE(p, 3, true);
	LINE(p, 0, true);
	INTR(p, true);
	ACK(p, 0x20);
	/* IR3 is below the in-service IR0: no INTR until the EOI. */
	INTR(p, false);
	ck_assert_uint_eq(irr(p, PM), 0x08);
	eoi(p, PM);
	INTR(p, true);
	ACK(p, 0x23);
	INTR(p, false);
	eoi(p, PM);
	LINE(p, 0, false);
	LINE(p, 3, false);
	/* Every line but the cascade at once, raised lowest first. */
	for (int irq = 15; irq >= 0; irq--)
		if (irq != I8259_CASCADE_IRQ)
			LINE(p, (unsigned)irq, true);
	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		INTR(p, true);
		ACK(p, order[i]);
		if (order[i] >= 0x28)
			eoi(p, PS);
		eoi(p, PM);
	}
	INTR(p, false);
	ck_assert_uint_eq(isr(p, PM), 0);
	ck_assert_uint_eq(isr(p, PS), 0);
	i8259_destroy(p);
}
END_TEST

START_TEST(test_higher_nests_lower)
{
	struct i8259 *p = make_pic();

	linux_init(p);
	LINE(p, 3, true);
	ACK(p, 0x23);
	LINE(p, 0, true);
	INTR(p, true);
	ACK(p, 0x20);
	ck_assert_uint_eq(isr(p, PM), 0x09);
	/* A non-specific EOI ends the highest in service: IR0. */
	eoi(p, PM);
	ck_assert_uint_eq(isr(p, PM), 0x08);
	eoi(p, PM);
	ck_assert_uint_eq(isr(p, PM), 0);
	INTR(p, false);
	/* Across the cascade: IRQ 12 (at IR2) nests over IRQ 4... */
	LINE(p, 4, true);
	ACK(p, 0x24);
	LINE(p, 12, true);
	INTR(p, true);
	ACK(p, 0x2c);
	ck_assert_uint_eq(isr(p, PM), 0x14);
	eoi(p, PS);
	eoi(p, PM);
	ck_assert_uint_eq(isr(p, PM), 0x10);
	eoi(p, PM);
	LINE(p, 4, false);
	LINE(p, 12, false);
	/* ...but waits for IRQ 1's EOI. */
	LINE(p, 1, true);
	ACK(p, 0x21);
	LINE(p, 12, true);
	INTR(p, false);
	eoi(p, PM);
	INTR(p, true);
	ACK(p, 0x2c);
	eoi(p, PS);
	eoi(p, PM);
	INTR(p, false);
	i8259_destroy(p);
}
END_TEST

/* Without special fully nested mode the master inhibits IR2 while IR2 is
 * in service ("same or lower priority"): a higher slave request waits
 * for the master's EOI, not only the slave's. */
START_TEST(test_slave_locked_out_while_cascade_in_service)
{
	struct i8259 *p = make_pic();

	linux_init(p);
	LINE(p, 12, true);
	ACK(p, 0x2c);
	LINE(p, 8, true);
	INTR(p, false);
	ck_assert_uint_eq(irr(p, PS), 0x01);
	eoi(p, PS);
	INTR(p, false);
	eoi(p, PM);
	INTR(p, true);
	ACK(p, 0x28);
	eoi(p, PS);
	eoi(p, PM);
	INTR(p, false);
	ck_assert_uint_eq(isr(p, PM), 0);
	ck_assert_uint_eq(isr(p, PS), 0);
	i8259_destroy(p);
}
END_TEST

/* The IMR gates the priority resolver, after IRR: an edge that arrives
 * while masked is latched and comes out on unmasking. */
START_TEST(test_masked_edge_is_latched)
{
	struct i8259 *p = make_pic();

	linux_init(p);
	out(p, PMD, 0x02);
	LINE(p, 1, true);
	INTR(p, false);
	ck_assert_uint_eq(irr(p, PM), 0x02);
	LINE(p, 1, false);
	ck_assert_uint_eq(irr(p, PM), 0x02);
	out(p, PMD, 0x00);
	INTR(p, true);
	ACK(p, 0x21);
	eoi(p, PM);
	INTR(p, false);
	/* Masking a pending request drops INTR; unmasking raises it. */
	LINE(p, 5, true);
	INTR(p, true);
	out(p, PMD, 0x20);
	INTR(p, false);
	ck_assert_uint_eq(irr(p, PM), 0x20);
	out(p, PMD, 0x00);
	INTR(p, true);
	ACK(p, 0x25);
	eoi(p, PM);
	/* On the slave: masked there, nothing reaches the master. */
	out(p, PSD, 0x10);
	LINE(p, 12, true);
	INTR(p, false);
	ck_assert_uint_eq(irr(p, PS), 0x10);
	ck_assert_uint_eq(irr(p, PM), 0);
	out(p, PSD, 0x00);
	INTR(p, true);
	ACK(p, 0x2c);
	i8259_destroy(p);
}
END_TEST

START_TEST(test_edge_needs_low_to_high)
{
	struct i8259 *p = make_pic();

	linux_init(p);
	LINE(p, 1, true);
	ACK(p, 0x21);
	eoi(p, PM);
	LINE(p, 1, true); /* still high: no new edge */
	INTR(p, false);
	ck_assert_uint_eq(irr(p, PM), 0);
	LINE(p, 1, false);
	INTR(p, false);
	LINE(p, 1, true);
	INTR(p, true);
	ACK(p, 0x21);
	/* Again while in service: latched, but the same level is
	 * inhibited until the EOI. */
	LINE(p, 1, false);
	LINE(p, 1, true);
	INTR(p, false);
	ck_assert_uint_eq(irr(p, PM), 0x02);
	eoi(p, PM);
	INTR(p, true);
	ACK(p, 0x21);
	eoi(p, PM);
	/* A pulse over before the INTA is still a request (i8259.h). */
	LINE(p, 1, false);
	pulse(p, 1);
	INTR(p, true);
	ACK(p, 0x21);
	ck_assert_uint_eq(isr(p, PM), 0x02);
	eoi(p, PM);
	/* Two edges before the INTA are one request. */
	pulse(p, 1);
	pulse(p, 1);
	ACK(p, 0x21);
	eoi(p, PM);
	INTR(p, false);
	ACK(p, 0x27); /* nothing left: IR7, nothing in service */
	ck_assert_uint_eq(isr(p, PM), 0);
	i8259_destroy(p);
}
END_TEST

START_TEST(test_level_elcr)
{
	struct i8259 *p = make_pic();

	linux_init(p);
	out(p, ELCR0, 0x20); /* IRQ 5 level, as for a PCI INTx */
	LINE(p, 5, true);
	INTR(p, true);
	ck_assert_uint_eq(irr(p, PM), 0x20);
	ACK(p, 0x25);
	INTR(p, false);
	ck_assert_uint_eq(irr(p, PM), 0x20); /* INTA leaves a level IRR */
	ck_assert_uint_eq(isr(p, PM), 0x20);
	eoi(p, PM);
	INTR(p, true); /* still asserted: requested again */
	ACK(p, 0x25);
	LINE(p, 5, false);
	ck_assert_uint_eq(irr(p, PM), 0);
	eoi(p, PM);
	INTR(p, false);
	/* Dropped before the INTA: the default IR7, nothing in service. */
	LINE(p, 5, true);
	INTR(p, true);
	LINE(p, 5, false);
	INTR(p, false);
	ck_assert_uint_eq(irr(p, PM), 0);
	ACK(p, 0x27);
	ck_assert_uint_eq(isr(p, PM), 0);
	INTR(p, false);
	/* Slave level: IRQ 10 asserted through its EOIs comes back. */
	out(p, ELCR1, 0x04);
	LINE(p, 10, true);
	ACK(p, 0x2a);
	ck_assert_uint_eq(irr(p, PS), 0x04);
	eoi(p, PS);
	INTR(p, false); /* the master's IR2 is still in service */
	eoi(p, PM);
	INTR(p, true);
	ACK(p, 0x2a);
	LINE(p, 10, false);
	eoi(p, PS);
	eoi(p, PM);
	INTR(p, false);
	ck_assert_uint_eq(irr(p, PS), 0);
	i8259_destroy(p);
}
END_TEST

/* A line made level (the ELCR write Linux's ACPI code does for the SCI)
 * requests while high and only then: an edge latched earlier, while it
 * was edge, is not a request of the level line whose input is low. */
START_TEST(test_elcr_to_level_follows_line)
{
	struct i8259 *p = make_pic();

	linux_init(p);
	out(p, PMD, 0x20);
	pulse(p, 5);
	ck_assert_uint_eq(irr(p, PM), 0x20); /* edge: latched */
	out(p, ELCR0, 0x20);
	ck_assert_uint_eq(irr(p, PM), 0); /* level, line low */
	out(p, PMD, 0x00);
	INTR(p, false);
	ACK(p, 0x27);
	ck_assert_uint_eq(isr(p, PM), 0);
	/* Made level while high: requests at once. */
	LINE(p, 9, true);
	ck_assert_uint_eq(irr(p, PS), 0x02);
	ACK(p, 0x29);
	eoi(p, PS);
	eoi(p, PM);
	INTR(p, false);
	out(p, ELCR1, 0x02);
	INTR(p, true);
	ACK(p, 0x29);
	i8259_destroy(p);
}
END_TEST

/* ICW1 LTIM: every line of the chip level, whatever the ELCR says. */
START_TEST(test_level_ltim)
{
	struct i8259 *p = make_pic();

	init_pics(p, 0x19, 0x01);
	ck_assert_uint_eq(in(p, ELCR0), 0);
	LINE(p, 3, true);
	ck_assert_uint_eq(irr(p, PM), 0x08);
	ACK(p, 0x23);
	ck_assert_uint_eq(irr(p, PM), 0x08);
	eoi(p, PM);
	INTR(p, true);
	LINE(p, 3, false);
	INTR(p, false);
	ck_assert_uint_eq(irr(p, PM), 0);
	ACK(p, 0x27);
	ck_assert_uint_eq(isr(p, PM), 0);
	/* IRQ 1 too (its ELCR bit is reserved, LTIM is not). */
	pulse(p, 1);
	INTR(p, false);
	ck_assert_uint_eq(irr(p, PM), 0);
	/* The slave: IRQ 11. */
	LINE(p, 11, true);
	INTR(p, true);
	ACK(p, 0x2b);
	ck_assert_uint_eq(irr(p, PS), 0x08);
	LINE(p, 11, false);
	ck_assert_uint_eq(irr(p, PS), 0);
	eoi(p, PS);
	eoi(p, PM);
	INTR(p, false);
	ck_assert_uint_eq(isr(p, PM), 0);
	ck_assert_uint_eq(isr(p, PS), 0);
	i8259_destroy(p);
}
END_TEST

/* A slave level request gone before the INTA: the master's edge IR2 has
 * latched the slave's INT, so the master acknowledges its cascade and
 * the slave answers with its IR7 (Linux then EOIs the master only). */
START_TEST(test_slave_spurious)
{
	struct i8259 *p = make_pic();

	linux_init(p);
	out(p, ELCR1, 0x10);
	LINE(p, 12, true);
	INTR(p, true);
	LINE(p, 12, false);
	ck_assert_uint_eq(irr(p, PS), 0);
	INTR(p, true);
	ACK(p, 0x2f);
	INTR(p, false);
	ck_assert_uint_eq(isr(p, PS), 0);
	ck_assert_uint_eq(isr(p, PM), 0x04);
	eoi(p, PM);
	ck_assert_uint_eq(isr(p, PM), 0);
	INTR(p, false);
	i8259_destroy(p);
}
END_TEST

START_TEST(test_auto_eoi)
{
	struct i8259 *p = make_pic();

	init_pics(p, 0x11, 0x03);
	LINE(p, 1, true);
	ACK(p, 0x21);
	ck_assert_uint_eq(isr(p, PM), 0);
	INTR(p, false);
	LINE(p, 3, true); /* nothing in service blocks it */
	INTR(p, true);
	ACK(p, 0x23);
	ck_assert_uint_eq(isr(p, PM), 0);
	LINE(p, 12, true);
	ACK(p, 0x2c);
	ck_assert_uint_eq(isr(p, PS), 0);
	ck_assert_uint_eq(isr(p, PM), 0);
	INTR(p, false);
	LINE(p, 1, false);
	LINE(p, 3, false);
	LINE(p, 12, false);
	/* Rotate in auto-EOI: each acknowledged IR becomes the lowest. */
	out(p, PM, OCW2_ROT_AEOI_SET);
	LINE(p, 1, true);
	ACK(p, 0x21); /* now 2..7, 0, 1 */
	LINE(p, 0, true);
	LINE(p, 3, true);
	ACK(p, 0x23); /* now 4..7, 0..3 */
	ACK(p, 0x20); /* now 1..7, 0 */
	INTR(p, false);
	/* Cleared: the order stays, acknowledges no longer rotate it. */
	out(p, PM, OCW2_ROT_AEOI_CLR);
	LINE(p, 0, false);
	LINE(p, 1, false);
	LINE(p, 3, false);
	LINE(p, 1, true);
	ACK(p, 0x21);
	LINE(p, 1, false);
	LINE(p, 3, true);
	LINE(p, 1, true);
	ACK(p, 0x21); /* rotated, IR3 would have come first */
	ACK(p, 0x23);
	INTR(p, false);
	i8259_destroy(p);
}
END_TEST

START_TEST(test_specific_eoi)
{
	struct i8259 *p = make_pic();

	linux_init(p);
	LINE(p, 3, true);
	ACK(p, 0x23);
	LINE(p, 1, true);
	ACK(p, 0x21);
	ck_assert_uint_eq(isr(p, PM), 0x0a);
	/* It ends the named level, not the highest in service. */
	out(p, PM, OCW2_SEOI(3));
	ck_assert_uint_eq(isr(p, PM), 0x02);
	out(p, PM, OCW2_SEOI(1));
	ck_assert_uint_eq(isr(p, PM), 0);
	/* Of a level not in service: nothing. */
	LINE(p, 4, true);
	ACK(p, 0x24);
	out(p, PM, OCW2_SEOI(5));
	ck_assert_uint_eq(isr(p, PM), 0x10);
	out(p, PM, OCW2_SEOI(4));
	ck_assert_uint_eq(isr(p, PM), 0);
	LINE(p, 1, false);
	LINE(p, 3, false);
	LINE(p, 4, false);
	/* Linux's slave EOI: 0x60+n to the slave, 0x62 to the master. */
	LINE(p, 14, true);
	ACK(p, 0x2e);
	out(p, PS, OCW2_SEOI(6));
	out(p, PM, OCW2_SEOI(2));
	ck_assert_uint_eq(isr(p, PS), 0);
	ck_assert_uint_eq(isr(p, PM), 0);
	/* Rotate on specific EOI: ends IR3 and makes it the lowest. */
	LINE(p, 3, true);
	ACK(p, 0x23);
	out(p, PM, OCW2_ROT_SEOI(3));
	ck_assert_uint_eq(isr(p, PM), 0);
	LINE(p, 0, true);
	LINE(p, 4, true);
	ACK(p, 0x24); /* 4..7, 0..3 */
	eoi(p, PM);
	ACK(p, 0x20);
	eoi(p, PM);
	INTR(p, false);
	i8259_destroy(p);
}
END_TEST

START_TEST(test_rotate_on_nonspecific_eoi)
{
	struct i8259 *p = make_pic();

	linux_init(p);
	LINE(p, 1, true);
	ACK(p, 0x21);
	out(p, PM, OCW2_ROT_EOI);
	ck_assert_uint_eq(isr(p, PM), 0);
	/* IR1 lowest: 2..7, 0, 1. */
	LINE(p, 0, true);
	LINE(p, 3, true);
	ACK(p, 0x23);
	INTR(p, false); /* IR0 now ranks below the in-service IR3 */
	out(p, PM, OCW2_ROT_EOI);
	INTR(p, true); /* IR3 lowest: 4..7, 0..3 */
	ACK(p, 0x20);
	LINE(p, 1, false);
	LINE(p, 1, true);
	LINE(p, 4, true);
	INTR(p, true); /* IR4 above the in-service IR0 */
	ACK(p, 0x24);
	ck_assert_uint_eq(isr(p, PM), 0x11);
	/* A plain EOI ends the highest in the rotated order: IR4. */
	eoi(p, PM);
	ck_assert_uint_eq(isr(p, PM), 0x01);
	eoi(p, PM);
	INTR(p, true);
	ACK(p, 0x21);
	eoi(p, PM);
	INTR(p, false);
	ck_assert_uint_eq(isr(p, PM), 0);
	i8259_destroy(p);
}
END_TEST

START_TEST(test_set_priority)
{
	struct i8259 *p = make_pic();

	linux_init(p);
	out(p, PM, OCW2_SET_PRIO(4)); /* IR4 lowest: 5, 6, 7, 0..4 */
	ck_assert_uint_eq(isr(p, PM), 0); /* it ends nothing */
	LINE(p, 0, true);
	LINE(p, 6, true);
	ACK(p, 0x26);
	eoi(p, PM);
	ACK(p, 0x20);
	eoi(p, PM);
	LINE(p, 0, false);
	LINE(p, 6, false);
	/* IR5 is now the highest: it nests over IR0. */
	LINE(p, 0, true);
	ACK(p, 0x20);
	LINE(p, 5, true);
	INTR(p, true);
	ACK(p, 0x25);
	ck_assert_uint_eq(isr(p, PM), 0x21);
	eoi(p, PM);
	ck_assert_uint_eq(isr(p, PM), 0x01);
	eoi(p, PM);
	/* The slave's own: IR0 (IRQ 8) lowest, IRQ 9 first. */
	out(p, PS, OCW2_SET_PRIO(0));
	LINE(p, 8, true);
	LINE(p, 9, true);
	ACK(p, 0x29);
	eoi(p, PS);
	eoi(p, PM);
	ACK(p, 0x28);
	eoi(p, PS);
	eoi(p, PM);
	INTR(p, false);
	i8259_destroy(p);
}
END_TEST

/* OCW3 P: the next read of the command port is the INTA. */
START_TEST(test_poll_mode)
{
	struct i8259 *p = make_pic();

	linux_init(p);
	LINE(p, 3, true);
	LINE(p, 1, true);
	INTR(p, true);
	out(p, PM, OCW3_POLL);
	ck_assert_uint_eq(in(p, PM), 0x81);
	INTR(p, false); /* acknowledged: IR3 waits below IR1 */
	ck_assert_uint_eq(in(p, PM), 0x08); /* one-shot: IRR again */
	ck_assert_uint_eq(isr(p, PM), 0x02);
	eoi(p, PM);
	INTR(p, true);
	out(p, PM, OCW3_POLL);
	ck_assert_uint_eq(in(p, PM), 0x83);
	INTR(p, false);
	ck_assert_uint_eq(isr(p, PM), 0x08);
	eoi(p, PM);
	/* Nothing requested: bit 7 clear, nothing put in service. */
	out(p, PM, OCW3_POLL);
	ck_assert_uint_eq(in(p, PM) & 0x80, 0);
	ck_assert_uint_eq(isr(p, PM), 0);
	INTR(p, false);
	i8259_destroy(p);
}
END_TEST

/* OCW3 ESMM+SMM: a handler masks its own level and lets the lower ones
 * in while it is still in service. */
START_TEST(test_special_mask_mode)
{
	struct i8259 *p = make_pic();

	linux_init(p);
	LINE(p, 3, true);
	ACK(p, 0x23);
	LINE(p, 5, true);
	INTR(p, false);
	out(p, PMD, 0x08);
	out(p, PM, OCW3_SMM_ON);
	INTR(p, true);
	ACK(p, 0x25);
	INTR(p, false);
	ck_assert_uint_eq(isr(p, PM), 0x28);
	out(p, PM, OCW2_SEOI(5));
	/* Neither OCW3 without ESMM (the ISR read above) nor SMM without
	 * ESMM leaves the mode: IR6 still gets past the masked IR3. */
	out(p, PM, 0x28);
	LINE(p, 6, true);
	INTR(p, true);
	ACK(p, 0x26);
	ck_assert_uint_eq(isr(p, PM), 0x48);
	out(p, PM, OCW2_SEOI(6));
	/* The masked level itself stays out. */
	LINE(p, 3, false);
	LINE(p, 3, true);
	INTR(p, false);
	/* A higher one comes in too. */
	LINE(p, 1, true);
	INTR(p, true);
	ACK(p, 0x21);
	out(p, PM, OCW2_SEOI(1));
	ck_assert_uint_eq(isr(p, PM), 0x08);
	/* Back to normal: the in-service IR3 blocks IR7 again. */
	out(p, PM, OCW3_SMM_OFF);
	LINE(p, 7, true);
	INTR(p, false);
	out(p, PM, OCW2_SEOI(3));
	INTR(p, true);
	ACK(p, 0x27);
	ck_assert_uint_eq(isr(p, PM), 0x80); /* a real IR7: in service */
	eoi(p, PM);
	INTR(p, false);
	i8259_destroy(p);
}
END_TEST

/* i8259.h: in special mask mode the request taken is "any unmasked one
 * not in service"; the datasheet: a set mask bit "inhibits further
 * interrupts at that level and enables interrupts from all other levels
 * (lower as well as higher) that are not masked". So an unmasked level in
 * service does not hold back a lower one. */
START_TEST(test_special_mask_ignores_in_service)
{
	struct i8259 *p = make_pic();

	linux_init(p);
	LINE(p, 3, true);
	ACK(p, 0x23);
	out(p, PMD, 0x08);
	out(p, PM, OCW3_SMM_ON);
	LINE(p, 5, true);
	ACK(p, 0x25); /* IR5 in service, not masked */
	LINE(p, 6, true);
	INTR(p, true);
	ACK(p, 0x26);
	ck_assert_uint_eq(isr(p, PM), 0x68);
	/* An in-service level is not taken again before its EOI. */
	LINE(p, 5, false);
	LINE(p, 5, true);
	INTR(p, false);
	out(p, PM, OCW2_SEOI(5));
	INTR(p, true);
	ACK(p, 0x25);
	i8259_destroy(p);
}
END_TEST

START_TEST(test_set_intr_only_on_change)
{
	static const bool want[] = { true,  false, true, false,
				     true,  false, true, false };
	struct i8259 *p = make_pic();

	linux_init(p);
	ck_assert_uint_eq(rec.calls, 0);
	LINE(p, 1, true);
	ck_assert_uint_eq(rec.calls, 1);
	LINE(p, 3, true); /* INTR already high */
	LINE(p, 12, true);
	ck_assert_uint_eq(rec.calls, 1);
	ACK(p, 0x21); /* 12 and 3 are below IR1 */
	ck_assert_uint_eq(rec.calls, 2);
	eoi(p, PM);
	ck_assert_uint_eq(rec.calls, 3);
	out(p, PMD, 0xff);
	ck_assert_uint_eq(rec.calls, 4);
	out(p, PMD, 0xff);
	(void)isr(p, PM);
	(void)irr(p, PS);
	(void)in(p, PMD);
	(void)i8259_intr(p);
	ck_assert_uint_eq(rec.calls, 4);
	out(p, PMD, 0x00);
	ck_assert_uint_eq(rec.calls, 5);
	ACK(p, 0x2c);
	ck_assert_uint_eq(rec.calls, 6);
	eoi(p, PS); /* IR2 still in service on the master */
	ck_assert_uint_eq(rec.calls, 6);
	eoi(p, PM);
	ck_assert_uint_eq(rec.calls, 7);
	ACK(p, 0x23);
	ck_assert_uint_eq(rec.calls, 8);
	eoi(p, PM);
	LINE(p, 1, false);
	LINE(p, 3, false);
	LINE(p, 12, false);
	ck_assert_uint_eq(rec.calls, 8);
	for (unsigned i = 0; i < 8; i++)
		ck_assert_int_eq(rec.seq[i], want[i]);
	INTR(p, false);
	i8259_destroy(p);
}
END_TEST

/* ---------------------------------------------------------------- */

START_TEST(test_garbage_never_hurts)
{
	static const uint16_t ports[] = { PM, PMD, PS, PSD, ELCR0, ELCR1 };
	struct i8259 *p = make_pic();
	uint64_t s = 0x8259a8259a8259a1ull;
	unsigned acks = 0;

	for (unsigned i = 0; i < 100000; i++) {
		uint64_t r = test_rand(&s);
		uint16_t port = ports[r % 6];
		int v;

		switch ((r >> 8) % 8) {
		case 0:
		case 1:
		case 2:
			out(p, port, (uint8_t)(r >> 16));
			break;
		case 3:
			(void)in(p, port);
			break;
		case 4:
		case 5:
			LINE(p, (unsigned)(r >> 16) % 16, (r >> 24) & 1);
			break;
		case 6:
			/* Mostly when asked to, sometimes out of the blue. */
			if (i8259_intr(p) || !((r >> 16) & 7)) {
				v = i8259_ack(p);
				ck_assert_int_ge(v, 0);
				ck_assert_int_le(v, 255);
				acks++;
			}
			break;
		default:
			(void)in(p, (uint16_t)(r >> 16));
			out(p, (uint16_t)(r >> 32), (uint8_t)(r >> 48));
			break;
		}
		ck_assert_int_eq(i8259_intr(p), rec.level);
		ck_assert_uint_eq(rec.repeats, 0);
	}
	ck_assert_uint_gt(acks, 0);
	ck_assert_uint_gt(rec.calls, 0);
	/* Still a working pair once re-initialized. */
	for (unsigned irq = 0; irq < I8259_NR_IRQS; irq++)
		LINE(p, irq, false);
	out(p, ELCR0, 0);
	out(p, ELCR1, 0);
	linux_init(p);
	INTR(p, false);
	ck_assert_uint_eq(irr(p, PM), 0);
	ck_assert_uint_eq(irr(p, PS), 0);
	ck_assert_uint_eq(isr(p, PM), 0);
	ck_assert_uint_eq(isr(p, PS), 0);
	LINE(p, 1, true);
	INTR(p, true);
	ACK(p, 0x21);
	eoi(p, PM);
	LINE(p, 12, true);
	INTR(p, true);
	ACK(p, 0x2c);
	eoi(p, PS);
	eoi(p, PM);
	INTR(p, false);
	ck_assert_uint_eq(isr(p, PM), 0);
	i8259_destroy(p);
}
END_TEST

/* Devices, a vCPU and a guest's port I/O at once (for TSan). */
#define MT_ITERS 20000

static struct {
	struct i8259 *pic;
	_Atomic bool level;
	_Atomic unsigned calls, repeats, acks, bad, stop, ready;
} mt;

/* All four threads start together: on a 2-CPU host the devices would
 * otherwise be done before the vCPU thread first runs. */
static void mt_start(void)
{
	atomic_fetch_add(&mt.ready, 1);
	while (atomic_load(&mt.ready) < 4)
		;
}

static void mt_set_intr(void *opaque, bool level)
{
	if (opaque != &mt)
		atomic_fetch_add(&mt.bad, 1);
	if (atomic_exchange(&mt.level, level) == level)
		atomic_fetch_add(&mt.repeats, 1);
	atomic_fetch_add(&mt.calls, 1);
}

static const struct i8259_ops mt_ops = { .set_intr = mt_set_intr,
					 .opaque = &mt };

static void *mt_device(void *arg)
{
	unsigned first = (unsigned)(uintptr_t)arg;
	uint64_t seed = 0x9e3779b97f4a7c15ull + first;

	mt_start();
	/* At least MT_ITERS changes, and on until the vCPU took some. */
	for (unsigned i = 0; i < MT_ITERS ||
			     (atomic_load(&mt.acks) < 100 && i < 50 * MT_ITERS);
	     i++) {
		uint64_t r = test_rand(&seed);

		if (i8259_set_irq(mt.pic, first + (unsigned)(r % 8),
				  (r >> 8) & 1))
			atomic_fetch_add(&mt.bad, 1);
	}
	return NULL;
}

/* Takes every interrupt offered and EOIs it as Linux does. */
static void *mt_vcpu(void *arg)
{
	(void)arg;
	mt_start();
	while (!atomic_load(&mt.stop)) {
		int v;

		if (!i8259_intr(mt.pic))
			continue;
		v = i8259_ack(mt.pic);
		if (v < 0 || v > 255)
			atomic_fetch_add(&mt.bad, 1);
		if (v >= 0x28 && v <= 0x2f)
			i8259_write(mt.pic, PS, OCW2_EOI);
		i8259_write(mt.pic, PM, OCW2_EOI);
		atomic_fetch_add(&mt.acks, 1);
	}
	return NULL;
}

/* Masks, ELCR and register reads: only this thread writes OCW3. */
static void *mt_ports(void *arg)
{
	uint64_t seed = 0xc0ffee;

	(void)arg;
	mt_start();
	while (!atomic_load(&mt.stop)) {
		uint64_t r = test_rand(&seed);
		uint16_t cmd = (r >> 8) & 1 ? PS : PM;

		switch (r % 5) {
		case 0:
			i8259_write(mt.pic, (uint16_t)(cmd + 1),
				    (uint8_t)(r >> 16));
			break;
		case 1:
			i8259_write(mt.pic, (r >> 9) & 1 ? ELCR1 : ELCR0,
				    (uint8_t)(r >> 16));
			break;
		case 2:
			i8259_write(mt.pic, cmd,
				    (r >> 16) & 1 ? OCW3_ISR : OCW3_IRR);
			(void)i8259_read(mt.pic, cmd);
			break;
		case 3:
			(void)i8259_read(mt.pic, (uint16_t)(cmd + 1));
			(void)i8259_read(mt.pic, ELCR0);
			break;
		default:
			(void)i8259_intr(mt.pic);
			break;
		}
	}
	return NULL;
}

START_TEST(test_concurrent_lines_acks_ports)
{
	pthread_t dev[2], vcpu, ports;
	unsigned n;

	memset(&mt, 0, sizeof(mt));
	memset(&rec, 0, sizeof(rec));
	mt.pic = i8259_create(&mt_ops);
	ck_assert_ptr_nonnull(mt.pic);
	linux_init(mt.pic);
	ck_assert_int_eq(pthread_create(&vcpu, NULL, mt_vcpu, NULL), 0);
	ck_assert_int_eq(pthread_create(&ports, NULL, mt_ports, NULL), 0);
	ck_assert_int_eq(pthread_create(&dev[0], NULL, mt_device,
					(void *)(uintptr_t)0), 0);
	ck_assert_int_eq(pthread_create(&dev[1], NULL, mt_device,
					(void *)(uintptr_t)8), 0);
	pthread_join(dev[0], NULL);
	pthread_join(dev[1], NULL);
	atomic_store(&mt.stop, 1);
	pthread_join(vcpu, NULL);
	pthread_join(ports, NULL);
	ck_assert_uint_eq(atomic_load(&mt.bad), 0);
	ck_assert_uint_eq(atomic_load(&mt.repeats), 0);
	ck_assert_uint_gt(atomic_load(&mt.acks), 0);
	ck_assert_int_eq(i8259_intr(mt.pic), atomic_load(&mt.level));
	/* Quiesce: lines low, all edge, unmasked; whatever edges are
	 * still latched come out, then nothing is left anywhere. */
	for (unsigned irq = 0; irq < I8259_NR_IRQS; irq++)
		ck_assert_int_eq(i8259_set_irq(mt.pic, irq, false), 0);
	out(mt.pic, ELCR0, 0);
	out(mt.pic, ELCR1, 0);
	out(mt.pic, PMD, 0);
	out(mt.pic, PSD, 0);
	for (n = 0; n < 64 && i8259_intr(mt.pic); n++) {
		int v = i8259_ack(mt.pic);

		if (v >= 0x28 && v <= 0x2f)
			eoi(mt.pic, PS);
		eoi(mt.pic, PM);
	}
	ck_assert_uint_lt(n, 64);
	ck_assert(!i8259_intr(mt.pic));
	ck_assert(!atomic_load(&mt.level));
	ck_assert_uint_eq(atomic_load(&mt.repeats), 0);
	ck_assert_uint_eq(isr(mt.pic, PM), 0);
	ck_assert_uint_eq(isr(mt.pic, PS), 0);
	ck_assert_uint_eq(irr(mt.pic, PM), 0);
	ck_assert_uint_eq(irr(mt.pic, PS), 0);
	/* And it still delivers. */
	ck_assert_int_eq(i8259_set_irq(mt.pic, 14, true), 0);
	ck_assert(atomic_load(&mt.level));
	ck_assert_int_eq(i8259_ack(mt.pic), 0x2e);
	ck_assert(!atomic_load(&mt.level));
	i8259_destroy(mt.pic);
}
END_TEST

static Suite *i8259_suite(void)
{
	Suite *s = suite_create("i8259");
	TCase *regs = tcase_create("registers");
	TCase *delivery = tcase_create("delivery");
	TCase *hostile = tcase_create("hostile");

	tcase_add_test(regs, test_create_checks);
	tcase_add_test(regs, test_power_on_state);
	tcase_add_test(regs, test_firmware_vector_bases);
	tcase_add_test(regs, test_icw_sequences);
	tcase_add_test(regs, test_icw1_resets);
	tcase_add_test(regs, test_ocw3_read_select);
	tcase_add_test(regs, test_elcr_reserved_bits);
	tcase_add_test(regs, test_bus_registration);
	tcase_add_test(regs, test_set_irq_bad_args);
	suite_add_tcase(s, regs);

	tcase_add_test(delivery, test_linux_init_master_edge);
	tcase_add_test(delivery, test_slave_through_cascade);
	tcase_add_test(delivery, test_priority_order);
	tcase_add_test(delivery, test_higher_nests_lower);
	tcase_add_test(delivery,
		       test_slave_locked_out_while_cascade_in_service);
	tcase_add_test(delivery, test_masked_edge_is_latched);
	tcase_add_test(delivery, test_edge_needs_low_to_high);
	tcase_add_test(delivery, test_level_elcr);
	tcase_add_test(delivery, test_elcr_to_level_follows_line);
	tcase_add_test(delivery, test_level_ltim);
	tcase_add_test(delivery, test_slave_spurious);
	tcase_add_test(delivery, test_auto_eoi);
	tcase_add_test(delivery, test_specific_eoi);
	tcase_add_test(delivery, test_rotate_on_nonspecific_eoi);
	tcase_add_test(delivery, test_set_priority);
	tcase_add_test(delivery, test_poll_mode);
	tcase_add_test(delivery, test_special_mask_mode);
	tcase_add_test(delivery, test_special_mask_ignores_in_service);
	tcase_add_test(delivery, test_set_intr_only_on_change);
	suite_add_tcase(s, delivery);

	tcase_add_test(hostile, test_garbage_never_hurts);
	tcase_add_test(hostile, test_concurrent_lines_acks_ports);
	tcase_set_timeout(hostile, 120);
	suite_add_tcase(s, hostile);
	return s;
}

CHECK_MAIN(i8259_suite)
