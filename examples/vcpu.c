// SPDX-License-Identifier: MIT
/*
 * vcpu.c - the vCPU thread: KVM_RUN, exits (port I/O to the devices, APIC
 * MMIO and MSRs to libipivirt), NMI / INIT / SIPI, injection of what the
 * library presents, halt sleep on a futex, and the kick any thread may
 * send (signal + immediate_exit, or a futex wake).
 *
 * No kick is lost: the kicker makes the event visible (inside libipivirt),
 * full fence, then reads the mode; the vCPU publishes its mode, full
 * fence, then looks for events (docs/architecture.md of ipivirt).
 */
#include <errno.h>
#include <linux/futex.h>
#include <linux/kvm.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "minivmm.h"

#define SIG_KICK SIGUSR1
#define MSR_X2APIC_ICR 0x830
#define XAPIC_ICR_LOW 0x300

static void kick_handler(int sig)
{
	(void)sig; /* KVM_RUN returning -EINTR is all we want */
}

int mini_init_signals(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	sigemptyset(&sa.sa_mask);
	return sigaction(SIG_KICK, &sa, NULL) < 0 ? -errno : 0;
}

static void futex(_Atomic int *word, int op, int val)
{
	syscall(SYS_futex, (int *)word, op, val, NULL, NULL, 0);
}

void mini_kick(struct mini_vcpu *v)
{
	int mode;

	atomic_thread_fence(memory_order_seq_cst);
	mode = atomic_load(&v->mode);
	if (mode == MODE_IN_GUEST &&
	    atomic_compare_exchange_strong(&v->mode, &mode, MODE_EXITING)) {
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
		pthread_kill(v->thread, SIG_KICK);
	} else if (mode == MODE_HALTED &&
		   atomic_compare_exchange_strong(&v->mode, &mode,
						  MODE_OUTSIDE)) {
		futex(&v->mode, FUTEX_WAKE_PRIVATE, 1);
	}
}

static void crash(struct mini_vcpu *v, const char *what)
{
	fprintf(stderr, "minivmm: vCPU %u: %s\n", v->id, what);
	mini_stop(v->m, 125);
}

/* NMI / INIT / SIPI from the library (also expires the APIC timer). */
static void service_events(struct mini_vcpu *v)
{
	uint8_t sipi = 0;
	int ev = ipivirt_vcpu_take_events(v->iv, &sipi);

	if (ev < 0)
		return;
	if (ev & IPIVIRT_EVENT_INIT) {
		mini_cpu_drop_events(v->fd);
		v->nmi_pending = 0;
		v->wait_sipi = true;
		v->run->request_interrupt_window = 0;
	}
	if ((ev & IPIVIRT_EVENT_SIPI) && v->wait_sipi) {
		if (mini_cpu_enter_sipi(v->fd, sipi))
			crash(v, "cannot start after SIPI");
		v->wait_sipi = false;
	}
	if ((ev & IPIVIRT_EVENT_NMI) && !v->wait_sipi)
		v->nmi_pending = ev & IPIVIRT_EVENT_NMI2 ? 2 : 1;
}

/* Before entry: the NMI, then the library's next vector if IF allows. */
static void inject(struct mini_vcpu *v)
{
	struct kvm_run *run = v->run;

	for (; v->nmi_pending; v->nmi_pending--) /* KVM latches the second */
		(void)ioctl(v->fd, KVM_NMI);
	run->request_interrupt_window = 0;
	if (ipivirt_vcpu_next_interrupt(v->iv) < 0)
		return;
	if (run->ready_for_interrupt_injection && run->if_flag) {
		int vector = ipivirt_vcpu_ack_interrupt(v->iv);
		if (vector >= 0) {
			struct kvm_interrupt irq = { .irq = (uint32_t)vector };
			(void)ioctl(v->fd, KVM_INTERRUPT, &irq);
		}
	} else {
		run->request_interrupt_window = 1; /* back when it can */
	}
}

static bool wake_pending(struct mini_vcpu *v, bool if_flag)
{
	bool was_waiting = v->wait_sipi;

	if (atomic_load(&v->m->stopping))
		return true;
	service_events(v);
	if (v->wait_sipi)
		return false;
	return was_waiting || v->nmi_pending ||
	       (if_flag && ipivirt_vcpu_next_interrupt(v->iv) >= 0);
}

static void halt(struct mini_vcpu *v, bool if_flag)
{
	for (;;) {
		atomic_store(&v->mode, MODE_HALTED);
		atomic_thread_fence(memory_order_seq_cst);
		if (wake_pending(v, if_flag))
			break;
		futex(&v->mode, FUTEX_WAIT_PRIVATE, MODE_HALTED);
	}
	atomic_store(&v->mode, MODE_OUTSIDE);
}

static void handle_mmio(struct mini_vcpu *v)
{
	struct kvm_run *run = v->run;
	int ret;

	if (run->mmio.is_write)
		ret = ipivirt_apic_mmio_write(v->iv, run->mmio.phys_addr,
					      run->mmio.data, run->mmio.len);
	else
		ret = ipivirt_apic_mmio_read(v->iv, run->mmio.phys_addr,
					     run->mmio.data, run->mmio.len);
	if (ret && !run->mmio.is_write) /* no device there */
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
	/*
	 * After sending an IPI, let the target run: a sender usually spins
	 * until it answers, which with fewer host cores than vCPUs would
	 * otherwise last a whole time slice.
	 */
	if (!ret && run->mmio.is_write &&
	    (run->mmio.phys_addr & 0xfff) == XAPIC_ICR_LOW)
		sched_yield();
}

static void handle_msr(struct mini_vcpu *v, bool write)
{
	struct kvm_run *run = v->run;
	uint64_t value = 0;
	int ret;

	if (write) {
		ret = ipivirt_apic_msr_write(v->iv, run->msr.index,
					     run->msr.data);
	} else {
		ret = ipivirt_apic_msr_read(v->iv, run->msr.index, &value);
		run->msr.data = value;
	}
	run->msr.error = ret ? 1 : 0; /* #GP, as KVM would for the rest */
	if (write && !ret && run->msr.index == MSR_X2APIC_ICR)
		sched_yield(); /* see handle_mmio() */
}

static void handle_exit(struct mini_vcpu *v)
{
	struct kvm_run *run = v->run;
	char what[64];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		for (uint32_t i = 0; i < run->io.count; i++)
			mini_pio(v->m, run->io.port,
				 (uint8_t *)run + run->io.data_offset +
					 i * run->io.size,
				 run->io.size,
				 run->io.direction == KVM_EXIT_IO_OUT);
		break;
	case KVM_EXIT_MMIO:
		handle_mmio(v);
		break;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		handle_msr(v, run->exit_reason == KVM_EXIT_X86_WRMSR);
		break;
	case KVM_EXIT_HLT:
		halt(v, run->if_flag);
		break;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
	case KVM_EXIT_INTR:
		break;
	default:
		snprintf(what, sizeof(what), "exit reason %u", run->exit_reason);
		crash(v, what);
	}
}

static void *vcpu_thread(void *arg)
{
	struct mini_vcpu *v = arg;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	while (!atomic_load(&v->m->stopping)) {
		if (v->wait_sipi) {
			halt(v, false);
			continue;
		}
		atomic_store(&v->mode, MODE_IN_GUEST);
		atomic_thread_fence(memory_order_seq_cst);
		service_events(v);
		if (v->wait_sipi || atomic_load(&v->m->stopping)) {
			atomic_store(&v->mode, MODE_OUTSIDE);
			continue;
		}
		inject(v);
		int ret = ioctl(v->fd, KVM_RUN, 0), err = errno;
		__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_RELAXED);
		atomic_store(&v->mode, MODE_OUTSIDE);
		if (ret < 0 && err != EINTR && err != EAGAIN) {
			crash(v, strerror(err));
			break;
		}
		if (ret == 0)
			handle_exit(v);
	}
	return NULL;
}

int mini_vcpu_create(struct mini *m, unsigned id)
{
	struct mini_vcpu *v = &m->vcpus[id];
	struct ipivirt_vcpu_config cfg = {
		.size = sizeof(cfg),
		.cpu = id,
		.flags = id == 0 ? IPIVIRT_VCPU_BSP : 0,
	};
	int ret;

	v->m = m;
	v->id = id;
	v->wait_sipi = id != 0; /* APs wait for INIT / SIPI */
	v->fd = ioctl(m->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (v->fd < 0)
		return -errno;
	v->run = mmap(NULL, m->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED)
		return -errno;
	ret = mini_cpu_setup_cpuid(m, v->fd, id);
	if (ret)
		return ret;
	return ipivirt_vcpu_create(m->ivm, &cfg, &v->iv);
}

int mini_vcpu_start(struct mini_vcpu *v)
{
	return -pthread_create(&v->thread, NULL, vcpu_thread, v);
}
