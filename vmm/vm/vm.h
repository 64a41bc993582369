/* SPDX-License-Identifier: MIT */
/*
 * vm.h - one virtual machine: guest RAM, vCPUs, buses, devices and the
 * interrupt controller models, wired together, and the calls on its shared
 * state (vm.c). The KVM backend (kvm/) works on it; machine/ builds and
 * runs it. Free of <linux/kvm.h>; devices and loaders do not include it.
 */
#ifndef IPIVIRT_VM_H
#define IPIVIRT_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apic_ipi.h"
#include "apic_virt.h"
#include "bus.h"
#include "cpumask.h"
#include "ipi_domain.h"
#include "ipivirt.h" /* the public limits */
#include "debug/flight_recorder.h"
#include "hw/power.h"

#define VM_HALT_POLL_START_NS 10000u   /* first step when growing */

enum vm_apic_mode { VM_APIC_X2APIC, VM_APIC_XAPIC };
/* Which controller carries guest IPIs (the local APIC always exists). */
enum vm_irqchip { VM_IRQCHIP_APIC, VM_IRQCHIP_XIVE };
/* Work-arounds for a software-only KVM (kvm_compat.h): --compat. */
/* The values are the public ones (include/ipivirt.h): lib/vmm.c passes
 * them through unchanged. */
enum vm_compat {
	VM_COMPAT_AUTO = IPIVIRT_COMPAT_AUTO,
	VM_COMPAT_NONE = IPIVIRT_COMPAT_NONE,
	VM_COMPAT_EMULATED_KVM = IPIVIRT_COMPAT_EMULATED_KVM,
};
/* seccomp filter on vCPU threads (seccomp_filter.h): --seccomp. */
enum vm_seccomp {
	VM_SECCOMP_OFF = IPIVIRT_SECCOMP_OFF,
	VM_SECCOMP_ON = IPIVIRT_SECCOMP_ON,
	VM_SECCOMP_LOG = IPIVIRT_SECCOMP_LOG,
};

/* Why a run ended; decides ipivirt's exit status (ipivirt_vmm_exit_reason()
 * reports it as it is). */
enum vm_exit_kind {
	VM_EXIT_NONE = IPIVIRT_EXIT_NONE,
	VM_EXIT_POWEROFF = IPIVIRT_EXIT_POWEROFF,     /* ACPI S5: status 0 */
	VM_EXIT_DEBUG_PORT = IPIVIRT_EXIT_DEBUG_PORT, /* (v << 1) | 1 */
	VM_EXIT_RESET = IPIVIRT_EXIT_RESET,           /* status 0 */
	VM_EXIT_TIMEOUT = IPIVIRT_EXIT_TIMEOUT,       /* --timeout ran out */
	VM_EXIT_SIGNAL = IPIVIRT_EXIT_SIGNAL,         /* SIGINT / SIGTERM */
	VM_EXIT_CRASH = IPIVIRT_EXIT_CRASH, /* triple fault, emulation, KVM */
};

/* Per-vCPU counters for --stats, bumped by the owner thread except kicks. */
struct vcpu_stats {
	uint64_t exits;
	uint64_t exit_io, exit_mmio, exit_msr, exit_hlt, exit_irq_window,
		exit_intr, exit_other;
	uint64_t injections;
	uint64_t nmis;
	uint64_t halts;
	uint64_t halt_poll_hits;  /* halts a poll ended (--halt-poll) */
	uint64_t pv_eoi_armed;    /* injections whose EOI could be a store */
	uint64_t pv_eois;         /* ... and that the guest did as one */
	_Atomic uint64_t kicks_signal; /* sent to this vCPU by others */
	_Atomic uint64_t kicks_wake;
};

struct vcpu;
struct fault_inject;
struct event_loop;
struct uart;
struct fw_cfg;
struct pit;
struct pm_timer;
struct i8259;
struct ioapic;
struct ioapic_router;
struct pc_testdev;
struct xive_dev;
struct flight_recorder;
struct kvm_cpuid2;

struct vm_config {
	unsigned nr_cpus;
	uint64_t mem_size;
	const char *kernel_path;
	const char *initrd_path;
	const char *append;
	enum vm_apic_mode apic_mode;
	enum vm_irqchip irqchip;
	bool stats;
	unsigned timeout_s; /* 0: none */
	bool ipi_yield;     /* sender yields its host CPU after an IPI */
	/* --halt-poll: poll before sleeping in HLT, a fixed time (ns, 0: no)
	 * or adaptive up to IPIVIRT_HALT_POLL_ADAPTIVE_MAX_NS; auto: adaptive when every
	 * vCPU can have a host CPU of its own, else off (machine__create()). */
	uint64_t halt_poll_ns;
	bool halt_poll_adaptive;
	bool halt_poll_auto;
	enum vm_compat compat;
	const char *trace_path;    /* --trace: the flight recorder's file */
	size_t trace_ring_entries; /* 0: the default */
	enum vm_seccomp seccomp;   /* 0 (off) unless the CLI says */
	/* --clock: what CPUID tells about time (the PIT and the PM timer are
	 * always there to calibrate against). */
	bool no_kvmclock;          /* hide KVM's paravirtual clock */
	bool no_tsc_leaf;          /* no TSC rate in CPUID 0x15/0x16/0x40000010 */
	/* --pv-eoi off: no KVM_FEATURE_PV_EOI (every EOI an exit). */
	bool no_pv_eoi;
};

/*
 * struct vm_cpu - the interrupt side of one vCPU, shared by the interrupt
 * controllers' hosts (irqchip/) and the backend; a cache line each, as
 * every vCPU thread writes its own.
 * @apic:      the vCPU's local APIC model (irqchip/apic_host.c).
 * @timer_fd:  its timer's timerfd, read by the event loop.
 * @sent_ipi:  owner only: the exit being handled sent an IPI (the vCPU
 *             loop then yields, --ipi-yield).
 */
struct vm_cpu {
	struct apic *apic;
	int timer_fd;
	bool sent_ipi;
} __attribute__((aligned(64)));

struct vm {
	struct vm_config cfg;
	int kvm_fd, vm_fd;
	size_t vcpu_mmap_size;
	/* KVM_GET_SUPPORTED_CPUID, asked once (kvm_cpu.c) */
	struct kvm_cpuid2 *supported_cpuid;
	uint8_t *ram;
	uint64_t ram_size;
	uint64_t tsc_khz;

	struct bus pio_bus, mmio_bus;
	struct uart *uart;
	struct fw_cfg *fw_cfg;
	struct pit *pit;           /* 8254 + port 0x61; OUT 0 is IRQ 0 */
	int pit_timer_fd;          /* the PIT's next IRQ 0 edge (event loop) */
	struct pm_timer *pm_timer; /* ACPI PM timer at ACPI_PM_TMR */
	struct pc_testdev *testdev; /* QEMU's pc-testdev ports */

	struct virq_table *virqs;
	struct apic_bus *apic_bus;
	struct apic_ipi_router *apic_router;
	struct i8259 *pic;         /* 8259 pair: ISA IRQs to every LINT0 */
	struct ioapic *ioapic;     /* at IOAPIC_DEFAULT_BASE, ISA IRQs */
	struct ioapic_router *ioapic_router; /* its domain on the vectors */
	struct xive_dev *xive_dev; /* --irqchip xive only */
	struct flight_recorder *fr; /* --trace only; NULL costs one test */
	struct fault_inject *fi;    /* --inject only; NULL costs one test */

	struct vcpu *vcpus[IPIVIRT_MAX_CPUS];
	struct vm_cpu cpus[IPIVIRT_MAX_CPUS];
	unsigned nr_cpus;
	/* The backend's (kvm/kvm_vcpu.c), for the controllers' hosts: wake
	 * vCPU @cpu or force it out of the guest (any thread), read its TSC.
	 * @kick is what vm__kick() calls: the backend's, or --inject's
	 * wrapper around it (machine__add_faults()). */
	void (*kick)(struct vm *vm, unsigned cpu);
	void (*backend_kick)(struct vm *vm, unsigned cpu);
	uint64_t (*backend_guest_tsc)(struct vm *vm, unsigned cpu);

	/* Boot state handed to the BSP. */
	uint64_t entry;
	bool entry_64bit;
	bool entry_linux;        /* 64-bit Linux boot protocol: RSI = zero page */
	bool compat_emulated;    /* kvm_compat.c work-arounds are on */
	_Atomic bool compat_int3_logged, compat_fwait_logged, compat_intn_logged;
	bool compat_sample_rip;  /* IPIVIRT_SAMPLE_RIP was set at creation */
	struct power power;      /* debug exit, ACPI PM1a, reset port */
	uint64_t boot_info_gpa;

	struct event_loop *loop;
	_Atomic int exit_kind;   /* enum vm_exit_kind, first writer wins */
	_Atomic int exit_code;
	char crash_report[256];
	_Atomic bool stopping;
	/* vm__request_exit() calls it: wake whoever sleeps (machine.c). */
	void (*stop_notify)(struct vm *vm);
	uint64_t start_ns;
};

/*
 * vm__kick() - an interrupt controller has something new pending for @cpu
 * (any thread): the flight recorder notes it, then vm->kick (the backend's
 * kick, or --inject's wrapper, which may make it late or drop it while the
 * event stays pending).
 */
static inline void vm__kick(struct vm *vm, unsigned cpu)
{
	if (cpu >= vm->nr_cpus || !vm->kick)
		return;
	flight_recorder__pending(vm->fr, cpu);
	vm->kick(vm, cpu);
}

/* Guest memory helpers: NULL / -EFAULT outside RAM. */
void *vm__gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);
int vm__write_guest(struct vm *vm, uint64_t gpa, const void *src, size_t len);
int vm__read_guest(struct vm *vm, uint64_t gpa, void *dst, size_t len);

/*
 * vm__request_exit() - end the run (any thread). The first reason wins;
 * later calls only make sure everyone is stopping.
 */
void vm__request_exit(struct vm *vm, enum vm_exit_kind kind, int code);
bool vm__should_stop(const struct vm *vm);

#define VM_STATUS_TIMEOUT 124 /* as timeout(1) */
#define VM_STATUS_CRASH 125
/*
 * vm__exit_status() - the run's end as an exit status: 0 power-off or reset,
 * the debug-exit byte, VM_STATUS_TIMEOUT, 128 + signal, VM_STATUS_CRASH;
 * -1 when the run has not ended. Shared by `ipivirt run` and libipivirt.
 */
int vm__exit_status(struct vm *vm);

/*
 * vm__set_isa_irq() - struct isa_irq.set for the VM's devices (@opaque: the
 * VM): ISA IRQ @line drives the 8259 input of that number (0-15) and its
 * I/O APIC pin (isa_irq_gsi()), as the two are wired on a PC.
 */
void vm__set_isa_irq(void *opaque, unsigned line, bool level);

/*
 * vm__timerfd_arm() - arm timerfd @fd (CLOCK_MONOTONIC) to fire at
 * @deadline_ns on the vm__now_ns() clock; 0 disarms. For the APIC timers and
 * the PIT's IRQ 0 edges, which the event loop reads.
 */
void vm__timerfd_arm(int fd, uint64_t deadline_ns);

uint64_t vm__now_ns(void);
/* vm__now_ns() as the models' now_ns callback (@opaque unused). */
uint64_t vm__clock_ns(void *opaque);
/* vm__kick(), vm__read_guest() and vm__write_guest() in the shape of the
 * models' ops (@opaque: the VM), for the controllers' hosts (irqchip/). */
void vm__kick_op(void *opaque, unsigned cpu);
int vm__read_guest_op(void *opaque, uint64_t gpa, void *buf, size_t len);
int vm__write_guest_op(void *opaque, uint64_t gpa, const void *buf,
		       size_t len);

#endif
