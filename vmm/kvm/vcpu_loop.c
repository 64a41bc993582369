// SPDX-License-Identifier: MIT
/*
 * vcpu_loop.c - the vCPU thread's mode, kick, halt and KVM_RUN, shared by
 * the KVM backends (vcpu_loop.h has the protocol).
 */
#include <errno.h>
#include <linux/futex.h>
#include <linux/kvm.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mono_clock.h"
#include "vcpu_loop.h"

#define SIG_KICK SIGUSR1

static void kick_handler(int sig)
{
	(void)sig; /* the interrupted KVM_RUN returning -EINTR is the point */
}

int vcpu_loop__init_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIG_KICK, &sa, NULL) < 0 ? -errno : 0;
}

void vcpu_loop__unblock_kick(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

static long futex(_Atomic int *addr, int op, int val)
{
	return syscall(SYS_futex, (int *)addr, op, val, NULL, NULL, 0);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__powerpc64__)
	__asm__ volatile("or 27,27,27" ::: "memory"); /* low SMT priority */
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

enum vcpu_kick vcpu_loop__kick(struct vcpu_loop *l)
{
	int mode;

	atomic_thread_fence(memory_order_seq_cst);
	mode = atomic_load(&l->mode);
	if (mode == VCPU_IN_GUEST) {
		if (atomic_compare_exchange_strong(&l->mode, &mode,
						   VCPU_EXITING)) {
			__atomic_store_n(&l->run->immediate_exit, 1,
					 __ATOMIC_RELEASE);
			pthread_kill(l->thread, SIG_KICK);
			return VCPU_KICK_SIGNAL;
		}
	} else if (mode == VCPU_HALTED) {
		if (atomic_compare_exchange_strong(&l->mode, &mode,
						   VCPU_OUTSIDE)) {
			futex(&l->mode, FUTEX_WAKE_PRIVATE, 1);
			return VCPU_KICK_WAKE;
		}
	}
	return VCPU_KICK_NONE;
}

bool vcpu_loop__kick_wanted(const struct vcpu_loop *l)
{
	int mode = atomic_load(&l->mode);

	return mode == VCPU_IN_GUEST || mode == VCPU_HALTED;
}

void vcpu_loop__enter(struct vcpu_loop *l)
{
	atomic_store(&l->mode, VCPU_IN_GUEST);
	atomic_thread_fence(memory_order_seq_cst);
}

void vcpu_loop__leave(struct vcpu_loop *l)
{
	atomic_store(&l->mode, VCPU_OUTSIDE);
}

int vcpu_loop__run(struct vcpu_loop *l)
{
	int err = ioctl(l->fd, KVM_RUN, 0) < 0 ? errno : 0;

	__atomic_store_n(&l->run->immediate_exit, 0, __ATOMIC_RELAXED);
	atomic_store(&l->mode, VCPU_OUTSIDE);
	return err;
}

/* Spin up to @poll_ns for a kick; then ask whether it brought work. */
static bool halt_poll(struct vcpu_loop *l, bool (*wake_pending)(void *),
		      void *opaque, uint64_t poll_ns)
{
	uint64_t end = mono_clock_ns() + poll_ns;

	while (mono_clock_ns() < end) {
		if (atomic_load_explicit(&l->mode, memory_order_acquire) !=
		    VCPU_HALTED) {
			if (wake_pending(opaque))
				return true;
			/* Halted again, a full barrier before the next look
			 * (an exchange: TSan refuses bare fences here). */
			atomic_exchange(&l->mode, VCPU_HALTED);
			if (wake_pending(opaque))
				return true;
		}
		cpu_relax();
	}
	return false;
}

bool vcpu_loop__halt(struct vcpu_loop *l, bool (*wake_pending)(void *opaque),
		     void *opaque, uint64_t poll_ns)
{
	bool polled = false, hit = false;

	for (;;) {
		atomic_store(&l->mode, VCPU_HALTED);
		atomic_thread_fence(memory_order_seq_cst);
		if (wake_pending(opaque))
			break;
		if (poll_ns && !polled) {
			polled = true;
			hit = halt_poll(l, wake_pending, opaque, poll_ns);
			if (hit)
				break;
			continue;
		}
		futex(&l->mode, FUTEX_WAIT_PRIVATE, VCPU_HALTED);
	}
	atomic_store(&l->mode, VCPU_OUTSIDE);
	return hit;
}
