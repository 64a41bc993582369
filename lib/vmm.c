// SPDX-License-Identifier: MIT
/*
 * vmm.c - the whole VMM as a library: struct ipivirt_vmm wraps vmm/vm.c's
 * vm__create / vm__run / vm__destroy, the calls `ipivirt run` makes.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_loop.h"
#include "flight_recorder.h"
#include "internal.h"
#include "kvm_vcpu.h"
#include "stats.h"
#include "vm.h"


struct ipivirt_vmm {
	struct vm_config cfg;
	struct vm *vm;        /* after ipivirt_vmm_load_kernel() */
	_Atomic bool created; /* vm__create() succeeded: stop may reach it */
	_Atomic bool stop;    /* ipivirt_vmm_stop() before the VM existed */
	char err[512];
};

int ipivirt_vmm_create(const struct ipivirt_vmm_config *cfg,
		       struct ipivirt_vmm **out)
{
	struct ipivirt_vmm_config c;
	struct ipivirt_vmm *vmm;

	if (!out || lib_copy_sized(&c, sizeof(c), cfg))
		return -EINVAL;
	*out = NULL;
	if (!c.nr_cpus)
		c.nr_cpus = 1;
	if (!c.mem_size)
		c.mem_size = VM_DEFAULT_MEM;
	if (c.nr_cpus > IPIVIRT_MAX_CPUS || c.mem_size < VM_MIN_MEM ||
	    c.mem_size > VM_MAX_MEM ||
	    (c.flags & ~(IPIVIRT_VMM_XAPIC | IPIVIRT_VMM_XIVE |
			 IPIVIRT_VMM_NO_IPI_YIELD | IPIVIRT_VMM_STATS)))
		return -EINVAL;
	vmm = calloc(1, sizeof(*vmm));
	if (!vmm)
		return -ENOMEM;
	vmm->cfg = (struct vm_config){
		.nr_cpus = c.nr_cpus,
		.mem_size = c.mem_size,
		.apic_mode = (c.flags & IPIVIRT_VMM_XAPIC) ? VM_APIC_XAPIC
							   : VM_APIC_X2APIC,
		.irqchip = (c.flags & IPIVIRT_VMM_XIVE) ? VM_IRQCHIP_XIVE
							: VM_IRQCHIP_APIC,
		.stats = (c.flags & IPIVIRT_VMM_STATS) != 0,
		.timeout_s = c.timeout_s,
		.ipi_yield = !(c.flags & IPIVIRT_VMM_NO_IPI_YIELD),
		/* The same machine as `ipivirt run`: --halt-poll auto. */
		.halt_poll_auto = true,
	};
	/* Per VM: vm.c creates the recorder when the run starts. */
	vmm->cfg.trace_path = c.trace_path;
	vmm->cfg.trace_ring_entries = c.trace_ring_entries;
	*out = vmm;
	return 0;
}

int ipivirt_vmm_load_kernel(struct ipivirt_vmm *vmm, const char *kernel_path,
			    const char *append, const char *initrd_path)
{
	int ret;

	if (!vmm || !kernel_path || vmm->vm)
		return -EINVAL;
	vmm->vm = calloc(1, sizeof(*vmm->vm)); /* large: off the stack */
	if (!vmm->vm)
		return -ENOMEM;
	vmm->cfg.kernel_path = kernel_path;
	vmm->cfg.append = append;
	vmm->cfg.initrd_path = initrd_path;
	vmm->err[0] = '\0';
	ret = vm__create(vmm->vm, &vmm->cfg, vmm->err, sizeof(vmm->err));
	if (ret) {
		vm__destroy(vmm->vm);
		free(vmm->vm);
		vmm->vm = NULL;
		return ret;
	}
	atomic_store(&vmm->created, true);
	return 0;
}

/* The run's end as `ipivirt run` reports it (vm_exit_status()). */
static int exit_status(struct ipivirt_vmm *vmm)
{
	struct vm *vm = vmm->vm;
	int status = vm_exit_status(vm);

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
	ret = event_loop__block_signals();
	if (!ret)
		ret = kvm_vcpu__init_signals();
	if (ret)
		return ret;
	if (atomic_load(&vmm->stop))
		vm_request_exit(vmm->vm, VM_EXIT_SIGNAL, SIGTERM);
	ret = vm__run(vmm->vm, vmm->err, sizeof(vmm->err));
	if (vmm->cfg.stats)
		stats__print(vmm->vm, stderr);
	return ret ? ret : exit_status(vmm);
}

int ipivirt_vmm_stop(struct ipivirt_vmm *vmm)
{
	if (!vmm)
		return -EINVAL;
	atomic_store(&vmm->stop, true);
	if (atomic_load(&vmm->created))
		vm_request_exit(vmm->vm, VM_EXIT_SIGNAL, SIGTERM);
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
	if (vmm->vm) {
		vm__destroy(vmm->vm);
		free(vmm->vm);
	}
	free(vmm);
}
