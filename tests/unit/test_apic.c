// SPDX-License-Identifier: MIT
/*
 * test_apic.c - unit tests of one local APIC: registers in both modes,
 * IA32_APIC_BASE transitions, priorities, acceptance, events, the timer and
 * the sending side of the ICR. Routing across APICs is test_apic_bus.c.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "apic_mock.h"
#include "apic_regs.h"
#include "check_main.h"

static struct mock M;
static struct apic *A;

#define ID0 3u /* the APIC ID of the APIC under test */

static void setup(void)
{
	mock_init(&M);
	A = mock_apic(&M, 0, ID0, true);
	ck_assert_ptr_nonnull(A);
}

static void teardown(void)
{
	apic_destroy(A);
	A = NULL;
}

static void sw_enable(struct apic *a)
{
	xwr(a, APIC_REG_SVR, 0x1ff);
}

static void to_x2apic(struct apic *a)
{
	ck_assert_int_eq(apic_msr_write(a, MSR_IA32_APIC_BASE,
					apic_base_msr(a) | APIC_BASE_EXTD),
			 0);
	ck_assert(apic_x2apic_enabled(a));
}

static uint32_t irr_word(struct apic *a, unsigned i)
{
	return xrd(a, APIC_REG_IRR + 16 * i);
}

/* ------------------------------------------------------------ lifecycle */

START_TEST(test_reset_values)
{
	ck_assert_uint_eq(xrd(A, APIC_REG_ID), ID0 << 24);
	ck_assert_uint_eq(xrd(A, APIC_REG_VERSION), 0x00060014);
	ck_assert_uint_eq(xrd(A, APIC_REG_TPR), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_APR), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_PPR), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_EOI), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_RRD), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_LDR), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_DFR), 0xffffffff);
	ck_assert_uint_eq(xrd(A, APIC_REG_SVR), 0xff);
	for (unsigned i = 0; i < 8; i++) {
		ck_assert_uint_eq(xrd(A, APIC_REG_ISR + 16 * i), 0);
		ck_assert_uint_eq(xrd(A, APIC_REG_TMR + 16 * i), 0);
		ck_assert_uint_eq(xrd(A, APIC_REG_IRR + 16 * i), 0);
	}
	ck_assert_uint_eq(xrd(A, APIC_REG_ESR), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_LVT_CMCI), 0x10000);
	for (unsigned off = APIC_REG_LVT_TIMER; off <= APIC_REG_LVT_ERROR;
	     off += 16)
		ck_assert_uint_eq(xrd(A, off), 0x10000);
	ck_assert_uint_eq(xrd(A, APIC_REG_ICR_LOW), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_ICR_HIGH), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_ICR), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_DCR), 0);
	ck_assert_uint_eq(apic_base_msr(A), 0xfee00900ull);
	ck_assert(apic_mmio_claims(A, 0xfee00000ull));
	ck_assert(apic_mmio_claims(A, 0xfee00fffull));
	ck_assert(!apic_mmio_claims(A, 0xfee01000ull));
	ck_assert(!apic_mmio_claims(A, 0xfedfffffull));
	ck_assert(!apic_x2apic_enabled(A));
	ck_assert(!apic_wait_for_sipi(A));
	ck_assert_uint_eq(apic_id(A), ID0);
	ck_assert_uint_eq(apic_cpu(A), 0);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	ck_assert_uint_eq(M.nr_arms, 0);
	ck_assert_uint_eq(mock_kicks(&M, 0), 0);
}
END_TEST

START_TEST(test_reset_ap)
{
	struct apic *ap = mock_apic(&M, 1, 7, false);

	ck_assert_ptr_nonnull(ap);
	ck_assert_uint_eq(apic_base_msr(ap), 0xfee00800ull);
	ck_assert(apic_wait_for_sipi(ap));
	ck_assert_uint_eq(xrd(ap, APIC_REG_ID), 7u << 24);
	apic_destroy(ap);
}
END_TEST

START_TEST(test_create_invalid)
{
	struct apic_ops ops = mock_ops(&M);
	struct apic_config cfg = {
		.size = sizeof(cfg), .cpu = 0, .apic_id = 0, .bsp = true,
		.x2apic_supported = true, .tsc_khz = 1000, .bus_khz = 1000,
	};
	struct apic_config bad;
	struct apic_ops bad_ops;
	struct {
		struct apic_config cfg;
		uint64_t future_field;
	} bigger = { cfg, 42 };
	struct apic *a;

	errno = 0;
	ck_assert_ptr_null(apic_create(NULL, &ops));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(apic_create(&cfg, NULL));
	bad = cfg;
	/* shorter than the v1 fields (up to bus_khz) */
	bad.size = offsetof(struct apic_config, bus_khz) + sizeof(uint64_t) - 1;
	ck_assert_ptr_null(apic_create(&bad, &ops));
	bad = cfg;
	bad.phys_addr_bits = 53; /* MAXPHYADDR is at most 52 */
	ck_assert_ptr_null(apic_create(&bad, &ops));
	bad.phys_addr_bits = 31;
	ck_assert_ptr_null(apic_create(&bad, &ops));
	bad = cfg;
	bad.bus_khz = 0;
	ck_assert_ptr_null(apic_create(&bad, &ops));
	bad = cfg;
	bad.tsc_khz = 0;
	ck_assert_ptr_null(apic_create(&bad, &ops));
	bad = cfg;
	bad.tsc_khz = 1000000001ull;
	ck_assert_ptr_null(apic_create(&bad, &ops));
	bad = cfg;
	bad.cpu = IPIVIRT_MAX_CPUS;
	ck_assert_ptr_null(apic_create(&bad, &ops));
	bad_ops = ops;
	bad_ops.send_ipi = NULL;
	errno = 0;
	ck_assert_ptr_null(apic_create(&cfg, &bad_ops));
	ck_assert_int_eq(errno, EINVAL);
	/* A newer caller's larger struct is accepted. */
	bigger.cfg.size = sizeof(bigger);
	a = apic_create(&bigger.cfg, &ops);
	ck_assert_ptr_nonnull(a);
	apic_destroy(a);
	apic_destroy(NULL);
}
END_TEST

START_TEST(test_reset_init_and_power_on)
{
	/* A software-changed xAPIC ID survives INIT, not RESET. */
	xwr(A, APIC_REG_ID, 0x0a000000);
	sw_enable(A);
	xwr(A, APIC_REG_TPR, 0x20);
	xwr(A, APIC_REG_LVT_LINT0, 0x700);
	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_APIC_BASE, 0xfed00900), 0);
	apic_reset(A, true);
	ck_assert_uint_eq(xrd(A, APIC_REG_ID), 0x0a000000);
	ck_assert_uint_eq(apic_base_msr(A), 0xfed00900ull);
	ck_assert_uint_eq(xrd(A, APIC_REG_TPR), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_SVR), 0xff);
	ck_assert_uint_eq(xrd(A, APIC_REG_LVT_LINT0), 0x10000);
	ck_assert(apic_wait_for_sipi(A)); /* BSP included, per the SDM */
	apic_reset(A, false);
	ck_assert_uint_eq(xrd(A, APIC_REG_ID), ID0 << 24);
	ck_assert_uint_eq(apic_base_msr(A), 0xfee00900ull);
	ck_assert(!apic_wait_for_sipi(A));
}
END_TEST

START_TEST(test_reset_x2apic)
{
	uint64_t v;

	to_x2apic(A);
	ck_assert_int_eq(x2wr(A, APIC_REG_TPR, 0x30), 0);
	apic_reset(A, true); /* INIT keeps x2APIC mode and the ID */
	ck_assert(apic_x2apic_enabled(A));
	ck_assert_int_eq(x2rd(A, APIC_REG_ID, &v), 0);
	ck_assert_uint_eq(v, ID0);
	ck_assert_int_eq(x2rd(A, APIC_REG_LDR, &v), 0);
	ck_assert_uint_eq(v, 1u << ID0);
	ck_assert_int_eq(x2rd(A, APIC_REG_TPR, &v), 0);
	ck_assert_uint_eq(v, 0);
	apic_reset(A, false); /* RESET: back to xAPIC */
	ck_assert(!apic_x2apic_enabled(A));
	ck_assert_uint_eq(apic_base_msr(A), 0xfee00900ull);
	ck_assert_uint_eq(xrd(A, APIC_REG_LDR), 0);
}
END_TEST

/* ------------------------------------------------------- xAPIC registers */

START_TEST(test_xapic_id_version)
{
	xwr(A, APIC_REG_ID, 0x0a000000);
	ck_assert_uint_eq(xrd(A, APIC_REG_ID), 0x0a000000);
	ck_assert_uint_eq(apic_id(A), 0x0a);
	xwr(A, APIC_REG_ID, 0xffffffff);
	ck_assert_uint_eq(xrd(A, APIC_REG_ID), 0xff000000);
	xwr(A, APIC_REG_VERSION, 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_VERSION), 0x00060014);
	ck_assert_uint_eq(xesr(A), 0); /* RO writes are not errors */
}
END_TEST

START_TEST(test_xapic_tpr_ldr_dfr_svr)
{
	xwr(A, APIC_REG_TPR, 0xffffffff);
	ck_assert_uint_eq(xrd(A, APIC_REG_TPR), 0xff);
	xwr(A, APIC_REG_TPR, 0x45);
	ck_assert_uint_eq(xrd(A, APIC_REG_TPR), 0x45);
	ck_assert_uint_eq(xrd(A, APIC_REG_PPR), 0x45);

	xwr(A, APIC_REG_LDR, 0xffffffff);
	ck_assert_uint_eq(xrd(A, APIC_REG_LDR), 0xff000000);
	xwr(A, APIC_REG_LDR, 0x12345678);
	ck_assert_uint_eq(xrd(A, APIC_REG_LDR), 0x12000000);

	xwr(A, APIC_REG_DFR, 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_DFR), 0x0fffffff);
	xwr(A, APIC_REG_DFR, 0x12345678);
	ck_assert_uint_eq(xrd(A, APIC_REG_DFR), 0x1fffffff);
	xwr(A, APIC_REG_DFR, 0xffffffff);
	ck_assert_uint_eq(xrd(A, APIC_REG_DFR), 0xffffffff);

	/* Vector, enable, focus; bit 12 (EOI suppression) unsupported. */
	xwr(A, APIC_REG_SVR, 0xffffffff);
	ck_assert_uint_eq(xrd(A, APIC_REG_SVR), 0x3ff);
	xwr(A, APIC_REG_SVR, 0x10f);
	ck_assert_uint_eq(xrd(A, APIC_REG_SVR), 0x10f);
}
END_TEST

START_TEST(test_xapic_lvt_masks)
{
	static const struct {
		unsigned off;
		uint32_t all_ones;
	} lvts[] = {
		{ APIC_REG_LVT_CMCI, 0x000107ff },
		{ APIC_REG_LVT_TIMER, 0x000700ff },
		{ APIC_REG_LVT_THERMAL, 0x000107ff },
		{ APIC_REG_LVT_PERF, 0x000107ff },
		{ APIC_REG_LVT_LINT0, 0x0001a7ff },
		{ APIC_REG_LVT_LINT1, 0x0001a7ff },
		{ APIC_REG_LVT_ERROR, 0x000100ff },
	};

	sw_enable(A);
	for (unsigned i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++) {
		xwr(A, lvts[i].off, 0xffffffff);
		ck_assert_uint_eq(xrd(A, lvts[i].off), lvts[i].all_ones);
		xwr(A, lvts[i].off, 0x31);
		ck_assert_uint_eq(xrd(A, lvts[i].off), 0x31);
	}
}
END_TEST

START_TEST(test_sw_disable_masks_lvts)
{
	/* Disabled at reset: the mask bit cannot be cleared. */
	xwr(A, APIC_REG_LVT_LINT0, 0x000000f0);
	ck_assert_uint_eq(xrd(A, APIC_REG_LVT_LINT0), 0x000100f0);
	sw_enable(A);
	for (unsigned off = APIC_REG_LVT_TIMER; off <= APIC_REG_LVT_ERROR;
	     off += 16)
		xwr(A, off, 0x40);
	xwr(A, APIC_REG_LVT_CMCI, 0x40);
	xwr(A, APIC_REG_SVR, 0xff); /* software disable */
	ck_assert_uint_eq(xrd(A, APIC_REG_LVT_CMCI), 0x10040);
	for (unsigned off = APIC_REG_LVT_TIMER; off <= APIC_REG_LVT_ERROR;
	     off += 16)
		ck_assert_uint_eq(xrd(A, off), 0x10040);
	sw_enable(A); /* re-enabling does not unmask */
	ck_assert_uint_eq(xrd(A, APIC_REG_LVT_PERF), 0x10040);
}
END_TEST

START_TEST(test_xapic_icr_fields)
{
	const struct apic_ipi *ipi;

	sw_enable(A);
	xwr(A, APIC_REG_ICR_HIGH, 0xffffffff);
	ck_assert_uint_eq(xrd(A, APIC_REG_ICR_HIGH), 0xff000000);
	ck_assert_uint_eq(M.nr_ipis, 0); /* the high half does not send */
	xwr(A, APIC_REG_ICR_HIGH, 0xa5000000);
	/* Lowest priority, logical, assert, level, vector 0x31. */
	xwr(A, APIC_REG_ICR_LOW, 0x0000c931);
	ck_assert_uint_eq(M.nr_ipis, 1);
	ipi = &M.ipis[0];
	ck_assert_uint_eq(ipi->vector, 0x31);
	ck_assert_uint_eq(ipi->delivery_mode, APIC_DM_LOWEST);
	ck_assert(ipi->logical);
	ck_assert(ipi->level_assert);
	ck_assert(ipi->level_trigger);
	ck_assert_uint_eq(ipi->shorthand, APIC_SH_NONE);
	ck_assert_uint_eq(ipi->dest, 0xa5);
	ck_assert(!ipi->x2apic);
	ck_assert_uint_eq(ipi->source_cpu, 0);
	/* Delivery status reads idle once the (synchronous) send is done. */
	ck_assert_uint_eq(xrd(A, APIC_REG_ICR_LOW), 0x0000c931);

	/* INIT, all excluding self, edge, assert. */
	xwr(A, APIC_REG_ICR_LOW, 0x000c4500);
	ck_assert_uint_eq(M.nr_ipis, 2);
	ipi = &M.ipis[1];
	ck_assert_uint_eq(ipi->delivery_mode, APIC_DM_INIT);
	ck_assert_uint_eq(ipi->shorthand, APIC_SH_ALL_EXCL_SELF);
	ck_assert(!ipi->logical);
	ck_assert(ipi->level_assert);
	ck_assert(!ipi->level_trigger);

	/* Every writable bit, and none of 12, 13, 16, 17, 20-31. */
	xwr(A, APIC_REG_ICR_LOW, 0xffffffff);
	ck_assert_uint_eq(xrd(A, APIC_REG_ICR_LOW), 0x000ccfff);
	ck_assert_uint_eq(M.nr_ipis, 3);
	ck_assert_uint_eq(M.ipis[2].delivery_mode, APIC_DM_EXTINT);
	ck_assert_uint_eq(M.ipis[2].shorthand, APIC_SH_ALL_EXCL_SELF);
}
END_TEST

START_TEST(test_send_illegal_vector)
{
	sw_enable(A);
	xwr(A, APIC_REG_ICR_HIGH, 0x01000000);
	xwr(A, APIC_REG_ICR_LOW, 0x0000400f); /* fixed, vector 15 */
	ck_assert_uint_eq(M.nr_ipis, 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_ESR), 0); /* not latched yet */
	ck_assert_uint_eq(xesr(A), 0x20);
	ck_assert_uint_eq(xesr(A), 0); /* back-to-back writes clear */
	xwr(A, APIC_REG_ICR_LOW, 0x00004103); /* lowest priority, vector 3 */
	ck_assert_uint_eq(M.nr_ipis, 0);
	ck_assert_uint_eq(xesr(A), 0x20);
	/* NMI, INIT and SIPI carry no interrupt vector: 0 is fine. */
	xwr(A, APIC_REG_ICR_LOW, 0x00004400);
	xwr(A, APIC_REG_ICR_LOW, 0x00004600);
	ck_assert_uint_eq(M.nr_ipis, 2);
	ck_assert_uint_eq(xesr(A), 0);
	/* A legal vector goes out. */
	xwr(A, APIC_REG_ICR_LOW, 0x00004010);
	ck_assert_uint_eq(M.nr_ipis, 3);
	ck_assert_uint_eq(M.ipis[2].vector, 0x10);
}
END_TEST

START_TEST(test_esr_latch_and_error_lvt)
{
	sw_enable(A);
	/* Receive illegal vector, with the error LVT masked. */
	apic_deliver(A, APIC_DM_FIXED, 7, false);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	ck_assert_uint_eq(irr_word(A, 0), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_ESR), 0);
	ck_assert_uint_eq(xesr(A), 0x40); /* collected although masked */
	ck_assert_uint_eq(xesr(A), 0);

	/* Unmasked: the error raises the LVT error vector. */
	xwr(A, APIC_REG_LVT_ERROR, 0xe3);
	apic_deliver(A, APIC_DM_FIXED, 1, false);
	ck_assert_int_eq(apic_next_interrupt(A), 0xe3);
	ck_assert_int_eq(apic_ack_interrupt(A), 0xe3);
	xwr(A, APIC_REG_EOI, 0);
	ck_assert_uint_eq(xesr(A), 0x40);

	/* Two different errors accumulate until the next ESR write. */
	xwr(A, APIC_REG_ICR_LOW, 0x00044002); /* self, fixed, vector 2 */
	xrd(A, 0x3a0); /* reserved */
	ck_assert_uint_eq(xesr(A), 0xa0);
}
END_TEST

START_TEST(test_reserved_mmio_sets_esr)
{
	static const unsigned reserved[] = {
		0x000, 0x010, 0x040, 0x050, 0x060, 0x070, 0x290, 0x2a0,
		0x2b0, 0x2c0, 0x2d0, 0x2e0, 0x3a0, 0x3b0, 0x3c0, 0x3d0,
		0x3f0, 0x400, 0x800, 0xff0,
	};

	sw_enable(A);
	for (unsigned i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		ck_assert_uint_eq(xrd(A, reserved[i]), 0);
		ck_assert_uint_eq(xesr(A), 0x80);
		xwr(A, reserved[i], 0x41);
		ck_assert_uint_eq(xesr(A), 0x80);
	}
	/* SELF_IPI at 0x3f0 is x2APIC-only: nothing was sent. */
	ck_assert_uint_eq(M.nr_ipis, 0);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
}
END_TEST

START_TEST(test_mmio_widths)
{
	uint8_t b;
	uint16_t h;
	uint64_t q;
	uint32_t v;

	xwr(A, APIC_REG_TPR, 0x7c);
	apic_mmio_read(A, APIC_REG_ID + 3, &b, 1);
	ck_assert_uint_eq(b, ID0);
	apic_mmio_read(A, APIC_REG_TPR, &h, 2);
	ck_assert_uint_eq(h, 0x7c);
	apic_mmio_read(A, APIC_REG_DFR + 2, &h, 2);
	ck_assert_uint_eq(h, 0xffff);
	q = ~0ull;
	apic_mmio_read(A, APIC_REG_DFR, &q, 8); /* bytes 4-7 of a slot: 0 */
	ck_assert_uint_eq(q, 0xffffffffull);
	v = 0x12345678;
	apic_mmio_read(A, APIC_REG_TPR + 4, &v, 4);
	ck_assert_uint_eq(v, 0);

	/* Narrow or misaligned stores do not reach the register. */
	b = 0x11;
	apic_mmio_write(A, APIC_REG_TPR, &b, 1);
	v = 0x22;
	apic_mmio_write(A, APIC_REG_TPR + 4, &v, 4);
	ck_assert_uint_eq(xrd(A, APIC_REG_TPR), 0x7c);
	q = 0xffffffff00000033ull; /* 8-byte store: the first dword counts */
	apic_mmio_write(A, APIC_REG_TPR, &q, 8);
	ck_assert_uint_eq(xrd(A, APIC_REG_TPR), 0x33);
	/* Bad lengths and offsets are ignored. */
	v = 0x44;
	apic_mmio_write(A, APIC_REG_TPR, &v, 3);
	apic_mmio_write(A, 0x1000, &v, 4);
	apic_mmio_read(A, 0x1000, &v, 4);
	ck_assert_uint_eq(xrd(A, APIC_REG_TPR), 0x33);
	ck_assert_uint_eq(xesr(A), 0);
}
END_TEST

START_TEST(test_xapic_read_only_registers)
{
	sw_enable(A);
	apic_deliver(A, APIC_DM_FIXED, 0x40, true);
	xwr(A, APIC_REG_PPR, 0xff);
	xwr(A, APIC_REG_APR, 0xff);
	xwr(A, APIC_REG_RRD, 0xff);
	xwr(A, APIC_REG_IRR + 0x20, 0);
	xwr(A, APIC_REG_TMR + 0x20, 0);
	xwr(A, APIC_REG_ISR + 0x20, 0xffffffff);
	xwr(A, APIC_REG_TIMER_CCR, 0x1234);
	ck_assert_uint_eq(xrd(A, APIC_REG_PPR), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_APR), 0x40);
	ck_assert_uint_eq(xrd(A, APIC_REG_RRD), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_IRR + 0x20), 1);
	ck_assert_uint_eq(xrd(A, APIC_REG_TMR + 0x20), 1);
	ck_assert_uint_eq(xrd(A, APIC_REG_ISR + 0x20), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 0);
	ck_assert_uint_eq(xesr(A), 0);
}
END_TEST

START_TEST(test_xapic_msrs_gp)
{
	uint64_t v;

	/* x2APIC MSRs #GP in xAPIC mode, for every one of them. */
	for (uint32_t msr = MSR_X2APIC_FIRST; msr <= MSR_X2APIC_LAST; msr++) {
		ck_assert_int_eq(apic_msr_read(A, msr, &v), -EINVAL);
		ck_assert_int_eq(apic_msr_write(A, msr, 0), -EINVAL);
	}
	ck_assert_int_eq(apic_msr_read(A, 0x10, &v), -ENOENT);
	ck_assert_int_eq(apic_msr_write(A, 0x10, 0), -ENOENT);
	ck_assert_int_eq(apic_msr_read(A, MSR_IA32_APIC_BASE, NULL), -EINVAL);
	ck_assert_uint_eq(M.nr_ipis, 0);
}
END_TEST

START_TEST(test_mmio_off_outside_xapic)
{
	sw_enable(A);
	to_x2apic(A);
	ck_assert(!apic_mmio_claims(A, 0xfee00000ull));
	ck_assert_uint_eq(xrd(A, APIC_REG_SVR), 0);
	xwr(A, APIC_REG_TPR, 0x50);
	ck_assert_uint_eq(xrd(A, APIC_REG_TPR), 0);
	uint64_t v;
	ck_assert_int_eq(x2rd(A, APIC_REG_TPR, &v), 0);
	ck_assert_uint_eq(v, 0);
}
END_TEST

/* ---------------------------------------------------- x2APIC registers */

START_TEST(test_x2apic_msr_table)
{
	/* Readable / writable x2APIC MSRs (SDM table 10-6); all else #GP. */
	static const uint16_t readable[] = {
		0x802, 0x803, 0x808, 0x80a, 0x80d, 0x80f, 0x828, 0x82f,
		0x830, 0x832, 0x833, 0x834, 0x835, 0x836, 0x837, 0x838,
		0x839, 0x83e,
	};
	static const uint16_t writable[] = {
		0x808, 0x80b, 0x80f, 0x828, 0x82f, 0x830, 0x832, 0x833,
		0x834, 0x835, 0x836, 0x837, 0x838, 0x83e, 0x83f,
	};

	sw_enable(A);
	to_x2apic(A);
	for (uint32_t msr = MSR_X2APIC_FIRST; msr <= MSR_X2APIC_LAST; msr++) {
		bool r = msr >= 0x810 && msr <= 0x827; /* ISR, TMR, IRR */
		bool w = false;
		uint64_t v = 0xdead;
		int rr, wr;

		for (unsigned i = 0; i < sizeof(readable) / 2; i++)
			r |= readable[i] == msr;
		for (unsigned i = 0; i < sizeof(writable) / 2; i++)
			w |= writable[i] == msr;
		rr = apic_msr_read(A, msr, &v);
		ck_assert_msg(rr == (r ? 0 : -EINVAL), "read %#x: %d", msr, rr);
		/* 0 is legal in every writable register. */
		wr = apic_msr_write(A, msr, msr == 0x83f ? 0x40 : 0);
		ck_assert_msg(wr == (w ? 0 : -EINVAL), "write %#x: %d", msr,
			      wr);
	}
}
END_TEST

START_TEST(test_x2apic_id_ldr)
{
	struct apic *a = mock_apic(&M, 1, 0x135, false);
	uint64_t v;

	ck_assert_uint_eq(xrd(a, APIC_REG_ID), 0x35000000); /* low 8 bits */
	ck_assert_uint_eq(apic_id(a), 0x35);
	to_x2apic(a);
	ck_assert_uint_eq(apic_base_msr(a), 0xfee00c00ull);
	ck_assert_int_eq(x2rd(a, APIC_REG_ID, &v), 0);
	ck_assert_uint_eq(v, 0x135);
	ck_assert_uint_eq(apic_id(a), 0x135);
	ck_assert_int_eq(x2rd(a, APIC_REG_LDR, &v), 0);
	ck_assert_uint_eq(v, 0x00130020); /* (0x135 >> 4) << 16 | 1 << 5 */
	ck_assert_int_eq(x2rd(a, APIC_REG_VERSION, &v), 0);
	ck_assert_uint_eq(v, 0x00060014);
	/* Read-only in x2APIC mode. */
	ck_assert_int_eq(x2wr(a, APIC_REG_ID, 0x135), -EINVAL);
	ck_assert_int_eq(x2wr(a, APIC_REG_LDR, 0x00130020), -EINVAL);
	ck_assert_int_eq(x2wr(a, APIC_REG_VERSION, 0), -EINVAL);
	ck_assert_int_eq(x2wr(a, APIC_REG_PPR, 0), -EINVAL);
	ck_assert_int_eq(x2wr(a, APIC_REG_ISR, 0), -EINVAL);
	ck_assert_int_eq(x2wr(a, APIC_REG_TMR, 0), -EINVAL);
	ck_assert_int_eq(x2wr(a, APIC_REG_IRR, 0), -EINVAL);
	ck_assert_int_eq(x2wr(a, APIC_REG_TIMER_CCR, 0), -EINVAL);
	/* xAPIC-only registers do not exist. */
	ck_assert_int_eq(x2rd(a, APIC_REG_DFR, &v), -EINVAL);
	ck_assert_int_eq(x2wr(a, APIC_REG_DFR, 0xffffffff), -EINVAL);
	ck_assert_int_eq(x2rd(a, APIC_REG_APR, &v), -EINVAL);
	ck_assert_int_eq(x2rd(a, APIC_REG_RRD, &v), -EINVAL);
	ck_assert_int_eq(x2rd(a, APIC_REG_ICR_HIGH, &v), -EINVAL);
	ck_assert_int_eq(x2wr(a, APIC_REG_ICR_HIGH, 0), -EINVAL);
	/* Write-only ones. */
	ck_assert_int_eq(x2rd(a, APIC_REG_EOI, &v), -EINVAL);
	ck_assert_int_eq(x2rd(a, APIC_REG_SELF_IPI, &v), -EINVAL);
	apic_destroy(a);
}
END_TEST

START_TEST(test_x2apic_reserved_bits)
{
	static const struct {
		unsigned off;
		uint64_t ok, bad;
	} cases[] = {
		{ APIC_REG_TPR, 0xff, 0x100 },
		{ APIC_REG_TPR, 0xff, 1ull << 32 },
		{ APIC_REG_SVR, 0x3ff, 0x1000 }, /* no EOI suppression */
		{ APIC_REG_SVR, 0x1ff, 0x400 },
		{ APIC_REG_EOI, 0, 1 },
		{ APIC_REG_ESR, 0, 0x40 },
		{ APIC_REG_LVT_TIMER, 0x710ff, 0x80000 },
		{ APIC_REG_LVT_TIMER, 0x40, 0x800 },
		{ APIC_REG_LVT_THERMAL, 0x117ff, 0x2000 },
		{ APIC_REG_LVT_PERF, 0x400, 0x8000 },
		{ APIC_REG_LVT_CMCI, 0x117ff, 0x20000 },
		{ APIC_REG_LVT_LINT0, 0x1f7ff, 0x20000 },
		{ APIC_REG_LVT_LINT1, 0x1f7ff, 0x800 },
		{ APIC_REG_LVT_ERROR, 0x110ff, 0x700 },
		{ APIC_REG_TIMER_ICR, 0xffffffff, 1ull << 32 },
		{ APIC_REG_TIMER_DCR, 0xb, 0x4 },
		{ APIC_REG_SELF_IPI, 0xff, 0x100 },
		{ APIC_REG_ICR_LOW, 0x1000, 0x2000 },   /* 12 ignored, 13 rsvd */
		{ APIC_REG_ICR_LOW, 0x10, 0x10000 },
		{ APIC_REG_ICR_LOW, 0x10, 0x20000 },
		{ APIC_REG_ICR_LOW, 0x10, 0x100000 },
		{ APIC_REG_ICR_LOW, 0x10, 0x80000000 },
	};

	sw_enable(A);
	to_x2apic(A);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(x2wr(A, cases[i].off, cases[i].bad) == -EINVAL,
			      "reg %#x value %#llx should #GP", cases[i].off,
			      (unsigned long long)cases[i].bad);
		ck_assert_msg(x2wr(A, cases[i].off, cases[i].ok) == 0,
			      "reg %#x value %#llx should pass", cases[i].off,
			      (unsigned long long)cases[i].ok);
	}
}
END_TEST

START_TEST(test_x2apic_register_values)
{
	uint64_t v;

	sw_enable(A);
	to_x2apic(A);
	/* Read-only status bits are accepted on write and read back 0. */
	ck_assert_int_eq(x2wr(A, APIC_REG_LVT_LINT0, 0x1f7ff), 0);
	ck_assert_int_eq(x2rd(A, APIC_REG_LVT_LINT0, &v), 0);
	ck_assert_uint_eq(v, 0x1a7ff);
	ck_assert_int_eq(x2wr(A, APIC_REG_TPR, 0x5a), 0);
	ck_assert_int_eq(x2rd(A, APIC_REG_TPR, &v), 0);
	ck_assert_uint_eq(v, 0x5a);
	ck_assert_int_eq(x2rd(A, APIC_REG_PPR, &v), 0);
	ck_assert_uint_eq(v, 0x5a);
	ck_assert_int_eq(x2wr(A, APIC_REG_TIMER_DCR, 0xa), 0);
	ck_assert_int_eq(x2rd(A, APIC_REG_TIMER_DCR, &v), 0);
	ck_assert_uint_eq(v, 0xa);
	ck_assert_int_eq(x2rd(A, APIC_REG_SVR, &v), 0);
	ck_assert_uint_eq(v, 0x1ff);

	/* EOI through the MSR; ESR latch with a zero write. */
	ck_assert_int_eq(x2wr(A, APIC_REG_TPR, 0), 0);
	apic_deliver(A, APIC_DM_FIXED, 0x61, false);
	ck_assert_int_eq(x2rd(A, APIC_REG_IRR + 0x30, &v), 0);
	ck_assert_uint_eq(v, 0x2);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x61);
	ck_assert_int_eq(x2rd(A, APIC_REG_ISR + 0x30, &v), 0);
	ck_assert_uint_eq(v, 0x2);
	ck_assert_int_eq(x2wr(A, APIC_REG_EOI, 0), 0);
	ck_assert_int_eq(x2rd(A, APIC_REG_ISR + 0x30, &v), 0);
	ck_assert_uint_eq(v, 0);
	apic_deliver(A, APIC_DM_FIXED, 0x02, false);
	ck_assert_int_eq(x2rd(A, APIC_REG_ESR, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(x2wr(A, APIC_REG_ESR, 0), 0);
	ck_assert_int_eq(x2rd(A, APIC_REG_ESR, &v), 0);
	ck_assert_uint_eq(v, 0x40);
}
END_TEST

START_TEST(test_x2apic_icr_and_self_ipi)
{
	uint64_t v;
	const struct apic_ipi *ipi;

	sw_enable(A);
	to_x2apic(A);
	/* Fixed, physical, assert, vector 0x30 to x2APIC ID 0x12345. */
	ck_assert_int_eq(x2wr(A, APIC_REG_ICR_LOW, 0x0001234500004030ull), 0);
	ck_assert_uint_eq(M.nr_ipis, 1);
	ipi = &M.ipis[0];
	ck_assert_uint_eq(ipi->vector, 0x30);
	ck_assert_uint_eq(ipi->delivery_mode, APIC_DM_FIXED);
	ck_assert(!ipi->logical);
	ck_assert(ipi->level_assert);
	ck_assert(!ipi->level_trigger);
	ck_assert_uint_eq(ipi->shorthand, APIC_SH_NONE);
	ck_assert_uint_eq(ipi->dest, 0x12345);
	ck_assert(ipi->x2apic);
	ck_assert_int_eq(x2rd(A, APIC_REG_ICR_LOW, &v), 0);
	ck_assert_uint_eq(v, 0x0001234500004030ull);

	/* Bit 12 is ignored, not stored. Logical cluster destination. */
	ck_assert_int_eq(x2wr(A, APIC_REG_ICR_LOW, 0x00020003000cd831ull), 0);
	ck_assert_int_eq(x2rd(A, APIC_REG_ICR_LOW, &v), 0);
	ck_assert_uint_eq(v, 0x00020003000cc831ull);
	ipi = &M.ipis[1];
	ck_assert(ipi->logical);
	ck_assert(ipi->level_trigger);
	ck_assert_uint_eq(ipi->shorthand, APIC_SH_ALL_EXCL_SELF);
	ck_assert_uint_eq(ipi->dest, 0x00020003);

	/* SELF IPI: a fixed edge IPI to self. */
	ck_assert_int_eq(x2wr(A, APIC_REG_SELF_IPI, 0x41), 0);
	ck_assert_uint_eq(M.nr_ipis, 3);
	ipi = &M.ipis[2];
	ck_assert_uint_eq(ipi->vector, 0x41);
	ck_assert_uint_eq(ipi->delivery_mode, APIC_DM_FIXED);
	ck_assert_uint_eq(ipi->shorthand, APIC_SH_SELF);
	ck_assert(!ipi->level_trigger);
	ck_assert(ipi->x2apic);

	/* Illegal vectors: flagged, not sent. */
	ck_assert_int_eq(x2wr(A, APIC_REG_SELF_IPI, 0x0f), 0);
	ck_assert_int_eq(x2wr(A, APIC_REG_ICR_LOW, 0x0000000100000001ull), 0);
	ck_assert_uint_eq(M.nr_ipis, 3);
	ck_assert_int_eq(x2wr(A, APIC_REG_ESR, 0), 0);
	ck_assert_int_eq(x2rd(A, APIC_REG_ESR, &v), 0);
	ck_assert_uint_eq(v, 0x20);
}
END_TEST

START_TEST(test_icr_decode)
{
	struct apic_ipi ipi;

	apic_icr_decode(0xa50000000000c931ull, false, 5, &ipi);
	ck_assert_uint_eq(ipi.vector, 0x31);
	ck_assert_uint_eq(ipi.delivery_mode, APIC_DM_LOWEST);
	ck_assert(ipi.logical);
	ck_assert(ipi.level_assert);
	ck_assert(ipi.level_trigger);
	ck_assert_uint_eq(ipi.shorthand, 0);
	ck_assert_uint_eq(ipi.dest, 0xa5);
	ck_assert(!ipi.x2apic);
	ck_assert_uint_eq(ipi.source_cpu, 5);

	apic_icr_decode(0xfffffffe00080600ull | 0x06, true, 2, &ipi);
	ck_assert_uint_eq(ipi.vector, 0x06);
	ck_assert_uint_eq(ipi.delivery_mode, APIC_DM_STARTUP);
	ck_assert(!ipi.logical);
	ck_assert(!ipi.level_assert);
	ck_assert(!ipi.level_trigger);
	ck_assert_uint_eq(ipi.shorthand, APIC_SH_ALL_INCL_SELF);
	ck_assert_uint_eq(ipi.dest, 0xfffffffe);
	ck_assert(ipi.x2apic);
	ck_assert_uint_eq(ipi.source_cpu, 2);
}
END_TEST

/* ------------------------------------------------------ mode transitions */

enum { S_DISABLED, S_XAPIC, S_X2APIC };

static void enter_state(struct apic *a, int s)
{
	apic_reset(a, false);
	if (s == S_DISABLED)
		ck_assert_int_eq(apic_msr_write(a, MSR_IA32_APIC_BASE,
						APIC_DEFAULT_BASE | APIC_BASE_BSP),
				 0);
	else if (s == S_X2APIC)
		to_x2apic(a);
}

START_TEST(test_apic_base_transitions)
{
	static const uint64_t targets[] = {
		0, APIC_BASE_ENABLE, APIC_BASE_ENABLE | APIC_BASE_EXTD,
		APIC_BASE_EXTD,
	};
	/* Rows: from disabled, xAPIC, x2APIC; columns: targets[]. */
	static const int expect[3][4] = {
		{ 0, 0, -EINVAL, -EINVAL },
		{ 0, 0, 0, -EINVAL },
		{ 0, -EINVAL, 0, -EINVAL },
	};

	for (int from = 0; from < 3; from++) {
		for (int t = 0; t < 4; t++) {
			uint64_t before, value = APIC_DEFAULT_BASE | targets[t] |
						 APIC_BASE_BSP;
			int r;

			enter_state(A, from);
			before = apic_base_msr(A);
			r = apic_msr_write(A, MSR_IA32_APIC_BASE, value);
			ck_assert_msg(r == expect[from][t],
				      "from %d to %#llx: %d", from,
				      (unsigned long long)value, r);
			ck_assert_uint_eq(apic_base_msr(A), r ? before : value);
		}
	}
}
END_TEST

START_TEST(test_apic_base_reserved_and_bsp)
{
	struct apic *a;
	struct apic_config cfg = {
		.size = sizeof(cfg), .cpu = 1, .apic_id = 1,
		.x2apic_supported = false, .tsc_khz = 1000, .bus_khz = 1000,
	};
	struct apic_ops ops = mock_ops(&M);

	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_APIC_BASE, 0xfee00901), -EINVAL);
	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_APIC_BASE, 0xfee00880), -EINVAL);
	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_APIC_BASE, 0xfee00b00), -EINVAL);
	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_APIC_BASE,
					(1ull << 52) | 0xfee00900), -EINVAL);
	ck_assert_uint_eq(apic_base_msr(A), 0xfee00900ull);
	/* BSP is read-only: writing it clear leaves it set. */
	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_APIC_BASE,
					(1ull << 51) | 0xfee00800), 0);
	ck_assert_uint_eq(apic_base_msr(A), (1ull << 51) | 0xfee00900);

	/* EXTD #GPs when x2APIC is not supported; the AP cannot become BSP. */
	a = apic_create(&cfg, &ops);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(apic_msr_write(a, MSR_IA32_APIC_BASE, 0xfee00c00),
			 -EINVAL);
	ck_assert_int_eq(apic_msr_write(a, MSR_IA32_APIC_BASE, 0xfee00900), 0);
	ck_assert_uint_eq(apic_base_msr(a), 0xfee00800ull);
	apic_destroy(a);
}
END_TEST

/* Address bits at or above the CPU's MAXPHYADDR are reserved: #GP. */
START_TEST(test_apic_base_maxphyaddr)
{
	struct apic_config cfg = {
		.size = sizeof(cfg), .cpu = 1, .apic_id = 1,
		.x2apic_supported = true, .tsc_khz = 1000, .bus_khz = 1000,
		.phys_addr_bits = 40,
	};
	struct apic_ops ops = mock_ops(&M);
	struct apic *a = apic_create(&cfg, &ops);

	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(apic_msr_write(a, MSR_IA32_APIC_BASE,
					(1ull << 40) | 0xfee00800), -EINVAL);
	ck_assert_int_eq(apic_msr_write(a, MSR_IA32_APIC_BASE,
					(1ull << 47) | 0xfee00800), -EINVAL);
	ck_assert_uint_eq(apic_base_msr(a), 0xfee00800ull);
	ck_assert_int_eq(apic_msr_write(a, MSR_IA32_APIC_BASE,
					(1ull << 39) | 0xfee00800), 0);
	ck_assert_uint_eq(apic_base_msr(a), (1ull << 39) | 0xfee00800);
	apic_destroy(a);
}
END_TEST

/* CR8 is TPR[7:4]: both ways, and it masks like a TPR write. */
START_TEST(test_cr8_is_tpr)
{
	sw_enable(A);
	xwr(A, APIC_REG_TPR, 0x5a);
	ck_assert_uint_eq(apic_get_cr8(A), 5);
	apic_set_cr8(A, 5); /* the sync after an exit: sub-class kept */
	ck_assert_uint_eq(xrd(A, APIC_REG_TPR), 0x5a);
	apic_set_cr8(A, 7); /* mov to CR8 clears TPR[3:0] */
	ck_assert_uint_eq(xrd(A, APIC_REG_TPR), 0x70);
	ck_assert_uint_eq(xrd(A, APIC_REG_PPR), 0x70);
	/* Masked by the CR8 raise: pending, not deliverable. */
	apic_deliver(A, APIC_DM_FIXED, 0x75, false);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	apic_set_cr8(A, 0x16); /* only bits 3:0 exist */
	ck_assert_uint_eq(apic_get_cr8(A), 6);
	ck_assert_int_eq(apic_next_interrupt(A), 0x75);
}
END_TEST

START_TEST(test_relocation)
{
	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_APIC_BASE, 0xfed00900), 0);
	ck_assert(apic_mmio_claims(A, 0xfed00080ull));
	ck_assert(!apic_mmio_claims(A, 0xfee00080ull));
	xwr(A, APIC_REG_TPR, 0x21); /* still reachable at the new page */
	ck_assert_uint_eq(xrd(A, APIC_REG_TPR), 0x21);
}
END_TEST

START_TEST(test_disable_resets_state)
{
	struct apic *a = mock_apic(&M, 1, 0x135, false);
	uint64_t v;

	xwr(a, APIC_REG_ID, 0x0a000000);
	sw_enable(a);
	xwr(a, APIC_REG_TPR, 0x20);
	xwr(a, APIC_REG_LVT_ERROR, 0x33);
	apic_deliver(a, APIC_DM_FIXED, 0x50, false);
	ck_assert_int_eq(apic_msr_write(a, MSR_IA32_APIC_BASE, 0xfee00000), 0);
	ck_assert(!apic_mmio_claims(a, 0xfee00000ull));
	ck_assert_int_eq(apic_next_interrupt(a), -1);
	/* A disabled APIC accepts nothing. */
	apic_deliver(a, APIC_DM_FIXED, 0x51, false);
	apic_deliver(a, APIC_DM_NMI, 0, false);
	ck_assert_uint_eq(mock_kicks(&M, 1), 1); /* only the 0x50 one */
	ck_assert_uint_eq(apic_take_events(a).mask, 0);
	ck_assert_int_eq(apic_msr_write(a, MSR_IA32_APIC_BASE, 0xfee00800), 0);
	/* Disable then enable is a reset: the initial ID again, like KVM. */
	ck_assert_uint_eq(xrd(a, APIC_REG_ID), 0x35000000);
	ck_assert_uint_eq(xrd(a, APIC_REG_TPR), 0);
	ck_assert_uint_eq(xrd(a, APIC_REG_SVR), 0xff);
	ck_assert_uint_eq(xrd(a, APIC_REG_LVT_ERROR), 0x10000);
	ck_assert_uint_eq(xrd(a, APIC_REG_IRR + 0x20), 0);

	/* x2APIC -> disabled -> xAPIC: the legacy 8-bit ID comes back. */
	to_x2apic(a);
	ck_assert_int_eq(x2rd(a, APIC_REG_ID, &v), 0);
	ck_assert_uint_eq(v, 0x135);
	ck_assert_int_eq(apic_msr_write(a, MSR_IA32_APIC_BASE, 0xfee00000), 0);
	ck_assert(!apic_x2apic_enabled(a));
	ck_assert_int_eq(x2rd(a, APIC_REG_ID, &v), -EINVAL);
	ck_assert_int_eq(apic_msr_write(a, MSR_IA32_APIC_BASE, 0xfee00800), 0);
	ck_assert_uint_eq(xrd(a, APIC_REG_ID), 0x35000000);
	ck_assert_uint_eq(xrd(a, APIC_REG_LDR), 0);
	apic_destroy(a);
}
END_TEST

/* ------------------------------------------------------------- priority */

START_TEST(test_ppr_rules)
{
	sw_enable(A);
	xwr(A, APIC_REG_TPR, 0x45);
	ck_assert_uint_eq(xrd(A, APIC_REG_PPR), 0x45);
	apic_deliver(A, APIC_DM_FIXED, 0x61, false);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x61);
	/* ISRV class 6 > TPR class 4: PPR = ISRV class, subclass 0. */
	ck_assert_uint_eq(xrd(A, APIC_REG_PPR), 0x60);
	xwr(A, APIC_REG_TPR, 0x6f); /* equal class: TPR wins, all 8 bits */
	ck_assert_uint_eq(xrd(A, APIC_REG_PPR), 0x6f);
	xwr(A, APIC_REG_TPR, 0x5f);
	ck_assert_uint_eq(xrd(A, APIC_REG_PPR), 0x60);
	xwr(A, APIC_REG_TPR, 0x71);
	ck_assert_uint_eq(xrd(A, APIC_REG_PPR), 0x71);
	xwr(A, APIC_REG_EOI, 0);
	xwr(A, APIC_REG_TPR, 0x0);
	ck_assert_uint_eq(xrd(A, APIC_REG_PPR), 0);
}
END_TEST

START_TEST(test_acceptance_by_class)
{
	sw_enable(A);
	xwr(A, APIC_REG_TPR, 0x4f);
	apic_deliver(A, APIC_DM_FIXED, 0x45, false);
	ck_assert_int_eq(apic_next_interrupt(A), -1); /* class 4 == TPR's */
	ck_assert_int_eq(apic_ack_interrupt(A), -1);
	apic_deliver(A, APIC_DM_FIXED, 0x50, false);
	ck_assert_int_eq(apic_next_interrupt(A), 0x50);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x50);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	xwr(A, APIC_REG_EOI, 0);
	xwr(A, APIC_REG_TPR, 0x3f);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x45);
	ck_assert_uint_eq(xrd(A, APIC_REG_ISR + 0x20), 1u << 5);
	ck_assert_uint_eq(xrd(A, APIC_REG_IRR + 0x20), 0);
}
END_TEST

START_TEST(test_isr_nesting)
{
	sw_enable(A);
	apic_deliver(A, APIC_DM_FIXED, 0x31, false);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x31);
	apic_deliver(A, APIC_DM_FIXED, 0x32, false);
	ck_assert_int_eq(apic_next_interrupt(A), -1); /* same class waits */
	apic_deliver(A, APIC_DM_FIXED, 0x71, false);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x71); /* higher nests */
	ck_assert_uint_eq(xrd(A, APIC_REG_ISR + 0x10), 1u << 17);
	ck_assert_uint_eq(xrd(A, APIC_REG_ISR + 0x30), 1u << 17);
	ck_assert_uint_eq(xrd(A, APIC_REG_PPR), 0x70);
	xwr(A, APIC_REG_EOI, 0); /* retires 0x71, the highest */
	ck_assert_uint_eq(xrd(A, APIC_REG_ISR + 0x30), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_ISR + 0x10), 1u << 17);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	xwr(A, APIC_REG_EOI, 0);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x32);
	xwr(A, APIC_REG_EOI, 0);
	xwr(A, APIC_REG_EOI, 0); /* EOI with nothing in service: no-op */
	ck_assert_uint_eq(xrd(A, APIC_REG_ISR + 0x10), 0);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
}
END_TEST

START_TEST(test_highest_first)
{
	sw_enable(A);
	apic_deliver(A, APIC_DM_FIXED, 0x20, false);
	apic_deliver(A, APIC_DM_FIXED, 0xff, false);
	apic_deliver(A, APIC_DM_LOWEST, 0x80, false);
	ck_assert_uint_eq(irr_word(A, 1), 1);
	ck_assert_uint_eq(irr_word(A, 4), 1);
	ck_assert_uint_eq(irr_word(A, 7), 0x80000000);
	ck_assert_int_eq(apic_ack_interrupt(A), 0xff);
	ck_assert_int_eq(apic_ack_interrupt(A), -1);
	xwr(A, APIC_REG_EOI, 0);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x80);
	xwr(A, APIC_REG_EOI, 0);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x20);
	xwr(A, APIC_REG_EOI, 0);
	ck_assert_int_eq(apic_ack_interrupt(A), -1);
}
END_TEST

START_TEST(test_tmr_and_sw_disable)
{
	sw_enable(A);
	apic_deliver(A, APIC_DM_FIXED, 0x41, true);
	apic_deliver(A, APIC_DM_FIXED, 0xff, true);
	apic_deliver(A, APIC_DM_FIXED, 0x20, false);
	ck_assert_uint_eq(xrd(A, APIC_REG_TMR + 0x20), 2);
	ck_assert_uint_eq(xrd(A, APIC_REG_TMR + 0x70), 0x80000000);
	ck_assert_uint_eq(xrd(A, APIC_REG_TMR + 0x10), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_IRR + 0x20), 2);
	/* An edge redelivery of a level vector clears its TMR bit. */
	apic_deliver(A, APIC_DM_FIXED, 0x41, false);
	ck_assert_uint_eq(xrd(A, APIC_REG_TMR + 0x20), 0);
	ck_assert_uint_eq(mock_kicks(&M, 0), 3); /* coalesced: no kick */

	/* Software disabled: IRR held but nothing presented; new dropped. */
	xwr(A, APIC_REG_SVR, 0xff);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	apic_deliver(A, APIC_DM_FIXED, 0x90, false);
	ck_assert_uint_eq(xrd(A, APIC_REG_IRR + 0x40), 0);
	ck_assert_uint_eq(mock_kicks(&M, 0), 3);
	sw_enable(A);
	ck_assert_int_eq(apic_next_interrupt(A), 0xff);
}
END_TEST

START_TEST(test_apr)
{
	sw_enable(A);
	xwr(A, APIC_REG_TPR, 0x35);
	ck_assert_uint_eq(xrd(A, APIC_REG_APR), 0x35);
	ck_assert_uint_eq(apic_arb_priority(A), 0x35);
	apic_deliver(A, APIC_DM_FIXED, 0x51, false); /* IRRV class above */
	ck_assert_uint_eq(xrd(A, APIC_REG_APR), 0x50);
	ck_assert_uint_eq(apic_arb_priority(A), 0x50);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x51); /* now ISRV 0x51 */
	ck_assert_uint_eq(xrd(A, APIC_REG_APR), 0x50);
	ck_assert_uint_eq(apic_arb_priority(A), 0x50);
	xwr(A, APIC_REG_TPR, 0x56); /* TPR class == ISRV class: not > */
	ck_assert_uint_eq(xrd(A, APIC_REG_APR), 0x50);
	xwr(A, APIC_REG_TPR, 0x66);
	ck_assert_uint_eq(xrd(A, APIC_REG_APR), 0x66);
	ck_assert_uint_eq(apic_arb_priority(A), 0x66);
	apic_deliver(A, APIC_DM_FIXED, 0x65, false); /* IRRV class == TPR's */
	ck_assert_uint_eq(xrd(A, APIC_REG_APR), 0x66);
	xwr(A, APIC_REG_TPR, 0x10); /* max(1, 5, 6) */
	ck_assert_uint_eq(xrd(A, APIC_REG_APR), 0x60);
	ck_assert_uint_eq(apic_arb_priority(A), 0x60);
}
END_TEST

/* --------------------------------------------------------------- events */

START_TEST(test_nmi_and_dropped_modes)
{
	struct apic_events ev;
	unsigned kicks;

	apic_deliver(A, APIC_DM_NMI, 0, false);
	ev = apic_take_events(A);
	ck_assert_uint_eq(ev.mask, APIC_EVENT_NMI);
	ck_assert_uint_eq(ev.nmis, 1);
	ck_assert_uint_eq(mock_kicks(&M, 0), 1);
	/* Two before the owner looks: both count (one to serve, one latched);
	 * a third is lost, as on hardware. */
	apic_deliver(A, APIC_DM_NMI, 0, false);
	apic_deliver(A, APIC_DM_NMI, 0, false);
	apic_deliver(A, APIC_DM_NMI, 0, false);
	ck_assert_uint_eq(mock_kicks(&M, 0), 3);
	ev = apic_take_events(A);
	ck_assert_uint_eq(ev.mask, APIC_EVENT_NMI);
	ck_assert_uint_eq(ev.nmis, 2);
	ev = apic_take_events(A);
	ck_assert_uint_eq(ev.mask, 0);
	ck_assert_uint_eq(ev.nmis, 0);
	/* INIT drops pending NMIs, the latched one too. */
	apic_deliver(A, APIC_DM_NMI, 0, false);
	apic_deliver(A, APIC_DM_NMI, 0, false);
	apic_deliver(A, APIC_DM_INIT, 0, false);
	ev = apic_take_events(A);
	ck_assert_uint_eq(ev.mask, APIC_EVENT_INIT);
	ck_assert_uint_eq(ev.nmis, 0);
	kicks = mock_kicks(&M, 0);
	/* NMI reaches a software-disabled APIC (reset state here). */
	apic_deliver(A, APIC_DM_SMI, 0x30, false);
	apic_deliver(A, APIC_DM_REMOTE_READ, 0x30, false);
	apic_deliver(A, APIC_DM_EXTINT, 0x30, false);
	apic_deliver(A, 0x9, 0x30, false);
	ck_assert_uint_eq(mock_kicks(&M, 0), kicks);
	ck_assert_uint_eq(apic_take_events(A).mask, 0);
	ck_assert_uint_eq(irr_word(A, 1), 0);
}
END_TEST

START_TEST(test_init_sipi_sequence)
{
	struct apic *ap = mock_apic(&M, 1, 1, false);
	struct apic_events ev;

	/* AP at power-on waits for SIPI and takes the first one only. */
	apic_deliver(ap, APIC_DM_STARTUP, 0x08, false);
	apic_deliver(ap, APIC_DM_STARTUP, 0x09, false);
	ck_assert_uint_eq(mock_kicks(&M, 1), 1);
	ck_assert(!apic_wait_for_sipi(ap));
	ev = apic_take_events(ap);
	ck_assert_uint_eq(ev.mask, APIC_EVENT_SIPI);
	ck_assert_uint_eq(ev.sipi_vector, 0x08);

	/* INIT, SIPI, SIPI while running: INIT state, then the first SIPI. */
	sw_enable(ap);
	xwr(ap, APIC_REG_TPR, 0x20);
	xwr(ap, APIC_REG_ID, 0x05000000);
	apic_deliver(ap, APIC_DM_NMI, 0, false); /* superseded by INIT */
	apic_deliver(ap, APIC_DM_INIT, 0, true);
	ck_assert(apic_wait_for_sipi(ap));
	apic_deliver(ap, APIC_DM_STARTUP, 0x10, false);
	apic_deliver(ap, APIC_DM_STARTUP, 0x11, false);
	ev = apic_take_events(ap);
	ck_assert_uint_eq(ev.mask, APIC_EVENT_INIT | APIC_EVENT_SIPI);
	ck_assert_uint_eq(ev.sipi_vector, 0x10);
	ck_assert_uint_eq(xrd(ap, APIC_REG_TPR), 0);
	ck_assert_uint_eq(xrd(ap, APIC_REG_SVR), 0xff);
	ck_assert_uint_eq(xrd(ap, APIC_REG_ID), 0x05000000);
	ck_assert(!apic_wait_for_sipi(ap));

	/* INIT alone leaves it waiting. */
	apic_deliver(ap, APIC_DM_INIT, 0, false);
	ev = apic_take_events(ap);
	ck_assert_uint_eq(ev.mask, APIC_EVENT_INIT);
	ck_assert(apic_wait_for_sipi(ap));
	apic_set_wait_for_sipi(ap, false);
	apic_deliver(ap, APIC_DM_STARTUP, 0x12, false);
	ck_assert_uint_eq(apic_take_events(ap).mask, 0);
	apic_set_wait_for_sipi(ap, true);
	apic_deliver(ap, APIC_DM_STARTUP, 0x12, false);
	ck_assert_uint_eq(apic_take_events(ap).sipi_vector, 0x12);
	apic_destroy(ap);
}
END_TEST

START_TEST(test_bsp_init)
{
	struct apic_events ev;

	/* A running BSP refuses SIPI; INIT puts it in wait-for-SIPI too. */
	apic_deliver(A, APIC_DM_STARTUP, 0x08, false);
	ck_assert_uint_eq(mock_kicks(&M, 0), 0);
	ck_assert_uint_eq(apic_take_events(A).mask, 0);
	to_x2apic(A);
	apic_deliver(A, APIC_DM_INIT, 0, false);
	ev = apic_take_events(A);
	ck_assert_uint_eq(ev.mask, APIC_EVENT_INIT);
	ck_assert(apic_wait_for_sipi(A));
	ck_assert(apic_x2apic_enabled(A)); /* INIT keeps the mode */
	ck_assert_uint_eq(apic_base_msr(A) & APIC_BASE_BSP, APIC_BASE_BSP);
}
END_TEST

START_TEST(test_kick_on_new_irr_only)
{
	sw_enable(A);
	apic_deliver(A, APIC_DM_FIXED, 0x40, false);
	apic_deliver(A, APIC_DM_FIXED, 0x40, false);
	ck_assert_uint_eq(mock_kicks(&M, 0), 1);
	apic_deliver(A, APIC_DM_FIXED, 0x41, false);
	ck_assert_uint_eq(mock_kicks(&M, 0), 2);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x41);
	apic_deliver(A, APIC_DM_FIXED, 0x41, false); /* in ISR, not IRR */
	ck_assert_uint_eq(mock_kicks(&M, 0), 3);
	ck_assert_uint_eq(irr_word(A, 2), 3);
}
END_TEST

/* ---------------------------------------------------------------- timer */

static uint64_t last_arm(void)
{
	ck_assert_uint_gt(M.nr_arms, 0);
	ck_assert_uint_eq(M.arms[M.nr_arms - 1].cpu, 0);
	return M.arms[M.nr_arms - 1].deadline_ns;
}

START_TEST(test_timer_oneshot)
{
	uint64_t t0 = M.now;
	struct apic_events ev;

	sw_enable(A);
	xwr(A, APIC_REG_TIMER_DCR, 0xb); /* divide by 1 */
	xwr(A, APIC_REG_LVT_TIMER, 0x40);
	xwr(A, APIC_REG_TIMER_ICR, 1000);
	ck_assert_uint_eq(M.nr_arms, 1);
	ck_assert_uint_eq(last_arm(), t0 + 1000);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 1000);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_ICR), 1000);
	M.now = t0 + 250;
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 750);
	M.now = t0 + 999;
	apic_timer_poll(A, M.now);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	M.now = t0 + 1000;
	apic_timer_fire(A);
	ck_assert_uint_eq(mock_kicks(&M, 0), 1);
	ev = apic_take_events(A);
	ck_assert_uint_eq(ev.mask, 0); /* the timer flag is internal */
	ck_assert_int_eq(apic_next_interrupt(A), 0x40);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 0);
	ck_assert_uint_eq(M.nr_arms, 1); /* one-shot: nothing re-armed */
	M.now = t0 + 5000;
	apic_timer_poll(A, M.now);
	ck_assert_uint_eq(M.nr_arms, 1);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_ICR), 1000);
}
END_TEST

START_TEST(test_timer_divide_encodings)
{
	static const uint32_t dcr[8] = { 0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xa, 0xb };
	static const uint32_t div[8] = { 2, 4, 8, 16, 32, 64, 128, 1 };

	sw_enable(A);
	xwr(A, APIC_REG_LVT_TIMER, 0x40);
	for (unsigned i = 0; i < 8; i++) {
		uint64_t t0 = M.now;

		xwr(A, APIC_REG_TIMER_DCR, dcr[i] | 0x4); /* bit 2 reserved */
		ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_DCR), dcr[i]);
		xwr(A, APIC_REG_TIMER_ICR, 100);
		ck_assert_uint_eq(last_arm(), t0 + 100 * div[i]);
		M.now = t0 + 10 * div[i];
		ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 90);
		M.now = t0 + 10 * div[i] + div[i] - 1; /* ticks are whole */
		ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 90);
		M.now = t0 + 100 * div[i];
		apic_timer_poll(A, M.now);
		ck_assert_int_eq(apic_ack_interrupt(A), 0x40);
		xwr(A, APIC_REG_EOI, 0);
		M.now += 1000;
	}
}
END_TEST

START_TEST(test_timer_periodic)
{
	uint64_t t0 = M.now;

	sw_enable(A);
	xwr(A, APIC_REG_TIMER_DCR, 0xb);
	xwr(A, APIC_REG_LVT_TIMER, 0x20040);
	ck_assert_uint_eq(xrd(A, APIC_REG_LVT_TIMER), 0x20040);
	xwr(A, APIC_REG_TIMER_ICR, 100);
	ck_assert_uint_eq(last_arm(), t0 + 100);
	M.now = t0 + 100;
	apic_timer_fire(A);
	apic_take_events(A);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x40);
	xwr(A, APIC_REG_EOI, 0);
	ck_assert_uint_eq(last_arm(), t0 + 200);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 100); /* reloaded */
	M.now = t0 + 150;
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 50);
	/* Late by several periods: one interrupt, next period boundary. */
	M.now = t0 + 1050;
	apic_timer_fire(A);
	apic_take_events(A);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x40);
	ck_assert_int_eq(apic_ack_interrupt(A), -1);
	ck_assert_uint_eq(last_arm(), t0 + 1100);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 50);
	/* Writing 0 stops it and cancels the host timer. */
	xwr(A, APIC_REG_TIMER_ICR, 0);
	ck_assert_uint_eq(last_arm(), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 0);
}
END_TEST

START_TEST(test_timer_masked_counts)
{
	uint64_t t0 = M.now;

	sw_enable(A);
	xwr(A, APIC_REG_TIMER_DCR, 0xb);
	xwr(A, APIC_REG_LVT_TIMER, 0x30040); /* masked periodic */
	xwr(A, APIC_REG_TIMER_ICR, 100);
	ck_assert_uint_eq(M.nr_arms, 0); /* nothing to interrupt */
	M.now = t0 + 40;
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 60);
	M.now = t0 + 230;
	apic_timer_poll(A, M.now);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 70);
	/* Unmasked mid-period: armed at the period's end. */
	xwr(A, APIC_REG_LVT_TIMER, 0x20040);
	ck_assert_uint_eq(M.nr_arms, 1);
	ck_assert_uint_eq(last_arm(), t0 + 300);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	/* Software disable masks the LVT: the host timer is cancelled. */
	xwr(A, APIC_REG_SVR, 0xff);
	ck_assert_uint_eq(last_arm(), 0);
	M.now = t0 + 310;
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 90);
}
END_TEST

START_TEST(test_timer_oneshot_masked_expiry_is_lost)
{
	uint64_t t0 = M.now;

	sw_enable(A);
	xwr(A, APIC_REG_TIMER_DCR, 0xb);
	xwr(A, APIC_REG_LVT_TIMER, 0x10040);
	xwr(A, APIC_REG_TIMER_ICR, 100);
	M.now = t0 + 150;
	xwr(A, APIC_REG_LVT_TIMER, 0x40); /* expired while masked */
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	ck_assert_uint_eq(M.nr_arms, 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 0);
}
END_TEST

START_TEST(test_timer_mode_and_divider_changes)
{
	uint64_t t0 = M.now;

	sw_enable(A);
	xwr(A, APIC_REG_TIMER_DCR, 0xb);
	xwr(A, APIC_REG_LVT_TIMER, 0x40);
	xwr(A, APIC_REG_TIMER_ICR, 1000);
	/* The divider changes mid-count: the count goes on from 600. */
	M.now = t0 + 400;
	xwr(A, APIC_REG_TIMER_DCR, 0x0); /* divide by 2 */
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 600);
	ck_assert_uint_eq(last_arm(), t0 + 400 + 1200);
	M.now = t0 + 600;
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 500);
	/* One-shot -> periodic mid-count: reloads after this count. */
	xwr(A, APIC_REG_LVT_TIMER, 0x20040);
	M.now = t0 + 1600;
	apic_timer_poll(A, M.now);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x40);
	xwr(A, APIC_REG_EOI, 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 1000);
	ck_assert_uint_eq(last_arm(), t0 + 1600 + 2000);
	/* Periodic -> one-shot: this period ends it. */
	xwr(A, APIC_REG_LVT_TIMER, 0x40);
	M.now = t0 + 3600;
	apic_timer_poll(A, M.now);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x40);
	xwr(A, APIC_REG_EOI, 0);
	M.now = t0 + 9000;
	apic_timer_poll(A, M.now);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 0);
}
END_TEST

START_TEST(test_timer_illegal_vector)
{
	sw_enable(A);
	xwr(A, APIC_REG_TIMER_DCR, 0xb);
	xwr(A, APIC_REG_LVT_TIMER, 0x05);
	xwr(A, APIC_REG_TIMER_ICR, 10);
	M.now += 10;
	apic_timer_poll(A, M.now);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	ck_assert_uint_eq(xesr(A), 0x40);
}
END_TEST

START_TEST(test_timer_tsc_deadline)
{
	uint64_t v, t0 = M.now;

	sw_enable(A);
	M.tsc[0] = 10000;
	/* Outside TSC-deadline mode the MSR reads 0 and ignores writes. */
	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_TSC_DEADLINE, 12000), 0);
	ck_assert_int_eq(apic_msr_read(A, MSR_IA32_TSC_DEADLINE, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_uint_eq(M.nr_arms, 0);

	xwr(A, APIC_REG_LVT_TIMER, 0x40040);
	ck_assert_uint_eq(xrd(A, APIC_REG_LVT_TIMER), 0x40040);
	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_TSC_DEADLINE, 12000), 0);
	/* 2000 TSC ticks at 2 GHz: 1000 ns. */
	ck_assert_uint_eq(last_arm(), t0 + 1000);
	ck_assert_int_eq(apic_msr_read(A, MSR_IA32_TSC_DEADLINE, &v), 0);
	ck_assert_uint_eq(v, 12000);
	/* The count registers are inert in this mode. */
	xwr(A, APIC_REG_TIMER_ICR, 500);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_ICR), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_CCR), 0);
	M.now = t0 + 1000;
	M.tsc[0] = 12000;
	apic_timer_fire(A);
	apic_take_events(A);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x40);
	xwr(A, APIC_REG_EOI, 0);
	ck_assert_int_eq(apic_msr_read(A, MSR_IA32_TSC_DEADLINE, &v), 0);
	ck_assert_uint_eq(v, 0); /* disarmed by the expiry */

	/* A deadline already passed fires at once. */
	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_TSC_DEADLINE, 5), 0);
	ck_assert_int_eq(apic_ack_interrupt(A), 0x40);
	xwr(A, APIC_REG_EOI, 0);

	/* Writing 0 disarms and cancels the host timer. */
	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_TSC_DEADLINE, 14000), 0);
	ck_assert_uint_eq(last_arm(), M.now + 1000);
	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_TSC_DEADLINE, 0), 0);
	ck_assert_uint_eq(last_arm(), 0);
	M.now += 5000;
	apic_timer_poll(A, M.now);
	ck_assert_int_eq(apic_next_interrupt(A), -1);

	/* Leaving TSC-deadline mode disarms too. */
	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_TSC_DEADLINE, 99000), 0);
	ck_assert_uint_ne(last_arm(), 0);
	xwr(A, APIC_REG_LVT_TIMER, 0x40);
	ck_assert_uint_eq(last_arm(), 0);
	xwr(A, APIC_REG_LVT_TIMER, 0x40040);
	ck_assert_int_eq(apic_msr_read(A, MSR_IA32_TSC_DEADLINE, &v), 0);
	ck_assert_uint_eq(v, 0);
}
END_TEST

START_TEST(test_timer_tsc_deadline_masked)
{
	uint64_t v;

	sw_enable(A);
	M.tsc[0] = 0;
	xwr(A, APIC_REG_LVT_TIMER, 0x50040); /* masked TSC-deadline */
	ck_assert_int_eq(apic_msr_write(A, MSR_IA32_TSC_DEADLINE, 2000), 0);
	ck_assert_uint_eq(M.nr_arms, 0);
	ck_assert_int_eq(apic_msr_read(A, MSR_IA32_TSC_DEADLINE, &v), 0);
	ck_assert_uint_eq(v, 2000);
	M.now += 1000;
	ck_assert_int_eq(apic_msr_read(A, MSR_IA32_TSC_DEADLINE, &v), 0);
	ck_assert_uint_eq(v, 0); /* expired silently */
	ck_assert_int_eq(apic_next_interrupt(A), -1);
}
END_TEST

START_TEST(test_timer_fire_flag)
{
	apic_timer_fire(A);
	apic_timer_fire(A);
	ck_assert_uint_eq(mock_kicks(&M, 0), 1);
	apic_timer_poll(A, M.now);
	apic_timer_fire(A);
	ck_assert_uint_eq(mock_kicks(&M, 1), 0);
	ck_assert_uint_eq(mock_kicks(&M, 0), 2);
	ck_assert_uint_eq(M.nr_arms, 0);
}
END_TEST

START_TEST(test_timer_early_host_fire_rearms)
{
	uint64_t t0 = M.now;

	sw_enable(A);
	xwr(A, APIC_REG_TIMER_DCR, 0xb);
	xwr(A, APIC_REG_LVT_TIMER, 0x40);
	xwr(A, APIC_REG_TIMER_ICR, 1000);
	/* The host timer fires early: nothing due, so it is re-armed. */
	M.now = t0 + 990;
	apic_timer_fire(A);
	apic_take_events(A);
	ck_assert_int_eq(apic_next_interrupt(A), -1);
	ck_assert_uint_eq(M.nr_arms, 2);
	ck_assert_uint_eq(last_arm(), t0 + 1000);
}
END_TEST

START_TEST(test_timer_rounding)
{
	/* 3 GHz timer input and TSC: a tick is a third of a nanosecond. */
	struct apic_config cfg = {
		.size = sizeof(cfg), .cpu = 1, .apic_id = 1,
		.x2apic_supported = true, .tsc_khz = 3000000,
		.bus_khz = 3000000,
	};
	struct apic_ops ops = mock_ops(&M);
	struct apic *a = apic_create(&cfg, &ops);
	uint64_t t0 = M.now;

	ck_assert_ptr_nonnull(a);
	sw_enable(a);
	xwr(a, APIC_REG_TIMER_DCR, 0xb);
	xwr(a, APIC_REG_LVT_TIMER, 0x40);
	xwr(a, APIC_REG_TIMER_ICR, 10); /* 3.33 ns: armed at the 4th */
	ck_assert_uint_eq(M.arms[M.nr_arms - 1].deadline_ns, t0 + 4);
	M.now = t0 + 3; /* 9 ticks: one to go */
	apic_timer_poll(a, M.now);
	ck_assert_int_eq(apic_next_interrupt(a), -1);
	ck_assert_uint_eq(xrd(a, APIC_REG_TIMER_CCR), 1);
	M.now = t0 + 4;
	apic_timer_poll(a, M.now);
	ck_assert_int_eq(apic_ack_interrupt(a), 0x40);
	ck_assert_uint_eq(xrd(a, APIC_REG_TIMER_CCR), 0);
	xwr(a, APIC_REG_EOI, 0);

	/* TSC deadline 10 ticks ahead: also rounded up to 4 ns. */
	M.tsc[1] = 1000;
	xwr(a, APIC_REG_LVT_TIMER, 0x40040);
	ck_assert_int_eq(apic_msr_write(a, MSR_IA32_TSC_DEADLINE, 1010), 0);
	ck_assert_uint_eq(M.arms[M.nr_arms - 1].deadline_ns, M.now + 4);
	apic_destroy(a);
}
END_TEST

START_TEST(test_timer_reset_cancels)
{
	sw_enable(A);
	xwr(A, APIC_REG_LVT_TIMER, 0x40);
	xwr(A, APIC_REG_TIMER_ICR, 1000);
	ck_assert_uint_ne(last_arm(), 0);
	apic_deliver(A, APIC_DM_INIT, 0, false);
	apic_take_events(A);
	ck_assert_uint_eq(last_arm(), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_TIMER_ICR), 0);
	ck_assert_uint_eq(xrd(A, APIC_REG_LVT_TIMER), 0x10000);
}
END_TEST

static Suite *apic_suite(void)
{
	Suite *s = suite_create("apic");
	TCase *tc;

	tc = tcase_create("lifecycle");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_reset_values);
	tcase_add_test(tc, test_reset_ap);
	tcase_add_test(tc, test_create_invalid);
	tcase_add_test(tc, test_reset_init_and_power_on);
	tcase_add_test(tc, test_reset_x2apic);
	suite_add_tcase(s, tc);

	tc = tcase_create("xapic_registers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_xapic_id_version);
	tcase_add_test(tc, test_xapic_tpr_ldr_dfr_svr);
	tcase_add_test(tc, test_xapic_lvt_masks);
	tcase_add_test(tc, test_sw_disable_masks_lvts);
	tcase_add_test(tc, test_xapic_icr_fields);
	tcase_add_test(tc, test_send_illegal_vector);
	tcase_add_test(tc, test_esr_latch_and_error_lvt);
	tcase_add_test(tc, test_reserved_mmio_sets_esr);
	tcase_add_test(tc, test_mmio_widths);
	tcase_add_test(tc, test_xapic_read_only_registers);
	tcase_add_test(tc, test_xapic_msrs_gp);
	tcase_add_test(tc, test_mmio_off_outside_xapic);
	suite_add_tcase(s, tc);

	tc = tcase_create("x2apic_registers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_x2apic_msr_table);
	tcase_add_test(tc, test_x2apic_id_ldr);
	tcase_add_test(tc, test_x2apic_reserved_bits);
	tcase_add_test(tc, test_x2apic_register_values);
	tcase_add_test(tc, test_x2apic_icr_and_self_ipi);
	tcase_add_test(tc, test_icr_decode);
	suite_add_tcase(s, tc);

	tc = tcase_create("mode_transitions");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_apic_base_transitions);
	tcase_add_test(tc, test_apic_base_reserved_and_bsp);
	tcase_add_test(tc, test_apic_base_maxphyaddr);
	tcase_add_test(tc, test_cr8_is_tpr);
	tcase_add_test(tc, test_relocation);
	tcase_add_test(tc, test_disable_resets_state);
	suite_add_tcase(s, tc);

	tc = tcase_create("priority");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ppr_rules);
	tcase_add_test(tc, test_acceptance_by_class);
	tcase_add_test(tc, test_isr_nesting);
	tcase_add_test(tc, test_highest_first);
	tcase_add_test(tc, test_tmr_and_sw_disable);
	tcase_add_test(tc, test_apr);
	suite_add_tcase(s, tc);

	tc = tcase_create("events");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_nmi_and_dropped_modes);
	tcase_add_test(tc, test_init_sipi_sequence);
	tcase_add_test(tc, test_bsp_init);
	tcase_add_test(tc, test_kick_on_new_irr_only);
	suite_add_tcase(s, tc);

	tc = tcase_create("timer");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_timer_oneshot);
	tcase_add_test(tc, test_timer_divide_encodings);
	tcase_add_test(tc, test_timer_periodic);
	tcase_add_test(tc, test_timer_masked_counts);
	tcase_add_test(tc, test_timer_oneshot_masked_expiry_is_lost);
	tcase_add_test(tc, test_timer_mode_and_divider_changes);
	tcase_add_test(tc, test_timer_illegal_vector);
	tcase_add_test(tc, test_timer_tsc_deadline);
	tcase_add_test(tc, test_timer_tsc_deadline_masked);
	tcase_add_test(tc, test_timer_fire_flag);
	tcase_add_test(tc, test_timer_early_host_fire_rearms);
	tcase_add_test(tc, test_timer_rounding);
	tcase_add_test(tc, test_timer_reset_cancels);
	suite_add_tcase(s, tc);

	return s;
}

CHECK_MAIN(apic_suite)
