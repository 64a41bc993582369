// SPDX-License-Identifier: MIT
/*
 * test_apic_msr.c - the x2APIC MSR interface and IA32_APIC_BASE of one local APIC
 * (vmm/apic_msr.c, vmm/apic_icr.c): the MSR table, reserved bits, the ICR
 * and SELF_IPI, mode transitions, CR8, relocation.
 * Routing across APICs is test_apic_bus.c.
 */
#include "apic_fixture.h"

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

static Suite *apic_msr_suite(void)
{
	Suite *s = suite_create("apic_msr");
	TCase *tc;

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

	return s;
}

CHECK_MAIN(apic_msr_suite)
