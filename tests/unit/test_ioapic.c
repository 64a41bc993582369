// SPDX-License-Identifier: MIT
/*
 * test_ioapic.c - the 82093AA I/O APIC model: ID, version and arbitration
 * registers, the redirection table's writable and read-only bits, edge and
 * level delivery, remote IRR and the two EOI paths (broadcast and the EOI
 * register), masking, polarity, the message handed to ops->deliver (and
 * routed by apic_bus_route()), a deliver callback that re-enters the model,
 * garbage MMIO, the bus registration, and several threads at once.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "apic_mock.h"
#include "bus.h"
#include "check_main.h"
#include "ioapic.h"
#include "test_rand.h"

#define LOG_MAX 256

/* What ops->deliver was handed (single-threaded tests). */
static struct {
	struct apic_ipi msg[LOG_MAX];
	unsigned pin[LOG_MAX];
	unsigned n;
} rec;

static void rec_deliver(void *opaque, unsigned pin, const struct apic_ipi *msg)
{
	(void)opaque;
	if (rec.n < LOG_MAX) {
		rec.msg[rec.n] = *msg;
		rec.pin[rec.n] = pin;
	}
	rec.n++;
}

static struct ioapic *make_ioapic(void)
{
	const struct ioapic_ops ops = { .deliver = rec_deliver };
	struct ioapic *io;

	memset(&rec, 0, sizeof(rec));
	io = ioapic_create(&ops);
	ck_assert_ptr_nonnull(io);
	return io;
}

static void mmio_wr32(struct ioapic *io, uint64_t off, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	ioapic_mmio_write(io, off, b, 4);
}

static uint32_t mmio_rd32(struct ioapic *io, uint64_t off)
{
	uint8_t b[4] = { 0xde, 0xad, 0xbe, 0xef };

	ioapic_mmio_read(io, off, b, 4);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static uint32_t rd(struct ioapic *io, unsigned reg)
{
	mmio_wr32(io, IOAPIC_REG_SELECT, reg);
	return mmio_rd32(io, IOAPIC_REG_WINDOW);
}

static void wr(struct ioapic *io, unsigned reg, uint32_t v)
{
	mmio_wr32(io, IOAPIC_REG_SELECT, reg);
	mmio_wr32(io, IOAPIC_REG_WINDOW, v);
}

/* As Linux's ioapic_write_entry(): the high dword first, then the low. */
static void set_rte(struct ioapic *io, unsigned pin, uint32_t low,
		    uint8_t dest)
{
	wr(io, IOAPIC_REDTBL(pin) + 1, (uint32_t)dest << 24);
	wr(io, IOAPIC_REDTBL(pin), low);
}

static uint32_t rte_low(struct ioapic *io, unsigned pin)
{
	return rd(io, IOAPIC_REDTBL(pin));
}

#define EDGE 0u
#define LEVEL IOAPIC_RTE_LEVEL
#define MASKED IOAPIC_RTE_MASKED
#define LOGICAL IOAPIC_RTE_DESTMODE
#define ACTIVE_LOW IOAPIC_RTE_POLARITY
#define DM(m) ((uint32_t)(m) << IOAPIC_RTE_DELMODE_SHIFT)

static bool remote_irr(struct ioapic *io, unsigned pin)
{
	return rte_low(io, pin) & IOAPIC_RTE_REMOTE_IRR;
}

START_TEST(test_create_checks)
{
	const struct ioapic_ops none = { 0 };
	struct ioapic *io;

	errno = 0;
	ck_assert_ptr_null(ioapic_create(NULL));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(ioapic_create(&none));
	ck_assert_int_eq(errno, EINVAL);
	ioapic_destroy(NULL);
	io = make_ioapic();
	ck_assert_int_eq(ioapic_set_irq(io, IOAPIC_NR_PINS, true), -EINVAL);
	ck_assert_int_eq(ioapic_set_irq(io, UINT_MAX, true), -EINVAL);
	ck_assert_int_eq(ioapic_set_irq(NULL, 0, true), -EINVAL);
	ck_assert_int_eq(ioapic_set_irq(io, IOAPIC_NR_PINS - 1, true), 0);
	ck_assert_uint_eq(rec.n, 0);
	ioapic_destroy(io);
}
END_TEST

START_TEST(test_id_version_arbitration)
{
	struct ioapic *io = make_ioapic();

	ck_assert_uint_eq(rd(io, IOAPIC_ID), 0);
	ck_assert_uint_eq(rd(io, IOAPIC_VERSION), 0x170020);
	ck_assert_uint_eq(rd(io, IOAPIC_ARB), 0);
	/* Only ID bits 27:24 are writable; arbitration follows the ID. */
	wr(io, IOAPIC_ID, 0xffffffff);
	ck_assert_uint_eq(rd(io, IOAPIC_ID), 0x0f000000);
	ck_assert_uint_eq(rd(io, IOAPIC_ARB), 0x0f000000);
	wr(io, IOAPIC_ID, 0x02000000);
	ck_assert_uint_eq(rd(io, IOAPIC_ID), 0x02000000);
	ck_assert_uint_eq(rd(io, IOAPIC_ARB), 0x02000000);
	/* Version and arbitration are read-only. */
	wr(io, IOAPIC_VERSION, 0);
	wr(io, IOAPIC_ARB, 0x0c000000);
	ck_assert_uint_eq(rd(io, IOAPIC_VERSION), IOAPIC_VERSION_VALUE);
	ck_assert_uint_eq(rd(io, IOAPIC_ARB), 0x02000000);
	/* IOREGSEL keeps 8 bits and reads back. */
	mmio_wr32(io, IOAPIC_REG_SELECT, 0x12345601);
	ck_assert_uint_eq(mmio_rd32(io, IOAPIC_REG_SELECT), 0x01);
	ck_assert_uint_eq(mmio_rd32(io, IOAPIC_REG_WINDOW), IOAPIC_VERSION_VALUE);
	/* A byte write selects too. */
	{
		uint8_t sel = IOAPIC_ID, b = 0x55;

		ioapic_mmio_write(io, IOAPIC_REG_SELECT, &sel, 1);
		ck_assert_uint_eq(mmio_rd32(io, IOAPIC_REG_WINDOW), 0x02000000);
		ioapic_mmio_read(io, IOAPIC_REG_SELECT, &b, 1);
		ck_assert_uint_eq(b, IOAPIC_ID);
	}
	ioapic_destroy(io);
}
END_TEST

START_TEST(test_redirection_entry_bits)
{
	struct ioapic *io = make_ioapic();

	for (unsigned pin = 0; pin < IOAPIC_NR_PINS; pin++) {
		ck_assert_uint_eq(rd(io, IOAPIC_REDTBL(pin)), 0x10000);
		ck_assert_uint_eq(rd(io, IOAPIC_REDTBL(pin) + 1), 0);
	}
	/* Delivery status (12), remote IRR (14) and 31:17 are read-only. */
	wr(io, IOAPIC_REDTBL(5), 0xffffffff);
	ck_assert_uint_eq(rd(io, IOAPIC_REDTBL(5)), 0x1afff);
	wr(io, IOAPIC_REDTBL(5) + 1, 0xffffffff);
	ck_assert_uint_eq(rd(io, IOAPIC_REDTBL(5) + 1), 0xff000000);
	wr(io, IOAPIC_REDTBL(5), 0x0000a9b1 | MASKED);
	ck_assert_uint_eq(rd(io, IOAPIC_REDTBL(5)), 0x0000a9b1 | MASKED);
	ck_assert_uint_eq(rd(io, IOAPIC_REDTBL(5) + 1), 0xff000000);
	/* The last entry, and nothing past it. */
	wr(io, IOAPIC_REDTBL(23), 0x12345);
	wr(io, IOAPIC_REDTBL(23) + 1, 0x87654321);
	ck_assert_uint_eq(rd(io, IOAPIC_REDTBL(23)), 0x12345 & 0x1afff);
	ck_assert_uint_eq(rd(io, IOAPIC_REDTBL(23) + 1), 0x87000000);
	for (unsigned reg = 0x03; reg < 0x100; reg++) {
		if (reg >= 0x10 && reg < 0x40)
			continue;
		wr(io, reg, 0xffffffff);
		ck_assert_uint_eq(rd(io, reg), 0);
	}
	/* Other entries untouched by all that. */
	ck_assert_uint_eq(rd(io, IOAPIC_REDTBL(4)), 0x10000);
	ck_assert_uint_eq(rd(io, IOAPIC_REDTBL(22) + 1), 0);
	ck_assert_uint_eq(rec.n, 0); /* all masked */
	ioapic_destroy(io);
}
END_TEST

START_TEST(test_edge_once_per_rising_edge)
{
	struct ioapic *io = make_ioapic();
	const struct apic_ipi *m = &rec.msg[0];

	set_rte(io, 1, 0x31 | EDGE, 2);
	ck_assert_uint_eq(rec.n, 0);
	ioapic_set_irq(io, 1, true);
	ck_assert_uint_eq(rec.n, 1);
	ck_assert_uint_eq(rec.pin[0], 1);
	ck_assert_uint_eq(m->vector, 0x31);
	ck_assert_uint_eq(m->delivery_mode, APIC_DM_FIXED);
	ck_assert(!m->logical);
	ck_assert(m->level_assert);
	ck_assert(!m->level_trigger);
	ck_assert_uint_eq(m->shorthand, APIC_SH_NONE);
	ck_assert_uint_eq(m->dest, 2);
	ck_assert(!m->x2apic);
	ck_assert_uint_eq(m->source_cpu, IOAPIC_SOURCE_CPU);
	ck_assert_uint_eq(m->source_cpu, UINT_MAX);
	/* Staying high is no edge; neither is going low. */
	ioapic_set_irq(io, 1, true);
	ioapic_set_irq(io, 1, false);
	ioapic_set_irq(io, 1, false);
	ck_assert_uint_eq(rec.n, 1);
	ioapic_set_irq(io, 1, true);
	ck_assert_uint_eq(rec.n, 2);
	/* Edges set no remote IRR, need no EOI. */
	ck_assert(!remote_irr(io, 1));
	for (unsigned i = 0; i < 10; i++) {
		ioapic_set_irq(io, 1, false);
		ioapic_set_irq(io, 1, true);
	}
	ck_assert_uint_eq(rec.n, 12);
	/* Other pins are other wires. */
	ioapic_set_irq(io, 2, true);
	ck_assert_uint_eq(rec.n, 12);
	ioapic_destroy(io);
}
END_TEST

/* Chosen behaviour: an edge while masked is lost (82093AA, KVM). */
START_TEST(test_masked_edge_is_lost)
{
	struct ioapic *io = make_ioapic();

	set_rte(io, 3, 0x33 | MASKED, 0);
	ioapic_set_irq(io, 3, true);
	ck_assert_uint_eq(rec.n, 0);
	set_rte(io, 3, 0x33, 0); /* unmask while still high: no new edge */
	ck_assert_uint_eq(rec.n, 0);
	ioapic_set_irq(io, 3, false);
	ioapic_set_irq(io, 3, true);
	ck_assert_uint_eq(rec.n, 1);
	/* Edge while masked, line back low, then unmask: nothing either. */
	set_rte(io, 3, 0x33 | MASKED, 0);
	ioapic_set_irq(io, 3, false);
	ioapic_set_irq(io, 3, true);
	ioapic_set_irq(io, 3, false);
	set_rte(io, 3, 0x33, 0);
	ck_assert_uint_eq(rec.n, 1);
	ioapic_set_irq(io, 3, true);
	ck_assert_uint_eq(rec.n, 2);
	ioapic_destroy(io);
}
END_TEST

START_TEST(test_level_remote_irr)
{
	struct ioapic *io = make_ioapic();

	set_rte(io, 9, 0x40 | LEVEL, 1);
	ck_assert_uint_eq(rec.n, 0);
	ioapic_set_irq(io, 9, true);
	ck_assert_uint_eq(rec.n, 1);
	ck_assert(rec.msg[0].level_trigger);
	ck_assert(rec.msg[0].level_assert);
	ck_assert_uint_eq(rec.msg[0].vector, 0x40);
	ck_assert(remote_irr(io, 9));
	/* Still asserted, remote IRR set: no redelivery. */
	ioapic_set_irq(io, 9, true);
	ioapic_set_irq(io, 9, true);
	ck_assert_uint_eq(rec.n, 1);
	/* An EOI for another vector changes nothing. */
	ioapic_eoi(io, 0x41);
	ck_assert_uint_eq(rec.n, 1);
	ck_assert(remote_irr(io, 9));
	/* EOI while still asserted: delivered again. */
	ioapic_eoi(io, 0x40);
	ck_assert_uint_eq(rec.n, 2);
	ck_assert(remote_irr(io, 9));
	/* Deassert, then EOI: remote IRR clears, nothing delivered. */
	ioapic_set_irq(io, 9, false);
	ck_assert_uint_eq(rec.n, 2);
	ck_assert(remote_irr(io, 9));
	ioapic_eoi(io, 0x40);
	ck_assert_uint_eq(rec.n, 2);
	ck_assert(!remote_irr(io, 9));
	/* A second EOI is harmless. */
	ioapic_eoi(io, 0x40);
	ck_assert_uint_eq(rec.n, 2);
	/* Assert again: delivered. */
	ioapic_set_irq(io, 9, true);
	ck_assert_uint_eq(rec.n, 3);
	/* Deasserted and reasserted before the EOI: still one delivery. */
	ioapic_set_irq(io, 9, false);
	ioapic_set_irq(io, 9, true);
	ck_assert_uint_eq(rec.n, 3);
	ioapic_eoi(io, 0x40);
	ck_assert_uint_eq(rec.n, 4);
	ioapic_destroy(io);
}
END_TEST

START_TEST(test_eoi_register_vs_broadcast)
{
	struct ioapic *io = make_ioapic();
	uint8_t byte = 0x50;

	set_rte(io, 2, 0x50 | LEVEL, 0);
	set_rte(io, 3, 0x50 | LEVEL, 0);
	set_rte(io, 4, 0x51 | LEVEL, 0);
	set_rte(io, 5, 0x50 | EDGE, 0);
	for (unsigned pin = 2; pin <= 5; pin++)
		ioapic_set_irq(io, pin, true);
	ck_assert_uint_eq(rec.n, 4);
	ck_assert(!remote_irr(io, 5));
	/* The EOI register: every level entry with that vector, no others. */
	mmio_wr32(io, IOAPIC_REG_EOI, 0x50);
	ck_assert_uint_eq(rec.n, 6);
	ck_assert_uint_eq(rec.msg[4].vector, 0x50);
	ck_assert_uint_eq(rec.msg[5].vector, 0x50);
	ck_assert(remote_irr(io, 2) && remote_irr(io, 3) && remote_irr(io, 4));
	/* Only the vector byte counts; only dword writes are registers. */
	ioapic_set_irq(io, 2, false);
	ioapic_set_irq(io, 3, false);
	mmio_wr32(io, IOAPIC_REG_EOI, 0xffffff50);
	ck_assert(!remote_irr(io, 2) && !remote_irr(io, 3));
	ck_assert(remote_irr(io, 4));
	ioapic_mmio_write(io, IOAPIC_REG_EOI, &byte, 1);
	ck_assert_uint_eq(mmio_rd32(io, IOAPIC_REG_EOI), 0); /* write-only */
	ck_assert(remote_irr(io, 4));
	ck_assert_uint_eq(rec.n, 6);
	/* The broadcast does the same for 0x51. */
	ioapic_eoi(io, 0x51);
	ck_assert_uint_eq(rec.n, 7);
	ck_assert_uint_eq(rec.msg[6].vector, 0x51);
	ioapic_destroy(io);
}
END_TEST

START_TEST(test_unmask_asserted_level_delivers)
{
	struct ioapic *io = make_ioapic();

	set_rte(io, 10, 0x60 | LEVEL | MASKED, 3);
	ioapic_set_irq(io, 10, true);
	ck_assert_uint_eq(rec.n, 0);
	ck_assert(!remote_irr(io, 10));
	set_rte(io, 10, 0x60 | LEVEL, 3);
	ck_assert_uint_eq(rec.n, 1);
	ck_assert_uint_eq(rec.msg[0].dest, 3);
	ck_assert(remote_irr(io, 10));
	/* Mask and unmask with remote IRR set: nothing. */
	set_rte(io, 10, 0x60 | LEVEL | MASKED, 3);
	set_rte(io, 10, 0x60 | LEVEL, 3);
	ck_assert_uint_eq(rec.n, 1);
	/* EOI while masked clears remote IRR; the unmask delivers. */
	set_rte(io, 10, 0x60 | LEVEL | MASKED, 3);
	ioapic_eoi(io, 0x60);
	ck_assert(!remote_irr(io, 10));
	ck_assert_uint_eq(rec.n, 1);
	set_rte(io, 10, 0x60 | LEVEL, 3);
	ck_assert_uint_eq(rec.n, 2);
	/* Writing the high dword alone delivers nothing. */
	ioapic_eoi(io, 0x60);
	ck_assert_uint_eq(rec.n, 3);
	wr(io, IOAPIC_REDTBL(10) + 1, 0x05000000);
	ck_assert_uint_eq(rec.n, 3);
	ioapic_set_irq(io, 10, false);
	ioapic_eoi(io, 0x60);
	/* Unmasking a deasserted level line delivers nothing. */
	set_rte(io, 10, 0x60 | LEVEL | MASKED, 3);
	set_rte(io, 10, 0x60 | LEVEL, 3);
	ck_assert_uint_eq(rec.n, 3);
	ioapic_destroy(io);
}
END_TEST

START_TEST(test_polarity_active_low)
{
	struct ioapic *io = make_ioapic();

	/* Level, active low: the line is low (asserted) when unmasked. */
	ioapic_set_irq(io, 11, true);  /* idle high, as a PCI INTx# wire */
	set_rte(io, 11, 0x70 | LEVEL | ACTIVE_LOW, 0);
	ck_assert_uint_eq(rec.n, 0);
	ioapic_set_irq(io, 11, false); /* asserted */
	ck_assert_uint_eq(rec.n, 1);
	ck_assert(remote_irr(io, 11));
	ioapic_eoi(io, 0x70);          /* still low: again */
	ck_assert_uint_eq(rec.n, 2);
	ioapic_set_irq(io, 11, true);  /* released */
	ioapic_eoi(io, 0x70);
	ck_assert_uint_eq(rec.n, 2);
	ck_assert(!remote_irr(io, 11));

	/* Edge, active low: the falling edge delivers. */
	ioapic_set_irq(io, 12, true);
	set_rte(io, 12, 0x71 | EDGE | ACTIVE_LOW, 0);
	ioapic_set_irq(io, 12, false);
	ck_assert_uint_eq(rec.n, 3);
	ck_assert_uint_eq(rec.msg[2].vector, 0x71);
	ioapic_set_irq(io, 12, true);
	ck_assert_uint_eq(rec.n, 3);
	ioapic_set_irq(io, 12, false);
	ck_assert_uint_eq(rec.n, 4);

	/* An active-high level line at 0 is not asserted. */
	set_rte(io, 13, 0x72 | LEVEL, 0);
	ck_assert_uint_eq(rec.n, 4);
	/* Flipping polarity on a low line asserts it: the level entry fires. */
	set_rte(io, 13, 0x72 | LEVEL | ACTIVE_LOW, 0);
	ck_assert_uint_eq(rec.n, 5);
	ioapic_destroy(io);
}
END_TEST

START_TEST(test_dest_and_delivery_modes)
{
	static const unsigned modes[] = { APIC_DM_FIXED, APIC_DM_LOWEST,
					  APIC_DM_SMI, APIC_DM_NMI,
					  APIC_DM_INIT, APIC_DM_EXTINT };
	struct ioapic *io = make_ioapic();
	unsigned n = 0;

	for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		for (unsigned logical = 0; logical < 2; logical++) {
			uint8_t dest = (uint8_t)(0xa5 + i * 2 + logical);

			ioapic_set_irq(io, 6, false);
			set_rte(io, 6,
				0x80 | DM(modes[i]) | (logical ? LOGICAL : 0),
				dest);
			ioapic_set_irq(io, 6, true);
			ck_assert_uint_eq(rec.n, ++n);
			ck_assert_uint_eq(rec.msg[n - 1].delivery_mode, modes[i]);
			ck_assert_int_eq(rec.msg[n - 1].logical, logical);
			ck_assert_uint_eq(rec.msg[n - 1].dest, dest);
			ck_assert_uint_eq(rec.msg[n - 1].vector, 0x80);
		}
	}
	/* Reserved modes 3 and 6 (6 would be a STARTUP IPI): nothing. */
	for (unsigned mode = 3; mode <= 6; mode += 3) {
		ioapic_set_irq(io, 6, false);
		set_rte(io, 6, 0x80 | DM(mode), 0);
		ioapic_set_irq(io, 6, true);
		ck_assert_uint_eq(rec.n, n);
		ck_assert_uint_eq(rte_low(io, 6), 0x80 | DM(mode));
	}
	/* Level NMI: serviced on the edge, no remote IRR; the message keeps
	 * the entry's trigger bit. */
	ioapic_set_irq(io, 6, false);
	set_rte(io, 6, 0x02 | DM(APIC_DM_NMI) | LEVEL, 0xff);
	ioapic_set_irq(io, 6, true);
	ck_assert_uint_eq(rec.n, ++n);
	ck_assert(rec.msg[n - 1].level_trigger);
	ck_assert(!remote_irr(io, 6));
	ioapic_set_irq(io, 6, true);
	ck_assert_uint_eq(rec.n, n);
	/* Level lowest priority uses remote IRR like fixed. */
	ioapic_set_irq(io, 6, false);
	set_rte(io, 6, 0x90 | DM(APIC_DM_LOWEST) | LEVEL | LOGICAL, 0x0f);
	ioapic_set_irq(io, 6, true);
	ck_assert_uint_eq(rec.n, ++n);
	ck_assert(remote_irr(io, 6));
	ck_assert_uint_eq(rec.msg[n - 1].delivery_mode, APIC_DM_LOWEST);
	ioapic_destroy(io);
}
END_TEST

/* The message routes on the APIC bus like an ICR-decoded IPI. */
static struct mock M;

static void route_deliver(void *opaque, unsigned pin,
			  const struct apic_ipi *msg)
{
	rec_deliver(opaque, pin, msg);
	ck_assert_int_eq(mock_send_ipi(&M, msg), 0);
}

START_TEST(test_routes_through_apic_bus)
{
	const struct ioapic_ops ops = { .deliver = route_deliver };
	struct apic *a[4];
	struct ioapic *io;
	unsigned cpu, hits;

	memset(&rec, 0, sizeof(rec));
	mock_init(&M);
	M.bus = apic_bus_create(4);
	ck_assert_ptr_nonnull(M.bus);
	for (unsigned i = 0; i < 4; i++) {
		a[i] = mock_apic(&M, i, i, i == 0);
		ck_assert_ptr_nonnull(a[i]);
		ck_assert_int_eq(apic_bus_attach(M.bus, a[i]), 0);
		xwr(a[i], APIC_REG_SVR, 0x1ff);
		xwr(a[i], APIC_REG_DFR, 0xffffffff);   /* flat */
		xwr(a[i], APIC_REG_LDR, (1u << i) << 24);
	}
	io = ioapic_create(&ops);
	ck_assert_ptr_nonnull(io);
	/* Physical APIC ID 2, level. */
	set_rte(io, 4, 0x44 | LEVEL, 2);
	ioapic_set_irq(io, 4, true);
	ck_assert_uint_eq(rec.n, 1);
	ck_assert_int_eq(M.last_route_ret, 0);
	hits = 0;
	cpumask_for_each(cpu, &M.last_route)
		hits |= 1u << cpu;
	ck_assert_uint_eq(hits, 1u << 2);
	ck_assert_int_eq(apic_next_interrupt(a[2]), 0x44);
	ck_assert_int_eq(apic_next_interrupt(a[1]), -1);
	/* Logical flat 0x0a: CPUs 1 and 3, edge. */
	set_rte(io, 7, 0x45 | LOGICAL, 0x0a);
	ioapic_set_irq(io, 7, true);
	ck_assert_uint_eq(rec.n, 2);
	hits = 0;
	cpumask_for_each(cpu, &M.last_route)
		hits |= 1u << cpu;
	ck_assert_uint_eq(hits, (1u << 1) | (1u << 3));
	ck_assert_int_eq(apic_next_interrupt(a[3]), 0x45);
	/* Physical broadcast 0xff reaches all. */
	set_rte(io, 8, 0x46, 0xff);
	ioapic_set_irq(io, 8, true);
	hits = 0;
	cpumask_for_each(cpu, &M.last_route)
		hits |= 1u << cpu;
	ck_assert_uint_eq(hits, 0xf);
	ioapic_destroy(io);
	for (unsigned i = 0; i < 4; i++)
		apic_destroy(a[i]);
	apic_bus_destroy(M.bus);
}
END_TEST

START_TEST(test_trigger_change_clears_remote_irr)
{
	struct ioapic *io = make_ioapic();

	set_rte(io, 14, 0xa0 | LEVEL, 0);
	ioapic_set_irq(io, 14, true);
	ck_assert_uint_eq(rec.n, 1);
	ck_assert(remote_irr(io, 14));
	/* Linux's clear_IO_APIC_pin()/eoi_ioapic_pin() for version < 0x20:
	 * mask, edge, level, unmask. */
	set_rte(io, 14, 0xa0 | LEVEL | MASKED, 0);
	ck_assert(remote_irr(io, 14));
	set_rte(io, 14, 0xa0 | EDGE | MASKED, 0);
	ck_assert(!remote_irr(io, 14));
	set_rte(io, 14, 0xa0 | LEVEL | MASKED, 0);
	ck_assert(!remote_irr(io, 14));
	ck_assert_uint_eq(rec.n, 1);
	set_rte(io, 14, 0xa0 | LEVEL, 0); /* still asserted */
	ck_assert_uint_eq(rec.n, 2);
	ck_assert(remote_irr(io, 14));
	/* Unmasked edge switch: clears remote IRR, edge delivers nothing. */
	set_rte(io, 14, 0xa0 | EDGE, 0);
	ck_assert(!remote_irr(io, 14));
	ck_assert_uint_eq(rec.n, 2);
	/* Back to level on an asserted, unmasked line: delivers. */
	set_rte(io, 14, 0xa0 | LEVEL, 0);
	ck_assert_uint_eq(rec.n, 3);
	ioapic_destroy(io);
}
END_TEST

START_TEST(test_reset)
{
	struct ioapic *io = make_ioapic();

	wr(io, IOAPIC_ID, 0x05000000);
	set_rte(io, 15, 0xb0 | LEVEL, 9);
	ioapic_set_irq(io, 15, true);
	ck_assert(remote_irr(io, 15));
	mmio_wr32(io, IOAPIC_REG_SELECT, IOAPIC_VERSION);
	ioapic_reset(io);
	ck_assert_uint_eq(mmio_rd32(io, IOAPIC_REG_SELECT), 0);
	ck_assert_uint_eq(rd(io, IOAPIC_ID), 0);
	for (unsigned pin = 0; pin < IOAPIC_NR_PINS; pin++) {
		ck_assert_uint_eq(rd(io, IOAPIC_REDTBL(pin)), 0x10000);
		ck_assert_uint_eq(rd(io, IOAPIC_REDTBL(pin) + 1), 0);
	}
	ck_assert_uint_eq(rec.n, 1);
	/* The wire is still high: the new level entry delivers on unmask. */
	set_rte(io, 15, 0xb1 | LEVEL, 9);
	ck_assert_uint_eq(rec.n, 2);
	ck_assert_uint_eq(rec.msg[1].vector, 0xb1);
	ioapic_reset(NULL);
	ioapic_destroy(io);
}
END_TEST

/* A deliver callback that re-enters: the "vCPU" handles it at once. */
static struct ioapic *reenter_io;
static unsigned reenter_calls;

static void reenter_deliver(void *opaque, unsigned pin,
			    const struct apic_ipi *msg)
{
	(void)opaque;
	ck_assert_uint_eq(pin, 16);
	reenter_calls++;
	/* The handler quiets the device, then EOIs; then raises it again,
	 * once, to see the model accept a line change from inside. */
	ioapic_set_irq(reenter_io, 16, false);
	ioapic_eoi(reenter_io, msg->vector);
	if (reenter_calls == 1)
		ioapic_set_irq(reenter_io, 16, true);
	mmio_wr32(reenter_io, IOAPIC_REG_SELECT, IOAPIC_REDTBL(16));
	(void)mmio_rd32(reenter_io, IOAPIC_REG_WINDOW);
}

START_TEST(test_deliver_may_reenter)
{
	const struct ioapic_ops ops = { .deliver = reenter_deliver };

	reenter_calls = 0;
	reenter_io = ioapic_create(&ops);
	ck_assert_ptr_nonnull(reenter_io);
	set_rte(reenter_io, 16, 0xc0 | LEVEL, 0);
	ioapic_set_irq(reenter_io, 16, true);
	ck_assert_uint_eq(reenter_calls, 2);
	ck_assert(!remote_irr(reenter_io, 16));
	ioapic_destroy(reenter_io);
}
END_TEST

START_TEST(test_bus_registration)
{
	struct ioapic *io = make_ioapic();
	struct bus bus;
	uint32_t v = 0;
	uint8_t buf[8];

	bus_init(&bus, "mmio");
	ck_assert_int_eq(ioapic_register(NULL, &bus, IOAPIC_DEFAULT_BASE),
			 -EINVAL);
	ck_assert_int_eq(ioapic_register(io, NULL, IOAPIC_DEFAULT_BASE),
			 -EINVAL);
	ck_assert_int_eq(ioapic_register(io, &bus, IOAPIC_DEFAULT_BASE), 0);
	ck_assert_int_eq(ioapic_register(io, &bus, IOAPIC_DEFAULT_BASE + 0x800),
			 -EEXIST);
	v = IOAPIC_VERSION;
	ck_assert(bus_access(&bus, 0, IOAPIC_DEFAULT_BASE, &v, 4, true));
	v = 0;
	ck_assert(bus_access(&bus, 1, IOAPIC_DEFAULT_BASE + 0x10, &v, 4,
			     false));
	ck_assert_uint_eq(v, IOAPIC_VERSION_VALUE);
	/* The whole page is the I/O APIC's; unused offsets read 0. */
	memset(buf, 0xaa, sizeof(buf));
	ck_assert(bus_access(&bus, 0, IOAPIC_DEFAULT_BASE + 0xff8, buf, 8,
			     false));
	for (unsigned i = 0; i < 8; i++)
		ck_assert_uint_eq(buf[i], 0);
	ck_assert(!bus_access(&bus, 0, IOAPIC_DEFAULT_BASE + IOAPIC_MMIO_SIZE,
			      buf, 4, false));
	/* Through the bus, a line fires as usual. */
	v = IOAPIC_REDTBL(0);
	bus_access(&bus, 0, IOAPIC_DEFAULT_BASE, &v, 4, true);
	v = 0x21;
	bus_access(&bus, 0, IOAPIC_DEFAULT_BASE + 0x10, &v, 4, true);
	ioapic_set_irq(io, 0, true);
	ck_assert_uint_eq(rec.n, 1);
	ck_assert_uint_eq(rec.msg[0].vector, 0x21);
	ioapic_destroy(io);
}
END_TEST

static void garbage_deliver(void *opaque, unsigned pin,
			    const struct apic_ipi *msg)
{
	ck_assert_uint_lt(pin, IOAPIC_NR_PINS);
	unsigned *n = opaque;

	/* Whatever was programmed, the message is well-formed. */
	ck_assert(msg->delivery_mode != APIC_DM_REMOTE_READ &&
		  msg->delivery_mode != APIC_DM_STARTUP &&
		  msg->delivery_mode <= 7);
	ck_assert_uint_le(msg->dest, 0xff);
	ck_assert(msg->level_assert && !msg->x2apic);
	ck_assert_uint_eq(msg->shorthand, APIC_SH_NONE);
	ck_assert_uint_eq(msg->source_cpu, IOAPIC_SOURCE_CPU);
	(*n)++;
}

START_TEST(test_garbage_never_hurts)
{
	static const unsigned lens[] = { 0, 1, 2, 3, 4, 5, 7, 8, 16 };
	static const uint64_t hot[] = { 0x00, 0x01, 0x02, 0x03, 0x10, 0x11,
					0x13, 0x14, 0x20, 0x40, 0x41, 0x44 };
	unsigned delivered = 0;
	const struct ioapic_ops ops = { .deliver = garbage_deliver,
					.opaque = &delivered };
	struct ioapic *io = ioapic_create(&ops);
	uint64_t seed = 0x10a91c0ffee;
	uint8_t buf[16];

	ck_assert_ptr_nonnull(io);
	/* Every IOREGSEL value: beyond the table reads 0, writes ignored. */
	for (unsigned reg = 0; reg < 0x100; reg++) {
		uint32_t v;

		mmio_wr32(io, IOAPIC_REG_SELECT, reg);
		v = mmio_rd32(io, IOAPIC_REG_WINDOW);
		if (reg >= 0x40 || (reg > 2 && reg < 0x10))
			ck_assert_uint_eq(v, 0);
	}
	for (unsigned i = 0; i < 100000; i++) {
		uint64_t r = test_rand(&seed);
		unsigned len = lens[r % 9];
		uint64_t off;
		uint64_t data = test_rand(&seed);

		switch ((r >> 8) % 8) {
		case 0: /* anywhere in the page, any alignment */
			off = (r >> 16) % IOAPIC_MMIO_SIZE;
			break;
		case 1: /* set a line */
			ioapic_set_irq(io, (unsigned)(r >> 16) % 32,
				       (r >> 32) & 1);
			continue;
		case 2: /* an EOI broadcast */
			ioapic_eoi(io, (uint8_t)(r >> 16));
			continue;
		case 3: /* an offset far out of the window */
			off = r >> 12;
			break;
		default: /* near the registers */
			off = hot[(r >> 16) % (sizeof(hot) / sizeof(hot[0]))];
			if ((r >> 24) & 1)
				len = 4;
			break;
		}
		if (len > sizeof(buf))
			len = sizeof(buf);
		memcpy(buf, &data, 8);
		memcpy(buf + 8, &data, 8);
		if ((r >> 40) & 1)
			ioapic_mmio_write(io, off, buf, len);
		else
			ioapic_mmio_read(io, off, buf, len);
	}
	/* Still an I/O APIC. */
	ck_assert_uint_eq(rd(io, IOAPIC_VERSION), IOAPIC_VERSION_VALUE);
	ck_assert_uint_eq(rd(io, IOAPIC_ID) & ~IOAPIC_ID_MASK, 0);
	for (unsigned pin = 0; pin < IOAPIC_NR_PINS; pin++) {
		ck_assert_uint_eq(rd(io, IOAPIC_REDTBL(pin)) & 0xfffe1000u, 0);
		ck_assert_uint_eq(rd(io, IOAPIC_REDTBL(pin) + 1) & 0x00ffffffu, 0);
	}
	ck_assert_uint_gt(delivered, 0);
	ioapic_mmio_read(NULL, 0, buf, 4);
	ioapic_mmio_write(NULL, 0, buf, 4);
	ioapic_mmio_read(io, 0, NULL, 4);
	ioapic_mmio_write(io, 0x10, NULL, 4);
	ioapic_eoi(NULL, 0);
	ioapic_destroy(io);
}
END_TEST

/*
 * Device threads toggle lines (level pins 0-7, edge pins 8-15) while an EOI
 * thread broadcasts EOIs and writes the EOI register, and a "vCPU" thread
 * masks, unmasks and reads entries; half the deliveries EOI from inside
 * the callback, as a vCPU thread handling it synchronously would.
 */
#define MT_ITERS 20000
#define MT_LEVEL_VEC(pin) (0x30u + (pin))

struct mt {
	struct ioapic *io;
	_Atomic unsigned delivered;
	_Atomic unsigned stop;
	unsigned id;
};

static struct mt mt;

static void mt_deliver(void *opaque, unsigned pin, const struct apic_ipi *msg)
{
	(void)pin;
	struct mt *m = opaque;
	unsigned n = atomic_fetch_add(&m->delivered, 1);

	if (msg->level_trigger && (n & 1))
		ioapic_eoi(m->io, msg->vector);
}

static void *mt_device(void *arg)
{
	unsigned first = (unsigned)(uintptr_t)arg;
	uint64_t seed = 0x9e3779b97f4a7c15ull + first;

	for (unsigned i = 0; i < MT_ITERS; i++) {
		uint64_t r = test_rand(&seed);

		ioapic_set_irq(mt.io, first + (unsigned)(r % 8), (r >> 8) & 1);
	}
	return NULL;
}

static void *mt_eoi(void *arg)
{
	uint64_t seed = 0x5eed;

	(void)arg;
	while (!atomic_load(&mt.stop)) {
		uint64_t r = test_rand(&seed);

		if (r & 1)
			ioapic_eoi(mt.io, (uint8_t)MT_LEVEL_VEC(r % 8));
		else
			mmio_wr32(mt.io, IOAPIC_REG_EOI,
				  MT_LEVEL_VEC((r >> 1) % 8));
	}
	return NULL;
}

static void *mt_vcpu(void *arg)
{
	uint64_t seed = 0xc0ffee;

	(void)arg;
	while (!atomic_load(&mt.stop)) {
		uint64_t r = test_rand(&seed);
		unsigned pin = (unsigned)(r % 16);
		uint32_t low = pin < 8 ? MT_LEVEL_VEC(pin) | LEVEL
				       : 0x50u + pin;

		if ((r >> 8) & 1)
			low |= MASKED;
		/* One select+window pair is not atomic against the other
		 * writers of IOREGSEL: only this thread selects. */
		set_rte(mt.io, pin, low, (uint8_t)(r >> 16));
		(void)rte_low(mt.io, pin);
		(void)rd(mt.io, IOAPIC_VERSION);
	}
	return NULL;
}

START_TEST(test_concurrent_lines_and_eois)
{
	const struct ioapic_ops ops = { .deliver = mt_deliver, .opaque = &mt };
	pthread_t dev[2], eoi, vcpu;

	memset(&mt, 0, sizeof(mt));
	mt.io = ioapic_create(&ops);
	ck_assert_ptr_nonnull(mt.io);
	for (unsigned pin = 0; pin < 16; pin++)
		set_rte(mt.io, pin,
			pin < 8 ? MT_LEVEL_VEC(pin) | LEVEL : 0x50u + pin, 0);
	ck_assert_int_eq(pthread_create(&eoi, NULL, mt_eoi, NULL), 0);
	ck_assert_int_eq(pthread_create(&vcpu, NULL, mt_vcpu, NULL), 0);
	ck_assert_int_eq(pthread_create(&dev[0], NULL, mt_device,
					(void *)(uintptr_t)0), 0);
	ck_assert_int_eq(pthread_create(&dev[1], NULL, mt_device,
					(void *)(uintptr_t)8), 0);
	pthread_join(dev[0], NULL);
	pthread_join(dev[1], NULL);
	atomic_store(&mt.stop, 1);
	pthread_join(eoi, NULL);
	pthread_join(vcpu, NULL);
	ck_assert_uint_gt(atomic_load(&mt.delivered), 0);
	/* Quiesce: lines low, every level vector EOIed: no remote IRR left,
	 * and nothing more is delivered. */
	for (unsigned pin = 0; pin < 16; pin++)
		ioapic_set_irq(mt.io, pin, false);
	for (unsigned pin = 0; pin < 8; pin++)
		ioapic_eoi(mt.io, (uint8_t)MT_LEVEL_VEC(pin));
	{
		unsigned before = atomic_load(&mt.delivered);

		for (unsigned pin = 0; pin < 16; pin++)
			ck_assert(!remote_irr(mt.io, pin));
		for (unsigned pin = 0; pin < 8; pin++)
			ioapic_eoi(mt.io, (uint8_t)MT_LEVEL_VEC(pin));
		ck_assert_uint_eq(atomic_load(&mt.delivered), before);
	}
	ck_assert_uint_eq(rd(mt.io, IOAPIC_VERSION), IOAPIC_VERSION_VALUE);
	ioapic_destroy(mt.io);
}
END_TEST

static Suite *ioapic_suite(void)
{
	Suite *s = suite_create("ioapic");
	TCase *regs = tcase_create("registers");
	TCase *delivery = tcase_create("delivery");
	TCase *hostile = tcase_create("hostile");

	tcase_add_test(regs, test_create_checks);
	tcase_add_test(regs, test_id_version_arbitration);
	tcase_add_test(regs, test_redirection_entry_bits);
	tcase_add_test(regs, test_reset);
	tcase_add_test(regs, test_bus_registration);
	suite_add_tcase(s, regs);

	tcase_add_test(delivery, test_edge_once_per_rising_edge);
	tcase_add_test(delivery, test_masked_edge_is_lost);
	tcase_add_test(delivery, test_level_remote_irr);
	tcase_add_test(delivery, test_eoi_register_vs_broadcast);
	tcase_add_test(delivery, test_unmask_asserted_level_delivers);
	tcase_add_test(delivery, test_polarity_active_low);
	tcase_add_test(delivery, test_dest_and_delivery_modes);
	tcase_add_test(delivery, test_routes_through_apic_bus);
	tcase_add_test(delivery, test_trigger_change_clears_remote_irr);
	tcase_add_test(delivery, test_deliver_may_reenter);
	suite_add_tcase(s, delivery);

	tcase_add_test(hostile, test_garbage_never_hurts);
	tcase_add_test(hostile, test_concurrent_lines_and_eois);
	tcase_set_timeout(hostile, 120);
	suite_add_tcase(s, hostile);
	return s;
}

CHECK_MAIN(ioapic_suite)
