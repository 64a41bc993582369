// SPDX-License-Identifier: MIT
/*
 * test_pit.c - the 8254 PIT model against a fake clock: every mode's count
 * and OUT, gating through port 0x61, latches, read-back, the read/write
 * flip-flops, count 0, BCD, Linux's two TSC calibrations run step by step,
 * garbage at every port, the bus registration, the IRQ0 hook and several
 * threads at once.
 *
 * Timing (pit.c): a count written during PIT clock T is loaded at edge
 * T + 1 and decrements at every edge after that; at(k) puts the clock
 * exactly on edge k.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "bus.h"
#include "check_main.h"
#include "pit.h"
#include "test_rand.h"

#define BASE_NS 1000000000000ull /* any epoch: the model counts from create */
#define CMD 0x43
#define PORTB 0x61

struct fake_clock {
	_Atomic uint64_t ns;
};

static uint64_t fake_now(void *opaque)
{
	return atomic_load(&((struct fake_clock *)opaque)->ns);
}

/* The first nanosecond of PIT clock @tick. */
static uint64_t tick_ns(int64_t tick)
{
	uint64_t t = (uint64_t)tick;

	return t / PIT_HZ * 1000000000ull +
	       (t % PIT_HZ * 1000000000ull + PIT_HZ - 1) / PIT_HZ;
}

static void at(struct fake_clock *c, int64_t tick)
{
	atomic_store(&c->ns, BASE_NS + tick_ns(tick));
}

static void advance_ns(struct fake_clock *c, uint64_t ns)
{
	atomic_fetch_add(&c->ns, ns);
}

static struct fake_clock clk;

static struct pit *make_pit(void)
{
	const struct pit_ops ops = { .now_ns = fake_now, .opaque = &clk };
	struct pit *pit;

	atomic_store(&clk.ns, BASE_NS);
	pit = pit_create(&ops);
	ck_assert_ptr_nonnull(pit);
	return pit;
}

/* Control word: channel, access (1 LSB, 2 MSB, 3 LSB then MSB), mode. */
static void program(struct pit *p, unsigned ch, unsigned rw, unsigned mode,
		    bool bcd)
{
	pit_write(p, CMD, (uint8_t)(ch << 6 | rw << 4 | mode << 1 | bcd));
}

static void count16(struct pit *p, unsigned ch, uint16_t v)
{
	pit_write(p, (uint16_t)(0x40 + ch), v & 0xff);
	pit_write(p, (uint16_t)(0x40 + ch), v >> 8);
}

/* Latch and read a channel programmed LSB-then-MSB. */
static uint16_t latched16(struct pit *p, unsigned ch)
{
	uint16_t lo, hi;

	pit_write(p, CMD, (uint8_t)(ch << 6));
	lo = pit_read(p, (uint16_t)(0x40 + ch));
	hi = pit_read(p, (uint16_t)(0x40 + ch));
	return (uint16_t)(hi << 8 | lo);
}

/* Read-back of the status byte only. */
static uint8_t status(struct pit *p, unsigned ch)
{
	pit_write(p, CMD, (uint8_t)(0xe0 | 2u << ch));
	return pit_read(p, (uint16_t)(0x40 + ch));
}

static bool out2(struct pit *p)
{
	return pit_read(p, PORTB) & PIT_PORTB_OUT2;
}

START_TEST(test_create_checks)
{
	const struct pit_ops none = { 0 };

	ck_assert_ptr_null(pit_create(NULL));
	ck_assert_ptr_null(pit_create(&none));
	pit_destroy(NULL);
}
END_TEST

START_TEST(test_power_on_state)
{
	struct pit *p = make_pit();

	/* Mode 3, LSB/MSB, binary, count 65536; 0 and 1 run, 2 waits. */
	ck_assert_uint_eq(status(p, 0) & 0x7f, 0x36);
	ck_assert_uint_eq(status(p, 2), 0x80 | 0x36); /* gate low: OUT high */
	at(&clk, 1000);
	ck_assert_uint_eq(latched16(p, 0), (uint16_t)(65536 - 2 * 1000));
	ck_assert_uint_eq(latched16(p, 2), 0); /* never loaded */
	ck_assert_uint_eq(pit_read(p, PORTB) & 0xef, PIT_PORTB_OUT2);
	ck_assert_uint_eq(pit_read(p, CMD), 0xff); /* write-only */
	ck_assert_uint_eq(pit_read(p, 0x44), 0xff);
	pit_destroy(p);
}
END_TEST

START_TEST(test_mode0_interrupt_on_terminal_count)
{
	struct pit *p = make_pit();

	at(&clk, 10);
	program(p, 0, 3, 0, false);
	ck_assert(!pit_out(p, 0));
	ck_assert_uint_eq(status(p, 0), 0x40 | 0x30); /* null count: no count */
	count16(p, 0, 1000);
	ck_assert_uint_eq(status(p, 0) & 0xc0, 0x40); /* loaded at next edge */
	at(&clk, 11);
	ck_assert_uint_eq(status(p, 0), 0x30);
	ck_assert_uint_eq(latched16(p, 0), 1000);
	at(&clk, 11 + 999);
	ck_assert_uint_eq(latched16(p, 0), 1);
	ck_assert(!pit_out(p, 0));
	at(&clk, 11 + 1000);
	ck_assert_uint_eq(latched16(p, 0), 0);
	ck_assert(pit_out(p, 0));
	ck_assert_uint_eq(status(p, 0), 0x80 | 0x30);
	/* The counter wraps and goes on; OUT stays high. */
	at(&clk, 11 + 1001);
	ck_assert_uint_eq(latched16(p, 0), 0xffff);
	at(&clk, 11 + 1000 + 70000);
	ck_assert_uint_eq(latched16(p, 0), (uint16_t)(65536 - 70000 % 65536));
	ck_assert(pit_out(p, 0));
	/* A new count drops OUT again. */
	count16(p, 0, 5);
	ck_assert(!pit_out(p, 0));
	pit_destroy(p);
}
END_TEST

START_TEST(test_mode0_first_byte_stops_counting)
{
	struct pit *p = make_pit();

	program(p, 0, 3, 0, false);
	count16(p, 0, 500);
	at(&clk, 101);
	ck_assert_uint_eq(latched16(p, 0), 400);
	pit_write(p, 0x40, 0x34); /* LSB of the next count: counting stops */
	at(&clk, 300);
	ck_assert_uint_eq(latched16(p, 0), 400);
	ck_assert(!pit_out(p, 0));
	pit_write(p, 0x40, 0x12); /* MSB: 0x1234 loads at the next edge */
	ck_assert_uint_eq(latched16(p, 0), 400);
	at(&clk, 301);
	ck_assert_uint_eq(latched16(p, 0), 0x1234);
	at(&clk, 301 + 0x1234);
	ck_assert(pit_out(p, 0));
	pit_destroy(p);
}
END_TEST

START_TEST(test_mode0_gate_pauses)
{
	struct pit *p = make_pit();

	/* Channel 2 with GATE low: loaded, but it does not count. */
	pit_write(p, PORTB, 0);
	program(p, 2, 3, 0, false);
	count16(p, 2, 100);
	at(&clk, 50);
	ck_assert_uint_eq(latched16(p, 2), 100);
	ck_assert(!out2(p));
	pit_write(p, PORTB, PIT_PORTB_GATE2); /* counts at edges 51, 52... */
	at(&clk, 80);
	ck_assert_uint_eq(latched16(p, 2), 100 - 30);
	pit_write(p, PORTB, 0); /* held at 70 */
	at(&clk, 1000);
	ck_assert_uint_eq(latched16(p, 2), 70);
	ck_assert(!out2(p));
	pit_write(p, PORTB, PIT_PORTB_GATE2);
	at(&clk, 1000 + 69);
	ck_assert_uint_eq(latched16(p, 2), 1);
	ck_assert(!out2(p));
	at(&clk, 1000 + 70);
	ck_assert(out2(p));
	pit_write(p, PORTB, 0); /* OUT stays high while held */
	at(&clk, 5000);
	ck_assert(out2(p));
	ck_assert_uint_eq(latched16(p, 2), 0);
	pit_destroy(p);
}
END_TEST

START_TEST(test_mode1_gate_triggers_one_shot)
{
	struct pit *p = make_pit();

	program(p, 2, 3, 1, false);
	count16(p, 2, 100);
	ck_assert(out2(p));
	at(&clk, 500); /* no trigger, no count */
	ck_assert(out2(p));
	ck_assert_uint_eq(status(p, 2) & 0xc0, 0xc0); /* OUT, null count */
	pit_write(p, PORTB, PIT_PORTB_GATE2);
	at(&clk, 501);
	ck_assert(!out2(p));
	ck_assert_uint_eq(status(p, 2) & 0xc0, 0);
	ck_assert_uint_eq(latched16(p, 2), 100);
	at(&clk, 501 + 99);
	ck_assert(!out2(p));
	at(&clk, 501 + 100);
	ck_assert(out2(p));
	ck_assert_uint_eq(latched16(p, 2), 0);
	/* GATE level does not matter; only a rising edge retriggers. */
	pit_write(p, PORTB, 0);
	at(&clk, 700);
	ck_assert(out2(p));
	count16(p, 2, 50); /* for the next trigger only */
	ck_assert(out2(p));
	pit_write(p, PORTB, PIT_PORTB_GATE2);
	at(&clk, 701 + 25);
	ck_assert(!out2(p));
	ck_assert_uint_eq(latched16(p, 2), 25);
	pit_write(p, PORTB, 0); /* retrigger mid-pulse: starts over */
	pit_write(p, PORTB, PIT_PORTB_GATE2);
	at(&clk, 727 + 49);
	ck_assert(!out2(p));
	at(&clk, 727 + 50);
	ck_assert(out2(p));
	pit_destroy(p);
}
END_TEST

START_TEST(test_mode2_rate_generator)
{
	struct pit *p = make_pit();

	program(p, 0, 3, 2, false);
	ck_assert(pit_out(p, 0));
	count16(p, 0, 10);
	for (int64_t e = 0; e < 30; e++) {
		at(&clk, 1 + e);
		ck_assert_uint_eq(latched16(p, 0), 10 - e % 10);
		ck_assert_int_eq(pit_out(p, 0), e % 10 != 9); /* low at 1 */
	}
	/* A new count waits for the end of the period. */
	at(&clk, 1 + 33); /* value 7 */
	count16(p, 0, 4);
	ck_assert_uint_eq(status(p, 0) & 0x40, 0x40);
	at(&clk, 1 + 39);
	ck_assert_uint_eq(latched16(p, 0), 1);
	at(&clk, 1 + 40);
	ck_assert_uint_eq(latched16(p, 0), 4);
	ck_assert_uint_eq(status(p, 0) & 0x40, 0);
	at(&clk, 1 + 43);
	ck_assert(!pit_out(p, 0));
	at(&clk, 1 + 44);
	ck_assert_uint_eq(latched16(p, 0), 4);
	ck_assert(pit_out(p, 0));
	pit_destroy(p);
}
END_TEST

START_TEST(test_mode2_gate_stops_and_reloads)
{
	struct pit *p = make_pit();

	pit_write(p, PORTB, PIT_PORTB_GATE2);
	program(p, 2, 3, 2, false);
	count16(p, 2, 100);
	at(&clk, 1 + 99); /* count 1: OUT low */
	ck_assert(!out2(p));
	pit_write(p, PORTB, 0); /* GATE low: stops, OUT high at once */
	ck_assert(out2(p));
	at(&clk, 5000);
	ck_assert_uint_eq(latched16(p, 2), 1);
	ck_assert(out2(p));
	pit_write(p, PORTB, PIT_PORTB_GATE2); /* reload on the rising edge */
	at(&clk, 5001);
	ck_assert_uint_eq(latched16(p, 2), 100);
	at(&clk, 5001 + 99);
	ck_assert(!out2(p));
	pit_destroy(p);
}
END_TEST

START_TEST(test_mode3_square_wave)
{
	static const uint16_t even[] = { 10, 8, 6, 4, 2, 10, 8, 6, 4, 2 };
	static const uint16_t odd[] = { 6, 4, 2, 0, 6, 4, 2 };
	struct pit *p = make_pit();

	program(p, 0, 3, 3, false);
	count16(p, 0, 10);
	for (int64_t e = 0; e < 20; e++) {
		at(&clk, 1 + e);
		ck_assert_uint_eq(latched16(p, 0), even[e % 10]);
		ck_assert_int_eq(pit_out(p, 0), e % 10 < 5);
	}
	/* Odd: N-1 down by twos, high one clock longer than low. */
	program(p, 1, 3, 3, false);
	at(&clk, 100);
	count16(p, 1, 7);
	for (int64_t e = 0; e < 14; e++) {
		at(&clk, 101 + e);
		ck_assert_uint_eq(latched16(p, 1), odd[e % 7]);
		ck_assert_int_eq(pit_out(p, 1), e % 7 < 4);
	}
	pit_destroy(p);
}
END_TEST

START_TEST(test_mode3_new_count_at_half_cycle)
{
	struct pit *p = make_pit();

	program(p, 0, 3, 3, false);
	count16(p, 0, 100);
	at(&clk, 1 + 10); /* high half, until 50 */
	count16(p, 0, 20);
	at(&clk, 1 + 49);
	ck_assert(pit_out(p, 0));
	ck_assert_uint_eq(latched16(p, 0), 2);
	at(&clk, 1 + 50); /* new count, low half of 10 clocks */
	ck_assert(!pit_out(p, 0));
	ck_assert_uint_eq(latched16(p, 0), 20);
	at(&clk, 1 + 59);
	ck_assert(!pit_out(p, 0));
	at(&clk, 1 + 60);
	ck_assert(pit_out(p, 0));
	at(&clk, 1 + 70);
	ck_assert(!pit_out(p, 0));
	/* Written in the low half: takes over at the end of the cycle. */
	at(&clk, 1 + 72);
	count16(p, 0, 6);
	at(&clk, 1 + 79);
	ck_assert(!pit_out(p, 0));
	at(&clk, 1 + 80);
	ck_assert(pit_out(p, 0));
	ck_assert_uint_eq(latched16(p, 0), 6);
	at(&clk, 1 + 83);
	ck_assert(!pit_out(p, 0));
	pit_destroy(p);
}
END_TEST

START_TEST(test_mode4_software_strobe)
{
	struct pit *p = make_pit();

	program(p, 0, 3, 4, false);
	ck_assert(pit_out(p, 0));
	count16(p, 0, 5);
	for (int64_t e = 0; e < 12; e++) {
		at(&clk, 1 + e);
		ck_assert_uint_eq(latched16(p, 0), (uint16_t)(5 - e));
		ck_assert_int_eq(pit_out(p, 0), e != 5);
	}
	/* The strobe comes once; the wrapped counter does not repeat it. */
	at(&clk, 1 + 5 + 65536);
	ck_assert(pit_out(p, 0));
	/* Mode 4: the first byte of a count does not stop it. */
	at(&clk, 100000);
	count16(p, 0, 300);
	at(&clk, 100001 + 100);
	pit_write(p, 0x40, 0x10);
	at(&clk, 100001 + 150);
	ck_assert_uint_eq(latched16(p, 0), 150);
	pit_destroy(p);
}
END_TEST

START_TEST(test_mode5_hardware_strobe)
{
	struct pit *p = make_pit();

	program(p, 2, 3, 5, false);
	count16(p, 2, 8);
	at(&clk, 100);
	ck_assert(out2(p));
	pit_write(p, PORTB, PIT_PORTB_GATE2);
	for (int64_t e = 0; e < 12; e++) {
		at(&clk, 101 + e);
		ck_assert_int_eq(out2(p), e != 8);
	}
	/* Modes 6 and 7 are 2 and 3 (bit 2 ignored); status shows them. */
	at(&clk, 200);
	program(p, 0, 3, 6, false);
	count16(p, 0, 4);
	at(&clk, 201 + 3);
	ck_assert(!pit_out(p, 0));
	ck_assert_uint_eq(status(p, 0) & 0x0e, 6 << 1);
	program(p, 0, 3, 7, false);
	at(&clk, 300);
	count16(p, 0, 4);
	at(&clk, 301 + 2);
	ck_assert(!pit_out(p, 0));
	pit_destroy(p);
}
END_TEST

START_TEST(test_latch_holds_and_latches_once)
{
	struct pit *p = make_pit();

	program(p, 0, 3, 0, false);
	count16(p, 0, 0xffff);
	at(&clk, 1 + 0x100);
	pit_write(p, CMD, 0x00); /* latch channel 0 */
	at(&clk, 1 + 0x300);
	pit_write(p, CMD, 0x00); /* ignored: still latched */
	ck_assert_uint_eq(pit_read(p, 0x40), 0xff);
	at(&clk, 1 + 0x500);
	ck_assert_uint_eq(pit_read(p, 0x40), 0xfe);
	/* Released: live reads, then a new latch takes the new value. */
	ck_assert_uint_eq(pit_read(p, 0x40), 0xff);
	ck_assert_uint_eq(pit_read(p, 0x40), 0xfa);
	ck_assert_uint_eq(latched16(p, 0), 0xffff - 0x500);
	/* One latched byte in LSB-only and MSB-only modes. */
	program(p, 1, 1, 0, false);
	pit_write(p, 0x41, 0x80);
	at(&clk, 1 + 0x500 + 1 + 0x10);
	pit_write(p, CMD, 0x40);
	ck_assert_uint_eq(pit_read(p, 0x41), 0x70);
	ck_assert_uint_eq(pit_read(p, 0x41), 0x70); /* live, same time */
	program(p, 1, 2, 0, false);
	pit_write(p, 0x41, 0x80); /* 0x8000 */
	at(&clk, 1 + 0x500 + 1 + 0x10 + 1 + 0x300);
	pit_write(p, CMD, 0x40);
	at(&clk, 1 + 0x500 + 1 + 0x10 + 1 + 0x900);
	ck_assert_uint_eq(pit_read(p, 0x41), 0x7d);
	ck_assert_uint_eq(pit_read(p, 0x41), 0x77); /* live */
	pit_destroy(p);
}
END_TEST

START_TEST(test_read_back_status_and_count)
{
	struct pit *p = make_pit();

	pit_write(p, PORTB, PIT_PORTB_GATE2);
	program(p, 2, 3, 0, false); /* Linux's 0xb0 */
	count16(p, 2, 1000);
	at(&clk, 1 + 100);
	pit_write(p, CMD, 0xc8); /* status and count of channel 2 */
	at(&clk, 1 + 600);
	pit_write(p, CMD, 0xc8); /* latched once: ignored */
	ck_assert_uint_eq(pit_read(p, 0x42), 0x30); /* status first */
	ck_assert_uint_eq(pit_read(p, 0x42), 900 & 0xff);
	ck_assert_uint_eq(pit_read(p, 0x42), 900 >> 8);
	ck_assert_uint_eq(pit_read(p, 0x42), 400 & 0xff); /* live again */
	/* Count latched before status: the status still reads first. */
	pit_write(p, CMD, 0xd8); /* count only */
	pit_write(p, CMD, 0xe8); /* status only */
	at(&clk, 1 + 1000);
	ck_assert_uint_eq(pit_read(p, 0x42), 0x30);
	ck_assert_uint_eq(pit_read(p, 0x42), 400 & 0xff);
	ck_assert_uint_eq(pit_read(p, 0x42), 400 >> 8);
	/* Status of several channels at once; OUT now high. */
	program(p, 1, 1, 4, true);
	pit_write(p, CMD, 0xee); /* status of 0, 1 and 2 */
	ck_assert_uint_eq(pit_read(p, 0x40) & 0x7f, 0x36);
	ck_assert_uint_eq(pit_read(p, 0x41), 0x80 | 0x40 | 0x10 | 4 << 1 | 1);
	ck_assert_uint_eq(pit_read(p, 0x42), 0x80 | 0x30);
	/* Bit 0 (reserved) set, no channel selected: nothing latched, so
	 * two reads at the same time give the same live byte. */
	pit_write(p, CMD, 0xc1);
	ck_assert_uint_eq(pit_read(p, 0x41), pit_read(p, 0x41));
	pit_destroy(p);
}
END_TEST

START_TEST(test_flip_flops)
{
	struct pit *p = make_pit();

	program(p, 0, 3, 0, false);
	count16(p, 0, 0x1234);
	at(&clk, 1);
	ck_assert_uint_eq(pit_read(p, 0x40), 0x34);
	ck_assert_uint_eq(pit_read(p, 0x40), 0x12);
	ck_assert_uint_eq(pit_read(p, 0x40), 0x34);
	/* A control word resets both flip-flops. */
	program(p, 0, 3, 0, false);
	ck_assert_uint_eq(pit_read(p, 0x40), 0x34);
	pit_write(p, 0x40, 0x78);
	program(p, 0, 3, 0, false);
	count16(p, 0, 0x0100);
	at(&clk, 2);
	ck_assert_uint_eq(latched16(p, 0), 0x0100);
	/* LSB only: the MSB is 0; MSB only: the LSB is 0. */
	program(p, 0, 1, 0, false);
	pit_write(p, 0x40, 0xff);
	at(&clk, 3 + 0x0f);
	ck_assert_uint_eq(pit_read(p, 0x40), 0xf0);
	ck_assert_uint_eq(pit_read(p, 0x40), 0xf0);
	at(&clk, 3 + 0xff);
	ck_assert(pit_out(p, 0));
	program(p, 0, 2, 0, false);
	pit_write(p, 0x40, 0x02); /* 0x0200, loaded at edge 259 */
	at(&clk, 259 + 0x100);
	ck_assert_uint_eq(pit_read(p, 0x40), 0x01);
	ck_assert_uint_eq(pit_read(p, 0x40), 0x01);
	pit_destroy(p);
}
END_TEST

START_TEST(test_count_zero_is_largest)
{
	struct pit *p = make_pit();

	program(p, 0, 3, 0, false);
	count16(p, 0, 0);
	at(&clk, 1);
	ck_assert_uint_eq(latched16(p, 0), 0);
	at(&clk, 2);
	ck_assert_uint_eq(latched16(p, 0), 0xffff);
	at(&clk, 65536);
	ck_assert(!pit_out(p, 0));
	at(&clk, 65537);
	ck_assert(pit_out(p, 0));
	/* Mode 2 with 0: a 65536-clock period. */
	program(p, 0, 3, 2, false);
	at(&clk, 100000);
	count16(p, 0, 0);
	at(&clk, 100001 + 65535);
	ck_assert(!pit_out(p, 0));
	ck_assert_uint_eq(latched16(p, 0), 1);
	at(&clk, 100001 + 65536);
	ck_assert(pit_out(p, 0));
	/* BCD 0 is 10000. */
	program(p, 0, 3, 0, true);
	at(&clk, 200000);
	count16(p, 0, 0);
	at(&clk, 200001 + 9999);
	ck_assert(!pit_out(p, 0));
	ck_assert_uint_eq(latched16(p, 0), 0x0001);
	at(&clk, 200001 + 10000);
	ck_assert(pit_out(p, 0));
	pit_destroy(p);
}
END_TEST

START_TEST(test_bcd)
{
	struct pit *p = make_pit();

	program(p, 0, 3, 0, true);
	count16(p, 0, 0x1234);
	at(&clk, 1 + 35);
	ck_assert_uint_eq(latched16(p, 0), 0x1199);
	at(&clk, 1 + 1234);
	ck_assert_uint_eq(latched16(p, 0), 0x0000);
	ck_assert(pit_out(p, 0));
	at(&clk, 1 + 1235); /* wraps to 9999 */
	ck_assert_uint_eq(latched16(p, 0), 0x9999);
	ck_assert_uint_eq(status(p, 0) & 1, 1);
	/* Mode 2 in BCD: decimal period. */
	program(p, 0, 3, 2, true);
	at(&clk, 5000);
	count16(p, 0, 0x0100);
	at(&clk, 5001 + 1);
	ck_assert_uint_eq(latched16(p, 0), 0x0099);
	at(&clk, 5001 + 100);
	ck_assert_uint_eq(latched16(p, 0), 0x0100);
	/* Digits above 9 (undefined on the chip): weighted, modulo 10000. */
	program(p, 0, 3, 0, true);
	at(&clk, 6000);
	count16(p, 0, 0x00a0); /* 10 * 10 = 100 */
	at(&clk, 6001);
	ck_assert_uint_eq(latched16(p, 0), 0x0100);
	pit_destroy(p);
}
END_TEST

START_TEST(test_port61)
{
	struct pit *p = make_pit();
	uint8_t a, b;

	ck_assert_uint_eq(pit_read(p, PORTB) & 0x0f, 0);
	pit_write(p, PORTB, 0xff); /* only bits 0-3 stick */
	a = pit_read(p, PORTB);
	b = pit_read(p, PORTB);
	ck_assert_uint_eq(a & 0x0f, 0x0f);
	ck_assert_uint_eq(a & 0xc0, 0); /* no NMI sources */
	ck_assert_uint_eq((a ^ b) & PIT_PORTB_REFRESH, PIT_PORTB_REFRESH);
	ck_assert_uint_eq((a ^ b) & ~PIT_PORTB_REFRESH, 0);
	pit_write(p, PORTB, PIT_PORTB_SPEAKER);
	ck_assert_uint_eq(pit_read(p, PORTB) & 0x0f, PIT_PORTB_SPEAKER);
	/* Bit 5 is channel 2's OUT, whatever is written there. */
	program(p, 2, 3, 0, false);
	count16(p, 2, 10);
	pit_write(p, PORTB, PIT_PORTB_GATE2 | PIT_PORTB_OUT2);
	ck_assert(!out2(p));
	at(&clk, 11);
	ck_assert(out2(p));
	pit_write(p, PORTB, PIT_PORTB_GATE2);
	ck_assert(out2(p));
	pit_destroy(p);
}
END_TEST

/* Linux's pit_calibrate_tsc(): every port access costs @io_ns. */
#define IO_NS 1500

static uint8_t inb_slow(struct pit *p, uint16_t port)
{
	advance_ns(&clk, IO_NS);
	return pit_read(p, port);
}

static void outb_slow(struct pit *p, uint8_t v, uint16_t port)
{
	advance_ns(&clk, IO_NS);
	pit_write(p, port, v);
}

START_TEST(test_linux_pit_calibrate_tsc)
{
	const uint32_t latch = PIT_HZ / 100; /* CAL_LATCH: 10 ms */
	struct pit *p = make_pit();
	uint64_t t1, t2;
	unsigned pitcnt = 0;

	outb_slow(p, (inb_slow(p, PORTB) & ~0x02) | 0x01, PORTB);
	outb_slow(p, 0xb0, CMD);
	outb_slow(p, latch & 0xff, 0x42);
	outb_slow(p, (uint8_t)(latch >> 8), 0x42);
	t1 = t2 = atomic_load(&clk.ns); /* the "TSC": 1 GHz */
	while ((inb_slow(p, PORTB) & 0x20) == 0) {
		t2 = atomic_load(&clk.ns);
		pitcnt++;
		ck_assert_uint_lt(pitcnt, 1000000);
	}
	ck_assert_uint_ge(pitcnt, 1000); /* CAL_PIT_LOOPS */
	/* (t2 - t1) / 10 ms: 1,000,000 kHz within one poll (0.015%). */
	ck_assert_uint_ge((t2 - t1) / 10, 1000000 - 300);
	ck_assert_uint_le((t2 - t1) / 10, 1000000 + 300);
	pit_destroy(p);
}
END_TEST

/* quick_pit_calibrate() and its helpers, with the 1 GHz fake TSC. */
static bool pit_verify_msb(struct pit *p, uint8_t val)
{
	inb_slow(p, 0x42); /* ignore the LSB */
	return inb_slow(p, 0x42) == val;
}

static bool pit_expect_msb(struct pit *p, uint8_t val, uint64_t *tscp,
			   uint64_t *deltap)
{
	uint64_t tsc = 0, prev_tsc = 0;
	int count;

	for (count = 0; count < 50000; count++) {
		if (!pit_verify_msb(p, val))
			break;
		prev_tsc = tsc;
		tsc = atomic_load(&clk.ns);
	}
	*deltap = atomic_load(&clk.ns) - prev_tsc;
	*tscp = tsc;
	return count > 5;
}

START_TEST(test_linux_quick_pit_calibrate)
{
	const int max_iter = 50 * PIT_HZ / 1000 / 256;
	struct pit *p = make_pit();
	uint64_t tsc, delta, d1, d2, khz = 0;
	int i;

	outb_slow(p, (inb_slow(p, PORTB) & ~0x02) | 0x01, PORTB);
	outb_slow(p, 0xb0, CMD);
	outb_slow(p, 0xff, 0x42);
	outb_slow(p, 0xff, 0x42);
	pit_verify_msb(p, 0);
	ck_assert(pit_expect_msb(p, 0xff, &tsc, &d1));
	for (i = 1; i <= max_iter; i++) {
		ck_assert_msg(pit_expect_msb(p, (uint8_t)(0xff - i), &delta, &d2),
			      "MSB %#x never came", 0xff - i);
		delta -= tsc;
		ck_assert(!(i == 1 && d1 + d2 >= (delta * max_iter) >> 11));
		if (d1 + d2 >= delta >> 11)
			continue;
		ck_assert(pit_verify_msb(p, (uint8_t)(0xfe - i)));
		khz = delta * PIT_HZ / ((uint64_t)i * 256 * 1000);
		break;
	}
	ck_assert_int_le(i, max_iter);
	/* Linux stops once its error is below 500 ppm. */
	ck_assert_uint_ge(khz, 1000000 - 500);
	ck_assert_uint_le(khz, 1000000 + 500);
	pit_destroy(p);
}
END_TEST

START_TEST(test_garbage_never_hurts)
{
	static const uint16_t ports[] = { 0x40, 0x41, 0x42, 0x43, 0x61,
					  0x3f, 0x44, 0x60, 0x62 };
	struct pit *p = make_pit();
	uint64_t s = 0x9e3779b97f4a7c15ull;

	/* Every control word, then reads of every port. */
	for (unsigned v = 0; v < 256; v++) {
		pit_write(p, CMD, (uint8_t)v);
		for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
			(void)pit_read(p, ports[i]);
		pit_write(p, (uint16_t)(0x40 + v % 3), (uint8_t)v);
		ck_assert_uint_eq(pit_read(p, PORTB) & 0xc0, 0);
	}
	for (unsigned i = 0; i < 200000; i++) {
		uint64_t r = test_rand(&s);
		uint16_t port = ports[r % (sizeof(ports) / sizeof(ports[0]))];

		switch ((r >> 8) % 8) {
		case 0:
			advance_ns(&clk, (r >> 16) % 100000);
			break;
		case 1:
			if (!(r & 0x3ff0000)) /* now and then hours */
				advance_ns(&clk, (r >> 20) % (4ull << 40));
			break;
		case 2:
			(void)pit_next_event_ns(p);
			pit_poll(p);
			(void)pit_out(p, (unsigned)(r >> 16) % 5);
			break;
		case 3:
		case 4:
			(void)pit_read(p, port);
			break;
		default:
			pit_write(p, port, (uint8_t)(r >> 16));
			break;
		}
	}
	/* Still a working PIT. */
	program(p, 0, 3, 0, false);
	count16(p, 0, 3);
	ck_assert(!pit_out(p, 0));
	advance_ns(&clk, 10000);
	ck_assert(pit_out(p, 0));
	pit_destroy(p);
}
END_TEST

START_TEST(test_clock_going_backwards)
{
	struct pit *p = make_pit();

	program(p, 0, 3, 0, false);
	count16(p, 0, 100);
	at(&clk, 51);
	ck_assert_uint_eq(latched16(p, 0), 50);
	atomic_store(&clk.ns, BASE_NS - 5000000); /* before creation */
	ck_assert_uint_eq(latched16(p, 0), 50);   /* time stands still */
	at(&clk, 61);
	ck_assert_uint_eq(latched16(p, 0), 40);
	pit_destroy(p);
}
END_TEST

START_TEST(test_bus_registration)
{
	struct pit *p = make_pit();
	struct bus bus;
	uint8_t buf[4] = { 0 };

	bus_init(&bus, "pio");
	ck_assert_int_eq(pit_register(NULL, &bus), -EINVAL);
	ck_assert_int_eq(pit_register(p, &bus), 0);
	ck_assert_int_eq(pit_register(p, &bus), -EEXIST);
	/* Linux's sequence through the bus. */
	buf[0] = 0xb0;
	ck_assert(bus_access(&bus, 0, 0x43, buf, 1, true));
	buf[0] = 0x10;
	buf[1] = 0x00;
	ck_assert(bus_access(&bus, 0, 0x42, buf, 1, true));
	ck_assert(bus_access(&bus, 0, 0x42, buf + 1, 1, true));
	buf[0] = PIT_PORTB_GATE2;
	ck_assert(bus_access(&bus, 0, 0x61, buf, 1, true));
	ck_assert(bus_access(&bus, 0, 0x61, buf, 1, false));
	ck_assert_uint_eq(buf[0] & (PIT_PORTB_GATE2 | PIT_PORTB_OUT2),
			  PIT_PORTB_GATE2);
	at(&clk, 100);
	ck_assert(bus_access(&bus, 0, 0x61, buf, 1, false));
	ck_assert_uint_eq(buf[0] & PIT_PORTB_OUT2, PIT_PORTB_OUT2);
	/* inl 0x40: four byte reads, 0x43 floating. */
	ck_assert(bus_access(&bus, 0, 0x40, buf, 4, false));
	ck_assert_uint_eq(buf[3], 0xff);
	/* Port 0x61 is one byte: a word there is not the PIT's. */
	ck_assert(!bus_access(&bus, 0, 0x61, buf, 2, false));
	pit_destroy(p);
}
END_TEST

/* What raise_irq was told. */
static struct {
	struct fake_clock clk;
	struct {
		unsigned calls;
		bool level;
	} log;
} irqc;

static uint64_t irqc_now(void *opaque)
{
	(void)opaque;
	return atomic_load(&irqc.clk.ns);
}

static void irqc_raise(void *opaque, bool level)
{
	(void)opaque;
	irqc.log.calls++;
	irqc.log.level = level;
}

START_TEST(test_irq0_hook_and_next_event)
{
	const struct pit_ops ops = { .now_ns = irqc_now,
				     .raise_irq = irqc_raise };
	struct pit *p;
	uint64_t when;

	atomic_store(&irqc.clk.ns, 5000);
	p = pit_create(&ops);
	ck_assert_ptr_nonnull(p);
	/* Linux's periodic tick: mode 2, LATCH for 1000 Hz. */
	pit_write(p, CMD, 0x34);
	pit_write(p, 0x40, 1193 & 0xff);
	pit_write(p, 0x40, 1193 >> 8);
	ck_assert_uint_eq(irqc.log.calls, 0); /* OUT stayed high */
	when = pit_next_event_ns(p);
	ck_assert_uint_eq(when, 5000 + tick_ns(1 + 1193));
	/* Just before the rise, OUT is low (count 1): reported. */
	atomic_store(&irqc.clk.ns, 5000 + tick_ns(1193));
	pit_poll(p);
	ck_assert_uint_eq(irqc.log.calls, 1);
	ck_assert(!irqc.log.level);
	atomic_store(&irqc.clk.ns, when);
	pit_poll(p);
	ck_assert_uint_eq(irqc.log.calls, 2);
	ck_assert(irqc.log.level);
	ck_assert_uint_eq(pit_next_event_ns(p), 5000 + tick_ns(1 + 2 * 1193));
	/* Mode 0 one-shot: one rise, then none. */
	pit_write(p, CMD, 0x30);
	ck_assert_uint_eq(irqc.log.calls, 3); /* mode 0: OUT low */
	pit_write(p, 0x40, 10);
	pit_write(p, 0x40, 0);
	when = pit_next_event_ns(p);
	atomic_store(&irqc.clk.ns, when);
	pit_poll(p);
	ck_assert(irqc.log.level);
	ck_assert_uint_eq(pit_next_event_ns(p), UINT64_MAX);
	pit_destroy(p);
}
END_TEST

/* Rises counted from the raise_irq calls, and the last armed deadline. */
static struct {
	unsigned rises, calls;
	bool level;
	uint64_t armed;
	unsigned arms;
} edge;

static void edge_raise(void *opaque, bool level)
{
	(void)opaque;
	if (level && !edge.level)
		edge.rises++;
	edge.level = level;
	edge.calls++;
}

static void edge_arm(void *opaque, uint64_t deadline_ns)
{
	(void)opaque;
	edge.armed = deadline_ns;
	edge.arms++;
}

START_TEST(test_irq0_unseen_pulse_and_timer_arm)
{
	const struct pit_ops ops = { .now_ns = irqc_now,
				     .raise_irq = edge_raise,
				     .timer_arm = edge_arm };
	struct pit *p;

	memset(&edge, 0, sizeof(edge));
	edge.level = true; /* power-on mode 3 starts high */
	atomic_store(&irqc.clk.ns, 7000);
	p = pit_create(&ops);
	ck_assert_ptr_nonnull(p);
	pit_poll(p); /* arms the power-on square wave's first rise */
	ck_assert_uint_eq(edge.arms, 1);
	ck_assert_uint_eq(edge.armed, pit_next_event_ns(p));
	/* Mode 2 at 1000 Hz, polled only when the armed timer fires: the
	 * one-clock low pulse is never seen, yet every period is an edge. */
	pit_write(p, CMD, 0x34);
	pit_write(p, 0x40, 1193 & 0xff);
	pit_write(p, 0x40, 1193 >> 8);
	edge.rises = 0;
	for (unsigned i = 0; i < 5; i++) {
		uint64_t when = edge.armed;

		ck_assert_uint_eq(when, pit_next_event_ns(p));
		atomic_store(&irqc.clk.ns, when + 3000); /* a late timer */
		pit_poll(p);
		ck_assert_uint_eq(edge.rises, i + 1);
		ck_assert(edge.level);
		ck_assert_uint_gt(edge.armed, when);
	}
	/* Stopped (mode 0 waiting for its count): disarmed. */
	pit_write(p, CMD, 0x30);
	ck_assert_uint_eq(edge.armed, 0);
	pit_destroy(p);
}
END_TEST

/* Several vCPUs at once (for TSan): a real clock, every port. */
static uint64_t mono_now(void *opaque)
{
	struct timespec ts;

	(void)opaque;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *hammer(void *arg)
{
	struct pit *p = arg;
	uint64_t s = (uint64_t)(uintptr_t)&s | 1;

	for (unsigned i = 0; i < 20000; i++) {
		uint64_t r = test_rand(&s);
		uint16_t port = (uint16_t)(r % 3 ? 0x40 + (r >> 8) % 4 : 0x61);

		if (r & 0x10000)
			pit_write(p, port, (uint8_t)(r >> 24));
		else
			(void)pit_read(p, port);
	}
	return NULL;
}

START_TEST(test_concurrent_vcpus)
{
	const struct pit_ops ops = { .now_ns = mono_now };
	struct pit *p = pit_create(&ops);
	pthread_t th[4];

	ck_assert_ptr_nonnull(p);
	for (unsigned i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, hammer, p);
	for (unsigned i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	pit_write(p, CMD, 0x30);
	pit_write(p, 0x40, 0xff);
	pit_write(p, 0x40, 0xff);
	ck_assert(!pit_out(p, 0));
	pit_destroy(p);
}
END_TEST

static Suite *pit_suite(void)
{
	Suite *s = suite_create("pit");
	TCase *modes = tcase_create("modes");
	TCase *regs = tcase_create("registers");
	TCase *guests = tcase_create("guests");

	tcase_add_test(modes, test_create_checks);
	tcase_add_test(modes, test_power_on_state);
	tcase_add_test(modes, test_mode0_interrupt_on_terminal_count);
	tcase_add_test(modes, test_mode0_first_byte_stops_counting);
	tcase_add_test(modes, test_mode0_gate_pauses);
	tcase_add_test(modes, test_mode1_gate_triggers_one_shot);
	tcase_add_test(modes, test_mode2_rate_generator);
	tcase_add_test(modes, test_mode2_gate_stops_and_reloads);
	tcase_add_test(modes, test_mode3_square_wave);
	tcase_add_test(modes, test_mode3_new_count_at_half_cycle);
	tcase_add_test(modes, test_mode4_software_strobe);
	tcase_add_test(modes, test_mode5_hardware_strobe);
	tcase_add_test(modes, test_count_zero_is_largest);
	tcase_add_test(modes, test_bcd);
	suite_add_tcase(s, modes);

	tcase_add_test(regs, test_latch_holds_and_latches_once);
	tcase_add_test(regs, test_read_back_status_and_count);
	tcase_add_test(regs, test_flip_flops);
	tcase_add_test(regs, test_port61);
	tcase_add_test(regs, test_bus_registration);
	tcase_add_test(regs, test_irq0_hook_and_next_event);
	tcase_add_test(regs, test_irq0_unseen_pulse_and_timer_arm);
	suite_add_tcase(s, regs);

	tcase_add_test(guests, test_linux_pit_calibrate_tsc);
	tcase_add_test(guests, test_linux_quick_pit_calibrate);
	tcase_add_test(guests, test_garbage_never_hurts);
	tcase_add_test(guests, test_clock_going_backwards);
	tcase_add_test(guests, test_concurrent_vcpus);
	tcase_set_timeout(guests, 60);
	suite_add_tcase(s, guests);
	return s;
}

CHECK_MAIN(pit_suite)
