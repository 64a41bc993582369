// SPDX-License-Identifier: MIT
/* ipi_ops.c - the APIC and XIVE IPI paths, and the XIVE message mux. */
#include "args.h"
#include "atomic.h"
#include "ipi_ops.h"
#include "percpu.h"
#include "report.h"
#include "smp.h"
#include "xive.h"

static void apic_ipi_cpu_init(void)
{
}

static void apic_ipi_send(unsigned cpu, unsigned vec)
{
	apic_send_ipi(cpu_apic_id(cpu), vec);
}

/*
 * x2APIC cluster mode, as Linux's x2apic_cluster.c: the logical ID is
 * fixed by the x2APIC ID (cluster = ID[31:4], bit ID[3:0] of 16), so one
 * logical ICR reaches every target of a cluster. "x2apic_phys" on the
 * command line sends one physical IPI per CPU instead (Linux's parameter).
 */
static void x2apic_cluster_send_mask(const struct cpumask *mask, unsigned vec)
{
	struct cpumask left = *mask;
	unsigned cpu, other;

	for_each_cpu(cpu, &left) {
		u32 cluster = cpu_apic_id(cpu) >> 4, bits = 0;

		for_each_cpu(other, &left) {
			u32 id = cpu_apic_id(other);
			if (id >> 4 != cluster)
				continue;
			bits |= 1u << (id & 0xf);
			cpumask_clr(&left, other);
		}
		apic_icr_write(APIC_DEST_LOGICAL | APIC_DM_FIXED | vec, cluster << 16 | bits);
	}
}

/*
 * Like Linux's native_send_call_func_ipi(): one all-excluding-self
 * shorthand when the mask is every other CPU (and every CPU is online, so
 * the shorthand reaches no one else); else, in x2APIC mode, one IPI per
 * cluster; in xAPIC mode one per CPU.
 */
static void apic_ipi_send_mask(const struct cpumask *mask, unsigned vec)
{
	struct cpumask others = cpu_online_mask;
	unsigned cpu;

	cpumask_clr(&others, smp_id());
	if (smp_all_cpus_online() && cpumask_equal(mask, &others)) {
		apic_icr_write(APIC_DEST_ALLBUT | APIC_DM_FIXED | vec, 0);
		return;
	}
	if (apic_x2apic_mode() && !arg_has("x2apic_phys")) {
		x2apic_cluster_send_mask(mask, vec);
		return;
	}
	for_each_cpu(cpu, mask)
		apic_send_ipi(cpu_apic_id(cpu), vec);
}

const struct ipi_ops apic_ipi_ops = {
	.name = "APIC",
	.cpu_init = apic_ipi_cpu_init,
	.send = apic_ipi_send,
	.send_mask = apic_ipi_send_mask,
};

/*
 * A restarted CPU's queue and PQ start over (xive_cpu_init), so messages
 * sent while it was down have lost their events: drop them too, rather
 * than run them with some later IPI.
 */
static void xive_ipi_cpu_init(void)
{
	for (unsigned w = 0; w < 4; w++)
		atomic_xchg(&this_cpu()->ipi_msgs[w], 0);
	xive_cpu_init();
}

/* The locked OR is a full barrier: the handler that sees the bit sees
 * everything before it; the trigger store comes after it. */
static void xive_ipi_send(unsigned cpu, unsigned vec)
{
	__atomic_fetch_or(&per_cpu(cpu)->ipi_msgs[vec / 64], 1ull << (vec % 64), __ATOMIC_SEQ_CST);
	xive_cause_ipi(cpu);
}

/* No broadcast in XIVE: one trigger per target, as Linux's XIVE does. */
static void xive_ipi_send_mask(const struct cpumask *mask, unsigned vec)
{
	unsigned cpu;

	for_each_cpu(cpu, mask)
		xive_ipi_send(cpu, vec);
}

const struct ipi_ops xive_ipi_ops = {
	.name = "XIVE",
	.cpu_init = xive_ipi_cpu_init,
	.send = xive_ipi_send,
	.send_mask = xive_ipi_send_mask,
};

const struct ipi_ops *ipi_ops = &apic_ipi_ops;

void ipi_select(void)
{
	bool apic = arg_has("apic"), xive = arg_has("xive");

	if (apic && xive)
		report_abort("both \"apic\" and \"xive\" on the command line");
	if (apic)
		return;
	if (xive_probe())
		ipi_ops = &xive_ipi_ops;
	else if (xive)
		report_abort("\"xive\" requested but there is no fw_cfg file %s "
			     "(ipivirt run --irqchip xive provides it)", XIVE_FWCFG_FILE);
}

/* Run each vector's handler once per batch of messages, like Linux's
 * smp_ipi_demux(). Words read as 0 need no xchg: a bit set later comes
 * with a trigger of its own. */
void ipi_demux(struct trap_regs *regs)
{
	struct trap_regs r = *regs;
	u64 *msgs = this_cpu()->ipi_msgs;

	r.error_code = IPI_MUXED;
	for (unsigned w = 0; w < 4; w++) {
		u64 m = READ_ONCE(msgs[w]) ? atomic_xchg(&msgs[w], 0) : 0;
		for (; m; m &= m - 1) {
			unsigned vec = w * 64 + (unsigned)__builtin_ctzll(m);
			irq_handler_t h = irq_handler_of(vec);
			r.vector = vec;
			if (h)
				h(&r);
			else
				report(false, "IPI vector %#x on cpu %u (via XIVE) has no handler", vec,
				       smp_id());
		}
	}
}

bool ipi_msg_pending(unsigned vec)
{
	return READ_ONCE(this_cpu()->ipi_msgs[vec / 64]) >> (vec % 64) & 1;
}
