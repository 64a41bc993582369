/* SPDX-License-Identifier: MIT */
/*
 * fuzz_xive.c - libFuzzer target for the POWER XIVE model (vmm/xive_*.c).
 *
 * Byte 0 picks the configuration (1-4 vCPUs, ESB layout, store EOI, wait
 * for CAS), then each operation is an opcode byte plus operands: hcalls
 * with arbitrary opcodes and arguments (biased towards H_INT_* and towards
 * guest RAM addresses), ESB loads/stores and TIMA accesses at arbitrary
 * offsets and widths, triggers, LSI levels, claim/free, reset/activate.
 *
 * Invariants (abort() on violation):
 *  - the model writes guest memory only as aligned 32-bit queue entries
 *    inside a queue the guest configured (and has not deconfigured);
 *  - failing hcalls leave rets[] untouched;
 *  - every vCPU's line (xive_cpu_irq_pending), the OS ring's line and the
 *    last level reported through set_irq_line agree, and the line is up
 *    exactly while PIPR < CPPR;
 *  - set_irq_line reports changes only (the fake aborts otherwise).
 */
#include <string.h>

#include "fuzz_common.h"
#include "test_xive_fake.h"

#define MAX_CPUS 4
#define NR_IRQS 48
#define NR_PRIOS 8

static struct fake F;
static struct xive *X;
static unsigned ncpus;

/* The harness's mirror of the configured queues: [server][prio]. */
static struct { uint64_t qpage, size; } Q[MAX_CPUS][NR_PRIOS];

static int check_write_mem(void *o, uint64_t gpa, const void *buf, size_t len)
{
	bool inside = false;

	FUZZ_CHECK(len == 4 && !(gpa & 3), "write of %zu bytes at %#llx", len,
		   (unsigned long long)gpa);
	for (unsigned s = 0; s < ncpus; s++)
		for (unsigned p = 0; p < NR_PRIOS; p++)
			if (Q[s][p].size && gpa >= Q[s][p].qpage &&
			    gpa - Q[s][p].qpage <= Q[s][p].size - len)
				inside = true;
	FUZZ_CHECK(inside, "queue write at %#llx outside every queue",
		   (unsigned long long)gpa);
	return fake_write_mem(o, gpa, buf, len);
}

static uint64_t pick_arg(struct fin *f)
{
	uint8_t k = fin_u8(f);

	switch (k & 7) {
	case 0: case 1: return k >> 3;               /* small */
	case 2: return fin_u8(f);
	case 3: /* a page in (or just around) guest RAM */
		return FAKE_RAM_BASE + ((uint64_t)(int16_t)fin_u16(f) << 12);
	case 4: return XIVE_PPC_BIT(fin_u8(f) % 64); /* one flag */
	case 5: return 12 + (k >> 3) % 14;           /* a qshift */
	case 6: return fin_u32(f);
	default: return fin_u64(f);
	}
}

static unsigned long pick_opcode(struct fin *f)
{
	uint8_t k = fin_u8(f);

	if (k < 0xe0)
		return H_INT_GET_SOURCE_INFO + 4 * (k % 11);
	if (k < 0xf0)
		return H_INT_GET_SOURCE_INFO + (k & 0xf) * 2 - 4; /* misaligned */
	return fin_u32(f);
}

static void do_hcall(struct fin *f)
{
	unsigned cpu = fin_u8(f) % ncpus;
	unsigned long op = pick_opcode(f);
	uint64_t args[XIVE_HCALL_MAX_ARGS];
	uint64_t rets[XIVE_HCALL_MAX_RETS];
	long rc;

	for (int i = 0; i < XIVE_HCALL_MAX_ARGS; i++)
		args[i] = pick_arg(f);
	for (int i = 0; i < XIVE_HCALL_MAX_RETS; i++)
		rets[i] = 0x5a5a5a5a5a5a5a5aull;
	rc = xive_hcall(X, cpu, op, args, rets);
	FUZZ_CHECK(xive_is_hcall(op) || rc == H_FUNCTION,
		   "opcode %#lx is no XIVE hcall but rc %ld", op, rc);
	if (rc != H_SUCCESS)
		for (int i = 0; i < XIVE_HCALL_MAX_RETS; i++)
			FUZZ_CHECK(rets[i] == 0x5a5a5a5a5a5a5a5aull,
				   "op %#lx rc %ld touched rets[%d]", op, rc,
				   i);
	if (rc != H_SUCCESS)
		return;
	if (op == H_INT_SET_QUEUE_CONFIG) {
		FUZZ_CHECK(args[1] < ncpus && args[2] < NR_PRIOS,
			   "queue config accepted server %llu prio %llu",
			   (unsigned long long)args[1],
			   (unsigned long long)args[2]);
		Q[args[1]][args[2]].qpage = args[3];
		Q[args[1]][args[2]].size = args[4] ? 1ull << args[4] : 0;
	} else if (op == H_INT_RESET) {
		memset(Q, 0, sizeof(Q));
	}
}

static void check_lines(void)
{
	for (unsigned c = 0; c < ncpus; c++) {
		struct xive_os_ring r;
		bool pend = xive_cpu_irq_pending(X, c);

		FUZZ_CHECK(xive_get_os_ring(X, c, &r) == 0, "os ring %u", c);
		FUZZ_CHECK(r.line == pend, "cpu %u ring line %d pending %d", c,
			   r.line, pend);
		FUZZ_CHECK(atomic_load(&F.line[c]) == (int)pend,
			   "cpu %u reported line %d pending %d", c,
			   atomic_load(&F.line[c]), pend);
		FUZZ_CHECK(pend == (r.pipr < r.cppr),
			   "cpu %u line %d pipr %u cppr %u", c, pend, r.pipr,
			   r.cppr);
		FUZZ_CHECK(r.pipr == 0xff || r.pipr <= XIVE_PRIORITY_MAX,
			   "cpu %u pipr %u", c, r.pipr);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned shifts[4] = { XIVE_ESB_4K, XIVE_ESB_4K_2PAGE,
					    XIVE_ESB_64K, XIVE_ESB_64K_2PAGE };
	struct fin f = { data, size, 0 };
	uint8_t hdr = fin_u8(&f);
	struct xive_config cfg;
	struct xive_ops ops;
	struct xive_info info;

	if (!F.ram)
		fake_init(&F);
	else {
		uint8_t *ram = F.ram;
		memset(&F, 0, sizeof(F));
		F.ram = ram;
	}
	memset(F.ram, 0, FAKE_RAM_SIZE >> 4); /* the part pick_arg favours */
	memset(Q, 0, sizeof(Q));
	ncpus = 1 + (hdr & 3);
	xive_config_init(&cfg, ncpus, NR_IRQS);
	cfg.esb_shift = shifts[(hdr >> 2) & 3];
	cfg.store_eoi = hdr & 0x10;
	cfg.wait_for_cas = hdr & 0x20;
	ops = fake_ops(&F);
	ops.write_mem = check_write_mem;
	if (hdr & 0x40) {
		/* The creation checks, with a fuzzed (bounded) config. */
		struct xive_config bad = cfg;
		bad.nr_cpus = fin_u8(&f);
		bad.nr_irqs = fin_u16(&f);
		bad.esb_shift = fin_u8(&f);
		bad.hv_prio = fin_u8(&f);
		bad.eq_shift_mask = fin_u32(&f);
		bad.esb_base = fin_u64(&f);
		bad.size = (fin_u8(&f) & 1) ? sizeof(bad) : fin_u8(&f);
		X = xive_create(&bad, &ops);
		if (X)
			xive_destroy(X);
	}
	X = xive_create(&cfg, &ops);
	if (!X)
		abort();
	xive_get_info(X, &info);
	/* A few LSIs and MSIs beyond the IPIs, as the VMM claims them. */
	for (uint32_t l = ncpus; l < ncpus + 8; l++)
		(void)xive_claim_irq(X, l, l & 1);

	for (unsigned steps = 0; fin_more(&f) && steps < 2048; steps++) {
		uint8_t op = fin_u8(&f);
		uint8_t buf[16];
		unsigned len = fin_u8(&f);

		switch (op % 12) {
		case 0: case 1: case 2:
			do_hcall(&f);
			break;
		case 3: case 4: { /* ESB, mostly well-formed offsets */
			uint64_t off;
			if (len & 0x80)
				off = fin_u64(&f);
			else
				off = ((uint64_t)(fin_u8(&f) % (NR_IRQS + 2))
				       << cfg.esb_shift) +
				      ((uint64_t)fin_u16(&f) << 4) % (1ull << cfg.esb_shift);
			len = (len & 0x40) ? (len & 0xf) : 8;
			memset(buf, 0, sizeof(buf));
			buf[7] = fin_u8(&f);
			(void)xive_esb_access(X, off, buf, len, op & 1);
			break;
		}
		case 5: case 6: { /* TIMA: cpu may be out of range */
			uint8_t cb = fin_u8(&f);
			unsigned cpu = (cb & 0x80) ? cb : cb % ncpus;
			uint64_t off = (len & 0x80) ? fin_u64(&f) : fin_u16(&f);
			memset(buf, 0, sizeof(buf));
			buf[0] = fin_u8(&f);
			buf[1] = fin_u8(&f);
			(void)xive_tima_access(X, cpu, off, buf, len & 0xf,
					       op & 1);
			break;
		}
		case 7: /* the guest's usual TIMA ops */
			if (len & 1)
				(void)tima_ack(X, fin_u8(&f) % ncpus);
			else
				tima_cppr(X, fin_u8(&f) % ncpus, fin_u8(&f));
			break;
		case 8: {
			uint32_t l = fin_u8(&f);
			if (len & 0x80) {
				/* a burst, re-armed each time: queue wrap */
				unsigned n = 1 + fin_u8(&f) * 8u;
				uint32_t li = l % NR_IRQS;
				for (unsigned k = 0; k < n; k++) {
					(void)xive_trigger(X, li);
					(void)xive_esb_read64(X, esb_mgmt(X, li) +
							      XIVE_ESB_SET_PQ_00);
				}
			} else if (len & 1)
				(void)xive_trigger(X, l);
			else
				(void)xive_set_level(X, l, len & 2);
			break;
		}
		case 9: {
			uint32_t l = fin_u8(&f) % (NR_IRQS + 4);
			if (len & 1)
				(void)xive_claim_irq(X, l, len & 2);
			else
				(void)xive_free_irq(X, l);
			break;
		}
		case 10:
			if (len & 1) {
				xive_reset(X);
				memset(Q, 0, sizeof(Q));
			} else {
				xive_activate(X, len & 2);
			}
			break;
		default: { /* introspection */
			struct xive_source_state s;
			struct xive_queue_state q;
			struct xive_stats st;
			(void)xive_get_source(X, fin_u32(&f), &s);
			(void)xive_get_queue(X, fin_u16(&f), fin_u16(&f), &q);
			xive_get_stats(X, &st);
			(void)xive_ipi_source(X, fin_u8(&f));
			uint64_t gpa = (len & 1) ? fin_u64(&f)
				       : ((len & 2) ? info.esb_base
						    : info.tima_os_base) +
						 (int32_t)fin_u32(&f);
			uint64_t off = 0;
			if (xive_esb_claims(X, gpa, &off))
				FUZZ_CHECK(off < info.esb_size, "esb claim %#llx",
					   (unsigned long long)off);
			if (xive_tima_claims(X, gpa, &off))
				FUZZ_CHECK(off < (1ull << XIVE_TM_PAGE_SHIFT),
					   "tima claim %#llx",
					   (unsigned long long)off);
			break;
		}
		}
		check_lines();
	}
	/* Queue mirror vs model. */
	for (unsigned s = 0; s < ncpus; s++)
		for (unsigned p = 0; p < NR_PRIOS; p++) {
			struct xive_queue_state q;
			if (xive_get_queue(X, s, p, &q))
				continue;
			if (q.enabled)
				FUZZ_CHECK(Q[s][p].size == 1ull << q.qshift &&
						   Q[s][p].qpage == q.qpage,
					   "queue %u/%u not what the guest set", s,
					   p);
		}
	xive_destroy(X);
	X = NULL;
	return 0;
}
