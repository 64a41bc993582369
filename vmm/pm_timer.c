// SPDX-License-Identifier: MIT
/* pm_timer.c - the ACPI PM timer, computed from the clock on each read. */
#include <errno.h>
#include <stdlib.h>

#include "muldiv.h"
#include "pm_timer.h"

#define NS_PER_SEC 1000000000ull

struct pm_timer {
	struct pm_timer_ops ops;
	uint64_t t0_ns;
};

struct pm_timer *pm_timer_create(const struct pm_timer_ops *ops)
{
	struct pm_timer *tmr;

	if (!ops || !ops->now_ns)
		return NULL;
	tmr = calloc(1, sizeof(*tmr));
	if (!tmr)
		return NULL;
	tmr->ops = *ops;
	tmr->t0_ns = ops->now_ns(ops->opaque);
	return tmr;
}

void pm_timer_destroy(struct pm_timer *tmr)
{
	free(tmr);
}

uint32_t pm_timer_read(struct pm_timer *tmr)
{
	uint64_t now = tmr->ops.now_ns(tmr->ops.opaque);
	uint64_t ns = now > tmr->t0_ns ? now - tmr->t0_ns : 0;
	/* (ns * Hz overflows 64 bits after 85 minutes.) */
	uint64_t ticks = muldiv(ns, PM_TIMER_HZ, NS_PER_SEC, false);

	return (uint32_t)(ticks & PM_TIMER_MASK);
}

static void pm_timer_access(void *opaque, unsigned cpu, uint64_t addr,
			    void *data, unsigned len, bool is_write)
{
	uint8_t *b = data;
	uint32_t v;

	(void)cpu;
	if (is_write)
		return;
	v = pm_timer_read(opaque);
	for (unsigned i = 0; i < len; i++) {
		unsigned byte = (unsigned)addr + i;
		b[i] = byte < PM_TIMER_LEN ? (uint8_t)(v >> (8 * byte)) : 0;
	}
}

int pm_timer_register(struct pm_timer *tmr, struct bus *pio, uint16_t port)
{
	if (!tmr || !pio)
		return -EINVAL;
	return bus_register(pio, port, PM_TIMER_LEN, pm_timer_access, tmr,
			    "acpi-pm-timer");
}
