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
	vm->compat_sample_rip = getenv("IPIVIRT_SAMPLE_RIP") != NULL;
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

void kvm_compat__log_linux(struct vm *vm)
{
	if (!vm->compat_emulated)
		return;
	fprintf(stderr, "ipivirt: compat emulated-kvm (%s): int3 repair on; "
		"Linux command line += \"%s\"\n",
		vm->cfg.compat == VM_COMPAT_AUTO ? "auto: no vmx/svm on this host"
						 : "--compat",
		KVM_COMPAT_LINUX_CMDLINE);
}

/* @len bytes at guest linear address @lin, through its page tables. */
static int read_linear(struct kvm_compat_cpu *v, uint64_t lin, void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len) {
		struct kvm_translation t = { .linear_address = lin };
		size_t chunk = 4096 - (lin & 4095);
		const uint8_t *p;

		if (chunk > len)
			chunk = len;
		if (ioctl(v->loop->fd, KVM_TRANSLATE, &t) < 0 || !t.valid)
			return -1;
		p = vm__gpa_to_hva(v->vm, t.physical_address, chunk);
		if (!p)
			return -1;
		memcpy(out, p, chunk);
		out += chunk;
		lin += chunk;
		len -= chunk;
	}
	return 0;
}

/* Raise exception @nr, with @error_code when @has_error_code. */
static bool inject_exception(struct kvm_compat_cpu *v, uint8_t nr, bool has_error_code,
			     uint32_t error_code)
{
	struct kvm_vcpu_events ev;

	if (ioctl(v->loop->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
		return false;
	ev.exception.injected = 1;
	ev.exception.nr = nr;
	ev.exception.has_error_code = has_error_code;
	ev.exception.error_code = error_code;
	ev.flags = 0;
	return ioctl(v->loop->fd, KVM_SET_VCPU_EVENTS, &ev) == 0;
}

/* Step RIP over the @len-byte instruction the emulator could not run. */
static bool step_over(struct kvm_compat_cpu *v, struct kvm_regs *regs, unsigned len)
{
	regs->rip += len;
	return ioctl(v->loop->fd, KVM_SET_REGS, regs) == 0;
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
static bool repair_int_n(struct kvm_compat_cpu *v, const struct kvm_sregs *s,
			 struct kvm_regs *regs, uint8_t n)
{
	struct kvm_vcpu_events ev;
	uint8_t gate[16];
	unsigned size, type, dpl;
	uint32_t error_code = (uint32_t)n << 3 | 2; /* IDT, not external */

	if (!(s->cr0 & CR0_PE))
		return false;
	size = s->efer & EFER_LMA ? 16 : 8;
	if ((uint32_t)n * size + size - 1 > s->idt.limit)
		return inject_exception(v, GP_VECTOR, true, error_code);
	if (read_linear(v, s->idt.base + (uint64_t)n * size, gate, size))
		return false;
	type = gate[5] & 0x1f;
	dpl = (gate[5] >> 5) & 3;
	if ((type != GATE_TYPE_INT && type != GATE_TYPE_TRAP) ||
	    dpl < s->cs.dpl)
		return inject_exception(v, GP_VECTOR, true, error_code);
	if (!(gate[5] & GATE_PRESENT))
		return inject_exception(v, NP_VECTOR, true, error_code);
	if (ioctl(v->loop->fd, KVM_GET_VCPU_EVENTS, &ev) < 0 ||
	    !step_over(v, regs, 2))
		return false;
	ev.interrupt.injected = 1;
	ev.interrupt.nr = n;
	ev.interrupt.soft = 0;
	ev.flags = 0;
	return ioctl(v->loop->fd, KVM_SET_VCPU_EVENTS, &ev) == 0;
}

/*
 * fwait: no-op unless an unmasked x87 exception is pending (FSW.ES), which
 * it then reports as #MF (CR0.NE, as Linux runs) before the instruction.
 * Linux runs one in fpu__drop() on every task exit.
 */
static bool repair_fwait(struct kvm_compat_cpu *v, const struct kvm_sregs *s,
			 struct kvm_regs *regs)
{
	struct kvm_fpu fpu;

	if (ioctl(v->loop->fd, KVM_GET_FPU, &fpu) < 0)
		return false;
	if ((fpu.fsw & FSW_ES) && (s->cr0 & CR0_NE))
		return inject_exception(v, MF_VECTOR, false, 0);
	return step_over(v, regs, 1);
}

/* Log the first repair of each kind: the rest would flood the console. */
static void log_once(struct kvm_compat_cpu *v, _Atomic bool *logged, const char *what,
		     uint64_t rip)
{
	if (!atomic_exchange(logged, true))
		fprintf(stderr, "ipivirt: compat emulated-kvm: vCPU %u: %s at "
			"RIP 0x%llx; further ones are not logged\n", v->id,
			what, (unsigned long long)rip);
}

bool kvm_compat__repair_emulation(struct kvm_compat_cpu *v)
{
	struct kvm_regs regs;
	struct kvm_sregs s;
	uint8_t op, n;
	uint64_t rip;
	char what[48];

	if (!v->vm->compat_emulated ||
	    v->loop->run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION)
		return false;
	if (ioctl(v->loop->fd, KVM_GET_REGS, &regs) < 0 ||
	    ioctl(v->loop->fd, KVM_GET_SREGS, &s) < 0 ||
	    read_linear(v, s.cs.base + regs.rip, &op, 1))
		return false;
	rip = regs.rip;
	switch (op) {
	case INT_IMM8_OPCODE:
		if (read_linear(v, s.cs.base + rip + 1, &n, 1) ||
		    !repair_int_n(v, &s, &regs, n))
			return false;
		snprintf(what, sizeof(what), "int $0x%x executed by the VMM",
			 n);
		log_once(v, &v->vm->compat_intn_logged, what, rip);
		return true;
	case FWAIT_OPCODE:
		if (!repair_fwait(v, &s, &regs))
			return false;
		log_once(v, &v->vm->compat_fwait_logged,
			 "fwait completed by the VMM", rip);
		return true;
	case INT3_OPCODE:
		/* #BP is a trap: the handler sees RIP after the int3. */
		if (!step_over(v, &regs, 1) ||
		    !inject_exception(v, BP_VECTOR, false, 0))
			return false;
		log_once(v, &v->vm->compat_int3_logged,
			 "int3 repaired (#BP injected)", rip);
		return true;
	default:
		return false;
	}
}

void kvm_compat__sample_rip(struct kvm_compat_cpu *v)
{
	struct kvm_regs regs;
	uint64_t now;

	if (!v->vm->compat_sample_rip)
		return;
	now = vm__now_ns();
	if (now - v->rip_sampled_ns < 1000000000ull)
		return;
	v->rip_sampled_ns = now;
	if (ioctl(v->loop->fd, KVM_GET_REGS, &regs) == 0)
		fprintf(stderr, "ipivirt: sample %.3f s vCPU %u RIP 0x%llx\n",
			(double)(now - v->vm->start_ns) / 1e9, v->id,
			(unsigned long long)regs.rip);
}
