// SPDX-License-Identifier: MIT
/*
 * smp_call.c - cross-CPU function calls, modelled on Linux's kernel/smp.c.
 *
 * A caller fills a csd (function, argument), locks it (CSD_FLAG_LOCK) and
 * pushes it on the target CPU's call_single_queue, a lock-free llist. Only
 * the push that finds the queue empty sends the IPI: while the queue is
 * non-empty an IPI is already pending or being handled, and that handler's
 * llist_del_all() will pick the new entry up. The handler takes the whole
 * queue, reverses it to FIFO order and runs each function; it clears the
 * csd lock with a release store, before running an async csd's function
 * (so the function may re-queue it) and after a sync one's (so the waiting
 * caller returns only once the function is done).
 *
 * Memory ordering, on x86 (TSO) with the guarantees this code relies on:
 *  - Caller: the plain stores to csd->func/info/flags precede llist_add's
 *    lock cmpxchg, a full barrier, so the target sees a complete csd
 *    whenever it sees the node.
 *  - IPI: the ICR write comes after that locked instruction. A locked
 *    instruction drains the store buffer, and the x2APIC ICR wrmsr (which
 *    is not serializing) is also preceded by mfence; lfence (x2apic.c), so
 *    the target cannot take the IPI and find the queue still empty. Over
 *    XIVE (ipi_ops.h) the message bit is set by another locked instruction
 *    and the trigger is an uncached store, ordered after both.
 *  - Target: llist_del_all's xchg is a full barrier; the csd fields read
 *    after it are those the caller wrote before publishing.
 *  - Unlock: smp_store_release(&csd->flags, 0) orders everything the
 *    function did (and the reads of csd->func/info/node.next) before the
 *    unlock; csd_lock_wait() loads the flag with acquire, so a caller that
 *    sees it clear also sees the function's effects, and may then reuse or
 *    free the csd.
 */
#include "alloc.h"
#include "args.h"
#include "desc.h"
#include "io.h"
#include "ipi_ops.h"
#include "percpu.h"
#include "smp.h"
#include "smp_call.h"
#include "tsc.h"

/* csd_warn_ms= in TSC cycles; 0: no stall detection (the plain spin). */
static u64 csd_warn_cycles;

void smp_call_init_cpu(unsigned cpu)
{
	/*
	 * The cfd csds, one per possible target (MAX_CPUS: APs may exceed
	 * the count), come with this CPU's first smp_call_function_many():
	 * most CPUs never make one, and 1024 CPUs' worth up front would be
	 * 40 MiB of guest memory, each zeroed under instruction emulation.
	 */
	per_cpu(cpu)->call.cfd_csd = NULL;
}

/*
 * A wait that outlives csd_warn_ms is reported as Linux's
 * csd_lock_wait_toolong() does: the target is not answering (interrupts
 * off, or, in a VM, its vCPU not running or its IPI not delivered).
 */
static void csd_lock_wait_toolong(struct csd *csd)
{
	struct smp_call_cpu *me = &this_cpu()->call;
	u64 t0 = rdtsc(), next = t0 + csd_warn_cycles, ms;
	bool stalled = false;

	while (__atomic_load_n(&csd->flags, __ATOMIC_ACQUIRE) & CSD_FLAG_LOCK) {
		u64 now;

		pause();
		now = rdtsc();
		if (now < next)
			continue;
		if (!stalled)
			me->csd_stalls++;
		stalled = true;
		next = now + csd_warn_cycles;
		printf("csd: CPU %u waiting %llu ms for CSD lock on CPU %u (call to fn at %p)\n",
		       smp_id(), (unsigned long long)(tsc_us_from_cycles(now - t0) / 1000), csd->dst,
		       (void *)csd->func);
	}
	if (!stalled)
		return;
	ms = tsc_us_from_cycles(rdtsc() - t0) / 1000;
	if (ms > me->csd_stall_max_ms)
		me->csd_stall_max_ms = ms;
	printf("csd: CPU %u CSD lock released after %llu ms\n", smp_id(), (unsigned long long)ms);
}

static void csd_lock_wait(struct csd *csd)
{
	if (csd_warn_cycles) {
		if (__atomic_load_n(&csd->flags, __ATOMIC_ACQUIRE) & CSD_FLAG_LOCK)
			csd_lock_wait_toolong(csd);
		return;
	}
	while (__atomic_load_n(&csd->flags, __ATOMIC_ACQUIRE) & CSD_FLAG_LOCK)
		pause();
}

void smp_call_csd_stall_totals(u64 *stalls, u64 *max_ms)
{
	unsigned cpu;

	*stalls = 0;
	*max_ms = 0;
	for_each_cpu(cpu, &cpu_online_mask) {
		struct smp_call_cpu *c = &per_cpu(cpu)->call;
		*stalls += c->csd_stalls;
		if (c->csd_stall_max_ms > *max_ms)
			*max_ms = c->csd_stall_max_ms;
	}
}

static void csd_lock(struct csd *csd)
{
	csd_lock_wait(csd);
	csd->flags |= CSD_FLAG_LOCK;
	/* Order the lock before the func/info stores (a compiler barrier on
	 * x86, where stores are not reordered with each other). */
	barrier();
}

static void csd_unlock(struct csd *csd)
{
	smp_store_release(&csd->flags, 0);
}

static void send_call_function_single_ipi(unsigned cpu)
{
	this_cpu()->call.stats.ipis++;
	ipi_send(cpu, CALL_FUNCTION_SINGLE_VECTOR);
}

/* The APIC path uses the all-excluding-self shorthand where it can: an
 * IPI counts once per target either way. */
static void send_call_function_ipi_mask(const struct cpumask *mask)
{
	this_cpu()->call.stats.ipis += cpumask_weight(mask);
	ipi_send_mask(mask, CALL_FUNCTION_VECTOR);
}

/* Queue @csd on @cpu; IPI it only on the empty-to-non-empty transition. */
static void smp_call_single_queue(unsigned cpu, struct csd *csd)
{
	this_cpu()->call.stats.queued++;
	if (llist_add(&csd->node, &per_cpu(cpu)->call.queue))
		send_call_function_single_ipi(cpu);
}

static int generic_exec_single(unsigned cpu, struct csd *csd)
{
	csd->dst = cpu;
	if (cpu == smp_id()) {
		/* Local: run it here, interrupts off as a handler would be. */
		smp_call_func_t func = csd->func;
		void *info = csd->info;
		u64 f;

		csd_unlock(csd);
		f = irq_save();
		func(info);
		irq_restore(f);
		return 0;
	}
	if (!cpu_online(cpu)) {
		csd_unlock(csd);
		return -ENXIO;
	}
	smp_call_single_queue(cpu, csd);
	return 0;
}

int smp_call_function_single(unsigned cpu, smp_call_func_t func, void *info, bool wait)
{
	struct csd csd_stack = { .flags = CSD_FLAG_LOCK | CSD_TYPE_SYNC };
	struct csd *csd = &csd_stack;
	int err;

	/*
	 * Waiting with interrupts off can deadlock (two CPUs waiting on each
	 * other's calls); so can a handler reusing csd_data that the code it
	 * interrupted holds locked. Linux warns; we refuse.
	 */
	if (!irqs_enabled() && cpu != smp_id())
		return -EDEADLK;
	if (!wait) {
		/* The per-CPU csd: wait for its previous use to finish. */
		csd = &this_cpu()->call.csd_data;
		csd_lock(csd);
	}
	csd->func = func;
	csd->info = info;
	err = generic_exec_single(cpu, csd);
	if (wait)
		csd_lock_wait(csd);
	return err;
}

int smp_call_function_single_async(unsigned cpu, struct csd *csd)
{
	/* The caller owns @csd; it is ours from here until we unlock it. */
	if (csd_locked(csd))
		return -EBUSY;
	csd->flags = CSD_FLAG_LOCK;
	barrier();
	return generic_exec_single(cpu, csd);
}

int smp_call_function_many(const struct cpumask *mask, smp_call_func_t func, void *info, bool wait)
{
	struct smp_call_cpu *cfd = &this_cpu()->call;
	unsigned me = smp_id(), cpu, last = 0, nr = 0;

	if (!irqs_enabled())
		return -EDEADLK;
	if (!cfd->cfd_csd)   /* only this CPU touches its own */
		cfd->cfd_csd = zalloc(MAX_CPUS * sizeof(struct csd), 64);
	cpumask_and(&cfd->cfd_mask, mask, &cpu_online_mask);
	cpumask_clr(&cfd->cfd_mask, me);
	cpumask_clear(&cfd->cfd_ipi);
	for_each_cpu(cpu, &cfd->cfd_mask) {
		struct csd *csd = &cfd->cfd_csd[cpu];

		csd_lock(csd);   /* a no-wait call before may still own it */
		if (wait)
			csd->flags |= CSD_TYPE_SYNC;
		csd->func = func;
		csd->info = info;
		csd->dst = cpu;
		cfd->stats.queued++;
		if (llist_add(&csd->node, &per_cpu(cpu)->call.queue)) {
			cpumask_set(&cfd->cfd_ipi, cpu);
			nr++;
			last = cpu;
		}
	}
	/* Send after queueing them all: targets start while we still queue
	 * otherwise, and one shorthand IPI may do for all. */
	if (nr == 1)
		send_call_function_single_ipi(last);
	else if (nr > 1)
		send_call_function_ipi_mask(&cfd->cfd_ipi);
	if (wait)
		for_each_cpu(cpu, &cfd->cfd_mask)
			csd_lock_wait(&cfd->cfd_csd[cpu]);
	return 0;
}

void flush_smp_call_function_queue(void)
{
	struct smp_call_cpu *me = &this_cpu()->call;
	struct llist_node *entry = llist_reverse_order(llist_del_all(&me->queue));

	if (!entry)
		me->stats.empty++;
	while (entry) {
		struct csd *csd = container_of(entry, struct csd, node);
		/* Read all of it first: once unlocked the csd is the owner's again
		 * (a sync caller's stack frame may be gone). */
		struct llist_node *next = entry->next;
		smp_call_func_t func = csd->func;
		void *info = csd->info;

		if (csd->flags & CSD_TYPE_SYNC) {
			func(info);
			csd_unlock(csd);
		} else {
			csd_unlock(csd);
			func(info);
		}
		me->stats.funcs++;
		entry = next;
	}
}

/*
 * Both vectors flush the same queue, as in Linux. EOI comes first: a new
 * IPI for an entry queued after our llist_del_all() is then latched in IRR
 * and taken as soon as we return, never merged into this one. (Over XIVE
 * the source EOI came before ipi_demux(), with the same effect.)
 */
static void call_function_interrupt(struct trap_regs *regs)
{
	ipi_eoi(regs);
	this_cpu()->call.stats.interrupts++;
	flush_smp_call_function_queue();
}

/*
 * Each IPI is sent after an empty-to-non-empty push that followed the
 * target's last llist_del_all(), so its IRR bit was clear: one IPI, one
 * interrupt, and that interrupt finds at least the entry that caused it.
 * callfunc checks interrupts == ipis and empty == 0 on this basis.
 */

void smp_call_setup_vectors(void)
{
	/* Once, on the BSP, after tsc_init() and the command line. */
	csd_warn_cycles = tsc_cycles_from_us(arg_ulong("csd_warn_ms", 0) * 1000);
	handle_irq(CALL_FUNCTION_VECTOR, call_function_interrupt);
	handle_irq(CALL_FUNCTION_SINGLE_VECTOR, call_function_interrupt);
}
