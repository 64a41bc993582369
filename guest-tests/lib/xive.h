/* SPDX-License-Identifier: MIT */
/*
 * xive.h - a guest driver for the POWER XIVE interrupt controller that
 * `ipivirt run --irqchip xive` gives an x86 guest for its IPIs
 * (docs/xive-x86.md). It follows Linux's sPAPR ("exploitation mode")
 * driver, arch/powerpc/sysdev/xive/spapr.c and common.c:
 *
 *  - discovery: the fw_cfg file "opt/ipivirt/xive" (struct xive_fw);
 *  - per CPU: one event queue at the least favoured OS priority
 *    (H_INT_SET_QUEUE_CONFIG), the CPU's IPI source routed to it
 *    (H_INT_GET_SOURCE_INFO, H_INT_SET_SOURCE_CONFIG with EISN = LISN),
 *    unmasked by a SET_PQ_00 load, then the CPU opened (CPPR 0xff);
 *  - an IPI is a store to the target's trigger page;
 *  - the interrupt (x86 vector fw.vector, a level raised while the CPU's
 *    TIMA OS ring has something presentable): TIMA acknowledge, read the
 *    queue by its generation bit, LOAD_EOI each source, CPPR back to 0xff.
 *
 * Everything on the XIVE side is big-endian; hypercalls go through a
 * per-vCPU MMIO doorbell page. The server number (hcall "target") and IPI
 * LISN of a CPU is its APIC ID: ipivirt's vCPU n has APIC ID n.
 * Failures at set-up abort the run with the call and its return code.
 */
#ifndef GT_XIVE_H
#define GT_XIVE_H

#include <stdbool.h>
#include "x86.h"

#define XIVE_FWCFG_FILE "opt/ipivirt/xive"
#define XIVE_FW_MAGIC 0x45564958u   /* "XIVE" */
#define XIVE_FW_VERSION 1

/* The fw_cfg file, little-endian (docs/xive-x86.md). */
struct xive_fw {
	u32 magic;
	u32 version;
	u64 esb_base;
	u32 esb_shift;       /* source n's ESB pages at esb_base + (n << esb_shift) */
	u32 nr_irqs;
	u32 nr_ipis;         /* sources 0..nr_ipis-1: vCPU n's IPI is source n */
	u32 vector;          /* x86 vector of the XIVE interrupt */
	u64 tima_os_base;
	u64 hcall_base;
	u32 eq_shift_mask;   /* bit s: 2^s-byte queues accepted */
	u32 nr_prios;        /* OS priorities 0..nr_prios-1 */
};
_Static_assert(sizeof(struct xive_fw) == 56, "docs/xive-x86.md layout");

/* H_INT_* opcodes and PAPR return codes (Linux's asm/hvcall.h). */
#define H_INT_GET_SOURCE_INFO 0x3A8
#define H_INT_SET_SOURCE_CONFIG 0x3AC
#define H_INT_GET_SOURCE_CONFIG 0x3B0
#define H_INT_GET_QUEUE_INFO 0x3B4
#define H_INT_SET_QUEUE_CONFIG 0x3B8
#define H_INT_GET_QUEUE_CONFIG 0x3BC
#define H_INT_SET_OS_REPORTING_LINE 0x3C0
#define H_INT_GET_OS_REPORTING_LINE 0x3C4
#define H_INT_ESB 0x3C8
#define H_INT_SYNC 0x3CC
#define H_INT_RESET 0x3D0

#define H_SUCCESS 0
#define H_HARDWARE (-1)
#define H_FUNCTION (-2)
#define H_PARAMETER (-4)
#define H_P2 (-55)
#define H_P3 (-56)
#define H_P4 (-57)
#define H_P5 (-58)

/* PAPR numbers bits from the MSB. */
#define PPC_BIT(n) (1ull << (63 - (n)))
#define XIVE_SRC_H_INT_ESB PPC_BIT(60)   /* GET_SOURCE_INFO flags out */
#define XIVE_SRC_LSI PPC_BIT(61)
#define XIVE_SRC_TRIGGER PPC_BIT(62)
#define XIVE_SRC_STORE_EOI PPC_BIT(63)
#define XIVE_SRC_SET_EISN PPC_BIT(62)    /* SET_SOURCE_CONFIG flags in */
#define XIVE_SRC_MASK PPC_BIT(63)
#define XIVE_EQ_ALWAYS_NOTIFY PPC_BIT(63)
#define XIVE_EQ_DEBUG PPC_BIT(63)        /* GET_QUEUE_CONFIG flags in */
#define XIVE_EQ_GENERATION PPC_BIT(62)   /* ... out, with DEBUG */
#define XIVE_ESB_FLAG_STORE PPC_BIT(63)

/* ESB management page: 8-byte loads (asm/xive-regs.h). */
#define XIVE_ESB_LOAD_EOI 0x000
#define XIVE_ESB_GET 0x800
#define XIVE_ESB_SET_PQ_00 0xc00
#define XIVE_ESB_SET_PQ_01 0xd00
#define XIVE_ESB_SET_PQ_10 0xe00
#define XIVE_ESB_SET_PQ_11 0xf00
#define XIVE_PQ_RESET 0x0    /* 00 */
#define XIVE_PQ_OFF 0x1      /* 01: masked */
#define XIVE_PQ_PENDING 0x2  /* 10 */
#define XIVE_PQ_QUEUED 0x3   /* 11 */

/* TIMA OS page. */
#define TM_QW1_OS 0x010
#define TM_CPPR 0x1
#define TM_SPC_ACK_OS_REG 0x810
#define TM_QW1_NSR_EO 0x80

struct xive_stats {
	u64 irqs;            /* XIVE interrupts taken */
	u64 acked;           /* ... whose acknowledge found NSR.EO */
	u64 events;          /* queue entries read */
	u64 ipi_events;      /* ... of this CPU's own IPI source */
	u64 foreign_events;  /* ... of another CPU's IPI source (re-routed) */
	u64 eoi_reforwarded; /* LOAD_EOIs that returned 1 (Q was set) */
	u32 last_foreign;    /* EISN of the last foreign event */
	u16 last_ack;        /* the last TM_SPC_ACK_OS_REG value */
};

/* One CPU's XIVE state; written only by that CPU once it is up. */
struct xive_cpu {
	u32 server;          /* hcall target = IPI LISN = EISN = APIC ID */
	u8 prio;
	u64 trig;            /* IPI trigger page */
	u64 mgmt;            /* IPI management page */
	volatile u32 *qpage;
	u32 qshift, msk, idx;
	u32 toggle;
	struct xive_stats stats;
};

/* BSP, once: read the fw_cfg file. Return: true if XIVE is there (a
 * malformed file aborts the run). Then installs the interrupt handler. */
bool xive_probe(void);
const struct xive_fw *xive_fw(void);
void xive_cpu_init(void);                 /* this CPU; aborts on failure */
struct xive_cpu *xive_cpu(unsigned cpu);  /* NULL until its xive_cpu_init */
void xive_cause_ipi(unsigned cpu);        /* trigger @cpu's IPI source */

/* MMIO helpers, values in host order. */
u64 xive_esb_load(u64 mgmt_page, unsigned offset);
void xive_esb_trigger(u64 trig_page);
u32 xive_tima_word0(void);                /* NSR CPPR IPB LSMFB of this CPU */
u64 xive_src_mgmt(u32 lisn);              /* 0 if no CPU set that IPI up */

/* xive_hcall.c: H_INT_* through the doorbell page. @rets may be NULL. */
long xive_hcall(u64 opcode, const u64 args[6], u64 rets[4]);
#define XIVE_HCALL(op, rets, ...) xive_hcall((op), (const u64[6]){ __VA_ARGS__ }, (rets))
const char *xive_rc_name(long rc);
/* The two halves of a call, for the per-vCPU doorbell check. */
void xive_doorbell_args(const u64 args[6]);
long xive_doorbell_call(u64 opcode, u64 rets[4]);
void xive_hcall_init(u64 hcall_base);

#endif
