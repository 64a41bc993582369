/* SPDX-License-Identifier: MIT */
/*
 * isa_irq.h - how a device drives an ISA interrupt line. The VMM decides
 * where the line goes (the I/O APIC pin of that ISA IRQ, isa_irq_gsi()).
 */
#ifndef IPIVIRT_ISA_IRQ_H
#define IPIVIRT_ISA_IRQ_H

#include <stdbool.h>

#define ISA_NR_IRQS 16

/**
 * struct isa_irq - a device's interrupt output.
 * @set:    drive ISA IRQ @line to @level (true: asserted). Devices call it
 *          with their own lock held, on whatever thread made the change; it
 *          must not call back into the device.
 * @opaque: passed to @set.
 */
struct isa_irq {
	void (*set)(void *opaque, unsigned line, bool level);
	void *opaque;
};

/*
 * isa_irq_gsi() - the I/O APIC pin (GSI) ISA IRQ @irq is wired to on a PC:
 * the same number, except the timer's IRQ 0 on pin 2 (pin 0 takes the
 * 8259's ExtINT), which the MADT and MP table announce as an override.
 */
static inline unsigned isa_irq_gsi(unsigned irq)
{
	return irq == 0 ? 2u : irq;
}

#endif
