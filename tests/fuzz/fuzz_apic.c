/* SPDX-License-Identifier: MIT */
/*
 * fuzz_apic.c - libFuzzer target for the local APIC model (vmm/apic_*.c).
 *
 * The input is a program: byte 0 picks 2-4 APICs, then each operation is an
 * opcode byte plus operands (MMIO at any offset/width, MSRs of any index,
 * deliveries, ack, events, timer, clock, resets, ICR sends). IPIs go
 * through tests/unit/apic_mock.h: apic_bus_route() + apic_deliver(), as the
 * VMM's router does, or (byte 0 bit 6) through the router itself,
 * vmm/apic_ipi.c with its IPI domain. After every operation the invariants below must hold,
 * else abort().
 */
#include <errno.h>
#include <string.h>

#include "apic_ipi.h"
#include "apic_mock.h"
#include "apic_regs.h"
#include "fuzz_common.h"

#define MAX_APICS 4

static struct mock M;
static struct apic *A[MAX_APICS];
static unsigned N;
/* Vectors that apic_ack_interrupt() returned (ever, per APIC): an ISR bit
 * outside this set appeared without an acknowledge. */
static uint32_t acked[MAX_APICS][8];

/* With byte 0 bit 6: the VMM's router (vmm/apic_ipi.c, an IPI domain in
 * a virq table) instead of the mock's route + deliver. */
static struct virq_table *T;
static struct apic_ipi_router *R;

static int router_send(void *opaque, const struct apic_ipi *ipi)
{
	int rc = apic_ipi_route(R, ipi);

	(void)opaque;
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "apic_ipi_route %d", rc);
	return rc;
}

static struct apic *router_apic(unsigned cpu, uint32_t id)
{
	struct apic_config cfg = {
		.size = sizeof(cfg), .cpu = cpu, .apic_id = id,
		.bsp = cpu == 0, .x2apic_supported = true,
		.tsc_khz = MOCK_TSC_KHZ, .bus_khz = MOCK_BUS_KHZ,
	};
	struct apic_ops ops = mock_ops(&M);

	ops.send_ipi = router_send;
	return apic_create(&cfg, &ops);
}

static uint32_t reg_read(struct apic *a, unsigned off)
{
	uint64_t v = 0;

	if (apic_x2apic_enabled(a)) {
		if (apic_msr_read(a, MSR_X2APIC_FIRST + off / 16, &v))
			return 0;
		return (uint32_t)v;
	}
	uint32_t w = 0;
	apic_mmio_read(a, off, &w, 4);
	return w;
}

static void reg_write(struct apic *a, unsigned off, uint64_t v)
{
	if (apic_x2apic_enabled(a)) {
		(void)apic_msr_write(a, MSR_X2APIC_FIRST + off / 16, v);
	} else {
		uint32_t w = (uint32_t)v;
		apic_mmio_write(a, off, &w, 4);
	}
}

static void check(unsigned i)
{
	struct apic *a = A[i];
	uint32_t ppr = apic_ppr(a);

	FUZZ_CHECK((ppr & 0xf0) >= (a->tpr & 0xf0), "cpu %u ppr %#x tpr %#x",
		   i, ppr, a->tpr);
	FUZZ_CHECK(ppr <= 0xff, "cpu %u ppr %#x", i, ppr);
	FUZZ_CHECK(a->tpr <= 0xff, "cpu %u tpr %#x", i, a->tpr);
	for (unsigned w = 0; w < 8; w++) {
		FUZZ_CHECK(!(a->isr[w] & ~acked[i][w]),
			   "cpu %u ISR word %u %#x without ack (acked %#x)", i,
			   w, a->isr[w], acked[i][w]);
		/* vectors 0-15 are never accepted */
		if (w == 0)
			FUZZ_CHECK(!(atomic_load(&a->irr[0]) & 0xffff) &&
					   !(a->isr[0] & 0xffff),
				   "cpu %u vector < 16 in IRR/ISR", i);
	}
	int v = apic_next_interrupt(a);
	FUZZ_CHECK(v == -1 || (v >= 16 && v <= 255), "cpu %u next %d", i, v);
	if (v >= 0)
		FUZZ_CHECK(((unsigned)v & 0xf0) > (ppr & 0xf0),
			   "cpu %u next %d not above ppr %#x", i, v, ppr);
	/* The guest-visible PPR/TPR agree with the model's. */
	if (apic_hw_enabled(a)) {
		FUZZ_CHECK(reg_read(a, APIC_REG_PPR) == ppr,
			   "cpu %u PPR reads %#x, model %#x", i,
			   reg_read(a, APIC_REG_PPR), ppr);
	}
	FUZZ_CHECK(apic_cpu(a) == i, "cpu %u apic_cpu %u", i, apic_cpu(a));
	/* The published ID/LDR (what the bus routes by) match the registers. */
	if (apic_x2apic_enabled(a)) {
		FUZZ_CHECK(reg_read(a, APIC_REG_ID) == apic_id(a),
			   "cpu %u x2APIC ID reads %#x, published %#x", i,
			   reg_read(a, APIC_REG_ID), apic_id(a));
		FUZZ_CHECK(reg_read(a, APIC_REG_LDR) ==
				   apic_x2apic_ldr(apic_id(a)),
			   "cpu %u x2APIC LDR %#x for ID %#x", i,
			   reg_read(a, APIC_REG_LDR), apic_id(a));
	} else if (apic_hw_enabled(a)) {
		FUZZ_CHECK(reg_read(a, APIC_REG_ID) >> 24 == apic_id(a),
			   "cpu %u xAPIC ID reads %#x, published %#x", i,
			   reg_read(a, APIC_REG_ID), apic_id(a));
		FUZZ_CHECK(reg_read(a, APIC_REG_LDR) == apic_pub_ldr(a),
			   "cpu %u LDR reads %#x, published %#x", i,
			   reg_read(a, APIC_REG_LDR), apic_pub_ldr(a));
	}
}

static uint32_t pick_msr(struct fin *f)
{
	uint8_t k = fin_u8(f);

	switch (k & 3) {
	case 0: return MSR_IA32_APIC_BASE;
	case 1: return MSR_IA32_TSC_DEADLINE;
	case 2: return MSR_X2APIC_FIRST + fin_u8(f);
	default: return fin_u32(f);
	}
}

static uint64_t pick_base(struct fin *f)
{
	uint8_t k = fin_u8(f);
	uint64_t v = APIC_DEFAULT_BASE;

	if (k & 1) v |= APIC_BASE_ENABLE;
	if (k & 2) v |= APIC_BASE_EXTD;
	if (k & 4) v |= APIC_BASE_BSP;
	if (k & 8) v = fin_u64(f);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin f = { data, size, 0 };
	uint8_t hdr = fin_u8(&f);

	mock_init(&M);
	memset(acked, 0, sizeof(acked));
	N = 2 + hdr % 3;
	M.bus = apic_bus_create(N);
	if (!M.bus)
		abort();
	R = NULL;
	T = NULL;
	if (hdr & 0x40) {
		T = irq_domain_table_create(256);
		R = T ? apic_ipi_router_create(T, M.bus) : NULL;
		if (!R)
			abort();
	}
	for (unsigned i = 0; i < N; i++) {
		/* IDs: dense by default, or fuzzed (duplicates allowed) */
		uint32_t id = (hdr & 0x80) ? fin_u8(&f) : i;
		A[i] = R ? router_apic(i, id) : mock_apic(&M, i, id, i == 0);
		if (!A[i] || apic_bus_attach(M.bus, A[i]))
			abort();
	}

	for (unsigned steps = 0; fin_more(&f) && steps < 4096; steps++) {
		uint8_t op = fin_u8(&f);
		unsigned c = fin_u8(&f) % N;
		struct apic *a = A[c];
		static const unsigned lens[4] = { 1, 2, 4, 8 };

		switch (op % 16) {
		case 0: { /* MMIO read anywhere in the page */
			uint64_t buf = 0;
			unsigned off = fin_u16(&f) & 0xfff;
			apic_mmio_read(a, off, &buf, lens[fin_u8(&f) & 3]);
			break;
		}
		case 1: { /* MMIO write anywhere */
			unsigned off = fin_u16(&f) & 0xfff;
			unsigned len = lens[fin_u8(&f) & 3];
			uint64_t v = fin_u64(&f);
			apic_mmio_write(a, off, &v, len);
			break;
		}
		case 2: { /* aligned register write, by register number */
			unsigned off = (fin_u8(&f) & 0x3f) << 4;
			reg_write(a, off, fin_u32(&f));
			break;
		}
		case 3: {
			uint64_t v = 0;
			int rc = apic_msr_read(a, pick_msr(&f), &v);
			FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOENT,
				   "msr read rc %d", rc);
			break;
		}
		case 4: {
			uint32_t msr = pick_msr(&f);
			uint64_t v = (fin_u8(&f) & 1) ? fin_u64(&f) : fin_u32(&f);
			int rc = apic_msr_write(a, msr, v);
			FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOENT,
				   "msr write rc %d", rc);
			break;
		}
		case 5: /* IA32_APIC_BASE mode changes */
			(void)apic_msr_write(a, MSR_IA32_APIC_BASE,
					     pick_base(&f));
			break;
		case 6: { /* a message from outside (I/O APIC, another VMM path) */
			uint8_t mode = fin_u8(&f);
			uint8_t vec = fin_u8(&f);
			apic_deliver(a, mode & 7, vec, mode & 0x80);
			break;
		}
		case 7: { /* the core takes an interrupt */
			int want = apic_next_interrupt(a);
			int got = apic_ack_interrupt(a);
			FUZZ_CHECK(got == want, "cpu %u ack %d next said %d", c,
				   got, want);
			if (got >= 0) {
				acked[c][got / 32] |= 1u << (got % 32);
				FUZZ_CHECK(a->isr[got / 32] & (1u << (got % 32)),
					   "cpu %u acked %d not in ISR", c, got);
			}
			break;
		}
		case 8: /* EOI */
			reg_write(a, APIC_REG_EOI, 0);
			break;
		case 9: {
			struct apic_events ev = apic_take_events(a);
			FUZZ_CHECK(!(ev.mask & ~(APIC_EVENT_NMI | APIC_EVENT_INIT |
						 APIC_EVENT_SIPI)),
				   "events %#x", ev.mask);
			break;
		}
		case 10:
			apic_timer_fire(a);
			apic_timer_poll(a, M.now);
			break;
		case 11: { /* time passes */
			uint64_t d = fin_u32(&f);
			if (fin_u8(&f) & 1)
				d <<= 16;
			M.now += d;
			for (unsigned i = 0; i < MOCK_CPUS; i++)
				M.tsc[i] = M.now * 2;
			break;
		}
		case 12: {
			struct apic_events ev;
			apic_reset(a, fin_u8(&f) & 1);
			for (unsigned w = 0; w < 8; w++)
				FUZZ_CHECK(!a->isr[w] && !atomic_load(&a->irr[w]),
					   "cpu %u IRR/ISR after reset", c);
			FUZZ_CHECK(a->tpr == 0, "cpu %u TPR after reset", c);
			ev = apic_take_events(a);
			FUZZ_CHECK(ev.mask == 0, "cpu %u events %#x after reset",
				   c, ev.mask);
			break;
		}
		case 13: { /* ICR send in the current mode */
			uint32_t lo = fin_u32(&f), hi = fin_u32(&f);
			if (apic_x2apic_enabled(a)) {
				(void)apic_msr_write(a, MSR_X2APIC_FIRST + 0x30,
						     (uint64_t)hi << 32 | lo);
			} else {
				apic_mmio_write(a, APIC_REG_ICR_HIGH, &hi, 4);
				apic_mmio_write(a, APIC_REG_ICR_LOW, &lo, 4);
			}
			break;
		}
		case 14:
			apic_set_wait_for_sipi(a, fin_u8(&f) & 1);
			break;
		default: { /* quick setup: software-enable with a vector */
			uint8_t k = fin_u8(&f);
			reg_write(a, APIC_REG_SVR, 0x100 | 0xff);
			reg_write(a, APIC_REG_TPR, k & 0xf0);
			break;
		}
		}
		for (unsigned i = 0; i < N; i++)
			check(i);
		(void)apic_arb_priority(a);
		(void)apic_id(a);
		(void)apic_wait_for_sipi(a);
		(void)apic_mmio_claims(a, APIC_DEFAULT_BASE);
	}

	if (R) {
		uint64_t msgs, dels, sent = 0, recv = 0;
		apic_ipi_counts(R, &msgs, &dels);
		for (unsigned i = 0; i < N; i++) {
			uint64_t s1, r1;
			apic_ipi_cpu_counts(R, i, &s1, &r1);
			sent += s1;
			recv += r1;
		}
		FUZZ_CHECK(dels <= msgs * N, "%llu deliveries for %llu messages",
			   (unsigned long long)dels, (unsigned long long)msgs);
		FUZZ_CHECK(recv == dels, "per-cpu received %llu, total %llu",
			   (unsigned long long)recv, (unsigned long long)dels);
		(void)sent;
		apic_ipi_router_destroy(R);
		irq_domain_table_destroy(T);
	}
	for (unsigned i = 0; i < N; i++)
		apic_destroy(A[i]);
	apic_bus_destroy(M.bus);
	return 0;
}
