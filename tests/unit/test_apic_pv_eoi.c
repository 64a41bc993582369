// SPDX-License-Identifier: MIT
/*
 * test_apic_pv_eoi.c - KVM's paravirtual EOI in the APIC model
 * (vmm/apic_pv_eoi.c): the MSR's #GP rules, arming only when an EOI has no
 * effect beyond retiring the vector (every case where the byte must stay
 * clear), completion and take-back at the next exit, and reset.
 *
 * Guest RAM is a small array behind ops.guest_read/guest_write; a guest
 * "EOI by store" is a test-and-clear of its byte, as Linux's
 * kvm_guest_apic_eoi_write() does.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "apic_mock.h"
#include "apic_regs.h"
#include "check_main.h"

#define RAM_SIZE 4096u
#define PV_GPA 0x100u   /* the guest's PV EOI word */

static struct mock M;
static uint8_t ram[RAM_SIZE];
static unsigned eoi_broadcasts;

static int ram_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	(void)opaque;
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -EFAULT;
	memcpy(buf, ram + gpa, len);
	return 0;
}

static int ram_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
	(void)opaque;
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -EFAULT;
	memcpy(ram + gpa, buf, len);
	return 0;
}

static void count_broadcast(void *opaque, unsigned cpu, uint8_t vector)
{
	(void)opaque;
	(void)cpu;
	(void)vector;
	eoi_broadcasts++;
}

static struct apic *make_apic(bool pv_eoi)
{
	struct apic_config cfg = {
		.size = sizeof(cfg), .cpu = 0, .apic_id = 0, .bsp = true,
		.x2apic_supported = true, .tsc_khz = MOCK_TSC_KHZ,
		.bus_khz = MOCK_BUS_KHZ, .pv_eoi = pv_eoi,
	};
	struct apic_ops ops;
	struct apic *a;

	mock_init(&M);
	memset(ram, 0, sizeof(ram));
	eoi_broadcasts = 0;
	ops = mock_ops(&M);
	ops.guest_read = ram_read;
	ops.guest_write = ram_write;
	ops.eoi_broadcast = count_broadcast;
	a = apic_create(&cfg, &ops);
	ck_assert_ptr_nonnull(a);
	xwr(a, APIC_REG_SVR, 0x1ff);
	return a;
}

/* An APIC with the guest's word registered at PV_GPA. */
static struct apic *make_registered(void)
{
	struct apic *a = make_apic(true);

	ck_assert_int_eq(apic_msr_write(a, MSR_KVM_PV_EOI_EN, PV_GPA | 1), 0);
	return a;
}

static bool in_service(struct apic *a, unsigned v)
{
	return xrd(a, APIC_REG_ISR + 0x10 * (v / 32)) & (1u << (v % 32));
}

/* Deliver @v edge and inject it: ack, then offer the PV EOI. */
static bool inject(struct apic *a, uint8_t v, bool *armed)
{
	apic_deliver(a, APIC_DM_FIXED, v, false);
	if (apic_ack_interrupt(a) != v)
		return false;
	*armed = apic_pv_eoi_arm(a);
	return true;
}

/* The guest's EOI routine: clear the byte if set, else the register. */
static void guest_eoi(struct apic *a)
{
	if (ram[PV_GPA] & 1)
		ram[PV_GPA] &= (uint8_t)~1u;
	else
		xwr(a, APIC_REG_EOI, 0);
}

START_TEST(test_msr_rules)
{
	struct apic *a = make_apic(true);
	uint64_t v = 1;

	ck_assert_int_eq(apic_msr_read(a, MSR_KVM_PV_EOI_EN, &v), 0);
	ck_assert_uint_eq(v, 0);
	/* misaligned address: #GP, enabled or not */
	ck_assert_int_eq(apic_msr_write(a, MSR_KVM_PV_EOI_EN, 0x102 | 1), -EINVAL);
	ck_assert_int_eq(apic_msr_write(a, MSR_KVM_PV_EOI_EN, 0x101 & ~1u), 0);
	ck_assert_int_eq(apic_msr_write(a, MSR_KVM_PV_EOI_EN, 0x103), -EINVAL);
	/* enabling outside RAM: #GP; disabled, any aligned value is kept */
	ck_assert_int_eq(apic_msr_write(a, MSR_KVM_PV_EOI_EN, RAM_SIZE | 1),
			 -EINVAL);
	ck_assert_int_eq(apic_msr_write(a, MSR_KVM_PV_EOI_EN, RAM_SIZE), 0);
	ck_assert_int_eq(apic_msr_write(a, MSR_KVM_PV_EOI_EN, PV_GPA | 1), 0);
	ck_assert_int_eq(apic_msr_read(a, MSR_KVM_PV_EOI_EN, &v), 0);
	ck_assert_uint_eq(v, PV_GPA | 1);
	apic_destroy(a);

	/* Without pv_eoi in the config the MSR is not the model's. */
	a = make_apic(false);
	ck_assert_int_eq(apic_msr_read(a, MSR_KVM_PV_EOI_EN, &v), -ENOENT);
	ck_assert_int_eq(apic_msr_write(a, MSR_KVM_PV_EOI_EN, PV_GPA | 1),
			 -ENOENT);
	apic_destroy(a);
}
END_TEST

START_TEST(test_create_needs_guest_memory)
{
	struct apic_config cfg = {
		.size = sizeof(cfg), .tsc_khz = MOCK_TSC_KHZ,
		.bus_khz = MOCK_BUS_KHZ, .pv_eoi = true,
	};
	struct apic_ops ops;

	mock_init(&M);
	ops = mock_ops(&M);
	ck_assert_ptr_null(apic_create(&cfg, &ops));
	ck_assert_int_eq(errno, EINVAL);
	ops.guest_read = ram_read;
	ck_assert_ptr_null(apic_create(&cfg, &ops));
	ops.guest_write = ram_write;
	cfg.pv_eoi = false;
	ops.guest_read = NULL;
	ops.guest_write = NULL;
	apic_destroy(apic_create(&cfg, &ops)); /* not asked: not needed */
}
END_TEST

/* The whole protocol: armed, the guest EOIs by store, the next exit
 * retires the vector; no EOI register access at all. */
START_TEST(test_deferred_eoi_completes_at_exit)
{
	struct apic *a = make_registered();
	bool armed;

	ck_assert(inject(a, 0x40, &armed));
	ck_assert(armed);
	ck_assert_uint_eq(ram[PV_GPA], 1);
	guest_eoi(a);
	ck_assert(apic_pv_eoi_sync(a)); /* the exit */
	ck_assert(!in_service(a, 0x40));
	ck_assert_uint_eq(ram[PV_GPA], 0);
	/* nothing armed any more: a second exit does nothing */
	ck_assert(!apic_pv_eoi_sync(a));
	/* and the same vector can come again */
	ck_assert(inject(a, 0x40, &armed));
	ck_assert(armed);
	apic_destroy(a);
}
END_TEST

/* An exit before the guest EOIs: the byte is taken back, the vector stays
 * in service, and the guest's later EOI goes through the register. */
START_TEST(test_exit_before_eoi_takes_the_byte_back)
{
	struct apic *a = make_registered();
	bool armed;

	ck_assert(inject(a, 0x50, &armed));
	ck_assert(armed);
	ck_assert(!apic_pv_eoi_sync(a));
	ck_assert_uint_eq(ram[PV_GPA], 0);
	ck_assert(in_service(a, 0x50));
	guest_eoi(a);                      /* byte clear: register write */
	ck_assert(!in_service(a, 0x50));
	ck_assert(!apic_pv_eoi_sync(a));
	apic_destroy(a);
}
END_TEST

/* Each case where the byte must stay clear. */
START_TEST(test_not_armed_when_off_or_unregistered)
{
	struct apic *a = make_apic(true);  /* MSR never written */
	bool armed;

	ck_assert(inject(a, 0x40, &armed));
	ck_assert(!armed);
	ck_assert_uint_eq(ram[PV_GPA], 0);
	xwr(a, APIC_REG_EOI, 0);
	/* registered, then disabled by the guest */
	ck_assert_int_eq(apic_msr_write(a, MSR_KVM_PV_EOI_EN, PV_GPA | 1), 0);
	ck_assert_int_eq(apic_msr_write(a, MSR_KVM_PV_EOI_EN, PV_GPA), 0);
	ck_assert(inject(a, 0x40, &armed));
	ck_assert(!armed);
	apic_destroy(a);
}
END_TEST

START_TEST(test_not_armed_with_irr_waiting)
{
	struct apic *a = make_registered();
	bool armed;

	/* a lower vector waits: its delivery after the EOI needs the host */
	apic_deliver(a, APIC_DM_FIXED, 0x30, false);
	ck_assert(inject(a, 0x60, &armed));
	ck_assert(!armed);
	ck_assert_uint_eq(ram[PV_GPA], 0);
	apic_destroy(a);
}
END_TEST

START_TEST(test_not_armed_when_nested)
{
	struct apic *a = make_registered();
	bool armed;

	ck_assert(inject(a, 0x40, &armed));
	ck_assert(armed);
	ck_assert(!apic_pv_eoi_sync(a));   /* exit: the higher one arrives */
	ck_assert(inject(a, 0x80, &armed));
	ck_assert(!armed);                 /* two in service */
	ck_assert_uint_eq(ram[PV_GPA], 0);
	guest_eoi(a);
	ck_assert(!in_service(a, 0x80));
	ck_assert(in_service(a, 0x40));
	apic_destroy(a);
}
END_TEST

START_TEST(test_not_armed_for_level)
{
	struct apic *a = make_registered();
	bool armed;

	/* I/O APIC level: the EOI must reach it (broadcast) */
	apic_deliver(a, APIC_DM_FIXED, 0x70, true);
	ck_assert_int_eq(apic_ack_interrupt(a), 0x70);
	ck_assert(!apic_pv_eoi_arm(a));
	ck_assert_uint_eq(ram[PV_GPA], 0);
	guest_eoi(a);
	ck_assert_uint_eq(eoi_broadcasts, 1);

	/* LINT0 fixed level: remote IRR must clear */
	xwr(a, APIC_REG_LVT_LINT0, 0x45 | (1u << 15));
	apic_set_lint(a, 0, true);
	(void)apic_take_events(a);
	ck_assert_int_eq(apic_ack_interrupt(a), 0x45);
	(void)armed;
	ck_assert(!apic_pv_eoi_arm(a));
	apic_destroy(a);
}
END_TEST

START_TEST(test_not_armed_when_byte_unwritable)
{
	struct apic *a = make_registered();
	bool armed;

	/* The guest RAM shrank under the registered word (say, a VMM
	 * that unplugged it): no byte, no deferral, no crash. */
	ck_assert_int_eq(apic_msr_write(a, MSR_KVM_PV_EOI_EN, RAM_SIZE - 4), 0);
	ck_assert(inject(a, 0x40, &armed));
	ck_assert(!armed);
	apic_destroy(a);
}
END_TEST

/* An EOI register write in the same exit as the sync: the sync first (it
 * took the byte back), then the write retires the vector once. */
START_TEST(test_register_eoi_after_sync_once)
{
	struct apic *a = make_registered();
	bool armed;

	apic_deliver(a, APIC_DM_FIXED, 0x30, false);
	ck_assert_int_eq(apic_ack_interrupt(a), 0x30);
	xwr(a, APIC_REG_EOI, 0);
	ck_assert(inject(a, 0x40, &armed));
	ck_assert(armed);
	ck_assert(!apic_pv_eoi_sync(a));
	xwr(a, APIC_REG_EOI, 0);
	ck_assert(!in_service(a, 0x40));
	apic_destroy(a);
}
END_TEST

START_TEST(test_reset_forgets_the_word)
{
	for (int init = 0; init < 2; init++) {
		struct apic *a = make_registered();
		uint64_t v = 1;
		bool armed;

		ck_assert(inject(a, 0x40, &armed));
		ck_assert(armed);
		apic_reset(a, init);
		ck_assert_int_eq(apic_msr_read(a, MSR_KVM_PV_EOI_EN, &v), 0);
		ck_assert_uint_eq(v, 0);
		ram[PV_GPA] = 0;            /* the guest's EOI by store */
		ck_assert(!apic_pv_eoi_sync(a)); /* not ours to complete */
		apic_destroy(a);
	}
}
END_TEST

/* The INIT a guest receives (apic_take_events()) forgets the word, as
 * KVM's does; a mode change through IA32_APIC_BASE keeps it. */
START_TEST(test_init_event_and_mode_change)
{
	struct apic *a = make_registered();
	uint64_t v = 0;

	ck_assert_int_eq(apic_msr_write(a, MSR_IA32_APIC_BASE,
					APIC_DEFAULT_BASE | APIC_BASE_BSP |
						APIC_BASE_ENABLE | APIC_BASE_EXTD),
			 0);
	ck_assert_int_eq(apic_msr_write(a, MSR_IA32_APIC_BASE,
					APIC_DEFAULT_BASE | APIC_BASE_BSP), 0);
	ck_assert_int_eq(apic_msr_write(a, MSR_IA32_APIC_BASE,
					APIC_DEFAULT_BASE | APIC_BASE_BSP |
						APIC_BASE_ENABLE), 0);
	ck_assert_int_eq(apic_msr_read(a, MSR_KVM_PV_EOI_EN, &v), 0);
	ck_assert_uint_eq(v, PV_GPA | 1);
	apic_deliver(a, APIC_DM_INIT, 0, false);
	ck_assert(apic_take_events(a).mask & APIC_EVENT_INIT);
	ck_assert_int_eq(apic_msr_read(a, MSR_KVM_PV_EOI_EN, &v), 0);
	ck_assert_uint_eq(v, 0);
	apic_destroy(a);
}
END_TEST

static Suite *pv_eoi_suite(void)
{
	Suite *s = suite_create("apic_pv_eoi");
	TCase *tc = tcase_create("pv_eoi");

	tcase_add_test(tc, test_msr_rules);
	tcase_add_test(tc, test_create_needs_guest_memory);
	tcase_add_test(tc, test_deferred_eoi_completes_at_exit);
	tcase_add_test(tc, test_exit_before_eoi_takes_the_byte_back);
	tcase_add_test(tc, test_not_armed_when_off_or_unregistered);
	tcase_add_test(tc, test_not_armed_with_irr_waiting);
	tcase_add_test(tc, test_not_armed_when_nested);
	tcase_add_test(tc, test_not_armed_for_level);
	tcase_add_test(tc, test_not_armed_when_byte_unwritable);
	tcase_add_test(tc, test_register_eoi_after_sync_once);
	tcase_add_test(tc, test_reset_forgets_the_word);
	tcase_add_test(tc, test_init_event_and_mode_change);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(pv_eoi_suite)
