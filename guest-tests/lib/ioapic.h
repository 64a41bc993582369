/* SPDX-License-Identifier: MIT */
/*
 * ioapic.h - the I/O APIC's register window and QEMU's pc-testdev lines,
 * for the test kernels that drive device interrupts (ioapic, pic, hostile).
 * The window's address comes from the MADT (acpi_ioapic_addr()).
 */
#ifndef GT_IOAPIC_H
#define GT_IOAPIC_H

#include <stdbool.h>

#include "x86.h"

#define IOAPIC_IOREGSEL 0x00
#define IOAPIC_IOWIN 0x10
#define IOAPIC_EOI 0x40 /* version 0x20 */
#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REG_ARB 0x02
#define IOAPIC_REDTBL(pin) (0x10 + 2 * (pin)) /* +1: the high dword */
#define IOAPIC_NR_PINS 24

#define RTE_DM_LOWEST (1u << 8)
#define RTE_DM_NMI (4u << 8)
#define RTE_LOGICAL (1u << 11)
#define RTE_DELIVS (1u << 12)
#define RTE_REMOTE_IRR (1u << 14)
#define RTE_LEVEL (1u << 15)
#define RTE_MASKED (1u << 16)

static inline u32 ioapic_read(volatile u32 *win, unsigned reg)
{
	win[IOAPIC_IOREGSEL / 4] = reg;
	return win[IOAPIC_IOWIN / 4];
}

static inline void ioapic_write(volatile u32 *win, unsigned reg, u32 v)
{
	win[IOAPIC_IOREGSEL / 4] = reg;
	win[IOAPIC_IOWIN / 4] = v;
}

/* The EOI register: clears remote IRR of the level entries of @vector. */
static inline void ioapic_eoi_reg(volatile u32 *win, u32 vector)
{
	win[IOAPIC_EOI / 4] = vector;
}

/* Every redirection entry masked, all other bits 0. */
static inline void ioapic_mask_all(volatile u32 *win)
{
	for (unsigned pin = 0; pin < IOAPIC_NR_PINS; pin++)
		ioapic_write(win, IOAPIC_REDTBL(pin), RTE_MASKED);
}

/* QEMU's pc-testdev: ISA IRQ line @line to @level (port 0x2000 + line). */
static inline void testdev_set_line(unsigned line, bool level)
{
	outb((u16)(0x2000 + line), level);
}

#endif
