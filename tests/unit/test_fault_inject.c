// SPDX-License-Identifier: MIT
/*
 * test_fault_inject.c - --inject on a fake host (vmm/debug/fault_inject.c,
 * struct fault_inject_host): a dropped or delayed kick is not sent now but
 * later by the injector thread, never lost; only kicks that would be sent
 * are faulted; a stall window keeps its vCPU out for at least its length
 * unless the run stops; the stats add up; one seed gives one stream.
 */
#include <check.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check_main.h"
#include "debug/fault_inject.h"
#include "mono_clock.h"

#define NR_CPUS 2

static struct {
	_Atomic unsigned kicks[NR_CPUS];
	_Atomic bool wanted;
	_Atomic bool stop;
} host;

static bool kick_wanted(void *opaque, unsigned cpu)
{
	(void)opaque;
	(void)cpu;
	return atomic_load(&host.wanted);
}

static void kick(void *opaque, unsigned cpu)
{
	(void)opaque;
	atomic_fetch_add(&host.kicks[cpu], 1);
}

static bool should_stop(void *opaque)
{
	(void)opaque;
	return atomic_load(&host.stop);
}

static struct fault_inject *make(const struct ipivirt_fault_config *cfg)
{
	const struct fault_inject_host h = {
		.nr_cpus = NR_CPUS,
		.start_ns = mono_clock_ns(),
		.kick_wanted = kick_wanted,
		.kick = kick,
		.should_stop = should_stop,
	};
	struct fault_inject *fi;

	memset(&host, 0, sizeof(host));
	atomic_store(&host.wanted, true);
	ck_assert_int_eq(fault_inject__create(&h, cfg, &fi), 0);
	return fi;
}

/* Wait (up to 5 s) for the injector to kick @cpu @n times. */
static bool kicked(unsigned cpu, unsigned n)
{
	for (int i = 0; i < 5000; i++) {
		if (atomic_load(&host.kicks[cpu]) >= n)
			return true;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	return false;
}

START_TEST(dropped_kick_comes_from_the_watchdog)
{
	const struct ipivirt_fault_config cfg = {
		.kick_drop_p = 1, .kick_drop_recover_ms = 5 };
	struct fault_inject *fi = make(&cfg);

	ck_assert(fault_inject__kick(fi, 1)); /* not sent now */
	ck_assert(kicked(1, 1));               /* but later */
	ck_assert_uint_eq(atomic_load(&host.kicks[0]), 0);
	fault_inject__destroy(fi);
}
END_TEST

START_TEST(delayed_kick_comes_late)
{
	const struct ipivirt_fault_config cfg = {
		.kick_delay_p = 1, .kick_delay_us = 2000 };
	struct fault_inject *fi = make(&cfg);

	for (int i = 0; i < 10; i++)
		ck_assert(fault_inject__kick(fi, 0));
	/* Ten events, one deadline: at least one late kick covers them. */
	ck_assert(kicked(0, 1));
	fault_inject__destroy(fi);
}
END_TEST

START_TEST(only_kicks_that_would_be_sent)
{
	const struct ipivirt_fault_config cfg = { .kick_drop_p = 1 };
	const struct ipivirt_fault_config none = { .seed = 7 };
	struct fault_inject *fi = make(&cfg);

	atomic_store(&host.wanted, false); /* the vCPU is outside */
	ck_assert(!fault_inject__kick(fi, 0));
	ck_assert(!fault_inject__kick(fi, NR_CPUS)); /* no such vCPU */
	fault_inject__destroy(fi);
	fi = make(&none);                  /* stalls only: kicks untouched */
	ck_assert(!fault_inject__kick(fi, 0));
	fault_inject__destroy(fi);
}
END_TEST

START_TEST(stall_window_holds_the_vcpu)
{
	struct ipivirt_fault_config cfg = { .nr_stalls = 1 };
	struct fault_inject *fi;
	uint64_t t0;

	cfg.stalls[0].cpu = 1;
	cfg.stalls[0].at_ms = 0;
	cfg.stalls[0].for_ms = 60;
	fi = make(&cfg);
	t0 = mono_clock_ns();
	fault_inject__checkpoint(fi, 0); /* not its window */
	fault_inject__checkpoint(fi, 1);
	ck_assert_uint_ge(mono_clock_ns() - t0, 50 * 1000000ull);
	ck_assert(kicked(1, 1)); /* the injector kicked it out to stall */
	t0 = mono_clock_ns();
	fault_inject__checkpoint(fi, 1); /* done: no second stall */
	ck_assert_uint_lt(mono_clock_ns() - t0, 50 * 1000000ull);
	fault_inject__destroy(fi);
}
END_TEST

START_TEST(stall_ends_when_the_run_stops)
{
	struct ipivirt_fault_config cfg = { .nr_stalls = 1 };
	struct fault_inject *fi;
	uint64_t t0;

	cfg.stalls[0].cpu = 0;
	cfg.stalls[0].for_ms = 60000;
	fi = make(&cfg);
	atomic_store(&host.stop, true);
	t0 = mono_clock_ns();
	fault_inject__checkpoint(fi, 0);
	ck_assert_uint_lt(mono_clock_ns() - t0, 10000 * 1000000ull);
	fault_inject__destroy(fi);
}
END_TEST

START_TEST(stats_add_up)
{
	const struct ipivirt_fault_config cfg = {
		.kick_drop_p = 1, .kick_drop_recover_ms = 1, .seed = 42 };
	struct fault_inject *fi = make(&cfg);
	char buf[1024] = "";
	FILE *out;

	ck_assert(fault_inject__kick(fi, 0));
	ck_assert(kicked(0, 1));
	out = fmemopen(buf, sizeof(buf), "w");
	ck_assert_ptr_nonnull(out);
	fault_inject__print_stats(fi, out);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(buf, "inject: vcpu 0 kick-delayed=0 "
					  "kick-dropped=1 late-kicks=1"));
	ck_assert_ptr_nonnull(strstr(buf, "total kick-delayed=0 "
					  "kick-dropped=1 late-kicks=1"));
	ck_assert_ptr_nonnull(strstr(buf, "seed=42"));
	fault_inject__destroy(fi);
}
END_TEST

/* Half the kicks dropped, the pattern fixed by the seed. */
static unsigned pattern(uint64_t seed)
{
	const struct ipivirt_fault_config cfg = {
		.kick_drop_p = 0.5, .kick_drop_recover_ms = 1, .seed = seed };
	struct fault_inject *fi = make(&cfg);
	unsigned bits = 0;

	for (int i = 0; i < 24; i++)
		bits |= (unsigned)fault_inject__kick(fi, 0) << i;
	fault_inject__destroy(fi);
	return bits;
}

START_TEST(seed_gives_one_stream)
{
	unsigned a = pattern(1), b = pattern(1), c = pattern(2);

	ck_assert_uint_eq(a, b);
	ck_assert_uint_ne(a, c);
	ck_assert_uint_ne(a, 0);
	ck_assert_uint_ne(a, 0xffffff);
}
END_TEST

static Suite *fault_inject_suite(void)
{
	Suite *s = suite_create("fault_inject");
	TCase *tc = tcase_create("faults");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, dropped_kick_comes_from_the_watchdog);
	tcase_add_test(tc, delayed_kick_comes_late);
	tcase_add_test(tc, only_kicks_that_would_be_sent);
	tcase_add_test(tc, stall_window_holds_the_vcpu);
	tcase_add_test(tc, stall_ends_when_the_run_stops);
	tcase_add_test(tc, stats_add_up);
	tcase_add_test(tc, seed_gives_one_stream);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(fault_inject_suite)
