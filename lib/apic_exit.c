// SPDX-License-Identifier: MIT
/* apic_exit.c - the guest's xAPIC MMIO and APIC MSR exits, to the model. */
#include <errno.h>

#include "internal.h"

static int mmio_offset(struct ipivirt_vcpu *vcpu, uint64_t gpa, unsigned len,
		       uint64_t *offset)
{
	if (!vcpu || !vcpu->apic || (len != 1 && len != 2 && len != 4 &&
				     len != 8))
		return -EINVAL;
	if (!apic_mmio_claims(vcpu->apic, gpa))
		return -ENOENT;
	*offset = gpa - (apic_base_msr(vcpu->apic) & ~0xfffull);
	return 0;
}

int ipivirt_apic_mmio_read(struct ipivirt_vcpu *vcpu, uint64_t gpa,
			   void *data, unsigned len)
{
	uint64_t off;
	int ret = mmio_offset(vcpu, gpa, len, &off);

	if (!ret)
		apic_mmio_read(vcpu->apic, off, data, len);
	return ret;
}

int ipivirt_apic_mmio_write(struct ipivirt_vcpu *vcpu, uint64_t gpa,
			    const void *data, unsigned len)
{
	uint64_t off;
	int ret = mmio_offset(vcpu, gpa, len, &off);

	if (!ret)
		apic_mmio_write(vcpu->apic, off, data, len);
	return ret;
}

int ipivirt_apic_msr_read(struct ipivirt_vcpu *vcpu, uint32_t msr,
			  uint64_t *value)
{
	if (!vcpu || !vcpu->apic || !value)
		return -EINVAL;
	return apic_msr_read(vcpu->apic, msr, value);
}

int ipivirt_apic_msr_write(struct ipivirt_vcpu *vcpu, uint32_t msr,
			   uint64_t value)
{
	if (!vcpu || !vcpu->apic)
		return -EINVAL;
	return apic_msr_write(vcpu->apic, msr, value);
}
