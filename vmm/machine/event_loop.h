/* SPDX-License-Identifier: MIT */
/*
 * event_loop.h - everything that is not a vCPU, in one io_uring on the main
 * thread: console input, APIC timer expiries (one timerfd per vCPU), the
 * PIT's IRQ 0 edges (one timerfd),
 * SIGINT/SIGTERM (signalfd), the run timeout, and control requests from
 * vCPU threads (an eventfd). The IPI hot path never goes through here.
 */
#ifndef IPIVIRT_EVENT_LOOP_H
#define IPIVIRT_EVENT_LOOP_H

#include "vm/vm.h"

struct event_loop;

/* Block SIGINT/SIGTERM for every thread created after this call. */
int event_loop__block_signals(void);
struct event_loop *event_loop__create(struct vm *vm, char *err, size_t errlen);
void event_loop__destroy(struct event_loop *loop);
/* Run until the VM is stopping. */
int event_loop__run(struct event_loop *loop);
/* Wake the loop from any thread (e.g. a vCPU asked the VM to stop). */
void event_loop__notify(struct event_loop *loop);

#endif
