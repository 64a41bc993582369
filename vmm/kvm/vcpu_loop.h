/* SPDX-License-Identifier: MIT */
/*
 * vcpu_loop.h - what every KVM backend's vCPU thread shares, whatever the
 * architecture: where the thread is (its mode), the kick that makes it look
 * at new work, the userspace halt with optional polling, and KVM_RUN
 * itself. The x86 (kvm_vcpu.c) and POWER (kvm_ppc.c) backends supply their
 * exit handlers and what "work pending" means.
 *
 * Kick protocol (the IPI hot path: no locks, no event loop):
 *   kicker: make the event visible (IRR, event bits), full fence, then
 *           look at the target's mode:
 *             IN_GUEST -> EXITING: set immediate_exit, signal the thread;
 *             HALTED   -> OUTSIDE: futex wake.
 *   target: publish IN_GUEST (or HALTED), full fence, then look for work.
 * Either the target sees the event, or the kicker sees the published mode:
 * no wake-up is lost. immediate_exit covers a signal that lands after the
 * target looked but before it entered KVM_RUN.
 */
#ifndef IPIVIRT_VCPU_LOOP_H
#define IPIVIRT_VCPU_LOOP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Where the vCPU thread is, for kickers. The kicker's cmpxchg from IN_GUEST
 * to EXITING makes sure one signal is sent per guest entry; from HALTED to
 * OUTSIDE, one futex wake per sleep.
 */
enum vcpu_mode {
	VCPU_OUTSIDE = 0, /* in the VMM, will check for work before entry */
	VCPU_IN_GUEST,    /* in or about to enter KVM_RUN */
	VCPU_EXITING,     /* kicked out of guest mode */
	VCPU_HALTED,      /* asleep on the futex */
};

/* What a kick did: nothing (the thread was outside), a signal, a wake. */
enum vcpu_kick { VCPU_KICK_NONE, VCPU_KICK_SIGNAL, VCPU_KICK_WAKE };

struct kvm_run;

/**
 * struct vcpu_loop - one vCPU thread's shared state.
 * @mode:   enum vcpu_mode, also the futex word.
 * @fd:     the KVM vCPU fd.
 * @run:    its mapped struct kvm_run.
 * @thread: the thread, once started (the kick signals it).
 */
struct vcpu_loop {
	_Atomic int mode;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
};

/* The process-wide kick signal handler (once, before any vCPU thread). */
int vcpu_loop__init_signals(void);
/* In the vCPU thread, first: let the kick signal in. */
void vcpu_loop__unblock_kick(void);

/* Make @l look at its work soon (any thread). */
enum vcpu_kick vcpu_loop__kick(struct vcpu_loop *l);
/* Would a kick of @l be sent now (it is in the guest or halted)? */
bool vcpu_loop__kick_wanted(const struct vcpu_loop *l);

/* Owner: publish "about to enter", full fence; then look for work. */
void vcpu_loop__enter(struct vcpu_loop *l);
/* Owner: back outside (nothing to run after all, or the thread ends). */
void vcpu_loop__leave(struct vcpu_loop *l);
/* Owner, after vcpu_loop__enter() and the last look: KVM_RUN once, then
 * outside again. Return: 0, or the errno of KVM_RUN (EINTR: kicked). */
int vcpu_loop__run(struct vcpu_loop *l);

/*
 * vcpu_loop__halt() - owner: sleep until @wake_pending(@opaque) says there
 * is work, polling up to @poll_ns first (0: no polling; every wake source
 * kicks, and a kick of a halted vCPU moves its mode off HALTED, so the poll
 * watches one word). Return: true when a wake came while polling.
 */
bool vcpu_loop__halt(struct vcpu_loop *l, bool (*wake_pending)(void *opaque),
		     void *opaque, uint64_t poll_ns);

#endif
