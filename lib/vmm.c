// SPDX-License-Identifier: MIT
/*
 * vmm.c - the whole VMM as a library: struct ipivirt_vmm wraps
 * vmm/machine/machine.c. `ipivirt run` is this file's first client.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "debug/fault_inject.h"
#include "kvm/vcpu_loop.h"
#include "kvm/seccomp_filter.h"
#include "machine/event_loop.h"
#include "machine/machine.h"
#include "machine/stats.h"

struct ipivirt_vmm {
	struct vm_config cfg;
	struct ipivirt_fault_config faults; /* when has_faults */
	bool has_faults;
	struct vm *vm;        /* after ipivirt_vmm_load_kernel() */
	_Atomic bool created; /* machine__create() succeeded: stop may reach it */
	_Atomic bool stop;    /* ipivirt_vmm_stop() before the VM existed */
	char err[512];
};

#define VMM_KNOWN_FLAGS                                                  \
	(IPIVIRT_VMM_XAPIC | IPIVIRT_VMM_XIVE | IPIVIRT_VMM_NO_IPI_YIELD | \
	 IPIVIRT_VMM_STATS | IPIVIRT_VMM_NO_PV_EOI |                       \
	 IPIVIRT_VMM_NO_KVMCLOCK | IPIVIRT_VMM_NO_TSC_LEAF)

/* Fault injection settings in their ranges (the CLI's, docs/hardening.md). */
static bool faults_valid(const struct ipivirt_fault_config *f, unsigned nr_cpus)
{
	if (!(f->kick_delay_p >= 0 && f->kick_delay_p <= 1) ||
	    !(f->kick_drop_p >= 0 && f->kick_drop_p <= 1) ||
	    (f->kick_delay_p > 0 &&
	     (f->kick_delay_us < 1 ||
	      f->kick_delay_us > IPIVIRT_FAULT_MAX_DELAY_US)) ||
	    f->kick_drop_recover_ms > IPIVIRT_FAULT_MAX_RECOVER_MS ||
	    f->nr_stalls > IPIVIRT_FAULT_MAX_STALLS)
		return false;
	for (unsigned i = 0; i < f->nr_stalls; i++)
		if (f->stalls[i].cpu >= nr_cpus || f->stalls[i].for_ms < 1 ||
		    f->stalls[i].for_ms > IPIVIRT_FAULT_MAX_STALL_MS ||
		    f->stalls[i].at_ms > IPIVIRT_FAULT_MAX_STALL_MS)
			return false;
	return true;
}

/* The public configuration, with its defaults, as machine.c takes it. */
static int config_from_public(const struct ipivirt_vmm_config *c,
			      struct vm_config *cfg)
{
	int64_t poll = c->halt_poll_ns;

	if (c->nr_cpus > IPIVIRT_MAX_CPUS ||
	    (c->mem_size && (c->mem_size < IPIVIRT_VMM_MIN_MEM ||
			     c->mem_size > IPIVIRT_VMM_MAX_MEM ||
			     (c->mem_size & 0xfffff))) ||
	    (c->flags & ~VMM_KNOWN_FLAGS) ||
	    (poll < IPIVIRT_HALT_POLL_OFF || poll > IPIVIRT_HALT_POLL_LIMIT_NS) ||
	    c->compat > IPIVIRT_COMPAT_EMULATED_KVM ||
	    c->seccomp > IPIVIRT_SECCOMP_LOG)
		return -EINVAL;
	*cfg = (struct vm_config){
		.nr_cpus = c->nr_cpus ? c->nr_cpus : 1,
		.mem_size = c->mem_size ? c->mem_size : IPIVIRT_VMM_DEFAULT_MEM,
		.apic_mode = (c->flags & IPIVIRT_VMM_XAPIC) ? VM_APIC_XAPIC
							    : VM_APIC_X2APIC,
		.irqchip = (c->flags & IPIVIRT_VMM_XIVE) ? VM_IRQCHIP_XIVE
							 : VM_IRQCHIP_APIC,
		.stats = (c->flags & IPIVIRT_VMM_STATS) != 0,
		.timeout_s = c->timeout_s,
		.ipi_yield = !(c->flags & IPIVIRT_VMM_NO_IPI_YIELD),
		.halt_poll_auto = poll == IPIVIRT_HALT_POLL_AUTO,
		.halt_poll_adaptive = poll == IPIVIRT_HALT_POLL_ADAPTIVE,
		.halt_poll_ns = poll > 0 ? (uint64_t)poll : 0,
		.no_pv_eoi = (c->flags & IPIVIRT_VMM_NO_PV_EOI) != 0,
		.no_kvmclock = (c->flags & IPIVIRT_VMM_NO_KVMCLOCK) != 0,
		.no_tsc_leaf = (c->flags & IPIVIRT_VMM_NO_TSC_LEAF) != 0,
		/* Checked above; the internal enums hold the public values. */
		.compat = (enum vm_compat)c->compat,
		.seccomp = (enum vm_seccomp)c->seccomp,
		/* Per VM: machine.c creates the recorder when the run starts. */
		.trace_path = c->trace_path,
		.trace_ring_entries = c->trace_ring_entries,
	};
	return !c->faults || faults_valid(c->faults, cfg->nr_cpus) ? 0 : -EINVAL;
}

int ipivirt_vmm_create(const struct ipivirt_vmm_config *cfg,
		       struct ipivirt_vmm **out)
{
	struct ipivirt_vmm_config c;
	struct ipivirt_vmm *vmm;
	int ret;

	if (!out || lib_copy_sized(&c, sizeof(c), cfg))
		return -EINVAL;
	*out = NULL;
	vmm = calloc(1, sizeof(*vmm));
	if (!vmm)
		return -ENOMEM;
	ret = config_from_public(&c, &vmm->cfg);
	if (ret) {
		free(vmm);
		return ret;
	}
	if (c.faults) {
		vmm->faults = *c.faults;
		vmm->has_faults = true;
	}
	*out = vmm;
	return 0;
}

/* The VM and its injector; the injector goes first, as it kicks the vCPUs
 * machine__destroy() frees (machine__run() has joined their threads). */
static void vmm_free_vm(struct ipivirt_vmm *vmm)
{
	if (!vmm->vm)
		return;
	fault_inject__destroy(vmm->vm->fi);
	vmm->vm->fi = NULL;
	machine__destroy(vmm->vm);
	free(vmm->vm);
	vmm->vm = NULL;
}

/* What the calling thread needs before any VM thread starts: SIGINT and
 * SIGTERM blocked (the event loop reads them), the kick's handler, and the
 * SIGSYS report of a vCPU filter. Each is idempotent. */
static int prepare_thread(const struct vm_config *cfg)
{
	int ret = event_loop__block_signals();

	if (!ret)
		ret = vcpu_loop__init_signals();
	if (!ret && cfg->seccomp != VM_SECCOMP_OFF)
		ret = seccomp_filter__init();
	return ret;
}

int ipivirt_vmm_load_kernel(struct ipivirt_vmm *vmm, const char *kernel_path,
			    const char *append, const char *initrd_path)
{
	int ret;

	if (!vmm || !kernel_path || vmm->vm)
		return -EINVAL;
	vmm->err[0] = '\0';
	ret = prepare_thread(&vmm->cfg);
	if (ret) {
		snprintf(vmm->err, sizeof(vmm->err),
			 "cannot set up signals: %s", strerror(-ret));
		return ret;
	}
	vmm->vm = calloc(1, sizeof(*vmm->vm)); /* large: off the stack */
	if (!vmm->vm)
		return -ENOMEM;
	vmm->cfg.kernel_path = kernel_path;
	vmm->cfg.append = append;
	vmm->cfg.initrd_path = initrd_path;
	ret = machine__create(vmm->vm, &vmm->cfg, vmm->err, sizeof(vmm->err));
	/* Created here, not from a vCPU, so its thread has no vCPU filter. */
	if (!ret && vmm->has_faults) {
		ret = machine__add_faults(vmm->vm, &vmm->faults);
		if (ret)
			snprintf(vmm->err, sizeof(vmm->err),
				 "fault injection: %s", strerror(-ret));
	}
	if (ret) {
		vmm_free_vm(vmm);
		return ret;
	}
	atomic_store(&vmm->created, true);
	return 0;
}

/* The run's end as `ipivirt run` reports it (vm__exit_status()). */
static int exit_status(struct ipivirt_vmm *vmm)
{
	struct vm *vm = vmm->vm;
	int status = vm__exit_status(vm);

	if (atomic_load(&vm->exit_kind) == VM_EXIT_CRASH)
		snprintf(vmm->err, sizeof(vmm->err), "%s",
			 vm->crash_report[0] ? vm->crash_report : "unknown");
	return status < 0 ? -EIO : status;
}

int ipivirt_vmm_run(struct ipivirt_vmm *vmm)
{
	int ret;

	if (!vmm || !vmm->vm)
		return -EINVAL;
	ret = prepare_thread(&vmm->cfg);
	if (ret)
		return ret;
	if (atomic_load(&vmm->stop))
		vm__request_exit(vmm->vm, VM_EXIT_SIGNAL, SIGTERM);
	ret = machine__run(vmm->vm, vmm->err, sizeof(vmm->err));
	if (vmm->cfg.stats)
		stats__print(vmm->vm, stderr);
	return ret ? ret : exit_status(vmm);
}

int ipivirt_vmm_exit_reason(const struct ipivirt_vmm *vmm)
{
	if (!vmm)
		return -EINVAL;
	/* enum vm_exit_kind holds the public values (vm/vm.h). */
	return vmm->vm ? atomic_load(&vmm->vm->exit_kind) : IPIVIRT_EXIT_NONE;
}

int ipivirt_vmm_stop(struct ipivirt_vmm *vmm)
{
	if (!vmm)
		return -EINVAL;
	atomic_store(&vmm->stop, true);
	if (atomic_load(&vmm->created))
		vm__request_exit(vmm->vm, VM_EXIT_SIGNAL, SIGTERM);
	return 0;
}

const char *ipivirt_vmm_error(const struct ipivirt_vmm *vmm)
{
	return vmm ? vmm->err : "";
}

void ipivirt_vmm_destroy(struct ipivirt_vmm *vmm)
{
	if (!vmm)
		return;
	vmm_free_vm(vmm);
	free(vmm);
}
