// SPDX-License-Identifier: MIT
/*
 * test_seccomp.c - the vCPU threads' seccomp filter (vmm/kvm/seccomp_filter.c)
 * for real: a forked child puts itself under the filter a vCPU thread
 * installs, then makes calls; the parent reads the child's stderr and exit
 * status. What a vCPU thread does must still work; a socket, an exec, an
 * open, an ioctl on another fd or with another request, an executable
 * mapping must end the process with status 159 and a line naming the call.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "kvm/seccomp_filter.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1 /* the filter allows the runtime's file reads there */
#else
#define SANITIZED 0
#endif

#define VCPU_ID 3

struct child_result {
	int status; /* waitpid() status */
	char err[1024];
};

static int child_fd;           /* plays the vCPU fd: /dev/null */
static int child_timer_fd;
static volatile sig_atomic_t kicked;

static void kick_handler(int sig)
{
	(void)sig;
	kicked = 1;
}

static void say(const char *s)
{
	(void)!write(STDERR_FILENO, s, strlen(s));
}

/* Fork; the child installs the filter as vCPU VCPU_ID, then runs @body. */
static struct child_result run_filtered(void (*body)(void), bool log_only)
{
	struct child_result r = { .status = -1 };
	int pipefd[2];
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = kick_handler };

		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		child_fd = open("/dev/null", O_RDWR);
		child_timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
		sigemptyset(&sa.sa_mask);
		if (child_fd < 0 || child_timer_fd < 0 ||
		    sigaction(SIGUSR1, &sa, NULL) || seccomp_filter__init() ||
		    seccomp_filter__install_vcpu(VCPU_ID, child_fd, log_only)) {
			say("setup failed\n");
			_exit(2);
		}
		body();
		say("body returned\n");
		syscall(SYS_exit_group, 0);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], r.err + got, sizeof(r.err) - 1 - got)) > 0)
		got += (size_t)n;
	r.err[got] = '\0';
	close(pipefd[0]);
	ck_assert_int_eq(waitpid(pid, &r.status, 0), pid);
	return r;
}

static void assert_refused(const struct child_result *r, const char *name)
{
	char want[96];

	snprintf(want, sizeof(want), "vCPU %d: forbidden system call", VCPU_ID);
	ck_assert_msg(WIFEXITED(r->status) &&
			      WEXITSTATUS(r->status) == SECCOMP_FILTER_EXIT_STATUS,
		      "child status 0x%x, want exit %d; stderr: %s", r->status,
		      SECCOMP_FILTER_EXIT_STATUS, r->err);
	ck_assert_msg(strstr(r->err, want), "stderr: %s", r->err);
	snprintf(want, sizeof(want), "(%s)", name);
	ck_assert_msg(strstr(r->err, want), "want %s in: %s", want, r->err);
	ck_assert_msg(!strstr(r->err, "body returned"), "stderr: %s", r->err);
}

#define CHECK(cond)                                                     \
	do {                                                            \
		if (!(cond)) {                                          \
			say("check failed: " #cond "\n");               \
			syscall(SYS_exit_group, 1);                     \
		}                                                       \
	} while (0)

/* What a vCPU thread does: run, kick, sleep, wake, time, allocate. */
static void body_allowed(void)
{
	struct timespec ts;
	struct itimerspec its = { .it_value = { 0, 0 } };
	int word = 0;
	void *p;

	CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
	CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) == 0);
	CHECK(sched_yield() == 0);
	CHECK(syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL,
		      0) == 0);
	/* ioctl on "our vCPU fd" with KVM_RUN: allowed by the filter, refused
	 * by /dev/null. */
	CHECK(ioctl(child_fd, KVM_RUN, 0) < 0 && errno == ENOTTY);
	CHECK(ioctl(child_fd, KVM_GET_REGS, NULL) < 0 && errno == ENOTTY);
	CHECK(timerfd_settime(child_timer_fd, 0, &its, NULL) == 0);
	CHECK(pthread_kill(pthread_self(), SIGUSR1) == 0 && kicked);
	ts = (struct timespec){ 0, 1000000 };
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL) == 0);
	p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	memset(p, 1, 1 << 20);
	CHECK(madvise(p, 1 << 20, MADV_DONTNEED) == 0);
	CHECK(mprotect(p, 4096, PROT_READ) == 0);
	CHECK(munmap(p, 1 << 20) == 0);
	p = malloc(4 << 20); /* past the mmap threshold */
	CHECK(p);
	free(p);
	say("allowed ok\n");
	syscall(SYS_exit_group, 0);
}

START_TEST(test_allowed_calls_work)
{
	struct child_result r = run_filtered(body_allowed, false);

	ck_assert_msg(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
		      "child status 0x%x; stderr: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "allowed ok"), "stderr: %s", r.err);
}
END_TEST

static void body_socket(void)
{
	(void)socket(AF_INET, SOCK_STREAM, 0);
}

START_TEST(test_socket_refused)
{
	struct child_result r = run_filtered(body_socket, false);

	assert_refused(&r, "socket");
}
END_TEST

static void body_execve(void)
{
	char *argv[] = { "/bin/true", NULL };

	(void)syscall(SYS_execve, "/bin/true", argv, NULL);
}

START_TEST(test_execve_refused)
{
	struct child_result r = run_filtered(body_execve, false);

	assert_refused(&r, "execve");
}
END_TEST

static void body_open_passwd(void)
{
	(void)syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
}

START_TEST(test_open_refused)
{
	struct child_result r;

	if (SANITIZED)
		return; /* the sanitizer runtimes read files for reports */
	r = run_filtered(body_open_passwd, false);
	assert_refused(&r, "openat");
}
END_TEST

static void body_ioctl_other_fd(void)
{
	(void)ioctl(STDIN_FILENO, KVM_RUN, 0);
}

START_TEST(test_ioctl_other_fd_refused)
{
	struct child_result r = run_filtered(body_ioctl_other_fd, false);

	assert_refused(&r, "ioctl");
}
END_TEST

static void body_ioctl_other_request(void)
{
	int n;

	(void)ioctl(child_fd, FIONREAD, &n);
}

START_TEST(test_ioctl_other_request_refused)
{
	struct child_result r = run_filtered(body_ioctl_other_request, false);

	assert_refused(&r, "ioctl");
}
END_TEST

static void body_exec_mapping(void)
{
	(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

START_TEST(test_exec_mapping_refused)
{
	struct child_result r = run_filtered(body_exec_mapping, false);

	assert_refused(&r, "mmap");
}
END_TEST

static void body_mprotect_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);

	if (p != MAP_FAILED)
		(void)mprotect(p, 4096, PROT_READ | PROT_EXEC);
}

START_TEST(test_mprotect_exec_refused)
{
	struct child_result r = run_filtered(body_mprotect_exec, false);

	assert_refused(&r, "mprotect");
}
END_TEST

/* --seccomp log: logged by the kernel, not refused. */
static void body_log_socket(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	CHECK(fd >= 0);
	say("socket allowed\n");
}

START_TEST(test_log_mode_allows)
{
	struct child_result r = run_filtered(body_log_socket, true);

	ck_assert_msg(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
		      "child status 0x%x; stderr: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "socket allowed"), "stderr: %s", r.err);
}
END_TEST

START_TEST(test_syscall_names)
{
	ck_assert_str_eq(seccomp_filter__syscall_name(__NR_socket), "socket");
	ck_assert_str_eq(seccomp_filter__syscall_name(__NR_execve), "execve");
	ck_assert_str_eq(seccomp_filter__syscall_name(100000), "?");
}
END_TEST

static Suite *seccomp_suite(void)
{
	Suite *s = suite_create("seccomp");
	TCase *tc = tcase_create("vcpu filter");

	tcase_add_test(tc, test_allowed_calls_work);
	tcase_add_test(tc, test_socket_refused);
	tcase_add_test(tc, test_execve_refused);
	tcase_add_test(tc, test_open_refused);
	tcase_add_test(tc, test_ioctl_other_fd_refused);
	tcase_add_test(tc, test_ioctl_other_request_refused);
	tcase_add_test(tc, test_exec_mapping_refused);
	tcase_add_test(tc, test_mprotect_exec_refused);
	tcase_add_test(tc, test_log_mode_allows);
	tcase_add_test(tc, test_syscall_names);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(seccomp_suite)
