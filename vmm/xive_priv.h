/* SPDX-License-Identifier: MIT */
/*
 * xive_priv.h - internals shared by the xive_*.c files. Not an API.
 *
 * Every *_locked function expects x->lock held.
 */
#ifndef IPIVIRT_XIVE_PRIV_H
#define IPIVIRT_XIVE_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "xive_virt.h"

#define XIVE_NR_PRIOS 8u
#define XIVE_END_ESB_SHIFT 16 /* each END: an even/odd pair of 64K pages */
#define XIVE_REPORTING_LINE_ALIGN 256u
#define XIVE_NO_LINE UINT64_MAX

/* One source: ESB state and its EAS (the sPAPR routing view). */
struct xive_src {
	uint8_t pq;
	bool claimed;
	bool lsi;
	bool asserted;
	bool masked;     /* XIVE_SRC_MASK or priority 0xff */
	uint8_t prio;    /* XIVE_PRIO_MASKED when masked by priority */
	uint32_t server;
	uint32_t eisn;
};

/* One event queue (END), per (server, priority). */
struct xive_end {
	bool enabled;
	bool always_notify;
	uint8_t qshift;
	uint8_t qgen;
	uint32_t qindex;
	uint64_t qpage;
	uint64_t enqueued;
};

/* One vCPU's thread context: the OS ring (quad word 1) as guest bytes. */
struct xive_tctx {
	uint8_t os[16];
	atomic_bool line;
	uint64_t raise_ns;
	uint64_t reporting_line;
};

struct xive {
	pthread_mutex_t lock;
	struct xive_config cfg;
	struct xive_ops ops;
	bool active;
	unsigned page_shift; /* one ESB page */
	bool two_page;
	struct xive_src *src;   /* cfg.nr_irqs */
	struct xive_end *end;   /* cfg.nr_cpus * XIVE_NR_PRIOS */
	struct xive_tctx *tctx; /* cfg.nr_cpus */
	struct xive_stats stats;
};

static inline void xive_lock(struct xive *x)
{
	pthread_mutex_lock(&x->lock);
}

static inline void xive_unlock(struct xive *x)
{
	pthread_mutex_unlock(&x->lock);
}

static inline struct xive_end *xive_end_of(struct xive *x, unsigned server,
					   unsigned prio)
{
	return &x->end[server * XIVE_NR_PRIOS + prio];
}

static inline bool xive_prio_usable(const struct xive *x, uint64_t prio)
{
	return prio < x->cfg.hv_prio;
}

static inline bool xive_server_valid(const struct xive *x, uint64_t server)
{
	return server < x->cfg.nr_cpus;
}

/* xive_esb.c: the PQ state machine (pure) and the source ESB logic. */
bool xive_pq_trigger(uint8_t *pq);
bool xive_pq_eoi(uint8_t *pq);
uint8_t xive_pq_set(uint8_t *pq, uint8_t value);
bool xive_src_trigger_locked(struct xive *x, uint32_t lisn);
bool xive_src_eoi_locked(struct xive *x, uint32_t lisn);
bool xive_src_set_level_locked(struct xive *x, uint32_t lisn, bool level);
/*
 * Management-page access of source @lisn at @off (0..0xfff), 8 bytes,
 * host-order value. Loads return the value; -EINVAL for an invalid one
 * (the load then reads all-ones). Forwards events to routing itself.
 */
int xive_esb_mgmt_locked(struct xive *x, uint32_t lisn, unsigned off,
			 bool is_write, uint64_t *value);

/* xive_virt.c: routing of a forwarded event; H_INT_RESET's reset. */
void xive_route_locked(struct xive *x, uint32_t lisn);
void xive_int_reset_locked(struct xive *x);

/* xive_queue.c: event queues. */
void xive_end_reset(struct xive_end *end);
void xive_end_configure(struct xive_end *end, uint64_t qpage,
			unsigned qshift, bool always_notify);
void xive_end_enqueue_locked(struct xive *x, struct xive_end *end,
			     uint32_t data);

/* xive_tima.c: the presenter and the OS ring. */
void xive_tctx_reset(struct xive *x, unsigned cpu);
void xive_tctx_present_locked(struct xive *x, unsigned cpu, uint8_t prio);
void xive_tctx_clear_pending_locked(struct xive *x, unsigned cpu);
int xive_tima_access_locked(struct xive *x, unsigned cpu, unsigned off,
			    uint8_t *data, unsigned len, bool is_write);

#endif
