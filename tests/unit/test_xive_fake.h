/* SPDX-License-Identifier: MIT */
/*
 * test_xive_fake.h - a fake host for the XIVE model tests: a flat guest RAM
 * window, recorded interrupt lines and kicks, a step clock, and helpers
 * that drive the model the way a pseries Linux guest does (hcalls, ESB and
 * TIMA MMIO). Header-only so each test program stays standalone.
 */
#ifndef IPIVIRT_TEST_XIVE_FAKE_H
#define IPIVIRT_TEST_XIVE_FAKE_H

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xive_virt.h"

#define FAKE_RAM_BASE 0x10000000ull
#define FAKE_RAM_SIZE (8u << 20) /* room for one 2M queue and friends */
#define FAKE_MAX_CPUS 16

struct fake {
	uint8_t *ram;
	atomic_int line[FAKE_MAX_CPUS];
	atomic_uint raises[FAKE_MAX_CPUS];
	atomic_uint lowers[FAKE_MAX_CPUS];
	atomic_uint kicks[FAKE_MAX_CPUS];
	atomic_uint_fast64_t clock;
	atomic_bool fail_writes;
	atomic_uint writes;
};

static inline bool fake_in_ram(uint64_t gpa, size_t len)
{
	return gpa >= FAKE_RAM_BASE && len <= FAKE_RAM_SIZE &&
	       gpa - FAKE_RAM_BASE <= FAKE_RAM_SIZE - len;
}

static inline int fake_read_mem(void *o, uint64_t gpa, void *buf,
				size_t len)
{
	struct fake *f = o;

	if (!fake_in_ram(gpa, len))
		return -EFAULT;
	memcpy(buf, f->ram + (gpa - FAKE_RAM_BASE), len);
	return 0;
}

static inline int fake_write_mem(void *o, uint64_t gpa, const void *buf,
				 size_t len)
{
	struct fake *f = o;
	uint32_t w;

	if (atomic_load(&f->fail_writes) || !fake_in_ram(gpa, len))
		return -EFAULT;
	if (len == 4 && !(gpa & 3)) {
		/* one atomic word store, as a guest page would see it */
		memcpy(&w, buf, 4);
		__atomic_store_n((uint32_t *)(void *)(f->ram + (gpa - FAKE_RAM_BASE)),
				 w, __ATOMIC_RELEASE);
	} else {
		memcpy(f->ram + (gpa - FAKE_RAM_BASE), buf, len);
	}
	atomic_fetch_add(&f->writes, 1);
	return 0;
}

static inline void fake_set_irq_line(void *o, unsigned cpu, bool level)
{
	struct fake *f = o;

	if (cpu >= FAKE_MAX_CPUS)
		abort();
	/* The model promises to report changes only. */
	if (atomic_exchange(&f->line[cpu], level) == (int)level)
		abort();
	if (level)
		atomic_fetch_add(&f->raises[cpu], 1);
	else
		atomic_fetch_add(&f->lowers[cpu], 1);
}

static inline void fake_kick(void *o, unsigned cpu)
{
	struct fake *f = o;

	atomic_fetch_add(&f->kicks[cpu], 1);
}

static inline uint64_t fake_now_ns(void *o)
{
	struct fake *f = o;

	return atomic_fetch_add(&f->clock, 100) + 100;
}

static inline void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->ram = calloc(1, FAKE_RAM_SIZE);
	if (!f->ram)
		abort();
}

static inline void fake_fini(struct fake *f)
{
	free(f->ram);
	f->ram = NULL;
}

static inline struct xive_ops fake_ops(struct fake *f)
{
	struct xive_ops ops = {
		.opaque = f,
		.read_mem = fake_read_mem,
		.write_mem = fake_write_mem,
		.set_irq_line = fake_set_irq_line,
		.kick = fake_kick,
		.now_ns = fake_now_ns,
	};
	return ops;
}

static inline struct xive *fake_xive_cfg(struct fake *f,
					  const struct xive_config *cfg)
{
	struct xive_ops ops = fake_ops(f);

	return xive_create(cfg, &ops);
}

static inline struct xive *fake_xive(struct fake *f, unsigned nr_cpus,
			      unsigned nr_irqs, unsigned esb_shift,
			      bool store_eoi)
{
	struct xive_config cfg;

	xive_config_init(&cfg, nr_cpus, nr_irqs);
	cfg.esb_shift = esb_shift;
	cfg.store_eoi = store_eoi;
	return fake_xive_cfg(f, &cfg);
}

/* Guest RAM accessors (big-endian queue words). */
static inline uint32_t ram_be32(struct fake *f, uint64_t gpa)
{
	uint32_t w = __atomic_load_n(
		(uint32_t *)(void *)(f->ram + (gpa - FAKE_RAM_BASE)),
		__ATOMIC_ACQUIRE);
	return (uint32_t)xive_be_load((const uint8_t *)&w, 4);
}

/* hcall with up to 5 arguments. */
static inline long hc(struct xive *x, unsigned cpu, unsigned long op,
		      uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		      uint64_t a4, uint64_t rets[XIVE_HCALL_MAX_RETS])
{
	uint64_t args[XIVE_HCALL_MAX_ARGS] = { a0, a1, a2, a3, a4 };
	uint64_t dummy[XIVE_HCALL_MAX_RETS];

	return xive_hcall(x, cpu, op, args, rets ? rets : dummy);
}

/* ESB offsets (from the ESB base) of source @lisn's two pages. */
static inline uint64_t esb_mgmt(struct xive *x, uint32_t lisn)
{
	struct xive_info in;

	xive_get_info(x, &in);
	return ((uint64_t)lisn << (in.esb_two_page ? in.esb_page_shift + 1
						   : in.esb_page_shift)) +
	       (in.esb_two_page ? 1ull << in.esb_page_shift : 0);
}

static inline uint64_t esb_trig(struct xive *x, uint32_t lisn)
{
	struct xive_info in;

	xive_get_info(x, &in);
	return (uint64_t)lisn << (in.esb_two_page ? in.esb_page_shift + 1
						  : in.esb_page_shift);
}

/* What Linux does: H_INT_SET_QUEUE_CONFIG with ALWAYS_NOTIFY. */
static inline long fake_queue(struct xive *x, unsigned server, unsigned prio,
		       uint64_t qpage, unsigned qshift)
{
	return hc(x, 0, H_INT_SET_QUEUE_CONFIG, XIVE_EQ_ALWAYS_NOTIFY, server,
		  prio, qpage, qshift, NULL);
}

/* H_INT_SET_SOURCE_CONFIG(SET_EISN) then unmask with a SET_PQ_00 load. */
static inline long fake_route(struct xive *x, uint32_t lisn, unsigned server,
		       unsigned prio, uint32_t eisn)
{
	long rc = hc(x, 0, H_INT_SET_SOURCE_CONFIG, XIVE_SRC_SET_EISN, lisn,
		     server, prio, eisn, NULL);
	if (rc == H_SUCCESS)
		(void)xive_esb_read64(x, esb_mgmt(x, lisn) + XIVE_ESB_SET_PQ_00);
	return rc;
}

static inline uint8_t esb_pq(struct xive *x, uint32_t lisn)
{
	return (uint8_t)xive_esb_read64(x, esb_mgmt(x, lisn) + XIVE_ESB_GET);
}

static inline void esb_force_pq(struct xive *x, uint32_t lisn, uint8_t pq)
{
	(void)xive_esb_read64(x, esb_mgmt(x, lisn) + XIVE_ESB_SET_PQ_00 +
					 ((uint64_t)pq << 8));
}

static inline uint16_t tima_ack(struct xive *x, unsigned cpu)
{
	return (uint16_t)xive_tima_read(x, cpu, TM_SPC_ACK_OS_REG, 2);
}

static inline void tima_cppr(struct xive *x, unsigned cpu, uint8_t cppr)
{
	xive_tima_write(x, cpu, TM_QW1_OS + TM_CPPR, 1, cppr);
}

static inline uint64_t queue_enqueued(struct xive *x, unsigned server,
				      unsigned prio)
{
	struct xive_queue_state q;

	if (xive_get_queue(x, server, prio, &q))
		return UINT64_MAX;
	return q.enqueued;
}

#endif
