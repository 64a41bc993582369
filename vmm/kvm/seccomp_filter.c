// SPDX-License-Identifier: MIT
/*
 * seccomp_filter.c - the vCPU threads' system call allow-list, as raw
 * classic BPF (no libseccomp).
 *
 * Why each call is there (docs/hardening.md, "seccomp", has the table):
 * a vCPU thread runs the guest (ioctl on its vCPU fd), sleeps while halted
 * and kicks other vCPUs (futex, tgkill + getpid + rt_sigprocmask from
 * pthread_kill; gettid when it signals itself), takes kick signals (rt_sigreturn), arms its APIC timer
 * (timerfd_settime), yields after an IPI (sched_yield), reads the clock
 * (clock_gettime when the vDSO falls back), sleeps out an injected stall
 * (clock_nanosleep), writes the console and wakes the event loop (write),
 * may allocate (the IPI domain reserves a virq on a vector's first use:
 * mmap, munmap, mprotect, madvise, brk) and exits (exit, exit_group).
 * Sanitizer runtimes make more calls, for their allocators and to print a
 * report; builds with a sanitizer allow those too.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seccomp_filter.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SECCOMP_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SECCOMP_SANITIZED 1
#endif
#endif
#ifndef SECCOMP_SANITIZED
#define SECCOMP_SANITIZED 0
#endif

#define X32_SYSCALL_BIT 0x40000000u
#define MAX_INSNS 256

static const int allowed_calls[] = {
	__NR_futex, __NR_rt_sigreturn, __NR_rt_sigprocmask, __NR_tgkill,
	__NR_getpid, __NR_gettid, __NR_sched_yield, __NR_write, __NR_clock_gettime,
	__NR_clock_nanosleep, __NR_timerfd_settime, __NR_munmap,
	__NR_madvise, __NR_brk, __NR_exit, __NR_exit_group,
};

/* What the ASan/UBSan and TSan runtimes need on a vCPU thread: their
 * allocators, their internal locks and back-off, and reading the binary
 * to symbolize a report. Still no sockets, no exec, no fork. */
static const int sanitizer_calls[] = {
	__NR_mremap, __NR_sigaltstack, __NR_rt_sigaction,
	__NR_nanosleep, __NR_sched_getaffinity, __NR_prctl, __NR_getrlimit,
	__NR_prlimit64, __NR_uname, __NR_open, __NR_openat, __NR_read,
	__NR_pread64, __NR_close, __NR_fstat, __NR_newfstatat, __NR_lseek,
	__NR_readlink, __NR_readlinkat, __NR_writev, __NR_getdents64,
	__NR_kill, __NR_getppid, __NR_sysinfo, __NR_getrusage,
};

/* The KVM requests vCPU threads make on their own fd. */
static const unsigned long vcpu_ioctls[] = {
	KVM_RUN, KVM_INTERRUPT, KVM_NMI, KVM_GET_MSRS, KVM_SET_MSRS,
	KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS,
	KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS, KVM_GET_FPU, KVM_TRANSLATE,
};

struct bpf_prog {
	struct sock_filter insn[MAX_INSNS];
	unsigned n;
	int overflow;
};

static void emit(struct bpf_prog *p, uint16_t code, uint8_t jt, uint8_t jf,
		 uint32_t k)
{
	if (p->n >= MAX_INSNS) {
		p->overflow = 1;
		return;
	}
	p->insn[p->n++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

#define LOAD(off) emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)(off))
#define RET(v) emit(p, BPF_RET | BPF_K, 0, 0, (v))
/* if (A == k) return ALLOW; */
#define ALLOW_IF(k)                                             \
	do {                                                    \
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (k));  \
		RET(SECCOMP_RET_ALLOW);                         \
	} while (0)

/* Low 32 bits of argument @i (x86-64 is little-endian). */
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))

static void build(struct bpf_prog *p, int vcpu_fd, uint32_t deny)
{
	const unsigned nr_ioctls = sizeof(vcpu_ioctls) / sizeof(vcpu_ioctls[0]);

	/* Another ABI's numbers mean other calls: refuse all of them. */
	LOAD(offsetof(struct seccomp_data, arch));
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AUDIT_ARCH_X86_64);
	RET(deny);
	LOAD(offsetof(struct seccomp_data, nr));
	emit(p, BPF_JMP | BPF_JGE | BPF_K, 0, 1, X32_SYSCALL_BIT);
	RET(deny);

	for (size_t i = 0; i < sizeof(allowed_calls) / sizeof(int); i++)
		ALLOW_IF((uint32_t)allowed_calls[i]);
	if (SECCOMP_SANITIZED)
		for (size_t i = 0; i < sizeof(sanitizer_calls) / sizeof(int);
		     i++)
			ALLOW_IF((uint32_t)sanitizer_calls[i]);

	/* ioctl: our vCPU fd and its requests only. The kernel takes fd and
	 * request as 32-bit values, so the low words decide. */
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, (uint8_t)(5 + 2 * nr_ioctls),
	     __NR_ioctl);
	LOAD(ARG_LO(0));
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, (uint32_t)vcpu_fd);
	RET(deny);
	LOAD(ARG_LO(1));
	for (unsigned i = 0; i < nr_ioctls; i++)
		ALLOW_IF((uint32_t)vcpu_ioctls[i]);
	RET(deny);

	/* mmap / mprotect: never executable (the allocator needs neither). */
	LOAD(offsetof(struct seccomp_data, nr));
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, __NR_mmap);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 4, __NR_mprotect);
	LOAD(ARG_LO(2));
	emit(p, BPF_JMP | BPF_JSET | BPF_K, 0, 1, PROT_EXEC);
	RET(deny);
	RET(SECCOMP_RET_ALLOW);

	RET(deny);
}

int seccomp_filter__install_vcpu(unsigned id, int vcpu_fd, bool log_only)
{
	struct bpf_prog p = { .n = 0 };
	struct sock_fprog prog;
	/* The vCPU number travels in SECCOMP_RET_DATA to the handler. */
	uint32_t deny = log_only ? SECCOMP_RET_LOG
				 : SECCOMP_RET_TRAP | (id & SECCOMP_RET_DATA);

	build(&p, vcpu_fd, deny);
	if (p.overflow)
		return -E2BIG;
	prog.len = (unsigned short)p.n;
	prog.filter = p.insn;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* No TSYNC: this thread only; the main thread keeps its freedom. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return -errno;
	return 0;
}

/* ---- SIGSYS: say which call, then end ----------------------------------- */

#define NAME(n) { __NR_##n, #n }
static const struct {
	int nr;
	const char *name;
} syscall_names[] = {
	NAME(read), NAME(write), NAME(open), NAME(close), NAME(stat),
	NAME(fstat), NAME(lstat), NAME(poll), NAME(lseek), NAME(mmap),
	NAME(mprotect), NAME(munmap), NAME(brk), NAME(rt_sigaction),
	NAME(rt_sigprocmask), NAME(rt_sigreturn), NAME(ioctl), NAME(pread64),
	NAME(pwrite64), NAME(readv), NAME(writev), NAME(access), NAME(pipe),
	NAME(select), NAME(sched_yield), NAME(mremap), NAME(madvise),
	NAME(dup), NAME(dup2), NAME(nanosleep), NAME(getpid), NAME(sendfile),
	NAME(socket), NAME(connect), NAME(accept), NAME(sendto),
	NAME(recvfrom), NAME(sendmsg), NAME(recvmsg), NAME(bind),
	NAME(listen), NAME(clone), NAME(fork), NAME(vfork), NAME(execve),
	NAME(exit), NAME(wait4), NAME(kill), NAME(uname), NAME(fcntl),
	NAME(flock), NAME(fsync), NAME(truncate), NAME(ftruncate),
	NAME(getdents), NAME(getcwd), NAME(chdir), NAME(rename),
	NAME(mkdir), NAME(rmdir), NAME(creat), NAME(link), NAME(unlink),
	NAME(symlink), NAME(readlink), NAME(chmod), NAME(chown),
	NAME(umask), NAME(gettimeofday), NAME(getrlimit), NAME(getrusage),
	NAME(sysinfo), NAME(ptrace), NAME(getuid), NAME(getgid),
	NAME(setuid), NAME(setgid), NAME(geteuid), NAME(getppid),
	NAME(setsid), NAME(sigaltstack), NAME(prctl), NAME(arch_prctl),
	NAME(mount), NAME(gettid), NAME(tkill), NAME(time), NAME(futex),
	NAME(sched_setaffinity), NAME(sched_getaffinity),
	NAME(getdents64), NAME(set_tid_address), NAME(clock_gettime),
	NAME(clock_nanosleep), NAME(exit_group), NAME(tgkill),
	NAME(openat), NAME(mkdirat), NAME(newfstatat), NAME(unlinkat),
	NAME(readlinkat), NAME(ppoll), NAME(set_robust_list),
	NAME(timerfd_settime), NAME(timerfd_create), NAME(eventfd2),
	NAME(epoll_create1), NAME(dup3), NAME(pipe2), NAME(prlimit64),
	NAME(getrandom), NAME(memfd_create), NAME(bpf), NAME(execveat),
	NAME(io_uring_setup), NAME(io_uring_enter), NAME(clone3),
	NAME(seccomp), NAME(rseq), NAME(statx), NAME(pidfd_open),
	NAME(process_vm_readv), NAME(process_vm_writev), NAME(socketpair),
};

const char *seccomp_filter__syscall_name(long nr)
{
	for (size_t i = 0; i < sizeof(syscall_names) / sizeof(syscall_names[0]);
	     i++)
		if (syscall_names[i].nr == nr)
			return syscall_names[i].name;
	return "?";
}

static size_t put_str(char *buf, size_t at, size_t len, const char *s)
{
	while (*s && at + 1 < len)
		buf[at++] = *s++;
	return at;
}

static size_t put_uint(char *buf, size_t at, size_t len, unsigned long v)
{
	char tmp[24];
	size_t n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < sizeof(tmp));
	while (n && at + 1 < len)
		buf[at++] = tmp[--n];
	return at;
}

/* Async-signal-safe; raw system calls so no sanitizer interceptor runs
 * (they may make calls the filter refuses). */
static void sigsys_handler(int sig, siginfo_t *si, void *ucontext)
{
	char buf[160];
	size_t n = 0;
	int nr = si->si_syscall;

	(void)sig;
	(void)ucontext;
	n = put_str(buf, n, sizeof(buf), "ipivirt: vCPU ");
	n = put_uint(buf, n, sizeof(buf), (unsigned)si->si_errno);
	n = put_str(buf, n, sizeof(buf), ": forbidden system call ");
	n = put_uint(buf, n, sizeof(buf), (unsigned)nr);
	n = put_str(buf, n, sizeof(buf), " (");
	if (si->si_arch != AUDIT_ARCH_X86_64)
		n = put_str(buf, n, sizeof(buf), "not an x86-64 call");
	else
		n = put_str(buf, n, sizeof(buf),
			    seccomp_filter__syscall_name(nr));
	n = put_str(buf, n, sizeof(buf), ")\n");
	syscall(SYS_write, STDERR_FILENO, buf, n);
	syscall(SYS_exit_group, SECCOMP_FILTER_EXIT_STATUS);
}

int seccomp_filter__init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sigsys_handler;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	return sigaction(SIGSYS, &sa, NULL) < 0 ? -errno : 0;
}
