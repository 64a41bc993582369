// SPDX-License-Identifier: GPL-2.0
/*
 * ipistress - end-to-end stress and check of the smp_call_function*() paths
 *
 * Worker kthreads, bound to the CPUs under test, issue a weighted random mix of
 *
 *   smp_call_function_single()        (wait and no-wait)
 *   smp_call_function_single_async()  (one csd per worker and target CPU)
 *   smp_call_function_many()          (random CPU subsets, wait and no-wait)
 *   on_each_cpu_mask()                (random CPU subsets, wait and no-wait)
 *   smp_call_function_any()           (random CPU subsets, wait and no-wait)
 *   on_each_cpu()                     (wait and no-wait)
 *
 * Every call owns a record in its worker's ring; the info pointer handed to
 * the kernel is a token naming the record and its sequence number. The
 * callback checks that the token is current, that it runs on a CPU the call
 * was meant for and only once there, and that it runs with interrupts off:
 * in hard interrupt context (or from the idle loop's queue flush, when the
 * target was polling and the IPI was elided) when delivered to another CPU,
 * inline in the caller when the target is the calling CPU. A call made with
 * wait set must find every callback finished when it returns. At the end of
 * a run, records still waiting for callbacks count as lost calls.
 *
 * Latencies go into log2 histograms (four linear sub-buckets per power of
 * two), per primitive: call to return for wait calls, call to the last
 * callback's end for no-wait calls, and call to callback entry on the
 * target CPU ("ipi", remote CPUs only).
 *
 * One machine-readable line reports the run:
 *   ipistress: result pass=1 ... calls=N ... lost=0 dup=0 wrongcpu=0 ...
 * and debugfs (ipistress/) holds "histograms", "result" and "run" (write to
 * start another run with the current module parameters).
 *
 * Copyright (C) 2026 The ipivirt authors
 */

#define pr_fmt(fmt) "ipistress: " fmt

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/reboot.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include <linux/topology.h>

#ifdef MODULE
#define IPS_RUN_ON_LOAD_DEFAULT true
#else
#define IPS_RUN_ON_LOAD_DEFAULT false
#endif

static unsigned int duration_ms = 2000;
module_param(duration_ms, uint, 0644);
MODULE_PARM_DESC(duration_ms, "Length of a run in ms (0: until nr_calls, at most 10 min)");

static unsigned long nr_calls;
module_param(nr_calls, ulong, 0644);
MODULE_PARM_DESC(nr_calls, "Stop after this many calls in all (0: no limit)");

static char *cpus = "";
module_param(cpus, charp, 0644);
MODULE_PARM_DESC(cpus, "CPU list that issues and receives calls, e.g. 0-3 (empty: all online)");

static unsigned int concurrency = 1;
module_param(concurrency, uint, 0644);
MODULE_PARM_DESC(concurrency, "Worker kthreads per CPU under test");

static unsigned int wait_pct = 50;
module_param(wait_pct, uint, 0644);
MODULE_PARM_DESC(wait_pct, "Percentage of calls made with wait set (async calls never wait)");

static unsigned int local_pct = 10;
module_param(local_pct, uint, 0644);
MODULE_PARM_DESC(local_pct, "Percentage of single/async calls aimed at the calling CPU");

static unsigned int w_single = 4;
module_param(w_single, uint, 0644);
MODULE_PARM_DESC(w_single, "Weight of smp_call_function_single()");

static unsigned int w_async = 2;
module_param(w_async, uint, 0644);
MODULE_PARM_DESC(w_async, "Weight of smp_call_function_single_async()");

static unsigned int w_many = 2;
module_param(w_many, uint, 0644);
MODULE_PARM_DESC(w_many, "Weight of smp_call_function_many()");

static unsigned int w_mask = 1;
module_param(w_mask, uint, 0644);
MODULE_PARM_DESC(w_mask, "Weight of on_each_cpu_mask()");

static unsigned int w_any = 1;
module_param(w_any, uint, 0644);
MODULE_PARM_DESC(w_any, "Weight of smp_call_function_any()");

static unsigned int w_all = 1;
module_param(w_all, uint, 0644);
MODULE_PARM_DESC(w_all, "Weight of on_each_cpu()");

static unsigned int cb_delay_ns;
module_param(cb_delay_ns, uint, 0644);
MODULE_PARM_DESC(cb_delay_ns, "Busy-wait this long in every callback");

static unsigned int interval_us;
module_param(interval_us, uint, 0644);
MODULE_PARM_DESC(interval_us, "Sleep this long between a worker's calls (0: back to back)");

static unsigned int quiesce_ms = 2000;
module_param(quiesce_ms, uint, 0644);
MODULE_PARM_DESC(quiesce_ms, "How long to wait for outstanding calls before counting them lost");

static unsigned long seed;
module_param(seed, ulong, 0644);
MODULE_PARM_DESC(seed, "Random seed (0: random)");

static bool run_on_load = IPS_RUN_ON_LOAD_DEFAULT;
module_param(run_on_load, bool, 0444);
MODULE_PARM_DESC(run_on_load, "Run once when loaded");

static bool shutdown;
module_param(shutdown, bool, 0444);
MODULE_PARM_DESC(shutdown, "Power off (or restart) after the load-time run");

enum ips_prim {
	IPS_SINGLE,
	IPS_ASYNC,
	IPS_MANY,
	IPS_MASK,
	IPS_ANY,
	IPS_ALL,
	IPS_NR_PRIMS,
};

static const char * const ips_prim_name[IPS_NR_PRIMS] = {
	[IPS_SINGLE]	= "single",
	[IPS_ASYNC]	= "async",
	[IPS_MANY]	= "many",
	[IPS_MASK]	= "mask",
	[IPS_ANY]	= "any",
	[IPS_ALL]	= "all",
};

/* Latency histograms: log2 buckets split in IPS_SUB linear sub-buckets. */
#define IPS_SUB_BITS	2
#define IPS_SUB		BIT(IPS_SUB_BITS)
#define IPS_NR_BUCKETS	(40 * IPS_SUB)

/* Calls a worker may have outstanding: the size of its record ring. */
#define IPS_RING	32
/* A token is (sequence << IPS_SLOT_BITS) | record index. */
#define IPS_SLOT_BITS	16
#define IPS_MAX_RECS	BIT(IPS_SLOT_BITS)
#define IPS_GEN_MASK	(ULONG_MAX >> IPS_SLOT_BITS)

#define IPS_RESULT_MAX	960

struct ips_pcpu {
	u64 cbs[IPS_NR_PRIMS];
	u64 ctx_hardirq;
	u64 ctx_idle;
	u64 ctx_stopper;
	u64 ctx_inline;
	u64 badctx;
	u64 wrongcpu;
	u64 dup;
	u64 lat[IPS_NR_PRIMS][2][IPS_NR_BUCKETS];
	u64 ipi[IPS_NR_PRIMS][IPS_NR_BUCKETS];
};

struct ips_rec {
	unsigned long gen;
	atomic_t pending;
	u8 prim;
	bool wait;
	int issuer;
	u64 t0;
	unsigned long *expect;
	unsigned long *hit;
};

/* call_single_data_t carries its own alignment; keep each one on its own line. */
struct ips_async {
	call_single_data_t csd;
	unsigned long token;
	int busy;
} ____cacheline_aligned_in_smp;

struct ips_worker {
	struct task_struct *task;
	unsigned int id;
	int cpu;
	struct rnd_state rnd;
	unsigned long gen;
	struct ips_rec *recs;
	struct ips_async *async;
	cpumask_var_t tmp;
	u64 calls[IPS_NR_PRIMS][2];
	u64 expected;
	u64 early;
	u64 err;
	u64 busy;
};

static DEFINE_MUTEX(ips_mutex);
static struct ips_pcpu __percpu *ips_stats;
static struct dentry *ips_dir;
static char ips_result[IPS_RESULT_MAX];
static bool ips_leaked;

/* State of the current run, read by the callbacks. */
static struct ips_rec *ips_recs;
static unsigned long ips_nr_recs;
static struct ips_worker *ips_workers;
static unsigned int ips_nr_workers;
static cpumask_var_t ips_cpus;
static unsigned int ips_nr_cpus;
static unsigned int ips_weight[IPS_NR_PRIMS];
static unsigned int ips_wtotal;
static bool ips_stop;
static atomic_long_t ips_issued;
static unsigned long ips_limit;
static DECLARE_COMPLETION(ips_go);

static unsigned int ips_bucket(u64 ns)
{
	unsigned int msb, idx;

	if (ns < IPS_SUB)
		return ns;
	msb = fls64(ns) - 1;
	idx = (msb - IPS_SUB_BITS + 1) * IPS_SUB +
	      ((ns >> (msb - IPS_SUB_BITS)) & (IPS_SUB - 1));
	return min_t(unsigned int, idx, IPS_NR_BUCKETS - 1);
}

/* Lower bound and width of bucket @b, in ns. */
static u64 ips_bucket_lo(unsigned int b, u64 *width)
{
	unsigned int msb;

	if (b < IPS_SUB) {
		*width = 1;
		return b;
	}
	msb = b / IPS_SUB + IPS_SUB_BITS - 1;
	*width = 1ULL << (msb - IPS_SUB_BITS);
	return (u64)(IPS_SUB + b % IPS_SUB) << (msb - IPS_SUB_BITS);
}

static u64 ips_now(void)
{
	return ktime_get_mono_fast_ns();
}

static u64 ips_since(u64 t0, u64 t1)
{
	return t1 > t0 ? t1 - t0 : 0;
}

static u32 ips_rand(struct ips_worker *w, u32 n)
{
	return n ? prandom_u32_state(&w->rnd) % n : 0;
}

static unsigned long ips_token(struct ips_worker *w, unsigned long slot)
{
	return ((w->gen & IPS_GEN_MASK) << IPS_SLOT_BITS) | slot;
}

/* Common checks of every callback; @token is the info the call was given. */
static void ips_handle(unsigned long token)
{
	unsigned long slot = token & (IPS_MAX_RECS - 1);
	struct ips_rec *recs = READ_ONCE(ips_recs);
	int cpu = smp_processor_id();
	u64 now = ips_now();
	struct ips_rec *rec;
	bool wait;
	int issuer, left;
	u8 prim;
	u64 t0;

	if (!recs || slot >= READ_ONCE(ips_nr_recs)) {
		this_cpu_inc(ips_stats->dup);
		return;
	}
	rec = &recs[slot];
	if ((READ_ONCE(rec->gen) & IPS_GEN_MASK) != token >> IPS_SLOT_BITS) {
		/* A call whose record was already retired ran (again). */
		this_cpu_inc(ips_stats->dup);
		return;
	}
	prim = READ_ONCE(rec->prim);
	wait = READ_ONCE(rec->wait);
	issuer = READ_ONCE(rec->issuer);
	t0 = READ_ONCE(rec->t0);

	if (!irqs_disabled())
		this_cpu_inc(ips_stats->badctx);
	else if (cpu == issuer && in_task())
		this_cpu_inc(ips_stats->ctx_inline);
	else if (cpu == issuer)
		this_cpu_inc(ips_stats->badctx);
	else if (in_hardirq())
		this_cpu_inc(ips_stats->ctx_hardirq);
	else if (is_idle_task(current))
		this_cpu_inc(ips_stats->ctx_idle);
	else if (is_percpu_thread())
		/* migration_cpu_stop() flushes the queue before it moves a task */
		this_cpu_inc(ips_stats->ctx_stopper);
	else
		this_cpu_inc(ips_stats->badctx);

	if (cpu != issuer && prim < IPS_NR_PRIMS)
		this_cpu_inc(ips_stats->ipi[prim][ips_bucket(ips_since(t0, now))]);

	if (!test_bit(cpu, rec->expect) ||
	    (prim == IPS_ANY && cpu != issuer && test_bit(issuer, rec->expect)))
		this_cpu_inc(ips_stats->wrongcpu);
	if (test_and_set_bit(cpu, rec->hit)) {
		this_cpu_inc(ips_stats->dup);
		return;
	}
	if (prim < IPS_NR_PRIMS)
		this_cpu_inc(ips_stats->cbs[prim]);

	if (cb_delay_ns)
		ndelay(cb_delay_ns);

	/* Everything needed from @rec is read: the issuer may reuse it at 0. */
	left = atomic_dec_return(&rec->pending);
	if (left < 0)
		this_cpu_inc(ips_stats->dup);
	else if (!left && !wait && prim < IPS_NR_PRIMS)
		this_cpu_inc(ips_stats->lat[prim][0][ips_bucket(ips_since(t0, ips_now()))]);
}

static void ips_cb(void *info)
{
	ips_handle((unsigned long)info);
}

static void ips_async_cb(void *info)
{
	struct ips_async *as = info;

	ips_handle(READ_ONCE(as->token));
	/* The kernel released the csd before calling us; now we are done too. */
	smp_store_release(&as->busy, 0);
}

static bool ips_should_stop(void)
{
	return READ_ONCE(ips_stop) || kthread_should_stop();
}

/* Next record of @w's ring, once the call that last used it has completed. */
static struct ips_rec *ips_next_rec(struct ips_worker *w, unsigned long *slot)
{
	unsigned int idx = (w->gen + 1) % IPS_RING;
	struct ips_rec *rec = &w->recs[idx];

	while (atomic_read_acquire(&rec->pending) > 0) {
		if (ips_should_stop())
			return NULL;
		cond_resched();
		cpu_relax();
	}
	w->gen++;
	*slot = (unsigned long)w->id * IPS_RING + idx;
	return rec;
}

static void ips_rec_arm(struct ips_worker *w, struct ips_rec *rec, u8 prim,
			bool wait, const struct cpumask *expect, int pending)
{
	WRITE_ONCE(rec->gen, w->gen);
	rec->prim = prim;
	rec->wait = wait;
	rec->issuer = w->cpu;
	bitmap_copy(rec->expect, cpumask_bits(expect), nr_cpu_ids);
	bitmap_zero(rec->hit, nr_cpu_ids);
	atomic_set(&rec->pending, pending);
	/* Stores above are ordered before the call by its queueing (llist_add). */
	rec->t0 = ips_now();
}

/* A call failed or was not made: no callback will come for @rec. */
static void ips_rec_cancel(struct ips_rec *rec)
{
	atomic_set_release(&rec->pending, 0);
}

static int ips_pick_prim(struct ips_worker *w)
{
	u32 r = ips_rand(w, ips_wtotal);
	int p;

	for (p = 0; p < IPS_NR_PRIMS; p++) {
		if (r < ips_weight[p])
			return p;
		r -= ips_weight[p];
	}
	return IPS_SINGLE;
}

/* A target for single/async calls: the caller now and then, else another CPU. */
static int ips_pick_target(struct ips_worker *w)
{
	unsigned int k;
	int cpu;

	if (ips_nr_cpus < 2 || ips_rand(w, 100) < local_pct)
		return w->cpu;
	k = ips_rand(w, ips_nr_cpus - 1);
	for_each_cpu(cpu, ips_cpus) {
		if (cpu == w->cpu)
			continue;
		if (!k--)
			return cpu;
	}
	return w->cpu;
}

/* A random non-empty subset of the CPUs under test, with another CPU if asked. */
static void ips_pick_subset(struct ips_worker *w, struct cpumask *dst, bool remote)
{
	int cpu;

	for (;;) {
		cpumask_clear(dst);
		for_each_cpu(cpu, ips_cpus)
			if (prandom_u32_state(&w->rnd) & 1)
				__cpumask_set_cpu(cpu, dst);
		if (cpumask_empty(dst))
			continue;
		if (remote && cpumask_weight(dst) == 1 && cpumask_test_cpu(w->cpu, dst))
			continue;
		return;
	}
}

static void ips_issue_one(struct ips_worker *w)
{
	int prim = ips_pick_prim(w);
	bool wait = prim != IPS_ASYNC && ips_rand(w, 100) < wait_pct;
	const struct cpumask *mask = w->tmp;
	struct ips_async *as = NULL;
	struct ips_rec *rec;
	unsigned long slot, token;
	int ret = 0, target = -1, n;
	u64 t1;

	if (prim == IPS_ASYNC) {
		target = ips_pick_target(w);
		as = &w->async[target];
		/* Never hand the kernel a csd whose previous call has not run. */
		if (smp_load_acquire(&as->busy)) {
			w->busy++;
			return;
		}
	}
	rec = ips_next_rec(w, &slot);
	if (!rec)
		return;
	token = ips_token(w, slot);

	switch (prim) {
	case IPS_SINGLE:
		target = ips_pick_target(w);
		cpumask_clear(w->tmp);
		cpumask_set_cpu(target, w->tmp);
		ips_rec_arm(w, rec, prim, wait, mask, 1);
		ret = smp_call_function_single(target, ips_cb, (void *)token, wait);
		n = 1;
		break;
	case IPS_ASYNC:
		cpumask_clear(w->tmp);
		cpumask_set_cpu(target, w->tmp);
		ips_rec_arm(w, rec, prim, false, mask, 1);
		WRITE_ONCE(as->token, token);
		WRITE_ONCE(as->busy, 1);
		ret = smp_call_function_single_async(target, &as->csd);
		if (ret)
			WRITE_ONCE(as->busy, 0);
		n = 1;
		break;
	case IPS_MANY:
		ips_pick_subset(w, w->tmp, true);
		/* smp_call_function_many() skips the calling CPU. */
		__cpumask_clear_cpu(w->cpu, w->tmp);
		n = cpumask_weight(w->tmp);
		ips_rec_arm(w, rec, prim, wait, mask, n);
		preempt_disable();
		smp_call_function_many(mask, ips_cb, (void *)token, wait);
		preempt_enable();
		break;
	case IPS_MASK:
		ips_pick_subset(w, w->tmp, false);
		n = cpumask_weight(w->tmp);
		ips_rec_arm(w, rec, prim, wait, mask, n);
		on_each_cpu_mask(mask, ips_cb, (void *)token, wait);
		break;
	case IPS_ANY:
		ips_pick_subset(w, w->tmp, false);
		n = 1;
		ips_rec_arm(w, rec, prim, wait, mask, n);
		ret = smp_call_function_any(mask, ips_cb, (void *)token, wait);
		break;
	case IPS_ALL:
	default:
		prim = IPS_ALL;
		mask = cpu_online_mask;
		n = num_online_cpus();
		ips_rec_arm(w, rec, prim, wait, mask, n);
		on_each_cpu(ips_cb, (void *)token, wait);
		break;
	}
	t1 = ips_now();

	if (ret) {
		w->err++;
		ips_rec_cancel(rec);
		return;
	}
	w->calls[prim][wait]++;
	w->expected += n;
	if (wait) {
		/* wait set: every callback must have finished by now. */
		if (atomic_read_acquire(&rec->pending) > 0)
			w->early++;
		this_cpu_inc(ips_stats->lat[prim][1][ips_bucket(ips_since(rec->t0, t1))]);
	}
}

static int ips_worker_fn(void *arg)
{
	struct ips_worker *w = arg;

	wait_for_completion(&ips_go);
	while (!ips_should_stop()) {
		ips_issue_one(w);
		if (ips_limit && atomic_long_inc_return(&ips_issued) >= ips_limit)
			WRITE_ONCE(ips_stop, true);
		if (interval_us)
			usleep_range(interval_us, interval_us + interval_us / 8 + 1);
		else
			cond_resched();
	}
	/* Stay around until kthread_stop() so the task cannot go away under it. */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static void ips_hist_sum(u64 *dst, size_t off)
{
	unsigned int b;
	int cpu;

	memset(dst, 0, IPS_NR_BUCKETS * sizeof(*dst));
	for_each_possible_cpu(cpu) {
		const u64 *src = (const void *)per_cpu_ptr(ips_stats, cpu) + off;

		for (b = 0; b < IPS_NR_BUCKETS; b++)
			dst[b] += src[b];
	}
}

static u64 ips_hist_count(const u64 *h)
{
	u64 n = 0;
	unsigned int b;

	for (b = 0; b < IPS_NR_BUCKETS; b++)
		n += h[b];
	return n;
}

/* @pct-th percentile, as the middle of the bucket that holds it; 0 if empty. */
static u64 ips_hist_pct(const u64 *h, unsigned int pct)
{
	u64 n = ips_hist_count(h), rank, sum = 0, lo, width;
	unsigned int b;

	if (!n)
		return 0;
	rank = div_u64(n * pct + 99, 100);
	for (b = 0; b < IPS_NR_BUCKETS; b++) {
		sum += h[b];
		if (sum >= rank)
			break;
	}
	if (b == IPS_NR_BUCKETS)
		b--;
	lo = ips_bucket_lo(b, &width);
	return lo + width / 2;
}

#define IPS_LAT_OFF(p, w)	offsetof(struct ips_pcpu, lat[p][w])
#define IPS_IPI_OFF(p)		offsetof(struct ips_pcpu, ipi[p])

static u64 ips_sum_field(size_t off)
{
	u64 n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += *(const u64 *)((const void *)per_cpu_ptr(ips_stats, cpu) + off);
	return n;
}

static int ips_alloc_run(void)
{
	size_t longs = BITS_TO_LONGS(nr_cpu_ids);
	unsigned long *bits;
	unsigned int i, k;
	int cpu, c;

	ips_nr_workers = ips_nr_cpus * concurrency;
	ips_nr_recs = (unsigned long)ips_nr_workers * IPS_RING;
	if (!ips_nr_workers || ips_nr_recs > IPS_MAX_RECS)
		return -EINVAL;
	ips_workers = kcalloc(ips_nr_workers, sizeof(*ips_workers), GFP_KERNEL);
	ips_recs = kvcalloc(ips_nr_recs, sizeof(*ips_recs), GFP_KERNEL);
	bits = kvcalloc(ips_nr_recs * 2 * longs, sizeof(long), GFP_KERNEL);
	if (!ips_workers || !ips_recs || !bits) {
		kvfree(bits);
		return -ENOMEM;
	}
	for (i = 0; i < ips_nr_recs; i++) {
		ips_recs[i].expect = bits + i * 2 * longs;
		ips_recs[i].hit = ips_recs[i].expect + longs;
	}

	i = 0;
	for_each_cpu(cpu, ips_cpus) {
		for (c = 0; c < concurrency; c++, i++) {
			struct ips_worker *w = &ips_workers[i];

			w->id = i;
			w->cpu = cpu;
			w->recs = &ips_recs[i * IPS_RING];
			prandom_seed_state(&w->rnd, (seed ? seed : get_random_u64()) + i);
			if (!zalloc_cpumask_var(&w->tmp, GFP_KERNEL))
				return -ENOMEM;
			w->async = kvcalloc(nr_cpu_ids, sizeof(*w->async), GFP_KERNEL);
			if (!w->async)
				return -ENOMEM;
			for (k = 0; k < nr_cpu_ids; k++) {
				struct ips_async *as = &w->async[k];

				if (!IS_ALIGNED((unsigned long)&as->csd, sizeof(as->csd)))
					return -EINVAL;
				INIT_CSD(&as->csd, ips_async_cb, as);
			}
		}
	}
	return 0;
}

static void ips_free_run(void)
{
	unsigned int i;

	if (ips_workers) {
		for (i = 0; i < ips_nr_workers; i++) {
			kvfree(ips_workers[i].async);
			free_cpumask_var(ips_workers[i].tmp);
		}
	}
	if (ips_recs)
		kvfree(ips_recs[0].expect);
	kvfree(ips_recs);
	kfree(ips_workers);
	ips_recs = NULL;
	ips_workers = NULL;
	ips_nr_recs = 0;
	ips_nr_workers = 0;
}

/* True once no call of the run is outstanding. */
static bool ips_quiet(void)
{
	unsigned long i;
	unsigned int k;

	for (i = 0; i < ips_nr_recs; i++)
		if (atomic_read_acquire(&ips_recs[i].pending) > 0)
			return false;
	for (i = 0; i < ips_nr_workers; i++) {
		for (k = 0; k < nr_cpu_ids; k++) {
			/* Pairs with the release in ips_async_cb(). */
			if (smp_load_acquire(&ips_workers[i].async[k].busy))
				return false;
		}
	}
	return true;
}

static void ips_report(u64 elapsed_ns)
{
	u64 calls[IPS_NR_PRIMS][2] = {}, cbs[IPS_NR_PRIMS];
	u64 expected = 0, early = 0, err = 0, busy = 0, lost = 0;
	u64 total = 0, ncbs = 0, dup, wrongcpu, badctx, rate;
	u64 *h = kmalloc_array(IPS_NR_BUCKETS, sizeof(*h), GFP_KERNEL);
	u64 *all = kcalloc(IPS_NR_BUCKETS, sizeof(*all), GFP_KERNEL);
	bool pass, missing = false;
	unsigned long i;
	unsigned int b;
	int p, wt, len;

	for (i = 0; i < ips_nr_workers; i++) {
		struct ips_worker *w = &ips_workers[i];

		for (p = 0; p < IPS_NR_PRIMS; p++)
			for (wt = 0; wt < 2; wt++)
				calls[p][wt] += w->calls[p][wt];
		expected += w->expected;
		early += w->early;
		err += w->err;
		busy += w->busy;
	}
	for (i = 0; i < ips_nr_recs; i++) {
		int left = atomic_read(&ips_recs[i].pending);

		if (left > 0)
			lost += left;
	}
	for (p = 0; p < IPS_NR_PRIMS; p++) {
		cbs[p] = ips_sum_field(offsetof(struct ips_pcpu, cbs[p]));
		ncbs += cbs[p];
		total += calls[p][0] + calls[p][1];
		if (ips_weight[p] && !(calls[p][0] + calls[p][1]))
			missing = true;
	}
	dup = ips_sum_field(offsetof(struct ips_pcpu, dup));
	wrongcpu = ips_sum_field(offsetof(struct ips_pcpu, wrongcpu));
	badctx = ips_sum_field(offsetof(struct ips_pcpu, badctx));
	rate = elapsed_ns ? div64_u64(total * NSEC_PER_SEC, elapsed_ns) : 0;

	pass = total && !lost && !dup && !wrongcpu && !badctx && !early && !err &&
	       !missing && ncbs == expected;

	len = scnprintf(ips_result, sizeof(ips_result),
			"result pass=%d cpus=%u workers=%u ms=%llu calls=%llu calls_per_s=%llu cbs=%llu expected=%llu lost=%llu dup=%llu wrongcpu=%llu badctx=%llu early=%llu err=%llu busy=%llu hardirq=%llu idle=%llu stopper=%llu inline=%llu",
			pass, ips_nr_cpus, ips_nr_workers, div_u64(elapsed_ns, NSEC_PER_MSEC),
			total, rate, ncbs, expected, lost, dup, wrongcpu, badctx, early, err, busy,
			ips_sum_field(offsetof(struct ips_pcpu, ctx_hardirq)),
			ips_sum_field(offsetof(struct ips_pcpu, ctx_idle)),
			ips_sum_field(offsetof(struct ips_pcpu, ctx_stopper)),
			ips_sum_field(offsetof(struct ips_pcpu, ctx_inline)));
	if (h && all) {
		for (p = 0; p < IPS_NR_PRIMS; p++) {
			for (wt = 1; wt >= 0; wt--) {
				const char *name = ips_prim_name[p], *mode = wt ? "w" : "nw";

				if (p == IPS_ASYNC && wt)
					continue;
				ips_hist_sum(h, IPS_LAT_OFF(p, wt));
				len += scnprintf(ips_result + len, sizeof(ips_result) - len,
						 " %s_%s_p50_ns=%llu %s_%s_p99_ns=%llu",
						 name, mode, ips_hist_pct(h, 50),
						 name, mode, ips_hist_pct(h, 99));
			}
			ips_hist_sum(h, IPS_IPI_OFF(p));
			for (b = 0; b < IPS_NR_BUCKETS; b++)
				all[b] += h[b];
		}
		len += scnprintf(ips_result + len, sizeof(ips_result) - len,
				 " ipi_p50_ns=%llu ipi_p99_ns=%llu",
				 ips_hist_pct(all, 50), ips_hist_pct(all, 99));
	}
	if (len >= sizeof(ips_result) - 1)
		pr_warn("result line truncated\n");

	for (p = 0; p < IPS_NR_PRIMS; p++)
		pr_info("prim=%s calls_w=%llu calls_nw=%llu cbs=%llu\n", ips_prim_name[p],
			calls[p][1], calls[p][0], cbs[p]);
	pr_info("%s\n", ips_result);
	kfree(h);
	kfree(all);
}

static int ips_run(void)
{
	unsigned int i, started = 0;
	u64 t_start = 0, t_end = 0, limit_ms, deadline;
	bool locked = false;
	int ret, cpu, p;

	if (!ips_stats || ips_leaked)
		return -EBUSY;
	if (!duration_ms && !nr_calls)
		return -EINVAL;

	/* cpus may be rewritten through sysfs meanwhile: read it under the lock. */
	ret = 0;
	kernel_param_lock(THIS_MODULE);
	if (cpus && *cpus)
		ret = cpulist_parse(cpus, ips_cpus);
	else
		cpumask_copy(ips_cpus, cpu_online_mask);
	kernel_param_unlock(THIS_MODULE);
	if (ret)
		return ret;
	cpumask_and(ips_cpus, ips_cpus, cpu_online_mask);
	ips_nr_cpus = cpumask_weight(ips_cpus);
	if (!ips_nr_cpus || !concurrency)
		return -EINVAL;

	ips_weight[IPS_SINGLE] = w_single;
	ips_weight[IPS_ASYNC] = w_async;
	ips_weight[IPS_MANY] = ips_nr_cpus > 1 ? w_many : 0;
	ips_weight[IPS_MASK] = w_mask;
	ips_weight[IPS_ANY] = w_any;
	ips_weight[IPS_ALL] = w_all;
	ips_wtotal = 0;
	for (p = 0; p < IPS_NR_PRIMS; p++)
		ips_wtotal += ips_weight[p];
	if (!ips_wtotal)
		return -EINVAL;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(ips_stats, cpu), 0, sizeof(struct ips_pcpu));
	ips_result[0] = '\0';
	WRITE_ONCE(ips_stop, false);
	atomic_long_set(&ips_issued, 0);
	ips_limit = nr_calls;
	reinit_completion(&ips_go);

	ret = ips_alloc_run();
	if (ret)
		goto out_free;

	for (i = 0; i < ips_nr_workers; i++) {
		struct ips_worker *w = &ips_workers[i];
		struct task_struct *t;

		t = kthread_create_on_node(ips_worker_fn, w, cpu_to_node(w->cpu),
					   "ipistress/%u", i);
		if (IS_ERR(t)) {
			ret = PTR_ERR(t);
			goto out_stop;
		}
		kthread_bind(t, w->cpu);
		w->task = t;
		wake_up_process(t);
		started++;
	}

	/* Hold CPU hotplug off: the expected-CPU masks must stay true. */
	cpus_read_lock();
	locked = true;
	if (!cpumask_subset(ips_cpus, cpu_online_mask)) {
		ret = -EAGAIN;
		goto out_stop;
	}

	pr_info("start cpus=%*pbl workers=%u duration_ms=%u nr_calls=%lu wait_pct=%u interval_us=%u weights=%u,%u,%u,%u,%u,%u\n",
		cpumask_pr_args(ips_cpus), ips_nr_workers, duration_ms, nr_calls, wait_pct,
		interval_us,
		ips_weight[0], ips_weight[1], ips_weight[2], ips_weight[3], ips_weight[4],
		ips_weight[5]);
	limit_ms = duration_ms ? duration_ms : 600000;
	t_start = ktime_get_ns();
	complete_all(&ips_go);
	while (!READ_ONCE(ips_stop) &&
	       ktime_get_ns() - t_start < limit_ms * NSEC_PER_MSEC)
		msleep(min_t(u64, 10, limit_ms));
	WRITE_ONCE(ips_stop, true);
	t_end = ktime_get_ns();

out_stop:
	WRITE_ONCE(ips_stop, true);
	complete_all(&ips_go);
	for (i = 0; i < started; i++)
		kthread_stop(ips_workers[i].task);
	if (ret) {
		if (locked)
			cpus_read_unlock();
		goto out_quiesce;
	}

	/* Give no-wait calls still in flight their time, then count the rest lost. */
	deadline = ktime_get_ns() + (u64)quiesce_ms * NSEC_PER_MSEC;
	while (!ips_quiet() && ktime_get_ns() < deadline)
		usleep_range(500, 1000);
	cpus_read_unlock();
	ips_report(t_end - t_start);

out_quiesce:
	if (started && !ips_quiet()) {
		/* Callbacks may still come for these records: never free them. */
		pr_err("calls still outstanding after %u ms: leaking the run's memory\n",
		       quiesce_ms);
		ips_leaked = true;
		__module_get(THIS_MODULE);
		return ret;
	}
out_free:
	ips_free_run();
	return ret;
}

static int ips_hist_show_one(struct seq_file *m, const char *name, size_t off, u64 *h)
{
	unsigned int b, k;
	u64 n, lo, width, max = 0, row[64] = {};

	ips_hist_sum(h, off);
	n = ips_hist_count(h);
	if (!n)
		return 0;
	seq_printf(m, "%s: n=%llu p50=%llu p90=%llu p99=%llu\n", name, n,
		   ips_hist_pct(h, 50), ips_hist_pct(h, 90), ips_hist_pct(h, 99));
	/* Fold the sub-buckets back into plain log2 buckets for display. */
	for (b = 0; b < IPS_NR_BUCKETS; b++) {
		if (!h[b])
			continue;
		lo = ips_bucket_lo(b, &width);
		k = lo ? fls64(lo) : 0;
		row[k] += h[b];
	}
	for (k = 0; k < 64; k++)
		max = max(max, row[k]);
	for (k = 0; k < 64; k++) {
		u64 from = k ? 1ULL << (k - 1) : 0, to = 1ULL << k;
		unsigned int bar;

		if (!row[k])
			continue;
		bar = div64_u64(row[k] * 40 + max - 1, max);
		seq_printf(m, "  [%12llu, %12llu) %10llu %.*s\n", from, to, row[k], bar,
			   "########################################");
	}
	return 0;
}

static int ips_hist_show(struct seq_file *m, void *unused)
{
	u64 *h = kmalloc_array(IPS_NR_BUCKETS, sizeof(*h), GFP_KERNEL);
	char name[32];
	int p;

	if (!h)
		return -ENOMEM;
	mutex_lock(&ips_mutex);
	seq_puts(m, "# ipistress latency histograms, ns, log2 buckets [lo, hi)\n");
	seq_puts(m, "# lat_w: call to return (wait); lat_nw: call to last callback end (no wait)\n");
	seq_puts(m, "# ipi: call to callback entry on a remote CPU\n");
	for (p = 0; p < IPS_NR_PRIMS; p++) {
		snprintf(name, sizeof(name), "%s lat_w", ips_prim_name[p]);
		ips_hist_show_one(m, name, IPS_LAT_OFF(p, 1), h);
		snprintf(name, sizeof(name), "%s lat_nw", ips_prim_name[p]);
		ips_hist_show_one(m, name, IPS_LAT_OFF(p, 0), h);
		snprintf(name, sizeof(name), "%s ipi", ips_prim_name[p]);
		ips_hist_show_one(m, name, IPS_IPI_OFF(p), h);
	}
	mutex_unlock(&ips_mutex);
	kfree(h);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ips_hist);

static int ips_result_show(struct seq_file *m, void *unused)
{
	mutex_lock(&ips_mutex);
	if (ips_result[0])
		seq_printf(m, "ipistress: %s\n", ips_result);
	mutex_unlock(&ips_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ips_result);

static ssize_t ips_run_write(struct file *file, const char __user *buf, size_t count,
			     loff_t *ppos)
{
	int ret;

	ret = mutex_lock_interruptible(&ips_mutex);
	if (ret)
		return ret;
	ret = ips_run();
	mutex_unlock(&ips_mutex);
	return ret ? ret : count;
}

static const struct file_operations ips_run_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= ips_run_write,
	.llseek	= noop_llseek,
};

/*
 * Built in, the load-time run happens before user space exists, so nothing
 * else would end the machine. Without a power-off method (no ACPI) a restart
 * ends a VM that treats a reset as the end of the run, as QEMU -no-reboot.
 */
static void ips_shutdown(void)
{
	if (kernel_can_power_off())
		kernel_power_off();
	kernel_restart(NULL);
}

static int __init ips_init(void)
{
	int ret;

	BUILD_BUG_ON(sizeof(struct ips_pcpu) > PCPU_MIN_UNIT_SIZE);
	if (!zalloc_cpumask_var(&ips_cpus, GFP_KERNEL))
		return -ENOMEM;
	ips_stats = alloc_percpu(struct ips_pcpu);
	if (!ips_stats) {
		free_cpumask_var(ips_cpus);
		return -ENOMEM;
	}
	ips_dir = debugfs_create_dir("ipistress", NULL);
	debugfs_create_file("histograms", 0444, ips_dir, NULL, &ips_hist_fops);
	debugfs_create_file("result", 0444, ips_dir, NULL, &ips_result_fops);
	debugfs_create_file("run", 0200, ips_dir, NULL, &ips_run_fops);

	if (run_on_load) {
		mutex_lock(&ips_mutex);
		ret = ips_run();
		mutex_unlock(&ips_mutex);
		if (ret)
			pr_err("result pass=0 error=%d\n", ret);
		if (shutdown)
			ips_shutdown();
	}
	return 0;
}

static void __exit ips_exit(void)
{
	debugfs_remove_recursive(ips_dir);
	free_percpu(ips_stats);
	free_cpumask_var(ips_cpus);
}

#ifdef MODULE
module_init(ips_init);
#else
/*
 * Built in: after the drivers' initcalls, so the console's 8250 has bound to
 * its ACPI resources (IRQ 4 through the I/O APIC) before the load-time run
 * ends the machine.
 */
late_initcall(ips_init);
#endif
module_exit(ips_exit);

MODULE_DESCRIPTION("Stress and check smp_call_function*() IPI delivery");
MODULE_AUTHOR("The ipivirt authors");
MODULE_LICENSE("GPL");
