/* SPDX-License-Identifier: MIT */
/*
 * kvm_ppc.h - the KVM-on-POWER backend: pseries guests whose XIVE is the
 * userspace model (vmm/xive_virt.c) with its IPIs routed by the IPI domain.
 *
 * Built only for powerpc64 (the ppc64le cross build in make test compiles
 * it); it needs a POWER host with KVM (HV or PR) to run. It owns guest RAM,
 * one thread per vCPU and the exits; building the device tree and loading a
 * kernel are the caller's (a kernel image in RAM, an FDT address in r3).
 */
#ifndef IPIVIRT_KVM_PPC_H
#define IPIVIRT_KVM_PPC_H

#include <stddef.h>
#include <stdint.h>

struct kvm_ppc_config {
	size_t size;          /* sizeof(struct kvm_ppc_config) */
	unsigned nr_cpus;
	uint64_t ram_size;
	uint64_t entry;       /* guest real address of the first instruction */
	uint64_t fdt_gpa;     /* passed in r3, as pseries firmware does */
};

struct kvm_ppc_vm;

int kvm_ppc__create(const struct kvm_ppc_config *cfg,
		    struct kvm_ppc_vm **out, char *err, size_t errlen);
/* Guest RAM, for the caller to load the kernel and the FDT into. */
uint8_t *kvm_ppc__ram(struct kvm_ppc_vm *vm);
/* Run every vCPU until the guest stops or kvm_ppc__stop(); 0 or -errno. */
int kvm_ppc__run(struct kvm_ppc_vm *vm);
void kvm_ppc__stop(struct kvm_ppc_vm *vm);
void kvm_ppc__destroy(struct kvm_ppc_vm *vm);

#endif
