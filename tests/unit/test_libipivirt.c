// SPDX-License-Identifier: MIT
/*
 * test_libipivirt.c - libipivirt through its public header only: version,
 * configuration checks, APIC exits, host IPIs through the IPI domain, and
 * the thread-safety contract under load (built with -fsanitize=thread by
 * `make unit-test-tsan`): host senders, guest senders (ICR writes on their
 * owner threads) and timer fires hammer several vCPUs whose owners ack and
 * EOI; every IPI is taken exactly once.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "ipivirt.h"

#define NR_CPUS 4
#define HOST_SENDERS 3
#define ROUNDS 1000

#define MSR_APIC_BASE 0x1b
#define MSR_X2_SVR 0x80f
#define MSR_X2_EOI 0x80b
#define MSR_X2_ICR 0x830
#define BASE_ENABLE (1ull << 11)
#define BASE_EXTD (1ull << 10)
#define ICR_INIT_ASSERT (0x500u | 0x4000u)
#define ICR_SIPI 0x600u

struct host {
	_Atomic unsigned kicks[NR_CPUS];
	_Atomic unsigned handled[NR_CPUS][256];
	_Atomic unsigned timer_arms;
	_Atomic unsigned stop;
	struct ipivirt_vm *vm;
	struct ipivirt_vcpu *vcpu[NR_CPUS];
	_Atomic unsigned errors; /* counted off the main thread */
};

static void kick(void *opaque, unsigned cpu)
{
	struct host *h = opaque;

	if (cpu < NR_CPUS)
		atomic_fetch_add(&h->kicks[cpu], 1);
}

static void timer_arm(void *opaque, unsigned cpu, uint64_t deadline_ns)
{
	struct host *h = opaque;

	(void)cpu;
	(void)deadline_ns;
	atomic_fetch_add(&h->timer_arms, 1);
}

static void make_vm(struct host *h, unsigned nr_cpus)
{
	struct ipivirt_vm_config cfg = {
		.size = sizeof(cfg),
		.nr_cpus = nr_cpus,
		.controllers = IPIVIRT_CTRL_APIC,
		.tsc_khz = 2000000,
		.x2apic = true,
	};
	struct ipivirt_host_ops ops = {
		.size = sizeof(ops),
		.opaque = h,
		.kick = kick,
		.timer_arm = timer_arm,
	};

	ck_assert_int_eq(ipivirt_vm_create(&cfg, &ops, &h->vm), 0);
	for (unsigned i = 0; i < nr_cpus; i++) {
		struct ipivirt_vcpu_config vc = {
			.size = sizeof(vc),
			.cpu = i,
			.flags = i == 0 ? IPIVIRT_VCPU_BSP : 0,
		};
		uint64_t base;

		ck_assert_int_eq(ipivirt_vcpu_create(h->vm, &vc, &h->vcpu[i]),
				 0);
		/* x2APIC on, software-enabled: what a guest does first. */
		ck_assert_int_eq(ipivirt_apic_msr_read(h->vcpu[i],
						       MSR_APIC_BASE, &base),
				 0);
		ck_assert_int_eq(ipivirt_apic_msr_write(h->vcpu[i],
							MSR_APIC_BASE,
							base | BASE_EXTD), 0);
		ck_assert_int_eq(ipivirt_apic_msr_write(h->vcpu[i], MSR_X2_SVR,
							0x1ff), 0);
	}
}

static struct host *new_host(unsigned nr_cpus)
{
	struct host *h = calloc(1, sizeof(*h));

	ck_assert_ptr_nonnull(h);
	make_vm(h, nr_cpus);
	return h;
}

static void free_host(struct host *h)
{
	ipivirt_vm_destroy(h->vm);
	free(h);
}

/* Owner side: take every deliverable vector, EOI it, count it. */
static unsigned drain(struct host *h, unsigned cpu)
{
	unsigned n = 0;
	int v;

	if (ipivirt_vcpu_take_events(h->vcpu[cpu], NULL) < 0)
		atomic_fetch_add(&h->errors, 1);
	while ((v = ipivirt_vcpu_ack_interrupt(h->vcpu[cpu])) >= 0) {
		atomic_fetch_add(&h->handled[cpu][v], 1);
		if (ipivirt_apic_msr_write(h->vcpu[cpu], MSR_X2_EOI, 0))
			atomic_fetch_add(&h->errors, 1);
		n++;
	}
	return n;
}

START_TEST(test_version)
{
	ck_assert_str_eq(ipivirt_version(), IPIVIRT_VERSION_STRING);
	ck_assert_int_eq(ipivirt_check_version(IPIVIRT_VERSION_MAJOR,
					       IPIVIRT_VERSION_MINOR), 0);
	ck_assert_int_eq(ipivirt_check_version(IPIVIRT_VERSION_MAJOR, 0), 0);
	ck_assert_int_eq(ipivirt_check_version(IPIVIRT_VERSION_MAJOR + 1, 0),
			 -ENOTSUP);
	ck_assert_int_eq(ipivirt_check_version(IPIVIRT_VERSION_MAJOR,
					       IPIVIRT_VERSION_MINOR + 1),
			 -ENOTSUP);
	ck_assert(IPIVIRT_CHECK_VERSION(IPIVIRT_VERSION_MAJOR, 0));
}
END_TEST

START_TEST(test_config_checks)
{
	struct host h = { 0 };
	struct ipivirt_vm_config cfg = {
		.size = sizeof(cfg), .nr_cpus = 2, .tsc_khz = 1000000,
	};
	struct ipivirt_host_ops ops = { .size = sizeof(ops), .opaque = &h };
	struct ipivirt_vm *vm = NULL;

	ck_assert_int_eq(ipivirt_vm_create(&cfg, &ops, &vm), -EINVAL); /* kick */
	ops.kick = kick;
	cfg.tsc_khz = 0;
	ck_assert_int_eq(ipivirt_vm_create(&cfg, &ops, &vm), -EINVAL);
	cfg.tsc_khz = 1000000;
	cfg.nr_cpus = IPIVIRT_MAX_CPUS + 1;
	ck_assert_int_eq(ipivirt_vm_create(&cfg, &ops, &vm), -EINVAL);
	cfg.nr_cpus = 2;
	cfg.controllers = IPIVIRT_CTRL_XIVE; /* needs read/write_mem */
	ck_assert_int_eq(ipivirt_vm_create(&cfg, &ops, &vm), -EINVAL);
	cfg.controllers = 0;
	cfg.size = 1;
	ck_assert_int_eq(ipivirt_vm_create(&cfg, &ops, &vm), -EINVAL);
	ck_assert_ptr_null(vm);

	/* An older, shorter config: the fields it lacks take defaults. */
	cfg.size = offsetof(struct ipivirt_vm_config, apic_bus_khz);
	ck_assert_int_eq(ipivirt_vm_create(&cfg, &ops, &vm), 0);
	{
		struct ipivirt_vcpu_config vc = { .size = sizeof(vc), .cpu = 2 };
		struct ipivirt_vcpu *v;

		ck_assert_int_eq(ipivirt_vcpu_create(vm, &vc, &v), -EINVAL);
		vc.cpu = 1;
		ck_assert_int_eq(ipivirt_vcpu_create(vm, &vc, &v), 0);
		ck_assert(ipivirt_vcpu_wait_for_sipi(v)); /* an AP */
		ck_assert_int_eq(ipivirt_vcpu_create(vm, &vc, &v), -EEXIST);
		vc.controllers = IPIVIRT_CTRL_XIVE;
		vc.cpu = 0;
		ck_assert_int_eq(ipivirt_vcpu_create(vm, &vc, &v), -EINVAL);
	}
	ipivirt_vm_destroy(vm);
}
END_TEST

START_TEST(test_apic_exits)
{
	struct host *h = new_host(2);
	uint32_t id = 0;
	uint64_t v;
	uint8_t sipi = 0;

	/* x2APIC is on: the xAPIC page no longer claims accesses. */
	ck_assert_int_eq(ipivirt_apic_mmio_read(h->vcpu[1], 0xfee00020, &id, 4),
			 -ENOENT);
	ck_assert_int_eq(ipivirt_apic_msr_read(h->vcpu[1], 0x802, &v), 0);
	ck_assert_uint_eq(v, 1); /* x2APIC ID = vCPU index */
	ck_assert_int_eq(ipivirt_apic_msr_read(h->vcpu[0], 0x10, &v), -ENOENT);
	ck_assert_int_eq(ipivirt_apic_msr_write(h->vcpu[0], 0x802, 5),
			 -EINVAL); /* read-only: #GP */

	/* A guest IPI 0 -> 1, vector 0x40, through the IPI domain. */
	ck_assert_int_eq(ipivirt_apic_msr_write(h->vcpu[0], MSR_X2_ICR,
						(1ull << 32) | 0x40), 0);
	ck_assert_uint_eq(atomic_load(&h->kicks[1]), 1);
	ck_assert_int_eq(ipivirt_vcpu_next_interrupt(h->vcpu[1]), 0x40);
	ck_assert_int_eq(ipivirt_vcpu_next_interrupt(h->vcpu[0]), -ENOENT);
	ck_assert_int_eq(ipivirt_vcpu_ack_interrupt(h->vcpu[1]), 0x40);
	ck_assert_int_eq(ipivirt_vcpu_next_interrupt(h->vcpu[1]), -ENOENT);
	ck_assert_int_eq(ipivirt_apic_msr_write(h->vcpu[1], MSR_X2_EOI, 0), 0);
	{
		uint64_t sent, received;
		ipivirt_vcpu_ipi_counts(h->vcpu[0], &sent, NULL);
		ipivirt_vcpu_ipi_counts(h->vcpu[1], NULL, &received);
		ck_assert_uint_eq(sent, 1);
		ck_assert_uint_eq(received, 1);
	}

	/* INIT, then SIPI 0x08: both events, INIT applied to the APIC. */
	ck_assert_int_eq(ipivirt_apic_msr_write(h->vcpu[0], MSR_X2_ICR,
						(1ull << 32) | ICR_INIT_ASSERT),
			 0);
	ck_assert(ipivirt_vcpu_wait_for_sipi(h->vcpu[1]));
	ck_assert_int_eq(ipivirt_apic_msr_write(h->vcpu[0], MSR_X2_ICR,
						(1ull << 32) | ICR_SIPI | 0x08),
			 0);
	ck_assert_int_eq(ipivirt_vcpu_take_events(h->vcpu[1], &sipi),
			 IPIVIRT_EVENT_INIT | IPIVIRT_EVENT_SIPI);
	ck_assert_uint_eq(sipi, 0x08);
	ck_assert(!ipivirt_vcpu_wait_for_sipi(h->vcpu[1]));
	free_host(h);
}
END_TEST

START_TEST(test_xapic_mmio)
{
	struct host h = { 0 };
	struct ipivirt_vm_config cfg = {
		.size = sizeof(cfg), .nr_cpus = 1, .tsc_khz = 1000000,
	};
	struct ipivirt_host_ops ops = {
		.size = sizeof(ops), .opaque = &h, .kick = kick,
	};
	struct ipivirt_vcpu_config vc = {
		.size = sizeof(vc), .flags = IPIVIRT_VCPU_BSP | IPIVIRT_VCPU_APIC_ID,
		.apic_id = 7,
	};
	struct ipivirt_vcpu *v;
	uint32_t reg = 0;
	uint64_t value;

	ck_assert_int_eq(ipivirt_vm_create(&cfg, &ops, &h.vm), 0);
	ck_assert_int_eq(ipivirt_vcpu_create(h.vm, &vc, &v), 0);
	ck_assert(!ipivirt_vcpu_wait_for_sipi(v));
	ck_assert_int_eq(ipivirt_apic_mmio_read(v, 0xfee00020, &reg, 4), 0);
	ck_assert_uint_eq(reg, 7u << 24);
	ck_assert_int_eq(ipivirt_apic_mmio_read(v, 0xfee00020, &reg, 3),
			 -EINVAL);
	ck_assert_int_eq(ipivirt_apic_mmio_read(v, 0xfed00000, &reg, 4),
			 -ENOENT);
	/* x2APIC not offered: EXTD is refused with #GP. */
	ck_assert_int_eq(ipivirt_apic_msr_read(v, MSR_APIC_BASE, &value), 0);
	ck_assert_int_eq(ipivirt_apic_msr_write(v, MSR_APIC_BASE,
						value | BASE_EXTD), -EINVAL);
	/* Self IPI via the ICR page: SVR on, then ICR low = self | 0x33. */
	reg = 0x1ff;
	ck_assert_int_eq(ipivirt_apic_mmio_write(v, 0xfee000f0, &reg, 4), 0);
	reg = (1u << 18) | 0x33;
	ck_assert_int_eq(ipivirt_apic_mmio_write(v, 0xfee00300, &reg, 4), 0);
	ck_assert_int_eq(ipivirt_vcpu_next_interrupt(v), 0x33);
	ck_assert_int_eq(ipivirt_xive_mmio(v, 0, &reg, 4, false), -EINVAL);
	ck_assert_int_eq(ipivirt_xive_hcall(v, 0x3a8, (uint64_t[5]){ 0 },
					    (uint64_t[4]){ 0 }), -2);
	ipivirt_vm_destroy(h.vm);
}
END_TEST

START_TEST(test_host_ipis)
{
	struct host *h = new_host(NR_CPUS);
	uint64_t two = 1u << 2, first_two = 0x3, all = (1u << NR_CPUS) - 1;
	int virq, pair, any;

	virq = ipivirt_ipi_reserve(h->vm, IPIVIRT_IPI_APIC, NULL, 0, 0x50);
	ck_assert_int_gt(virq, 0);
	ck_assert_int_eq(ipivirt_ipi_send_single(h->vm, (unsigned)virq, 2), 0);
	ck_assert_int_eq(ipivirt_vcpu_next_interrupt(h->vcpu[2]), 0x50);
	ck_assert_int_eq(ipivirt_ipi_send_mask(h->vm, (unsigned)virq, &all,
					       NR_CPUS), 0);
	for (unsigned c = 0; c < NR_CPUS; c++)
		ck_assert_uint_eq(drain(h, c), 1); /* cpu 2: coalesced */
	ck_assert_int_eq(ipivirt_ipi_send_single(h->vm, (unsigned)virq,
						 NR_CPUS), -EINVAL);

	pair = ipivirt_ipi_reserve(h->vm, IPIVIRT_IPI_APIC, &first_two, 2,
				   IPIVIRT_IPI_ANY_VECTOR);
	ck_assert_int_gt(pair, 0);
	ck_assert_int_eq(ipivirt_ipi_send_single(h->vm, (unsigned)pair, 3),
			 -EINVAL);
	ck_assert_int_eq(ipivirt_ipi_send_mask(h->vm, (unsigned)pair, &two,
					       NR_CPUS), -EINVAL);
	ck_assert_int_eq(ipivirt_ipi_send_single(h->vm, (unsigned)pair, 1), 0);
	ck_assert_int_ge(ipivirt_vcpu_next_interrupt(h->vcpu[1]), 0x20);

	any = ipivirt_ipi_reserve(h->vm, IPIVIRT_IPI_APIC, NULL, 0,
				  IPIVIRT_IPI_NMI);
	ck_assert_int_gt(any, 0);
	ck_assert_int_eq(ipivirt_ipi_send_single(h->vm, (unsigned)any, 3), 0);
	ck_assert_int_eq(ipivirt_vcpu_take_events(h->vcpu[3], NULL),
			 IPIVIRT_EVENT_NMI);

	ck_assert_int_eq(ipivirt_ipi_reserve(h->vm, IPIVIRT_IPI_APIC, NULL, 0,
					     8), -EINVAL);
	ck_assert_int_eq(ipivirt_ipi_reserve(h->vm, IPIVIRT_IPI_XIVE, NULL, 0,
					     IPIVIRT_IPI_ANY_VECTOR), -EINVAL);
	ck_assert_int_eq(ipivirt_ipi_destroy(h->vm, (unsigned)pair), 0);
	ck_assert_int_eq(ipivirt_ipi_send_single(h->vm, (unsigned)pair, 1),
			 -EINVAL);
	ck_assert_int_eq(ipivirt_ipi_destroy(h->vm, (unsigned)pair), -EINVAL);
	free_host(h);
}
END_TEST

/* ---- XIVE through the library ------------------------------------------- */

#define XMEM_SIZE (1u << 20)
#define X_ESB_BASE 0xc0000000ull
#define X_TIMA_OS (0xc8000000ull + 2 * 0x10000)
#define X_QPAGE 0x10000ull
#define X_VECTOR 0x50

struct xhost {
	struct host h;
	uint8_t mem[XMEM_SIZE];
	_Atomic unsigned lines;
};

static int xread(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	struct xhost *x = opaque;

	if (gpa > XMEM_SIZE || len > XMEM_SIZE - gpa)
		return -EFAULT;
	memcpy(buf, x->mem + gpa, len);
	return 0;
}

static int xwrite(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
	struct xhost *x = opaque;

	if (gpa > XMEM_SIZE || len > XMEM_SIZE - gpa)
		return -EFAULT;
	memcpy(x->mem + gpa, buf, len);
	return 0;
}

static void xkick(void *opaque, unsigned cpu)
{
	kick(&((struct xhost *)opaque)->h, cpu);
}

static void xline(void *opaque, unsigned cpu, bool level)
{
	struct xhost *x = opaque;

	(void)cpu;
	if (level)
		atomic_fetch_add(&x->lines, 1);
}

/* 8-byte big-endian ESB load of source @lisn's management page. */
static uint64_t esb_load(struct ipivirt_vcpu *v, uint32_t lisn, unsigned off)
{
	uint8_t b[8];
	uint64_t val = 0;

	ck_assert_int_eq(ipivirt_xive_mmio(v, X_ESB_BASE + ((uint64_t)lisn << 17) +
						      (1u << 16) + off,
					   b, 8, false), 0);
	for (unsigned i = 0; i < 8; i++)
		val = val << 8 | b[i];
	return val;
}

START_TEST(test_xive)
{
	struct xhost *x = calloc(1, sizeof(*x));
	struct ipivirt_vm_config cfg = {
		.size = sizeof(cfg), .nr_cpus = 2,
		.controllers = IPIVIRT_CTRL_XIVE, .xive_esb_base = X_ESB_BASE,
		.xive_tima_base = 0xc8000000ull,
	};
	struct ipivirt_host_ops ops = {
		.size = sizeof(ops), .kick = xkick, .read_mem = xread,
		.write_mem = xwrite, .set_irq_line = xline,
	};
	struct ipivirt_vcpu_config vc = { .size = sizeof(vc),
					  .xive_vector = X_VECTOR };
	struct ipivirt_vcpu *v[2];
	uint64_t rets[4], all = 3;
	uint8_t cppr = 0xff, trigger[8] = { 0 };
	int virq;

	ck_assert_ptr_nonnull(x);
	ops.opaque = x;
	ck_assert_int_eq(ipivirt_vm_create(&cfg, &ops, &x->h.vm), 0);
	for (unsigned c = 0; c < 2; c++) {
		vc.cpu = c;
		ck_assert_int_eq(ipivirt_vcpu_create(x->h.vm, &vc, &v[c]), 0);
	}
	ck_assert_int_eq(ipivirt_apic_msr_write(v[0], 0x830, 0), -EINVAL);
	ck_assert_int_eq(ipivirt_vcpu_take_events(v[0], NULL), -EINVAL);

	/* The guest's set-up: vCPU 1's queue at priority 6, its IPI source
	 * (LISN 1) routed there and unmasked (PQ 00), CPPR open. */
	ck_assert_int_eq(ipivirt_xive_hcall(v[1], 0x3b8, (uint64_t[5]){
		1 /* ALWAYS_NOTIFY */, 1, 6, X_QPAGE, 12 }, rets), 0);
	ck_assert_int_eq(ipivirt_xive_hcall(v[1], 0x3ac, (uint64_t[5]){
		2 /* SET_EISN */, 1, 1, 6, 0x1234 }, rets), 0);
	ck_assert_uint_eq(esb_load(v[1], 1, 0xc00), 1); /* old PQ: 01 */
	ck_assert_int_eq(ipivirt_xive_mmio(v[1], X_TIMA_OS + 0x11, &cppr, 1,
					   true), 0);
	ck_assert(!ipivirt_vcpu_xive_line(v[1]));
	ck_assert_int_eq(ipivirt_xive_mmio(v[1], 0x1000, &cppr, 1, true),
			 -ENOENT);

	/* A host IPI through the XIVE source domain. */
	ck_assert_int_eq(ipivirt_ipi_reserve(x->h.vm, IPIVIRT_IPI_XIVE, NULL,
					     0, 0x40), -EINVAL);
	virq = ipivirt_ipi_reserve(x->h.vm, IPIVIRT_IPI_XIVE, &all, 2,
				   IPIVIRT_IPI_ANY_VECTOR);
	ck_assert_int_gt(virq, 0);
	ck_assert_int_eq(ipivirt_ipi_send_single(x->h.vm, (unsigned)virq, 1), 0);
	ck_assert(ipivirt_vcpu_xive_line(v[1]));
	ck_assert_uint_eq(atomic_load(&x->lines), 1);
	ck_assert_uint_ge(atomic_load(&x->h.kicks[1]), 1);
	ck_assert_int_eq(ipivirt_vcpu_next_interrupt(v[1]), X_VECTOR);
	ck_assert_int_eq(ipivirt_vcpu_next_interrupt(v[0]), -ENOENT);
	/* The event is in the queue: generation bit 1, EISN 0x1234. */
	ck_assert_uint_eq(x->mem[X_QPAGE], 0x80);
	ck_assert_uint_eq(x->mem[X_QPAGE + 2], 0x12);
	ck_assert_uint_eq(x->mem[X_QPAGE + 3], 0x34);

	/* A guest trigger store on the IPI's even (trigger) page: P is still
	 * set, so it coalesces (PQ 10 -> 11), routed through the domain. */
	ck_assert_int_eq(ipivirt_xive_mmio(v[0], X_ESB_BASE + (1ull << 17),
					   trigger, 8, true), 0);
	ck_assert_uint_eq(esb_load(v[1], 1, 0x800), 3);
	{
		uint64_t received;
		ipivirt_vcpu_ipi_counts(v[1], NULL, &received);
		ck_assert_uint_eq(received, 2);
	}
	ipivirt_vm_destroy(x->h.vm);
	free(x);
}
END_TEST

/* ---- the threading contract under load -------------------------------- */

struct host_sender {
	struct host *h;
	unsigned id;
	unsigned virq;
};

static uint8_t host_vector(unsigned id) { return (uint8_t)(0x40 + id); }
static uint8_t guest_vector(unsigned cpu) { return (uint8_t)(0x80 + cpu); }

/* Wait (yielding) until @cpu has handled @want of @vector. */
static void wait_handled(struct host *h, unsigned cpu, uint8_t vector,
			 unsigned want)
{
	while (atomic_load(&h->handled[cpu][vector]) < want)
		sched_yield();
}

/* What host_sender_thread() @id sends to @cpu. */
static unsigned expected_host_ipis(unsigned id, unsigned cpu)
{
	unsigned n = 0;

	for (unsigned r = 0; r < ROUNDS; r++)
		n += r % 10 == 9 || (r + id) % NR_CPUS == cpu;
	return n;
}

/* A host thread: IPIs to one CPU or all, each waited for (no coalescing). */
static void *host_sender_thread(void *arg)
{
	struct host_sender *s = arg;
	struct host *h = s->h;
	uint8_t vec = host_vector(s->id);
	unsigned want[NR_CPUS] = { 0 };
	uint64_t all = (1u << NR_CPUS) - 1;

	for (unsigned r = 0; r < ROUNDS; r++) {
		if (r % 10 == 9) {
			if (ipivirt_ipi_send_mask(h->vm, s->virq, &all, NR_CPUS))
				atomic_fetch_add(&h->errors, 1);
			for (unsigned c = 0; c < NR_CPUS; c++)
				wait_handled(h, c, vec, ++want[c]);
		} else {
			unsigned c = (r + s->id) % NR_CPUS;
			if (ipivirt_ipi_send_single(h->vm, s->virq, c))
				atomic_fetch_add(&h->errors, 1);
			wait_handled(h, c, vec, ++want[c]);
		}
	}
	return NULL;
}

/* Any thread may fire a vCPU's timer while its owner runs. */
static void *timer_thread(void *arg)
{
	struct host *h = arg;

	while (!atomic_load(&h->stop)) {
		for (unsigned c = 0; c < NR_CPUS; c++)
			ipivirt_vcpu_timer_fire(h->vcpu[c]);
		sched_yield();
	}
	return NULL;
}

struct owner {
	struct host *h;
	unsigned cpu;
};

/*
 * A vCPU owner: the guest side. It sends its own IPIs (ICR writes) to the
 * next CPU, and meanwhile takes and EOIs whatever arrives.
 */
static void *owner_thread(void *arg)
{
	struct owner *o = arg;
	struct host *h = o->h;
	unsigned target = (o->cpu + 1) % NR_CPUS;
	uint8_t vec = guest_vector(o->cpu);

	for (unsigned r = 0; r < ROUNDS; r++) {
		if (ipivirt_apic_msr_write(h->vcpu[o->cpu], MSR_X2_ICR,
					   (uint64_t)target << 32 | vec))
			atomic_fetch_add(&h->errors, 1);
		while (atomic_load(&h->handled[target][vec]) < r + 1) {
			drain(h, o->cpu);
			sched_yield();
		}
	}
	while (!atomic_load(&h->stop)) {
		drain(h, o->cpu);
		sched_yield();
	}
	drain(h, o->cpu);
	return NULL;
}

START_TEST(test_threads)
{
	struct host *h = new_host(NR_CPUS);
	struct host_sender senders[HOST_SENDERS];
	struct owner owners[NR_CPUS];
	pthread_t st[HOST_SENDERS], ot[NR_CPUS], tt;

	for (unsigned i = 0; i < HOST_SENDERS; i++) {
		int virq = ipivirt_ipi_reserve(h->vm, IPIVIRT_IPI_APIC, NULL, 0,
					       host_vector(i));
		ck_assert_int_gt(virq, 0);
		senders[i] = (struct host_sender){ h, i, (unsigned)virq };
	}
	for (unsigned c = 0; c < NR_CPUS; c++) {
		owners[c] = (struct owner){ h, c };
		ck_assert_int_eq(pthread_create(&ot[c], NULL, owner_thread,
						&owners[c]), 0);
	}
	ck_assert_int_eq(pthread_create(&tt, NULL, timer_thread, h), 0);
	for (unsigned i = 0; i < HOST_SENDERS; i++)
		ck_assert_int_eq(pthread_create(&st[i], NULL,
						host_sender_thread,
						&senders[i]), 0);
	for (unsigned i = 0; i < HOST_SENDERS; i++)
		pthread_join(st[i], NULL);
	/* Guest senders are done when every target saw all their IPIs. */
	for (unsigned c = 0; c < NR_CPUS; c++)
		wait_handled(h, (c + 1) % NR_CPUS, guest_vector(c), ROUNDS);
	atomic_store(&h->stop, 1);
	for (unsigned c = 0; c < NR_CPUS; c++)
		pthread_join(ot[c], NULL);
	pthread_join(tt, NULL);

	ck_assert_uint_eq(atomic_load(&h->errors), 0);
	for (unsigned c = 0; c < NR_CPUS; c++) {
		uint64_t sent, received;

		for (unsigned i = 0; i < HOST_SENDERS; i++)
			ck_assert_uint_eq(atomic_load(&h->handled[c]
							 [host_vector(i)]),
					  expected_host_ipis(i, c));
		ck_assert_uint_eq(atomic_load(&h->handled[(c + 1) % NR_CPUS]
							 [guest_vector(c)]),
				  ROUNDS);
		ipivirt_vcpu_ipi_counts(h->vcpu[c], &sent, &received);
		ck_assert_uint_eq(sent, ROUNDS);
		ck_assert_uint_ge(atomic_load(&h->kicks[c]), 1);
	}
	free_host(h);
}
END_TEST

static Suite *lib_suite(void)
{
	Suite *s = suite_create("libipivirt");
	TCase *api = tcase_create("api");
	TCase *mt = tcase_create("threads");

	tcase_add_test(api, test_version);
	tcase_add_test(api, test_config_checks);
	tcase_add_test(api, test_apic_exits);
	tcase_add_test(api, test_xapic_mmio);
	tcase_add_test(api, test_host_ipis);
	tcase_add_test(api, test_xive);
	tcase_add_test(mt, test_threads);
	tcase_set_timeout(mt, 120);
	suite_add_tcase(s, api);
	suite_add_tcase(s, mt);
	return s;
}

CHECK_MAIN(lib_suite)
