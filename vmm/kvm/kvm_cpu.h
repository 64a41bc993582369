/* SPDX-License-Identifier: MIT */
/*
 * kvm_cpu.h - CPUID and architectural register state of a vCPU: what
 * the guest is told it has, and the register state of each way of entering
 * it (64-bit ELF entry, multiboot 32-bit entry, SIPI real mode, INIT).
 */
#ifndef IPIVIRT_KVM_CPU_SETUP_H
#define IPIVIRT_KVM_CPU_SETUP_H

#include <stdbool.h>
#include <stdint.h>

#include "vm/vm.h"

/* Set vCPU @apic_id's CPUID; *@phys_addr_bits gets the MAXPHYADDR it says. */
int kvm_cpu__setup_cpuid(struct vm *vm, int vcpu_fd, unsigned apic_id,
			 bool x2apic, unsigned *phys_addr_bits);
/* Tell KVM the guest's IA32_APIC_BASE: it derives CPUID.1:EDX.APIC from it. */
int kvm_cpu__set_apic_base(int vcpu_fd, uint64_t value);
int kvm_cpu__enter_64bit(int vcpu_fd, uint64_t entry, uint64_t boot_info);
int kvm_cpu__enter_multiboot(int vcpu_fd, uint64_t entry, uint64_t boot_info);
/* After kvm_cpu__enter_64bit(): the Linux 64-bit boot protocol's RSI. */
int kvm_cpu__set_linux_regs(int vcpu_fd, uint64_t zero_page);
int kvm_cpu__enter_sipi(int vcpu_fd, uint8_t vector);
/* The register state after INIT, with pending events dropped. */
int kvm_cpu__reset(int vcpu_fd);
uint64_t kvm_cpu__get_rip(int vcpu_fd);

#endif
