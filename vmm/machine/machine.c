// SPDX-License-Identifier: MIT
/*
 * machine.c - build a VM from its configuration, run it, take it apart.
 * Order matters: KVM and memory first, then the interrupt models (so vCPUs
 * can attach their APICs), the devices, the kernel and its boot data.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "event_loop.h"
#include "i8259.h"
#include "ioapic.h"
#include "ioapic_router.h"
#include "isa_irq.h"
#include "layout.h"
#include "mono_clock.h"
#include "pit.h"
#include "pm_timer.h"
#include "boot/boot_info.h"
#include "boot/guest_boot.h"
#include "boot/loader.h"
#include "debug/fault_inject.h"
#include "debug/flight_recorder.h"
#include "hw/fw_cfg.h"
#include "hw/pc_testdev.h"
#include "hw/power.h"
#include "hw/uart.h"
#include "irqchip/x86_xive.h"
#include "kvm/kvm_compat.h"
#include "kvm/kvm_cpu.h"
#include "kvm/kvm_vcpu.h"
#include "kvm/kvm_vm.h"

/* The 8259's INTR is wired to every CPU's LINT0 (each LVT decides). */
static void pic_set_intr(void *opaque, bool level)
{
	struct vm *vm = opaque;

	for (unsigned i = 0; i < vm->nr_cpus; i++)
		apic_set_lint(vm->cpus[i].apic, 0, level);
}

/* The PIT's OUT 0 is ISA IRQ 0. */
static void pit_raise_irq(void *opaque, bool level)
{
	vm__set_isa_irq(opaque, 0, level);
}

/* Arm the event loop's PIT timer for the next IRQ 0 edge (0: disarm). */
static void pit_timer_arm(void *opaque, uint64_t deadline_ns)
{
	struct vm *vm = opaque;

	vm__timerfd_arm(vm->pit_timer_fd, deadline_ns);
}

/*
 * --halt-poll auto: poll (adaptively) only when every vCPU can have a host
 * CPU of its own. Overcommitted, a polling vCPU burns the CPU another vCPU
 * needs: on 2 host cores, 4 vCPUs' all-to-all calls were 1.26x slower
 * with polling, 2 vCPUs' halted wakes 1.7x faster (docs/bench.md).
 */
static void vm_resolve_halt_poll(struct vm_config *cfg)
{
	cpu_set_t set;
	int host_cpus = 1;

	if (!cfg->halt_poll_auto)
		return;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		host_cpus = CPU_COUNT(&set);
	cfg->halt_poll_adaptive = cfg->nr_cpus <= (unsigned)host_cpus;
}

/* The guest powered off, reset or wrote the debug-exit port. */
static void machine_power_request(void *opaque, enum power_request req,
				  int code)
{
	static const enum vm_exit_kind kinds[] = {
		[POWER_DEBUG_EXIT] = VM_EXIT_DEBUG_PORT,
		[POWER_OFF] = VM_EXIT_POWEROFF,
		[POWER_RESET] = VM_EXIT_RESET,
	};

	vm__request_exit(opaque, kinds[req], code);
}

/* Put the kernel, the initrd and the boot data in guest memory. */
static int load_guest(struct vm *vm, const struct guest_images *img,
		      char *err, size_t errlen)
{
	const struct guest_boot_request req = {
		.kernel_path = vm->cfg.kernel_path,
		.append = vm->cfg.append,
		.linux_extra = kvm_compat__linux_cmdline(vm),
		.nr_cpus = vm->nr_cpus,
	};
	struct guest_boot_entry e;
	int ret = guest_boot__load(img, vm->ram, vm->ram_size, &req, &e, err,
				   errlen);

	if (ret)
		return ret;
	vm->entry = e.rip;
	vm->entry_64bit = e.long_mode;
	vm->entry_linux = e.linux64;
	vm->boot_info_gpa = e.boot_info;
	if (e.linux64)
		kvm_compat__log_linux(vm);
	return 0;
}

static int setup_devices(struct vm *vm, char *err, size_t errlen)
{
	const struct pit_ops pit_ops = {
		.now_ns = vm__clock_ns,
		.raise_irq = pit_raise_irq,
		.timer_arm = pit_timer_arm,
		.opaque = vm,
	};
	const struct pm_timer_ops pm_timer_ops = { .now_ns = vm__clock_ns };
	const struct isa_irq isa = { .set = vm__set_isa_irq, .opaque = vm };
	const struct i8259_ops pic_ops = { .set_intr = pic_set_intr,
					   .opaque = vm };
	int ret;

	bus_init(&vm->pio_bus, "pio");
	bus_init(&vm->mmio_bus, "mmio");
	vm->pit_timer_fd = timerfd_create(CLOCK_MONOTONIC,
					  TFD_CLOEXEC | TFD_NONBLOCK);
	if (vm->pit_timer_fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "timerfd_create: %s", strerror(-ret));
		return ret;
	}
	vm->uart = uart__create(STDOUT_FILENO, &isa, UART_COM1_IRQ);
	vm->fw_cfg = fw_cfg__create(vm->ram_size, (uint16_t)vm->nr_cpus);
	vm->pit = pit_create(&pit_ops);
	vm->pm_timer = pm_timer_create(&pm_timer_ops);
	vm->testdev = pc_testdev__create(&isa);
	vm->pic = i8259_create(&pic_ops);
	if (!vm->uart || !vm->fw_cfg || !vm->pit || !vm->pm_timer ||
	    !vm->testdev || !vm->pic) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = uart__register(vm->uart, &vm->pio_bus, UART_COM1_BASE);
	if (!ret)
		ret = fw_cfg__register(vm->fw_cfg, &vm->pio_bus);
	if (!ret)
		ret = power__register(&vm->power, &vm->pio_bus,
				      machine_power_request, vm);
	if (!ret)
		ret = pm_timer_register(vm->pm_timer, &vm->pio_bus,
					ACPI_PM_TMR);
	if (!ret)
		ret = pit_register(vm->pit, &vm->pio_bus);
	if (!ret)
		ret = pc_testdev__register(vm->testdev, &vm->pio_bus);
	if (!ret)
		ret = i8259_register(vm->pic, &vm->pio_bus);
	if (!ret)
		ret = ioapic_register(vm->ioapic, &vm->mmio_bus,
				      IOAPIC_DEFAULT_BASE);
	if (ret)
		snprintf(err, errlen, "device registration failed: %s",
			 strerror(-ret));
	else
		pit_poll(vm->pit); /* arms the first IRQ 0 edge */
	return ret;
}

static int setup_interrupts(struct vm *vm, char *err, size_t errlen)
{
	struct ioapic_ops io_ops = { .deliver = ioapic_router_deliver };

	vm->virqs = irq_domain_table_create(4096);
	vm->apic_bus = apic_bus_create(vm->nr_cpus);
	if (!vm->virqs || !vm->apic_bus) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	vm->apic_router = apic_ipi_router_create(vm->virqs, vm->apic_bus);
	if (!vm->apic_router) {
		snprintf(err, errlen, "cannot create the APIC IPI domain");
		return -ENOMEM;
	}
	vm->ioapic_router = ioapic_router_create(vm->apic_router, vm->virqs,
						 vm->apic_bus);
	io_ops.opaque = vm->ioapic_router;
	vm->ioapic = vm->ioapic_router ? ioapic_create(&io_ops) : NULL;
	if (!vm->ioapic) {
		snprintf(err, errlen, "cannot create the I/O APIC");
		return -ENOMEM;
	}
	return 0;
}

/*
 * An xAPIC names a CPU by an 8-bit ID, and 0xff is everyone: more than 255
 * vCPUs exist only in x2APIC mode (SDM 11.12; ACPI 6.5 5.2.12.12 lists
 * APIC IDs from 255 up in x2APIC entries only).
 */
static int check_apic_mode(const struct vm_config *cfg, char *err,
			   size_t errlen)
{
	if (cfg->apic_mode == VM_APIC_XAPIC &&
	    cfg->nr_cpus > IPIVIRT_XAPIC_MAX_CPUS) {
		snprintf(err, errlen, "--cpus %u with --xapic: xAPIC IDs stop "
			 "at 254, so at most %u vCPUs; more need x2APIC (drop "
			 "--xapic)", cfg->nr_cpus, IPIVIRT_XAPIC_MAX_CPUS);
		return -EINVAL;
	}
	return 0;
}

/* Each vCPU holds a KVM vCPU fd and an APIC timerfd; the rest (stdio,
 * /dev/kvm, the VM, io_uring, signalfd, eventfd, the PIT timer, --trace)
 * fits in the base with room to spare. */
#define VM_FDS_PER_VCPU 2u
#define VM_FDS_BASE 64u

/**
 * reserve_fds() - make room for the VM's file descriptors.
 * @nr_cpus: the vCPUs to be created.
 * @err:     out: why not.
 * @errlen:  its size.
 *
 * 1024 vCPUs need ~2,100 descriptors, above the soft RLIMIT_NOFILE many
 * systems start processes with (1024), though rarely above the hard one: as
 * systemd advises for programs that need many, raise the soft limit to the
 * hard one, and only when the VM needs it. Nothing here calls select(),
 * so descriptors past FD_SETSIZE are fine.
 *
 * Return: 0, or -EMFILE / -errno with @err set.
 */
static int reserve_fds(unsigned nr_cpus, char *err, size_t errlen)
{
	rlim_t need = VM_FDS_BASE + (rlim_t)VM_FDS_PER_VCPU * nr_cpus;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		snprintf(err, errlen, "--cpus %u needs about %llu file "
			 "descriptors (%u per vCPU), but RLIMIT_NOFILE allows "
			 "%llu (hard limit): raise it (ulimit -Hn) or run fewer "
			 "vCPUs", nr_cpus, (unsigned long long)need,
			 VM_FDS_PER_VCPU, (unsigned long long)rl.rlim_max);
		return -EMFILE;
	}
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		int ret = -errno;

		snprintf(err, errlen, "--cpus %u needs about %llu file "
			 "descriptors: cannot raise RLIMIT_NOFILE to %llu: %s",
			 nr_cpus, (unsigned long long)need,
			 (unsigned long long)rl.rlim_max, strerror(-ret));
		return ret;
	}
	return 0;
}

/**
 * firmware_x2apic() - hand @v over in x2APIC mode, as firmware does when
 * some APIC ID is above 254.
 * @v: a vCPU just created (its thread not started).
 *
 * UEFI's MpInitLib and SeaBIOS switch every CPU to x2APIC mode then. Left in
 * xAPIC mode, vCPU 300 would answer to its 8-bit xAPIC ID 44 (300 & 0xff),
 * the same as vCPU 44's, and an INIT/SIPI sent to x2APIC ID 300 would
 * reach nobody: Linux starts APs that way. INIT keeps the mode (SDM
 * 11.12.5.1), so an AP comes out of INIT/SIPI in x2APIC mode with its
 * 32-bit ID. KVM is told too, as after a guest's own write.
 *
 * Return: 0 or a negative errno.
 */
static int firmware_x2apic(struct vcpu *v)
{
	struct apic *a = v->vm->cpus[v->id].apic;
	int ret = apic_msr_write(a, MSR_IA32_APIC_BASE,
				 apic_base_msr(a) | APIC_BASE_EXTD);

	return ret ? ret : kvm_cpu__set_apic_base(v->loop.fd, apic_base_msr(a));
}

/* The fault injector's view of the VM (debug/fault_inject.h). */
static bool machine_kick_wanted(void *opaque, unsigned cpu)
{
	struct vm *vm = opaque;

	return cpu < vm->nr_cpus && vm->vcpus[cpu] &&
	       vcpu_loop__kick_wanted(&vm->vcpus[cpu]->loop);
}

/* The injector's own late kicks: the backend's, not vm->kick again. */
static void machine_kick(void *opaque, unsigned cpu)
{
	struct vm *vm = opaque;

	vm->backend_kick(vm, cpu);
}

static bool machine_should_stop(void *opaque)
{
	return vm__should_stop(opaque);
}

/* vm->kick under --inject: the event is pending; the kick may come late
 * or be dropped (the injector's watchdog kicks later). */
static void machine_faulty_kick(struct vm *vm, unsigned cpu)
{
	if (!fault_inject__kick(vm->fi, cpu))
		vm->backend_kick(vm, cpu);
}

int machine__add_faults(struct vm *vm, const struct ipivirt_fault_config *cfg)
{
	const struct fault_inject_host host = {
		.opaque = vm,
		.nr_cpus = vm->nr_cpus,
		.start_ns = vm->start_ns,
		.kick_wanted = machine_kick_wanted,
		.kick = machine_kick,
		.should_stop = machine_should_stop,
	};
	int ret = fault_inject__create(&host, cfg, &vm->fi);

	/* Before any vCPU thread runs: the wrapper goes around the kick. */
	if (!ret)
		vm->kick = machine_faulty_kick;
	return ret;
}

/* vm__request_exit()'s hook: everyone who may be asleep looks again. */
static void machine_stop_notify(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_cpus; i++)
		if (vm->vcpus[i])
			kvm_vcpu__kick(vm->vcpus[i]);
	event_loop__notify(vm->loop);
}

int machine__create(struct vm *vm, const struct vm_config *cfg, char *err,
		    size_t errlen)
{
	struct guest_images img;
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->pit_timer_fd = -1;
	for (unsigned i = 0; i < IPIVIRT_MAX_CPUS; i++)
		vm->cpus[i].timer_fd = -1;
	vm->cfg = *cfg;
	vm->stop_notify = machine_stop_notify;
	/* vm->nr_cpus counts vCPU slots: set once kvm_vm__open() has checked
	 * cfg->nr_cpus against the limits, so teardown never walks past
	 * vcpus[IPIVIRT_MAX_CPUS]. */
	vm->start_ns = vm__now_ns();
	kvm_compat__resolve(vm);
	vm_resolve_halt_poll(&vm->cfg);

	memset(&img, 0, sizeof(img));
	ret = check_apic_mode(cfg, err, errlen);
	if (!ret)
		ret = guest_boot__read(&img, cfg->kernel_path,
				       cfg->initrd_path, cfg->mem_size, err,
				       errlen);
	if (ret)
		goto out;
	ret = kvm_vm__open(vm, err, errlen);
	if (!ret) {
		vm->nr_cpus = cfg->nr_cpus;
		ret = kvm_vm__setup_memory(vm, err, errlen);
	}
	if (!ret)
		ret = kvm_vm__setup_msr_filter(vm, err, errlen);
	if (!ret)
		ret = reserve_fds(vm->nr_cpus, err, errlen);
	if (!ret)
		ret = setup_interrupts(vm, err, errlen);
	for (unsigned i = 0; !ret && i < vm->nr_cpus; i++) {
		ret = kvm_vcpu__create(vm, i, &vm->vcpus[i]);
		if (!ret && vm->nr_cpus > IPIVIRT_XAPIC_MAX_CPUS)
			ret = firmware_x2apic(vm->vcpus[i]);
		if (ret)
			snprintf(err, errlen, "cannot create vCPU %u: %s", i,
				 strerror(-ret));
		else
			apic_bus_attach(vm->apic_bus, vm->cpus[i].apic);
	}
	if (!ret)
		ret = setup_devices(vm, err, errlen);
	if (!ret && cfg->irqchip == VM_IRQCHIP_XIVE)
		ret = x86_xive__create(vm, err, errlen);
	if (!ret)
		ret = load_guest(vm, &img, err, errlen);
	if (!ret) {
		vm->loop = event_loop__create(vm, err, errlen);
		if (!vm->loop)
			ret = -ENOMEM;
	}
out:
	guest_boot__free(&img);
	return ret;
}

void machine__destroy(struct vm *vm)
{
	event_loop__destroy(vm->loop);
	vm->loop = NULL;
	for (unsigned i = 0; i < vm->nr_cpus; i++) {
		kvm_vcpu__destroy(vm->vcpus[i]);
		vm->vcpus[i] = NULL;
	}
	flight_recorder__destroy(vm->fr);
	vm->fr = NULL;
	x86_xive__destroy(vm->xive_dev);
	vm->xive_dev = NULL;
	ioapic_destroy(vm->ioapic);
	vm->ioapic = NULL;
	ioapic_router_destroy(vm->ioapic_router);
	vm->ioapic_router = NULL;
	apic_ipi_router_destroy(vm->apic_router);
	apic_bus_destroy(vm->apic_bus);
	irq_domain_table_destroy(vm->virqs);
	uart__destroy(vm->uart);
	fw_cfg__destroy(vm->fw_cfg);
	pit_destroy(vm->pit);
	vm->pit = NULL;
	if (vm->pit_timer_fd >= 0)
		close(vm->pit_timer_fd);
	vm->pit_timer_fd = -1;
	pc_testdev__destroy(vm->testdev);
	vm->testdev = NULL;
	i8259_destroy(vm->pic);
	vm->pic = NULL;
	pm_timer_destroy(vm->pm_timer);
	vm->pm_timer = NULL;
	kvm_vm__close(vm);
}

int machine__run(struct vm *vm, char *err, size_t errlen)
{
	struct vcpu *bsp = vm->vcpus[0];
	unsigned started = 0;
	int ret;

	ret = vm->entry_64bit
		      ? kvm_cpu__enter_64bit(bsp->loop.fd, vm->entry,
					     vm->boot_info_gpa)
		      : kvm_cpu__enter_multiboot(bsp->loop.fd, vm->entry,
						 vm->boot_info_gpa);
	if (!ret && vm->entry_linux)
		ret = kvm_cpu__set_linux_regs(bsp->loop.fd, vm->boot_info_gpa);
	if (ret) {
		snprintf(err, errlen, "cannot set the boot CPU state: %s",
			 strerror(-ret));
		return ret;
	}
	if (vm->cfg.trace_path) {
		vm->fr = flight_recorder__create(vm->cfg.trace_path,
						 vm->cfg.trace_ring_entries, vm->nr_cpus,
						 vm->start_ns);
		if (!vm->fr)
			fprintf(stderr, "ipivirt: --trace: %s\n",
				strerror(errno));
	}
	for (; started < vm->nr_cpus; started++) {
		ret = kvm_vcpu__start(vm->vcpus[started]);
		if (ret) {
			snprintf(err, errlen, "cannot start vCPU %u: %s",
				 started, strerror(-ret));
			vm__request_exit(vm, VM_EXIT_CRASH, 0);
			break;
		}
	}
	if (!ret)
		event_loop__run(vm->loop);
	for (unsigned i = 0; i < started; i++)
		kvm_vcpu__join(vm->vcpus[i]);
	flight_recorder__finish(vm->fr, vm->ram, vm->ram_size);
	uart__flush(vm->uart);
	return ret;
}
