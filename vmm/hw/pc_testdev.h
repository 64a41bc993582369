/* SPDX-License-Identifier: MIT */
/*
 * pc_testdev.h - QEMU's pc-testdev, the ports test kernels written for
 * QEMU use to drive interrupt lines and check port I/O:
 *   0x2000 + n (n < 24): write a byte: ISA IRQ line n goes to (byte != 0);
 *                        read: 0.
 *   0xe0 - 0xe3:         a 32-bit scratch register (reads what was written).
 * QEMU's page-flush port (0xe4) and its MMIO window are not modelled: they
 * test QEMU's memory core, not interrupts.
 */
#ifndef IPIVIRT_PC_TESTDEV_H
#define IPIVIRT_PC_TESTDEV_H

#include "bus.h"
#include "isa_irq.h"

#define PC_TESTDEV_IRQ_BASE 0x2000
#define PC_TESTDEV_NR_LINES 24
#define PC_TESTDEV_SCRATCH 0xe0

struct pc_testdev;

/* A test device raising lines through @irq (required). NULL: no memory. */
struct pc_testdev *pc_testdev__create(const struct isa_irq *irq);
void pc_testdev__destroy(struct pc_testdev *dev);
/* Claim its ports on @pio. Return: 0 or a negative errno. */
int pc_testdev__register(struct pc_testdev *dev, struct bus *pio);

#endif
