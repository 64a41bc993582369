// SPDX-License-Identifier: MIT
/*
 * kvm_cpu.c - a vCPU's CPUID (shaped in kvm_cpuid.c) and its register
 * state for each entry path.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm_cpu.h"
#include "kvm_cpuid.h"
#include "layout.h"

#define MAX_CPUID_ENTRIES 256

int kvm_cpu__setup_cpuid(struct vm *vm, int vcpu_fd, unsigned apic_id,
			 bool x2apic, unsigned *phys_addr_bits)
{
	const struct kvm_cpuid_shape shape = {
		.apic_id = apic_id,
		.nr_cpus = vm->nr_cpus,
		.x2apic = x2apic,
		.kvmclock = !vm->cfg.no_kvmclock,
		.tsc_leaf = !vm->cfg.no_tsc_leaf,
		.pv_eoi = !vm->cfg.no_pv_eoi,
		.tsc_khz = vm->tsc_khz,
	};
	const size_t size = sizeof(struct kvm_cpuid2) +
			    MAX_CPUID_ENTRIES * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *c;
	int ret;

	/* KVM_GET_SUPPORTED_CPUID costs ~0.45 ms here, more than creating
	 * the vCPU: asked once per VM, each vCPU shapes its own copy (1024
	 * vCPUs: 0.46 s less set-up). */
	if (!vm->supported_cpuid) {
		c = calloc(1, size);
		if (!c)
			return -ENOMEM;
		c->nent = MAX_CPUID_ENTRIES;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
			ret = -errno;
			free(c);
			return ret;
		}
		vm->supported_cpuid = c;
	}
	c = malloc(size);
	if (!c)
		return -ENOMEM;
	memcpy(c, vm->supported_cpuid, size);
	ret = kvm_cpuid__shape(c, MAX_CPUID_ENTRIES, &shape);
	if (!ret && ioctl(vcpu_fd, KVM_SET_CPUID2, c) < 0)
		ret = -errno;
	*phys_addr_bits = kvm_cpuid__phys_addr_bits(c);
	free(c);
	return ret;
}

int kvm_cpu__set_apic_base(int vcpu_fd, uint64_t value)
{
	struct {
		struct kvm_msrs head;
		struct kvm_msr_entry entry;
	} msrs = {
		.head.nmsrs = 1,
		.entry = { .index = 0x1b, .data = value }, /* IA32_APIC_BASE */
	};
	int n = ioctl(vcpu_fd, KVM_SET_MSRS, &msrs);

	if (n < 0)
		return -errno;
	return n == 1 ? 0 : -EINVAL;
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
