/* SPDX-License-Identifier: MIT */
/*
 * xive_virt.c - the XIVE controller object: lifecycle, source claims, the
 * routing of forwarded events (EAS -> END -> NVT, in the sPAPR view of a
 * (server, priority, EISN) triple) and introspection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpumask.h"
#include "xive_priv.h"

void xive_config_init(struct xive_config *cfg, unsigned nr_cpus,
		      unsigned nr_irqs)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->size = sizeof(*cfg);
	cfg->nr_cpus = nr_cpus;
	cfg->nr_irqs = nr_irqs;
	cfg->esb_shift = XIVE_ESB_64K_2PAGE;
	cfg->store_eoi = false;
	cfg->esb_base = XIVE_DEFAULT_ESB_BASE;
	cfg->end_esb_base = 0;
	cfg->tima_base = XIVE_DEFAULT_TIMA_BASE;
	cfg->hv_prio = 7;
	cfg->eq_shift_mask = XIVE_EQ_SHIFTS_DEFAULT;
	cfg->wait_for_cas = false;
}

static bool config_valid(const struct xive_config *c)
{
	uint64_t esb_size, tima_size = 4ull << XIVE_TM_PAGE_SHIFT;

	if (c->nr_cpus == 0 || c->nr_cpus > IPIVIRT_MAX_CPUS ||
	    c->nr_irqs < c->nr_cpus || c->nr_irqs > XIVE_MAX_IRQS)
		return false;
	if (c->esb_shift != XIVE_ESB_4K && c->esb_shift != XIVE_ESB_4K_2PAGE &&
	    c->esb_shift != XIVE_ESB_64K && c->esb_shift != XIVE_ESB_64K_2PAGE)
		return false;
	esb_size = (uint64_t)c->nr_irqs << c->esb_shift;
	if (c->esb_base & ((1ull << c->esb_shift) - 1) ||
	    c->esb_base + esb_size < c->esb_base)
		return false;
	if (c->tima_base & (tima_size - 1) ||
	    c->tima_base + tima_size < c->tima_base)
		return false;
	if (c->end_esb_base & ((1ull << (XIVE_END_ESB_SHIFT + 1)) - 1))
		return false;
	if (c->hv_prio == 0 || c->hv_prio > XIVE_NR_PRIOS)
		return false;
	/* Only 4K .. 16M queues, and at least one of them. */
	if (!c->eq_shift_mask || (c->eq_shift_mask & ~0x1fff000u))
		return false;
	return true;
}

static void src_reset(struct xive_src *s, uint32_t lisn)
{
	s->pq = XIVE_ESB_OFF;
	s->masked = true;
	s->prio = XIVE_PRIO_MASKED;
	s->server = 0;
	s->eisn = lisn; /* PAPR: the EISN is the LISN until set */
}

struct xive *xive_create(const struct xive_config *cfg,
			 const struct xive_ops *ops)
{
	struct xive_config c;
	struct xive *x;

	if (!cfg || !ops || !ops->write_mem || !ops->read_mem ||
	    !ops->set_irq_line || !ops->kick ||
	    cfg->size < offsetof(struct xive_config, nr_irqs) +
				sizeof(cfg->nr_irqs)) {
		errno = EINVAL;
		return NULL;
	}
	xive_config_init(&c, cfg->nr_cpus, cfg->nr_irqs);
	memcpy(&c, cfg, cfg->size < sizeof(c) ? cfg->size : sizeof(c));
	c.size = sizeof(c);
	if (!config_valid(&c)) {
		errno = EINVAL;
		return NULL;
	}
	if (!c.end_esb_base)
		c.end_esb_base = c.esb_base + ((uint64_t)c.nr_irqs << c.esb_shift);

	x = calloc(1, sizeof(*x));
	if (!x)
		goto nomem;
	x->src = calloc(c.nr_irqs, sizeof(*x->src));
	x->end = calloc((size_t)c.nr_cpus * XIVE_NR_PRIOS, sizeof(*x->end));
	x->tctx = calloc(c.nr_cpus, sizeof(*x->tctx));
	if (!x->src || !x->end || !x->tctx)
		goto nomem;
	if (pthread_mutex_init(&x->lock, NULL) != 0)
		goto nomem;

	x->cfg = c;
	x->ops = *ops;
	x->two_page = c.esb_shift == XIVE_ESB_4K_2PAGE ||
		      c.esb_shift == XIVE_ESB_64K_2PAGE;
	x->page_shift = x->two_page ? c.esb_shift - 1 : c.esb_shift;
	for (unsigned i = 0; i < c.nr_cpus; i++)
		atomic_init(&x->tctx[i].line, false);
	for (uint32_t i = 0; i < c.nr_irqs; i++)
		src_reset(&x->src[i], i);
	for (uint32_t i = 0; i < c.nr_cpus; i++)
		x->src[i].claimed = true; /* the IPIs, MSIs */
	xive_reset(x);
	return x;

nomem:
	if (x) {
		free(x->src);
		free(x->end);
		free(x->tctx);
		free(x);
	}
	errno = ENOMEM;
	return NULL;
}

void xive_destroy(struct xive *x)
{
	if (!x)
		return;
	pthread_mutex_destroy(&x->lock);
	free(x->src);
	free(x->end);
	free(x->tctx);
	free(x);
}

/*
 * H_INT_RESET: every source off (PQ 01) and masked, every queue gone,
 * nothing pending, reporting lines cleared. Claims, LSI levels and CPPRs
 * stay.
 */
void xive_int_reset_locked(struct xive *x)
{
	for (uint32_t i = 0; i < x->cfg.nr_irqs; i++)
		src_reset(&x->src[i], i);
	for (unsigned i = 0; i < x->cfg.nr_cpus * XIVE_NR_PRIOS; i++)
		xive_end_reset(&x->end[i]);
	for (unsigned i = 0; i < x->cfg.nr_cpus; i++) {
		x->tctx[i].reporting_line = XIVE_NO_LINE;
		xive_tctx_clear_pending_locked(x, i);
	}
}

void xive_reset(struct xive *x)
{
	xive_lock(x);
	xive_int_reset_locked(x);
	for (unsigned i = 0; i < x->cfg.nr_cpus; i++)
		xive_tctx_reset(x, i);
	x->active = !x->cfg.wait_for_cas;
	xive_unlock(x);
}

void xive_activate(struct xive *x, bool on)
{
	xive_lock(x);
	x->active = on;
	xive_unlock(x);
}

void xive_get_info(const struct xive *x, struct xive_info *info)
{
	const struct xive_config *c = &x->cfg;

	memset(info, 0, sizeof(*info));
	info->esb_base = c->esb_base;
	info->esb_size = (uint64_t)c->nr_irqs << c->esb_shift;
	info->esb_page_shift = x->page_shift;
	info->esb_two_page = x->two_page;
	info->tima_base = c->tima_base;
	info->tima_os_base =
		c->tima_base + ((uint64_t)XIVE_TM_OS_PAGE << XIVE_TM_PAGE_SHIFT);
	info->tima_user_base =
		c->tima_base + ((uint64_t)XIVE_TM_USER_PAGE << XIVE_TM_PAGE_SHIFT);
	info->end_esb_base = c->end_esb_base;
	info->end_esb_size = ((uint64_t)c->nr_cpus * XIVE_NR_PRIOS)
			     << (XIVE_END_ESB_SHIFT + 1);
	info->ipi_base = 0;
	info->nr_ipis = c->nr_cpus;
	info->hv_prio = c->hv_prio;
	info->eq_shift_mask = c->eq_shift_mask;
}

int xive_claim_irq(struct xive *x, uint32_t lisn, bool lsi)
{
	int ret = 0;

	if (lisn >= x->cfg.nr_irqs)
		return -EINVAL;
	xive_lock(x);
	if (x->src[lisn].claimed) {
		ret = -EBUSY;
	} else {
		src_reset(&x->src[lisn], lisn);
		x->src[lisn].claimed = true;
		x->src[lisn].lsi = lsi;
		x->src[lisn].asserted = false;
	}
	xive_unlock(x);
	return ret;
}

int xive_free_irq(struct xive *x, uint32_t lisn)
{
	if (lisn >= x->cfg.nr_irqs)
		return -EINVAL;
	xive_lock(x);
	src_reset(&x->src[lisn], lisn);
	x->src[lisn].claimed = false;
	x->src[lisn].lsi = false;
	x->src[lisn].asserted = false;
	xive_unlock(x);
	return 0;
}

uint32_t xive_ipi_source(const struct xive *x, unsigned cpu)
{
	return cpu < x->cfg.nr_cpus ? cpu : UINT32_MAX;
}

/*
 * A forwarded event: look up the EAS, append the EISN to the END's queue,
 * then (unconditional notification) present the priority to the server.
 */
void xive_route_locked(struct xive *x, uint32_t lisn)
{
	const struct xive_src *s = &x->src[lisn];
	struct xive_end *end;

	if (!s->claimed) {
		x->stats.dropped_invalid++;
		return;
	}
	if (s->masked) {
		x->stats.dropped_masked++;
		return;
	}
	end = xive_end_of(x, s->server, s->prio);
	if (!end->enabled) {
		x->stats.dropped_no_queue++;
		return;
	}
	xive_end_enqueue_locked(x, end, s->eisn);
	if (end->always_notify)
		xive_tctx_present_locked(x, s->server, s->prio);
}

int xive_trigger(struct xive *x, uint32_t lisn)
{
	bool fwd;

	if (lisn >= x->cfg.nr_irqs)
		return -EINVAL;
	xive_lock(x);
	fwd = xive_src_trigger_locked(x, lisn);
	if (fwd)
		xive_route_locked(x, lisn);
	xive_unlock(x);
	return fwd;
}

int xive_set_level(struct xive *x, uint32_t lisn, bool level)
{
	int ret;

	if (lisn >= x->cfg.nr_irqs)
		return -EINVAL;
	xive_lock(x);
	if (!x->src[lisn].claimed || !x->src[lisn].lsi) {
		ret = -EINVAL;
	} else {
		ret = xive_src_set_level_locked(x, lisn, level);
		if (ret)
			xive_route_locked(x, lisn);
	}
	xive_unlock(x);
	return ret;
}

bool xive_esb_claims(const struct xive *x, uint64_t gpa, uint64_t *offset)
{
	uint64_t size = (uint64_t)x->cfg.nr_irqs << x->cfg.esb_shift;

	if (gpa < x->cfg.esb_base || gpa - x->cfg.esb_base >= size)
		return false;
	if (offset)
		*offset = gpa - x->cfg.esb_base;
	return true;
}

bool xive_tima_claims(const struct xive *x, uint64_t gpa, uint64_t *offset)
{
	uint64_t os = x->cfg.tima_base +
		      ((uint64_t)XIVE_TM_OS_PAGE << XIVE_TM_PAGE_SHIFT);

	if (gpa < os || gpa - os >= (1ull << XIVE_TM_PAGE_SHIFT))
		return false;
	if (offset)
		*offset = gpa - os;
	return true;
}

bool xive_cpu_irq_pending(const struct xive *x, unsigned cpu)
{
	if (cpu >= x->cfg.nr_cpus)
		return false;
	return atomic_load_explicit(&x->tctx[cpu].line, memory_order_acquire);
}

int xive_get_source(struct xive *x, uint32_t lisn,
		    struct xive_source_state *st)
{
	if (lisn >= x->cfg.nr_irqs)
		return -EINVAL;
	xive_lock(x);
	const struct xive_src *s = &x->src[lisn];
	st->claimed = s->claimed;
	st->lsi = s->lsi;
	st->asserted = s->asserted;
	st->pq = s->pq;
	st->masked = s->masked;
	st->server = s->server;
	st->prio = s->prio;
	st->eisn = s->eisn;
	xive_unlock(x);
	return 0;
}

int xive_get_queue(struct xive *x, unsigned server, unsigned prio,
		   struct xive_queue_state *st)
{
	if (server >= x->cfg.nr_cpus || prio >= XIVE_NR_PRIOS)
		return -EINVAL;
	xive_lock(x);
	const struct xive_end *e = xive_end_of(x, server, prio);
	st->enabled = e->enabled;
	st->always_notify = e->always_notify;
	st->qpage = e->qpage;
	st->qshift = e->qshift;
	st->index = e->qindex;
	st->generation = e->qgen;
	st->enqueued = e->enqueued;
	xive_unlock(x);
	return 0;
}

int xive_get_os_ring(struct xive *x, unsigned cpu, struct xive_os_ring *r)
{
	if (cpu >= x->cfg.nr_cpus)
		return -EINVAL;
	xive_lock(x);
	const uint8_t *os = x->tctx[cpu].os;
	r->nsr = os[TM_NSR];
	r->cppr = os[TM_CPPR];
	r->ipb = os[TM_IPB];
	r->pipr = os[TM_PIPR];
	r->line = atomic_load(&x->tctx[cpu].line);
	xive_unlock(x);
	return 0;
}

void xive_get_stats(struct xive *x, struct xive_stats *st)
{
	xive_lock(x);
	*st = x->stats;
	xive_unlock(x);
}
