// SPDX-License-Identifier: MIT
/*
 * test_vcpu_loop.c - the kick protocol of vmm/kvm/vcpu_loop.c without KVM:
 * a "vCPU" thread halts (with and without polling) or sits "in the guest"
 * (a wait standing for KVM_RUN), another thread makes work visible and
 * kicks. No wake-up may be lost: every round ends. A kick of a halted
 * thread is a futex wake; of one in the guest, immediate_exit and then a
 * signal (checked on the kicker's own thread, where it is deterministic).
 * Run under TSan too (make unit-test-tsan).
 */
#include <check.h>
#include <errno.h>
#include <linux/kvm.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "kvm/vcpu_loop.h"

#define ROUNDS 2000

struct harness {
	struct vcpu_loop loop;
	struct kvm_run run;
	_Atomic unsigned work;   /* rounds the kicker has published */
	_Atomic unsigned done;   /* rounds the vCPU has taken */
	uint64_t poll_ns;
	int pipe_fd[2];          /* "KVM_RUN": a wait that a signal ends */
};

static bool work_pending(void *opaque)
{
	struct harness *h = opaque;

	return atomic_load(&h->work) != atomic_load(&h->done);
}

static void *halting_vcpu(void *arg)
{
	struct harness *h = arg;

	vcpu_loop__unblock_kick();
	while (atomic_load(&h->done) < ROUNDS) {
		vcpu_loop__halt(&h->loop, work_pending, h, h->poll_ns);
		if (work_pending(h))
			atomic_fetch_add(&h->done, 1);
	}
	return NULL;
}

static void run_halting(uint64_t poll_ns)
{
	struct harness *h = calloc(1, sizeof(*h));
	pthread_t t;
	unsigned wakes = 0;

	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(vcpu_loop__init_signals(), 0);
	h->loop.run = &h->run;
	h->poll_ns = poll_ns;
	ck_assert_int_eq(pthread_create(&t, NULL, halting_vcpu, h), 0);
	h->loop.thread = t;
	for (unsigned i = 0; i < ROUNDS; i++) {
		/* Publish, then kick: the protocol's kicker side. */
		atomic_fetch_add(&h->work, 1);
		if (vcpu_loop__kick(&h->loop) == VCPU_KICK_WAKE)
			wakes++;
		while (atomic_load(&h->done) <= i)
			sched_yield();
	}
	pthread_join(t, NULL);
	ck_assert_uint_eq(atomic_load(&h->done), ROUNDS);
	/* Outside or halted, never "in the guest": no signal was sent. */
	ck_assert_int_eq(h->run.immediate_exit, 0);
	ck_assert_uint_le(wakes, ROUNDS);
	ck_assert_int_eq(atomic_load(&h->loop.mode), VCPU_OUTSIDE);
	free(h);
}

START_TEST(halt_wakes_every_time)
{
	run_halting(0);
}
END_TEST

START_TEST(halt_poll_wakes_every_time)
{
	run_halting(50000);
}
END_TEST

/* In the guest: the kick signals the thread out of its "KVM_RUN", a poll
 * that EINTR ends (1 ms at most: userspace cannot close the window
 * between the immediate_exit check and the wait as KVM does). */
static void *guest_vcpu(void *arg)
{
	struct harness *h = arg;
	struct pollfd p;

	vcpu_loop__unblock_kick();
	p = (struct pollfd){ .fd = h->pipe_fd[0], .events = POLLIN };
	while (atomic_load(&h->done) < ROUNDS) {
		vcpu_loop__enter(&h->loop);
		if (!work_pending(h) &&
		    !__atomic_load_n(&h->run.immediate_exit, __ATOMIC_ACQUIRE))
			(void)poll(&p, 1, 1);
		__atomic_store_n(&h->run.immediate_exit, 0, __ATOMIC_RELAXED);
		vcpu_loop__leave(&h->loop);
		if (work_pending(h))
			atomic_fetch_add(&h->done, 1);
	}
	return NULL;
}

START_TEST(guest_is_signalled)
{
	struct harness *h = calloc(1, sizeof(*h));
	unsigned signals = 0;
	pthread_t t;

	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(vcpu_loop__init_signals(), 0);
	ck_assert_int_eq(pipe(h->pipe_fd), 0);
	h->loop.run = &h->run;
	ck_assert_int_eq(pthread_create(&t, NULL, guest_vcpu, h), 0);
	h->loop.thread = t;
	for (unsigned i = 0; i < ROUNDS; i++) {
		atomic_fetch_add(&h->work, 1);
		if (vcpu_loop__kick(&h->loop) == VCPU_KICK_SIGNAL)
			signals++;
		while (atomic_load(&h->done) <= i)
			sched_yield();
	}
	pthread_join(t, NULL);
	ck_assert_uint_eq(atomic_load(&h->done), ROUNDS);
	ck_assert_uint_gt(signals, 0); /* it was caught in the guest */
	close(h->pipe_fd[0]);
	close(h->pipe_fd[1]);
	free(h);
}
END_TEST

/* A vCPU in the guest: the kick sets immediate_exit before it signals,
 * once per entry (the cmpxchg to EXITING). */
START_TEST(guest_kick_sets_immediate_exit)
{
	struct vcpu_loop l;
	struct kvm_run run;

	ck_assert_int_eq(vcpu_loop__init_signals(), 0);
	memset(&l, 0, sizeof(l));
	memset(&run, 0, sizeof(run));
	l.run = &run;
	l.thread = pthread_self(); /* the handler only returns */
	vcpu_loop__unblock_kick();
	vcpu_loop__enter(&l);
	ck_assert_int_eq(vcpu_loop__kick(&l), VCPU_KICK_SIGNAL);
	ck_assert_int_eq(run.immediate_exit, 1);
	ck_assert_int_eq(atomic_load(&l.mode), VCPU_EXITING);
	ck_assert_int_eq(vcpu_loop__kick(&l), VCPU_KICK_NONE);
}
END_TEST

START_TEST(kick_wanted_follows_mode)
{
	struct vcpu_loop l;

	memset(&l, 0, sizeof(l));
	ck_assert(!vcpu_loop__kick_wanted(&l));
	ck_assert_int_eq(vcpu_loop__kick(&l), VCPU_KICK_NONE);
	vcpu_loop__enter(&l);
	ck_assert(vcpu_loop__kick_wanted(&l));
	vcpu_loop__leave(&l);
	ck_assert(!vcpu_loop__kick_wanted(&l));
}
END_TEST

static Suite *vcpu_loop_suite(void)
{
	Suite *s = suite_create("vcpu_loop");
	TCase *tc = tcase_create("kick");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, kick_wanted_follows_mode);
	tcase_add_test(tc, guest_kick_sets_immediate_exit);
	tcase_add_test(tc, halt_wakes_every_time);
	tcase_add_test(tc, halt_poll_wakes_every_time);
	tcase_add_test(tc, guest_is_signalled);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(vcpu_loop_suite)
