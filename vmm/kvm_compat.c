// SPDX-License-Identifier: MIT
/*
 * kvm_compat.c - the emulated-KVM compatibility mode (see kvm_compat.h).
 */
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm_compat.h"
#include "kvm_vcpu.h"

#define INT3_OPCODE 0xcc
#define INT_IMM8_OPCODE 0xcd
#define FWAIT_OPCODE 0x9b
#define BP_VECTOR 3
#define NP_VECTOR 11
#define GP_VECTOR 13
#define MF_VECTOR 16
#define CR0_PE (1ull << 0)
#define EFER_LMA (1ull << 10)
#define GATE_PRESENT 0x80
#define GATE_TYPE_INT 0xe
#define GATE_TYPE_TRAP 0xf
#define FSW_ES (1u << 7) /* x87 exception summary */
#define CR0_NE (1ull << 5)

/* Does the host CPU offer hardware virtualization (vmx or svm)? */
static bool host_has_hw_virt(void)
{
	char line[8192];
	bool found = false, seen_flags = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return true; /* unknown: assume a real host, change nothing */
	while (!found && fgets(line, sizeof(line), f)) {
		char *tok, *save = NULL;

		if (strncmp(line, "flags", 5))
			continue;
		seen_flags = true;
		for (tok = strtok_r(line, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save))
			if (!strcmp(tok, "vmx") || !strcmp(tok, "svm"))
				found = true;
		break; /* the first CPU speaks for all */
	}
	fclose(f);
	return found || !seen_flags;
}

void kvm_compat__resolve(struct vm *vm)
{
	switch (vm->cfg.compat) {
	case VM_COMPAT_EMULATED_KVM:
		vm->compat_emulated = true;
		break;
	case VM_COMPAT_NONE:
		vm->compat_emulated = false;
		break;
	case VM_COMPAT_AUTO:
	default:
		vm->compat_emulated = !host_has_hw_virt();
		break;
	}
}

const char *kvm_compat__linux_cmdline(const struct vm *vm)
{
	return vm->compat_emulated ? KVM_COMPAT_LINUX_CMDLINE : "";
}

void kvm_compat__log_linux(struct vm *vm, const char *cmdline)
{
	if (!vm->compat_emulated)
		return;
	fprintf(stderr, "ipivirt: compat emulated-kvm (%s): int3 repair on; "
		"Linux command line += \"%s\"\n",
		vm->cfg.compat == VM_COMPAT_AUTO ? "auto: no vmx/svm on this host"
						 : "--compat",
		KVM_COMPAT_LINUX_CMDLINE);
	(void)cmdline;
}

/* @len bytes at guest linear address @lin, through its page tables. */
static int read_linear(struct vcpu *v, uint64_t lin, void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len) {
		struct kvm_translation t = { .linear_address = lin };
		size_t chunk = 4096 - (lin & 4095);
		const uint8_t *p;

		if (chunk > len)
			chunk = len;
		if (ioctl(v->fd, KVM_TRANSLATE, &t) < 0 || !t.valid)
			return -1;
		p = vm_gpa_to_hva(v->vm, t.physical_address, chunk);
		if (!p)
			return -1;
		memcpy(out, p, chunk);
		out += chunk;
		lin += chunk;
		len -= chunk;
	}
	return 0;
}

/* The bytes at the guest's RIP. */
static int read_rip_bytes(struct vcpu *v, uint64_t rip, uint8_t *bytes,
			  size_t len)
{
	struct kvm_sregs s;

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -1;
	return read_linear(v, s.cs.base + rip, bytes, len);
}

/* Raise exception @nr with @error_code, a fault: RIP stays. */
static bool inject_fault(struct vcpu *v, uint8_t nr, uint32_t error_code)
{
	struct kvm_vcpu_events ev;

	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
		return false;
	ev.exception.injected = 1;
	ev.exception.nr = nr;
	ev.exception.has_error_code = 1;
	ev.exception.error_code = error_code;
	ev.flags = 0;
	return ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) == 0;
}

/*
 * `int $n` in protected or long mode, which this host's emulator cannot
 * run: the checks the CPU makes on the IDT gate (SDM "INT n" operation: in
 * the IDT limit, an interrupt or trap gate, DPL >= CPL, present), each
 * failing as #GP or #NP with error code n * 8 + 2 at the `int`; else vector
 * n is delivered through that gate with the return address after the
 * two-byte instruction. Delivered as an event with no instruction length
 * (not KVM's "soft" kind, which would add a length of its own to RIP), and
 * the DPL check is ours. Real mode is left to KVM, which emulates it.
 */
static bool repair_int_n(struct vcpu *v, struct kvm_regs *regs, uint8_t n)
{
	struct kvm_sregs s;
	struct kvm_vcpu_events ev;
	uint8_t gate[16];
	unsigned size, type, dpl;
	uint32_t error_code = (uint32_t)n << 3 | 2; /* IDT, not external */

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0 || !(s.cr0 & CR0_PE))
		return false;
	size = s.efer & EFER_LMA ? 16 : 8;
	if ((uint32_t)n * size + size - 1 > s.idt.limit)
		return inject_fault(v, GP_VECTOR, error_code);
	if (read_linear(v, s.idt.base + (uint64_t)n * size, gate, size))
		return false;
	type = gate[5] & 0x1f;
	dpl = (gate[5] >> 5) & 3;
	if ((type != GATE_TYPE_INT && type != GATE_TYPE_TRAP) ||
	    dpl < s.cs.dpl)
		return inject_fault(v, GP_VECTOR, error_code);
	if (!(gate[5] & GATE_PRESENT))
		return inject_fault(v, NP_VECTOR, error_code);
	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
		return false;
	regs->rip += 2;
	if (ioctl(v->fd, KVM_SET_REGS, regs) < 0)
		return false;
	ev.interrupt.injected = 1;
	ev.interrupt.nr = n;
	ev.interrupt.soft = 0;
	ev.flags = 0;
	return ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) == 0;
}

/*
 * fwait: no-op unless an unmasked x87 exception is pending (FSW.ES), which
 * it then reports as #MF (CR0.NE, as Linux runs) before the instruction.
 * Linux runs one in fpu__drop() on every task exit.
 */
static bool repair_fwait(struct vcpu *v, struct kvm_regs *regs)
{
	struct kvm_fpu fpu;
	struct kvm_sregs s;
	struct kvm_vcpu_events ev;

	if (ioctl(v->fd, KVM_GET_FPU, &fpu) < 0 ||
	    ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return false;
	if ((fpu.fsw & FSW_ES) && (s.cr0 & CR0_NE)) {
		if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
			return false;
		ev.exception.injected = 1;
		ev.exception.nr = MF_VECTOR;
		ev.exception.has_error_code = 0;
		ev.flags = 0;
		return ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) == 0;
	}
	regs->rip++;
	return ioctl(v->fd, KVM_SET_REGS, regs) == 0;
}

bool kvm_compat__repair_emulation(struct vcpu *v)
{
	struct kvm_regs regs;
	struct kvm_vcpu_events ev;
	uint8_t insn[2], op;

	if (!v->vm->compat_emulated ||
	    v->run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION)
		return false;
	if (ioctl(v->fd, KVM_GET_REGS, &regs) < 0 ||
	    read_rip_bytes(v, regs.rip, insn, 1))
		return false;
	op = insn[0];
	if (op == INT_IMM8_OPCODE) {
		if (read_rip_bytes(v, regs.rip, insn, 2) ||
		    !repair_int_n(v, &regs, insn[1]))
			return false;
		if (!atomic_exchange(&v->vm->compat_intn_logged, true))
			fprintf(stderr, "ipivirt: compat emulated-kvm: vCPU %u: "
				"int $0x%x at RIP 0x%llx executed by the VMM; "
				"further ones are not logged\n", v->id, insn[1],
				(unsigned long long)(regs.rip - 2));
		return true;
	}
	if (op == FWAIT_OPCODE) {
		if (!repair_fwait(v, &regs))
			return false;
		if (!atomic_exchange(&v->vm->compat_fwait_logged, true))
			fprintf(stderr, "ipivirt: compat emulated-kvm: vCPU %u: "
				"fwait at RIP 0x%llx completed by the VMM; "
				"further ones are not logged\n", v->id,
				(unsigned long long)regs.rip);
		return true;
	}
	if (op != INT3_OPCODE)
		return false;
	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
		return false;
	/* #BP is a trap: the handler sees RIP after the int3. */
	regs.rip++;
	if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		return false;
	ev.exception.injected = 1;
	ev.exception.nr = BP_VECTOR;
	ev.exception.has_error_code = 0;
	ev.exception.error_code = 0;
	ev.flags = 0;
	if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) < 0)
		return false;
	if (!atomic_exchange(&v->vm->compat_int3_logged, true))
		fprintf(stderr, "ipivirt: compat emulated-kvm: vCPU %u: int3 "
			"at RIP 0x%llx repaired (#BP injected); further repairs "
			"are not logged\n", v->id,
			(unsigned long long)(regs.rip - 1));
	return true;
}

void kvm_compat__sample_rip(struct vcpu *v)
{
	static _Atomic int enabled = -1; /* every vCPU thread reads it */
	static _Thread_local uint64_t last_ns;
	struct kvm_regs regs;
	uint64_t now;
	int on = atomic_load_explicit(&enabled, memory_order_relaxed);

	if (on < 0) {
		on = getenv("IPIVIRT_SAMPLE_RIP") != NULL;
		atomic_store_explicit(&enabled, on, memory_order_relaxed);
	}
	if (!on)
		return;
	now = vm_now_ns();
	if (now - last_ns < 1000000000ull)
		return;
	last_ns = now;
	if (ioctl(v->fd, KVM_GET_REGS, &regs) == 0)
		fprintf(stderr, "ipivirt: sample %.3f s vCPU %u RIP 0x%llx\n",
			(double)(now - v->vm->start_ns) / 1e9, v->id,
			(unsigned long long)regs.rip);
}
