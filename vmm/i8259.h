/* SPDX-License-Identifier: MIT */
/*
 * i8259.h - the two cascaded Intel 8259A programmable interrupt controllers
 * of a PC (master at I/O 0x20-0x21, slave at 0xa0-0xa1 on the master's
 * IR2) and the ELCR edge/level control registers (0x4d0-0x4d1).
 *
 * Pure model: no KVM, no globals; all state per instance and a lock
 * inside, because device threads drive lines (i8259_set_irq()) while vCPU
 * threads do port I/O and interrupt acknowledges (i8259_ack()).
 *
 * What is modelled (8259A datasheet; the PIIX ELCR):
 *  - ICW1-ICW4: edge or level (ICW1 LTIM, or the ELCR per line), single
 *    or cascade, vector base (ICW2 bits 7:3), ICW4 auto-EOI. ICW1 resets
 *    the chip: IMR, ISR and IRR cleared, lowest priority IR7, special mask
 *    off, reads return IRR. (8080-mode address bits and buffered mode are
 *    accepted and ignored.)
 *  - OCW1 (IMR); OCW2: non-specific and specific EOI, rotate on EOI,
 *    rotate in auto-EOI set/clear, set priority; OCW3: read IRR/ISR, poll,
 *    special mask mode.
 *  - Edge-triggered lines set IRR on a rising edge; level-triggered ones
 *    hold IRR while high (and drop it when low). The INTA sequence
 *    (i8259_ack()) picks the highest-priority unmasked request not below
 *    an in-service one (special mask mode: any unmasked one not in
 *    service, whatever else is in service),
 *    sets ISR (not in auto-EOI), clears an edge IRR bit, and returns the
 *    vector; through the master's IR2 it acknowledges the slave. With
 *    nothing left to acknowledge it returns the spurious vector of IR7
 *    (master) or of the slave's IR7 (cascade bit in service on the master),
 *    as the chips do.
 *  - The INTR output (the master's INT pin) goes to the VMM through
 *    struct i8259_ops::set_intr on every change.
 *  - The ELCR: IRQs 0, 1, 2, 8 and 13 are always edge (reserved bits).
 */
#ifndef IPIVIRT_I8259_H
#define IPIVIRT_I8259_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"

#define I8259_MASTER_BASE 0x20
#define I8259_SLAVE_BASE 0xa0
#define I8259_ELCR_BASE 0x4d0
#define I8259_NR_IRQS 16
#define I8259_CASCADE_IRQ 2

/**
 * struct i8259_ops - what the PICs need from their VMM.
 * @set_intr: optional: the INTR output changed to @level. Called with the
 *	PICs' lock held, from whichever thread caused the change; it must
 *	not call back into the PICs (i8259_ack() comes later, from the vCPU
 *	that takes the interrupt).
 * @opaque: passed to @set_intr.
 */
struct i8259_ops {
	void (*set_intr)(void *opaque, bool level);
	void *opaque;
};

struct i8259;

/*
 * i8259_create() - a master/slave pair in the state a PC's firmware leaves
 * before anyone initializes them: not initialized, every line masked (IMR
 * 0xff), vector bases 0x08 and 0x70, INTR low. Return: NULL when out of
 * memory or @ops is NULL.
 */
struct i8259 *i8259_create(const struct i8259_ops *ops);
void i8259_destroy(struct i8259 *pic);

/*
 * i8259_register() - claim 0x20-0x21, 0xa0-0xa1 and 0x4d0-0x4d1 on @pio.
 * Wider accesses are split into byte accesses at consecutive ports.
 * Return: 0, -EINVAL for NULL arguments, or an errno from bus_register().
 */
int i8259_register(struct i8259 *pic, struct bus *pio);

/*
 * i8259_read() / i8259_write() - one byte at @port (one of the six
 * above; anything else reads 0xff and ignores writes). Every value at
 * every port is accepted.
 */
uint8_t i8259_read(struct i8259 *pic, uint16_t port);
void i8259_write(struct i8259 *pic, uint16_t port, uint8_t value);

/*
 * i8259_set_irq() - ISA IRQ @irq (0-15; 8-15 on the slave) is at @level.
 * Return: 0, or -EINVAL for a NULL @pic or @irq out of range.
 */
int i8259_set_irq(struct i8259 *pic, unsigned irq, bool level);

/* i8259_intr() - the INTR output now. */
bool i8259_intr(struct i8259 *pic);

/*
 * i8259_ack() - the INTA cycle of a CPU taking the ExtINT interrupt.
 * Return: the vector (0-255), always: a spurious IR7 vector when nothing
 * is pending any more.
 */
int i8259_ack(struct i8259 *pic);

#endif
