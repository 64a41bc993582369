/* SPDX-License-Identifier: MIT */
/*
 * xive-replay - replay a real guest's XIVE traffic, recorded under QEMU
 * (tools/xive-trace/capture.sh, or any plain QEMU trace put through
 * tools/xive-trace/normalize.py; format in tests/xive-traces/README.md),
 * against the model of vmm/xive_virt.h, and require the model to give the
 * guest what QEMU gave it.
 *
 *   xive-replay [-v] TRACE...
 *
 * Every operation of the trace (hypercall, ESB load/store, TIMA
 * load/store, device interrupt, source claim) runs on the model in trace
 * order, on the vCPU that made it. Checked:
 *  - every ESB and TIMA load returns the traced value;
 *  - every hcall returns the traced return code, and the traced return
 *    values (the trace has them when the guest's driver logged them);
 *  - the routing/presentation decisions, as QEMU's trace events show them:
 *      PN  an event reached the queue of a vCPU's NVT (presenter notify),
 *      N   the OS exception was signalled ("raise"), with IPB/PIPR/CPPR/NSR,
 *      A   an ACK_OS_REG accepted an interrupt, with the state after it,
 *      C   a CPPR store, with the state before it;
 *    the model's decisions, made into the same events, must equal them, in
 *    the same order, and at the same place relative to the operations;
 *  - every event queue entry the model writes to (fake) guest memory is
 *    where and what the queue configuration the guest asked for implies
 *    (address, generation bit, the EISN the guest gave the source).
 * Exit status 1 at the first mismatch (line, operation, expected, got), 2
 * on a malformed trace or usage error; else, per trace, "checked N of M
 * operations (K skipped: vCPU unknown, L: unknown hcall return)" and at
 * the end "N passed, 0 failed[, S skipped]" over all traces.
 *
 * A plain QEMU trace (normalize.py without thread ids or the capture
 * initramfs' console) has '?' where it cannot know a value:
 *  - a TIMA access's vCPU: the access is left out (not run, not counted as
 *    checked). In QEMU 7.2 such accesses are loads that change nothing
 *    (an ACK that accepts traces xive_tctx_accept, which names the vCPU);
 *  - a hcall's vCPU: it runs as vCPU 0, since the model's answer depends
 *    on the caller only for SET_OS_REPORTING_LINE, which is left out;
 *  - a hcall's return code: it runs (the model's state must follow the
 *    guest's), but neither the code nor the return values are compared;
 *    the events it causes are.
 *
 * The model differs from QEMU on purpose in a few places (xive_virt.h,
 * "Where this model knowingly differs from QEMU's", numbered here in that
 * list's order); the replay handles each explicitly, see "KNOWN
 * DIFFERENCE n" below, and counts the ones it reconciled in its summary:
 *   1 CPPR store leaves QEMU's NSR.EO set    tracked; QEMU's NSR shown,
 *                                            its stale ACK reconciled
 *   2 SET_PQ fires an asserted LSI           reported as such, stop
 *   3 1/2-byte TIMA loads                    model checked against itself
 *   4 SET_QUEUE_CONFIG w/o ALWAYS_NOTIFY     reported as such, stop
 *   5 GET_QUEUE_INFO R5                      both sides checked, each
 *                                            against its own definition
 *   6 GET_QUEUE_CONFIG DEBUG generation bit  QEMU's bit translated
 *   7 SET/GET_SOURCE_CONFIG masking          QEMU's cleared EAS checked
 *   8 H_INT_ESB outside the management page  reported as such, stop
 *   9 OS reporting line hcalls               QEMU traces no line: stop
 *  10 H_INT_RESET clears IPB                 stop if an IPB bit pending
 * ("stop": the states would part for good; the replay says why.)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpumask.h"
#include "xive_virt.h"

#define MAX_TOK 16
#define MAX_EVENTS 64
#define UNKNOWN UINT64_MAX /* a '?' field: not in the trace */
#define PAGE_SHIFT 12
#define PAGE_SIZE (1u << PAGE_SHIFT)
#define NR_PRIOS 8

/* QEMU's sPAPR NVT numbering (hw/intc/spapr_xive.c): block 0, index
 * SPAPR_XIVE_NVT_BASE + server. */
#define QEMU_NVT_BASE 0x400u

static bool verbose;

/* ---------------------------------------------------------------------- */
/* Fake guest memory: RAM of cfg ram= bytes, all zero except the pages the
 * model writes (the event queues the guest configured). */

struct page {
	uint64_t gpa;
	struct page *next;
	uint8_t data[PAGE_SIZE];
};

#define PAGE_HASH 1024

struct qwrite {
	uint64_t gpa;
	uint32_t word;
};

struct event {
	char type; /* 'P' PN, 'N', 'A', 'C' */
	unsigned cpu;
	unsigned ring, ipb, pipr, cppr, nsr;
	unsigned line; /* trace line (expected) or op line (model) */
};

/* The replay's own view of a queue, from the guest's SET_QUEUE_CONFIG. */
struct shadow_eq {
	bool enabled;
	uint64_t qpage;
	unsigned qshift;
	uint32_t index;
	unsigned gen;
};

struct replay {
	const char *file;
	unsigned line;
	struct xive *x;
	struct xive_config cfg;
	uint64_t ram_size;
	struct page *pages[PAGE_HASH];
	/* vCPU index -> QEMU server number */
	uint32_t server[IPIVIRT_MAX_CPUS];
	unsigned nr_servers;
	/* per-LISN what the guest set (EISN), for the queue check */
	uint32_t *eisn;
	struct shadow_eq *seq; /* nr_cpus * NR_PRIOS */
	/* events */
	struct event expect[MAX_EVENTS], model[MAX_EVENTS];
	unsigned nr_expect, nr_model;
	/* queue writes of the current operation */
	struct qwrite qw[MAX_EVENTS];
	unsigned nr_qw;
	bool mem_error;
	bool line_level[IPIVIRT_MAX_CPUS];
	/* KNOWN DIFFERENCE 1 (CPPR store): QEMU leaves NSR.EO set. */
	bool qemu_stale_eo[IPIVIRT_MAX_CPUS];
	/* counts */
	unsigned long ops, events, values, hcalls, esb, tima, irqs, qentries;
	unsigned long unknown_fields, known_diffs;
	/* operations not checked: vCPU '?', hcall return code '?' */
	unsigned long skip_cpu, skip_rc;
};

static unsigned long checked(const struct replay *r)
{
	return r->ops - r->skip_cpu - r->skip_rc;
}

static void fail(struct replay *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

static void fail(struct replay *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%u: MISMATCH: ", r->file, r->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	/* With a plain trace the cause may lie in what could not be checked. */
	if (r->skip_cpu || r->skip_rc)
		fprintf(stderr,
			"%s:%u: note: before this, %lu operations were left out (vCPU "
			"unknown) and %lu hcalls ran with no return code to check\n",
			r->file, r->line, r->skip_cpu, r->skip_rc);
	printf("%lu passed, 1 failed\n", checked(r));
	exit(1);
}

static void bad(struct replay *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

static void bad(struct replay *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%u: bad trace: ", r->file, r->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static struct page *page_of(struct replay *r, uint64_t gpa, bool create)
{
	uint64_t base = gpa & ~(uint64_t)(PAGE_SIZE - 1);
	unsigned h = (unsigned)((base >> PAGE_SHIFT) % PAGE_HASH);
	struct page *p;

	for (p = r->pages[h]; p; p = p->next)
		if (p->gpa == base)
			return p;
	if (!create)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p) {
		perror("calloc");
		exit(2);
	}
	p->gpa = base;
	p->next = r->pages[h];
	r->pages[h] = p;
	return p;
}

static int mem_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	struct replay *r = opaque;
	uint8_t *b = buf;

	if (gpa >= r->ram_size || len > r->ram_size - gpa)
		return -EFAULT;
	for (size_t i = 0; i < len; i++) {
		struct page *p = page_of(r, gpa + i, false);
		b[i] = p ? p->data[(gpa + i) & (PAGE_SIZE - 1)] : 0;
	}
	return 0;
}

static int mem_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
	struct replay *r = opaque;
	const uint8_t *b = buf;

	if (gpa >= r->ram_size || len > r->ram_size - gpa || len != 4 ||
	    (gpa & 3)) {
		r->mem_error = true;
		return -EFAULT;
	}
	for (size_t i = 0; i < len; i++) {
		struct page *p = page_of(r, gpa + i, true);
		p->data[(gpa + i) & (PAGE_SIZE - 1)] = b[i];
	}
	if (r->nr_qw < MAX_EVENTS) {
		r->qw[r->nr_qw].gpa = gpa;
		r->qw[r->nr_qw].word = (uint32_t)xive_be_load(b, 4);
	}
	r->nr_qw++;
	return 0;
}

static void set_irq_line(void *opaque, unsigned cpu, bool level)
{
	struct replay *r = opaque;

	if (cpu < IPIVIRT_MAX_CPUS)
		r->line_level[cpu] = level;
}

static void kick(void *opaque, unsigned cpu)
{
	(void)opaque;
	(void)cpu;
}

/* ---------------------------------------------------------------------- */
/* Parsing helpers */

static uint64_t num(struct replay *r, const char *s, int base)
{
	char *end;
	uint64_t v;

	if (!strcmp(s, "?"))
		return UNKNOWN;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || end == s)
		bad(r, "not a number: '%s'", s);
	return v;
}

static unsigned cpu_arg(struct replay *r, const char *s)
{
	uint64_t v;

	if (!strcmp(s, "?"))
		bad(r, "vCPU '?': this record cannot do without its vCPU");
	v = num(r, s, 10);
	if (v >= r->cfg.nr_cpus)
		bad(r, "vCPU '%s' out of range", s);
	return (unsigned)v;
}

/* QEMU server number -> model vCPU index; nr_cpus + 1 if unknown (then
 * the model answers as for any invalid target). */
static uint64_t server_to_cpu(struct replay *r, uint64_t server)
{
	for (unsigned i = 0; i < r->nr_servers; i++)
		if (r->server[i] == server)
			return i;
	return (uint64_t)r->cfg.nr_cpus + 1;
}

static void need_model(struct replay *r)
{
	if (!r->x)
		bad(r, "operation before the 'config' line");
}

/* Operations need the whole server map. */
static void need_servers(struct replay *r)
{
	need_model(r);
	if (r->nr_servers != r->cfg.nr_cpus)
		bad(r, "%u server lines for %u vCPUs before the first operation",
		    r->nr_servers, r->cfg.nr_cpus);
}

/* ---------------------------------------------------------------------- */
/* Events */

static void ev_str(const struct event *e, char *buf, size_t n)
{
	if (e->type == 'P')
		snprintf(buf, n, "PN (event queued for vCPU %u, ring 0x%x)",
			 e->cpu, e->ring);
	else
		snprintf(buf, n,
			 "%s vCPU %u ring 0x%x IPB=0x%02x PIPR=0x%02x %sCPPR=0x%02x NSR=0x%02x",
			 e->type == 'N'	  ? "N (raise)"
			 : e->type == 'A' ? "A (accept)"
					  : "C (CPPR store)",
			 e->cpu, e->ring, e->ipb, e->pipr,
			 e->type == 'C' ? "new " : "", e->cppr, e->nsr);
}

static void push_model(struct replay *r, char type, unsigned cpu,
		       const struct xive_os_ring *os, unsigned cppr)
{
	struct event *e;

	if (r->nr_model >= MAX_EVENTS)
		fail(r, "the model made more than %d events for one operation",
		     MAX_EVENTS);
	e = &r->model[r->nr_model++];
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->cpu = cpu;
	e->ring = TM_QW1_OS;
	e->line = r->line;
	if (os) {
		e->ipb = os->ipb;
		e->pipr = os->pipr;
		e->cppr = cppr;
		e->nsr = os->nsr;
	}
	/*
	 * KNOWN DIFFERENCE 1: a CPPR store that closes the window on a
	 * pending priority clears NSR.EO in the model; QEMU leaves EO set
	 * until the next ACK. While QEMU's EO is stale (tracked from the
	 * model's state at the CPPR store, see op_tima()) the model's NSR is
	 * shown with EO added back.
	 */
	if (type != 'A' && type != 'P' && r->qemu_stale_eo[cpu])
		e->nsr |= TM_QW1_NSR_EO;
}

static bool ev_equal(struct replay *r, const struct event *exp,
		     const struct event *got)
{
	(void)r;
	if (exp->type != got->type || exp->cpu != got->cpu ||
	    exp->ring != got->ring)
		return false;
	if (exp->type == 'P')
		return true;
	return exp->ipb == got->ipb && exp->pipr == got->pipr &&
	       exp->cppr == got->cppr && exp->nsr == got->nsr;
}

/* Compare what QEMU did with what the model did, since the last settle. */
static void settle(struct replay *r)
{
	char a[160], b[160];
	unsigned n = r->nr_expect > r->nr_model ? r->nr_expect : r->nr_model;

	for (unsigned i = 0; i < n; i++) {
		if (i >= r->nr_model) {
			ev_str(&r->expect[i], a, sizeof(a));
			r->line = r->expect[i].line;
			fail(r, "QEMU: %s; model: no such event", a);
		}
		if (i >= r->nr_expect) {
			ev_str(&r->model[i], b, sizeof(b));
			fail(r, "model (operation at line %u): %s; QEMU: no such event",
			     r->model[i].line, b);
		}
		if (!ev_equal(r, &r->expect[i], &r->model[i])) {
			ev_str(&r->expect[i], a, sizeof(a));
			ev_str(&r->model[i], b, sizeof(b));
			r->line = r->expect[i].line;
			fail(r, "expected %s; got %s (operation at line %u)", a, b,
			     r->model[i].line);
		}
		r->events++;
	}
	r->nr_expect = r->nr_model = 0;
}

static void get_ring(struct replay *r, unsigned cpu, struct xive_os_ring *os)
{
	if (xive_get_os_ring(r->x, cpu, os) < 0)
		fail(r, "xive_get_os_ring(%u) failed", cpu);
	/* The model's own invariant: the line is up exactly while NSR.EO. */
	if (os->line != !!(os->nsr & TM_QW1_NSR_EO) ||
	    os->line != r->line_level[cpu])
		fail(r, "vCPU %u: line %d, set_irq_line said %d, NSR 0x%02x",
		     cpu, os->line, r->line_level[cpu], os->nsr);
}

/*
 * After an operation that may have routed events: each queue write is an
 * event QEMU shows as PN for that queue's vCPU, checked against the shadow
 * queue; then, per vCPU presented to, N when the model signals.
 */
static void routed_events(struct replay *r, uint32_t lisn)
{
	bool notified[IPIVIRT_MAX_CPUS] = { false };

	if (r->mem_error)
		fail(r, "the model wrote outside guest RAM");
	if (r->nr_qw > MAX_EVENTS)
		fail(r, "the model wrote %u queue entries for one operation",
		     r->nr_qw);
	for (unsigned i = 0; i < r->nr_qw; i++) {
		const struct qwrite *w = &r->qw[i];
		struct shadow_eq *q = NULL;
		unsigned cpu = 0, prio = 0;
		uint32_t want;

		for (unsigned c = 0; c < r->cfg.nr_cpus && !q; c++)
			for (unsigned p = 0; p < NR_PRIOS; p++) {
				struct shadow_eq *s = &r->seq[c * NR_PRIOS + p];
				if (s->enabled && w->gpa >= s->qpage &&
				    w->gpa < s->qpage + (1ull << s->qshift)) {
					q = s;
					cpu = c;
					prio = p;
					break;
				}
			}
		if (!q)
			fail(r, "the model wrote 0x%08x at 0x%" PRIx64
				", in no queue the guest configured",
			     w->word, w->gpa);
		want = (uint32_t)(q->gen << 31) |
		       (lisn != UINT32_MAX ? (r->eisn[lisn] & 0x7fffffffu) : 0);
		if (w->gpa != q->qpage + 4ull * q->index ||
		    (lisn != UINT32_MAX && w->word != want))
			fail(r, "queue (vCPU %u, prio %u): model wrote 0x%08x at 0x%" PRIx64
				", expected 0x%08x at 0x%" PRIx64,
			     cpu, prio, w->word, w->gpa, want,
			     (uint64_t)(q->qpage + 4ull * q->index));
		q->index = (q->index + 1) & ((1u << (q->qshift - 2)) - 1);
		if (!q->index)
			q->gen ^= 1;
		r->qentries++;
		push_model(r, 'P', cpu, NULL, 0);
		notified[cpu] = true;
	}
	for (unsigned c = 0; c < r->cfg.nr_cpus; c++) {
		struct xive_os_ring os;

		if (!notified[c])
			continue;
		get_ring(r, c, &os);
		/* QEMU's xive_tctx_notify() "raise"s when PIPR < CPPR. */
		if (os.pipr < os.cppr)
			push_model(r, 'N', c, &os, os.cppr);
	}
	r->nr_qw = 0;
}

/* ---------------------------------------------------------------------- */
/* Operations */

/*
 * KNOWN DIFFERENCE 2: a SET_PQ access that leaves an asserted LSI at PQ
 * 00 fires it again in the model (level semantics); QEMU waits for the
 * next EOI or assertion. Where the trace hits that, the model has queued
 * an event QEMU has not: say so plainly instead of a bare event mismatch.
 */
static bool lsi_setpq_before(struct replay *r, uint64_t lisn, uint64_t off)
{
	struct xive_source_state st;

	if (lisn >= r->cfg.nr_irqs || (off & 0xfff) < XIVE_ESB_SET_PQ_00 ||
	    xive_get_source(r->x, (uint32_t)lisn, &st) < 0)
		return false;
	return st.claimed && st.lsi && st.asserted;
}

static void lsi_setpq_check(struct replay *r, uint64_t lisn)
{
	if (r->nr_qw)
		fail(r, "SET_PQ on asserted LSI 0x%" PRIx64 ": the model fires it "
			"again, QEMU does not (by design): cannot replay further",
		     lisn);
}

static void check_value(struct replay *r, const char *what, uint64_t exp,
			uint64_t got)
{
	if (exp == UNKNOWN) {
		r->unknown_fields++;
		return;
	}
	if (exp != got)
		fail(r, "%s: expected 0x%" PRIx64 ", got 0x%" PRIx64, what, exp,
		     got);
	r->values++;
}

static void op_esb(struct replay *r, char **t, int n, bool is_write)
{
	uint64_t off, val, got;
	uint8_t b[8];
	uint32_t lisn;
	int ret;

	if (n != 4)
		bad(r, "ESB: want '%s CPU OFFSET VALUE'", t[0]);
	need_servers(r);
	off = num(r, t[2], 16);
	val = num(r, t[3], 16);
	lisn = (uint32_t)(off >> r->cfg.esb_shift);
	if (lisn >= r->cfg.nr_irqs)
		bad(r, "ESB offset 0x%" PRIx64 " past the sources", off);
	r->nr_qw = 0;
	if (is_write) {
		settle(r);
		xive_be_store(b, 8, val);
		ret = xive_esb_access(r->x, off, b, 8, true);
		if (ret < 0 && ret != -EINVAL)
			fail(r, "ESB store at 0x%" PRIx64 ": model error %d", off,
			     ret);
		routed_events(r, lisn);
	} else {
		bool lsi_setpq = lsi_setpq_before(r, lisn, off);
		ret = xive_esb_access(r->x, off, b, 8, false);
		if (lsi_setpq)
			lsi_setpq_check(r, lisn);
		if (ret < 0 && ret != -EINVAL)
			fail(r, "ESB load at 0x%" PRIx64 ": model error %d", off,
			     ret);
		routed_events(r, lisn); /* an EOI may forward again */
		got = xive_be_load(b, 8);
		char what[96];
		snprintf(what, sizeof(what),
			 "ESB load at 0x%" PRIx64 " (LISN 0x%x, offset 0x%" PRIx64 ")",
			 off, lisn, off & 0xfff);
		check_value(r, what, val, got);
		settle(r);
	}
	r->esb++;
	r->ops++;
}

static void op_tima(struct replay *r, char **t, int n, bool is_write)
{
	unsigned cpu, size;
	uint64_t addr, off, val, got, mask;
	struct xive_os_ring before, after;
	uint8_t b[8];
	int ret;

	if (n != 5)
		bad(r, "TIMA: want '%s CPU ADDRESS SIZE VALUE'", t[0]);
	need_servers(r);
	addr = num(r, t[2], 16);
	size = (unsigned)num(r, t[3], 10);
	val = num(r, t[4], 16);
	if (size == 0 || size > 8)
		bad(r, "TIMA access size %u", size);
	if (!strcmp(t[1], "?")) {
		/* No vCPU to run it on: events so far belong to earlier
		 * operations; this one is left out, not guessed. */
		settle(r);
		r->skip_cpu++;
		r->tima++;
		r->ops++;
		return;
	}
	cpu = cpu_arg(r, t[1]);
	mask = size == 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
	/*
	 * QEMU traces the offset in its whole 4-page TIMA; the model serves
	 * the OS page only (the guest maps nothing else in sPAPR exploitation
	 * mode). Another page here would be a trace the model cannot answer.
	 */
	if ((addr >> XIVE_TM_PAGE_SHIFT) != XIVE_TM_OS_PAGE)
		fail(r, "TIMA access at 0x%" PRIx64 " outside the OS page: not modelled",
		     addr);
	off = addr & ((1ull << XIVE_TM_PAGE_SHIFT) - 1);

	if (is_write) {
		settle(r);
		get_ring(r, cpu, &before);
		xive_be_store(b, size, val);
		ret = xive_tima_access(r->x, cpu, off, b, size, true);
		get_ring(r, cpu, &after);
		if ((off & 0xfff) == TM_QW1_OS + TM_CPPR && size == 1) {
			/* QEMU: xive_tctx_set_cppr() traces the state before,
			 * with the value stored; notify "raise"s after it. */
			push_model(r, 'C', cpu, &before, (unsigned)(val & 0xff));
			if (after.pipr < after.cppr)
				push_model(r, 'N', cpu, &after, after.cppr);
			/* KNOWN DIFFERENCE 1, see ev_equal(): EO dropped by
			 * the model, kept by QEMU. */
			if ((before.nsr & TM_QW1_NSR_EO) &&
			    !(after.nsr & TM_QW1_NSR_EO)) {
				r->qemu_stale_eo[cpu] = true;
				r->known_diffs++;
			}
		} else if (ret < 0 && ret != -EINVAL) {
			fail(r, "TIMA store at 0x%" PRIx64 ": model error %d",
			     addr, ret);
		}
	} else {
		get_ring(r, cpu, &before);
		ret = xive_tima_access(r->x, cpu, off, b, size, false);
		got = xive_be_load(b, size);
		get_ring(r, cpu, &after);
		if ((off & 0xfff) == TM_SPC_ACK_OS_REG && size == 2) {
			if (r->qemu_stale_eo[cpu] && val != UNKNOWN &&
			    (val >> 8) & TM_QW1_NSR_EO && !(before.nsr & TM_QW1_NSR_EO)) {
				/*
				 * KNOWN DIFFERENCE 1, its end: QEMU acks the
				 * exception it left signalled (CPPR := PIPR,
				 * that IPB bit cleared); the model has none to
				 * ack. Check QEMU did what its rule says from
				 * the model's state, then bring the model to
				 * the same CPPR through a CPPR store.
				 */
				uint8_t cppr = before.pipr;
				check_value(r, "ACK of a stale exception (QEMU)",
					    val, (uint64_t)TM_QW1_NSR_EO << 8 | cppr);
				xive_tima_write(r->x, cpu, TM_QW1_OS + TM_CPPR, 1, cppr);
				get_ring(r, cpu, &after);
				push_model(r, 'A', cpu, &after, after.cppr);
				r->known_diffs++;
				got = val;
			} else if ((got >> 8) & TM_QW1_NSR_EO) {
				push_model(r, 'A', cpu, &after, after.cppr);
			}
			r->qemu_stale_eo[cpu] = false;
		} else if ((off & 0xfff) < 0x800 && size < 4 && ret == 0 &&
			   val != UNKNOWN && (val & mask) == mask) {
			/*
			 * KNOWN DIFFERENCE 3: the model serves 1- and 2-byte
			 * loads of quad word 1; QEMU only 4 and 8 and reads
			 * all-ones for the others. Check the model's bytes
			 * against its own OS ring instead.
			 */
			uint8_t raw[16] = { 0 };
			raw[TM_NSR] = after.nsr;
			raw[TM_CPPR] = after.cppr;
			raw[TM_IPB] = after.ipb;
			raw[TM_PIPR] = after.pipr;
			unsigned at = (unsigned)(off & 0xf);
			if ((off & 0xff0) == TM_QW1_OS && at != TM_LSMFB &&
			    at != TM_ACK_CNT && at != TM_INC &&
			    got != xive_be_load(raw + at, size))
				fail(r, "TIMA %u-byte load at 0x%" PRIx64
					": model 0x%" PRIx64 " disagrees with its OS ring",
				     size, addr, got);
			r->known_diffs++;
			got = val;
		}
		char what[80];
		snprintf(what, sizeof(what), "TIMA %u-byte load at 0x%" PRIx64
			 " on vCPU %u", size, addr, cpu);
		/* QEMU returns (uint64_t)-1 for a refused load whatever its
		 * size; the guest sees the low @size bytes. */
		check_value(r, what, val == UNKNOWN ? val : val & mask, got);
		settle(r);
	}
	r->tima++;
	r->ops++;
}

static void op_irq(struct replay *r, char **t, int n)
{
	uint64_t lisn, val;
	struct xive_source_state st;

	if (n != 3)
		bad(r, "IRQ: want 'IRQ LISN LEVEL'");
	need_servers(r);
	settle(r);
	lisn = num(r, t[1], 16);
	val = num(r, t[2], 16);
	if (lisn >= r->cfg.nr_irqs || xive_get_source(r->x, (uint32_t)lisn, &st) ||
	    !st.claimed)
		fail(r, "device interrupt on LISN 0x%" PRIx64
			", which the model does not have",
		     lisn);
	r->nr_qw = 0;
	/* QEMU's xive_source_set_irq(): an MSI triggers on 1 and ignores 0;
	 * an LSI follows the level. */
	if (st.lsi) {
		if (xive_set_level(r->x, (uint32_t)lisn, val != 0) < 0)
			fail(r, "xive_set_level(0x%" PRIx64 ") failed", lisn);
	} else if (val) {
		if (xive_trigger(r->x, (uint32_t)lisn) < 0)
			fail(r, "xive_trigger(0x%" PRIx64 ") failed", lisn);
	}
	routed_events(r, (uint32_t)lisn);
	r->irqs++;
	r->ops++;
}

static const struct {
	const char *name;
	unsigned long opcode;
	int nargs;
} hcalls[] = {
	{ "GET_SOURCE_INFO", H_INT_GET_SOURCE_INFO, 2 },
	{ "SET_SOURCE_CONFIG", H_INT_SET_SOURCE_CONFIG, 5 },
	{ "GET_SOURCE_CONFIG", H_INT_GET_SOURCE_CONFIG, 2 },
	{ "GET_QUEUE_INFO", H_INT_GET_QUEUE_INFO, 3 },
	{ "SET_QUEUE_CONFIG", H_INT_SET_QUEUE_CONFIG, 5 },
	{ "GET_QUEUE_CONFIG", H_INT_GET_QUEUE_CONFIG, 3 },
	/* QEMU traces only the flags of these two (and refuses them). */
	{ "SET_OS_REPORTING_LINE", H_INT_SET_OS_REPORTING_LINE, 2 },
	{ "GET_OS_REPORTING_LINE", H_INT_GET_OS_REPORTING_LINE, 2 },
	{ "ESB", H_INT_ESB, 4 },
	{ "SYNC", H_INT_SYNC, 2 },
	{ "RESET", H_INT_RESET, 1 },
};

static void op_hcall(struct replay *r, char **t, int n)
{
	uint64_t args[XIVE_HCALL_MAX_ARGS] = { 0 };
	uint64_t rets[XIVE_HCALL_MAX_RETS] = { 0 };
	uint64_t exp_rets[XIVE_HCALL_MAX_RETS];
	uint64_t exp_rc;
	unsigned cpu, h;
	int eq = -1;
	long rc;
	char what[96];

	need_servers(r);
	for (int i = 0; i < n; i++)
		if (!strcmp(t[i], "="))
			eq = i;
	if (n < 4 || eq < 3 || n != eq + 6)
		bad(r, "hcall: want 'H CPU NAME ARGS... = RC R4 R5 R6 R7'");
	/* '?': a plain trace does not say; only SET_OS_REPORTING_LINE
	 * depends on the caller (handled below), the rest runs as vCPU 0. */
	cpu = strcmp(t[1], "?") ? cpu_arg(r, t[1]) : 0;
	for (h = 0; h < sizeof(hcalls) / sizeof(hcalls[0]); h++)
		if (!strcmp(t[2], hcalls[h].name))
			break;
	if (h == sizeof(hcalls) / sizeof(hcalls[0]))
		bad(r, "unknown hcall %s", t[2]);
	if (eq - 3 != hcalls[h].nargs)
		/* KNOWN DIFFERENCE 9 lands here: QEMU traces only the flags of
		 * the OS reporting line calls (which it refuses anyway), so the
		 * model cannot be given the guest's arguments. */
		fail(r, "H_INT_%s: the trace has %d arguments, the hcall takes %d: cannot replay",
		     t[2], eq - 3, hcalls[h].nargs);
	for (int i = 0; i < hcalls[h].nargs; i++)
		if ((args[i] = num(r, t[3 + i], 16)) == UNKNOWN)
			bad(r, "H_INT_%s: argument %d is '?'", t[2], i + 1);
	exp_rc = num(r, t[eq + 1], 0);
	if (!strcmp(t[1], "?") && hcalls[h].opcode == H_INT_SET_OS_REPORTING_LINE) {
		/* Stored for the caller; nothing else in the model reads it. */
		settle(r);
		r->skip_cpu++;
		r->hcalls++;
		r->ops++;
		return;
	}
	for (int i = 0; i < XIVE_HCALL_MAX_RETS; i++)
		exp_rets[i] = num(r, t[eq + 2 + i], 16);

	/* Targets are QEMU server numbers; the model's are vCPU indices. */
	switch (hcalls[h].opcode) {
	case H_INT_SET_SOURCE_CONFIG:
		args[2] = server_to_cpu(r, args[2]);
		break;
	case H_INT_GET_QUEUE_INFO:
	case H_INT_SET_QUEUE_CONFIG:
	case H_INT_GET_QUEUE_CONFIG:
	case H_INT_GET_OS_REPORTING_LINE:
		args[1] = server_to_cpu(r, args[1]);
		break;
	}
	/*
	 * KNOWN DIFFERENCE 4: the model refuses SET_QUEUE_CONFIG without
	 * ALWAYS_NOTIFY (QEMU gates notifications with the END ESn ESB).
	 * Linux always sets it; a trace without it cannot be replayed.
	 */
	if (hcalls[h].opcode == H_INT_SET_QUEUE_CONFIG && args[4] &&
	    !(args[0] & XIVE_EQ_ALWAYS_NOTIFY))
		fail(r, "SET_QUEUE_CONFIG without ALWAYS_NOTIFY: the model refuses it by design");

	/*
	 * KNOWN DIFFERENCE 8: H_INT_ESB offsets past the management page are
	 * H_P3 in the model; QEMU does the access (up to 1 << esb_shift).
	 */
	if (hcalls[h].opcode == H_INT_ESB && exp_rc == H_SUCCESS &&
	    args[2] >= (1ull << (r->cfg.esb_shift - (r->cfg.esb_shift & 1))))
		fail(r, "H_INT_ESB at offset 0x%" PRIx64 ", past the management page: "
			"QEMU served it, the model refuses it (by design)", args[2]);
	settle(r);
	/*
	 * KNOWN DIFFERENCE 10: H_INT_RESET clears pending IPB bits in the
	 * model, QEMU leaves the thread contexts alone. Equal unless an IPB
	 * bit is pending at the reset, which the replay cannot reconcile.
	 */
	if (hcalls[h].opcode == H_INT_RESET)
		for (unsigned c = 0; c < r->cfg.nr_cpus; c++) {
			struct xive_os_ring os;
			get_ring(r, c, &os);
			if (os.ipb)
				fail(r, "H_INT_RESET with IPB 0x%02x pending on vCPU %u: "
					"the model clears it, QEMU keeps it (by design)",
				     os.ipb, c);
		}
	/* KNOWN DIFFERENCE 2, see lsi_setpq_check(). */
	bool lsi_setpq = hcalls[h].opcode == H_INT_ESB &&
			 lsi_setpq_before(r, args[1], args[2]);
	r->nr_qw = 0;
	rc = xive_hcall(r->x, cpu, hcalls[h].opcode, args, rets);
	if (lsi_setpq)
		lsi_setpq_check(r, args[1]);
	if (exp_rc == UNKNOWN) {
		/* QEMU's answer is not in the trace: run, do not check it. */
		r->unknown_fields++;
		r->skip_rc++;
		for (int i = 0; i < XIVE_HCALL_MAX_RETS; i++)
			exp_rets[i] = UNKNOWN;
	} else if ((int64_t)exp_rc != rc)
		fail(r, "H_INT_%s: expected return code %" PRId64 ", got %ld",
		     t[2], (int64_t)exp_rc, rc);
	else
		r->values++;

	if (rc == H_SUCCESS) {
		switch (hcalls[h].opcode) {
		case H_INT_GET_SOURCE_CONFIG:
			/* The target comes back as a server number. */
			if (rets[0] < r->nr_servers)
				rets[0] = r->server[rets[0]];
			/*
			 * KNOWN DIFFERENCE 7: priority 0xff makes QEMU clear
			 * the whole EAS (a fresh one is clear too), so it
			 * reports target 0 and EISN 0; the model keeps the
			 * target and the EISN (the LISN until set). Check
			 * QEMU's values are those, then compare the priority.
			 */
			if (rets[1] == XIVE_PRIO_MASKED &&
			    (exp_rets[0] != UNKNOWN || exp_rets[2] != UNKNOWN)) {
				if ((exp_rets[0] != UNKNOWN && exp_rets[0] != 0) ||
				    (exp_rets[2] != UNKNOWN && exp_rets[2] != 0))
					fail(r, "GET_SOURCE_CONFIG of a source masked by priority: "
						"QEMU target 0x%" PRIx64 " EISN 0x%" PRIx64 ", expected 0 and 0",
					     exp_rets[0], exp_rets[2]);
				exp_rets[0] = rets[0];
				exp_rets[2] = rets[2];
				r->known_diffs++;
			}
			break;
		case H_INT_GET_QUEUE_INFO:
			/*
			 * KNOWN DIFFERENCE 5: R5 is the END ESB page shift
			 * (16) in the model; QEMU returns the queue size
			 * shift, 0 until the queue is configured. Check that
			 * QEMU's value is one of those, and the model's is 16.
			 */
			if (exp_rets[1] != UNKNOWN) {
				struct xive_queue_state qs;
				if (xive_get_queue(r->x, (unsigned)args[1],
						   (unsigned)args[2], &qs) < 0)
					fail(r, "GET_QUEUE_INFO: no queue");
				if (exp_rets[1] != 0 && exp_rets[1] != qs.qshift)
					fail(r, "GET_QUEUE_INFO R5: QEMU 0x%" PRIx64
						", neither 0 nor the queue shift %u",
					     exp_rets[1], qs.qshift);
				if (rets[1] != 16)
					fail(r, "GET_QUEUE_INFO R5: model 0x%" PRIx64
						", expected 16 (END ESB page shift)",
					     rets[1]);
				exp_rets[1] = rets[1];
				r->known_diffs++;
			}
			break;
		case H_INT_GET_QUEUE_CONFIG:
			/*
			 * KNOWN DIFFERENCE 6: with DEBUG the generation is PAPR
			 * bit 62 in the model, 1 << 62 in QEMU.
			 */
			if ((args[0] & XIVE_EQ_DEBUG) && exp_rets[0] != UNKNOWN &&
			    (exp_rets[0] & (1ull << 62))) {
				exp_rets[0] = (exp_rets[0] & ~(1ull << 62)) |
					      XIVE_EQ_GENERATION;
				r->known_diffs++;
			}
			break;
		}
		for (int i = 0; i < XIVE_HCALL_MAX_RETS; i++) {
			snprintf(what, sizeof(what), "H_INT_%s R%d", t[2], 4 + i);
			check_value(r, what, exp_rets[i], rets[i]);
		}
		/* What the replay's queue shadow and EISN table learn. */
		if (hcalls[h].opcode == H_INT_SET_QUEUE_CONFIG) {
			struct shadow_eq *q =
				&r->seq[args[1] * NR_PRIOS + args[2]];
			memset(q, 0, sizeof(*q));
			if (args[4]) {
				q->enabled = true;
				q->qpage = args[3];
				q->qshift = (unsigned)args[4];
				q->gen = 1;
			}
		}
		if (hcalls[h].opcode == H_INT_SET_SOURCE_CONFIG &&
		    (args[0] & XIVE_SRC_SET_EISN))
			r->eisn[args[1]] = (uint32_t)args[4];
		if (hcalls[h].opcode == H_INT_RESET) {
			memset(r->seq, 0, sizeof(*r->seq) * r->cfg.nr_cpus * NR_PRIOS);
			for (uint32_t i = 0; i < r->cfg.nr_irqs; i++)
				r->eisn[i] = i;
		}
	}
	routed_events(r, hcalls[h].opcode == H_INT_ESB ? (uint32_t)args[1]
						       : UINT32_MAX);
	r->hcalls++;
	r->ops++;
}

static void op_claim(struct replay *r, char **t, int n, bool claim)
{
	uint64_t lisn;
	struct xive_source_state st;
	int ret;

	need_servers(r);
	if (n != (claim ? 3 : 2))
		bad(r, "want 'claim LISN LSI' or 'free LISN'");
	settle(r);
	lisn = num(r, t[1], 16);
	if (lisn >= r->cfg.nr_irqs)
		fail(r, "LISN 0x%" PRIx64 " past the model's %u sources", lisn,
		     r->cfg.nr_irqs);
	if (!claim) {
		ret = xive_free_irq(r->x, (uint32_t)lisn);
	} else if (lisn < r->cfg.nr_cpus) {
		/* The model claims the vCPUs' IPIs itself, as MSIs. */
		xive_get_source(r->x, (uint32_t)lisn, &st);
		ret = st.claimed && !st.lsi && !num(r, t[2], 10) ? 0 : -EINVAL;
	} else {
		ret = xive_claim_irq(r->x, (uint32_t)lisn, num(r, t[2], 10) != 0);
	}
	if (ret < 0)
		fail(r, "%s of LISN 0x%" PRIx64 ": model error %d",
		     claim ? "claim" : "free", lisn, ret);
	r->ops++;
}

static void op_config(struct replay *r, char **t, int n)
{
	static const struct xive_ops ops_tmpl = {
		.read_mem = mem_read,
		.write_mem = mem_write,
		.set_irq_line = set_irq_line,
		.kick = kick,
	};
	struct xive_ops ops = ops_tmpl;
	unsigned cpus = 0, nr_irqs = 0;

	if (r->x)
		bad(r, "second 'config' line");
	for (int i = 1; i < n; i++) {
		char *eq = strchr(t[i], '=');
		if (!eq)
			bad(r, "config: '%s'", t[i]);
		*eq++ = 0;
		if (!strcmp(t[i], "cpus"))
			cpus = (unsigned)num(r, eq, 0);
		else if (!strcmp(t[i], "nr_irqs"))
			nr_irqs = (unsigned)num(r, eq, 0);
		else if (!strcmp(t[i], "esb_shift"))
			r->cfg.esb_shift = (unsigned)num(r, eq, 0);
		else if (!strcmp(t[i], "store_eoi"))
			r->cfg.store_eoi = num(r, eq, 0) != 0;
		else if (!strcmp(t[i], "ram"))
			r->ram_size = num(r, eq, 0);
		else
			bad(r, "config: unknown key '%s'", t[i]);
	}
	if (!cpus || cpus > IPIVIRT_MAX_CPUS || nr_irqs < cpus)
		bad(r, "config: cpus=%u nr_irqs=%u", cpus, nr_irqs);
	{
		/* Defaults are QEMU's spapr ones; the trace may override
		 * esb_shift and store_eoi. */
		unsigned shift = r->cfg.esb_shift;
		bool seoi = r->cfg.store_eoi;
		xive_config_init(&r->cfg, cpus, nr_irqs);
		if (shift)
			r->cfg.esb_shift = shift;
		r->cfg.store_eoi = seoi;
	}
	ops.opaque = r;
	r->x = xive_create(&r->cfg, &ops);
	if (!r->x)
		bad(r, "xive_create: %s", strerror(errno));
	r->eisn = calloc(nr_irqs, sizeof(*r->eisn));
	r->seq = calloc((size_t)cpus * NR_PRIOS, sizeof(*r->seq));
	if (!r->eisn || !r->seq) {
		perror("calloc");
		exit(2);
	}
	for (uint32_t i = 0; i < nr_irqs; i++)
		r->eisn[i] = i;
}

static void observation(struct replay *r, char **t, int n)
{
	struct event *e;

	if (r->nr_expect >= MAX_EVENTS)
		bad(r, "more than %d events without an operation", MAX_EVENTS);
	e = &r->expect[r->nr_expect];
	memset(e, 0, sizeof(*e));
	e->line = r->line;
	if (!strcmp(t[0], "PN")) {
		uint64_t blk, idx, cpu;
		if (n != 4)
			bad(r, "want 'PN BLOCK INDEX RING'");
		blk = num(r, t[1], 16);
		idx = num(r, t[2], 16);
		cpu = idx >= QEMU_NVT_BASE ? server_to_cpu(r, idx - QEMU_NVT_BASE)
					   : UINT64_MAX;
		if (blk != 0 || cpu >= r->cfg.nr_cpus)
			bad(r, "NVT 0x%" PRIx64 "/0x%" PRIx64 " is no vCPU's", blk, idx);
		e->type = 'P';
		e->cpu = (unsigned)cpu;
		e->ring = (unsigned)num(r, t[3], 16);
	} else {
		if (n != 7)
			bad(r, "want '%s CPU RING IPB PIPR CPPR NSR'", t[0]);
		e->type = t[0][0];
		e->cpu = cpu_arg(r, t[1]);
		e->ring = (unsigned)num(r, t[2], 16);
		e->ipb = (unsigned)num(r, t[3], 16);
		e->pipr = (unsigned)num(r, t[4], 16);
		e->cppr = (unsigned)num(r, t[5], 16);
		e->nsr = (unsigned)num(r, t[6], 16);
	}
	r->nr_expect++;
}

static void replay_file(struct replay *r)
{
	FILE *f = fopen(r->file, "r");
	char *buf = NULL;
	size_t cap = 0;

	if (!f) {
		fprintf(stderr, "%s: %s\n", r->file, strerror(errno));
		exit(2);
	}
	/* getline(): a '# command:' comment may be any length. */
	while (getline(&buf, &cap, f) >= 0) {
		char *t[MAX_TOK], *s = buf, *save = NULL;
		int n = 0;

		r->line++;
		if (*s == '#')
			continue;
		for (char *tok = strtok_r(s, " \t\r\n", &save); tok;
		     tok = strtok_r(NULL, " \t\r\n", &save)) {
			if (n == MAX_TOK)
				bad(r, "too many fields");
			t[n++] = tok;
		}
		if (!n)
			continue;
		if (r->line == 1) {
			if (strcmp(t[0], "xive-trace") || n != 2 || strcmp(t[1], "1"))
				bad(r, "not a 'xive-trace 1' file");
			continue;
		}
		if (!strcmp(t[0], "H"))
			op_hcall(r, t, n);
		else if (!strcmp(t[0], "ER") || !strcmp(t[0], "EW"))
			op_esb(r, t, n, t[0][1] == 'W');
		else if (!strcmp(t[0], "TR") || !strcmp(t[0], "TW"))
			op_tima(r, t, n, t[0][1] == 'W');
		else if (!strcmp(t[0], "PN") || !strcmp(t[0], "N") ||
			 !strcmp(t[0], "A") || !strcmp(t[0], "C"))
			observation(r, t, n);
		else if (!strcmp(t[0], "IRQ"))
			op_irq(r, t, n);
		else if (!strcmp(t[0], "claim") || !strcmp(t[0], "free"))
			op_claim(r, t, n, t[0][0] == 'c');
		else if (!strcmp(t[0], "config"))
			op_config(r, t, n);
		else if (!strcmp(t[0], "server")) {
			if (n != 3)
				bad(r, "want 'server CPU SERVER'");
			uint64_t c = num(r, t[1], 10);
			need_model(r);
			if (c != r->nr_servers || c >= r->cfg.nr_cpus)
				bad(r, "server lines must list vCPUs 0.. in order");
			r->server[r->nr_servers++] = (uint32_t)num(r, t[2], 16);
		} else
			bad(r, "unknown record '%s'", t[0]);
	}
	free(buf);
	if (ferror(f)) {
		fprintf(stderr, "%s: read error\n", r->file);
		exit(2);
	}
	fclose(f);
	if (!r->x)
		bad(r, "no 'config' line");
	if (r->nr_servers != r->cfg.nr_cpus)
		bad(r, "%u server lines for %u vCPUs", r->nr_servers,
		    r->cfg.nr_cpus);
	settle(r);
}

static void replay_free(struct replay *r)
{
	for (unsigned i = 0; i < PAGE_HASH; i++)
		while (r->pages[i]) {
			struct page *p = r->pages[i];
			r->pages[i] = p->next;
			free(p);
		}
	xive_destroy(r->x);
	free(r->eisn);
	free(r->seq);
}

int main(int argc, char **argv)
{
	unsigned long total = 0, skipped = 0;
	int i = 1;

	if (i < argc && !strcmp(argv[i], "-v")) {
		verbose = true;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: %s [-v] TRACE...\n", argv[0]);
		return 2;
	}
	for (; i < argc; i++) {
		struct replay *r = calloc(1, sizeof(*r));

		if (!r) {
			perror("calloc");
			return 2;
		}
		r->file = argv[i];
		r->ram_size = 1ull << 30;
		replay_file(r);
		printf("%s: checked %lu of %lu operations (%lu skipped: vCPU unknown, "
		       "%lu: unknown hcall return)\n",
		       r->file, checked(r), r->ops, r->skip_cpu, r->skip_rc);
		printf("  %lu hcalls, %lu ESB, %lu TIMA, %lu device irqs; "
		       "%lu values and %lu events matched, %lu queue entries checked, "
		       "%lu known differences handled, %lu fields not in the trace\n",
		       r->hcalls, r->esb, r->tima, r->irqs, r->values, r->events,
		       r->qentries, r->known_diffs, r->unknown_fields);
		if (verbose) {
			struct xive_stats st;
			xive_get_stats(r->x, &st);
			printf("  model: %" PRIu64 " triggers, %" PRIu64 " forwarded, %" PRIu64
			       " presented, %" PRIu64 " acks, %" PRIu64 " hcalls\n",
			       st.triggers, st.forwarded, st.presented, st.acks,
			       st.hcalls);
		}
		total += checked(r);
		skipped += r->ops - checked(r);
		replay_free(r);
		free(r);
	}
	if (skipped)
		printf("%lu passed, 0 failed, %lu skipped\n", total, skipped);
	else
		printf("%lu passed, 0 failed\n", total);
	return 0;
}
