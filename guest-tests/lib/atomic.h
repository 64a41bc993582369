/* SPDX-License-Identifier: MIT */
/*
 * atomic.h - the few atomics the runtime needs, on GCC's __atomic builtins.
 * x86 is TSO: loads are acquire and stores are release for free, so
 * smp_load_acquire()/smp_store_release() only stop the compiler; locked
 * read-modify-write instructions are full barriers.
 */
#ifndef GT_ATOMIC_H
#define GT_ATOMIC_H

#include <stdbool.h>

#define barrier() __asm__ __volatile__("" ::: "memory")
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define smp_load_acquire(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define smp_store_release(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
/* Full fence: mfence. Needed only before non-serializing side effects
 * (x2APIC ICR wrmsr) that must not pass earlier stores. */
#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

#define atomic_inc(p) __atomic_fetch_add(p, 1, __ATOMIC_SEQ_CST)
#define atomic_add(p, v) __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST)
#define atomic_xchg(p, v) __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST)
/* Linux's try_cmpxchg(): on failure *old gets the current value. */
#define atomic_try_cmpxchg(p, old, new) \
	__atomic_compare_exchange_n(p, old, new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)

struct spinlock {
	int locked;
};

static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (READ_ONCE(l->locked))
			__asm__ __volatile__("pause" ::: "memory");
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
