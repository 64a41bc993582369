/* SPDX-License-Identifier: MIT */
/* kvm_vm.h - the KVM side of a VM: /dev/kvm, the VM fd, memory, MSR filter. */
#ifndef IPIVIRT_KVM_VM_H
#define IPIVIRT_KVM_VM_H

#include <stddef.h>

#include "vm/vm.h"

/* Open /dev/kvm, check the capabilities ipivirt needs, create the VM. */
int kvm_vm__open(struct vm *vm, char *err, size_t errlen);
/* Map guest RAM into the VM. */
int kvm_vm__setup_memory(struct vm *vm, char *err, size_t errlen);
/* Route the APIC MSRs to userspace. */
int kvm_vm__setup_msr_filter(struct vm *vm, char *err, size_t errlen);
void kvm_vm__close(struct vm *vm);

#endif
