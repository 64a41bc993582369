/* SPDX-License-Identifier: MIT */
/*
 * power.h - the ways a guest ends a run: QEMU's isa-debug-exit port (0xf4),
 * ACPI PM1a control (S5 power-off, port 0x604 as QEMU's SeaBIOS sets it) and
 * the reset control register (0xcf9).
 */
#ifndef IPIVIRT_POWER_H
#define IPIVIRT_POWER_H

#include "vm.h"

#define DEBUG_EXIT_PORT 0xf4
#define ACPI_PM_BASE 0x600
#define ACPI_PM1A_EVT 0x600 /* 4 bytes: status, enable */
#define ACPI_PM1A_CNT 0x604 /* 2 bytes */
#define ACPI_PM_TMR 0x608   /* 4 bytes, 3.579545 MHz: pm_timer.c */
#define RESET_CONTROL_PORT 0xcf9

int power__register(struct vm *vm);

#endif
