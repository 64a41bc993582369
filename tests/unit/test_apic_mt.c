// SPDX-License-Identifier: MIT
/*
 * test_apic_mt.c - the APIC model's threading contract under load, meant
 * for -fsanitize=thread as much as for its own checks: senders deliver on
 * their threads while the owner acks and EOIs; nothing is lost, nothing is
 * taken twice, and every kick matches exactly one newly pending thing.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>

#include "apic_mock.h"
#include "apic_regs.h"
#include "check_main.h"

#define SENDERS 4
#define ROUNDS 300

struct shared {
	struct mock m;
	struct apic *apic;
	pthread_barrier_t start, end;
	_Atomic unsigned done;
	unsigned id;
	unsigned repeat;
	uint8_t vector;
};

static struct apic *make_apic(struct mock *m)
{
	struct apic *a;

	mock_init(m);
	a = mock_apic(m, 0, 0, true);
	ck_assert_ptr_nonnull(a);
	xwr(a, APIC_REG_SVR, 0x1ff);
	return a;
}

/* Owner side: take whatever is deliverable, EOI it, count it. */
static unsigned owner_take(struct apic *a, unsigned *count)
{
	unsigned n = 0;
	int v;

	while ((v = apic_ack_interrupt(a)) >= 0) {
		count[v]++;
		xwr(a, APIC_REG_EOI, 0);
		n++;
	}
	return n;
}

/* Owner loop until the senders are done, then a final drain. */
static void owner_run(struct shared *s, unsigned *count)
{
	for (;;) {
		bool finished = atomic_load_explicit(&s->done,
						     memory_order_acquire) ==
				SENDERS;

		owner_take(s->apic, count);
		(void)apic_take_events(s->apic);
		if (finished) {
			owner_take(s->apic, count);
			return;
		}
	}
}

struct sender_arg {
	struct shared *s;
	unsigned index;
};

/* Each sender owns the vectors v with (v - 32) % SENDERS == index. */
static void *distinct_sender(void *p)
{
	struct sender_arg *arg = p;
	struct shared *s = arg->s;

	for (unsigned r = 0; r < ROUNDS; r++) {
		pthread_barrier_wait(&s->start);
		/* Alternate direction so senders interleave differently. */
		for (unsigned k = 0; k < 224 / SENDERS; k++) {
			unsigned j = (r & 1) ? 224 / SENDERS - 1 - k : k;
			uint8_t v = (uint8_t)(32 + j * SENDERS + arg->index);

			apic_deliver(s->apic, APIC_DM_FIXED, v, (v & 1) != 0);
		}
		atomic_fetch_add_explicit(&s->done, 1, memory_order_release);
		pthread_barrier_wait(&s->end);
	}
	return NULL;
}

START_TEST(test_distinct_vectors_none_lost)
{
	static struct shared s;
	static unsigned count[256];
	pthread_t t[SENDERS];
	struct sender_arg args[SENDERS];

	s.apic = make_apic(&s.m);
	atomic_init(&s.done, 0);
	pthread_barrier_init(&s.start, NULL, SENDERS + 1);
	pthread_barrier_init(&s.end, NULL, SENDERS + 1);
	for (unsigned i = 0; i < SENDERS; i++) {
		args[i] = (struct sender_arg){ &s, i };
		ck_assert_int_eq(pthread_create(&t[i], NULL, distinct_sender,
						&args[i]),
				 0);
	}
	for (unsigned r = 0; r < ROUNDS; r++) {
		pthread_barrier_wait(&s.start);
		owner_run(&s, count);
		/* Every distinct vector of this round taken exactly once. */
		for (unsigned v = 32; v < 256; v++)
			ck_assert_msg(count[v] == r + 1,
				      "round %u vector %#x taken %u times", r,
				      v, count[v]);
		ck_assert_uint_eq(mock_kicks(&s.m, 0), 224 * (r + 1));
		atomic_store(&s.done, 0);
		pthread_barrier_wait(&s.end);
	}
	for (unsigned i = 0; i < SENDERS; i++)
		pthread_join(t[i], NULL);
	for (unsigned v = 0; v < 32; v++)
		ck_assert_uint_eq(count[v], 0);
	for (unsigned i = 0; i < 8; i++)
		ck_assert_uint_eq(xrd(s.apic, APIC_REG_IRR + 16 * i), 0);
	pthread_barrier_destroy(&s.start);
	pthread_barrier_destroy(&s.end);
	apic_destroy(s.apic);
}
END_TEST

#define STORM 20000

static void *same_vector_sender(void *p)
{
	struct shared *s = p;

	pthread_barrier_wait(&s->start);
	for (unsigned i = 0; i < STORM; i++)
		apic_deliver(s->apic, APIC_DM_FIXED, 0x80, false);
	atomic_fetch_add_explicit(&s->done, 1, memory_order_release);
	return NULL;
}

START_TEST(test_same_vector_coalesces)
{
	static struct shared s;
	static unsigned count[256];
	pthread_t t[SENDERS];

	s.apic = make_apic(&s.m);
	atomic_init(&s.done, 0);
	pthread_barrier_init(&s.start, NULL, SENDERS + 1);
	for (unsigned i = 0; i < SENDERS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, same_vector_sender,
						&s),
				 0);
	pthread_barrier_wait(&s.start);
	owner_run(&s, count);
	for (unsigned i = 0; i < SENDERS; i++)
		pthread_join(t[i], NULL);
	/*
	 * Coalescing is architectural, so fewer acceptances than sends is
	 * fine; but each acceptance matches exactly one 0 -> 1 IRR edge,
	 * and each such edge kicked exactly once.
	 */
	ck_assert_uint_ge(count[0x80], 1);
	ck_assert_uint_le(count[0x80], SENDERS * STORM);
	ck_assert_uint_eq(count[0x80], mock_kicks(&s.m, 0));
	ck_assert_int_eq(apic_next_interrupt(s.apic), -1);
	pthread_barrier_destroy(&s.start);
	apic_destroy(s.apic);
}
END_TEST

static void *nmi_sender(void *p)
{
	struct shared *s = p;

	pthread_barrier_wait(&s->start);
	for (unsigned i = 0; i < STORM; i++) {
		apic_deliver(s->apic, APIC_DM_NMI, 0, false);
		/* Refused: the BSP is not waiting for SIPI. */
		apic_deliver(s->apic, APIC_DM_STARTUP, 0x10, false);
	}
	atomic_fetch_add_explicit(&s->done, 1, memory_order_release);
	return NULL;
}

START_TEST(test_nmi_events_match_kicks)
{
	static struct shared s;
	pthread_t t[SENDERS];
	unsigned nmis = 0;

	s.apic = make_apic(&s.m);
	atomic_init(&s.done, 0);
	pthread_barrier_init(&s.start, NULL, SENDERS + 1);
	for (unsigned i = 0; i < SENDERS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, nmi_sender, &s), 0);
	pthread_barrier_wait(&s.start);
	for (;;) {
		bool finished = atomic_load(&s.done) == SENDERS;
		struct apic_events ev = apic_take_events(s.apic);

		ck_assert_uint_eq(ev.mask & ~APIC_EVENT_NMI, 0);
		ck_assert_uint_le(ev.nmis, 2);
		/* one kick per NMI taken: the first and the latched second */
		nmis += ev.nmis;
		if (finished) {
			nmis += apic_take_events(s.apic).nmis;
			break;
		}
	}
	for (unsigned i = 0; i < SENDERS; i++)
		pthread_join(t[i], NULL);
	ck_assert_uint_ge(nmis, 1);
	ck_assert_uint_eq(nmis, mock_kicks(&s.m, 0));
	pthread_barrier_destroy(&s.start);
	apic_destroy(s.apic);
}
END_TEST

/* Routers route and deliver while each owner reprograms its APIC. */
#define BUS_CPUS 4
#define BUS_ITERS 20000

struct bus_test {
	struct mock m;
	struct apic *a[BUS_CPUS];
	struct apic_bus *bus;
	_Atomic unsigned stop;
	_Atomic unsigned bad_routes; /* checked on the main thread */
	pthread_barrier_t start;
};

struct owner_arg {
	struct bus_test *bt;
	unsigned cpu;
	unsigned taken;
};

static void *bus_owner(void *p)
{
	struct owner_arg *o = p;
	struct apic *a = o->bt->a[o->cpu];
	unsigned count[256] = { 0 };
	unsigned i = 0;

	pthread_barrier_wait(&o->bt->start);
	while (!atomic_load(&o->bt->stop)) {
		i++;
		xwr(a, APIC_REG_LDR, (1u << ((i + o->cpu) % 8)) << 24);
		xwr(a, APIC_REG_DFR, (i & 64) ? 0x0fffffff : 0xffffffff);
		xwr(a, APIC_REG_TPR, (i * 16) & 0x70);
		if ((i & 1023) == 0)
			xwr(a, APIC_REG_ID, (i & 0xff) << 24);
		if ((i & 255) == 0) {
			/* Through x2APIC and back, publishing every step. */
			apic_msr_write(a, MSR_IA32_APIC_BASE,
				       apic_base_msr(a) | APIC_BASE_EXTD);
			apic_msr_write(a, MSR_IA32_APIC_BASE, 0xfee00000);
			apic_msr_write(a, MSR_IA32_APIC_BASE, 0xfee00800);
			xwr(a, APIC_REG_SVR, 0x1ff);
		}
		o->taken += owner_take(a, count);
		(void)apic_take_events(a);
	}
	return NULL;
}

static void *bus_router(void *p)
{
	struct bus_test *bt = p;
	struct cpumask mask, all;

	cpumask_fill(&all, BUS_CPUS);
	pthread_barrier_wait(&bt->start);
	for (unsigned i = 0; i < BUS_ITERS; i++) {
		struct apic_ipi ipi = {
			.vector = (uint8_t)(0x20 + i % 0xd0),
			.delivery_mode = (i % 5 == 0) ? APIC_DM_LOWEST
							: APIC_DM_FIXED,
			.logical = i & 1,
			.level_assert = true,
			.shorthand = (i % 7 == 0) ? APIC_SH_ALL_EXCL_SELF : 0,
			.dest = (i & 2) ? 0xff : 1u << (i % 8),
			.source_cpu = i % BUS_CPUS,
		};
		unsigned cpu;

		/* Check's asserts belong to the main thread: count here. */
		if (apic_bus_route(bt->bus, &ipi, &mask) != 0 ||
		    !cpumask_subset(&mask, &all) ||
		    (ipi.delivery_mode == APIC_DM_LOWEST &&
		     cpumask_weight(&mask) > 1))
			atomic_fetch_add(&bt->bad_routes, 1);
		cpumask_for_each(cpu, &mask)
			apic_deliver(apic_bus_get(bt->bus, cpu),
				     ipi.delivery_mode, ipi.vector, false);
	}
	return NULL;
}

START_TEST(test_route_while_reprogramming)
{
	static struct bus_test bt;
	pthread_t owners[BUS_CPUS], routers[2];
	struct owner_arg oa[BUS_CPUS];
	unsigned taken = 0;

	mock_init(&bt.m);
	bt.bus = apic_bus_create(BUS_CPUS);
	ck_assert_ptr_nonnull(bt.bus);
	for (unsigned i = 0; i < BUS_CPUS; i++) {
		bt.a[i] = mock_apic(&bt.m, i, i, i == 0);
		ck_assert_ptr_nonnull(bt.a[i]);
		ck_assert_int_eq(apic_bus_attach(bt.bus, bt.a[i]), 0);
		xwr(bt.a[i], APIC_REG_SVR, 0x1ff);
	}
	atomic_init(&bt.stop, 0);
	atomic_init(&bt.bad_routes, 0);
	pthread_barrier_init(&bt.start, NULL, BUS_CPUS + 2 + 1);
	for (unsigned i = 0; i < BUS_CPUS; i++) {
		oa[i] = (struct owner_arg){ &bt, i, 0 };
		ck_assert_int_eq(pthread_create(&owners[i], NULL, bus_owner,
						&oa[i]),
				 0);
	}
	for (unsigned i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&routers[i], NULL, bus_router,
						&bt),
				 0);
	pthread_barrier_wait(&bt.start);
	for (unsigned i = 0; i < 2; i++)
		pthread_join(routers[i], NULL);
	atomic_store(&bt.stop, 1);
	for (unsigned i = 0; i < BUS_CPUS; i++)
		pthread_join(owners[i], NULL);
	ck_assert_uint_eq(atomic_load(&bt.bad_routes), 0);
	/* Owners are done: drain on this thread, then all must be empty. */
	for (unsigned i = 0; i < BUS_CPUS; i++) {
		unsigned count[256] = { 0 };

		xwr(bt.a[i], APIC_REG_SVR, 0x1ff);
		xwr(bt.a[i], APIC_REG_TPR, 0);
		taken += oa[i].taken + owner_take(bt.a[i], count);
		ck_assert_int_eq(apic_next_interrupt(bt.a[i]), -1);
	}
	ck_assert_uint_gt(taken, 0);
	for (unsigned i = 0; i < BUS_CPUS; i++)
		apic_destroy(bt.a[i]);
	apic_bus_destroy(bt.bus);
	pthread_barrier_destroy(&bt.start);
}
END_TEST

static Suite *mt_suite(void)
{
	Suite *s = suite_create("apic_mt");
	TCase *tc = tcase_create("concurrency");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_distinct_vectors_none_lost);
	tcase_add_test(tc, test_same_vector_coalesces);
	tcase_add_test(tc, test_nmi_events_match_kicks);
	tcase_add_test(tc, test_route_while_reprogramming);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(mt_suite)
