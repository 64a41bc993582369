// SPDX-License-Identifier: MIT
/*
 * x86_xive.c - wires vmm/xive_virt.c into an x86 VM. Trigger stores to IPI
 * sources go through the IPI domain (xive_ipi.c); everything else reaches
 * the model directly.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x86_xive.h"
#include "xive_ipi.h"
#include "debug/flight_recorder.h"
#include "hw/fw_cfg.h"

#define HCALL_PAGE 0x1000u
#define HCALL_OPCODE 0x00u
#define HCALL_ARG0 0x08u
#define HCALL_NR_ARGS 6u
#define HCALL_RET 0x40u
#define HCALL_RETS0 0x48u
#define HCALL_NR_RETS 4u
#define H_FUNCTION (-2)

/* One vCPU's doorbell registers: only that vCPU's thread touches them. */
struct hcall_regs {
	uint64_t args[HCALL_NR_ARGS];
	int64_t ret;
	uint64_t rets[HCALL_NR_RETS];
};

struct xive_dev {
	struct vm *vm;
	struct xive *xive;
	struct xive_ipi_router *router;
	struct xive_info info;
	struct hcall_regs *hcall; /* one per vCPU */
	_Atomic uint64_t sent[IPIVIRT_MAX_CPUS];
};

/* The discovery file, little-endian (docs/xive-x86.md). */
struct xive_x86_file {
	uint32_t magic, version;
	uint64_t esb_base;
	uint32_t esb_shift, nr_irqs, nr_ipis, vector;
	uint64_t tima_os_base, hcall_base;
	uint32_t eq_shift_mask, nr_prios;
} __attribute__((packed));

/* The line is read lock-free by the vCPU; a rise must make it look. */
static void ops_set_irq_line(void *opaque, unsigned cpu, bool level)
{
	if (level)
		vm__kick(opaque, cpu);
}

static void esb_access(void *opaque, unsigned cpu, uint64_t addr, void *data,
		       unsigned len, bool is_write)
{
	struct xive_dev *dev = opaque;
	uint64_t off = addr;
	uint32_t lisn;

	if (xive_esb_trigger_page(&dev->info, off, &lisn) && is_write) {
		if (cpu < IPIVIRT_MAX_CPUS)
			atomic_fetch_add_explicit(&dev->sent[cpu], 1,
						  memory_order_relaxed);
		/* On the sender's thread: --ipi-yield applies as for the APIC. */
		if (cpu < dev->vm->nr_cpus)
			dev->vm->cpus[cpu].sent_ipi = true;
		flight_recorder__send(dev->vm->fr, cpu);
		flight_recorder__route(dev->vm->fr, cpu, XIVE_X86_VECTOR);
		(void)xive_ipi_guest_trigger(dev->router, lisn);
		return;
	}
	if (xive_esb_access(dev->xive, off, data, len, is_write) < 0 &&
	    !is_write)
		memset(data, 0xff, len);
}

static void tima_access(void *opaque, unsigned cpu, uint64_t addr,
			void *data, unsigned len, bool is_write)
{
	struct xive_dev *dev = opaque;
	uint64_t off;

	if (!xive_tima_claims(dev->xive, XIVE_X86_TIMA_BASE + addr, &off) ||
	    xive_tima_access(dev->xive, cpu, off, data, len, is_write) < 0) {
		if (!is_write)
			memset(data, 0xff, len);
	}
}

static void hcall_access(void *opaque, unsigned cpu, uint64_t addr,
			 void *data, unsigned len, bool is_write)
{
	struct xive_dev *dev = opaque;
	struct hcall_regs *h = &dev->hcall[cpu];
	uint64_t v = 0;

	if (len != 8 || (addr & 7) || cpu >= dev->vm->nr_cpus) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	if (is_write) {
		memcpy(&v, data, 8);
		if (addr == HCALL_OPCODE) {
			memset(h->rets, 0, sizeof(h->rets));
			h->ret = xive_is_hcall(v)
					 ? xive_hcall(dev->xive, cpu, v,
						      h->args, h->rets)
					 : H_FUNCTION;
		} else if (addr >= HCALL_ARG0 &&
			   addr < HCALL_ARG0 + 8 * HCALL_NR_ARGS) {
			h->args[(addr - HCALL_ARG0) / 8] = v;
		}
		return;
	}
	if (addr == HCALL_RET)
		v = (uint64_t)h->ret;
	else if (addr >= HCALL_RETS0 && addr < HCALL_RETS0 + 8 * HCALL_NR_RETS)
		v = h->rets[(addr - HCALL_RETS0) / 8];
	else
		v = ~0ull;
	memcpy(data, &v, 8);
}

static int publish(struct xive_dev *dev, unsigned nr_irqs)
{
	struct xive_x86_file f = {
		.magic = 0x45564958, .version = 1,
		.esb_base = dev->info.esb_base,
		.esb_shift = XIVE_X86_ESB_SHIFT,
		.nr_irqs = nr_irqs,
		.nr_ipis = dev->info.nr_ipis,
		.vector = XIVE_X86_VECTOR,
		.tima_os_base = dev->info.tima_os_base,
		.hcall_base = XIVE_X86_HCALL_BASE,
		.eq_shift_mask = dev->info.eq_shift_mask,
		.nr_prios = 7,
	};

	return fw_cfg__add_file(dev->vm->fw_cfg, "opt/ipivirt/xive", &f,
				sizeof(f));
}

int x86_xive__create(struct vm *vm, char *err, size_t errlen)
{
	struct xive_dev *dev = calloc(1, sizeof(*dev));
	struct xive_config cfg;
	struct xive_ops ops = {
		.opaque = vm, .read_mem = vm__read_guest_op,
		.write_mem = vm__write_guest_op, .set_irq_line = ops_set_irq_line,
		.kick = vm__kick_op, .now_ns = vm__clock_ns,
	};
	unsigned nr_irqs = vm->nr_cpus + XIVE_X86_EXTRA_IRQS;
	int ret;

	if (!dev)
		goto nomem;
	dev->vm = vm;
	vm->xive_dev = dev;
	dev->hcall = calloc(vm->nr_cpus, sizeof(*dev->hcall));
	if (!dev->hcall)
		goto nomem;
	xive_config_init(&cfg, vm->nr_cpus, nr_irqs);
	cfg.esb_base = XIVE_X86_ESB_BASE;
	cfg.esb_shift = XIVE_X86_ESB_SHIFT;
	cfg.tima_base = XIVE_X86_TIMA_BASE;
	cfg.end_esb_base = 0; /* not offered */
	dev->xive = xive_create(&cfg, &ops);
	if (!dev->xive) {
		snprintf(err, errlen, "cannot create the XIVE model: %s",
			 strerror(errno));
		return -EINVAL;
	}
	xive_get_info(dev->xive, &dev->info);
	dev->router = xive_ipi_router_create(vm->virqs, dev->xive,
					     vm->nr_cpus);
	if (!dev->router)
		goto nomem;
	ret = bus_register(&vm->mmio_bus, dev->info.esb_base,
			   dev->info.esb_size, esb_access, dev, "xive-esb");
	if (!ret)
		ret = bus_register(&vm->mmio_bus, XIVE_X86_TIMA_BASE,
				   4 * 0x10000, tima_access, dev,
				   "xive-tima");
	if (!ret)
		ret = bus_register(&vm->mmio_bus, XIVE_X86_HCALL_BASE,
				   HCALL_PAGE, hcall_access, dev,
				   "xive-hcall");
	if (!ret)
		ret = publish(dev, nr_irqs);
	if (ret) {
		snprintf(err, errlen, "cannot map XIVE: %s", strerror(-ret));
		return ret;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

void x86_xive__destroy(struct xive_dev *dev)
{
	if (!dev)
		return;
	xive_ipi_router_destroy(dev->router);
	xive_destroy(dev->xive);
	free(dev->hcall);
	free(dev);
}

int x86_xive__pending_vector(const struct xive_dev *dev, unsigned cpu)
{
	return xive_cpu_irq_pending(dev->xive, cpu) ? XIVE_X86_VECTOR : -1;
}

void x86_xive__cpu_counts(const struct xive_dev *dev, unsigned cpu,
			  uint64_t *sent, uint64_t *received)
{
	*sent = cpu < IPIVIRT_MAX_CPUS ? atomic_load(&dev->sent[cpu]) : 0;
	*received = xive_ipi_received(dev->router, cpu);
}
