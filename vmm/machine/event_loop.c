// SPDX-License-Identifier: MIT
/*
 * event_loop.c - the liburing loop behind console, timers (APIC, PIT),
 * signals, timeout.
 */
#include <errno.h>
#include <liburing.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "event_loop.h"
#include "pit.h"
#include "hw/uart.h"
#include "kvm/kvm_vcpu.h"

enum ev_kind {
	EV_CONSOLE = 1, EV_SIGNAL, EV_TIMER, EV_CONTROL, EV_TIMEOUT, EV_PIT
};

#define EV_TAG(kind, index) (((uint64_t)(kind) << 32) | (uint32_t)(index))
#define EV_KIND(tag) ((enum ev_kind)((tag) >> 32))
#define EV_INDEX(tag) ((uint32_t)(tag))

struct event_loop {
	struct vm *vm;
	struct io_uring ring;
	bool ring_ready;
	int signal_fd;
	int control_fd;
	bool console_open;
	uint8_t console_buf[256];
	struct signalfd_siginfo siginfo;
	uint64_t control_value;
	uint64_t *timer_values; /* one expiry count per vCPU */
	uint64_t pit_value;     /* the PIT timer's expiry count */
	struct __kernel_timespec timeout;
};

int event_loop__block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	return -pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static struct io_uring_sqe *get_sqe(struct event_loop *loop)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&loop->ring);

	if (!sqe) { /* full: push what is queued and try again */
		io_uring_submit(&loop->ring);
		sqe = io_uring_get_sqe(&loop->ring);
	}
	return sqe;
}

static void queue_read(struct event_loop *loop, int fd, void *buf,
		       unsigned len, uint64_t tag)
{
	struct io_uring_sqe *sqe = get_sqe(loop);

	if (!sqe)
		return;
	io_uring_prep_read(sqe, fd, buf, len, 0);
	io_uring_sqe_set_data64(sqe, tag);
}

static void queue_console(struct event_loop *loop)
{
	queue_read(loop, STDIN_FILENO, loop->console_buf,
		   sizeof(loop->console_buf), EV_TAG(EV_CONSOLE, 0));
}

static void queue_timer(struct event_loop *loop, unsigned cpu)
{
	queue_read(loop, loop->vm->cpus[cpu].timer_fd,
		   &loop->timer_values[cpu], sizeof(uint64_t),
		   EV_TAG(EV_TIMER, cpu));
}

static void queue_pit(struct event_loop *loop)
{
	queue_read(loop, loop->vm->pit_timer_fd, &loop->pit_value,
		   sizeof(loop->pit_value), EV_TAG(EV_PIT, 0));
}

struct event_loop *event_loop__create(struct vm *vm, char *err, size_t errlen)
{
	struct event_loop *loop = calloc(1, sizeof(*loop));
	sigset_t set;
	int ret;

	if (!loop) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	loop->vm = vm;
	loop->signal_fd = loop->control_fd = -1;
	loop->timer_values = calloc(vm->nr_cpus, sizeof(uint64_t));
	if (!loop->timer_values) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	ret = io_uring_queue_init(64 + 2 * vm->nr_cpus, &loop->ring, 0);
	if (ret < 0) {
		snprintf(err, errlen, "io_uring_queue_init: %s",
			 strerror(-ret));
		goto fail;
	}
	loop->ring_ready = true;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	loop->signal_fd = signalfd(-1, &set, SFD_CLOEXEC);
	loop->control_fd = eventfd(0, EFD_CLOEXEC);
	if (loop->signal_fd < 0 || loop->control_fd < 0) {
		snprintf(err, errlen, "signalfd/eventfd: %s", strerror(errno));
		goto fail;
	}
	return loop;
fail:
	event_loop__destroy(loop);
	return NULL;
}

void event_loop__destroy(struct event_loop *loop)
{
	if (!loop)
		return;
	if (loop->ring_ready)
		io_uring_queue_exit(&loop->ring);
	if (loop->signal_fd >= 0)
		close(loop->signal_fd);
	if (loop->control_fd >= 0)
		close(loop->control_fd);
	free(loop->timer_values);
	free(loop);
}

void event_loop__notify(struct event_loop *loop)
{
	uint64_t one = 1;

	if (loop && write(loop->control_fd, &one, sizeof(one)) < 0)
		return; /* the counter cannot overflow in practice */
}

static void handle(struct event_loop *loop, uint64_t tag, int res)
{
	struct vm *vm = loop->vm;
	uint32_t index = EV_INDEX(tag);

	switch (EV_KIND(tag)) {
	case EV_CONSOLE:
		if (res > 0) {
			uart__receive(vm->uart, loop->console_buf, (size_t)res);
			queue_console(loop);
		} else if (res == -EINTR || res == -EAGAIN) {
			queue_console(loop);
		} else {
			loop->console_open = false; /* EOF or no console */
		}
		break;
	case EV_SIGNAL:
		if (res == (int)sizeof(loop->siginfo))
			vm__request_exit(vm, VM_EXIT_SIGNAL,
					 (int)loop->siginfo.ssi_signo);
		else
			queue_read(loop, loop->signal_fd, &loop->siginfo,
				   sizeof(loop->siginfo), EV_TAG(EV_SIGNAL, 0));
		break;
	case EV_TIMER:
		if (index < vm->nr_cpus) {
			if (res == (int)sizeof(uint64_t))
				apic_timer_fire(vm->cpus[index].apic);
			queue_timer(loop, index);
		}
		break;
	case EV_PIT: /* IRQ 0's edge is due: the PIT raises it, re-arms */
		if (res == (int)sizeof(uint64_t))
			pit_poll(vm->pit);
		queue_pit(loop);
		break;
	case EV_CONTROL:
		queue_read(loop, loop->control_fd, &loop->control_value,
			   sizeof(loop->control_value), EV_TAG(EV_CONTROL, 0));
		break;
	case EV_TIMEOUT:
		if (res == -ETIME)
			vm__request_exit(vm, VM_EXIT_TIMEOUT, 0);
		break;
	}
}

int event_loop__run(struct event_loop *loop)
{
	struct vm *vm = loop->vm;
	struct io_uring_cqe *cqe;

	loop->console_open = isatty(STDIN_FILENO) || lseek(STDIN_FILENO, 0,
							      SEEK_CUR) < 0;
	if (loop->console_open)
		queue_console(loop);
	queue_read(loop, loop->signal_fd, &loop->siginfo,
		   sizeof(loop->siginfo), EV_TAG(EV_SIGNAL, 0));
	queue_read(loop, loop->control_fd, &loop->control_value,
		   sizeof(loop->control_value), EV_TAG(EV_CONTROL, 0));
	for (unsigned cpu = 0; cpu < vm->nr_cpus; cpu++)
		queue_timer(loop, cpu);
	queue_pit(loop);
	if (vm->cfg.timeout_s) {
		struct io_uring_sqe *sqe = get_sqe(loop);
		loop->timeout.tv_sec = vm->cfg.timeout_s;
		if (sqe) {
			io_uring_prep_timeout(sqe, &loop->timeout, 0, 0);
			io_uring_sqe_set_data64(sqe, EV_TAG(EV_TIMEOUT, 0));
		}
	}

	while (!vm__should_stop(vm)) {
		int ret = io_uring_submit_and_wait(&loop->ring, 1);
		unsigned head, seen = 0;

		if (ret < 0 && ret != -EINTR && ret != -EAGAIN &&
		    ret != -EBUSY) {
			fprintf(stderr, "ipivirt: event loop: %s\n",
				strerror(-ret));
			vm__request_exit(vm, VM_EXIT_CRASH, 0);
			return ret;
		}
		io_uring_for_each_cqe(&loop->ring, head, cqe) {
			handle(loop, io_uring_cqe_get_data64(cqe), cqe->res);
			seen++;
		}
		io_uring_cq_advance(&loop->ring, seen);
	}
	return 0;
}
