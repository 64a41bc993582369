/* SPDX-License-Identifier: MIT */
/*
 * power.h - the ways a guest ends a run: QEMU's isa-debug-exit port (0xf4),
 * ACPI PM1a control (S5 power-off, port 0x604 as QEMU's SeaBIOS sets it) and
 * the reset control register (0xcf9).
 */
#ifndef IPIVIRT_POWER_H
#define IPIVIRT_POWER_H

#include <stdatomic.h>
#include <stdint.h>

#include "bus.h"

#define DEBUG_EXIT_PORT 0xf4
#define ACPI_PM_BASE 0x600
#define ACPI_PM1A_EVT 0x600 /* 4 bytes: status, enable */
#define ACPI_PM1A_CNT 0x604 /* 2 bytes */
#define ACPI_PM_TMR 0x608   /* 4 bytes, 3.579545 MHz: pm_timer.c */
#define RESET_CONTROL_PORT 0xcf9

/* What the guest asked for; @code is the debug-exit status (v << 1) | 1. */
enum power_request { POWER_DEBUG_EXIT, POWER_OFF, POWER_RESET };
typedef void power_request_fn(void *opaque, enum power_request req, int code);

struct power {
	power_request_fn *request;
	void *opaque;
	_Atomic uint16_t pm1_enable; /* PM1a_EN as the guest wrote it */
};

/* Put the three port ranges of @pw on @pio; @request ends the run. */
int power__register(struct power *pw, struct bus *pio,
		    power_request_fn *request, void *opaque);

#endif
