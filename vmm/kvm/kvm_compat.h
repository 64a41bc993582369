/* SPDX-License-Identifier: MIT */
/*
 * kvm_compat.h - work-arounds for a KVM that emulates every guest
 * instruction in software (no VMX/SVM on the host; shared/platform.md).
 *
 * --compat auto (the default) turns them on only on such a host;
 * --compat emulated-kvm forces them, --compat none turns them off.
 * What they do:
 *  - int3 repair: the emulator does not deliver #BP in protected or long
 *    mode and exits with KVM_EXIT_INTERNAL_ERROR at the int3; when the byte
 *    at RIP is 0xCC, step over it and inject vector 3 (a trap, as hardware).
 *  - fwait repair: the emulator cannot run fwait either (Linux's
 *    fpu__drop() runs one on every task exit): complete it in the VMM.
 *  - Linux command line: "noxsave clearcpuid=cx16,popcnt,...", because the
 *    guest's CPUID shows the host's XSAVE, CX16, POPCNT... whatever
 *    KVM_SET_CPUID2 says and the emulator cannot run those instructions.
 * On a VMX/SVM host none of this is used.
 */
#ifndef IPIVIRT_KVM_COMPAT_H
#define IPIVIRT_KVM_COMPAT_H

#include <stdbool.h>
#include <stdint.h>

#include "vcpu_loop.h"
#include "vm/vm.h"

/**
 * struct kvm_compat_cpu - a vCPU as the work-arounds see it (a part of
 * struct vcpu, filled when it is created).
 * @vm, @id: the vCPU's.
 * @loop: its vCPU fd and kvm_run.
 * @rip_sampled_ns: owner only, kvm_compat__sample_rip()'s last sample.
 */
struct kvm_compat_cpu {
	struct vm *vm;
	unsigned id;
	const struct vcpu_loop *loop;
	uint64_t rip_sampled_ns;
};

/* What the Linux command line gets appended in compat mode. */
/*
 * xsave/xrstor, cmpxchg16b and popcnt are not emulated here (popcnt: Linux
 * patches hweight calls into it); neither are ldmxcsr and SSE arithmetic,
 * which the kernel only runs inside kernel_fpu_begin() for SIMD crypto:
 * hiding SSSE3 (and with it SSE4.x) keeps the built-in BLAKE2s (random.c)
 * on its generic C code. fsgsbase, invpcid, smap (stac/clac), pku (wrpkru)
 * and rdpid are hidden too: the kernel would only use them through
 * alternatives, and each may be missing from the emulator.
 */
#define KVM_COMPAT_LINUX_CMDLINE \
	"noxsave clearcpuid=cx16,popcnt,ssse3,fsgsbase,invpcid,smap,pku,rdpid"

/*
 * kvm_compat__resolve() - decide whether the compat mode is on for @vm
 * (vm->compat_emulated) from vm->cfg.compat and, for auto, the host.
 */
void kvm_compat__resolve(struct vm *vm);

/* The text to append to a Linux command line ("" when off). */
const char *kvm_compat__linux_cmdline(const struct vm *vm);

/* Log (once) that a Linux command line was extended. */
void kvm_compat__log_linux(struct vm *vm);

/*
 * kvm_compat__repair_emulation() - after KVM_EXIT_INTERNAL_ERROR on @v: if the
 * compat mode is on and the instruction at RIP is int3 (0xCC), advance RIP
 * past it and inject #BP (vector 3); if it is fwait (0x9B), complete it
 * (#MF when an unmasked x87 exception is pending, else step over it).
 * Any other instruction is left alone.
 * Return: true when repaired (resume the guest), false to report a crash.
 */
bool kvm_compat__repair_emulation(struct kvm_compat_cpu *v);

/*
 * kvm_compat__sample_rip() - debugging aid for slow guests: with
 * IPIVIRT_SAMPLE_RIP set in the environment when the VM was created
 * (kvm_compat__resolve() reads it into the VM), print @v's RIP at most
 * once a second (called after each exit, on @v's thread).
 */
void kvm_compat__sample_rip(struct kvm_compat_cpu *v);

#endif
