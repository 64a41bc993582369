// SPDX-License-Identifier: MIT
/*
 * kvm_cpu_setup.c - CPUID shaping and register state for each entry path.
 *
 * This host's KVM emulates guest instructions and cannot run cmpxchg16b or
 * the XSAVE family (shared/platform.md), so those features are hidden; the
 * KVM paravirtual leaves are hidden too, because their hypercalls
 * (vmcall) do not complete here and a guest must not depend on them.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm_cpu_setup.h"
#include "layout.h"

#define MAX_CPUID_ENTRIES 256

#define CPUID1_ECX_FMA (1u << 12)
#define CPUID1_ECX_CX16 (1u << 13)
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_AVX (1u << 28)
#define CPUID1_ECX_F16C (1u << 29)
#define CPUID1_EDX_APIC (1u << 9)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID7_EBX_AVX2 (1u << 5)
#define CPUID7_EBX_AVX512_MASK 0xdc230000u /* F, DQ, IFMA, PF, ER, CD, BW, VL */

/* The APIC timer input clock the CPUID crystal leaf announces: 1 GHz. */
#define APIC_BUS_HZ 1000000000u

static struct kvm_cpuid_entry2 *find_leaf(struct kvm_cpuid2 *c, uint32_t fn,
					  uint32_t index)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn &&
		    c->entries[i].index == index)
			return &c->entries[i];
	return NULL;
}

static struct kvm_cpuid_entry2 *add_leaf(struct kvm_cpuid2 *c, uint32_t fn)
{
	struct kvm_cpuid_entry2 *e = find_leaf(c, fn, 0);

	if (e || c->nent == MAX_CPUID_ENTRIES)
		return e;
	e = &c->entries[c->nent++];
	memset(e, 0, sizeof(*e));
	e->function = fn;
	return e;
}

/*
 * TSC / crystal as EBX / EAX for leaf 0x15. Linux computes
 * crystal_kHz * EBX / EAX in 32 bits (native_calibrate_tsc()), so with our
 * 1 GHz crystal EBX must stay below 2^32 / 10^6: take the closest fraction
 * with such a numerator (exact for any whole-MHz TSC).
 */
static void tsc_crystal_ratio(uint64_t tsc_khz, uint32_t *ebx, uint32_t *eax)
{
	const uint64_t crystal_khz = APIC_BUS_HZ / 1000u;
	const uint64_t max_num = UINT32_MAX / crystal_khz;
	uint64_t best_num = 0, best_den = 1, best_err = UINT64_MAX;

	for (uint64_t den = 1; den * tsc_khz <= max_num * crystal_khz; den++) {
		uint64_t num = (tsc_khz * den + crystal_khz / 2) / crystal_khz;
		/* |num/den - tsc/crystal| scaled by den * crystal */
		uint64_t a = num * crystal_khz, b = tsc_khz * den;
		uint64_t err = (a > b ? a - b : b - a) * 1000000u / den;

		if (num && num <= max_num && err < best_err) {
			best_num = num, best_den = den, best_err = err;
			if (!err)
				break;
		}
	}
	*ebx = (uint32_t)best_num;
	*eax = (uint32_t)best_den;
}

/*
 * The KVM signature with every PV feature bit clear. Linux uses x2APIC
 * without interrupt remapping only when a hypervisor vouches for it
 * (x86_init.hyper.x2apic_available(), true for KVM), so without this leaf a
 * Linux guest falls back to xAPIC MMIO: two exits per IPI instead of one.
 * No feature bits: no kvmclock, PV EOI or PV IPI hypercalls (our APIC is in
 * userspace, and this host's KVM does not complete vmcall).
 */
static void add_kvm_signature(struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *base = add_leaf(c, 0x40000000u);
	struct kvm_cpuid_entry2 *features = add_leaf(c, 0x40000001u);
	struct kvm_cpuid_entry2 *e = find_leaf(c, 1, 0);

	if (!base || !features || !e)
		return;
	base->eax = 0x40000001u;
	memcpy(&base->ebx, "KVMK", 4);
	memcpy(&base->ecx, "VMKV", 4);
	memcpy(&base->edx, "M\0\0\0", 4);
	features->eax = features->ebx = features->ecx = features->edx = 0;
	e->ecx |= CPUID1_ECX_HYPERVISOR;
}

int kvm_cpu__setup_cpuid(struct vm *vm, int vcpu_fd, unsigned apic_id,
			 bool x2apic)
{
	struct kvm_cpuid2 *c;
	struct kvm_cpuid_entry2 *e;
	uint32_t out = 0;
	int ret = 0;

	c = calloc(1, sizeof(*c) + MAX_CPUID_ENTRIES * sizeof(c->entries[0]));
	if (!c)
		return -ENOMEM;
	c->nent = MAX_CPUID_ENTRIES;
	if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		ret = -errno;
		goto out;
	}

	/* Drop the KVM PV leaves and XSAVE state enumeration. */
	for (uint32_t i = 0; i < c->nent; i++) {
		uint32_t fn = c->entries[i].function;
		if ((fn >= 0x40000000u && fn < 0x50000000u) || fn == 0xd)
			continue;
		c->entries[out++] = c->entries[i];
	}
	c->nent = out;

	e = find_leaf(c, 1, 0);
	if (e) {
		e->ebx = (e->ebx & 0x00ffffffu) | (apic_id << 24);
		e->ecx &= ~(CPUID1_ECX_CX16 | CPUID1_ECX_XSAVE |
			    CPUID1_ECX_OSXSAVE | CPUID1_ECX_AVX |
			    CPUID1_ECX_FMA | CPUID1_ECX_F16C |
			    CPUID1_ECX_X2APIC);
		e->ecx |= CPUID1_ECX_TSC_DEADLINE;
		if (x2apic)
			e->ecx |= CPUID1_ECX_X2APIC;
		e->edx |= CPUID1_EDX_APIC;
	}
	e = find_leaf(c, 7, 0);
	if (e)
		e->ebx &= ~(CPUID7_EBX_AVX2 | CPUID7_EBX_AVX512_MASK);
	for (uint32_t i = 0; i < c->nent; i++) {
		e = &c->entries[i];
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = apic_id;
	}
	if (x2apic)
		add_kvm_signature(c);

	/* TSC and APIC timer frequencies: TSC = crystal * EBX / EAX. */
	if (vm->tsc_khz) {
		e = find_leaf(c, 0, 0);
		if (e && e->eax < 0x16)
			e->eax = 0x16;
		e = add_leaf(c, 0x15);
		if (e) {
			tsc_crystal_ratio(vm->tsc_khz, &e->ebx, &e->eax);
			e->ecx = APIC_BUS_HZ;
			e->edx = 0;
		}
		e = add_leaf(c, 0x16);
		if (e) {
			e->eax = (uint32_t)(vm->tsc_khz / 1000);
			e->ebx = e->eax;
			e->ecx = APIC_BUS_HZ / 1000000u;
			e->edx = 0;
		}
	}
	if (ioctl(vcpu_fd, KVM_SET_CPUID2, c) < 0)
		ret = -errno;
out:
	free(c);
	return ret;
}

static void flat_segment(struct kvm_segment *s, uint16_t sel, uint8_t type,
			 bool code64)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .db = code64 ? 0 : 1, .s = 1,
		.l = code64 ? 1 : 0, .g = 1,
	};
}

static int set_entry_regs(int fd, uint64_t entry, uint64_t boot_info,
			  uint64_t rsp)
{
	struct kvm_regs regs = {
		.rip = entry,
		.rax = 0x2badb002,
		.rbx = boot_info,
		.rflags = 0x2,
		.rsp = rsp,
	};

	return ioctl(fd, KVM_SET_REGS, &regs) < 0 ? -errno : 0;
}

/* Flat segments from the boot GDT; paging and long mode when @long_mode. */
static int enter_flat(int fd, uint64_t entry, uint64_t boot_info,
		      bool long_mode)
{
	struct kvm_sregs s;

	if (ioctl(fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	flat_segment(&s.cs, long_mode ? BOOT_CS64 : BOOT_CS32, 11, long_mode);
	flat_segment(&s.ds, BOOT_DS, 3, false);
	s.es = s.fs = s.gs = s.ss = s.ds;
	s.gdt.base = BOOT_GDT_GPA;
	s.gdt.limit = 4 * 8 - 1;
	s.cr0 = long_mode ? 0x80050033 : 0x11; /* PG WP NE ET MP PE : ET PE */
	s.cr3 = long_mode ? BOOT_PML4_GPA : 0;
	s.cr4 = long_mode ? 0x620 : 0;         /* OSXMMEXCPT OSFXSR PAE */
	s.efer = long_mode ? 0xd00 : 0;        /* NXE LMA LME */
	if (ioctl(fd, KVM_SET_SREGS, &s) < 0)
		return -errno;
	/*
	 * 64-bit entry: a scratch stack, so an early push or exception cannot
	 * fault; multiboot promises no stack, and gets none.
	 */
	return set_entry_regs(fd, entry, boot_info,
			      long_mode ? BOOT_STACK_TOP : 0);
}

int kvm_cpu__enter_64bit(int fd, uint64_t entry, uint64_t boot_info)
{
	return enter_flat(fd, entry, boot_info, true);
}

int kvm_cpu__enter_multiboot(int fd, uint64_t entry, uint64_t boot_info)
{
	return enter_flat(fd, entry, boot_info, false);
}

int kvm_cpu__set_linux_regs(int fd, uint64_t zero_page)
{
	struct kvm_regs regs;

	if (ioctl(fd, KVM_GET_REGS, &regs) < 0)
		return -errno;
	regs.rsi = zero_page;
	regs.rax = regs.rbx = 0;
	return ioctl(fd, KVM_SET_REGS, &regs) < 0 ? -errno : 0;
}

static void real_segment(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	*s = (struct kvm_segment){
		.base = (uint64_t)sel << 4, .limit = 0xffff, .selector = sel,
		.type = type, .present = 1, .s = 1,
	};
}

int kvm_cpu__enter_sipi(int fd, uint8_t vector)
{
	struct kvm_sregs s;
	struct kvm_regs regs = { .rflags = 0x2, .rip = 0 };

	if (ioctl(fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	real_segment(&s.cs, (uint16_t)(vector << 8), 11);
	real_segment(&s.ds, 0, 3);
	s.es = s.fs = s.gs = s.ss = s.ds;
	s.cr0 = 0x10; /* ET: real mode, caches on */
	s.cr3 = s.cr4 = 0;
	s.efer = 0;
	if (ioctl(fd, KVM_SET_SREGS, &s) < 0)
		return -errno;
	return ioctl(fd, KVM_SET_REGS, &regs) < 0 ? -errno : 0;
}

int kvm_cpu__reset(int fd)
{
	struct kvm_vcpu_events ev;

	/* Whatever was queued before INIT is gone after it. */
	if (ioctl(fd, KVM_GET_VCPU_EVENTS, &ev) == 0) {
		ev.interrupt.injected = 0;
		ev.nmi.injected = 0;
		ev.nmi.pending = 0;
		ev.exception.injected = 0;
		ev.flags = 0;
		(void)ioctl(fd, KVM_SET_VCPU_EVENTS, &ev);
	}
	return kvm_cpu__enter_sipi(fd, 0xf0); /* parked; SIPI sets the real start */
}

uint64_t kvm_cpu__get_rip(int fd)
{
	struct kvm_regs regs;

	if (ioctl(fd, KVM_GET_REGS, &regs) < 0)
		return 0;
	return regs.rip;
}
