// SPDX-License-Identifier: MIT
/*
 * apic_icr.c - the sending side: decode an ICR write into a struct apic_ipi
 * and hand it to the host (ops->send_ipi), which routes it with the bus.
 */
#include "apic_regs.h"

/**
 * apic_icr_decode() - split a raw ICR value into its fields.
 * @icr:        x2APIC: the 64-bit MSR value; xAPIC: ICR high << 32 | low.
 * @x2apic:     the layout: x2APIC (32-bit destination in bits 63:32) or
 *              xAPIC (8-bit destination in bits 63:56).
 * @source_cpu: the sender's vCPU index.
 * @ipi:        out: the message.
 */
void apic_icr_decode(uint64_t icr, bool x2apic, unsigned source_cpu,
		     struct apic_ipi *ipi)
{
	uint32_t lo = (uint32_t)icr;

	ipi->vector = (uint8_t)(lo & ICR_VECTOR);
	ipi->delivery_mode = (uint8_t)((lo >> ICR_DM_SHIFT) & ICR_DM_MASK);
	ipi->logical = (lo & ICR_DEST_LOGICAL) != 0;
	ipi->level_assert = (lo & ICR_LEVEL_ASSERT) != 0;
	ipi->level_trigger = (lo & ICR_LEVEL_TRIGGER) != 0;
	ipi->shorthand = (uint8_t)((lo >> ICR_SHORTHAND_SHIFT) &
				   ICR_SHORTHAND_MASK);
	ipi->dest = x2apic ? (uint32_t)(icr >> 32) : (uint32_t)(icr >> 56);
	ipi->x2apic = x2apic;
	ipi->source_cpu = source_cpu;
}

/* Fixed and lowest-priority messages need a vector of 16 or more. */
static bool send_vector_ok(const struct apic_ipi *ipi)
{
	return ipi->vector >= 16 || (ipi->delivery_mode != APIC_DM_FIXED &&
				     ipi->delivery_mode != APIC_DM_LOWEST);
}

static void send(struct apic *a, const struct apic_ipi *ipi)
{
	if (!send_vector_ok(ipi)) {
		/* SDM 10.5.3: flagged on the sender, never sent. */
		apic_set_error(a, APIC_ESR_SEND_ILLEGAL_VECTOR);
		return;
	}
	/*
	 * Delivery is synchronous: when send_ipi returns the message has
	 * reached its targets' IRR/event words, so the ICR delivery-status
	 * bit is always idle. Routing failures (SMI and the reserved modes)
	 * have no architectural report to the sender; they are dropped.
	 */
	(void)a->ops.send_ipi(a->ops.opaque, ipi);
}

/* Owner: the guest wrote the ICR (xAPIC low dword, or x2APIC MSR 0x830). */
void apic_send_icr(struct apic *a, uint64_t icr)
{
	struct apic_ipi ipi;

	apic_icr_decode(icr, apic_mode_x2apic(a), a->cfg.cpu, &ipi);
	send(a, &ipi);
}

/* Owner: x2APIC SELF IPI (MSR 0x83f), an edge fixed IPI to self. */
void apic_send_self_ipi(struct apic *a, uint8_t vector)
{
	struct apic_ipi ipi = {
		.vector = vector,
		.delivery_mode = APIC_DM_FIXED,
		.logical = false,
		.level_assert = true,
		.level_trigger = false,
		.shorthand = APIC_SH_SELF,
		.dest = a->id,
		.x2apic = true,
		.source_cpu = a->cfg.cpu,
	};

	send(a, &ipi);
}
