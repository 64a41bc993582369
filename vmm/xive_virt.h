/* SPDX-License-Identifier: MIT */
/*
 * xive_virt.h - a userspace model of the POWER9 XIVE interrupt controller as
 * a pseries (sPAPR, PAPR "XIVE exploitation" mode) Linux guest drives it.
 *
 * Pure C: no KVM, no ioctl. The model reaches the outside only through
 * struct xive_ops (guest memory for the event queues, the vCPUs' external
 * interrupt lines, kicks, a clock). One struct xive per VM holds every
 * source, every event queue and every vCPU's thread context.
 *
 * What the guest sees (everything big-endian, as on POWER):
 *
 *  - Sources (LISNs 0..nr_irqs-1). LISN n < nr_cpus is vCPU n's IPI (MSI),
 *    claimed at creation, as QEMU's spapr machine does; the VMM claims the
 *    others (xive_claim_irq) as MSI or LSI. Each source has an Event State
 *    Buffer (ESB): two bits P (an event was sent to a queue and waits for
 *    its EOI) and Q (another event came meanwhile). The ESB MMIO of source
 *    n is at esb_base + (n << esb_shift). With a two-page layout (esb_shift
 *    13 or 17) the even page triggers and the odd page manages; with one
 *    page (12 or 16) the single page does both. In the management page,
 *    only 8-byte, 8-byte-aligned accesses, offset taken modulo 4 KiB:
 *
 *      load  0x000-0x7ff  EOI (LOAD_EOI 0x000); returns 1 if an event was
 *                         forwarded again (Q was set, or an LSI is still
 *                         asserted), else 0
 *      load  0x800-0xbff  GET: returns PQ
 *      load  0xc00/0xd00/0xe00/0xf00 (+0xff)  SET_PQ_00/01/10/11: returns
 *                         the old PQ, sets the new one
 *      store 0x000-0x3ff  trigger
 *      store 0x400-0x7ff  STORE_EOI, only when cfg.store_eoi (else ignored)
 *      store 0xc00-0xfff  SET_PQ_xx (value ignored)
 *    Loads from a trigger page read all-ones; any store to it triggers.
 *
 *    PQ state machine (XIVE_ESB_RESET 00, OFF 01, PENDING 10, QUEUED 11):
 *      trigger: 00 -> 10 forward | 10 -> 11 | 11 -> 11 | 01 -> 01 (off:
 *               dropped, nothing recorded). 01 is the "masked" state:
 *               QEMU's xive_esb_trigger() keeps it, and Linux masks a
 *               source with a SET_PQ_01 load, reading back P/Q to decide
 *               whether to replay (so 01 -> 11 would be wrong).
 *      EOI:     00 -> 00 | 10 -> 00 | 11 -> 10 forward | 01 -> 01.
 *    LSI sources also have a level: asserting moves 00 -> 10 and forwards;
 *    EOI of an asserted LSI (and a SET_PQ leaving 00 while asserted)
 *    forwards again; the Q bit is not used by the LSI logic.
 *    Sources start (and reset) at PQ 01.
 *
 *  - Routing (the sPAPR view of EAS/END/NVT): per source a target server
 *    (= vCPU index), a priority and a 31-bit EISN written to the queue.
 *    Priority 0xff means masked. Priorities >= cfg.hv_prio are reserved
 *    (QEMU reserves 7 and up: usable 0..6). Events for a masked source, or
 *    for a (server, priority) with no queue, are dropped after the PQ
 *    update, as on hardware (P stays set until the guest EOIs).
 *
 *  - Event queues in guest RAM, one per (server, priority), 2^qshift bytes
 *    (accepted shifts: cfg.eq_shift_mask, default 12, 16, 21, 24), naturally
 *    aligned. Each event is a big-endian 32-bit entry: bit 31 the
 *    generation, bits 30..0 the EISN. The generation starts at 1 and flips
 *    each time the index wraps; Linux zeroes the page and consumes entries
 *    whose bit 31 differs from its toggle (which starts at 0).
 *
 *  - Thread Interrupt Management Area (TIMA), OS view only: one 64 KiB
 *    page per vCPU at tima_base + 2 * 64 KiB (the OS page; the USER page at
 *    + 3 * 64 KiB is not modelled), offset taken modulo 4 KiB. The OS ring
 *    is the second quad word, as in Linux's asm/xive-regs.h:
 *
 *      0x10 NSR (bit 0x80 = EO: an OS exception is signalled)   read
 *      0x11 CPPR (current processor priority, 0xff = all open)  read/write
 *      0x12 IPB  (bit 0x80 >> p: priority p pending)            read
 *      0x13 LSMFB 0x14 ACK_CNT 0x15 INC                         read
 *      0x16 AGE                          hidden (0 inside wider loads)
 *      0x17 PIPR (most favoured pending priority, 0xff: none)   read
 *      0x18-0x1f words 2-3: hidden in the OS view (read all-ones,
 *            -EINVAL, as QEMU; a read mixing visible and hidden bytes
 *            returns 0 for the hidden ones)
 *      0x810 TM_SPC_ACK_OS_REG, 2-byte load: returns NSR << 8 | CPPR and,
 *            if NSR.EO: CPPR = PIPR, that IPB bit cleared, EO cleared, the
 *            line lowered.
 *      0x812 TM_SPC_SET_OS_PENDING, 1-byte store: IPB |= bit(value).
 *    CPPR is written with a 1-byte store at 0x11 (or a 4/8-byte store of
 *    quad word 1 at 0x10, which writes only CPPR); values > 7 become 0xff.
 *    Raw loads of 1, 2, 4 or 8 naturally aligned bytes of quad word 1
 *    return the fields above. Other offsets (quad words 0, 2, 3): loads
 *    read all-ones, stores are ignored (-EINVAL).
 *    The vCPU's external interrupt line is up exactly while PIPR < CPPR
 *    (NSR.EO set): a CPPR store that opens it raises the line, one that
 *    closes it lowers it.
 *
 *  - Hypercalls H_INT_* (PAPR ACR "XIVE Exploitation"), see xive_hcall().
 *
 * Where this model knowingly differs from QEMU's (hw/intc/xive.c and
 * spapr_xive.c as read; matters when replaying QEMU traces):
 *  - A CPPR store that makes the pending priority non-presentable clears
 *    NSR.EO and lowers the line; QEMU only ever raises there.
 *  - An asserted LSI left at PQ 00 by a SET_PQ fires (level semantics);
 *    QEMU waits for the next EOI or assertion.
 *  - TIMA loads of 1 or 2 bytes of quad word 1 are served; QEMU only takes
 *    4 and 8 bytes below 0x800.
 *  - H_INT_SET_QUEUE_CONFIG without ALWAYS_NOTIFY is refused (QEMU gates
 *    notifications with the END's ESn bits instead).
 *  - H_INT_GET_QUEUE_INFO returns the END ESB page shift (16) in R5; QEMU
 *    returns the queue size shift, or 0.
 *  - H_INT_GET_QUEUE_CONFIG(DEBUG) reports the generation at PAPR bit 62
 *    (value 2); QEMU shifts it to 1 << 62.
 *  - H_INT_SET_SOURCE_CONFIG: priorities are compared as 64-bit values
 *    (QEMU truncates to 8 bits); an EISN over 31 bits is H_P5 (QEMU
 *    truncates); priority 0xff keeps the target and still honours
 *    SET_EISN (QEMU clears the whole EAS). A fresh source reports target
 *    0, priority 0xff, EISN = LISN.
 *  - H_INT_ESB: the offset must fall in the management page (QEMU accepts
 *    up to 1 << esb_shift) and refused operations are H_P3.
 *  - H_INT_SET/GET_OS_REPORTING_LINE keep a per-vCPU address (QEMU:
 *    H_FUNCTION).
 *  - H_INT_RESET also sets every PQ to 01 and clears pending IPB bits.
 *
 * Device tree the VMM should build to match (struct xive_info has the
 * numbers): an "ibm,power-ivpe" node whose "reg" is <USER page, 64K, OS
 * page, 64K>, "ibm,xive-lisn-ranges" = <0 nr_cpus>, "ibm,xive-eq-sizes"
 * listing the accepted shifts, and "/ibm,plat-res-int-priorities" =
 * <hv_prio (0xff - hv_prio)>.
 *
 * Threading contract:
 *  - One mutex per struct xive serializes every entry point below that
 *    reads or changes state: ESB and TIMA accesses, hypercalls,
 *    xive_trigger(), xive_set_level(), claim/free, resets and getters. So
 *    every function may be called from any thread: a vCPU thread that
 *    triggers the IPI of vCPU n (or a device thread asserting an LSI) runs
 *    the PQ update, the routing, the queue write into guest RAM and the
 *    update of vCPU n's thread context atomically with respect to vCPU n's
 *    own TIMA accesses and hypercalls.
 *  - The ops callbacks run with that mutex held. They must not call back
 *    into the same struct xive and should be short (set a flag, write a
 *    guest page, pthread_kill, eventfd write). set_irq_line is called only
 *    on a level change; kick follows every raise.
 *  - xive_cpu_irq_pending() reads an atomic copy of the line without the
 *    mutex, for a vCPU run loop.
 *  - xive_create() and xive_destroy() must not race with anything else.
 *
 * Error convention: 0 or a negative errno for the model API; PAPR return
 * codes (H_SUCCESS, H_PARAMETER, H_P2 ...) for xive_hcall(). Invalid guest
 * MMIO never fails the VMM: loads read all-ones, stores are ignored, and
 * the function returns -EINVAL (or -ERANGE outside the region) so the
 * caller may log it.
 */
#ifndef IPIVIRT_XIVE_VIRT_H
#define IPIVIRT_XIVE_VIRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Default guest-physical bases: QEMU's spapr ones (hw/ppc/spapr). */
#define XIVE_DEFAULT_ESB_BASE 0x0006010000000000ull
#define XIVE_DEFAULT_TIMA_BASE 0x0006030203180000ull

/* ESB layouts: log2 of the MMIO span of one source. */
#define XIVE_ESB_4K 12        /* one 4K page: trigger + management */
#define XIVE_ESB_4K_2PAGE 13  /* even 4K page trigger, odd management */
#define XIVE_ESB_64K 16
#define XIVE_ESB_64K_2PAGE 17 /* QEMU's and KVM's default */

/* ESB management offsets (asm/xive-regs.h). */
#define XIVE_ESB_LOAD_EOI 0x000
#define XIVE_ESB_STORE_EOI 0x400
#define XIVE_ESB_GET 0x800
#define XIVE_ESB_SET_PQ_00 0xc00
#define XIVE_ESB_SET_PQ_01 0xd00
#define XIVE_ESB_SET_PQ_10 0xe00
#define XIVE_ESB_SET_PQ_11 0xf00

#define XIVE_ESB_VAL_P 0x2
#define XIVE_ESB_VAL_Q 0x1
#define XIVE_ESB_RESET 0x0   /* PQ 00 */
#define XIVE_ESB_OFF 0x1     /* PQ 01 */
#define XIVE_ESB_PENDING 0x2 /* PQ 10 */
#define XIVE_ESB_QUEUED 0x3  /* PQ 11 */

/* TIMA (asm/xive-regs.h). The OS page is page XIVE_TM_OS_PAGE of 4. */
#define XIVE_TM_PAGE_SHIFT 16
#define XIVE_TM_OS_PAGE 2
#define XIVE_TM_USER_PAGE 3
#define TM_QW0_USER 0x000
#define TM_QW1_OS 0x010
#define TM_QW2_HV_POOL 0x020
#define TM_QW3_HV_PHYS 0x030
#define TM_NSR 0x0
#define TM_CPPR 0x1
#define TM_IPB 0x2
#define TM_LSMFB 0x3
#define TM_ACK_CNT 0x4
#define TM_INC 0x5
#define TM_AGE 0x6
#define TM_PIPR 0x7
#define TM_WORD0 0x0
#define TM_WORD1 0x4
#define TM_WORD2 0x8
#define TM_SPC_ACK_OS_REG 0x810     /* load16 */
#define TM_SPC_SET_OS_PENDING 0x812 /* store8 */
#define TM_QW1_NSR_EO 0x80

#define XIVE_PRIORITY_MAX 7
#define XIVE_PRIO_MASKED 0xff

/* sPAPR hypercalls (asm/hvcall.h). */
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

/* PAPR return codes (asm/hvcall.h); guarded for VMMs that have their own. */
#ifndef H_SUCCESS
#define H_SUCCESS 0
#endif
#ifndef H_NOT_AVAILABLE
#define H_NOT_AVAILABLE 3 /* positive in PAPR; unused here */
#endif
#ifndef H_HARDWARE
#define H_HARDWARE (-1)
#endif
#ifndef H_FUNCTION
#define H_FUNCTION (-2)
#endif
#ifndef H_PARAMETER
#define H_PARAMETER (-4)
#endif
#ifndef H_P2
#define H_P2 (-55)
#endif
#ifndef H_P3
#define H_P3 (-56)
#endif
#ifndef H_P4
#define H_P4 (-57)
#endif
#ifndef H_P5
#define H_P5 (-58)
#endif

/* Hypercall flag bits; PAPR numbers bits from the MSB (bit 63 = 1). */
#define XIVE_PPC_BIT(n) (1ull << (63 - (n)))
/* H_INT_GET_SOURCE_INFO output flags */
#define XIVE_SRC_H_INT_ESB XIVE_PPC_BIT(60) /* use H_INT_ESB, not MMIO */
#define XIVE_SRC_LSI XIVE_PPC_BIT(61)
#define XIVE_SRC_TRIGGER XIVE_PPC_BIT(62) /* management page triggers */
#define XIVE_SRC_STORE_EOI XIVE_PPC_BIT(63)
/* H_INT_SET_SOURCE_CONFIG input flags */
#define XIVE_SRC_SET_EISN XIVE_PPC_BIT(62)
#define XIVE_SRC_MASK XIVE_PPC_BIT(63)
/* H_INT_SET_QUEUE_CONFIG / GET_QUEUE_CONFIG flags */
#define XIVE_EQ_ALWAYS_NOTIFY XIVE_PPC_BIT(63)
#define XIVE_EQ_DEBUG XIVE_PPC_BIT(63)      /* GET_QUEUE_CONFIG input */
#define XIVE_EQ_GENERATION XIVE_PPC_BIT(62) /* GET_QUEUE_CONFIG output */
/* H_INT_ESB input flags */
#define XIVE_ESB_FLAG_STORE XIVE_PPC_BIT(63)

#define XIVE_HCALL_MAX_ARGS 5 /* R4..R8 */
#define XIVE_HCALL_MAX_RETS 4 /* R4..R7 */

/**
 * struct xive_ops - what the XIVE model needs from its host.
 * @opaque:        passed back to every callback.
 * @read_mem:      copy @len bytes of guest RAM at @gpa into @buf; 0 or a
 *                 negative errno (used to validate queue pages).
 * @write_mem:     copy @buf into guest RAM at @gpa (event queue entries,
 *                 4 bytes, big-endian, 4-byte aligned). The store must be
 *                 visible to the guest before the callback returns.
 * @set_irq_line:  vCPU @cpu's external interrupt (0x500) line goes to
 *                 @level. Called only on a change.
 * @kick:          vCPU @cpu has an interrupt to take: wake it if halted or
 *                 force it out of guest mode. Called after each raise.
 * @now_ns:        a monotonic clock in ns, for latency statistics; may be
 *                 NULL.
 * All run with the controller mutex held (see the threading contract).
 */
struct xive_ops {
	void *opaque;
	int (*read_mem)(void *opaque, uint64_t gpa, void *buf, size_t len);
	int (*write_mem)(void *opaque, uint64_t gpa, const void *buf,
			 size_t len);
	void (*set_irq_line)(void *opaque, unsigned cpu, bool level);
	void (*kick)(void *opaque, unsigned cpu);
	uint64_t (*now_ns)(void *opaque);
};

/**
 * struct xive_config - creation parameters of one XIVE controller.
 * @size:          sizeof(struct xive_config), so the struct can grow; fields
 *                 past a smaller @size take their xive_config_init() value.
 * @nr_cpus:       vCPUs (1..IPIVIRT_MAX_CPUS). The hcall "target"/server
 *                 number is the vCPU index.
 * @nr_irqs:       LISNs (>= nr_cpus, <= XIVE_MAX_IRQS); 0..nr_cpus-1 are IPIs.
 * @esb_shift:     XIVE_ESB_4K, _4K_2PAGE, _64K or _64K_2PAGE.
 * @store_eoi:     sources support store EOI (advertised in GET_SOURCE_INFO).
 * @esb_base:      guest-physical base of source 0's ESB pages.
 * @end_esb_base:  base reported by H_INT_GET_QUEUE_INFO for the END ESB
 *                 ("notification") pages, two 64 KiB pages per (server,
 *                 priority); not backed by the model. 0: right after the
 *                 source ESBs, as QEMU does.
 * @tima_base:     base of the 4-page TIMA; the OS page is the third.
 * @hv_prio:       priorities >= hv_prio are reserved for the hypervisor
 *                 (1..8; 7 as QEMU: the guest uses 0..6).
 * @eq_shift_mask: bit n set: 2^n-byte event queues accepted (12..24).
 * @wait_for_cas:  start inactive: hcalls return H_FUNCTION and MMIO reads
 *                 all-ones until xive_activate() (after the guest chose
 *                 XIVE exploitation at client-architecture-support time).
 */
struct xive_config {
	size_t size;
	unsigned nr_cpus;
	unsigned nr_irqs;
	unsigned esb_shift;
	bool store_eoi;
	uint64_t esb_base;
	uint64_t end_esb_base;
	uint64_t tima_base;
	uint8_t hv_prio;
	uint32_t eq_shift_mask;
	bool wait_for_cas;
};

#define XIVE_MAX_IRQS (1u << 20)
#define XIVE_EQ_SHIFTS_DEFAULT \
	((1u << 12) | (1u << 16) | (1u << 21) | (1u << 24))

/* Fill @cfg with the defaults (QEMU's): 64K two-page ESBs, no store EOI,
 * QEMU's bases, hv_prio 7, queue shifts 12/16/21/24, active at creation. */
void xive_config_init(struct xive_config *cfg, unsigned nr_cpus,
		      unsigned nr_irqs);

/**
 * struct xive_info - the layout the VMM maps and writes in the device tree.
 * @esb_base, @esb_size:   all sources' ESB pages (nr_irqs << esb_shift).
 * @esb_page_shift:        log2 of one ESB page (esb_shift - 1 if two-page).
 * @esb_two_page:          even page trigger, odd page management.
 * @tima_base:             the 4-page TIMA; pages are 1 << XIVE_TM_PAGE_SHIFT.
 * @tima_os_base:          the OS page, the only one the model serves.
 * @tima_user_base:        the USER page (device tree "reg" entry 0).
 * @end_esb_base, @end_esb_size: END ESB span reported, not served.
 * @ipi_base, @nr_ipis:    "ibm,xive-lisn-ranges".
 * @hv_prio:               "ibm,plat-res-int-priorities" =
 *                         <hv_prio (0xff - hv_prio)>.
 * @eq_shift_mask:         "ibm,xive-eq-sizes".
 */
struct xive_info {
	uint64_t esb_base;
	uint64_t esb_size;
	unsigned esb_page_shift;
	bool esb_two_page;
	uint64_t tima_base;
	uint64_t tima_os_base;
	uint64_t tima_user_base;
	uint64_t end_esb_base;
	uint64_t end_esb_size;
	uint32_t ipi_base;
	uint32_t nr_ipis;
	uint8_t hv_prio;
	uint32_t eq_shift_mask;
};

struct xive;

/* Lifecycle. xive_create() returns NULL with errno set (EINVAL, ENOMEM). */
struct xive *xive_create(const struct xive_config *cfg,
			 const struct xive_ops *ops);
void xive_destroy(struct xive *x);
/*
 * Machine reset: every source PQ 01, every EAS masked (claims and LSI
 * levels kept), every queue unconfigured, every thread context to its
 * reset values (CPPR 0, PIPR 0xff), lines lowered; inactive again if
 * cfg.wait_for_cas.
 */
void xive_reset(struct xive *x);
/* Enable (after CAS) or disable the hcalls and MMIO. */
void xive_activate(struct xive *x, bool on);
void xive_get_info(const struct xive *x, struct xive_info *info);

/*
 * Sources. xive_claim_irq(): make LISN @lisn valid (EAS masked, PQ 01) as
 * an MSI or an LSI; -EINVAL out of range, -EBUSY already claimed (IPIs are
 * claimed by xive_create). xive_free_irq(): invalidate it (-EINVAL).
 */
int xive_claim_irq(struct xive *x, uint32_t lisn, bool lsi);
int xive_free_irq(struct xive *x, uint32_t lisn);
/* The IPI LISN of vCPU @cpu (== @cpu), or UINT32_MAX if out of range. */
uint32_t xive_ipi_source(const struct xive *x, unsigned cpu);

/**
 * xive_trigger() - an event on source @lisn (any thread): an MSI edge, an
 * IPI, what a trigger-page store does. Works whether or not the controller
 * is active (sources sit at PQ 01 until the guest unmasks them).
 * Return: 1 when the event was forwarded to routing (PQ was 00), 0 when it
 * was coalesced or dropped at the source (PQ 10/11/01), -EINVAL for an
 * unknown LISN.
 */
int xive_trigger(struct xive *x, uint32_t lisn);
/* LSI level change (any thread). Return as xive_trigger(); -EINVAL if not
 * a claimed LSI. */
int xive_set_level(struct xive *x, uint32_t lisn, bool level);

/*
 * Guest MMIO. @offset is from cfg.esb_base (ESB) or from the vCPU's TIMA
 * OS page (TIMA; @cpu is the accessing vCPU). @data holds @len bytes in
 * guest (big-endian) byte order, as KVM_EXIT_MMIO carries them.
 * Return 0, -EINVAL for an invalid access, -ERANGE outside the region,
 * -EAGAIN while inactive.
 */
int xive_esb_access(struct xive *x, uint64_t offset, void *data, unsigned len,
		    bool is_write);
int xive_tima_access(struct xive *x, unsigned cpu, uint64_t offset,
		     void *data, unsigned len, bool is_write);

/*
 * xive_esb_trigger_page() - the source whose ESB page @offset falls in
 * (*@lisn), and whether that is its trigger page: a store there is the
 * source's trigger (for an IPI, the host routes it through its IPI domain,
 * xive_ipi_guest_trigger()); every other access is xive_esb_access()'s.
 */
static inline bool xive_esb_trigger_page(const struct xive_info *info,
					 uint64_t offset, uint32_t *lisn)
{
	unsigned page = info->esb_page_shift;

	*lisn = (uint32_t)(offset >> page >> (info->esb_two_page ? 1 : 0));
	return info->esb_two_page && !((offset >> page) & 1);
}

/* True when @gpa is in the ESB span / a TIMA OS page; *offset for the above. */
bool xive_esb_claims(const struct xive *x, uint64_t gpa, uint64_t *offset);
bool xive_tima_claims(const struct xive *x, uint64_t gpa, uint64_t *offset);

/**
 * xive_hcall() - run an H_INT_* hypercall for vCPU @cpu.
 * @opcode: H_INT_GET_SOURCE_INFO .. H_INT_RESET.
 * @args:   R4.. (XIVE_HCALL_MAX_ARGS entries are read).
 * @rets:   R4.. on return (XIVE_HCALL_MAX_RETS entries, all written: unused
 *          ones 0; left untouched on failure).
 *
 * Argument checks, in this order, as QEMU's hw/intc/spapr_xive.c:
 *  GET_SOURCE_INFO(flags, lisn): flags -> H_PARAMETER; lisn unknown or not
 *    claimed -> H_P2. Returns flags (H_INT_ESB|LSI for LSIs, TRIGGER for
 *    one-page ESBs, STORE_EOI), EOI page (-1 for LSIs), trigger page (-1
 *    if one page or LSI), page shift.
 *  SET_SOURCE_CONFIG(flags, lisn, target, prio, eisn): flags other than
 *    SET_EISN|MASK -> H_PARAMETER; lisn -> H_P2; prio 0xff masks (no more
 *    checks); prio reserved -> H_P4; target -> H_P3; eisn > 0x7fffffff
 *    with SET_EISN -> H_P5.
 *  GET_SOURCE_CONFIG(flags, lisn): H_PARAMETER, H_P2. Returns target,
 *    prio (0xff if masked), eisn (the LISN until set).
 *  GET_QUEUE_INFO(flags, target, prio): flags -> H_PARAMETER; prio
 *    reserved -> H_P3; target -> H_P2. Returns the END ESB page and its
 *    shift (16).
 *  SET_QUEUE_CONFIG(flags, target, prio, qpage, qshift): flags other than
 *    ALWAYS_NOTIFY -> H_PARAMETER; qshift != 0 without ALWAYS_NOTIFY ->
 *    H_PARAMETER (the END ESn notification ESB is not modelled); prio ->
 *    H_P3; target -> H_P2; qshift not accepted -> H_P5; qpage not
 *    aligned to 2^qshift, or not readable guest memory -> H_P4. qshift 0
 *    resets the queue.
 *  GET_QUEUE_CONFIG(flags, target, prio): flags other than DEBUG ->
 *    H_PARAMETER; H_P3; H_P2. Returns flags (ALWAYS_NOTIFY, and with DEBUG
 *    GENERATION), qpage, qshift, and with DEBUG the queue index.
 *  SET_OS_REPORTING_LINE(flags, line): flags -> H_PARAMETER; line not
 *    256-byte aligned or not guest memory (and not -1, which clears) ->
 *    H_P2. Stored for the
 *    calling vCPU; the TIMA store-to-line acks are not modelled.
 *  GET_OS_REPORTING_LINE(flags, target): H_PARAMETER; target -> H_P2.
 *    Returns the line or -1.
 *  ESB(flags, lisn, offset, data): flags other than STORE -> H_PARAMETER;
 *    lisn -> H_P2; offset not 8-aligned or not in the management page, or
 *    an operation the page refuses (a store at GET, a store EOI without
 *    cfg.store_eoi) -> H_P3. Performs the management-page access of the
 *    ESB table above; returns the loaded value (-1 for a store).
 *  SYNC(flags, lisn): H_PARAMETER, H_P2 (events are synchronous: no-op).
 *  RESET(flags): H_PARAMETER. Sources masked, PQ 01, queues reset, IPBs
 *    cleared, lines lowered, reporting lines cleared (CPPRs kept).
 * Inactive controller or other opcode: H_FUNCTION. @cpu out of range:
 * H_HARDWARE.
 */
long xive_hcall(struct xive *x, unsigned cpu, unsigned long opcode,
		const uint64_t args[], uint64_t rets[]);
/* True for H_INT_GET_SOURCE_INFO .. H_INT_RESET. */
bool xive_is_hcall(unsigned long opcode);

/* vCPU @cpu's external interrupt line is up (lock-free, any thread). */
bool xive_cpu_irq_pending(const struct xive *x, unsigned cpu);

/* Introspection (tests, monitors, trace replay). 0 or -EINVAL. */
struct xive_source_state {
	bool claimed;
	bool lsi;
	bool asserted;  /* LSI level */
	uint8_t pq;
	bool masked;    /* prio 0xff or XIVE_SRC_MASK */
	uint32_t server;
	uint8_t prio;   /* 0xff when masked by priority */
	uint32_t eisn;
};
int xive_get_source(struct xive *x, uint32_t lisn,
		    struct xive_source_state *st);

struct xive_queue_state {
	bool enabled;
	bool always_notify;
	uint64_t qpage;
	unsigned qshift;
	uint32_t index;
	uint8_t generation;
	uint64_t enqueued;
};
int xive_get_queue(struct xive *x, unsigned server, unsigned prio,
		   struct xive_queue_state *st);

struct xive_os_ring {
	uint8_t nsr, cppr, ipb, pipr;
	bool line;
};
int xive_get_os_ring(struct xive *x, unsigned cpu, struct xive_os_ring *r);

struct xive_stats {
	uint64_t triggers;          /* trigger events seen by sources */
	uint64_t forwarded;         /* events past the PQ check */
	uint64_t coalesced;         /* PQ 10/11 on trigger */
	uint64_t dropped_off;       /* PQ 01 on trigger */
	uint64_t dropped_masked;    /* EAS masked */
	uint64_t dropped_invalid;   /* unclaimed source */
	uint64_t dropped_no_queue;  /* (server, prio) has no queue */
	uint64_t queue_write_errors;
	uint64_t presented;         /* IPB bits set */
	uint64_t lines_raised;
	uint64_t acks;              /* ACK_OS_REG loads that accepted */
	uint64_t empty_acks;        /* ACK_OS_REG with NSR.EO clear */
	uint64_t ack_latency_ns_total; /* raise -> accepting ack, with now_ns */
	uint64_t ack_latency_ns_max;
	uint64_t invalid_accesses;  /* MMIO accesses that returned -EINVAL */
	uint64_t hcalls;
	uint64_t hcall_errors;
};
void xive_get_stats(struct xive *x, struct xive_stats *st);

/* Host-order helpers over the byte-order-exact MMIO entry points. */
static inline uint64_t xive_be_load(const uint8_t *p, unsigned len)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < len; i++)
		v = (v << 8) | p[i];
	return v;
}

static inline void xive_be_store(uint8_t *p, unsigned len, uint64_t v)
{
	for (unsigned i = len; i-- > 0; v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t xive_esb_read64(struct xive *x, uint64_t offset)
{
	uint8_t b[8];
	xive_esb_access(x, offset, b, 8, false);
	return xive_be_load(b, 8);
}

static inline void xive_esb_write64(struct xive *x, uint64_t offset,
				    uint64_t value)
{
	uint8_t b[8];
	xive_be_store(b, 8, value);
	xive_esb_access(x, offset, b, 8, true);
}

static inline uint64_t xive_tima_read(struct xive *x, unsigned cpu,
				      uint64_t offset, unsigned len)
{
	uint8_t b[8];
	if (len > 8)
		return ~0ull;
	xive_tima_access(x, cpu, offset, b, len, false);
	return xive_be_load(b, len);
}

static inline void xive_tima_write(struct xive *x, unsigned cpu,
				   uint64_t offset, unsigned len,
				   uint64_t value)
{
	uint8_t b[8];
	if (len > 8)
		return;
	xive_be_store(b, len, value);
	xive_tima_access(x, cpu, offset, b, len, true);
}

#endif
