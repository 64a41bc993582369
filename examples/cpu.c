// SPDX-License-Identifier: MIT
/*
 * cpu.c - what the guest is told it has (CPUID) and the register state of
 * each way in: the BSP's entry (docs/boot-protocol.md), an AP's SIPI.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "minivmm.h"

#define MAX_ENTRIES 256
#define ECX_CX16 (1u << 13)
#define ECX_X2APIC (1u << 21)
#define ECX_TSC_DEADLINE (1u << 24)
#define ECX_XSAVE_AVX ((1u << 26) | (1u << 27) | (1u << 28) | (1u << 29) | \
		       (1u << 12)) /* XSAVE OSXSAVE AVX F16C FMA */
#define EDX_APIC (1u << 9)
#define APIC_BUS_HZ 1000000000u

static struct kvm_cpuid_entry2 *leaf(struct kvm_cpuid2 *c, uint32_t fn,
				     bool add)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn && c->entries[i].index == 0)
			return &c->entries[i];
	if (!add || c->nent == MAX_ENTRIES)
		return NULL;
	memset(&c->entries[c->nent], 0, sizeof(c->entries[0]));
	c->entries[c->nent].function = fn;
	return &c->entries[c->nent++];
}

/*
 * KVM's supported CPUID, minus what this host's KVM cannot run (XSAVE
 * family, cmpxchg16b) and its paravirtual leaves; plus the APIC ID, x2APIC
 * when offered, TSC deadline, and the TSC / APIC timer rates in leaf 0x15.
 */
int mini_cpu_setup_cpuid(struct mini *m, int fd, unsigned id)
{
	struct kvm_cpuid2 *c;
	struct kvm_cpuid_entry2 *e;
	uint32_t n = 0;
	int ret = 0;

	c = calloc(1, sizeof(*c) + MAX_ENTRIES * sizeof(c->entries[0]));
	if (!c)
		return -ENOMEM;
	c->nent = MAX_ENTRIES;
	if (ioctl(m->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		ret = -errno;
		goto out;
	}
	for (uint32_t i = 0; i < c->nent; i++) {
		uint32_t fn = c->entries[i].function;
		if ((fn >> 28) != 4 && fn != 0xd)
			c->entries[n++] = c->entries[i];
	}
	c->nent = n;
	if ((e = leaf(c, 1, false))) {
		e->ebx = (e->ebx & 0xffffff) | id << 24;
		e->ecx &= ~(ECX_CX16 | ECX_XSAVE_AVX | ECX_X2APIC);
		e->ecx |= ECX_TSC_DEADLINE | (m->x2apic ? ECX_X2APIC : 0);
		e->edx |= EDX_APIC;
	}
	if ((e = leaf(c, 7, false)))
		e->ebx &= ~((1u << 5) | 0xdc230000u); /* AVX2, AVX-512 */
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0xb ||
		    c->entries[i].function == 0x1f)
			c->entries[i].edx = id;
	if ((e = leaf(c, 0, false)) && e->eax < 0x16)
		e->eax = 0x16;
	if ((e = leaf(c, 0x15, true)))
		*e = (struct kvm_cpuid_entry2){ .function = 0x15,
			.eax = 1000000, .ebx = (uint32_t)m->tsc_khz,
			.ecx = APIC_BUS_HZ };
	if ((e = leaf(c, 0x16, true)))
		*e = (struct kvm_cpuid_entry2){ .function = 0x16,
			.eax = (uint32_t)(m->tsc_khz / 1000),
			.ebx = (uint32_t)(m->tsc_khz / 1000),
			.ecx = APIC_BUS_HZ / 1000000 };
	if (ioctl(fd, KVM_SET_CPUID2, c) < 0)
		ret = -errno;
out:
	free(c);
	return ret;
}

static void flat(struct kvm_segment *s, uint16_t sel, uint8_t type, bool l)
{
	*s = (struct kvm_segment){ .limit = 0xffffffff, .selector = sel,
		.type = type, .present = 1, .s = 1, .g = 1, .l = l, .db = !l };
}

/* The BSP's first instruction: ipivirt_guest_load() said how. */
int mini_cpu_enter(int fd, const struct ipivirt_guest_entry *e)
{
	struct kvm_sregs s;
	struct kvm_regs r = { .rip = e->rip, .rsp = e->rsp, .rflags = 2,
			      .rax = 0x2badb002, .rbx = e->boot_info,
			      .rsi = e->boot_info };

	if (ioctl(fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	flat(&s.cs, e->cs, 11, e->long_mode);
	flat(&s.ds, e->ds, 3, false);
	s.es = s.fs = s.gs = s.ss = s.ds;
	s.gdt.base = e->gdt_base;
	s.gdt.limit = e->gdt_limit;
	if (e->long_mode) {
		s.cr0 = 0x80050033; /* PG WP NE ET MP PE */
		s.cr3 = e->cr3;
		s.cr4 = 0x620;      /* OSXMMEXCPT OSFXSR PAE */
		s.efer = 0xd00;     /* NXE LMA LME */
	} else {
		s.cr0 = 0x11;       /* ET PE */
		s.cr3 = s.cr4 = s.efer = 0;
	}
	if (ioctl(fd, KVM_SET_SREGS, &s) < 0 || ioctl(fd, KVM_SET_REGS, &r) < 0)
		return -errno;
	return 0;
}

static void real(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	*s = (struct kvm_segment){ .base = (uint64_t)sel << 4, .limit = 0xffff,
		.selector = sel, .type = type, .present = 1, .s = 1 };
}

/* An AP after SIPI: real mode at CS = vector << 8, IP = 0. */
int mini_cpu_enter_sipi(int fd, uint8_t vector)
{
	struct kvm_sregs s;
	struct kvm_regs r = { .rflags = 2 };

	if (ioctl(fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	real(&s.cs, (uint16_t)(vector << 8), 11);
	real(&s.ds, 0, 3);
	s.es = s.fs = s.gs = s.ss = s.ds;
	s.cr0 = 0x10;
	s.cr3 = s.cr4 = s.efer = 0;
	if (ioctl(fd, KVM_SET_SREGS, &s) < 0 || ioctl(fd, KVM_SET_REGS, &r) < 0)
		return -errno;
	return 0;
}

/* INIT: whatever KVM had queued for the vCPU is gone. */
void mini_cpu_drop_events(int fd)
{
	struct kvm_vcpu_events ev;

	if (ioctl(fd, KVM_GET_VCPU_EVENTS, &ev) == 0) {
		ev.interrupt.injected = 0;
		ev.nmi.injected = ev.nmi.pending = 0;
		ev.exception.injected = 0;
		ev.flags = 0;
		(void)ioctl(fd, KVM_SET_VCPU_EVENTS, &ev);
	}
}
