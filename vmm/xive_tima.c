/* SPDX-License-Identifier: MIT */
/*
 * xive_tima.c - the presenter: each vCPU's OS ring of the Thread Interrupt
 * Management Area (NSR, CPPR, IPB, PIPR) and its external interrupt line.
 */
#include <errno.h>
#include <string.h>

#include "xive_priv.h"

/*
 * What the OS page lets the guest see of quad word 1 (QEMU's "OS view"):
 * 2 read, 3 read/write, 0 nothing. AGE and words 2-3 stay hidden.
 */
static const uint8_t os_view[16] = {
	2, 3, 2, 2, 2, 2, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0,
};

static uint8_t prio_to_ipb(uint8_t prio)
{
	return prio > XIVE_PRIORITY_MAX ? 0 : (uint8_t)(0x80u >> prio);
}

/* The most favoured (lowest) pending priority, 0xff when none. */
static uint8_t ipb_to_pipr(uint8_t ipb)
{
	for (uint8_t p = 0; p <= XIVE_PRIORITY_MAX; p++)
		if (ipb & (0x80u >> p))
			return p;
	return 0xff;
}

static void set_line(struct xive *x, unsigned cpu, bool level)
{
	struct xive_tctx *t = &x->tctx[cpu];

	if (atomic_load_explicit(&t->line, memory_order_relaxed) == level)
		return;
	/* Queue entries written before this become visible first. */
	atomic_store_explicit(&t->line, level, memory_order_release);
	x->ops.set_irq_line(x->ops.opaque, cpu, level);
	if (level) {
		x->stats.lines_raised++;
		t->raise_ns = x->ops.now_ns ? x->ops.now_ns(x->ops.opaque) : 0;
		x->ops.kick(x->ops.opaque, cpu);
	}
}

/* Recompute PIPR and the exception: signalled exactly while PIPR < CPPR. */
static void tctx_update(struct xive *x, unsigned cpu)
{
	uint8_t *os = x->tctx[cpu].os;
	bool sig;

	os[TM_PIPR] = ipb_to_pipr(os[TM_IPB]);
	sig = os[TM_PIPR] < os[TM_CPPR];
	if (sig)
		os[TM_NSR] |= TM_QW1_NSR_EO;
	else
		os[TM_NSR] &= (uint8_t)~TM_QW1_NSR_EO;
	set_line(x, cpu, sig);
}

void xive_tctx_reset(struct xive *x, unsigned cpu)
{
	struct xive_tctx *t = &x->tctx[cpu];

	memset(t->os, 0, sizeof(t->os));
	t->os[TM_LSMFB] = 0xff;
	t->os[TM_ACK_CNT] = 0xff;
	t->os[TM_AGE] = 0xff;
	t->os[TM_PIPR] = 0xff; /* CPPR 0: nothing presented until opened */
	t->reporting_line = XIVE_NO_LINE;
	t->raise_ns = 0;
	set_line(x, cpu, false);
}

void xive_tctx_present_locked(struct xive *x, unsigned cpu, uint8_t prio)
{
	x->tctx[cpu].os[TM_IPB] |= prio_to_ipb(prio);
	x->stats.presented++;
	tctx_update(x, cpu);
}

void xive_tctx_clear_pending_locked(struct xive *x, unsigned cpu)
{
	x->tctx[cpu].os[TM_IPB] = 0;
	tctx_update(x, cpu);
}

static void set_cppr(struct xive *x, unsigned cpu, uint8_t cppr)
{
	if (cppr > XIVE_PRIORITY_MAX)
		cppr = 0xff;
	x->tctx[cpu].os[TM_CPPR] = cppr;
	tctx_update(x, cpu);
}

/* TM_SPC_ACK_OS_REG: accept the most favoured pending priority. */
static uint16_t ack_os(struct xive *x, unsigned cpu)
{
	struct xive_tctx *t = &x->tctx[cpu];
	uint8_t *os = t->os;
	uint8_t nsr = os[TM_NSR];

	if (nsr & TM_QW1_NSR_EO) {
		uint8_t prio = os[TM_PIPR];

		os[TM_CPPR] = prio;
		os[TM_IPB] &= (uint8_t)~prio_to_ipb(prio);
		x->stats.acks++;
		if (x->ops.now_ns && t->raise_ns) {
			uint64_t now = x->ops.now_ns(x->ops.opaque);
			uint64_t d = now > t->raise_ns ? now - t->raise_ns : 0;
			x->stats.ack_latency_ns_total += d;
			if (d > x->stats.ack_latency_ns_max)
				x->stats.ack_latency_ns_max = d;
		}
	} else {
		x->stats.empty_acks++;
	}
	tctx_update(x, cpu); /* PIPR from what is left; drops the line */
	return (uint16_t)(nsr << 8 | os[TM_CPPR]);
}

static int raw_read(struct xive *x, unsigned cpu, unsigned off, uint8_t *data,
		    unsigned len)
{
	const uint8_t *os = x->tctx[cpu].os;
	bool any = false;

	if ((len != 1 && len != 2 && len != 4 && len != 8) || off % len ||
	    off < TM_QW1_OS || off + len > TM_QW1_OS + 16)
		return -EINVAL;
	for (unsigned i = 0; i < len; i++) {
		unsigned r = off - TM_QW1_OS + i;
		if (os_view[r] & 2u) {
			data[i] = os[r];
			any = true;
		} else {
			data[i] = 0;
		}
	}
	if (!any) {
		memset(data, 0xff, len);
		return -EINVAL;
	}
	return 0;
}

static int raw_write(struct xive *x, unsigned cpu, unsigned off,
		     const uint8_t *data, unsigned len)
{
	/* CPPR is the only field the OS may write. */
	if (len == 1 && off == TM_QW1_OS + TM_CPPR) {
		set_cppr(x, cpu, data[0]);
		return 0;
	}
	if ((len == 4 || len == 8) && off == TM_QW1_OS) {
		set_cppr(x, cpu, data[TM_CPPR]);
		return 0;
	}
	return -EINVAL;
}

int xive_tima_access_locked(struct xive *x, unsigned cpu, unsigned off,
			    uint8_t *data, unsigned len, bool is_write)
{
	off &= 0xfffu;
	if (off & 0x800u) {
		if (!is_write && off == TM_SPC_ACK_OS_REG && len == 2) {
			xive_be_store(data, 2, ack_os(x, cpu));
			return 0;
		}
		if (is_write && off == TM_SPC_SET_OS_PENDING && len == 1) {
			uint8_t bit = prio_to_ipb(data[0]);
			if (bit) {
				x->tctx[cpu].os[TM_IPB] |= bit;
				tctx_update(x, cpu);
			}
			return 0;
		}
		return -EINVAL;
	}
	return is_write ? raw_write(x, cpu, off, data, len)
			: raw_read(x, cpu, off, data, len);
}

int xive_tima_access(struct xive *x, unsigned cpu, uint64_t offset,
		     void *data, unsigned len, bool is_write)
{
	uint8_t *b = data;
	int ret;

	if (!is_write)
		memset(b, 0xff, len);
	if (offset >= (1ull << XIVE_TM_PAGE_SHIFT))
		return -ERANGE;
	if (cpu >= x->cfg.nr_cpus || len == 0 || len > 8)
		return -EINVAL;

	xive_lock(x);
	if (!x->active)
		ret = -EAGAIN;
	else
		ret = xive_tima_access_locked(x, cpu, (unsigned)offset, b, len,
					      is_write);
	if (ret == -EINVAL)
		x->stats.invalid_accesses++;
	xive_unlock(x);
	return ret;
}
