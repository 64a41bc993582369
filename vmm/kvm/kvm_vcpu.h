/* SPDX-License-Identifier: MIT */
/*
 * kvm_vcpu.h - one vCPU: a KVM vCPU fd, its thread, its APIC model, and the
 * kick / wake protocol that lets any thread make it take an interrupt.
 */
#ifndef IPIVIRT_KVM_VCPU_H
#define IPIVIRT_KVM_VCPU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "kvm_compat.h"
#include "vcpu_loop.h"
#include "vm/vm.h"

struct vcpu {
	struct vm *vm;
	unsigned id;
	struct vcpu_loop loop;        /* fd, kvm_run, mode, kick, halt */
	bool thread_started;
	unsigned nmi_pending;         /* NMIs to inject, 0-2; owner only */
	bool wait_for_sipi;           /* owner only */
	uint64_t halt_poll_ns;        /* owner only: the next halt's poll */
	/* Owner only: KVM stores the vCPU events in kvm_run at every exit
	 * (KVM_CAP_SYNC_REGS), so an injection is a field write applied by
	 * the next KVM_RUN instead of a KVM_INTERRUPT ioctl. events_fresh:
	 * the stored copy is still the vCPU's state (no ioctl changed it). */
	bool sync_events;
	bool events_fresh;
	uint8_t queued_vector;        /* owner only: what queue_interrupt() wrote */
	struct kvm_compat_cpu compat; /* the emulated-KVM work-arounds' view */
	struct vcpu_stats stats;
};

int kvm_vcpu__create(struct vm *vm, unsigned id, struct vcpu **out);
void kvm_vcpu__destroy(struct vcpu *v);
int kvm_vcpu__start(struct vcpu *v);
void kvm_vcpu__join(struct vcpu *v);
/* Make @v look at its pending events soon (any thread). */
void kvm_vcpu__kick(struct vcpu *v);

#endif
