// SPDX-License-Identifier: MIT
/*
 * xive.c - the XIVE IPI driver (see xive.h): discovery, per-CPU set-up,
 * sending, and the interrupt handler.
 *
 * Why the handler is correct for IPIs (one trigger, one event; no event
 * lost): a trigger at PQ 00 forwards one event (PQ 10); more triggers
 * before the EOI only set Q (11), and the EOI of an 11 source forwards one
 * more event. The handler EOIs each source before ipi_demux() takes the
 * messages, so a message set after that (its trigger follows it) is either
 * forwarded at PQ 00 or folded into an event the EOI of the current one
 * forwards: there is always an event after the last message.
 */
#include <stdarg.h>

#include "alloc.h"
#include "atomic.h"
#include "desc.h"
#include "fwcfg.h"
#include "io.h"
#include "ipi_ops.h"
#include "percpu.h"
#include "report.h"
#include "smp.h"
#include "string.h"
#include "xive.h"

#define FOUR_GIB (1ull << 32)
#define QSHIFT_MIN 12
#define QSHIFT_MAX 24

static struct xive_fw fw;
static struct xive_cpu *xcpu[MAX_CPUS];
static u64 *src_mgmt;           /* IPI LISN -> management page (EOIs) */
static volatile u8 *tima;

const struct xive_fw *xive_fw(void) { return &fw; }
struct xive_cpu *xive_cpu(unsigned cpu) { return cpu < MAX_CPUS ? READ_ONCE(xcpu[cpu]) : NULL; }
u64 xive_src_mgmt(u32 lisn) { return lisn < fw.nr_ipis ? READ_ONCE(src_mgmt[lisn]) : 0; }

u64 xive_esb_load(u64 mgmt_page, unsigned offset)
{
	return be64_to_cpu(*(volatile u64 *)(uintptr_t)(mgmt_page + offset));
}

/*
 * Any 8-byte store triggers. No fence: the trigger is an uncached store,
 * which x86 keeps behind every earlier store, and the callers' locked
 * instructions (llist_add, the message bit) have drained the store buffer.
 */
void xive_esb_trigger(u64 trig_page)
{
	*(volatile u64 *)(uintptr_t)trig_page = 0;
}

u32 xive_tima_word0(void)
{
	return be32_to_cpu(*(volatile u32 *)(tima + TM_QW1_OS));
}

static void set_cppr(u8 cppr)
{
	*(volatile u8 *)(tima + TM_QW1_OS + TM_CPPR) = cppr;
}

static bool is_runtime_vector(u32 v)
{
	return v == WAKE_VECTOR || v == CALL_FUNCTION_VECTOR ||
	       v == CALL_FUNCTION_SINGLE_VECTOR || v == 0xff;
}

static const char *fw_problem(void)
{
	u64 esb_end = fw.esb_base + ((u64)fw.nr_irqs << (fw.esb_shift & 63));

	if (fw.magic != XIVE_FW_MAGIC)
		return "bad magic";
	if (fw.version != XIVE_FW_VERSION)
		return "unknown version (this driver knows 1)";
	if (fw.esb_shift < 12 || fw.esb_shift > 17)
		return "esb_shift not in 12..17";
	if (!fw.nr_ipis || fw.nr_irqs < fw.nr_ipis)
		return "nr_ipis is 0 or above nr_irqs";
	if (fw.vector < 32 || fw.vector > 255 || is_runtime_vector(fw.vector))
		return "vector is an exception or one the runtime uses";
	if (!fw.nr_prios || fw.nr_prios > 8)
		return "nr_prios not in 1..8";
	if (!(fw.eq_shift_mask & (((2u << QSHIFT_MAX) - 1) & ~((1u << QSHIFT_MIN) - 1))))
		return "no queue size from 4 KiB to 16 MiB";
	if (esb_end > FOUR_GIB || esb_end < fw.esb_base || fw.tima_os_base >= FOUR_GIB - 0x1000 ||
	    fw.hcall_base >= FOUR_GIB - 0x1000)
		return "an MMIO range is outside the 4 GiB identity map";
	return NULL;
}

static void xive_interrupt(struct trap_regs *regs);

bool xive_probe(void)
{
	const char *problem;
	u16 key;
	u32 size;

	if (!fwcfg_find_file(XIVE_FWCFG_FILE, &key, &size))
		return false;
	if (size < sizeof(fw))
		report_abort("XIVE: fw_cfg %s is %u bytes, want %u", XIVE_FWCFG_FILE, size,
			     (unsigned)sizeof(fw));
	fwcfg_read_item(key, &fw, sizeof(fw));
	problem = fw_problem();
	if (problem)
		report_abort("XIVE: fw_cfg %s: %s (magic %#x version %u esb_shift %u nr_irqs %u "
			     "nr_ipis %u vector %#x nr_prios %u eq_shift_mask %#x)",
			     XIVE_FWCFG_FILE, problem, fw.magic, fw.version, fw.esb_shift, fw.nr_irqs,
			     fw.nr_ipis, fw.vector, fw.nr_prios, fw.eq_shift_mask);
	xive_hcall_init(fw.hcall_base);
	tima = (volatile u8 *)(uintptr_t)fw.tima_os_base;
	src_mgmt = zalloc(fw.nr_ipis * sizeof(*src_mgmt), 64);
	handle_irq(fw.vector, xive_interrupt);
	irq_reserve(fw.vector, "the XIVE interrupt");
	return true;
}

static void __attribute__((format(printf, 2, 3))) must(long rc, const char *fmt, ...)
{
	char call[160];
	va_list ap;

	if (rc == H_SUCCESS)
		return;
	va_start(ap, fmt);
	vsnprintf(call, sizeof(call), fmt, ap);
	va_end(ap);
	report_abort("XIVE: cpu %u: %s returned %ld (%s)", smp_id(), call, rc, xive_rc_name(rc));
}

static struct xive_cpu *xive_cpu_alloc(void)
{
	struct xive_cpu *xc = zalloc(sizeof(*xc), 64);
	unsigned s = QSHIFT_MIN;

	while (!(fw.eq_shift_mask & (1u << s)))
		s++;                 /* fw_problem() made sure one exists */
	xc->server = this_cpu()->apic_id;
	/* The least favoured OS priority, as Linux's xive_get_max_prio(). */
	xc->prio = (u8)(fw.nr_prios - 1);
	xc->qshift = s;
	xc->msk = (1u << (s - 2)) - 1;
	xc->qpage = zalloc(1ull << s, 1ull << s);
	return xc;
}

/* An ESB page the file's ESB span holds (fw_problem() kept it < 4 GiB). */
static bool page_ok(u64 page)
{
	return page >= fw.esb_base && page - fw.esb_base < ((u64)fw.nr_irqs << fw.esb_shift);
}

/* This CPU, at boot and after an INIT/SIPI restart (queue starts over). */
void xive_cpu_init(void)
{
	struct xive_cpu *xc = xcpu[smp_id()] ? xcpu[smp_id()] : xive_cpu_alloc();
	u64 r[4];

	if (xc->server >= fw.nr_ipis)
		report_abort("XIVE: cpu %u has APIC ID %u, but there are only %u IPI sources",
			     smp_id(), xc->server, fw.nr_ipis);
	memset((void *)xc->qpage, 0, 1ull << xc->qshift);
	xc->idx = 0;
	xc->toggle = 0;
	must(XIVE_HCALL(H_INT_GET_QUEUE_INFO, r, 0, xc->server, xc->prio),
	     "H_INT_GET_QUEUE_INFO(0, target %u, prio %u)", xc->server, xc->prio);
	/* ALWAYS_NOTIFY: Linux's flags; there is no END ESB to gate it. */
	must(XIVE_HCALL(H_INT_SET_QUEUE_CONFIG, NULL, XIVE_EQ_ALWAYS_NOTIFY, xc->server, xc->prio,
			(u64)(uintptr_t)xc->qpage, xc->qshift),
	     "H_INT_SET_QUEUE_CONFIG(ALWAYS_NOTIFY, target %u, prio %u, qpage %#lx, qshift %u)",
	     xc->server, xc->prio, (unsigned long)(uintptr_t)xc->qpage, xc->qshift);

	must(XIVE_HCALL(H_INT_GET_SOURCE_INFO, r, 0, xc->server),
	     "H_INT_GET_SOURCE_INFO(0, lisn %u)", xc->server);
	u64 flags = r[0], eoi = r[1], trig = flags & XIVE_SRC_TRIGGER ? r[1] : r[2];
	if (flags & (XIVE_SRC_LSI | XIVE_SRC_H_INT_ESB) || !page_ok(eoi) || !page_ok(trig))
		report_abort("XIVE: cpu %u: IPI source %u: flags %#lx, EOI page %#lx, trigger page %#lx: "
			     "want an MSI with both pages in the ESB span", smp_id(), xc->server,
			     (unsigned long)flags, (unsigned long)eoi, (unsigned long)trig);
	xc->mgmt = eoi;
	xc->trig = trig;
	WRITE_ONCE(src_mgmt[xc->server], eoi);
	must(XIVE_HCALL(H_INT_SET_SOURCE_CONFIG, NULL, XIVE_SRC_SET_EISN, xc->server, xc->server,
			xc->prio, xc->server),
	     "H_INT_SET_SOURCE_CONFIG(SET_EISN, lisn %u, target %u, prio %u, eisn %u)", xc->server,
	     xc->server, xc->prio, xc->server);
	xive_esb_load(eoi, XIVE_ESB_SET_PQ_00);   /* sources start masked (01) */
	smp_store_release(&xcpu[smp_id()], xc);
	set_cppr(0xff);
}

void xive_cause_ipi(unsigned cpu)
{
	struct xive_cpu *t = xive_cpu(cpu);

	if (!t) {
		report(false, "XIVE: IPI to cpu %u, which has not set XIVE up", cpu);
		return;
	}
	xive_esb_trigger(t->trig);
}

static void handle_event(struct xive_cpu *xc, u32 eisn, struct trap_regs *regs)
{
	u64 mgmt = xive_src_mgmt(eisn);

	xc->stats.events++;
	if (!mgmt) {
		report(false, "XIVE: cpu %u: queue entry with EISN %#x, which no source was given",
		       smp_id(), eisn);
		return;
	}
	/* EOI before the work, as an APIC EOI: see the header comment. */
	if (xive_esb_load(mgmt, XIVE_ESB_LOAD_EOI) & 1)
		xc->stats.eoi_reforwarded++;
	if (eisn == xc->server) {
		xc->stats.ipi_events++;
		ipi_demux(regs);
	} else {
		xc->stats.foreign_events++;
		xc->stats.last_foreign = eisn;
	}
}

/*
 * The XIVE line is a level: acknowledge (lowers it, CPPR = the priority
 * served), take every new queue entry, then reopen with CPPR 0xff, which
 * raises the line again if more came meanwhile.
 */
static void xive_interrupt(struct trap_regs *regs)
{
	struct xive_cpu *xc = xcpu[smp_id()];
	u16 ack;

	if (!xc)
		report_abort("XIVE: interrupt on cpu %u before its XIVE set-up", smp_id());
	xc->stats.irqs++;
	ack = be16_to_cpu(*(volatile u16 *)(tima + TM_SPC_ACK_OS_REG));
	xc->stats.last_ack = ack;
	if (ack >> 8 & TM_QW1_NSR_EO) {
		xc->stats.acked++;
		if ((ack & 0xff) != xc->prio)
			report(false, "XIVE: cpu %u: acknowledged priority %u, only %u is configured",
			       smp_id(), ack & 0xff, xc->prio);
	}
	barrier();   /* queue reads after the acknowledge */
	for (;;) {
		u32 e = be32_to_cpu(xc->qpage[xc->idx]);
		if (e >> 31 == xc->toggle)
			break;
		xc->idx = (xc->idx + 1) & xc->msk;
		if (!xc->idx)
			xc->toggle ^= 1;
		handle_event(xc, e & 0x7fffffff, regs);
	}
	set_cppr(0xff);
}
