// SPDX-License-Identifier: MIT
/*
 * kvm_ppc.c - KVM on POWER with the XIVE model in userspace.
 *
 * No in-kernel XIVE device is created, so KVM leaves the H_INT_* hcalls to
 * us (KVM_EXIT_PAPR_HCALL: nr, args = R4..R12 in, ret = R3 and args back
 * into R4.. out), and the ESB and TIMA pages are unbacked, so their loads
 * and stores come as MMIO exits. The model's external interrupt line drives
 * KVM_INTERRUPT with KVM_INTERRUPT_SET_LEVEL / KVM_INTERRUPT_UNSET, an
 * asynchronous vCPU ioctl on POWER, callable from any thread. Trigger
 * stores to IPI sources go through the IPI domain (xive_ipi.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kvm_ppc.h"
#include "vcpu_loop.h"
#include "mono_clock.h"
#include "xive_ipi.h"
#include "xive_virt.h"

#define H_FUNCTION (-2)

/* The thread, its mode, kick and KVM_RUN are vcpu_loop.c's, as on x86;
 * this backend supplies the POWER exits. */
struct kvm_ppc_vcpu {
	struct kvm_ppc_vm *vm;
	unsigned id;
	struct vcpu_loop loop; /* fd, kvm_run, mode, kick */
	bool started;
};

struct kvm_ppc_vm {
	struct kvm_ppc_config cfg;
	int kvm_fd, vm_fd;
	size_t run_size;
	uint8_t *ram;
	struct xive *xive;
	struct xive_info info;
	struct virq_table *virqs;
	struct xive_ipi_router *router;
	struct kvm_ppc_vcpu *vcpus;
	_Atomic bool stopping;
	_Atomic int error;
};

static int fail(char *err, size_t errlen, int code, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, strerror(code));
	return -code;
}

/* ---- XIVE model callbacks --------------------------------------------- */

static int ops_read_mem(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	struct kvm_ppc_vm *vm = opaque;

	if (gpa > vm->cfg.ram_size || len > vm->cfg.ram_size - gpa)
		return -EFAULT;
	memcpy(buf, vm->ram + gpa, len);
	return 0;
}

static int ops_write_mem(void *opaque, uint64_t gpa, const void *buf,
			 size_t len)
{
	struct kvm_ppc_vm *vm = opaque;

	if (gpa > vm->cfg.ram_size || len > vm->cfg.ram_size - gpa)
		return -EFAULT;
	memcpy(vm->ram + gpa, buf, len);
	return 0;
}

/* The line is a level: KVM keeps it asserted until we unset it. */
static void ops_set_irq_line(void *opaque, unsigned cpu, bool level)
{
	struct kvm_ppc_vm *vm = opaque;
	struct kvm_interrupt irq = {
		.irq = level ? KVM_INTERRUPT_SET_LEVEL : KVM_INTERRUPT_UNSET,
	};

	if (cpu < vm->cfg.nr_cpus)
		(void)ioctl(vm->vcpus[cpu].loop.fd, KVM_INTERRUPT, &irq);
}

/* KVM_INTERRUPT already kicks a running vCPU; nothing else to wake. */
static void ops_kick(void *opaque, unsigned cpu)
{
	(void)opaque;
	(void)cpu;
}

static uint64_t ops_now_ns(void *opaque)
{
	(void)opaque;
	return mono_clock_ns();
}

/* ---- exits -------------------------------------------------------------- */

static void handle_hcall(struct kvm_ppc_vcpu *v)
{
	struct kvm_run *run = v->loop.run;
	uint64_t rets[4] = { 0 };

	if (!xive_is_hcall(run->papr_hcall.nr)) {
		run->papr_hcall.ret = (uint64_t)(int64_t)H_FUNCTION;
		return;
	}
	run->papr_hcall.ret = (uint64_t)xive_hcall(v->vm->xive, v->id,
						   run->papr_hcall.nr,
						   run->papr_hcall.args, rets);
	/* KVM writes args[] back into R4.. on the way in. */
	memcpy(run->papr_hcall.args, rets, sizeof(rets));
}

static void handle_mmio(struct kvm_ppc_vcpu *v)
{
	struct kvm_run *run = v->loop.run;
	struct kvm_ppc_vm *vm = v->vm;
	uint64_t off, addr = run->mmio.phys_addr;
	unsigned len = run->mmio.len;

	if (len == 0 || len > sizeof(run->mmio.data))
		return;
	if (xive_esb_claims(vm->xive, addr, &off)) {
		uint32_t lisn;

		if (xive_esb_trigger_page(&vm->info, off, &lisn) &&
		    run->mmio.is_write)
			(void)xive_ipi_guest_trigger(vm->router, lisn);
		else
			(void)xive_esb_access(vm->xive, off, run->mmio.data,
					      len, run->mmio.is_write);
	} else if (xive_tima_claims(vm->xive, addr, &off)) {
		(void)xive_tima_access(vm->xive, v->id, off, run->mmio.data,
				       len, run->mmio.is_write);
	} else if (!run->mmio.is_write) {
		memset(run->mmio.data, 0xff, len);
	}
}

static void *vcpu_thread(void *arg)
{
	struct kvm_ppc_vcpu *v = arg;
	struct kvm_ppc_vm *vm = v->vm;
	int err;

	vcpu_loop__unblock_kick();
	while (!atomic_load(&vm->stopping)) {
		vcpu_loop__enter(&v->loop);
		if (atomic_load(&vm->stopping)) {
			vcpu_loop__leave(&v->loop);
			break;
		}
		err = vcpu_loop__run(&v->loop);
		if (err == EINTR || err == EAGAIN)
			continue;
		if (err) {
			atomic_store(&vm->error, -err);
			break;
		}
		switch (v->loop.run->exit_reason) {
		case KVM_EXIT_PAPR_HCALL:
			handle_hcall(v);
			break;
		case KVM_EXIT_MMIO:
			handle_mmio(v);
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_SHUTDOWN:
		case KVM_EXIT_SYSTEM_EVENT:
			atomic_store(&vm->stopping, true);
			break;
		default:
			fprintf(stderr, "ipivirt-ppc: vCPU %u: exit reason %u\n",
				v->id, v->loop.run->exit_reason);
			atomic_store(&vm->error, -EIO);
			atomic_store(&vm->stopping, true);
			break;
		}
	}
	kvm_ppc__stop(vm);
	return NULL;
}

/* ---- lifecycle ------------------------------------------------------------ */

static int create_vcpu(struct kvm_ppc_vm *vm, unsigned id, char *err,
		       size_t errlen)
{
	struct kvm_ppc_vcpu *v = &vm->vcpus[id];
	struct kvm_enable_cap papr = { .cap = KVM_CAP_PPC_PAPR };
	struct kvm_regs regs;

	v->vm = vm;
	v->id = id;
	v->loop.fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (v->loop.fd < 0)
		return fail(err, errlen, errno, "KVM_CREATE_VCPU");
	v->loop.run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->loop.fd, 0);
	if (v->loop.run == MAP_FAILED) {
		v->loop.run = NULL;
		return fail(err, errlen, errno, "mmap kvm_run");
	}
	/* PR KVM needs PAPR mode switched on; HV KVM is always pseries. */
	(void)ioctl(v->loop.fd, KVM_ENABLE_CAP, &papr);
	if (ioctl(v->loop.fd, KVM_GET_REGS, &regs) < 0)
		return fail(err, errlen, errno, "KVM_GET_REGS");
	regs.pc = vm->cfg.entry;
	regs.gpr[3] = vm->cfg.fdt_gpa;
	if (ioctl(v->loop.fd, KVM_SET_REGS, &regs) < 0)
		return fail(err, errlen, errno, "KVM_SET_REGS");
	return 0;
}

int kvm_ppc__create(const struct kvm_ppc_config *cfg,
		    struct kvm_ppc_vm **out, char *err, size_t errlen)
{
	struct kvm_ppc_vm *vm;
	struct kvm_userspace_memory_region region;
	struct xive_config xcfg;
	struct xive_ops ops;
	int ret;

	if (!cfg || cfg->size < sizeof(*cfg) || !cfg->nr_cpus ||
	    cfg->nr_cpus > IPIVIRT_MAX_CPUS || !cfg->ram_size) {
		snprintf(err, errlen, "bad configuration");
		return -EINVAL;
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return fail(err, errlen, ENOMEM, "kvm_ppc__create");
	*out = vm;
	vm->cfg = *cfg;
	vm->kvm_fd = vm->vm_fd = -1;
	vm->vcpus = calloc(cfg->nr_cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return fail(err, errlen, ENOMEM, "vCPUs");
	for (unsigned i = 0; i < cfg->nr_cpus; i++)
		vm->vcpus[i].loop.fd = -1;

	ret = vcpu_loop__init_signals();
	if (ret)
		return fail(err, errlen, -ret, "kick signal");

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return fail(err, errlen, errno, "/dev/kvm");
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return fail(err, errlen, errno, "KVM_CREATE_VM");
	ret = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ret <= 0)
		return fail(err, errlen, errno, "KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = (size_t)ret;

	vm->ram = mmap(NULL, cfg->ram_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->ram == MAP_FAILED) {
		vm->ram = NULL;
		return fail(err, errlen, errno, "guest RAM");
	}
	region = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = cfg->ram_size,
		.userspace_addr = (uint64_t)(uintptr_t)vm->ram,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail(err, errlen, errno, "KVM_SET_USER_MEMORY_REGION");

	/* Keep the H_INT_* hcalls away from any in-kernel handler. */
	for (unsigned long op = 0x3a8; op <= 0x3d0; op += 4) {
		struct kvm_enable_cap hc = {
			.cap = KVM_CAP_PPC_ENABLE_HCALL, .args = { op, 0 },
		};
		(void)ioctl(vm->vm_fd, KVM_ENABLE_CAP, &hc);
	}

	for (unsigned i = 0; i < cfg->nr_cpus; i++) {
		ret = create_vcpu(vm, i, err, errlen);
		if (ret)
			return ret;
	}

	ops = (struct xive_ops){
		.opaque = vm, .read_mem = ops_read_mem,
		.write_mem = ops_write_mem, .set_irq_line = ops_set_irq_line,
		.kick = ops_kick, .now_ns = ops_now_ns,
	};
	xive_config_init(&xcfg, cfg->nr_cpus, cfg->nr_cpus + 64);
	vm->xive = xive_create(&xcfg, &ops);
	if (!vm->xive)
		return fail(err, errlen, errno, "XIVE model");
	xive_get_info(vm->xive, &vm->info);
	vm->virqs = irq_domain_table_create(64);
	vm->router = vm->virqs ? xive_ipi_router_create(vm->virqs, vm->xive,
							cfg->nr_cpus)
			       : NULL;
	if (!vm->router)
		return fail(err, errlen, ENOMEM, "XIVE IPI domain");
	return 0;
}

uint8_t *kvm_ppc__ram(struct kvm_ppc_vm *vm)
{
	return vm->ram;
}

void kvm_ppc__stop(struct kvm_ppc_vm *vm)
{
	atomic_store(&vm->stopping, true);
	for (unsigned i = 0; i < vm->cfg.nr_cpus; i++) {
		struct kvm_ppc_vcpu *v = &vm->vcpus[i];
		if (v->started && !pthread_equal(v->loop.thread, pthread_self()))
			(void)vcpu_loop__kick(&v->loop);
	}
}

int kvm_ppc__run(struct kvm_ppc_vm *vm)
{
	int ret = 0;

	for (unsigned i = 0; i < vm->cfg.nr_cpus; i++) {
		ret = -pthread_create(&vm->vcpus[i].loop.thread, NULL, vcpu_thread,
				      &vm->vcpus[i]);
		if (ret) {
			kvm_ppc__stop(vm);
			break;
		}
		vm->vcpus[i].started = true;
	}
	for (unsigned i = 0; i < vm->cfg.nr_cpus; i++)
		if (vm->vcpus[i].started)
			pthread_join(vm->vcpus[i].loop.thread, NULL);
	return ret ? ret : atomic_load(&vm->error);
}

void kvm_ppc__destroy(struct kvm_ppc_vm *vm)
{
	if (!vm)
		return;
	xive_ipi_router_destroy(vm->router);
	irq_domain_table_destroy(vm->virqs);
	xive_destroy(vm->xive);
	for (unsigned i = 0; vm->vcpus && i < vm->cfg.nr_cpus; i++) {
		if (vm->vcpus[i].loop.run)
			munmap(vm->vcpus[i].loop.run, vm->run_size);
		if (vm->vcpus[i].loop.fd >= 0)
			close(vm->vcpus[i].loop.fd);
	}
	free(vm->vcpus);
	if (vm->ram)
		munmap(vm->ram, vm->cfg.ram_size);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	free(vm);
}
