// SPDX-License-Identifier: MIT
/*
 * minivmm.c - a second VMM on libipivirt, in a few hundred lines:
 *
 *   minivmm [--cpus N] [--mem MiB] [--xapic] [--timeout S] KERNEL [ARGS]
 *
 * KVM with no in-kernel irqchip: the APIC page is left unmapped (MMIO
 * exits) and the APIC MSRs come to userspace (MSR filter plus
 * KVM_CAP_X86_USER_SPACE_MSR). libipivirt models the APICs and routes every
 * IPI through its IPI domain; this file sets up KVM and memory, loads the
 * kernel with ipivirt_guest_load() and runs the APIC timers. The exit
 * status follows `ipivirt run`: 0 power-off, (v << 1) | 1 debug exit,
 * 124 timeout, 125 crash, 1 host failure, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "minivmm.h"

#define MSR_IA32_TSC 0x10
#define TSS_GPA 0xfffbd000ull

uint64_t mini_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void mini_stop(struct mini *m, int status)
{
	int none = -1;
	uint64_t one = 1;

	atomic_compare_exchange_strong(&m->status, &none, status);
	atomic_store(&m->stopping, true);
	for (unsigned i = 0; i < m->nr_cpus; i++)
		if (m->vcpus[i].run)
			mini_kick(&m->vcpus[i]);
	if (write(m->stop_fd, &one, sizeof(one)) < 0)
		return;
}

/* ---- libipivirt's callbacks --------------------------------------------- */

static void ops_kick(void *opaque, unsigned cpu)
{
	struct mini *m = opaque;

	if (cpu < m->nr_cpus)
		mini_kick(&m->vcpus[cpu]);
}

static void ops_timer_arm(void *opaque, unsigned cpu, uint64_t deadline_ns)
{
	struct mini *m = opaque;
	struct itimerspec its = { 0 };

	if (cpu >= m->nr_cpus)
		return;
	its.it_value.tv_sec = (time_t)(deadline_ns / 1000000000ull);
	its.it_value.tv_nsec = (long)(deadline_ns % 1000000000ull);
	timerfd_settime(m->vcpus[cpu].timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static uint64_t ops_guest_tsc(void *opaque, unsigned cpu)
{
	struct mini *m = opaque;
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} msrs = { .hdr.nmsrs = 1, .e.index = MSR_IA32_TSC };

	if (cpu >= m->nr_cpus ||
	    ioctl(m->vcpus[cpu].fd, KVM_GET_MSRS, &msrs) != 1)
		return 0;
	return msrs.e.data;
}

/* ---- KVM setup ----------------------------------------------------------- */

static int fail(const char *what)
{
	fprintf(stderr, "minivmm: %s: %s\n", what, strerror(errno));
	return -1;
}

/* The APIC MSRs exit to us: deny them in the filter, take the exits. */
static int setup_msr_exits(struct mini *m)
{
	uint8_t deny[256 / 8] = { 0 }, deny_one[1] = { 0 };
	struct kvm_msr_filter filter = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges = {
			{ .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			  .nmsrs = 256, .base = 0x800, .bitmap = deny },
			{ .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			  .nmsrs = 1, .base = 0x1b, .bitmap = deny_one },
			{ .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			  .nmsrs = 1, .base = 0x6e0, .bitmap = deny_one },
		},
	};
	/* KVM never filters 0x800-0x8ff: without an in-kernel APIC they
	 * are invalid to it, so INVAL is what brings them here. */
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args = { KVM_MSR_EXIT_REASON_INVAL |
			  KVM_MSR_EXIT_REASON_UNKNOWN |
			  KVM_MSR_EXIT_REASON_FILTER },
	};

	if (ioctl(m->vm_fd, KVM_ENABLE_CAP, &cap) < 0)
		return fail("KVM_CAP_X86_USER_SPACE_MSR");
	if (ioctl(m->vm_fd, KVM_X86_SET_MSR_FILTER, &filter) < 0)
		return fail("KVM_X86_SET_MSR_FILTER");
	return 0;
}

static int setup_kvm(struct mini *m)
{
	struct kvm_userspace_memory_region region = { 0 };
	uint64_t ident = TSS_GPA + 0x3000;
	int ret;

	m->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (m->kvm_fd < 0)
		return fail("/dev/kvm");
	m->vm_fd = ioctl(m->kvm_fd, KVM_CREATE_VM, 0);
	ret = ioctl(m->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (m->vm_fd < 0 || ret <= 0)
		return fail("KVM_CREATE_VM");
	m->run_size = (size_t)ret;
	(void)ioctl(m->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)TSS_GPA);
	(void)ioctl(m->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident);
	ret = ioctl(m->vm_fd, KVM_GET_TSC_KHZ, 0);
	m->tsc_khz = ret > 0 ? (uint64_t)ret : 0;
	if (!m->tsc_khz) {
		errno = ENOTSUP;
		return fail("KVM_GET_TSC_KHZ");
	}
	m->ram = mmap(NULL, m->ram_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->ram == MAP_FAILED)
		return fail("guest memory");
	region.memory_size = m->ram_size;
	region.userspace_addr = (uint64_t)(uintptr_t)m->ram;
	if (ioctl(m->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");
	return setup_msr_exits(m);
}

static int setup_ipivirt(struct mini *m)
{
	struct ipivirt_vm_config cfg = {
		.size = sizeof(cfg),
		.nr_cpus = m->nr_cpus,
		.controllers = IPIVIRT_CTRL_APIC,
		.tsc_khz = m->tsc_khz,
		.x2apic = m->x2apic,
	};
	struct ipivirt_host_ops ops = {
		.size = sizeof(ops),
		.opaque = m,
		.kick = ops_kick,
		.guest_tsc = ops_guest_tsc,
		.timer_arm = ops_timer_arm,
	};
	int ret = ipivirt_vm_create(&cfg, &ops, &m->ivm);

	if (ret)
		fprintf(stderr, "minivmm: ipivirt_vm_create: %s\n",
			strerror(-ret));
	return ret;
}

/* ---- run ------------------------------------------------------------------- */

/* The main thread: APIC timers fire here, and the timeout. */
static void main_loop(struct mini *m, unsigned timeout_s)
{
	struct pollfd fds[MINI_MAX_CPUS + 1];
	uint64_t deadline = timeout_s ? mini_now_ns() + timeout_s * 1000000000ull
				      : 0;

	fds[0] = (struct pollfd){ .fd = m->stop_fd, .events = POLLIN };
	for (unsigned i = 0; i < m->nr_cpus; i++)
		fds[i + 1] = (struct pollfd){ .fd = m->vcpus[i].timer_fd,
					      .events = POLLIN };
	while (!atomic_load(&m->stopping)) {
		int wait_ms = 100;
		uint64_t n;

		if (deadline && mini_now_ns() >= deadline) {
			fprintf(stderr, "minivmm: timeout after %u s\n",
				timeout_s);
			mini_stop(m, 124);
			break;
		}
		if (poll(fds, m->nr_cpus + 1, wait_ms) <= 0)
			continue;
		for (unsigned i = 0; i < m->nr_cpus; i++)
			if ((fds[i + 1].revents & POLLIN) &&
			    read(fds[i + 1].fd, &n, sizeof(n)) == sizeof(n))
				ipivirt_vcpu_timer_fire(m->vcpus[i].iv);
	}
}

static int boot(struct mini *m, const char *kernel, const char *append,
		unsigned timeout_s)
{
	struct ipivirt_guest_config gc = {
		.size = sizeof(gc), .kernel_path = kernel, .append = append,
		.nr_cpus = m->nr_cpus,
	};
	struct ipivirt_guest_entry entry;
	char err[256];
	unsigned started = 0;
	int ret;

	ret = ipivirt_guest_load(m->ram, m->ram_size, &gc, &entry, err,
				 sizeof(err));
	if (ret) {
		fprintf(stderr, "minivmm: %s\n", err);
		return 2;
	}
	for (unsigned i = 0; i < m->nr_cpus; i++) {
		m->vcpus[i].timer_fd = timerfd_create(CLOCK_MONOTONIC,
						      TFD_CLOEXEC |
							      TFD_NONBLOCK);
		ret = mini_vcpu_create(m, i);
		if (ret || m->vcpus[i].timer_fd < 0) {
			fprintf(stderr, "minivmm: vCPU %u: %s\n", i,
				strerror(ret ? -ret : errno));
			return 1;
		}
	}
	if (mini_cpu_enter(m->vcpus[0].fd, &entry)) {
		fail("BSP registers");
		return 1;
	}
	for (; started < m->nr_cpus; started++)
		if (mini_vcpu_start(&m->vcpus[started])) {
			mini_stop(m, 1);
			break;
		}
	main_loop(m, timeout_s);
	for (unsigned i = 0; i < started; i++)
		pthread_join(m->vcpus[i].thread, NULL);
	if (m->line_len && write(STDOUT_FILENO, m->line, m->line_len) < 0)
		perror("minivmm: console");
	for (unsigned i = 0; i < m->nr_cpus; i++) {
		uint64_t sent, received;
		ipivirt_vcpu_ipi_counts(m->vcpus[i].iv, &sent, &received);
		fprintf(stderr, "minivmm: vCPU %u: %llu IPIs sent, %llu "
			"received\n", i, (unsigned long long)sent,
			(unsigned long long)received);
	}
	ret = atomic_load(&m->status);
	return ret < 0 ? 1 : ret;
}

static int usage(void)
{
	fprintf(stderr, "usage: minivmm [--cpus N] [--mem MiB] [--xapic] "
		"[--timeout S] KERNEL [ARGS]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "mem", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "xapic", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	struct mini *m = calloc(1, sizeof(*m));
	unsigned timeout_s = 0;
	sigset_t kick;
	int c;

	if (!m)
		return 1;
	m->nr_cpus = 1;
	m->ram_size = 256ull << 20;
	m->x2apic = true;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'c': m->nr_cpus = (unsigned)atoi(optarg); break;
		case 'm': m->ram_size = strtoull(optarg, NULL, 0) << 20; break;
		case 't': timeout_s = (unsigned)atoi(optarg); break;
		case 'x': m->x2apic = false; break;
		default: return usage();
		}
	}
	if (optind >= argc || !m->nr_cpus || m->nr_cpus > MINI_MAX_CPUS ||
	    m->ram_size < (16ull << 20) || m->ram_size > (3ull << 30))
		return usage();
	if (ipivirt_check_version(IPIVIRT_VERSION_MAJOR,
				  IPIVIRT_VERSION_MINOR)) {
		fprintf(stderr, "minivmm: built for libipivirt %s, found %s\n",
			IPIVIRT_VERSION_STRING, ipivirt_version());
		return 1;
	}
	atomic_init(&m->status, -1);
	m->start_ns = mini_now_ns();
	pthread_mutex_init(&m->dev_lock, NULL);
	/* Kicks are for vCPU threads, which unblock the signal themselves. */
	sigemptyset(&kick);
	sigaddset(&kick, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &kick, NULL);
	m->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (m->stop_fd < 0 || mini_init_signals() || setup_kvm(m) ||
	    setup_ipivirt(m))
		return 1;
	return boot(m, argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL,
		    timeout_s);
}
