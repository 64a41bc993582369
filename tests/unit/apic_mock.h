/* SPDX-License-Identifier: MIT */
/*
 * apic_mock.h - a recording struct apic_ops for the APIC model's unit tests.
 *
 * A fake clock and TSC the test moves by hand; kicks counted per vCPU
 * (atomically: senders may run on other threads); every timer_arm and
 * send_ipi call logged in order. With a bus attached, send_ipi also routes
 * the message and delivers it, as the VMM's IPI path does.
 */
#ifndef IPIVIRT_APIC_MOCK_H
#define IPIVIRT_APIC_MOCK_H

#include <stdatomic.h>
#include <string.h>

#include "apic_virt.h"

#define MOCK_CPUS 8
#define MOCK_LOG 64

struct mock_arm {
	unsigned cpu;
	uint64_t deadline_ns;
};

struct mock {
	uint64_t now;                 /* fake ns clock */
	uint64_t tsc[MOCK_CPUS];      /* fake guest TSC per vCPU */
	_Atomic unsigned kicks[MOCK_CPUS];
	struct mock_arm arms[MOCK_LOG];
	unsigned nr_arms;
	struct apic_ipi ipis[MOCK_LOG];
	unsigned nr_ipis;
	struct apic_bus *bus;         /* when set, send_ipi routes + delivers */
	struct cpumask last_route;
	int last_route_ret;
};

static inline uint64_t mock_now(void *opaque)
{
	return ((struct mock *)opaque)->now;
}

static inline uint64_t mock_tsc(void *opaque, unsigned cpu)
{
	return ((struct mock *)opaque)->tsc[cpu % MOCK_CPUS];
}

static inline void mock_kick(void *opaque, unsigned cpu)
{
	atomic_fetch_add(&((struct mock *)opaque)->kicks[cpu % MOCK_CPUS], 1);
}

static inline void mock_timer_arm(void *opaque, unsigned cpu, uint64_t ns)
{
	struct mock *m = opaque;

	if (m->nr_arms < MOCK_LOG)
		m->arms[m->nr_arms++] = (struct mock_arm){ cpu, ns };
}

static inline int mock_send_ipi(void *opaque, const struct apic_ipi *ipi)
{
	struct mock *m = opaque;
	unsigned cpu;

	if (m->nr_ipis < MOCK_LOG)
		m->ipis[m->nr_ipis++] = *ipi;
	if (!m->bus)
		return 0;
	m->last_route_ret = apic_bus_route(m->bus, ipi, &m->last_route);
	if (m->last_route_ret)
		return m->last_route_ret;
	cpumask_for_each(cpu, &m->last_route)
		apic_deliver(apic_bus_get(m->bus, cpu), ipi->delivery_mode,
			     ipi->vector, ipi->level_trigger);
	return 0;
}

static inline void mock_init(struct mock *m)
{
	memset(m, 0, sizeof(*m));
	for (unsigned i = 0; i < MOCK_CPUS; i++)
		atomic_init(&m->kicks[i], 0);
	m->now = 1000000; /* not 0: 0 is a valid but degenerate time */
}

static inline struct apic_ops mock_ops(struct mock *m)
{
	return (struct apic_ops){
		.opaque = m,
		.now_ns = mock_now,
		.guest_tsc = mock_tsc,
		.kick = mock_kick,
		.timer_arm = mock_timer_arm,
		.send_ipi = mock_send_ipi,
	};
}

static inline unsigned mock_kicks(struct mock *m, unsigned cpu)
{
	return atomic_load(&m->kicks[cpu]);
}

/* TSC 2 GHz, APIC timer input 1 GHz: one undivided tick per ns. */
#define MOCK_TSC_KHZ 2000000u
#define MOCK_BUS_KHZ 1000000u

static inline struct apic *mock_apic(struct mock *m, unsigned cpu,
				     uint32_t apic_id, bool bsp)
{
	struct apic_config cfg = {
		.size = sizeof(cfg),
		.cpu = cpu,
		.apic_id = apic_id,
		.bsp = bsp,
		.x2apic_supported = true,
		.tsc_khz = MOCK_TSC_KHZ,
		.bus_khz = MOCK_BUS_KHZ,
	};
	struct apic_ops ops = mock_ops(m);

	return apic_create(&cfg, &ops);
}

/* 32-bit aligned xAPIC MMIO accessors. */
static inline uint32_t xrd(struct apic *a, unsigned off)
{
	uint32_t v = 0xdeadbeef;

	apic_mmio_read(a, off, &v, 4);
	return v;
}

static inline void xwr(struct apic *a, unsigned off, uint32_t v)
{
	apic_mmio_write(a, off, &v, 4);
}

/* x2APIC register by xAPIC offset. */
static inline int x2rd(struct apic *a, unsigned off, uint64_t *v)
{
	return apic_msr_read(a, MSR_X2APIC_FIRST + off / 16, v);
}

static inline int x2wr(struct apic *a, unsigned off, uint64_t v)
{
	return apic_msr_write(a, MSR_X2APIC_FIRST + off / 16, v);
}

/* Latch and read the ESR the way guests do (write, then read). */
static inline uint32_t xesr(struct apic *a)
{
	xwr(a, APIC_REG_ESR, 0);
	return xrd(a, APIC_REG_ESR);
}

#endif
