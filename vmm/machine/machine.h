/* SPDX-License-Identifier: MIT */
/*
 * machine.h - build the VM of a configuration (KVM, memory, interrupt
 * models, devices, kernel), run it, take it apart. lib/vmm.c is the only
 * caller: the ipivirt binary gets here through libipivirt.
 */
#ifndef IPIVIRT_MACHINE_H
#define IPIVIRT_MACHINE_H

#include <stddef.h>

#include "vm/vm.h"

/* Build the VM of @cfg: KVM, memory, models, devices, kernel. */
int machine__create(struct vm *vm, const struct vm_config *cfg, char *err,
		    size_t errlen);
/* Start every vCPU and run the event loop until the guest ends. */
int machine__run(struct vm *vm, char *err, size_t errlen);
void machine__destroy(struct vm *vm);
/*
 * machine__add_faults() - start fault injection on a built VM (vm->fi),
 * from a thread that is not a vCPU's (so it has no vCPU system call
 * filter). machine__destroy() does not stop it: fault_inject__destroy()
 * before it.
 */
int machine__add_faults(struct vm *vm, const struct ipivirt_fault_config *cfg);

#endif
