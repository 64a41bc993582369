/* SPDX-License-Identifier: MIT */
/*
 * xive_esb.c - Event State Buffers: the PQ state machine of each source and
 * the management-page decode.
 */
#include <errno.h>

#include "xive_priv.h"

/* Set PQ to @value, return the old PQ. */
uint8_t xive_pq_set(uint8_t *pq, uint8_t value)
{
	uint8_t old = *pq & 3u;

	*pq = value & 3u;
	return old;
}

/*
 * Trigger: 00 -> 10 and forward; 10 -> 11 and 11 -> 11 (coalesced: one
 * event at most in a queue); 01 -> 01 (off: dropped). Return: forward.
 */
bool xive_pq_trigger(uint8_t *pq)
{
	switch (*pq & 3u) {
	case XIVE_ESB_RESET:
		*pq = XIVE_ESB_PENDING;
		return true;
	case XIVE_ESB_PENDING:
	case XIVE_ESB_QUEUED:
		*pq = XIVE_ESB_QUEUED;
		return false;
	default: /* XIVE_ESB_OFF */
		*pq = XIVE_ESB_OFF;
		return false;
	}
}

/*
 * EOI: 00 -> 00, 10 -> 00; 11 -> 10 and forward again (an event came while
 * the first was pending); 01 -> 01. Return: forward.
 */
bool xive_pq_eoi(uint8_t *pq)
{
	switch (*pq & 3u) {
	case XIVE_ESB_RESET:
	case XIVE_ESB_PENDING:
		*pq = XIVE_ESB_RESET;
		return false;
	case XIVE_ESB_QUEUED:
		*pq = XIVE_ESB_PENDING;
		return true;
	default:
		*pq = XIVE_ESB_OFF;
		return false;
	}
}

/* LSI level logic: an asserted LSI at PQ 00 goes to 10 and forwards. */
static bool lsi_fire(struct xive_src *s)
{
	if (!s->asserted || s->pq != XIVE_ESB_RESET)
		return false;
	s->pq = XIVE_ESB_PENDING;
	return true;
}

bool xive_src_trigger_locked(struct xive *x, uint32_t lisn)
{
	struct xive_src *s = &x->src[lisn];
	uint8_t before = s->pq;
	bool fwd = xive_pq_trigger(&s->pq);

	x->stats.triggers++;
	if (fwd)
		x->stats.forwarded++;
	else if (before == XIVE_ESB_OFF)
		x->stats.dropped_off++;
	else
		x->stats.coalesced++;
	return fwd;
}

bool xive_src_eoi_locked(struct xive *x, uint32_t lisn)
{
	struct xive_src *s = &x->src[lisn];
	bool fwd = xive_pq_eoi(&s->pq);

	/* LSIs ignore Q: the level decides whether to go again. */
	if (s->lsi)
		fwd = lsi_fire(s);
	if (fwd)
		x->stats.forwarded++;
	return fwd;
}

bool xive_src_set_level_locked(struct xive *x, uint32_t lisn, bool level)
{
	struct xive_src *s = &x->src[lisn];
	bool fwd;

	s->asserted = level;
	if (!level)
		return false;
	x->stats.triggers++;
	fwd = lsi_fire(s);
	if (fwd)
		x->stats.forwarded++;
	else if (s->pq == XIVE_ESB_OFF)
		x->stats.dropped_off++;
	else
		x->stats.coalesced++;
	return fwd;
}

/* SET_PQ_xx; an asserted LSI left at 00 fires again (level semantics). */
static uint8_t src_set_pq(struct xive *x, uint32_t lisn, uint8_t pq)
{
	struct xive_src *s = &x->src[lisn];
	uint8_t old = xive_pq_set(&s->pq, pq);

	if (s->lsi && lsi_fire(s)) {
		x->stats.forwarded++;
		xive_route_locked(x, lisn);
	}
	return old;
}

int xive_esb_mgmt_locked(struct xive *x, uint32_t lisn, unsigned off,
			 bool is_write, uint64_t *value)
{
	off &= 0xfffu;

	if (!is_write) {
		if (off < XIVE_ESB_GET) { /* LOAD_EOI and its alias at 0x400 */
			bool fwd = xive_src_eoi_locked(x, lisn);
			if (fwd)
				xive_route_locked(x, lisn);
			*value = fwd;
			return 0;
		}
		if (off < XIVE_ESB_SET_PQ_00) {
			*value = x->src[lisn].pq;
			return 0;
		}
		*value = src_set_pq(x, lisn, (uint8_t)(off >> 8));
		return 0;
	}

	if (off < XIVE_ESB_STORE_EOI) {
		if (xive_src_trigger_locked(x, lisn))
			xive_route_locked(x, lisn);
		return 0;
	}
	if (off < XIVE_ESB_GET) {
		if (!x->cfg.store_eoi)
			return -EINVAL;
		if (xive_src_eoi_locked(x, lisn))
			xive_route_locked(x, lisn);
		return 0;
	}
	if (off < XIVE_ESB_SET_PQ_00)
		return -EINVAL;
	src_set_pq(x, lisn, (uint8_t)(off >> 8));
	return 0;
}

int xive_esb_access(struct xive *x, uint64_t offset, void *data, unsigned len,
		    bool is_write)
{
	uint8_t *b = data;
	uint64_t value = 0;
	uint32_t lisn;
	int ret;

	if (!is_write)
		for (unsigned i = 0; i < len; i++)
			b[i] = 0xff;
	if (offset >= ((uint64_t)x->cfg.nr_irqs << x->cfg.esb_shift))
		return -ERANGE;
	lisn = (uint32_t)(offset >> x->cfg.esb_shift);

	xive_lock(x);
	if (!x->active) {
		ret = -EAGAIN;
	} else if (len != 8 || (offset & 7u)) {
		ret = -EINVAL;
	} else if (x->two_page && !((offset >> x->page_shift) & 1u)) {
		/* even page: trigger only; loads are invalid */
		ret = is_write ? 0 : -EINVAL;
		if (is_write && xive_src_trigger_locked(x, lisn))
			xive_route_locked(x, lisn);
	} else {
		ret = xive_esb_mgmt_locked(x, lisn, (unsigned)offset & 0xfffu,
					   is_write, &value);
		if (!is_write && ret == 0)
			xive_be_store(b, 8, value);
	}
	if (ret == -EINVAL)
		x->stats.invalid_accesses++;
	xive_unlock(x);
	return ret;
}
