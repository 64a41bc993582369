// SPDX-License-Identifier: MIT
/*
 * ipi_hcall.c - H_INT_* argument checks over XIVE: each call below has
 * exactly one bad argument and must return the PAPR code vmm/xive_virt.h
 * documents for it; a spare priority's queue is set, read back and reset.
 * Calls that would change our routing if wrongly accepted are checked
 * afterwards by ipi_xive.c ("the refused calls changed no CPU's ...").
 */
#include "fwcfg.h"
#include "ipi.h"
#include "xive.h"

struct hcase {
	const char *what;
	u64 op;
	u64 a[6];
	long want;
};

static void run(const struct hcase *c, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		long rc = xive_hcall(c[i].op, c[i].a, NULL);
		report(rc == c[i].want, "%s: %s (%ld), want %s", c[i].what, xive_rc_name(rc), rc,
		       xive_rc_name(c[i].want));
	}
}

/* Set, read back and reset the queue of priority @spare. */
static void spare_queue(struct xive_cpu *xc, u64 spare, u64 qpage)
{
	u64 r[4] = { 0 }, z[4] = { 1, 1, 1, 1 };
	long set = XIVE_HCALL(H_INT_SET_QUEUE_CONFIG, NULL, XIVE_EQ_ALWAYS_NOTIFY, xc->server, spare,
			      qpage, xc->qshift);
	long get = XIVE_HCALL(H_INT_GET_QUEUE_CONFIG, r, 0, xc->server, spare);
	long reset = XIVE_HCALL(H_INT_SET_QUEUE_CONFIG, NULL, 0, xc->server, spare, 0, 0);
	long get0 = XIVE_HCALL(H_INT_GET_QUEUE_CONFIG, z, 0, xc->server, spare);

	report(set == H_SUCCESS && get == H_SUCCESS && (r[0] & XIVE_EQ_ALWAYS_NOTIFY) && r[1] == qpage &&
		       r[2] == xc->qshift && reset == H_SUCCESS && get0 == H_SUCCESS && z[2] == 0,
	       "priority %lu queue: set (%s), read back %#lx shift %lu (%s), reset (%s) to shift %lu",
	       (unsigned long)spare, xive_rc_name(set), (unsigned long)r[1], (unsigned long)r[2],
	       xive_rc_name(get), xive_rc_name(reset), (unsigned long)z[2]);
}

void test_hcall_errors(struct xive_cpu *xc)
{
	const struct xive_fw *fw = xive_fw();
	u64 s = xc->server, p = xc->prio, n = fw->nr_irqs, t = cpu_count(), badp = fw->nr_prios;
	u64 qs = xc->qshift, qsize = 1ull << qs, bads = 12;
	u64 q = (u64)(uintptr_t)zalloc(qsize, qsize);
	u64 past_ram = (fwcfg_read(FW_CFG_RAM_SIZE, 8) + qsize - 1) & ~(qsize - 1);

	while (bads < 31 && (fw->eq_shift_mask >> bads & 1))
		bads++;
	const struct hcase src[] = {
		{ "opcode 0x3a4 (not H_INT_*)", 0x3a4, { 0 }, H_FUNCTION },
		{ "opcode 0x3d4 (not H_INT_*)", 0x3d4, { 0 }, H_FUNCTION },
		{ "GET_SOURCE_INFO flags 1", H_INT_GET_SOURCE_INFO, { 1, s }, H_PARAMETER },
		{ "GET_SOURCE_INFO LISN nr_irqs", H_INT_GET_SOURCE_INFO, { 0, n }, H_P2 },
		{ "GET_SOURCE_INFO LISN 2^32 + ours", H_INT_GET_SOURCE_INFO, { 0, 1ull << 32 | s }, H_P2 },
		{ "SET_SOURCE_CONFIG flags PPC_BIT(0)", H_INT_SET_SOURCE_CONFIG, { PPC_BIT(0), s, s, p, s },
		  H_PARAMETER },
		{ "SET_SOURCE_CONFIG LISN nr_irqs", H_INT_SET_SOURCE_CONFIG, { XIVE_SRC_SET_EISN, n, s, p, s },
		  H_P2 },
		{ "SET_SOURCE_CONFIG prio nr_prios (reserved)", H_INT_SET_SOURCE_CONFIG,
		  { XIVE_SRC_SET_EISN, s, s, badp, s }, H_P4 },
		{ "SET_SOURCE_CONFIG target = number of vCPUs", H_INT_SET_SOURCE_CONFIG,
		  { XIVE_SRC_SET_EISN, s, t, p, s }, H_P3 },
		{ "SET_SOURCE_CONFIG EISN 2^31", H_INT_SET_SOURCE_CONFIG,
		  { XIVE_SRC_SET_EISN, s, s, p, 1ull << 31 }, H_P5 },
		{ "GET_SOURCE_CONFIG flags 1", H_INT_GET_SOURCE_CONFIG, { 1, s }, H_PARAMETER },
		{ "GET_SOURCE_CONFIG LISN nr_irqs", H_INT_GET_SOURCE_CONFIG, { 0, n }, H_P2 },
		{ "ESB flags 2", H_INT_ESB, { 2, s, XIVE_ESB_GET }, H_PARAMETER },
		{ "ESB LISN nr_irqs", H_INT_ESB, { 0, n, XIVE_ESB_GET }, H_P2 },
		{ "ESB offset 0x804 (not 8-aligned)", H_INT_ESB, { 0, s, XIVE_ESB_GET + 4 }, H_P3 },
		{ "ESB GET of our source", H_INT_ESB, { 0, s, XIVE_ESB_GET }, H_SUCCESS },
		{ "SYNC LISN nr_irqs", H_INT_SYNC, { 0, n }, H_P2 },
		{ "SYNC our source", H_INT_SYNC, { 0, s }, H_SUCCESS },
		{ "GET_QUEUE_INFO prio nr_prios", H_INT_GET_QUEUE_INFO, { 0, s, badp }, H_P3 },
		{ "GET_QUEUE_INFO target = number of vCPUs", H_INT_GET_QUEUE_INFO, { 0, t, p }, H_P2 },
		{ "GET_QUEUE_CONFIG flags 2", H_INT_GET_QUEUE_CONFIG, { 2, s, p }, H_PARAMETER },
		{ "GET_QUEUE_CONFIG prio nr_prios", H_INT_GET_QUEUE_CONFIG, { 0, s, badp }, H_P3 },
		{ "SET_QUEUE_CONFIG prio nr_prios", H_INT_SET_QUEUE_CONFIG,
		  { XIVE_EQ_ALWAYS_NOTIFY, s, badp, q, qs }, H_P3 },
	};
	run(src, sizeof(src) / sizeof(src[0]));

	if (p == 0) {
		report_skip("SET_QUEUE_CONFIG checks: no spare priority");
		return;
	}
	/* A priority of ours without a queue: harmless if wrongly accepted. */
	u64 sp = p - 1;
	const struct hcase queue[] = {
		{ "SET_QUEUE_CONFIG flags 2", H_INT_SET_QUEUE_CONFIG, { 2, s, sp, q, qs }, H_PARAMETER },
		{ "SET_QUEUE_CONFIG target = number of vCPUs", H_INT_SET_QUEUE_CONFIG,
		  { XIVE_EQ_ALWAYS_NOTIFY, t, sp, q, qs }, H_P2 },
		{ "SET_QUEUE_CONFIG qshift not offered", H_INT_SET_QUEUE_CONFIG,
		  { XIVE_EQ_ALWAYS_NOTIFY, s, sp, q, bads }, H_P5 },
		{ "SET_QUEUE_CONFIG qpage not aligned", H_INT_SET_QUEUE_CONFIG,
		  { XIVE_EQ_ALWAYS_NOTIFY, s, sp, q + 0x800, qs }, H_P4 },
		{ "SET_QUEUE_CONFIG qpage past RAM", H_INT_SET_QUEUE_CONFIG,
		  { XIVE_EQ_ALWAYS_NOTIFY, s, sp, past_ram, qs }, H_P4 },
	};
	run(queue, sizeof(queue) / sizeof(queue[0]));
	spare_queue(xc, sp, q);
}
