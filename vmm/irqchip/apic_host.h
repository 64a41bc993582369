/* SPDX-License-Identifier: MIT */
/*
 * apic_host.h - the local APIC model's host in a VM: struct apic_ops over
 * struct vm. An IPI the guest writes into its ICR goes from the model
 * through here to the IPI domain and on to the target's kick without
 * passing through the KVM backend (docs/architecture.md, "One IPI").
 */
#ifndef IPIVIRT_APIC_HOST_H
#define IPIVIRT_APIC_HOST_H

#include "apic_virt.h"
#include "vm/vm.h"

/*
 * apic_host__create() - the APIC of vCPU @cfg->cpu, with its timer's
 * timerfd, in vm->cpus[cpu]. 0 or a negative errno.
 */
int apic_host__create(struct vm *vm, const struct apic_config *cfg);
void apic_host__destroy(struct vm *vm, unsigned cpu);

#endif
