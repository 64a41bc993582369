// SPDX-License-Identifier: MIT
/*
 * xive_exit.c - the guest's XIVE ESB / TIMA accesses and H_INT_* hcalls.
 * A store to an IPI source's trigger page goes through the IPI domain, as
 * in the VMM (vmm/irqchip/x86_xive.c), so guest IPIs are routed like host ones.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

static int esb_access(struct ipivirt_vcpu *vcpu, uint64_t off, void *data,
		      unsigned len, bool is_write)
{
	uint32_t lisn;

	if (xive_esb_trigger_page(&vcpu->vm->xive_info, off, &lisn) &&
	    is_write) {
		(void)xive_ipi_guest_trigger(vcpu->vm->xive_router, lisn);
		return 0;
	}
	if (xive_esb_access(vcpu->vm->xive, off, data, len, is_write) < 0 &&
	    !is_write)
		memset(data, 0xff, len);
	return 0;
}

int ipivirt_xive_mmio(struct ipivirt_vcpu *vcpu, uint64_t gpa, void *data,
		      unsigned len, bool is_write)
{
	struct xive *x;
	uint64_t off;

	if (!vcpu || !vcpu->xive || !data || !len || len > 8)
		return -EINVAL;
	x = vcpu->vm->xive;
	if (xive_esb_claims(x, gpa, &off))
		return esb_access(vcpu, off, data, len, is_write);
	if (xive_tima_claims(x, gpa, &off)) {
		if (xive_tima_access(x, vcpu->cpu, off, data, len, is_write) <
			    0 && !is_write)
			memset(data, 0xff, len);
		return 0;
	}
	return -ENOENT;
}

long ipivirt_xive_hcall(struct ipivirt_vcpu *vcpu, unsigned long opcode,
			const uint64_t args[], uint64_t rets[])
{
	if (!vcpu || !vcpu->xive || !args || !rets || !xive_is_hcall(opcode))
		return H_FUNCTION;
	return xive_hcall(vcpu->vm->xive, vcpu->cpu, opcode, args, rets);
}
