// SPDX-License-Identifier: MIT
/*
 * kvm_vm.c - VM creation. No in-kernel irqchip: the local APIC is ours, so
 * its page stays unmapped (MMIO exits) and its MSRs are filtered to
 * userspace (KVM_CAP_X86_USER_SPACE_MSR + KVM_X86_SET_MSR_FILTER).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "apic_virt.h"
#include "errmsg.h"
#include "kvm_vm.h"

#define TSS_GPA 0xfffbd000ull

/* A failed KVM call: the message, and its errno (-EINVAL when none). */
#define fail(err, errlen, ...) \
	errmsg_fail(err, errlen, errno ? -errno : -EINVAL, __VA_ARGS__)

static int need_cap(struct vm *vm, int cap, const char *name, char *err,
		    size_t errlen)
{
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, cap) <= 0) {
		errno = ENOTSUP;
		return fail(err, errlen, "KVM lacks %s", name);
	}
	return 0;
}

/**
 * check_vcpu_limits() - refuse a --cpus this KVM or ipivirt cannot run.
 * @vm:     the VM being built (kvm_fd open, cfg.nr_cpus set).
 * @err:    out: the message, naming the limit that was hit.
 * @errlen: its size.
 *
 * KVM_CAP_MAX_VCPUS bounds the vCPU count; KVM_CAP_MAX_VCPU_ID bounds the
 * ids given to KVM_CREATE_VCPU, which are our APIC IDs 0..nr_cpus-1. Where
 * one is missing, KVM's API documentation says to assume the next:
 * MAX_VCPU_ID = MAX_VCPUS = NR_VCPUS. KVM_CAP_NR_VCPUS alone is only a
 * recommendation (the host's CPU count: 2 here), so more vCPUs than that
 * run, overcommitted. Checked before any vCPU exists, so the user learns
 * the limit instead of a KVM_CREATE_VCPU failure at vCPU 1025.
 *
 * Return: 0, or -EINVAL (a usage error: exit status 2) with @err set.
 */
static int check_vcpu_limits(struct vm *vm, char *err, size_t errlen)
{
	unsigned n = vm->cfg.nr_cpus;
	int max_vcpus = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION,
			      KVM_CAP_MAX_VCPUS);
	int max_id = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION,
			   KVM_CAP_MAX_VCPU_ID);

	/* KVM's documented fallback when the capability is absent. */
	if (max_vcpus <= 0)
		max_vcpus = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION,
				  KVM_CAP_NR_VCPUS);
	if (max_id <= 0)
		max_id = max_vcpus;
	errno = EINVAL;
	if (max_vcpus > 0 && n > (unsigned)max_vcpus)
		return fail(err, errlen, "--cpus %u: this host's KVM runs at "
			    "most %d vCPUs per VM (KVM_CAP_MAX_VCPUS)", n,
			    max_vcpus);
	if (max_id > 0 && n > (unsigned)max_id)
		return fail(err, errlen, "--cpus %u: this host's KVM takes "
			    "vCPU (APIC) IDs below %d only "
			    "(KVM_CAP_MAX_VCPU_ID)", n, max_id);
	if (n > IPIVIRT_MAX_CPUS)
		return fail(err, errlen, "--cpus %u: ipivirt runs at most %u "
			    "vCPUs (IPIVIRT_MAX_CPUS)", n, IPIVIRT_MAX_CPUS);
	errno = 0;
	return 0;
}

int kvm_vm__open(struct vm *vm, char *err, size_t errlen)
{
	int ret;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return fail(err, errlen, "cannot open /dev/kvm: %s",
			    strerror(errno));
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		errno = ENOTSUP;
		return fail(err, errlen, "unexpected KVM API version");
	}
	if ((ret = need_cap(vm, KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT",
			    err, errlen)) ||
	    (ret = need_cap(vm, KVM_CAP_X86_USER_SPACE_MSR,
			    "KVM_CAP_X86_USER_SPACE_MSR", err, errlen)) ||
	    (ret = need_cap(vm, KVM_CAP_X86_MSR_FILTER,
			    "KVM_CAP_X86_MSR_FILTER", err, errlen)))
		return ret;
	if ((ret = check_vcpu_limits(vm, err, errlen)))
		return ret;
	ret = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ret <= 0)
		return fail(err, errlen, "KVM_GET_VCPU_MMAP_SIZE failed");
	vm->vcpu_mmap_size = (size_t)ret;

	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return fail(err, errlen, "KVM_CREATE_VM: %s", strerror(errno));
	ret = ioctl(vm->vm_fd, KVM_GET_TSC_KHZ, 0);
	vm->tsc_khz = ret > 0 ? (uint64_t)ret : 0; /* else ask a vCPU */
	/* Intel needs these for real mode; other backends may refuse them. */
	(void)ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)TSS_GPA);
	{
		uint64_t ident = TSS_GPA + 0x3000;
		(void)ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident);
	}
	return 0;
}

int kvm_vm__setup_memory(struct vm *vm, char *err, size_t errlen)
{
	struct kvm_userspace_memory_region region;

	vm->ram_size = vm->cfg.mem_size;
	vm->ram = mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->ram == MAP_FAILED) {
		vm->ram = NULL;
		return fail(err, errlen, "cannot allocate %llu MiB of guest "
			    "memory", (unsigned long long)(vm->ram_size >> 20));
	}
	madvise(vm->ram, vm->ram_size, MADV_MERGEABLE);
	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = vm->ram_size,
		.userspace_addr = (uint64_t)(uintptr_t)vm->ram,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail(err, errlen, "KVM_SET_USER_MEMORY_REGION: %s",
			    strerror(errno));
	return 0;
}

int kvm_vm__setup_msr_filter(struct vm *vm, char *err, size_t errlen)
{
	/* A zero bit denies the access, which with the user-space MSR
	 * capability turns into an exit to us. KVM copies the bitmaps. */
	uint8_t deny_x2apic[(MSR_X2APIC_LAST - MSR_X2APIC_FIRST + 1) / 8] = { 0 };
	uint8_t deny_one[1] = { 0 };
	struct kvm_msr_filter filter = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges = {
			{ .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			  .nmsrs = MSR_X2APIC_LAST - MSR_X2APIC_FIRST + 1,
			  .base = MSR_X2APIC_FIRST, .bitmap = deny_x2apic },
			{ .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			  .nmsrs = 1, .base = MSR_IA32_APIC_BASE,
			  .bitmap = deny_one },
			{ .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			  .nmsrs = 1, .base = MSR_IA32_TSC_DEADLINE,
			  .bitmap = deny_one },
			/* KVM would run PV EOI on its own (absent) APIC. */
			{ .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			  .nmsrs = 1, .base = MSR_KVM_PV_EOI_EN,
			  .bitmap = deny_one },
		},
	};
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		/* KVM never filters 0x800-0x8ff; with no in-kernel APIC it
		 * finds them invalid, so INVAL is what brings them to us. */
		.args = { KVM_MSR_EXIT_REASON_FILTER | KVM_MSR_EXIT_REASON_INVAL |
			  KVM_MSR_EXIT_REASON_UNKNOWN },
	};

	if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0)
		return fail(err, errlen, "enabling user-space MSR exits: %s",
			    strerror(errno));
	if (ioctl(vm->vm_fd, KVM_X86_SET_MSR_FILTER, &filter) < 0)
		return fail(err, errlen, "KVM_X86_SET_MSR_FILTER: %s",
			    strerror(errno));
	return 0;
}

void kvm_vm__close(struct vm *vm)
{
	free(vm->supported_cpuid);
	vm->supported_cpuid = NULL;
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
	vm->ram = NULL;
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->vm_fd = vm->kvm_fd = -1;
}
