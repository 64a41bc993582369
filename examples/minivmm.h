/* SPDX-License-Identifier: MIT */
/*
 * minivmm.h - a second, minimal KVM VMM built on libipivirt: it owns its
 * KVM loop (memory, vCPU threads, exits, injection, kicks, halt) and gets
 * the userspace local APIC and the IPI routing from the library.
 */
#ifndef MINIVMM_H
#define MINIVMM_H

#include <ipivirt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MINI_MAX_CPUS 64

/* Where a vCPU thread is, for kickers (as in ipivirt's kvm_vcpu.c). */
enum mini_mode { MODE_OUTSIDE, MODE_IN_GUEST, MODE_EXITING, MODE_HALTED };

struct mini;

struct mini_vcpu {
	struct mini *m;
	unsigned id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	struct ipivirt_vcpu *iv;
	int timer_fd;          /* the APIC timer: read by the main thread */
	_Atomic int mode;      /* enum mini_mode; also the futex word */
	unsigned nmi_pending;  /* NMIs to inject, 0-2; owner only */
	bool wait_sipi;        /* owner only */
};

struct mini {
	int kvm_fd, vm_fd;
	size_t run_size;
	uint8_t *ram;
	uint64_t ram_size;
	unsigned nr_cpus;
	bool x2apic;
	uint64_t tsc_khz;
	struct ipivirt_vm *ivm;
	struct mini_vcpu vcpus[MINI_MAX_CPUS];
	int stop_fd;           /* eventfd: wakes the main thread */
	_Atomic bool stopping;
	_Atomic int status;    /* exit status, first writer wins; -1: none */
	uint64_t start_ns;
	pthread_mutex_t dev_lock; /* the devices below */
	uint8_t uart_lcr;
	char line[256];
	size_t line_len;
	uint16_t fw_sel;
	uint32_t fw_off;
};

/* minivmm.c */
void mini_stop(struct mini *m, int status);
uint64_t mini_now_ns(void);

/* cpu.c: CPUID and register state. */
int mini_cpu_setup_cpuid(struct mini *m, int fd, unsigned id);
int mini_cpu_enter(int fd, const struct ipivirt_guest_entry *e);
int mini_cpu_enter_sipi(int fd, uint8_t vector);
void mini_cpu_drop_events(int fd);

/* devices.c: COM1, fw_cfg, ACPI PM1a, debug exit (port I/O). */
void mini_pio(struct mini *m, uint16_t port, void *data, unsigned len,
	      bool out);

/* vcpu.c */
int mini_vcpu_create(struct mini *m, unsigned id);
int mini_vcpu_start(struct mini_vcpu *v);
void mini_kick(struct mini_vcpu *v);
int mini_init_signals(void);

#endif
