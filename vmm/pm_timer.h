/* SPDX-License-Identifier: MIT */
/*
 * pm_timer.h - the ACPI power management timer: a free-running 24-bit
 * counter at 3.579545 MHz in one 4-byte I/O register (the FADT's
 * PM_TMR_BLK). Guests calibrate the TSC against it and Linux can use it as
 * a clocksource. Pure model: no KVM, no globals, time from now_ns().
 */
#ifndef IPIVIRT_PM_TIMER_H
#define IPIVIRT_PM_TIMER_H

#include <stdint.h>

#include "bus.h"

#define PM_TIMER_HZ 3579545u
/*
 * 24 bits, not 32: the FADT leaves TMR_VAL_EXT (flags bit 8) clear
 * (firmware_tables.c), which tells the guest the counter wraps at 2^24
 * (every 4.69 s); bits 31:24 read as 0. Linux's acpi_pm masks to 24 bits
 * either way, so 24 is what every guest handles.
 */
#define PM_TIMER_MASK 0xffffffu
#define PM_TIMER_LEN 4

/**
 * struct pm_timer_ops - @now_ns: a monotonic clock in nanoseconds, any
 * epoch (required); @opaque: passed to it.
 */
struct pm_timer_ops {
	uint64_t (*now_ns)(void *opaque);
	void *opaque;
};

struct pm_timer;

/**
 * pm_timer_create() - a PM timer reading 0 now and counting from there.
 * Return: the timer, or NULL when out of memory or @ops has no now_ns.
 */
struct pm_timer *pm_timer_create(const struct pm_timer_ops *ops);
void pm_timer_destroy(struct pm_timer *tmr);

/**
 * pm_timer_read() - the counter now: 3.579545 MHz ticks since creation,
 * modulo 2^24. Safe from any thread (the model has no mutable state).
 */
uint32_t pm_timer_read(struct pm_timer *tmr);

/**
 * pm_timer_register() - claim the 4 ports at @port on @pio. Reads of any
 * width return the matching bytes of the counter; writes are ignored (the
 * register is read-only).
 * Return: 0 or a negative errno from bus_register().
 */
int pm_timer_register(struct pm_timer *tmr, struct bus *pio, uint16_t port);

#endif
