// SPDX-License-Identifier: MIT
/*
 * vm.c - the running machine's shared state: guest memory access, the ISA
 * interrupt wiring, the clock and timerfds, and how a run ends. Everything
 * below the run loop (devices, the KVM backend) reaches the VM through
 * these; building and running it is machine/machine.c.
 */
#include <errno.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>

#include "i8259.h"
#include "ioapic.h"
#include "isa_irq.h"
#include "mono_clock.h"
#include "vm.h"

uint64_t vm__now_ns(void)
{
	return mono_clock_ns();
}

uint64_t vm__clock_ns(void *opaque)
{
	(void)opaque;
	return vm__now_ns();
}

void vm__kick_op(void *opaque, unsigned cpu)
{
	vm__kick(opaque, cpu);
}

int vm__read_guest_op(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	return vm__read_guest(opaque, gpa, buf, len);
}

int vm__write_guest_op(void *opaque, uint64_t gpa, const void *buf,
		       size_t len)
{
	return vm__write_guest(opaque, gpa, buf, len);
}

void vm__set_isa_irq(void *opaque, unsigned line, bool level)
{
	struct vm *vm = opaque;

	if (line < I8259_NR_IRQS)
		i8259_set_irq(vm->pic, line, level);
	if (line < IOAPIC_NR_PINS)
		ioapic_set_irq(vm->ioapic, isa_irq_gsi(line), level);
}

void vm__timerfd_arm(int fd, uint64_t deadline_ns)
{
	struct itimerspec its = { 0 };

	/* 0 disarms; any other deadline, even one in the past, fires. */
	if (deadline_ns) {
		its.it_value.tv_sec = (time_t)(deadline_ns / 1000000000ull);
		its.it_value.tv_nsec = (long)(deadline_ns % 1000000000ull);
	}
	timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
}

void *vm__gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa > vm->ram_size || len > vm->ram_size - gpa)
		return NULL;
	return vm->ram + gpa;
}

int vm__write_guest(struct vm *vm, uint64_t gpa, const void *src, size_t len)
{
	void *dst = vm__gpa_to_hva(vm, gpa, len);

	if (!dst)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

int vm__read_guest(struct vm *vm, uint64_t gpa, void *dst, size_t len)
{
	const void *src = vm__gpa_to_hva(vm, gpa, len);

	if (!src)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

bool vm__should_stop(const struct vm *vm)
{
	return atomic_load_explicit(&vm->stopping, memory_order_acquire);
}

void vm__request_exit(struct vm *vm, enum vm_exit_kind kind, int code)
{
	int none = VM_EXIT_NONE;

	if (atomic_compare_exchange_strong(&vm->exit_kind, &none, (int)kind))
		atomic_store(&vm->exit_code, code);
	atomic_store_explicit(&vm->stopping, true, memory_order_release);
	if (vm->stop_notify)
		vm->stop_notify(vm);
}

int vm__exit_status(struct vm *vm)
{
	int code = atomic_load(&vm->exit_code);

	switch ((enum vm_exit_kind)atomic_load(&vm->exit_kind)) {
	case VM_EXIT_POWEROFF:
	case VM_EXIT_RESET:
		return 0;
	case VM_EXIT_DEBUG_PORT:
		return code & 0xff;
	case VM_EXIT_TIMEOUT:
		return VM_STATUS_TIMEOUT;
	case VM_EXIT_SIGNAL:
		return 128 + code;
	case VM_EXIT_CRASH:
		return VM_STATUS_CRASH;
	case VM_EXIT_NONE:
		break;
	}
	return -1;
}
