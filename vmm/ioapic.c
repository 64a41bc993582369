// SPDX-License-Identifier: MIT
/*
 * ioapic.c - the 82093AA I/O APIC: redirection table, pin state, remote IRR.
 *
 * State: the electrical level of every pin (what ioapic_set_irq() was last
 * told) and the 64-bit redirection entries. Whether a pin is asserted is
 * computed from its level and its entry's polarity, so reprogramming the
 * polarity re-interprets the wire as the chip would.
 *
 * Deliveries are decided under the lock and collected in a small batch
 * (struct batch); ops->deliver runs after the unlock, so a VMM may route
 * the message to a vCPU that EOIs it (ioapic_eoi()) on the same thread, or
 * raise another line, without deadlocking. Remote IRR is set under the lock
 * when a level delivery is decided, before the message leaves, so an EOI
 * can never overtake the remote IRR it clears. Two threads delivering at
 * once may call ops->deliver in either order, as two messages on a real
 * APIC bus may arrive in either order.
 *
 * Masked edges are lost. The 82093AA has no latch for them, and KVM's
 * in-kernel I/O APIC loses them too (its IRR bit is cleared on deassert and
 * an unmask services only level entries); QEMU's userspace model latches
 * them. Linux needs no latch: it masks and unmasks edge interrupts lazily
 * (handle_edge_irq() marks an edge that came while disabled as pending and
 * resends it through the local APIC on enable, ioapic_retrigger_irq()), and
 * a device that wants service keeps asking.
 *
 * Level-triggered entries of delivery mode SMI, NMI, INIT or ExtINT are
 * serviced on the edge: the datasheet requires edge trigger for them, and
 * their targets never EOI, so a remote IRR set by them would block the pin
 * for good.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ioapic.h"

/* Bits of the low dword the guest may write (12 and 14 are read-only). */
#define RTE_LOW_WRITABLE                                                     \
	(IOAPIC_RTE_VECTOR | IOAPIC_RTE_DELMODE | IOAPIC_RTE_DESTMODE |       \
	 IOAPIC_RTE_POLARITY | IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED)
#define RTE_HIGH_WRITABLE 0xff000000u /* destination, bits 63:56 */

struct ioapic {
	pthread_mutex_t lock; /* device threads and vCPUs share the chip */
	struct ioapic_ops ops;
	uint8_t regsel;
	uint32_t id;          /* ID register: bits 27:24 only */
	uint32_t lines;       /* electrical level of each pin */
	uint64_t rte[IOAPIC_NR_PINS];
};

/* Messages decided under the lock, sent after it. */
struct batch {
	unsigned n;
	struct apic_ipi msg[IOAPIC_NR_PINS];
	unsigned pin[IOAPIC_NR_PINS];
};

static unsigned rte_mode(uint64_t rte)
{
	return (unsigned)(rte & IOAPIC_RTE_DELMODE) >> IOAPIC_RTE_DELMODE_SHIFT;
}

/* Level-triggered with the remote IRR / EOI protocol. */
static bool uses_remote_irr(uint64_t rte)
{
	unsigned mode = rte_mode(rte);

	return (rte & IOAPIC_RTE_LEVEL) &&
	       (mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST);
}

static bool asserted(const struct ioapic *io, unsigned pin)
{
	bool level = (io->lines >> pin) & 1u;

	return level != ((io->rte[pin] & IOAPIC_RTE_POLARITY) != 0);
}

/* Queue entry @pin's message; set remote IRR when it is level. */
static void fire(struct ioapic *io, unsigned pin, struct batch *b)
{
	uint64_t rte = io->rte[pin];
	unsigned mode = rte_mode(rte);

	if (mode == APIC_DM_REMOTE_READ || mode == APIC_DM_STARTUP)
		return; /* reserved in a redirection entry: nothing leaves */
	b->pin[b->n] = pin;
	b->msg[b->n++] = (struct apic_ipi){
		.vector = (uint8_t)(rte & IOAPIC_RTE_VECTOR),
		.delivery_mode = (uint8_t)mode,
		.logical = (rte & IOAPIC_RTE_DESTMODE) != 0,
		.level_assert = true,
		.level_trigger = (rte & IOAPIC_RTE_LEVEL) != 0,
		.shorthand = APIC_SH_NONE,
		.dest = (uint32_t)(rte >> IOAPIC_RTE_DEST_SHIFT) & 0xffu,
		.x2apic = false,
		.source_cpu = IOAPIC_SOURCE_CPU,
	};
	if (uses_remote_irr(rte))
		io->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
}

/* A level entry delivers while asserted, unmasked and remote IRR clear. */
static void service_level(struct ioapic *io, unsigned pin, struct batch *b)
{
	uint64_t rte = io->rte[pin];

	if (uses_remote_irr(rte) && asserted(io, pin) &&
	    !(rte & (IOAPIC_RTE_MASKED | IOAPIC_RTE_REMOTE_IRR)))
		fire(io, pin, b);
}

/* Unlock, then send what was decided. */
static void unlock_and_send(struct ioapic *io, const struct batch *b)
{
	pthread_mutex_unlock(&io->lock);
	for (unsigned i = 0; i < b->n; i++)
		io->ops.deliver(io->ops.opaque, b->pin[i], &b->msg[i]);
}

static void eoi_locked(struct ioapic *io, uint8_t vector, struct batch *b)
{
	for (unsigned pin = 0; pin < IOAPIC_NR_PINS; pin++) {
		uint64_t *rte = &io->rte[pin];

		if ((*rte & IOAPIC_RTE_VECTOR) != vector ||
		    !(*rte & IOAPIC_RTE_REMOTE_IRR))
			continue;
		*rte &= ~(uint64_t)IOAPIC_RTE_REMOTE_IRR;
		service_level(io, pin, b);
	}
}

static uint32_t read_indirect(const struct ioapic *io)
{
	unsigned reg = io->regsel, pin;

	switch (reg) {
	case IOAPIC_ID:
	case IOAPIC_ARB: /* the arbitration ID is loaded from the ID */
		return io->id;
	case IOAPIC_VERSION:
		return IOAPIC_VERSION_VALUE;
	default:
		break;
	}
	if (reg < IOAPIC_REDTBL(0) || reg >= IOAPIC_REDTBL(IOAPIC_NR_PINS))
		return 0; /* unimplemented register */
	pin = (reg - IOAPIC_REDTBL(0)) / 2;
	/* Delivery status (bit 12) is never set: delivery is synchronous. */
	if (reg & 1)
		return (uint32_t)(io->rte[pin] >> 32);
	return (uint32_t)io->rte[pin];
}

static void write_indirect(struct ioapic *io, uint32_t v, struct batch *b)
{
	unsigned reg = io->regsel, pin;
	uint64_t old, rte;

	if (reg == IOAPIC_ID) {
		io->id = v & IOAPIC_ID_MASK;
		return;
	}
	if (reg < IOAPIC_REDTBL(0) || reg >= IOAPIC_REDTBL(IOAPIC_NR_PINS))
		return; /* version, arbitration: read-only; others: none */
	pin = (reg - IOAPIC_REDTBL(0)) / 2;
	old = io->rte[pin];
	if (reg & 1) {
		io->rte[pin] = (uint64_t)(v & RTE_HIGH_WRITABLE) << 32 |
			       (old & 0xffffffffu);
		return;
	}
	rte = (old & 0xffffffff00000000ull) | (v & RTE_LOW_WRITABLE) |
	      (old & IOAPIC_RTE_REMOTE_IRR);
	/* Edge (or an edge-only mode): no EOI will come, drop remote IRR. */
	if (!uses_remote_irr(rte))
		rte &= ~(uint64_t)IOAPIC_RTE_REMOTE_IRR;
	io->rte[pin] = rte;
	/* Unmasking (or turning level) an asserted level line delivers. */
	service_level(io, pin, b);
}

/**
 * ioapic_create() - an I/O APIC in its reset state, all lines low.
 * @ops: callbacks, copied; @ops->deliver is required.
 *
 * Return: the I/O APIC, or NULL with errno EINVAL or ENOMEM.
 */
struct ioapic *ioapic_create(const struct ioapic_ops *ops)
{
	struct ioapic *io;

	if (!ops || !ops->deliver) {
		errno = EINVAL;
		return NULL;
	}
	io = calloc(1, sizeof(*io));
	if (!io) {
		errno = ENOMEM;
		return NULL;
	}
	if (pthread_mutex_init(&io->lock, NULL)) {
		free(io);
		errno = ENOMEM;
		return NULL;
	}
	io->ops = *ops;
	for (unsigned pin = 0; pin < IOAPIC_NR_PINS; pin++)
		io->rte[pin] = IOAPIC_RTE_RESET;
	return io;
}

/**
 * ioapic_destroy() - free an I/O APIC.
 * @io: the I/O APIC, or NULL.
 */
void ioapic_destroy(struct ioapic *io)
{
	if (!io)
		return;
	pthread_mutex_destroy(&io->lock);
	free(io);
}

/**
 * ioapic_reset() - registers to their reset values; line levels kept.
 * @io: the I/O APIC.
 */
void ioapic_reset(struct ioapic *io)
{
	if (!io)
		return;
	pthread_mutex_lock(&io->lock);
	io->regsel = 0;
	io->id = 0;
	for (unsigned pin = 0; pin < IOAPIC_NR_PINS; pin++)
		io->rte[pin] = IOAPIC_RTE_RESET;
	pthread_mutex_unlock(&io->lock);
}

/* Little-endian value of a write of @len <= 4 bytes. */
static uint32_t le_value(const void *data, unsigned len)
{
	const uint8_t *p = data;
	uint32_t v = 0;

	for (unsigned i = 0; i < len && i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

/**
 * ioapic_mmio_read() - a guest read in the register window.
 * @io:     the I/O APIC.
 * @offset: offset within the window.
 * @data:   out: @len bytes; zeros unless the access hits a register.
 * @len:    access size in bytes.
 */
void ioapic_mmio_read(struct ioapic *io, uint64_t offset, void *data,
		      unsigned len)
{
	uint8_t *p = data;
	uint32_t v;

	if (!data)
		return;
	memset(data, 0, len);
	if (!io)
		return;
	if (offset == IOAPIC_REG_SELECT && (len == 1 || len == 2 || len == 4)) {
		pthread_mutex_lock(&io->lock);
		v = io->regsel;
		pthread_mutex_unlock(&io->lock);
	} else if (offset == IOAPIC_REG_WINDOW && len == 4) {
		pthread_mutex_lock(&io->lock);
		v = read_indirect(io);
		pthread_mutex_unlock(&io->lock);
	} else {
		return; /* no register (the EOI register is write-only) */
	}
	for (unsigned i = 0; i < len; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/**
 * ioapic_mmio_write() - a guest write in the register window.
 * @io:     the I/O APIC.
 * @offset: offset within the window.
 * @data:   @len bytes, little-endian.
 * @len:    access size in bytes.
 */
void ioapic_mmio_write(struct ioapic *io, uint64_t offset, const void *data,
		       unsigned len)
{
	struct batch b = { .n = 0 };
	uint32_t v;

	if (!io || !data)
		return;
	if (offset == IOAPIC_REG_SELECT && (len == 1 || len == 2 || len == 4)) {
		v = le_value(data, len);
		pthread_mutex_lock(&io->lock);
		io->regsel = (uint8_t)v;
		pthread_mutex_unlock(&io->lock);
		return;
	}
	if (len != 4 ||
	    (offset != IOAPIC_REG_WINDOW && offset != IOAPIC_REG_EOI))
		return;
	v = le_value(data, len);
	pthread_mutex_lock(&io->lock);
	if (offset == IOAPIC_REG_WINDOW)
		write_indirect(io, v, &b);
	else
		eoi_locked(io, (uint8_t)v, &b);
	unlock_and_send(io, &b);
}

static void ioapic_access(void *opaque, unsigned cpu, uint64_t addr,
			  void *data, unsigned len, bool is_write)
{
	(void)cpu;
	if (is_write)
		ioapic_mmio_write(opaque, addr, data, len);
	else
		ioapic_mmio_read(opaque, addr, data, len);
}

/**
 * ioapic_register() - claim the register window on an MMIO bus.
 * @io:   the I/O APIC.
 * @mmio: the bus.
 * @base: guest-physical base of the window.
 *
 * Return: 0, -EINVAL, or a negative errno from bus_register().
 */
int ioapic_register(struct ioapic *io, struct bus *mmio, uint64_t base)
{
	if (!io || !mmio)
		return -EINVAL;
	return bus_register(mmio, base, IOAPIC_MMIO_SIZE, ioapic_access, io,
			    "ioapic");
}

/**
 * ioapic_set_irq() - a device drove input pin @line to @level.
 * @io:    the I/O APIC.
 * @line:  pin number.
 * @level: electrical level (the entry's polarity makes it asserted or not).
 *
 * Return: 0, or -EINVAL for a NULL @io or @line out of range.
 */
int ioapic_set_irq(struct ioapic *io, unsigned line, bool level)
{
	struct batch b = { .n = 0 };
	bool was;

	if (!io || line >= IOAPIC_NR_PINS)
		return -EINVAL;
	pthread_mutex_lock(&io->lock);
	was = asserted(io, line);
	if (level)
		io->lines |= 1u << line;
	else
		io->lines &= ~(1u << line);
	if (uses_remote_irr(io->rte[line]))
		service_level(io, line, &b);
	else if (!was && asserted(io, line) &&
		 !(io->rte[line] & IOAPIC_RTE_MASKED))
		fire(io, line, &b); /* rising edge; lost while masked */
	unlock_and_send(io, &b);
	return 0;
}

/**
 * ioapic_eoi() - EOI broadcast for level-triggered @vector.
 * @io:     the I/O APIC.
 * @vector: the vector a local APIC EOIed.
 */
void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	struct batch b = { .n = 0 };

	if (!io)
		return;
	pthread_mutex_lock(&io->lock);
	eoi_locked(io, vector, &b);
	unlock_and_send(io, &b);
}
