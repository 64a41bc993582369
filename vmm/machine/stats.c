// SPDX-License-Identifier: MIT
/* stats.c - print what each vCPU did, and the per-IPI ratios. */
#include <inttypes.h>

#include "stats.h"
#include "debug/fault_inject.h"
#include "irqchip/x86_xive.h"
#include "kvm/kvm_vcpu.h"

static uint64_t total_injections(const struct vm *vm)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < vm->nr_cpus; i++)
		n += vm->vcpus[i]->stats.injections;
	return n;
}

void stats__print(struct vm *vm, FILE *out)
{
	uint64_t total_exits = 0;
	uint64_t messages = 0, deliveries = 0;
	double seconds = (double)(vm__now_ns() - vm->start_ns) / 1e9;

	fprintf(out, "ipivirt stats: %u vCPUs, %.3f s\n", vm->nr_cpus,
		seconds);
	fprintf(out, "%-5s %10s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s "
		     "%9s %6s\n",
		"vcpu", "exits", "io", "mmio", "msr", "hlt", "irqwin", "intr",
		"ipi-sent", "ipi-recv", "kick-sig", "kick-wake", "injected",
		"nmi");
	for (unsigned i = 0; i < vm->nr_cpus; i++) {
		const struct vcpu_stats *s = &vm->vcpus[i]->stats;
		uint64_t sent, recv;

		if (vm->xive_dev) /* guest IPIs go through XIVE triggers */
			x86_xive__cpu_counts(vm->xive_dev, i, &sent, &recv);
		else
			apic_ipi_cpu_counts(vm->apic_router, i, &sent, &recv);
		total_exits += s->exits;
		fprintf(out, "%-5u %10" PRIu64 " %9" PRIu64 " %9" PRIu64
			     " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64
			     " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64
			     " %9" PRIu64 " %6" PRIu64 "\n",
			i, s->exits, s->exit_io, s->exit_mmio, s->exit_msr,
			s->exit_hlt, s->exit_irq_window, s->exit_intr, sent,
			recv, atomic_load(&s->kicks_signal),
			atomic_load(&s->kicks_wake), s->injections, s->nmis);
	}
	apic_ipi_counts(vm->apic_router, &messages, &deliveries);
	if (vm->xive_dev) {
		messages = deliveries = 0;
		for (unsigned i = 0; i < vm->nr_cpus; i++) {
			uint64_t sent, recv;
			x86_xive__cpu_counts(vm->xive_dev, i, &sent, &recv);
			messages += sent;
			deliveries += recv;
		}
	}
	fprintf(out, "total: exits=%" PRIu64 " ipi-messages=%" PRIu64
		     " ipi-deliveries=%" PRIu64, total_exits, messages,
		deliveries);
	if (deliveries)
		fprintf(out, " exits/ipi=%.2f ipi/s=%.0f",
			(double)total_exits / (double)deliveries,
			seconds > 0 ? (double)deliveries / seconds : 0.0);
	fputc('\n', out);
	if (vm->cfg.halt_poll_ns || vm->cfg.halt_poll_adaptive) {
		uint64_t halts = 0, hits = 0;

		for (unsigned i = 0; i < vm->nr_cpus; i++) {
			halts += vm->vcpus[i]->stats.halts;
			hits += vm->vcpus[i]->stats.halt_poll_hits;
		}
		fprintf(out, "halt-poll: %" PRIu64 " of %" PRIu64
			     " halts ended while polling\n", hits, halts);
	}
	if (!vm->cfg.no_pv_eoi) {
		uint64_t armed = 0, done = 0;

		for (unsigned i = 0; i < vm->nr_cpus; i++) {
			armed += vm->vcpus[i]->stats.pv_eoi_armed;
			done += vm->vcpus[i]->stats.pv_eois;
		}
		fprintf(out, "pv-eoi: %" PRIu64 " of %" PRIu64
			     " injections offered a PV EOI, %" PRIu64
			     " EOIs done without an exit\n", armed,
			total_injections(vm), done);
	}
	if (vm->fi)
		fault_inject__print_stats(vm->fi, out);
}
