// SPDX-License-Identifier: MIT
/*
 * kvm_vcpu.c - the x86 vCPU thread: run the guest, dispatch its exits to
 * the buses and the interrupt controller layer (irqchip/x86_irqchip.c),
 * inject what it presents, sleep in userspace while halted, and come out
 * of KVM_RUN when kicked.
 *
 * The thread's mode, the kick and the halt are vcpu_loop.c's, shared with
 * the POWER backend; this file is x86's exit handling around them.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_compat.h"
#include "kvm_cpu.h"
#include "kvm_vcpu.h"
#include "vcpu_loop.h"
#include "seccomp_filter.h"
#include "debug/fault_inject.h"
#include "debug/flight_recorder.h"
#include "irqchip/x86_irqchip.h"

#define MSR_IA32_TSC 0x10

void kvm_vcpu__kick(struct vcpu *v)
{
	switch (vcpu_loop__kick(&v->loop)) {
	case VCPU_KICK_SIGNAL:
		atomic_fetch_add_explicit(&v->stats.kicks_signal, 1,
					  memory_order_relaxed);
		flight_recorder__stage(v->vm->fr, FR_KICK_SIGNAL, v->id);
		break;
	case VCPU_KICK_WAKE:
		atomic_fetch_add_explicit(&v->stats.kicks_wake, 1,
					  memory_order_relaxed);
		flight_recorder__stage(v->vm->fr, FR_KICK_FUTEX, v->id);
		break;
	case VCPU_KICK_NONE:
		break;
	}
}

/* ---- the backend's part of the interrupt controllers' hosts ------------- */

/* vm->backend_kick: irqchip/ calls it through vm__kick(). */
static void backend_kick(struct vm *vm, unsigned cpu)
{
	if (vm->vcpus[cpu])
		kvm_vcpu__kick(vm->vcpus[cpu]);
}

/* vm->backend_guest_tsc: the TSC-deadline timer's clock. */
static uint64_t backend_guest_tsc(struct vm *vm, unsigned cpu)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = MSR_IA32_TSC };

	if (!vm->vcpus[cpu] ||
	    ioctl(vm->vcpus[cpu]->loop.fd, KVM_GET_MSRS, &m) != 1)
		return 0;
	return m.e.data;
}

/* ---- lifecycle ----------------------------------------------------------- */

int kvm_vcpu__create(struct vm *vm, unsigned id, struct vcpu **out)
{
	struct vcpu *v = calloc(1, sizeof(*v));
	unsigned phys_addr_bits = 0;
	int ret;

	if (!v)
		return -ENOMEM;
	v->vm = vm;
	v->id = id;
	vm->backend_kick = backend_kick;
	if (!vm->kick)
		vm->kick = backend_kick;
	vm->backend_guest_tsc = backend_guest_tsc;
	v->halt_poll_ns = vm->cfg.halt_poll_ns; /* adaptive: grows from 0 */
	v->loop.fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (v->loop.fd < 0) {
		ret = -errno;
		goto out_free;
	}
	v->loop.run = mmap(NULL, vm->vcpu_mmap_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, v->loop.fd, 0);
	if (v->loop.run == MAP_FAILED) {
		ret = -errno;
		goto out_close;
	}
	v->compat = (struct kvm_compat_cpu){
		.vm = vm, .id = id, .loop = &v->loop };
	if (!vm->tsc_khz) {
		ret = ioctl(v->loop.fd, KVM_GET_TSC_KHZ, 0);
		if (ret <= 0) {
			ret = -ENOTSUP;
			goto out_unmap; /* no TSC rate: no timer, no deadline */
		}
		vm->tsc_khz = (uint64_t)ret;
	}
	ret = kvm_cpu__setup_cpuid(vm, v->loop.fd, id,
				   vm->cfg.apic_mode == VM_APIC_X2APIC,
				   &phys_addr_bits);
	if (!ret)
		ret = x86_irqchip__create_cpu(vm, id, phys_addr_bits);
	if (ret)
		goto out_unmap;
	/* An injection costs a vCPU ioctl (a vcpu_load/put: ~10 us on a
	 * software KVM) unless KVM_RUN can carry it in kvm_run. */
	ret = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
	if (ret > 0 && (ret & KVM_SYNC_X86_EVENTS)) {
		v->sync_events = true;
		v->loop.run->kvm_valid_regs = KVM_SYNC_X86_EVENTS;
	}
	/* APs wait for INIT/SIPI like real hardware after reset. */
	v->wait_for_sipi = id != 0;
	*out = v;
	return 0;

out_unmap:
	munmap(v->loop.run, v->vm->vcpu_mmap_size);
out_close:
	close(v->loop.fd);
out_free:
	free(v);
	return ret;
}

void kvm_vcpu__destroy(struct vcpu *v)
{
	if (!v)
		return;
	x86_irqchip__destroy_cpu(v->vm, v->id);
	munmap(v->loop.run, v->vm->vcpu_mmap_size);
	close(v->loop.fd);
	free(v);
}

/* ---- exits ----------------------------------------------------------------- */

static void crash(struct vcpu *v, const char *what)
{
	char report[256];

	snprintf(report, sizeof(report), "vCPU %u: %s at RIP 0x%llx", v->id,
		 what, (unsigned long long)kvm_cpu__get_rip(v->loop.fd));
	if (atomic_load(&v->vm->exit_kind) == VM_EXIT_NONE)
		snprintf(v->vm->crash_report, sizeof(v->vm->crash_report),
			 "%s", report);
	vm__request_exit(v->vm, VM_EXIT_CRASH, 0);
}

static void handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->loop.run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;

	for (uint32_t i = 0; i < run->io.count; i++)
		bus_access(&v->vm->pio_bus, v->id, run->io.port,
			   data + i * run->io.size, run->io.size, out);
}

static void handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->loop.run;
	uint64_t addr = run->mmio.phys_addr;
	unsigned len = run->mmio.len;

	if (len == 0 || len > sizeof(run->mmio.data))
		return;
	if (x86_irqchip__mmio(v->vm, v->id, addr, run->mmio.data, len,
			      run->mmio.is_write))
		return;
	bus_access(&v->vm->mmio_bus, v->id, addr, run->mmio.data, len,
		   run->mmio.is_write);
}

/*
 * The interrupt-window fields of kvm_run describe the guest at its last
 * exit; after INIT or SIPI replaced its registers they are stale (IF may
 * read 1 for a CPU now in real mode with IF 0), and after an MSR access we
 * answer with #GP the exception comes first on the next entry. Forget
 * them: the next injection then waits for a window KVM reports afresh.
 */
static void forget_interrupt_window(struct kvm_run *run)
{
	run->ready_for_interrupt_injection = 0;
	run->if_flag = 0;
	run->request_interrupt_window = 0;
}

static void handle_msr(struct vcpu *v, bool write)
{
	struct kvm_run *run = v->loop.run;
	int err;

	if (write) {
		uint64_t base = 0;

		err = x86_irqchip__msr_write(v->vm, v->id, run->msr.index,
					     run->msr.data, &base);
		if (base) /* KVM keeps its own copy of the base */
			(void)kvm_cpu__set_apic_base(v->loop.fd, base);
	} else {
		uint64_t value = 0;
		err = x86_irqchip__msr_read(v->vm, v->id, run->msr.index,
					    &value);
		run->msr.data = value;
	}
	/* Not an APIC MSR (-ENOENT) is what KVM would have said too: #GP. */
	run->msr.error = err ? 1 : 0; /* KVM injects #GP */
	/* The #GP is raised on the next entry, after anything queued now:
	 * KVM would drop a queued interrupt for it. Wait for a window. */
	if (err)
		forget_interrupt_window(run);
}

/* ---- events, injection, halt --------------------------------------------- */

/* Apply NMI / INIT / SIPI (and expire the timer). Owner thread. */

/* Return: true when INIT or SIPI replaced the vCPU's registers. */
static bool service_events(struct vcpu *v)
{
	struct x86_irqchip_events ev = x86_irqchip__take_events(v->vm, v->id);
	bool replaced = false;

	if (ev.init || ev.sipi)
		v->events_fresh = false; /* the reset goes through ioctls */
	if (ev.init) {
		kvm_cpu__reset(v->loop.fd);
		v->nmi_pending = 0;
		v->wait_for_sipi = true;
		forget_interrupt_window(v->loop.run);
		replaced = true;
	}
	if (ev.sipi && v->wait_for_sipi) {
		if (kvm_cpu__enter_sipi(v->loop.fd, ev.sipi_vector) == 0) {
			v->wait_for_sipi = false;
			forget_interrupt_window(v->loop.run);
			replaced = true;
		} else {
			crash(v, "could not start after SIPI");
		}
	}
	if (ev.nmis && !v->wait_for_sipi) {
		v->nmi_pending += ev.nmis;
		if (v->nmi_pending > 2)
			v->nmi_pending = 2; /* one in service, one latched */
	}
	return replaced;
}

/*
 * Queue external interrupt @vector for the next entry. With the events KVM
 * stored at the last exit still current, that is a write into kvm_run that
 * KVM_RUN applies (KVM_SET_VCPU_EVENTS semantics: the same "injected"
 * interrupt KVM_INTERRUPT queues); else the ioctl. Return: 0 or -errno.
 */
static int queue_interrupt(struct vcpu *v, uint8_t vector)
{
	struct kvm_run *run = v->loop.run;
	struct kvm_interrupt irq = { .irq = vector };

	if (v->sync_events && v->events_fresh &&
	    !run->s.regs.events.interrupt.injected) {
		run->s.regs.events.interrupt.injected = 1;
		run->s.regs.events.interrupt.nr = vector;
		run->s.regs.events.interrupt.soft = 0;
		run->kvm_dirty_regs |= KVM_SYNC_X86_EVENTS;
		v->events_fresh = false;
		v->queued_vector = vector; /* KVM rewrites the copy at exit */
		return 0;
	}
	return ioctl(v->loop.fd, KVM_INTERRUPT, &irq) < 0 ? -errno : 0;
}

static void inject(struct vcpu *v)
{
	struct kvm_run *run = v->loop.run;
	int vector;

	/* KVM latches what it cannot deliver yet (NMIs blocked in service). */
	for (; v->nmi_pending; v->nmi_pending--) {
		v->events_fresh = false; /* KVM's NMI state moved on */
		if (ioctl(v->loop.fd, KVM_NMI) == 0)
			v->stats.nmis++;
	}
	if (!x86_irqchip__pending(v->vm, v->id)) {
		run->request_interrupt_window = 0;
		return;
	}
	if (run->ready_for_interrupt_injection && run->if_flag) {
		struct x86_irqchip_ack ack = x86_irqchip__ack(v->vm, v->id);

		vector = ack.vector;
		if (vector >= 0) {
			if (queue_interrupt(v, (uint8_t)vector) == 0) {
				v->stats.injections++;
				flight_recorder__inject(v->vm->fr, v->id, (unsigned)vector);
				/* Its EOI may then be a store, not an exit. */
				if (ack.from_apic &&
				    x86_irqchip__arm_pv_eoi(v->vm, v->id))
					v->stats.pv_eoi_armed++;
			}
		}
		/*
		 * An ExtINT or XIVE line still up after an APIC vector went in
		 * needs the next window: no EOI exit may come to look again
		 * (PV EOI), and neither source kicks while it stays up.
		 */
		run->request_interrupt_window =
			ack.from_apic &&
			x86_irqchip__other_pending(v->vm, v->id);
	} else {
		/* Come back as soon as the guest can take it. */
		run->request_interrupt_window = 1;
	}
}

/* Anything that should end a halt. @if_flag: the guest's IF at the halt. */
static bool wake_pending(struct vcpu *v, bool if_flag)
{
	bool was_waiting = v->wait_for_sipi;
	bool replaced;

	if (vm__should_stop(v->vm))
		return true;
	replaced = service_events(v);
	if (v->wait_for_sipi)
		return false;
	/* A SIPI started it, maybe with the INIT in the same take: the halt
	 * belonged to the registers it replaced. */
	if (was_waiting || replaced)
		return true;
	return v->nmi_pending ||
	       (if_flag && x86_irqchip__pending(v->vm, v->id));
}

/*
 * Adaptive policy, as KVM's halt_poll_ns: a halt that ended within the
 * poll keeps it; one that ended soon after (within the ceiling) grows it
 * (start, then double); one that lasted longer than the ceiling resets
 * it, since polling would only have burned a host CPU.
 */
static void halt_poll_adjust(struct vcpu *v, uint64_t halted_ns)
{
	if (!v->vm->cfg.halt_poll_adaptive || halted_ns <= v->halt_poll_ns)
		return;
	if (halted_ns > IPIVIRT_HALT_POLL_ADAPTIVE_MAX_NS)
		v->halt_poll_ns = 0;
	else if (!v->halt_poll_ns)
		v->halt_poll_ns = VM_HALT_POLL_START_NS;
	else if (v->halt_poll_ns < IPIVIRT_HALT_POLL_ADAPTIVE_MAX_NS)
		v->halt_poll_ns = v->halt_poll_ns * 2 < IPIVIRT_HALT_POLL_ADAPTIVE_MAX_NS
					  ? v->halt_poll_ns * 2
					  : IPIVIRT_HALT_POLL_ADAPTIVE_MAX_NS;
}

struct halt_ctx {
	struct vcpu *v;
	bool if_flag;
};

static bool halt_wake_pending(void *opaque)
{
	const struct halt_ctx *h = opaque;

	return wake_pending(h->v, h->if_flag);
}

/*
 * Sleep until an interrupt (or SIPI, or stop) is pending. With polling on
 * (--halt-poll), the first time nothing is pending the vCPU polls first.
 */
static void halt(struct vcpu *v, bool if_flag)
{
	struct halt_ctx h = { .v = v, .if_flag = if_flag };
	uint64_t t0 = vm__now_ns();

	v->stats.halts++;
	if (vcpu_loop__halt(&v->loop, halt_wake_pending, &h, v->halt_poll_ns))
		v->stats.halt_poll_hits++;
	halt_poll_adjust(v, vm__now_ns() - t0);
	flight_recorder__stage(v->vm->fr, FR_WAKE_HALT, v->id);
}

static void count_exit(struct vcpu *v, uint32_t reason)
{
	struct vcpu_stats *s = &v->stats;

	s->exits++;
	switch (reason) {
	case KVM_EXIT_IO: s->exit_io++; break;
	case KVM_EXIT_MMIO: s->exit_mmio++; break;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR: s->exit_msr++; break;
	case KVM_EXIT_HLT: s->exit_hlt++; break;
	case KVM_EXIT_IRQ_WINDOW_OPEN: s->exit_irq_window++; break;
	case KVM_EXIT_INTR: s->exit_intr++; break;
	default: s->exit_other++; break;
	}
}

static void handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->loop.run;
	char what[128];

	count_exit(v, run->exit_reason);
	kvm_compat__sample_rip(&v->compat);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(v);
		break;
	case KVM_EXIT_MMIO:
		handle_mmio(v);
		break;
	case KVM_EXIT_X86_RDMSR:
		handle_msr(v, false);
		break;
	case KVM_EXIT_X86_WRMSR:
		handle_msr(v, true);
		break;
	case KVM_EXIT_HLT:
		halt(v, run->if_flag);
		break;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
	case KVM_EXIT_INTR:
	case KVM_EXIT_SET_TPR: /* CR8 lowered: synced, injection re-checked */
		break;
	case KVM_EXIT_SHUTDOWN:
		crash(v, "triple fault (KVM_EXIT_SHUTDOWN)");
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		v->events_fresh = false; /* a repair sets the events itself */
		if (kvm_compat__repair_emulation(&v->compat))
			break;
		snprintf(what, sizeof(what),
			 "KVM internal error, suberror %u%s",
			 run->internal.suberror,
			 run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION
				 ? " (instruction emulation failed)" : "");
		crash(v, what);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what), "VM entry failed (reason 0x%llx)",
			 (unsigned long long)run->fail_entry
				 .hardware_entry_failure_reason);
		crash(v, what);
		break;
	default:
		snprintf(what, sizeof(what), "unhandled exit reason %u",
			 run->exit_reason);
		crash(v, what);
		break;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	char name[16];
	int run_err;

	snprintf(name, sizeof(name), "vcpu%u", v->id);
	pthread_setname_np(pthread_self(), name);
	vcpu_loop__unblock_kick();
	flight_recorder__thread_start(v->vm->fr, v->id);
	/* Everything is built and mapped: from here on, only what a vCPU
	 * thread needs (seccomp_filter.c). */
	if (v->vm->cfg.seccomp != VM_SECCOMP_OFF) {
		int err = seccomp_filter__install_vcpu(
			v->id, v->loop.fd, v->vm->cfg.seccomp == VM_SECCOMP_LOG);
		if (err) {
			crash(v, err == -E2BIG ? "seccomp filter too long"
					       : "cannot install the seccomp "
						 "filter");
			return NULL;
		}
	}

	while (!vm__should_stop(v->vm)) {
		if (v->vm->fi)
			fault_inject__checkpoint(v->vm->fi, v->id);
		if (v->wait_for_sipi) {
			halt(v, false);
			continue;
		}
		vcpu_loop__enter(&v->loop);
		service_events(v);
		if (v->wait_for_sipi || vm__should_stop(v->vm)) {
			vcpu_loop__leave(&v->loop);
			continue;
		}
		inject(v);
		flight_recorder__first_run(v->vm->fr, v->id);

		/* KVM loads CR8 from here on entry, reports it on exit. */
		v->loop.run->cr8 = x86_irqchip__cr8(v->vm, v->id);
		run_err = vcpu_loop__run(&v->loop);
		if (run_err == EINVAL && (v->loop.run->kvm_dirty_regs &
					  KVM_SYNC_X86_EVENTS)) {
			/* This KVM refused the events it gave us: back to
			 * KVM_INTERRUPT for good. */
			uint8_t nr = v->queued_vector;
			v->loop.run->kvm_dirty_regs &= ~KVM_SYNC_X86_EVENTS;
			v->loop.run->kvm_valid_regs &= ~KVM_SYNC_X86_EVENTS;
			v->sync_events = false;
			run_err = ioctl(v->loop.fd, KVM_INTERRUPT,
					&(struct kvm_interrupt){ .irq = nr }) < 0
					  ? errno
					  : EAGAIN;
		}
		v->events_fresh = v->sync_events;
		/* A mov to CR8 since the last exit is the guest's new TPR. */
		x86_irqchip__set_cr8(v->vm, v->id, (uint8_t)v->loop.run->cr8);
		/* An EOI the guest deferred happened before this exit. */
		if (x86_irqchip__sync_pv_eoi(v->vm, v->id))
			v->stats.pv_eois++;
		if (run_err == EINTR || run_err == EAGAIN) {
			flight_recorder__stage(v->vm->fr, FR_WAKE_EXIT, v->id);
			v->stats.exits++;
			v->stats.exit_intr++;
			continue;
		}
		if (run_err) {
			crash(v, strerror(run_err));
			break;
		}
		handle_exit(v);
		/*
		 * A sender usually spins until its target answers; with more
		 * vCPUs than host cores, give the target our core now rather
		 * than at the end of our time slice.
		 */
		if (v->vm->cpus[v->id].sent_ipi) {
			v->vm->cpus[v->id].sent_ipi = false;
			if (v->vm->cfg.ipi_yield)
				sched_yield();
		}
	}
	vcpu_loop__leave(&v->loop);
	return NULL;
}

/*
 * A vCPU thread's deepest path (an exit through a device, a crash report,
 * the seccomp install) keeps its frames under ~10 KiB (gcc -fstack-usage);
 * glibc's default stack is RLIMIT_STACK (8 MiB here, 32 MiB when
 * unlimited): 8-32 GiB of address space, and of commit charge under strict
 * overcommit, for 1024 vCPUs. 512 KiB leaves sanitizer builds room.
 */
#define VCPU_STACK_SIZE (512u << 10)

int kvm_vcpu__start(struct vcpu *v)
{
	pthread_attr_t attr;
	int err = pthread_attr_init(&attr);

	if (err)
		return -err;
	err = pthread_attr_setstacksize(&attr, VCPU_STACK_SIZE);
	if (!err)
		err = pthread_create(&v->loop.thread, &attr, vcpu_thread, v);
	pthread_attr_destroy(&attr);
	if (err)
		return -err;
	v->thread_started = true;
	return 0;
}

void kvm_vcpu__join(struct vcpu *v)
{
	if (v && v->thread_started) {
		pthread_join(v->loop.thread, NULL);
		v->thread_started = false;
	}
}
