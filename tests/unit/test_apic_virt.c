// SPDX-License-Identifier: MIT
/*
 * test_apic_virt.c - the register file of one local APIC (vmm/apic_virt.c): reset and
 * INIT values, the xAPIC MMIO page (IDs, TPR, LDR/DFR, SVR, LVTs, the ICR
 * fields, ESR, access widths, read-only and reserved registers).
 * Routing across APICs is test_apic_bus.c.
 */
#include "apic_fixture.h"

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

static Suite *apic_virt_suite(void)
{
	Suite *s = suite_create("apic_virt");
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

	return s;
}

CHECK_MAIN(apic_virt_suite)
