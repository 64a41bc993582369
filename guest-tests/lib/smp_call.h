/* SPDX-License-Identifier: MIT */
/*
 * smp_call.h - run functions on other CPUs over IPIs, as Linux's
 * kernel/smp.c does: a per-CPU lock-free call_single_queue of call single
 * data (csd) entries, one IPI per empty-to-non-empty transition.
 *
 * Functions run in the target's interrupt handler, interrupts off: they must
 * be short and must not wait for other CPUs. Callers must have interrupts
 * on (a CPU spinning with interrupts off on a csd lock could deadlock with
 * one calling it back). Errors: negative errno.
 */
#ifndef GT_SMP_CALL_H
#define GT_SMP_CALL_H

#include "cpumask.h"
#include "llist.h"
#include "x86.h"

#define CALL_FUNCTION_VECTOR 0xfc        /* smp_call_function_many() */
#define CALL_FUNCTION_SINGLE_VECTOR 0xfb /* smp_call_function_single() */

#define EBUSY 16
#define ENXIO 6
#define EINVAL 22
#define EDEADLK 35

typedef void (*smp_call_func_t)(void *info);

/* csd flags, as in Linux. */
#define CSD_FLAG_LOCK 0x01u  /* queued or running: owned by the call layer */
#define CSD_TYPE_ASYNC 0x00u /* unlock before running func (csd reusable) */
#define CSD_TYPE_SYNC 0x10u  /* unlock after running func (caller waits) */

struct csd {
	struct llist_node node;
	unsigned flags;
	smp_call_func_t func;
	void *info;
	unsigned dst;    /* target CPU, for the csd-lock stall report */
};

/* Counters, per CPU, for tests: cheap plain increments by the owner. */
struct smp_call_stats {
	u64 queued;      /* csds this CPU put on some queue */
	u64 ipis;        /* CPUs this CPU sent an IPI (a shorthand counts each) */
	u64 interrupts;  /* call-function interrupts this CPU took */
	u64 empty;       /* ... that found its queue empty (should not happen) */
	u64 funcs;       /* functions this CPU ran from its queue */
};

/* smp_call.c's per-CPU state, embedded in struct percpu. */
struct smp_call_cpu {
	struct llist_head queue;   /* call_single_queue */
	struct csd csd_data;       /* smp_call_function_single(wait=0) */
	struct csd *cfd_csd;       /* smp_call_function_many(): one per target;
	                              NULL until the CPU first makes such a call */
	struct cpumask cfd_mask;
	struct cpumask cfd_ipi;
	struct smp_call_stats stats;
	/* csd-lock waits longer than csd_warn_ms= (CSD_LOCK_WAIT_DEBUG). */
	u64 csd_stalls;
	u64 csd_stall_max_ms;
};

void smp_call_init_cpu(unsigned cpu);   /* allocate; run once per CPU */
void smp_call_setup_vectors(void);      /* install the two IPI handlers */
void flush_smp_call_function_queue(void);

int smp_call_function_single(unsigned cpu, smp_call_func_t func, void *info, bool wait);
int smp_call_function_single_async(unsigned cpu, struct csd *csd);
int smp_call_function_many(const struct cpumask *mask, smp_call_func_t func, void *info, bool wait);

/*
 * Like Linux's CONFIG_CSD_LOCK_WAIT_DEBUG: with csd_warn_ms=N on the
 * command line, a csd-lock wait longer than N ms prints "csd: CPU a waiting
 * T ms for CSD lock on CPU b (call to fn at F)" every N ms, then "csd:
 * CPU a CSD lock released after T ms". Totals over all CPUs: waits that
 * stalled, and the longest one.
 */
void smp_call_csd_stall_totals(u64 *stalls, u64 *max_ms);

static inline bool csd_locked(const struct csd *csd)
{
	return __atomic_load_n(&csd->flags, __ATOMIC_ACQUIRE) & CSD_FLAG_LOCK;
}

#endif
