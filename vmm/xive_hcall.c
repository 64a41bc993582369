/* SPDX-License-Identifier: MIT */
/*
 * xive_hcall.c - the sPAPR H_INT_* hypercalls (PAPR ACR "XIVE
 * Exploitation"). Argument checks follow QEMU's hw/intc/spapr_xive.c in
 * order and return codes; the few deliberate differences are listed in
 * xive_virt.h.
 */
#include <errno.h>
#include <string.h>

#include "xive_priv.h"

static bool src_valid(const struct xive *x, uint64_t lisn)
{
	return lisn < x->cfg.nr_irqs && x->src[lisn].claimed;
}

static long get_source_info(struct xive *x, const uint64_t *a, uint64_t *r)
{
	uint64_t flags = a[0], lisn = a[1];
	const struct xive_src *s;
	uint64_t page;

	if (flags)
		return H_PARAMETER;
	if (!src_valid(x, lisn))
		return H_P2;
	s = &x->src[lisn];
	page = x->cfg.esb_base + (lisn << x->cfg.esb_shift);

	r[0] = 0;
	if (!x->two_page)
		r[0] |= XIVE_SRC_TRIGGER;
	if (x->cfg.store_eoi)
		r[0] |= XIVE_SRC_STORE_EOI;
	/* LSIs go through H_INT_ESB, as QEMU forces for KVM's re-trigger. */
	if (s->lsi)
		r[0] |= XIVE_SRC_H_INT_ESB | XIVE_SRC_LSI;
	if (s->lsi)
		r[1] = UINT64_MAX;
	else
		r[1] = x->two_page ? page + (1ull << x->page_shift) : page;
	r[2] = (x->two_page && !s->lsi) ? page : UINT64_MAX;
	r[3] = x->page_shift;
	return H_SUCCESS;
}

static long set_source_config(struct xive *x, const uint64_t *a)
{
	uint64_t flags = a[0], lisn = a[1], target = a[2], prio = a[3];
	uint64_t eisn = a[4];
	struct xive_src *s;

	if (flags & ~(XIVE_SRC_SET_EISN | XIVE_SRC_MASK))
		return H_PARAMETER;
	if (!src_valid(x, lisn))
		return H_P2;
	if (prio != XIVE_PRIO_MASKED) {
		if (!xive_prio_usable(x, prio))
			return H_P4;
		if (!xive_server_valid(x, target))
			return H_P3;
	}
	if ((flags & XIVE_SRC_SET_EISN) && eisn > 0x7fffffffu)
		return H_P5;

	s = &x->src[lisn];
	if (flags & XIVE_SRC_SET_EISN)
		s->eisn = (uint32_t)eisn;
	if (prio == XIVE_PRIO_MASKED) {
		/* Masked; the target is kept for GET_SOURCE_CONFIG. */
		s->masked = true;
		s->prio = XIVE_PRIO_MASKED;
		return H_SUCCESS;
	}
	s->server = (uint32_t)target;
	s->prio = (uint8_t)prio;
	s->masked = (flags & XIVE_SRC_MASK) != 0;
	return H_SUCCESS;
}

static long get_source_config(struct xive *x, const uint64_t *a, uint64_t *r)
{
	uint64_t flags = a[0], lisn = a[1];
	const struct xive_src *s;

	if (flags)
		return H_PARAMETER;
	if (!src_valid(x, lisn))
		return H_P2;
	s = &x->src[lisn];
	r[0] = s->server;
	r[1] = s->masked ? XIVE_PRIO_MASKED : s->prio;
	r[2] = s->eisn;
	return H_SUCCESS;
}

static long get_queue_info(struct xive *x, const uint64_t *a, uint64_t *r)
{
	uint64_t flags = a[0], target = a[1], prio = a[2];

	if (flags)
		return H_PARAMETER;
	if (!xive_prio_usable(x, prio))
		return H_P3;
	if (!xive_server_valid(x, target))
		return H_P2;
	r[0] = x->cfg.end_esb_base +
	       ((target * XIVE_NR_PRIOS + prio) << (XIVE_END_ESB_SHIFT + 1));
	r[1] = XIVE_END_ESB_SHIFT;
	return H_SUCCESS;
}

/* The queue page must be guest memory: probe its first and last words. */
static bool queue_page_ok(struct xive *x, uint64_t qpage, unsigned qshift)
{
	uint8_t probe[4];
	uint64_t last = qpage + (1ull << qshift) - sizeof(probe);

	if (last < qpage)
		return false;
	return x->ops.read_mem(x->ops.opaque, qpage, probe, sizeof(probe)) ==
		       0 &&
	       x->ops.read_mem(x->ops.opaque, last, probe, sizeof(probe)) == 0;
}

static long set_queue_config(struct xive *x, const uint64_t *a)
{
	uint64_t flags = a[0], target = a[1], prio = a[2];
	uint64_t qpage = a[3], qshift = a[4];
	struct xive_end *end;

	if (flags & ~XIVE_EQ_ALWAYS_NOTIFY)
		return H_PARAMETER;
	/* Without unconditional notify the END's ESn ESB would gate the
	 * notifications; it is not modelled, so refuse that mode. */
	if (qshift && !(flags & XIVE_EQ_ALWAYS_NOTIFY))
		return H_PARAMETER;
	if (!xive_prio_usable(x, prio))
		return H_P3;
	if (!xive_server_valid(x, target))
		return H_P2;

	end = xive_end_of(x, (unsigned)target, (unsigned)prio);
	if (qshift == 0) {
		xive_end_reset(end);
		return H_SUCCESS;
	}
	if (qshift > 31 || !(x->cfg.eq_shift_mask & (1u << qshift)))
		return H_P5;
	if (qpage & ((1ull << qshift) - 1))
		return H_P4;
	if (!queue_page_ok(x, qpage, (unsigned)qshift))
		return H_P4;
	xive_end_configure(end, qpage, (unsigned)qshift, true);
	return H_SUCCESS;
}

static long get_queue_config(struct xive *x, const uint64_t *a, uint64_t *r)
{
	uint64_t flags = a[0], target = a[1], prio = a[2];
	const struct xive_end *end;

	if (flags & ~XIVE_EQ_DEBUG)
		return H_PARAMETER;
	if (!xive_prio_usable(x, prio))
		return H_P3;
	if (!xive_server_valid(x, target))
		return H_P2;

	end = xive_end_of(x, (unsigned)target, (unsigned)prio);
	r[0] = end->always_notify ? XIVE_EQ_ALWAYS_NOTIFY : 0;
	r[1] = end->enabled ? end->qpage : 0;
	r[2] = end->enabled ? end->qshift : 0;
	if (flags & XIVE_EQ_DEBUG) {
		if (end->qgen)
			r[0] |= XIVE_EQ_GENERATION;
		r[3] = end->qindex;
	}
	return H_SUCCESS;
}

static long set_os_reporting_line(struct xive *x, unsigned cpu,
				  const uint64_t *a)
{
	uint64_t flags = a[0], line = a[1];
	uint8_t probe[4];

	if (flags)
		return H_PARAMETER;
	if (line != XIVE_NO_LINE &&
	    ((line & (XIVE_REPORTING_LINE_ALIGN - 1)) ||
	     x->ops.read_mem(x->ops.opaque, line, probe, sizeof(probe)) != 0))
		return H_P2;
	x->tctx[cpu].reporting_line = line;
	return H_SUCCESS;
}

static long get_os_reporting_line(struct xive *x, const uint64_t *a,
				  uint64_t *r)
{
	uint64_t flags = a[0], target = a[1];

	if (flags)
		return H_PARAMETER;
	if (!xive_server_valid(x, target))
		return H_P2;
	r[0] = x->tctx[target].reporting_line;
	return H_SUCCESS;
}

static long int_esb(struct xive *x, const uint64_t *a, uint64_t *r)
{
	uint64_t flags = a[0], lisn = a[1], offset = a[2], data = a[3];
	bool store;

	if (flags & ~XIVE_ESB_FLAG_STORE)
		return H_PARAMETER;
	if (!src_valid(x, lisn))
		return H_P2;
	if ((offset & 7u) || offset >= (1ull << x->page_shift))
		return H_P3;
	store = (flags & XIVE_ESB_FLAG_STORE) != 0;
	if (xive_esb_mgmt_locked(x, (uint32_t)lisn, (unsigned)offset, store,
				 &data) < 0)
		return H_P3;
	r[0] = store ? UINT64_MAX : data;
	return H_SUCCESS;
}

static long int_sync(struct xive *x, const uint64_t *a)
{
	if (a[0])
		return H_PARAMETER;
	if (!src_valid(x, a[1]))
		return H_P2;
	return H_SUCCESS; /* routing is synchronous under the lock */
}

bool xive_is_hcall(unsigned long opcode)
{
	return opcode >= H_INT_GET_SOURCE_INFO && opcode <= H_INT_RESET &&
	       !(opcode & 3u);
}

long xive_hcall(struct xive *x, unsigned cpu, unsigned long opcode,
		const uint64_t args[], uint64_t rets[])
{
	uint64_t r[XIVE_HCALL_MAX_RETS] = { 0 };
	long rc;

	if (!xive_is_hcall(opcode))
		return H_FUNCTION;
	if (cpu >= x->cfg.nr_cpus)
		return H_HARDWARE;

	xive_lock(x);
	x->stats.hcalls++;
	if (!x->active) {
		rc = H_FUNCTION;
		goto out;
	}
	switch (opcode) {
	case H_INT_GET_SOURCE_INFO:
		rc = get_source_info(x, args, r);
		break;
	case H_INT_SET_SOURCE_CONFIG:
		rc = set_source_config(x, args);
		break;
	case H_INT_GET_SOURCE_CONFIG:
		rc = get_source_config(x, args, r);
		break;
	case H_INT_GET_QUEUE_INFO:
		rc = get_queue_info(x, args, r);
		break;
	case H_INT_SET_QUEUE_CONFIG:
		rc = set_queue_config(x, args);
		break;
	case H_INT_GET_QUEUE_CONFIG:
		rc = get_queue_config(x, args, r);
		break;
	case H_INT_SET_OS_REPORTING_LINE:
		rc = set_os_reporting_line(x, cpu, args);
		break;
	case H_INT_GET_OS_REPORTING_LINE:
		rc = get_os_reporting_line(x, args, r);
		break;
	case H_INT_ESB:
		rc = int_esb(x, args, r);
		break;
	case H_INT_SYNC:
		rc = int_sync(x, args);
		break;
	default: /* H_INT_RESET */
		if (args[0]) {
			rc = H_PARAMETER;
			break;
		}
		xive_int_reset_locked(x);
		rc = H_SUCCESS;
		break;
	}
out:
	if (rc == H_SUCCESS)
		memcpy(rets, r, sizeof(r));
	else
		x->stats.hcall_errors++;
	xive_unlock(x);
	return rc;
}
