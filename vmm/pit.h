/* SPDX-License-Identifier: MIT */
/*
 * pit.h - the Intel 8254 programmable interval timer (PIT) of a PC, with
 * the system control port B (0x61) that gates and reads its channel 2.
 *
 * Why a guest needs it: Linux on AMD never reads CPUID 0x15; it learns the
 * TSC rate by counting TSC cycles while channel 2 counts down
 * (quick_pit_calibrate(), pit_calibrate_tsc()). Pure model: no KVM, no
 * globals, time from the now_ns() hook, a lock inside (vCPUs share it).
 */
#ifndef IPIVIRT_PIT_H
#define IPIVIRT_PIT_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"

#define PIT_HZ 1193182u       /* 14.31818 MHz / 12 */
#define PIT_PORT_BASE 0x40    /* counters 0-2 at 0x40-0x42, command at 0x43 */
#define PIT_NR_PORTS 4
#define PIT_PORT_CONTROL_B 0x61 /* NMI status and control / port B */
#define PIT_NR_CHANNELS 3

/* Port 0x61 bits. */
#define PIT_PORTB_GATE2 0x01   /* channel 2 GATE input */
#define PIT_PORTB_SPEAKER 0x02 /* speaker data enable (stored only) */
#define PIT_PORTB_WRITABLE 0x0f /* + parity / IOCHK NMI disables (stored) */
#define PIT_PORTB_REFRESH 0x10 /* toggles on every read */
#define PIT_PORTB_OUT2 0x20    /* channel 2 OUT, read-only */

/**
 * struct pit_ops - what the PIT needs from its VMM.
 * @now_ns: a monotonic clock in nanoseconds (any epoch); required.
 * @raise_irq: optional: channel 0's OUT line (IRQ0 on a PC) changed to
 *	@level. Called with the PIT's lock held, so it must not call back
 *	into the PIT. It is called when an access or pit_poll() observes a
 *	change, and a rise that passed unseen between two looks (mode 2's
 *	one-clock low pulse) is replayed as false, true.
 * @timer_arm: optional, with @raise_irq: channel 0's next rise is now at
 *	@deadline_ns (now_ns clock), 0 when none is coming. The VMM arms a
 *	host timer and calls pit_poll() when it fires. Lock held, as above.
 *	Called from accesses and pit_poll(); call pit_poll() once after
 *	creation to arm the first one.
 * @opaque: passed to all three.
 */
struct pit_ops {
	uint64_t (*now_ns)(void *opaque);
	void (*raise_irq)(void *opaque, bool level);
	void (*timer_arm)(void *opaque, uint64_t deadline_ns);
	void *opaque;
};

struct pit;

/**
 * pit_create() - a PIT in its power-on state: every channel in mode 3
 * (square wave), LSB-then-MSB access, count 0 (65536); channels 0 and 1
 * run (their GATE is tied high), channel 2 waits for port 0x61 bit 0.
 * Time starts now (@ops->now_ns()).
 * Return: the PIT, or NULL when out of memory or @ops has no now_ns.
 */
struct pit *pit_create(const struct pit_ops *ops);
void pit_destroy(struct pit *pit);

/**
 * pit_register() - claim ports 0x40-0x43 and 0x61 on @pio. Wider
 * accesses are split into byte accesses at consecutive ports, as an ISA
 * bus does.
 * Return: 0 or a negative errno from bus_register().
 */
int pit_register(struct pit *pit, struct bus *pio);

/**
 * pit_read() / pit_write() - one byte access at I/O port @port (0x40-0x43
 * or 0x61; anything else reads 0xff and ignores writes). Every value at
 * every port is accepted: garbage changes state the way it would on the
 * chip, never crashes or blocks.
 */
uint8_t pit_read(struct pit *pit, uint16_t port);
void pit_write(struct pit *pit, uint16_t port, uint8_t value);

/**
 * pit_out() - channel @ch's OUT line now (false for a bad @ch).
 */
bool pit_out(struct pit *pit, unsigned ch);

/**
 * pit_poll() - bring channel 0's OUT up to date, calling raise_irq on a
 * change.
 */
void pit_poll(struct pit *pit);

/**
 * pit_next_event_ns() - when (on the now_ns() clock) channel 0's OUT
 * next rises, the edge that raises IRQ0.
 * Return: that time, or UINT64_MAX when no rise is coming (stopped,
 * waiting for a count or a gate, or already high for good).
 */
uint64_t pit_next_event_ns(struct pit *pit);

#endif
