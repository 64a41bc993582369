// SPDX-License-Identifier: MIT
/*
 * test_apic_bus.c - destination routing across eight APICs: physical,
 * flat and cluster logical, x2APIC physical and cluster, broadcasts,
 * shorthands, lowest priority, disabled APICs; and whole ICR writes that
 * travel sender -> ops->send_ipi -> apic_bus_route -> apic_deliver. Then
 * the same across IPIVIRT_MAX_CPUS APICs: x2APIC IDs past 255, 32-bit
 * physical destinations, clusters past 15.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "apic_mock.h"
#include "apic_regs.h"
#include "check_main.h"

#define N 8

/* APIC IDs differ from vCPU indices on purpose; three x2APIC clusters. */
static const uint32_t ids[N] = { 0x01, 0x02, 0x03, 0x10, 0x11, 0x12, 0x20, 0x2f };

static struct mock M;
static struct apic *A[N];
static struct apic_bus *B;

/* A bus of @n software-enabled APICs @a[], vCPU i with APIC ID @id(i). */
static struct apic_bus *bus_of(struct mock *m, struct apic **a, unsigned n,
			       uint32_t (*id)(unsigned))
{
	struct apic_bus *bus = apic_bus_create(n);

	mock_init(m);
	ck_assert_ptr_nonnull(bus);
	m->bus = bus;
	for (unsigned i = 0; i < n; i++) {
		a[i] = mock_apic(m, i, id(i), i == 0);
		ck_assert_ptr_nonnull(a[i]);
		ck_assert_int_eq(apic_bus_attach(bus, a[i]), 0);
		xwr(a[i], APIC_REG_SVR, 0x1ff);
	}
	return bus;
}

static void bus_free(struct apic_bus *bus, struct apic **a, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		apic_destroy(a[i]);
	apic_bus_destroy(bus);
}

/* Every APIC of @a[] to x2APIC mode, as the guest's wrmsr would. */
static void to_x2apic(struct apic **a, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		ck_assert_int_eq(apic_msr_write(a[i], MSR_IA32_APIC_BASE,
						apic_base_msr(a[i]) |
							APIC_BASE_EXTD),
				 0);
}

static uint32_t small_id(unsigned cpu)
{
	return ids[cpu];
}

static void setup(void)
{
	B = bus_of(&M, A, N, small_id);
}

static void teardown(void)
{
	bus_free(B, A, N);
}

static struct apic_ipi mk(uint8_t dm, bool logical, uint8_t shorthand,
			  uint32_t dest, bool x2, unsigned src)
{
	return (struct apic_ipi){
		.vector = 0x40, .delivery_mode = dm, .logical = logical,
		.level_assert = true, .level_trigger = false,
		.shorthand = shorthand, .dest = dest, .x2apic = x2,
		.source_cpu = src,
	};
}

/* Route and return the target set as a bitmap of vCPUs 0-7. */
static unsigned route(struct apic_ipi ipi)
{
	struct cpumask m;
	unsigned bits = 0, cpu;

	ck_assert_int_eq(apic_bus_route(B, &ipi, &m), 0);
	cpumask_for_each(cpu, &m) {
		ck_assert_uint_lt(cpu, N);
		bits |= 1u << cpu;
	}
	return bits;
}

static unsigned phys(uint32_t dest)
{
	return route(mk(APIC_DM_FIXED, false, APIC_SH_NONE, dest, false, 0));
}

static unsigned logical(uint32_t mda)
{
	return route(mk(APIC_DM_FIXED, true, APIC_SH_NONE, mda, false, 0));
}

static void all_x2apic(void)
{
	to_x2apic(A, N);
}

static unsigned irr_has(struct apic *a, unsigned vector)
{
	return (xrd(a, APIC_REG_IRR + 16 * (vector / 32)) >> (vector % 32)) & 1;
}

START_TEST(test_physical_xapic)
{
	ck_assert_uint_eq(phys(0x11), 1u << 4);
	ck_assert_uint_eq(phys(0x2f), 1u << 7);
	ck_assert_uint_eq(phys(0x01), 1u << 0);
	ck_assert_uint_eq(phys(0x00), 0);
	ck_assert_uint_eq(phys(0x99), 0);
	ck_assert_uint_eq(phys(0xff), 0xff); /* broadcast */
	/* A software-changed xAPIC ID is what routing sees. */
	xwr(A[2], APIC_REG_ID, 0x40000000);
	ck_assert_uint_eq(phys(0x40), 1u << 2);
	ck_assert_uint_eq(phys(0x03), 0);
	/* Only the low 8 bits count in xAPIC format. */
	ck_assert_uint_eq(phys(0x111), 1u << 4);
}
END_TEST

START_TEST(test_flat_logical)
{
	for (unsigned i = 0; i < N; i++)
		xwr(A[i], APIC_REG_LDR, (1u << i) << 24);
	ck_assert_uint_eq(logical(0x05), 0x05);
	ck_assert_uint_eq(logical(0x80), 0x80);
	ck_assert_uint_eq(logical(0xff), 0xff);
	ck_assert_uint_eq(logical(0x00), 0);
	xwr(A[3], APIC_REG_LDR, 0); /* no logical ID: never selected */
	ck_assert_uint_eq(logical(0xff), 0xf7);
	xwr(A[6], APIC_REG_LDR, 0x20000000); /* shares cpu 5's bit */
	ck_assert_uint_eq(logical(0x20), 0x60);
	ck_assert_uint_eq(logical(0x48), 0);
}
END_TEST

START_TEST(test_cluster_logical)
{
	static const uint8_t ldr[N] = { 0x11, 0x12, 0x14, 0x18,
					0x21, 0x22, 0x31, 0x32 };

	for (unsigned i = 0; i < N; i++) {
		xwr(A[i], APIC_REG_DFR, 0x0fffffff);
		xwr(A[i], APIC_REG_LDR, (uint32_t)ldr[i] << 24);
	}
	ck_assert_uint_eq(logical(0x13), 0x03);
	ck_assert_uint_eq(logical(0x1f), 0x0f);
	ck_assert_uint_eq(logical(0x2f), 0x30);
	ck_assert_uint_eq(logical(0x31), 0x40);
	ck_assert_uint_eq(logical(0x3f), 0xc0);
	ck_assert_uint_eq(logical(0x41), 0);
	ck_assert_uint_eq(logical(0x10), 0); /* empty member bitmap */
	ck_assert_uint_eq(logical(0xff), 0xff); /* broadcast */
	/* The same MDA in flat model would mean bits, not a cluster. */
	xwr(A[0], APIC_REG_DFR, 0xffffffff);
	ck_assert_uint_eq(logical(0x13), 0x03);
	ck_assert_uint_eq(logical(0x01), 0x01);
}
END_TEST

START_TEST(test_x2apic_physical)
{
	all_x2apic();
	ck_assert_uint_eq(route(mk(APIC_DM_FIXED, false, 0, 0x12, true, 0)),
			  1u << 5);
	ck_assert_uint_eq(route(mk(APIC_DM_FIXED, false, 0, 0x2f, true, 0)),
			  1u << 7);
	ck_assert_uint_eq(route(mk(APIC_DM_FIXED, false, 0, 0xffffffff, true,
				   0)),
			  0xff);
	/* 0xff is an ordinary ID in x2APIC mode, not a broadcast. */
	ck_assert_uint_eq(route(mk(APIC_DM_FIXED, false, 0, 0xff, true, 0)), 0);
	ck_assert_uint_eq(route(mk(APIC_DM_FIXED, false, 0, 0x10012, true, 0)),
			  0);
}
END_TEST

START_TEST(test_x2apic_cluster)
{
	static const uint32_t want_ldr[N] = {
		0x00000002, 0x00000004, 0x00000008, 0x00010001,
		0x00010002, 0x00010004, 0x00020001, 0x00028000,
	};

	all_x2apic();
	for (unsigned i = 0; i < N; i++) {
		uint64_t v;

		ck_assert_int_eq(x2rd(A[i], APIC_REG_LDR, &v), 0);
		ck_assert_uint_eq(v, want_ldr[i]);
	}
#define X2L(dest) route(mk(APIC_DM_FIXED, true, 0, (dest), true, 0))
	ck_assert_uint_eq(X2L(0x00010003), 0x18);
	ck_assert_uint_eq(X2L(0x0000000e), 0x07);
	ck_assert_uint_eq(X2L(0x0000ffff), 0x07);
	ck_assert_uint_eq(X2L(0x00028001), 0xc0);
	ck_assert_uint_eq(X2L(0x00020001), 0x40);
	ck_assert_uint_eq(X2L(0x00000001), 0); /* ID 0 is absent */
	ck_assert_uint_eq(X2L(0x00030001), 0);
	ck_assert_uint_eq(X2L(0xffffffff), 0xff); /* broadcast */
#undef X2L
}
END_TEST

START_TEST(test_shorthands)
{
	for (int x2 = 0; x2 < 2; x2++) {
		if (x2)
			all_x2apic();
		/* The destination field is ignored with a shorthand. */
		ck_assert_uint_eq(route(mk(APIC_DM_FIXED, true, APIC_SH_SELF,
					   0x01, x2, 5)),
				  1u << 5);
		ck_assert_uint_eq(route(mk(APIC_DM_FIXED, false,
					   APIC_SH_ALL_INCL_SELF, 0x01, x2, 5)),
				  0xff);
		ck_assert_uint_eq(route(mk(APIC_DM_FIXED, false,
					   APIC_SH_ALL_EXCL_SELF, 0x01, x2, 5)),
				  0xdf);
		ck_assert_uint_eq(route(mk(APIC_DM_NMI, false,
					   APIC_SH_ALL_EXCL_SELF, 0, x2, 0)),
				  0xfe);
	}
}
END_TEST

START_TEST(test_lowest_priority)
{
	struct apic_ipi lp = mk(APIC_DM_LOWEST, true, 0, 0x07, false, 0);

	for (unsigned i = 0; i < N; i++) {
		xwr(A[i], APIC_REG_LDR, (1u << i) << 24);
		xwr(A[i], APIC_REG_TPR, 0x20);
	}
	xwr(A[0], APIC_REG_TPR, 0x40);
	/* cpus 1 and 2 tie at 0x20: the lower index wins. */
	ck_assert_uint_eq(route(lp), 1u << 1);
	xwr(A[1], APIC_REG_TPR, 0x30);
	ck_assert_uint_eq(route(lp), 1u << 2);
	/* A pending higher-class IRR raises cpu 2's APR to 0x50. */
	apic_deliver(A[2], APIC_DM_FIXED, 0x51, false);
	ck_assert_uint_eq(apic_arb_priority(A[2]), 0x50);
	ck_assert_uint_eq(route(lp), 1u << 1);
	/* An in-service 0x61 raises cpu 1's to 0x60: cpu 0 (0x40) wins. */
	xwr(A[1], APIC_REG_TPR, 0);
	apic_deliver(A[1], APIC_DM_FIXED, 0x61, false);
	ck_assert_int_eq(apic_ack_interrupt(A[1]), 0x61);
	xwr(A[1], APIC_REG_TPR, 0x30);
	ck_assert_uint_eq(apic_arb_priority(A[1]), 0x60);
	ck_assert_uint_eq(route(lp), 1u << 0);
	/* Nobody matches: nobody gets it. */
	lp.dest = 0;
	ck_assert_uint_eq(route(lp), 0);
	/* Broadcast and shorthand candidate sets. */
	xwr(A[5], APIC_REG_TPR, 0x10);
	ck_assert_uint_eq(route(mk(APIC_DM_LOWEST, false, 0, 0xff, false, 0)),
			  1u << 5);
	ck_assert_uint_eq(route(mk(APIC_DM_LOWEST, false,
				   APIC_SH_ALL_EXCL_SELF, 0, false, 5)),
			  1u << 3);
	/* x2APIC cluster candidates: ids 0x10, 0x11 (cpus 3, 4). */
	all_x2apic();
	xwr(A[3], APIC_REG_TPR, 0); /* MMIO is off now: no effect */
	ck_assert_int_eq(x2wr(A[3], APIC_REG_TPR, 0x70), 0);
	ck_assert_uint_eq(route(mk(APIC_DM_LOWEST, true, 0, 0x00010003, true,
				   0)),
			  1u << 4);
}
END_TEST

START_TEST(test_disabled_apics)
{
	/* cpu 2 hardware-disabled, cpu 3 software-disabled. */
	ck_assert_int_eq(apic_msr_write(A[2], MSR_IA32_APIC_BASE, 0xfee00000), 0);
	xwr(A[3], APIC_REG_SVR, 0xff);
	ck_assert_uint_eq(phys(0xff), 0xf3);
	ck_assert_uint_eq(phys(0x03), 0);
	ck_assert_uint_eq(phys(0x10), 0);
	ck_assert_uint_eq(route(mk(APIC_DM_NMI, false, 0, 0xff, false, 0)),
			  0xfb);
	ck_assert_uint_eq(route(mk(APIC_DM_NMI, false, 0, 0x10, false, 0)),
			  1u << 3);
	ck_assert_uint_eq(route(mk(APIC_DM_NMI, false, 0, 0x03, false, 0)), 0);
	ck_assert_uint_eq(route(mk(APIC_DM_INIT, false, APIC_SH_ALL_INCL_SELF,
				   0, false, 0)),
			  0xfb);
	ck_assert_uint_eq(route(mk(APIC_DM_STARTUP, false, APIC_SH_ALL_EXCL_SELF,
				   0, false, 0)),
			  0xfa);
	/* Lowest priority never picks the software-disabled one. */
	for (unsigned i = 0; i < N; i++)
		if (i != 3)
			xwr(A[i], APIC_REG_TPR, 0x20);
	xwr(A[6], APIC_REG_TPR, 0x10);
	ck_assert_uint_eq(apic_arb_priority(A[3]), 0);
	ck_assert_uint_eq(route(mk(APIC_DM_LOWEST, false, 0, 0xff, false, 0)),
			  1u << 6);
	/* Fixed to the software-disabled one: not accepted even directly. */
	apic_deliver(A[3], APIC_DM_FIXED, 0x40, false);
	ck_assert_uint_eq(irr_has(A[3], 0x40), 0);
	ck_assert_uint_eq(mock_kicks(&M, 3), 0);
}
END_TEST

START_TEST(test_modes_refused_and_deassert)
{
	struct apic_ipi ipi = mk(APIC_DM_INIT, false, 0, 0xff, false, 0);
	struct cpumask m;

	/* INIT level de-assert: a no-op message. */
	ipi.level_trigger = true;
	ipi.level_assert = false;
	cpumask_fill(&m, 3);
	ck_assert_int_eq(apic_bus_route(B, &ipi, &m), 0);
	ck_assert(cpumask_empty(&m));
	/* INIT level assert and edge INIT are real INITs. */
	ipi.level_assert = true;
	ck_assert_uint_eq(route(ipi), 0xff);
	ipi.level_trigger = false;
	ck_assert_uint_eq(route(ipi), 0xff);

	for (uint8_t dm = APIC_DM_SMI; dm <= APIC_DM_EXTINT; dm++) {
		if (dm != APIC_DM_SMI && dm != APIC_DM_REMOTE_READ &&
		    dm != APIC_DM_EXTINT)
			continue;
		ipi = mk(dm, false, 0, 0xff, false, 0);
		cpumask_fill(&m, 3);
		ck_assert_int_eq(apic_bus_route(B, &ipi, &m), -EINVAL);
		ck_assert(cpumask_empty(&m));
	}
	ck_assert_int_eq(apic_bus_route(NULL, &ipi, &m), -EINVAL);
	ck_assert_int_eq(apic_bus_route(B, NULL, &m), -EINVAL);
	ck_assert_int_eq(apic_bus_route(B, &ipi, NULL), -EINVAL);
}
END_TEST

/* ------------------------------------------------ whole ICR round trips */

START_TEST(test_e2e_fixed_physical)
{
	xwr(A[0], APIC_REG_ICR_HIGH, 0x11000000);
	xwr(A[0], APIC_REG_ICR_LOW, 0x00004041);
	ck_assert_int_eq(M.last_route_ret, 0);
	for (unsigned i = 0; i < N; i++) {
		ck_assert_uint_eq(mock_kicks(&M, i), i == 4);
		ck_assert_uint_eq(irr_has(A[i], 0x41), i == 4);
	}
	ck_assert_int_eq(apic_ack_interrupt(A[4]), 0x41);
	xwr(A[4], APIC_REG_EOI, 0);
	/* Self IPI through the ICR shorthand. */
	xwr(A[4], APIC_REG_ICR_LOW, 0x00044042);
	ck_assert_uint_eq(mock_kicks(&M, 4), 2);
	ck_assert_int_eq(apic_next_interrupt(A[4]), 0x42);
	/* Level-triggered fixed IPI sets the target's TMR. */
	xwr(A[0], APIC_REG_ICR_HIGH, 0x2f000000);
	xwr(A[0], APIC_REG_ICR_LOW, 0x0000c043);
	ck_assert_uint_eq(xrd(A[7], APIC_REG_TMR + 0x20), 1u << 3);
}
END_TEST

START_TEST(test_e2e_logical_multicast)
{
	for (unsigned i = 0; i < N; i++)
		xwr(A[i], APIC_REG_LDR, (1u << i) << 24);
	xwr(A[0], APIC_REG_ICR_HIGH, 0xa4000000);
	xwr(A[0], APIC_REG_ICR_LOW, 0x00004850); /* logical, vector 0x50 */
	for (unsigned i = 0; i < N; i++)
		ck_assert_uint_eq(irr_has(A[i], 0x50), (0xa4u >> i) & 1);
	for (unsigned i = 2; i < N; i += (i == 2) ? 3 : 2) { /* 2, 5, 7 */
		ck_assert_int_eq(apic_ack_interrupt(A[i]), 0x50);
		xwr(A[i], APIC_REG_EOI, 0);
	}
	/* Lowest priority to the same set: exactly one gets it. */
	xwr(A[2], APIC_REG_TPR, 0x30);
	xwr(A[5], APIC_REG_TPR, 0x30);
	xwr(A[0], APIC_REG_ICR_LOW, 0x00004960);
	for (unsigned i = 0; i < N; i++)
		ck_assert_uint_eq(irr_has(A[i], 0x60), i == 7);
}
END_TEST

START_TEST(test_e2e_init_sipi_sipi)
{
	struct apic_events ev;

	/* What an OS sends to start the APs, all through the BSP's ICR. */
	xwr(A[0], APIC_REG_ICR_LOW, 0x000cc500); /* INIT assert, level */
	xwr(A[0], APIC_REG_ICR_LOW, 0x000c8500); /* INIT de-assert */
	xwr(A[0], APIC_REG_ICR_LOW, 0x000c4608); /* SIPI 0x08 */
	xwr(A[0], APIC_REG_ICR_LOW, 0x000c4609); /* second SIPI: ignored */
	ck_assert_uint_eq(M.nr_ipis, 4);
	ev = apic_take_events(A[0]);
	ck_assert_uint_eq(ev.mask, 0);
	for (unsigned i = 1; i < N; i++) {
		ck_assert_uint_eq(mock_kicks(&M, i), 2);
		ev = apic_take_events(A[i]);
		ck_assert_uint_eq(ev.mask, APIC_EVENT_INIT | APIC_EVENT_SIPI);
		ck_assert_uint_eq(ev.sipi_vector, 0x08);
		ck_assert(!apic_wait_for_sipi(A[i]));
		ck_assert_uint_eq(xrd(A[i], APIC_REG_SVR), 0xff);
	}
	/* NMI to every other CPU, physical broadcast. */
	xwr(A[0], APIC_REG_ICR_HIGH, 0xff000000);
	xwr(A[0], APIC_REG_ICR_LOW, 0x00004400);
	for (unsigned i = 0; i < N; i++)
		ck_assert_uint_eq(apic_take_events(A[i]).mask, APIC_EVENT_NMI);
}
END_TEST

START_TEST(test_e2e_smi_refused)
{
	xwr(A[0], APIC_REG_ICR_HIGH, 0x11000000);
	xwr(A[0], APIC_REG_ICR_LOW, 0x00004200); /* SMI */
	ck_assert_uint_eq(M.nr_ipis, 1);
	ck_assert_int_eq(M.last_route_ret, -EINVAL);
	for (unsigned i = 0; i < N; i++) {
		ck_assert_uint_eq(mock_kicks(&M, i), 0);
		ck_assert_uint_eq(apic_take_events(A[i]).mask, 0);
	}
	ck_assert_uint_eq(xesr(A[0]), 0);
	ck_assert_uint_eq(xrd(A[0], APIC_REG_ICR_LOW), 0x00004200);
}
END_TEST

START_TEST(test_e2e_x2apic)
{
	all_x2apic();
	ck_assert_int_eq(x2wr(A[0], APIC_REG_SELF_IPI, 0x55), 0);
	ck_assert_int_eq(apic_next_interrupt(A[0]), 0x55);
	ck_assert_uint_eq(mock_kicks(&M, 0), 1);
	/* Logical cluster 1, members 0 and 1: cpus 3 and 4. */
	ck_assert_int_eq(x2wr(A[0], APIC_REG_ICR_LOW,
			      0x0001000300004866ull),
			 0);
	for (unsigned i = 0; i < N; i++)
		ck_assert_int_eq(apic_next_interrupt(A[i]),
				 i == 3 || i == 4 ? 0x66 : i == 0 ? 0x55 : -1);
	/* Physical to x2APIC ID 0x2f. */
	ck_assert_int_eq(x2wr(A[1], APIC_REG_ICR_LOW,
			      0x0000002f00004077ull),
			 0);
	ck_assert_int_eq(apic_next_interrupt(A[7]), 0x77);
}
END_TEST

START_TEST(test_bus_attach)
{
	struct mock m2;
	struct apic *extra;
	struct apic_bus *small;
	struct apic_ipi ipi = mk(APIC_DM_FIXED, false, 0, 0xff, false, 0);
	struct cpumask mask;

	mock_init(&m2);
	ck_assert_uint_eq(apic_bus_nr_cpus(B), N);
	ck_assert_ptr_eq(apic_bus_get(B, 4), A[4]);
	ck_assert_ptr_null(apic_bus_get(B, N));
	ck_assert_int_eq(apic_bus_attach(B, A[4]), -EEXIST);
	ck_assert_int_eq(apic_bus_attach(B, NULL), -EINVAL);
	extra = mock_apic(&m2, N, 0x40, false);
	ck_assert_int_eq(apic_bus_attach(B, extra), -EINVAL);
	errno = 0;
	ck_assert_ptr_null(apic_bus_create(0));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(apic_bus_create(IPIVIRT_MAX_CPUS + 1));
	/* A bus with an empty slot routes around it. */
	small = apic_bus_create(N + 2);
	ck_assert_ptr_nonnull(small);
	ck_assert_int_eq(apic_bus_attach(small, A[1]), 0);
	ck_assert_int_eq(apic_bus_attach(small, extra), 0);
	ck_assert_int_eq(apic_bus_route(small, &ipi, &mask), 0);
	/* Slots 0 and 2-7 are empty; extra is still software-disabled. */
	ck_assert_uint_eq(cpumask_weight(&mask), 1);
	ck_assert(cpumask_test(&mask, 1));
	xwr(extra, APIC_REG_SVR, 0x100);
	ck_assert_int_eq(apic_bus_route(small, &ipi, &mask), 0);
	ck_assert_uint_eq(cpumask_weight(&mask), 2);
	ck_assert(cpumask_test(&mask, 1));
	ck_assert(cpumask_test(&mask, N));
	apic_bus_destroy(small);
	apic_destroy(extra);
	apic_bus_destroy(NULL);
}
END_TEST

/* ---- a full-size bus: IPIVIRT_MAX_CPUS APICs, x2APIC IDs past 255 ---- */

#define NB IPIVIRT_MAX_CPUS
/* The last vCPU gets a wide ID (cluster 0x1234, member 5): 32-bit
 * destinations must compare all their bits, not the low 8 or 16. */
#define WIDE_ID 0x00012345u

static struct mock BM;
static struct apic *BA[NB];
static struct apic_bus *BB;

static uint32_t big_id(unsigned cpu)
{
	return cpu == NB - 1 ? WIDE_ID : cpu;
}

static void big_setup(void)
{
	BB = bus_of(&BM, BA, NB, big_id);
}

static void big_x2apic(void)
{
	to_x2apic(BA, NB);
}

static void big_teardown(void)
{
	bus_free(BB, BA, NB);
}

static void big_route(struct apic_ipi ipi, struct cpumask *m)
{
	ck_assert_int_eq(apic_bus_route(BB, &ipi, m), 0);
}

/* Exactly one CPU, @cpu, in @m. */
static void only(const struct cpumask *m, unsigned cpu)
{
	ck_assert_uint_eq(cpumask_weight(m), 1);
	ck_assert(cpumask_test(m, cpu));
}

START_TEST(test_max_physical_32bit)
{
	struct cpumask m;

	ck_assert_uint_eq(apic_bus_nr_cpus(BB), NB);
	ck_assert_ptr_null(apic_bus_create(NB + 1));
	big_x2apic();
	for (unsigned cpu = 0; cpu < NB; cpu++) {
		ck_assert_uint_eq(apic_id(BA[cpu]), big_id(cpu));
		big_route(mk(APIC_DM_FIXED, false, 0, big_id(cpu), true, 0), &m);
		only(&m, cpu);
	}
	/* The wide ID answers to all 32 bits, nothing to its low bits. */
	big_route(mk(APIC_DM_FIXED, false, 0, WIDE_ID & 0xffff, true, 0), &m);
	ck_assert(cpumask_empty(&m));
	big_route(mk(APIC_DM_FIXED, false, 0, WIDE_ID & 0xff, true, 0), &m);
	only(&m, WIDE_ID & 0xff);           /* vCPU 0x45 has that ID */
	big_route(mk(APIC_DM_FIXED, false, 0, NB - 1, true, 0), &m);
	ck_assert(cpumask_empty(&m));       /* its index is not its ID */
	big_route(mk(APIC_DM_FIXED, false, 0, 0xffffffffu, true, 0), &m);
	ck_assert_uint_eq(cpumask_weight(&m), NB);
	big_route(mk(APIC_DM_FIXED, false, APIC_SH_ALL_EXCL_SELF, 0, true,
		     700), &m);
	ck_assert_uint_eq(cpumask_weight(&m), NB - 1);
	ck_assert(!cpumask_test(&m, 700));
	big_route(mk(APIC_DM_NMI, false, 0, 1000, true, 3), &m);
	only(&m, 1000);
}
END_TEST

START_TEST(test_max_x2apic_cluster)
{
	struct cpumask m;
	uint64_t v;

	big_x2apic();
	/* LDR = cluster (ID >> 4) << 16 | 1 << (ID & 15), past 255 too. */
	ck_assert_int_eq(x2rd(BA[1000], APIC_REG_LDR, &v), 0);
	ck_assert_uint_eq(v, (62u << 16) | (1u << 8));
	ck_assert_int_eq(x2rd(BA[NB - 1], APIC_REG_LDR, &v), 0);
	ck_assert_uint_eq(v, (0x1234u << 16) | (1u << 5));
	/* Cluster 16 (IDs 256-271), all members; cluster 63 (IDs 1008-1023),
	 * members 0, 14 and 15, of which ID 1023 is absent. */
	big_route(mk(APIC_DM_FIXED, true, 0, (16u << 16) | 0xffff, true, 0),
		  &m);
	ck_assert_uint_eq(cpumask_weight(&m), 16);
	for (unsigned cpu = 256; cpu < 272; cpu++)
		ck_assert(cpumask_test(&m, cpu));
	big_route(mk(APIC_DM_FIXED, true, 0, (63u << 16) | 0xc001, true, 0),
		  &m);
	ck_assert_uint_eq(cpumask_weight(&m), 2);
	ck_assert(cpumask_test(&m, 1008) && cpumask_test(&m, 1022));
	big_route(mk(APIC_DM_FIXED, true, 0, (0x1234u << 16) | (1u << 5), true,
		     0), &m);
	only(&m, NB - 1);
	/* The cluster number is 16 bits: 0x1234 is not 0x34 (IDs 832-847). */
	big_route(mk(APIC_DM_FIXED, true, 0, (0x34u << 16) | (1u << 5), true,
		     0), &m);
	only(&m, 0x345);
	/* Lowest priority among members 0, 1 and 12 of cluster 18 (IDs 288,
	 * 289, 300): the one whose TPR is lowest. */
	ck_assert_int_eq(x2wr(BA[288], APIC_REG_TPR, 0x10), 0);
	ck_assert_int_eq(x2wr(BA[300], APIC_REG_TPR, 0x20), 0);
	big_route(mk(APIC_DM_LOWEST, true, 0, (18u << 16) | 0x1003, true, 0),
		  &m);
	only(&m, 289);
}
END_TEST

/* A whole ICR write from vCPU 0 reaches x2APIC ID 1000, and one from vCPU
 * 1000 comes back: no 8-bit truncation anywhere on the way. */
START_TEST(test_max_e2e)
{
	big_x2apic();
	ck_assert_int_eq(x2wr(BA[0], APIC_REG_ICR_LOW,
			      ((uint64_t)1000 << 32) | 0x4061u),
			 0);
	ck_assert_int_eq(apic_next_interrupt(BA[1000]), 0x61);
	ck_assert_int_eq(apic_next_interrupt(BA[1000 & 0xff]), -1);
	ck_assert_int_eq(x2wr(BA[1000], APIC_REG_ICR_LOW,
			      ((uint64_t)WIDE_ID << 32) | 0x4062u),
			 0);
	ck_assert_int_eq(apic_next_interrupt(BA[NB - 1]), 0x62);
	ck_assert_int_eq(apic_next_interrupt(BA[0]), -1);
}
END_TEST

/*
 * Why more than 255 vCPUs need x2APIC: in xAPIC mode an APIC keeps the
 * low 8 bits of its initial ID, so vCPU 300 answers to 300 & 0xff = 44 with
 * vCPU 44. ipivirt therefore refuses --xapic past 255 vCPUs and hands such
 * VMs over in x2APIC mode (machine.c: firmware_x2apic()).
 */
START_TEST(test_max_xapic_aliases)
{
	struct cpumask m;

	big_route(mk(APIC_DM_FIXED, false, 0, 44, false, 0), &m);
	ck_assert_uint_eq(cpumask_weight(&m), NB / 256);
	ck_assert(cpumask_test(&m, 44) && cpumask_test(&m, 300) &&
		  cpumask_test(&m, 556) && cpumask_test(&m, 812));
}
END_TEST

static Suite *bus_suite(void)
{
	Suite *s = suite_create("apic_bus");
	TCase *tc;

	tc = tcase_create("route");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_physical_xapic);
	tcase_add_test(tc, test_flat_logical);
	tcase_add_test(tc, test_cluster_logical);
	tcase_add_test(tc, test_x2apic_physical);
	tcase_add_test(tc, test_x2apic_cluster);
	tcase_add_test(tc, test_shorthands);
	tcase_add_test(tc, test_lowest_priority);
	tcase_add_test(tc, test_disabled_apics);
	tcase_add_test(tc, test_modes_refused_and_deassert);
	tcase_add_test(tc, test_bus_attach);
	suite_add_tcase(s, tc);

	tc = tcase_create("icr_round_trip");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_e2e_fixed_physical);
	tcase_add_test(tc, test_e2e_logical_multicast);
	tcase_add_test(tc, test_e2e_init_sipi_sipi);
	tcase_add_test(tc, test_e2e_smi_refused);
	tcase_add_test(tc, test_e2e_x2apic);
	suite_add_tcase(s, tc);

	tc = tcase_create("max_cpus");
	tcase_add_checked_fixture(tc, big_setup, big_teardown);
	tcase_add_test(tc, test_max_physical_32bit);
	tcase_add_test(tc, test_max_x2apic_cluster);
	tcase_add_test(tc, test_max_e2e);
	tcase_add_test(tc, test_max_xapic_aliases);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(bus_suite)
