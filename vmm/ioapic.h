/* SPDX-License-Identifier: MIT */
/*
 * ioapic.h - an Intel 82093AA-style I/O APIC: 24 interrupt input pins, a
 * redirection table, and interrupt messages to the local APICs.
 *
 * Pure model: no KVM, no ioctl, no globals; all state per instance and a
 * lock inside, because device threads raise lines (ioapic_set_irq()) while
 * vCPU threads do MMIO and EOIs. Deliveries go out through
 * struct ioapic_ops::deliver as a struct apic_ipi (apic_virt.h), which the
 * VMM routes with apic_bus_route() exactly like an ICR-decoded IPI.
 *
 * Register window (the caller places it, normally at IOAPIC_DEFAULT_BASE):
 *   0x00 IOREGSEL  8-bit register index (reads back; bits 31:8 read 0)
 *   0x10 IOWIN     32-bit data of the selected register
 *   0x40 EOI       write a vector: clears remote IRR of the level-triggered
 *                  entries with that vector (version 0x20 I/O APICs)
 * IOREGSEL takes 1-, 2- and 4-byte accesses at offset 0x00 (the index is
 * the low byte); IOWIN and EOI only 4-byte accesses at their offset. Every
 * other access (size, offset, alignment) reads as zero and ignores writes.
 *
 * Indirect registers (IOREGSEL values):
 *   0x00 ID (bits 27:24 writable), 0x01 version (IOAPIC_VERSION_VALUE),
 *   0x02 arbitration ID (reads the ID bits; read-only),
 *   0x10 + 2n / 0x11 + 2n redirection entry n, low / high dword, n < 24.
 * Any other index reads 0 and ignores writes.
 *
 * Behaviour choices (see ioapic.c for the reasons):
 *  - An edge that arrives while its entry is masked is lost, as on the
 *    82093AA and in KVM's in-kernel I/O APIC.
 *  - Only fixed and lowest-priority entries use the level-triggered
 *    remote-IRR protocol; SMI, NMI, INIT and ExtINT are always serviced on
 *    the rising edge (the datasheet requires edge trigger for them, and no
 *    EOI would ever clear their remote IRR). Their message still carries
 *    the entry's trigger mode bit.
 *  - Entries programmed with a reserved delivery mode (3, 6) deliver
 *    nothing: mode 6 would be routed as a STARTUP IPI.
 *  - The delivery status bit (12) always reads 0: a delivery is finished
 *    when ops->deliver returns.
 */
#ifndef IPIVIRT_IOAPIC_H
#define IPIVIRT_IOAPIC_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "apic_virt.h"
#include "bus.h"

#define IOAPIC_DEFAULT_BASE 0xfec00000ull
#define IOAPIC_MMIO_SIZE 0x1000u
#define IOAPIC_NR_PINS 24u

/* MMIO offsets within the window. */
#define IOAPIC_REG_SELECT 0x00
#define IOAPIC_REG_WINDOW 0x10
#define IOAPIC_REG_EOI 0x40

/* Indirect register indexes (written to IOREGSEL). */
#define IOAPIC_ID 0x00
#define IOAPIC_VERSION 0x01
#define IOAPIC_ARB 0x02
#define IOAPIC_REDTBL(n) (0x10u + 2u * (n)) /* +1: the high dword */

#define IOAPIC_ID_MASK 0x0f000000u
/* Maximum redirection entry 23 in bits 23:16, version 0x20. */
#define IOAPIC_VERSION_VALUE ((IOAPIC_NR_PINS - 1u) << 16 | 0x20u)

/* Redirection entry bits (low dword; the destination is bits 63:56). */
#define IOAPIC_RTE_VECTOR 0x000000ffu
#define IOAPIC_RTE_DELMODE_SHIFT 8
#define IOAPIC_RTE_DELMODE (7u << IOAPIC_RTE_DELMODE_SHIFT)
#define IOAPIC_RTE_DESTMODE (1u << 11)   /* 1: logical */
#define IOAPIC_RTE_DELIVS (1u << 12)     /* read-only */
#define IOAPIC_RTE_POLARITY (1u << 13)   /* 1: active low */
#define IOAPIC_RTE_REMOTE_IRR (1u << 14) /* read-only */
#define IOAPIC_RTE_LEVEL (1u << 15)      /* 1: level triggered */
#define IOAPIC_RTE_MASKED (1u << 16)
#define IOAPIC_RTE_DEST_SHIFT 56
#define IOAPIC_RTE_RESET IOAPIC_RTE_MASKED

/*
 * source_cpu of every message the I/O APIC sends: not a CPU. apic_bus_route()
 * compares source_cpu only for shorthands (the I/O APIC never uses one), and
 * the VMM's IPI accounting ignores indexes >= IPIVIRT_MAX_CPUS.
 */
#define IOAPIC_SOURCE_CPU UINT_MAX

/**
 * struct ioapic_ops - what the I/O APIC needs from its VMM.
 * @deliver: required: pin @pin sends interrupt message @msg (vector, delivery mode,
 *	destination mode, trigger mode and 8-bit destination from the
 *	redirection entry; level_assert true, no shorthand, x2apic false,
 *	source_cpu IOAPIC_SOURCE_CPU). Called on the thread that caused it
 *	(ioapic_set_irq(), an MMIO write, ioapic_eoi()), never with the I/O
 *	APIC's lock held: it may call back into the I/O APIC (ioapic_eoi()
 *	from the target vCPU, say). @msg is valid only during the call.
 * @opaque: passed to @deliver.
 */
struct ioapic_ops {
	void (*deliver)(void *opaque, unsigned pin, const struct apic_ipi *msg);
	void *opaque;
};

struct ioapic;

/**
 * ioapic_create() - an I/O APIC in its reset state (ioapic_reset()), all
 * input lines low.
 * @ops: callbacks, copied; @ops->deliver is required.
 *
 * Return: the I/O APIC, or NULL with errno EINVAL (NULL @ops or no
 * deliver) or ENOMEM.
 */
struct ioapic *ioapic_create(const struct ioapic_ops *ops);

/**
 * ioapic_destroy() - free an I/O APIC.
 * @io: the I/O APIC, or NULL. No other thread may be using it.
 */
void ioapic_destroy(struct ioapic *io);

/**
 * ioapic_reset() - RESET: ID 0, IOREGSEL 0, every entry masked with all
 * other bits 0 (remote IRR included). The input lines keep their levels:
 * they are wires from the devices, not I/O APIC state.
 * @io: the I/O APIC.
 */
void ioapic_reset(struct ioapic *io);

/**
 * ioapic_register() - claim [@base, @base + IOAPIC_MMIO_SIZE) on @mmio.
 * @io:   the I/O APIC.
 * @mmio: an MMIO bus (bus.h).
 * @base: the window's guest-physical address, normally IOAPIC_DEFAULT_BASE.
 *
 * Return: 0, -EINVAL for NULL arguments, or a negative errno from
 * bus_register() (-EEXIST on overlap, -ENOSPC when the bus is full).
 */
int ioapic_register(struct ioapic *io, struct bus *mmio, uint64_t base);

/**
 * ioapic_mmio_read() - a guest read in the register window.
 * @io:     the I/O APIC.
 * @offset: offset within the window.
 * @data:   out: @len bytes, little-endian; zero-filled for an access that
 *          is not a register (see the top of this file).
 * @len:    access size in bytes (any; only 1, 2 and 4 can hit a register).
 */
void ioapic_mmio_read(struct ioapic *io, uint64_t offset, void *data,
		      unsigned len);

/**
 * ioapic_mmio_write() - a guest write in the register window.
 * @io:     the I/O APIC.
 * @offset: offset within the window.
 * @data:   @len bytes, little-endian.
 * @len:    access size in bytes; writes that hit no register are ignored.
 *
 * May deliver (unmasking an asserted level entry, the EOI register, a
 * trigger mode change on an asserted line) through ops->deliver.
 */
void ioapic_mmio_write(struct ioapic *io, uint64_t offset, const void *data,
		       unsigned len);

/**
 * ioapic_set_irq() - a device drove input pin @line to @level.
 * @io:    the I/O APIC.
 * @line:  pin number, 0..IOAPIC_NR_PINS-1.
 * @level: the electrical level. The entry's polarity decides whether it is
 *         asserted: active-high entries assert on true, active-low on false.
 *
 * Edge-triggered entries deliver once per rising edge of the asserted
 * state while unmasked. Level-triggered entries deliver while asserted,
 * unmasked and remote IRR clear, and set remote IRR.
 *
 * Return: 0, or -EINVAL for a NULL @io or @line out of range.
 */
int ioapic_set_irq(struct ioapic *io, unsigned line, bool level);

/**
 * ioapic_eoi() - a local APIC EOIed level-triggered @vector (the VMM
 * broadcasts it to the I/O APIC, as the xAPIC EOI message does).
 * @io:     the I/O APIC.
 * @vector: the vector.
 *
 * Clears remote IRR of every level-triggered entry with @vector; an entry
 * whose line is still asserted and which is unmasked delivers again.
 */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

#endif
