/* SPDX-License-Identifier: MIT */
/*
 * ipivirt.h - libipivirt: ipivirt's userspace interrupt controllers (x86
 * local APIC, POWER XIVE) and its host IPI domain, for other VMMs to embed.
 *
 * Two ways in:
 *
 *  1. The models (struct ipivirt_vm, struct ipivirt_vcpu): you own KVM (or
 *     any other accelerator) and the vCPU loop. You feed the library the
 *     guest's APIC MMIO / MSR accesses and XIVE ESB / TIMA accesses and
 *     hypercalls; it calls you back to kick a vCPU, read or write guest
 *     memory, read the clock and arm a vCPU timer; before entering the
 *     guest you ask it for the vCPU's highest pending interrupt and
 *     acknowledge it when you inject it. Every IPI the guest sends, and
 *     every IPI you send with ipivirt_ipi_send_*(), goes through one IPI
 *     domain per VM (reserve a virq, send it to a CPU or a mask).
 *
 *  2. The whole VMM (struct ipivirt_vmm): what `ipivirt run` does, as four
 *     calls (create, load a kernel, run, stop). Linux/x86 KVM only.
 *
 * Conventions:
 *  - Every name is prefixed ipivirt_ / IPIVIRT_; every handle is opaque.
 *  - Functions returning int return 0 (or a non-negative value) on success
 *    and a negative errno on failure. Nothing sets errno for you to read.
 *  - Configuration structs start with `size_t size`, which you set to
 *    sizeof(the struct) as your header declares it: the library reads only
 *    that many bytes and takes defaults for newer fields, so structs can
 *    grow at the end without breaking your binary. Zero means "default" for
 *    every field unless documented otherwise.
 *  - CPUs are the VMM's dense vCPU indices 0..nr_cpus-1. CPU masks are
 *    arrays of uint64_t, bit n of word n / 64 standing for CPU n, passed
 *    with their length in bits.
 *  - No global state: handles are independent; several VMs may live in
 *    one process.
 *
 * Thread-safety contract (as the models' own, vmm/apic_virt.h and
 * vmm/xive_virt.h):
 *  - Setup and teardown (ipivirt_vm_create/destroy, ipivirt_vcpu_create/
 *    destroy, ipivirt_vmm_create/load_kernel/destroy) must not run
 *    concurrently with any other call on the same VM.
 *  - "Owner" calls for one vCPU run on one thread at a time, normally that
 *    vCPU's thread: ipivirt_apic_mmio_read/write, ipivirt_apic_msr_read/
 *    write, ipivirt_vcpu_take_events, ipivirt_vcpu_next_interrupt,
 *    ipivirt_vcpu_ack_interrupt. Different vCPUs' owners run in parallel.
 *  - Any thread, concurrently with everything above and with each other:
 *    ipivirt_ipi_send_single/mask, ipivirt_ipi_reserve/destroy (serialized
 *    inside; do not destroy a virq another thread may still send to),
 *    ipivirt_vcpu_timer_fire, ipivirt_vcpu_wait_for_sipi,
 *    ipivirt_vcpu_xive_line, ipivirt_vcpu_ipi_counts, every ipivirt_xive_*
 *    call (one mutex per XIVE controller serializes them), ipivirt_vmm_stop,
 *    ipivirt_version, ipivirt_check_version.
 *  - Callbacks: kick() may be called on any thread, concurrently, from
 *    inside any call that delivers something (a send, an MMIO or MSR write,
 *    a timer fire); it must be short and must not block. XIVE callbacks run
 *    with the controller's mutex held and must not call ipivirt_xive_*()
 *    for the same VM. A kick is never lost if you follow the protocol of
 *    docs/architecture.md ("Why the kick cannot be lost"): publish "in
 *    guest" or "halted", full fence, then look at next_interrupt / events.
 */
#ifndef IPIVIRT_H
#define IPIVIRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipivirt_version.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define IPIVIRT_API __attribute__((visibility("default")))
#else
#define IPIVIRT_API
#endif

/*
 * The most vCPUs a VM may have: 1024, x86 KVM's own ceiling (it was 256).
 * No struct holds an array of it, and every call
 * checks CPU numbers against the VM's nr_cpus, so a program built with
 * another value still gets -EINVAL, never an overrun, for a count the
 * loaded library does not take. More than 255 x86 vCPUs need x2APIC
 * (@x2apic): xAPIC IDs stop at 254.
 */
#define IPIVIRT_MAX_CPUS 1024u

struct ipivirt_vm;
struct ipivirt_vcpu;
struct ipivirt_vmm;

/* ---- version --------------------------------------------------------- */

/**
 * ipivirt_version() - the version of the library loaded at run time.
 * Return: a string such as "0.2.0" (static storage).
 */
IPIVIRT_API const char *ipivirt_version(void);

/**
 * ipivirt_check_version() - is the loaded library compatible with @major.@minor?
 * @major: the major version you were built for (IPIVIRT_VERSION_MAJOR).
 * @minor: the oldest minor version whose API you use.
 * Return: 0 when the library has the same major and a minor >= @minor,
 * -ENOTSUP otherwise.
 */
IPIVIRT_API int ipivirt_check_version(int major, int minor);

/* ---- the models: one IPI domain context per VM -------------------------- */

/* Controllers a VM carries (struct ipivirt_vm_config.controllers). */
#define IPIVIRT_CTRL_APIC (1u << 0) /* x86 local APICs */
#define IPIVIRT_CTRL_XIVE (1u << 1) /* one sPAPR XIVE controller */

/**
 * struct ipivirt_vm_config - what to build for one VM.
 * @size:          sizeof(struct ipivirt_vm_config).
 * @nr_cpus:       vCPUs, 1..IPIVIRT_MAX_CPUS.
 * @controllers:   IPIVIRT_CTRL_* (0: APIC only).
 * @max_ipis:      bound on reserved IPIs (virqs); 0: 4096.
 * @tsc_khz:       APIC: guest TSC rate (TSC-deadline timer). Required with
 *                 IPIVIRT_CTRL_APIC.
 * @apic_bus_khz:  APIC: timer input clock before the divider; 0: 1000000
 *                 (1 GHz, what ipivirt's CPUID leaf 0x15 announces).
 * @x2apic:        APIC: the guest may switch to x2APIC mode.
 * @xive_nr_irqs:  XIVE: sources (>= nr_cpus; 0..nr_cpus-1 are the IPIs);
 *                 0: nr_cpus + 16.
 * @xive_esb_base: XIVE: guest-physical base of the ESB pages; 0: QEMU
 *                 spapr's.
 * @xive_tima_base: XIVE: base of the 4-page TIMA; 0: QEMU spapr's.
 * @xive_esb_shift: XIVE: 12, 13, 16 or 17 (log2 of one source's ESB
 *                 span; odd: trigger + management pages); 0: 17.
 */
struct ipivirt_vm_config {
	size_t size;
	unsigned nr_cpus;
	unsigned controllers;
	unsigned max_ipis;
	uint64_t tsc_khz;
	uint64_t apic_bus_khz;
	bool x2apic;
	unsigned xive_nr_irqs;
	uint64_t xive_esb_base;
	uint64_t xive_tima_base;
	unsigned xive_esb_shift;
};

/**
 * struct ipivirt_host_ops - what the library needs from the embedder.
 * @size:         sizeof(struct ipivirt_host_ops).
 * @opaque:       passed back to every callback.
 * @kick:         required. vCPU @cpu has something new pending: wake it if
 *                halted, or force it out of guest mode (signal plus KVM's
 *                immediate_exit) so it looks at ipivirt_vcpu_take_events()
 *                and ipivirt_vcpu_next_interrupt(). Any thread.
 * @now_ns:       a monotonic clock in ns; NULL: CLOCK_MONOTONIC.
 * @guest_tsc:    the guest TSC of vCPU @cpu now (TSC-deadline mode); NULL:
 *                derived from now_ns() and tsc_khz.
 * @timer_arm:    APIC: make vCPU @cpu's host timer call
 *                ipivirt_vcpu_timer_fire() at @deadline_ns (now_ns clock;
 *                0 cancels; a past deadline fires at once). NULL: the APIC
 *                timer never fires.
 * @read_mem:     XIVE: copy guest RAM at @gpa into @buf; 0 or -errno.
 * @write_mem:    XIVE: copy @buf into guest RAM at @gpa (event queues);
 *                visible to the guest on return; 0 or -errno.
 * @set_irq_line: XIVE: vCPU @cpu's external interrupt line went to @level
 *                (optional; ipivirt_vcpu_xive_line() reads it too).
 * XIVE needs @read_mem and @write_mem.
 */
struct ipivirt_host_ops {
	size_t size;
	void *opaque;
	void (*kick)(void *opaque, unsigned cpu);
	uint64_t (*now_ns)(void *opaque);
	uint64_t (*guest_tsc)(void *opaque, unsigned cpu);
	void (*timer_arm)(void *opaque, unsigned cpu, uint64_t deadline_ns);
	int (*read_mem)(void *opaque, uint64_t gpa, void *buf, size_t len);
	int (*write_mem)(void *opaque, uint64_t gpa, const void *buf,
			 size_t len);
	void (*set_irq_line)(void *opaque, unsigned cpu, bool level);
};

/**
 * ipivirt_vm_create() - the interrupt controllers and IPI domain of one VM.
 * @cfg: what to build (copied).
 * @ops: the embedder's callbacks (copied).
 * @out: the new VM.
 * Return: 0, -EINVAL for a bad configuration or missing callback,
 * -ENOMEM.
 */
IPIVIRT_API int ipivirt_vm_create(const struct ipivirt_vm_config *cfg,
				  const struct ipivirt_host_ops *ops,
				  struct ipivirt_vm **out);
/* Destroy @vm and every vCPU still attached. NULL is a no-op. */
IPIVIRT_API void ipivirt_vm_destroy(struct ipivirt_vm *vm);

/**
 * struct ipivirt_vcpu_config - one vCPU's controller state.
 * @size:        sizeof(struct ipivirt_vcpu_config).
 * @cpu:         the vCPU index, < nr_cpus, each once.
 * @controllers: IPIVIRT_CTRL_APIC (a local APIC) and/or IPIVIRT_CTRL_XIVE
 *               (the vCPU's XIVE thread context); must be among the VM's.
 *               0: every controller of the VM.
 * @apic_id:     APIC: the initial APIC ID, with IPIVIRT_VCPU_APIC_ID
 *               (else the APIC ID is @cpu).
 * @flags:       IPIVIRT_VCPU_*.
 * @xive_vector: XIVE on x86: the vector ipivirt_vcpu_next_interrupt()
 *               reports while the XIVE line is up (16..255); 0: the line
 *               is only reported by ipivirt_vcpu_xive_line().
 */
struct ipivirt_vcpu_config {
	size_t size;
	unsigned cpu;
	unsigned controllers;
	uint32_t apic_id;
	unsigned flags;
	unsigned xive_vector;
};

#define IPIVIRT_VCPU_BSP (1u << 0)          /* bootstrap processor */
#define IPIVIRT_VCPU_APIC_ID (1u << 1)      /* @apic_id is set */

/**
 * ipivirt_vcpu_create() - attach an APIC and/or XIVE context to vCPU @cfg->cpu.
 * @vm:  the VM.
 * @cfg: the vCPU.
 * @out: the new vCPU handle.
 * An AP (no IPIVIRT_VCPU_BSP) starts in wait-for-SIPI, as after RESET.
 * Return: 0, -EINVAL (bad index, controller the VM lacks), -EEXIST (that
 * vCPU exists or existed), -ENOMEM.
 */
IPIVIRT_API int ipivirt_vcpu_create(struct ipivirt_vm *vm,
				    const struct ipivirt_vcpu_config *cfg,
				    struct ipivirt_vcpu **out);
/*
 * Release a vCPU handle (NULL: no-op). Its APIC stays on the VM's bus, so
 * IPIs to it stay safe, until ipivirt_vm_destroy(); the index cannot be
 * reused. ipivirt_vm_destroy() releases the vCPUs still attached.
 */
IPIVIRT_API void ipivirt_vcpu_destroy(struct ipivirt_vcpu *vcpu);

/* ---- exits: APIC ------------------------------------------------------- */

/**
 * ipivirt_apic_mmio_read() - a guest load from the xAPIC page.
 * @vcpu: the accessing vCPU (owner thread).
 * @gpa:  guest-physical address of the access.
 * @data: out: @len bytes, little-endian, as KVM_EXIT_MMIO carries them.
 * @len:  1, 2, 4 or 8.
 * Return: 0 when @gpa is in this vCPU's enabled xAPIC page (reserved
 * registers read 0, as on hardware), -ENOENT when it is not (not ours:
 * dispatch it elsewhere), -EINVAL for a bad @len or no APIC.
 */
IPIVIRT_API int ipivirt_apic_mmio_read(struct ipivirt_vcpu *vcpu, uint64_t gpa,
				       void *data, unsigned len);
/* A guest store to the xAPIC page; returns as ipivirt_apic_mmio_read(). */
IPIVIRT_API int ipivirt_apic_mmio_write(struct ipivirt_vcpu *vcpu,
					uint64_t gpa, const void *data,
					unsigned len);

/**
 * ipivirt_apic_msr_read() - a guest RDMSR (KVM_EXIT_X86_RDMSR).
 * @vcpu:  the accessing vCPU (owner thread).
 * @msr:   IA32_APIC_BASE (0x1b), IA32_TSC_DEADLINE (0x6e0), 0x800-0x8ff.
 * @value: out: the value.
 * Return: 0, -EINVAL: inject #GP (as the SDM says for this access),
 * -ENOENT: not an APIC MSR (KVM would #GP too, or handle it yourself).
 */
IPIVIRT_API int ipivirt_apic_msr_read(struct ipivirt_vcpu *vcpu, uint32_t msr,
				      uint64_t *value);
/* A guest WRMSR; an ICR write sends the IPI. Returns as the read. */
IPIVIRT_API int ipivirt_apic_msr_write(struct ipivirt_vcpu *vcpu, uint32_t msr,
				       uint64_t value);

/* ---- exits: XIVE ------------------------------------------------------- */

/**
 * ipivirt_xive_mmio() - a guest access to the XIVE ESB pages or TIMA.
 * @vcpu:     the accessing vCPU (any thread: serialized inside).
 * @gpa:      guest-physical address.
 * @data:     @len bytes in guest byte order (big-endian on POWER).
 * @len:      1, 2, 4 or 8.
 * @is_write: store or load.
 * A store to an IPI source's trigger page goes through the IPI domain.
 * Invalid accesses are absorbed as on hardware (loads read all-ones).
 * Return: 0 when @gpa is XIVE MMIO, -ENOENT when it is not, -EINVAL when
 * the VM has no XIVE.
 */
IPIVIRT_API int ipivirt_xive_mmio(struct ipivirt_vcpu *vcpu, uint64_t gpa,
				  void *data, unsigned len, bool is_write);

/**
 * ipivirt_xive_hcall() - an sPAPR H_INT_* hypercall from @vcpu.
 * @vcpu:   the calling vCPU.
 * @opcode: H_INT_GET_SOURCE_INFO (0x3a8) .. H_INT_RESET (0x3d0).
 * @args:   R4..R8 (5 entries read).
 * @rets:   out: R4..R7 (4 entries).
 * Return: the PAPR status for R3 (H_SUCCESS 0, H_PARAMETER -4, ...);
 * H_FUNCTION (-2) for another opcode or a VM without XIVE.
 */
IPIVIRT_API long ipivirt_xive_hcall(struct ipivirt_vcpu *vcpu,
				    unsigned long opcode, const uint64_t args[],
				    uint64_t rets[]);

/* True while @vcpu's XIVE external interrupt line is up (any thread). */
IPIVIRT_API bool ipivirt_vcpu_xive_line(const struct ipivirt_vcpu *vcpu);

/* ---- interrupt acceptance and events (owner thread) ---------------------- */

/**
 * ipivirt_vcpu_next_interrupt() - the vector the vCPU would take now.
 * @vcpu: the vCPU.
 * The APIC's highest IRR vector above its PPR; else the configured
 * xive_vector while the XIVE line is up. Nothing changes: call it before
 * entering the guest, and inject only when the guest can take it (IF=1,
 * interrupt window open), else request an interrupt window.
 * Return: the vector (16..255), or -ENOENT when nothing is pending.
 */
IPIVIRT_API int ipivirt_vcpu_next_interrupt(struct ipivirt_vcpu *vcpu);

/**
 * ipivirt_vcpu_ack_interrupt() - the vCPU takes its next interrupt.
 * @vcpu: the vCPU.
 * APIC vectors move IRR -> ISR (the guest's EOI ends them); the XIVE line
 * is level-triggered and needs no acknowledgement here (the guest acks in
 * the TIMA). Inject the returned vector (KVM_INTERRUPT).
 * Return: the vector, or -ENOENT when nothing is deliverable any more.
 */
IPIVIRT_API int ipivirt_vcpu_ack_interrupt(struct ipivirt_vcpu *vcpu);

#define IPIVIRT_EVENT_NMI (1u << 0)
#define IPIVIRT_EVENT_INIT (1u << 1)
#define IPIVIRT_EVENT_SIPI (1u << 2)
/* With IPIVIRT_EVENT_NMI: a second NMI came too; inject both (the CPU
 * latches the second while the first is in service). */
#define IPIVIRT_EVENT_NMI2 (1u << 3)

/**
 * ipivirt_vcpu_take_events() - consume the vCPU's NMI / INIT / SIPI events.
 * @vcpu:        the vCPU.
 * @sipi_vector: out (may be NULL): the start page with IPIVIRT_EVENT_SIPI.
 * Also services a fired APIC timer. INIT has been applied to the APIC
 * (INIT state, wait-for-SIPI); reset the vCPU's registers yourself. Handle
 * INIT first, then SIPI (start in real mode at CS = vector << 8, IP 0),
 * then NMI (inject it).
 * Return: IPIVIRT_EVENT_* bits (0: none), -EINVAL without an APIC.
 */
IPIVIRT_API int ipivirt_vcpu_take_events(struct ipivirt_vcpu *vcpu,
					 uint8_t *sipi_vector);

/* True while the vCPU waits for SIPI (APs after RESET, any CPU after INIT). */
IPIVIRT_API bool ipivirt_vcpu_wait_for_sipi(const struct ipivirt_vcpu *vcpu);

/**
 * ipivirt_vcpu_timer_fire() - the host timer armed through ops->timer_arm fired.
 * @vcpu: the vCPU (any thread).
 * Kicks the vCPU, whose next ipivirt_vcpu_take_events() expires the APIC
 * timer (and re-arms it in periodic mode).
 */
IPIVIRT_API void ipivirt_vcpu_timer_fire(struct ipivirt_vcpu *vcpu);

/**
 * ipivirt_vcpu_ipi_counts() - IPI statistics of one vCPU.
 * @vcpu:     the vCPU.
 * @sent:     out (may be NULL): guest IPI messages it sent.
 * @received: out (may be NULL): IPIs delivered to it through the domain
 *            (guest- and host-sent).
 */
IPIVIRT_API void ipivirt_vcpu_ipi_counts(const struct ipivirt_vcpu *vcpu,
					 uint64_t *sent, uint64_t *received);

/* ---- host-originated IPIs through the IPI domain -------------------------- */

/* Which IPI domain to reserve from (the VM must have that controller). */
#define IPIVIRT_IPI_APIC 0u /* one vector for all CPUs */
#define IPIVIRT_IPI_XIVE 1u /* one IPI source per CPU */

/* ipivirt_ipi_reserve() @vector values besides 16..255. */
#define IPIVIRT_IPI_ANY_VECTOR (-1) /* APIC: the domain picks a free one */
#define IPIVIRT_IPI_NMI 0x400       /* APIC: an NMI IPI */

/**
 * ipivirt_ipi_reserve() - reserve an IPI for a set of CPUs.
 * @vm:      the VM.
 * @domain:  IPIVIRT_IPI_APIC or IPIVIRT_IPI_XIVE.
 * @mask:    the CPUs it may target, or NULL for every CPU (then any CPU
 *           may be targeted later).
 * @nr_bits: the length of @mask in bits.
 * @vector:  APIC: 16..255 (fixed), IPIVIRT_IPI_NMI or
 *           IPIVIRT_IPI_ANY_VECTOR. XIVE: IPIVIRT_IPI_ANY_VECTOR (the
 *           target's IPI source, routed by the guest's configuration).
 * Return: the virq (> 0), -EINVAL, -ENOSPC (no virq or vector left),
 * -ENOMEM.
 */
IPIVIRT_API int ipivirt_ipi_reserve(struct ipivirt_vm *vm, unsigned domain,
				    const uint64_t *mask, unsigned nr_bits,
				    int vector);
/* Release a reserved IPI. Return: 0 or -EINVAL (unknown virq). */
IPIVIRT_API int ipivirt_ipi_destroy(struct ipivirt_vm *vm, unsigned virq);

/**
 * ipivirt_ipi_send_single() - send IPI @virq to @cpu (any thread).
 * Return: 0, -EINVAL for an unknown virq or a CPU outside its mask.
 */
IPIVIRT_API int ipivirt_ipi_send_single(struct ipivirt_vm *vm, unsigned virq,
					unsigned cpu);

/**
 * ipivirt_ipi_send_mask() - send IPI @virq to every CPU of @mask (any thread).
 * Return: 0, -EINVAL for an unknown virq or CPUs outside its reserved mask.
 */
IPIVIRT_API int ipivirt_ipi_send_mask(struct ipivirt_vm *vm, unsigned virq,
				      const uint64_t *mask, unsigned nr_bits);

/* ---- guest images (pure: writes into a memory buffer) ---------------------- */

/**
 * struct ipivirt_guest_config - what ipivirt_guest_load() loads.
 * @size:        sizeof(struct ipivirt_guest_config).
 * @kernel_path: ELF64 (64-bit entry), multiboot v1, or Linux (bzImage or
 *               vmlinux: the 64-bit boot protocol), as `ipivirt run`.
 * @initrd_path: optional, becomes multiboot module 0.
 * @append:      optional, appended to the command line (after the path).
 * @nr_cpus:     CPUs announced in the MP and ACPI tables.
 */
struct ipivirt_guest_config {
	size_t size;
	const char *kernel_path;
	const char *initrd_path;
	const char *append;
	unsigned nr_cpus;
};

/**
 * struct ipivirt_guest_entry - the BSP's entry state (docs/boot-protocol.md).
 * @long_mode: enter in 64-bit mode (ELF64, Linux), else 32-bit protected
 *             mode.
 * @rip, @rsp: entry point and stack; RAX = 0x2badb002, RBX = RSI =
 *             @boot_info (RSI is what a Linux kernel reads).
 * @boot_info: the multiboot information, or for Linux the zero page
 *             (struct boot_params).
 * @gdt_base, @gdt_limit: the boot GDT; @cs, @ds: its selectors.
 * @cr3: the identity page tables (long mode).
 */
struct ipivirt_guest_entry {
	bool long_mode;
	uint64_t rip, rsp;
	uint64_t boot_info;
	uint64_t gdt_base;
	uint16_t gdt_limit;
	uint16_t cs, ds;
	uint64_t cr3;
};

/**
 * ipivirt_guest_load() - load a kernel and its boot data into guest RAM.
 * @ram:      guest RAM, mapped at guest-physical 0.
 * @ram_size: its size.
 * @cfg:      the images.
 * @entry:    out: how to enter the BSP.
 * @err:      out (may be NULL): a one-line reason on failure.
 * @errlen:   size of @err.
 * Writes the image, the multiboot information and command line, the boot
 * GDT and page tables and the MP / ACPI tables, as `ipivirt run` does.
 * Return: 0, -ENOENT (unreadable file), -ENOEXEC (bad image), -E2BIG
 * (does not fit), -EINVAL.
 */
IPIVIRT_API int ipivirt_guest_load(void *ram, uint64_t ram_size,
				   const struct ipivirt_guest_config *cfg,
				   struct ipivirt_guest_entry *entry, char *err,
				   size_t errlen);

/* ---- the whole VMM (Linux/x86 KVM) ---------------------------------------- */

#define IPIVIRT_VMM_XAPIC (1u << 0)        /* hide x2APIC from the guest */
#define IPIVIRT_VMM_XIVE (1u << 1)         /* guest IPIs through XIVE */
#define IPIVIRT_VMM_NO_IPI_YIELD (1u << 2) /* senders do not yield */
#define IPIVIRT_VMM_STATS (1u << 3)        /* per-vCPU stats at the end */
/* Since 0.2: */
#define IPIVIRT_VMM_NO_PV_EOI (1u << 4)    /* no KVM_FEATURE_PV_EOI */
#define IPIVIRT_VMM_NO_KVMCLOCK (1u << 5)  /* hide KVM's paravirtual clock */
#define IPIVIRT_VMM_NO_TSC_LEAF (1u << 6)  /* no TSC rate in CPUID */

/* Guest RAM bounds (below the 32-bit MMIO hole) and default. */
#define IPIVIRT_VMM_MIN_MEM (16ull << 20)
#define IPIVIRT_VMM_MAX_MEM (3ull << 30)
#define IPIVIRT_VMM_DEFAULT_MEM (256ull << 20)

/* ipivirt_vmm_config.halt_poll_ns: a halting vCPU first polls for work. */
#define IPIVIRT_HALT_POLL_AUTO 0      /* adaptive when vCPUs fit the CPUs */
#define IPIVIRT_HALT_POLL_ADAPTIVE (-1) /* grow/shrink as KVM's, capped */
#define IPIVIRT_HALT_POLL_OFF (-2)
#define IPIVIRT_HALT_POLL_ADAPTIVE_MAX_NS 200000 /* KVM's default ceiling */
#define IPIVIRT_HALT_POLL_LIMIT_NS 1000000       /* largest fixed poll */

/* ipivirt_vmm_config.compat: work-arounds for a software-only KVM. */
enum ipivirt_compat {
	IPIVIRT_COMPAT_AUTO = 0,     /* on when the host CPU has no vmx/svm */
	IPIVIRT_COMPAT_NONE,
	IPIVIRT_COMPAT_EMULATED_KVM,
};

/* ipivirt_vmm_config.seccomp: a system call filter on vCPU threads. */
enum ipivirt_seccomp {
	IPIVIRT_SECCOMP_OFF = 0,
	IPIVIRT_SECCOMP_ON,  /* a forbidden call ends the process, status 159 */
	IPIVIRT_SECCOMP_LOG, /* only log forbidden calls */
};

#define IPIVIRT_FAULT_MAX_STALLS 16
#define IPIVIRT_FAULT_DROP_RECOVER_MS 10 /* the watchdog's default */
/* The ranges struct ipivirt_fault_config's fields are checked against. */
#define IPIVIRT_FAULT_MAX_DELAY_US 10000000u
#define IPIVIRT_FAULT_MAX_RECOVER_MS 60000u
#define IPIVIRT_FAULT_MAX_STALL_MS 86400000u

/**
 * struct ipivirt_fault_config - fault injection (`ipivirt run --inject`):
 * late and lost kicks, stalled vCPUs, to reproduce IPI and CSD-lock
 * stalls (docs/hardening.md). Plain data; no size field: it grows only
 * with a new config struct.
 * @kick_delay_p:  probability that a kick is sent @kick_delay_us late.
 * @kick_delay_us: 1..IPIVIRT_FAULT_MAX_DELAY_US.
 * @kick_drop_p:   probability that a kick is dropped (the IPI stays
 *                 pending and is taken at the target's next exit).
 * @kick_drop_recover_ms: watchdog kick after a drop,
 *                 1..IPIVIRT_FAULT_MAX_RECOVER_MS (0: 10).
 * @nr_stalls:     entries of @stalls used.
 * @stalls:        vCPU @cpu runs no guest code from @at_ms after start
 *                 for @for_ms (1..IPIVIRT_FAULT_MAX_STALL_MS; @at_ms
 *                 up to the same).
 * @seed:          seed of the random draws.
 */
struct ipivirt_fault_config {
	double kick_delay_p;
	uint64_t kick_delay_us;
	double kick_drop_p;
	uint64_t kick_drop_recover_ms;
	unsigned nr_stalls;
	struct ipivirt_fault_stall {
		unsigned cpu;
		uint64_t at_ms, for_ms;
	} stalls[IPIVIRT_FAULT_MAX_STALLS];
	uint64_t seed;
};

/**
 * struct ipivirt_vmm_config - `ipivirt run`'s options.
 * @size:      sizeof(struct ipivirt_vmm_config).
 * @nr_cpus:   1..IPIVIRT_MAX_CPUS (0: 1).
 * @mem_size:  guest RAM in bytes, whole MiB, IPIVIRT_VMM_MIN_MEM..
 *             IPIVIRT_VMM_MAX_MEM (0: IPIVIRT_VMM_DEFAULT_MEM).
 * @flags:     IPIVIRT_VMM_*.
 * @timeout_s: end the run after this many seconds (0: never).
 * @trace_path: the IPI flight recorder (`ipivirt run --trace`): write
 *             every IPI stage's timestamps to this file when the run ends
 *             (format: docs/bench.md), and the trace-event JSON to
 *             @trace_path.json; NULL: off. Each VMM has its
 *             own recorder. The string must outlive the VMM.
 * @trace_ring_entries: per-vCPU ring size of the recorder; 0: default.
 *
 * Since 0.2 (a 0.1 caller's smaller @size reads these as 0):
 * @halt_poll_ns: IPIVIRT_HALT_POLL_AUTO, _ADAPTIVE, _OFF, or a fixed poll
 *             of 1..IPIVIRT_HALT_POLL_LIMIT_NS nanoseconds.
 * @compat:    enum ipivirt_compat.
 * @seccomp:   enum ipivirt_seccomp. On or log installs a process-wide
 *             SIGSYS handler when the VM is built.
 * @faults:    fault injection; NULL: none. Copied at create.
 */
struct ipivirt_vmm_config {
	size_t size;
	unsigned nr_cpus;
	uint64_t mem_size;
	unsigned flags;
	unsigned timeout_s;
	const char *trace_path;
	size_t trace_ring_entries;
	int64_t halt_poll_ns;
	unsigned compat;
	unsigned seccomp;
	const struct ipivirt_fault_config *faults;
};

/* Why a run ended: ipivirt_vmm_exit_reason(). */
enum ipivirt_exit_reason {
	IPIVIRT_EXIT_NONE = 0,   /* not run, or still running */
	IPIVIRT_EXIT_POWEROFF,   /* ACPI S5: status 0 */
	IPIVIRT_EXIT_DEBUG_PORT, /* isa-debug-exit: status (v << 1) | 1 */
	IPIVIRT_EXIT_RESET,      /* the guest reset the machine: status 0 */
	IPIVIRT_EXIT_TIMEOUT,    /* @timeout_s ran out: status 124 */
	IPIVIRT_EXIT_SIGNAL,     /* SIGINT/SIGTERM/stop: status 128 + signal */
	IPIVIRT_EXIT_CRASH,      /* triple fault, emulation failure: 125 */
};

/**
 * ipivirt_vmm_create() - a VMM instance (no KVM yet).
 * Return: 0, -EINVAL for a bad configuration, -ENOMEM.
 */
IPIVIRT_API int ipivirt_vmm_create(const struct ipivirt_vmm_config *cfg,
				   struct ipivirt_vmm **out);

/**
 * ipivirt_vmm_load_kernel() - build the VM (KVM, memory, models, devices)
 * and load @kernel_path (+ @append, @initrd_path, both optional). Once.
 * The console (COM1) writes to standard output.
 * Return: 0, or a negative errno with ipivirt_vmm_error() saying why
 * (-ENOENT, -ENOEXEC, -E2BIG: the images; others: the host or KVM).
 */
IPIVIRT_API int ipivirt_vmm_load_kernel(struct ipivirt_vmm *vmm,
					const char *kernel_path,
					const char *append,
					const char *initrd_path);

/**
 * ipivirt_vmm_run() - run the guest until it ends or ipivirt_vmm_stop().
 * Installs a SIGUSR1 handler (the vCPU kick) and blocks SIGINT/SIGTERM in
 * the calling thread, where a signalfd reads them (they end the run).
 * Return: `ipivirt run`'s exit status (0 power-off, (v << 1) | 1 debug
 * exit, 124 timeout, 125 guest crash, 128 + signal; ipivirt_vmm_stop()
 * counts as SIGTERM), or a negative errno when the host failed.
 */
IPIVIRT_API int ipivirt_vmm_run(struct ipivirt_vmm *vmm);

/**
 * ipivirt_vmm_exit_reason() - why the last run ended (since 0.2): tells a
 * debug-exit status from the same number meaning a timeout, crash or
 * signal. Return: enum ipivirt_exit_reason, or -EINVAL.
 */
IPIVIRT_API int ipivirt_vmm_exit_reason(const struct ipivirt_vmm *vmm);

/* End a run, now or as soon as it starts (any thread). 0 or -EINVAL. */
IPIVIRT_API int ipivirt_vmm_stop(struct ipivirt_vmm *vmm);

/* The last setup error or crash report ("" when none). */
IPIVIRT_API const char *ipivirt_vmm_error(const struct ipivirt_vmm *vmm);

IPIVIRT_API void ipivirt_vmm_destroy(struct ipivirt_vmm *vmm);

/*
 * TODO(flight recorder, model API): the recorder's hooks live in ipivirt's
 * KVM backend (vmm/kvm/kvm_vcpu.c), so only the whole VMM records
 * (ipivirt_vmm_config.trace_path). Embedders of the models trace in their
 * own vCPU loop until the hooks move into the models.
 */

#ifdef __cplusplus
}
#endif

#endif
