// SPDX-License-Identifier: MIT
/*
 * hostile - guests that try to hurt the VMM (tests/hostile/run.sh,
 * docs/hardening.md "Hostile guests"). One kernel, `mode=`:
 *
 *   apic-random   every CPU writes random values to every xAPIC MMIO offset
 *                 (all sizes, misaligned too) and every x2APIC MSR
 *                 0x800-0x8ff (reserved and read-only ones too, #GP is
 *                 caught), IA32_APIC_BASE and TSC_DEADLINE, with ICR writes
 *                 of random modes, shorthands and destinations (INIT turned
 *                 into fixed: a guest may kill itself, but this one wants to
 *                 report); then it resets its APIC and checks IPIs still work.
 *   xive-random   (--irqchip xive, run with "apic"): random loads and stores
 *                 at every 8-byte slot of both ESB pages of every source and
 *                 two beyond, random sizes elsewhere in them; every offset of
 *                 the TIMA OS page and random ones in all four TIMA pages;
 *                 the doorbell page; random H_INT_* calls (queue pages in a
 *                 scratch area, past the end of RAM, on MMIO or wild); then
 *                 H_INT_RESET and checks that hypercalls and IPIs still work.
 *   xive-no-eoi   (--irqchip xive, "apic"): CPU 1 acknowledges XIVE interrupts
 *                 but never EOIs the source (one interrupt, then PQ 11 holds
 *                 100 triggers), then stops acknowledging at all (the line
 *                 stays up: CPU 1 is interrupted forever) while CPU 0 keeps
 *                 taking its own IPIs: ends on --timeout.
 *   bad-ipi       IPIs to APIC IDs and logical destinations nobody has, and
 *                 to vectors 0-15: nothing may arrive anywhere, the sender's
 *                 ESR must say "send illegal vector"; then good IPIs arrive
 *                 exactly once.
 *   storm         every CPU sends IPIs to every CPU (itself too, unicast and
 *                 all-including shorthand) as fast as it can, forever: ends on
 *                 --timeout.
 *   no-eoi        CPU 1 takes vector 0x80 and never EOIs it; then lower and
 *                 same-class vectors (and 0x80 again) must stay pending in
 *                 IRR, PPR must be 0x80; then everyone idles with that state
 *                 until --timeout (the VMM must not spin on it).
 *   timer-storm   every CPU runs a periodic APIC timer of period 1 (one bus
 *                 tick): ends on --timeout.
 *   irqoff        CPU 1 spins with interrupts off forever while every other
 *                 CPU storms it with IPIs: ends on --timeout.
 *   triple-fault  the last CPU triple-faults (empty IDT, ud2) while the
 *                 others storm each other: ipivirt ends with 125.
 *   ioapic-random every CPU at once writes random values at random offsets
 *                 and widths of the I/O APIC window (IOREGSEL/IOWIN pairs
 *                 racing with the other CPUs', whole redirection entries of
 *                 random vector, trigger, polarity, mode and destination;
 *                 INIT turned into fixed, as above), the EOI register, and
 *                 flips random pc-testdev lines; then it masks every entry,
 *                 drops every line and checks that one edge still arrives
 *                 exactly once.
 *   init-random   the BSP sends random sequences of INIT (assert, and the
 *                 level de-assert), SIPI and STARTUP-after-INIT to random
 *                 APs: INIT alone, INIT + SIPI, INIT + SIPI + SIPI, INIT +
 *                 INIT + SIPI, SIPI to a running AP, a de-assert; each AP
 *                 must be stopped by every INIT, start once per INIT at the
 *                 first SIPI (boot count), ignore the rest, and answer
 *                 on_cpu() afterwards; then IPIs must work everywhere.
 *   level-storm   a level-triggered I/O APIC entry to CPU 1 whose line stays
 *                 asserted and whose handler EOIs without quieting it: the
 *                 interrupt is redelivered forever while CPU 0 keeps taking
 *                 its own IPIs; ends on --timeout.
 *
 * `seed=N` (default 1) seeds the random values, `rounds=N` the passes of
 * the random modes (default 3). Modes that run until --timeout print their
 * checks first and then "hostile: <mode>: running until the VMM stops us".
 */
#include "libtest.h"
#include "fwcfg.h"
#include "ioapic.h"
#include "ipi_ops.h"
#include "rand.h"
#include "xive.h"

#define VEC_TEST 0x60        /* class 6; 0x60-0x67 used by storms */
#define VEC_HIGH 0x80
#define VEC_LOW1 0x60
#define VEC_LOW2 0x70
#define VEC_SAME 0x81
#define XAPIC_BASE 0xfee00000ull
#define TIMEOUT_US 10000000ull   /* generous: 2 busy host cores */

static unsigned ncpu, cpu_at[MAX_CPUS];
static unsigned long rounds;
static u64 seed;

/* Per-CPU interrupt counts, by vector; written by the CPU's own handlers. */
static u32 (*irq_count)[256];
static u32 nmi_count[MAX_CPUS];

static void counting_irq(struct trap_regs *r)
{
	irq_count[smp_id()][r->vector & 0xff]++;
	ipi_eoi(r);
}

static void nmi_irq(struct trap_regs *r)
{
	(void)r;
	nmi_count[smp_id()]++;
	irq_count[smp_id()][2]++;
}

static bool lib_vector(unsigned v)
{
	return v == WAKE_VECTOR || v == CALL_FUNCTION_SINGLE_VECTOR || v == CALL_FUNCTION_VECTOR ||
	       v == APIC_SPURIOUS_VECTOR || (ipi_via_xive() && v == xive_fw()->vector);
}

/* Every vector a random ICR, LVT or XIVE line might raise gets a counter. */
static void install_counters(void)
{
	irq_count = zalloc(MAX_CPUS * sizeof(*irq_count), 64);
	for (unsigned v = 0x20; v < 0x100; v++)
		if (!lib_vector(v))
			handle_irq(v, counting_irq);
	handle_irq(2, nmi_irq);
}

static u64 count_of(unsigned cpu, unsigned vec) { return READ_ONCE(irq_count[cpu][vec]); }

/* Run @fn on every CPU at once (APs from their idle loops), wait for all. */
static void on_all_cpus(void (*fn)(void *))
{
	for (unsigned i = 1; i < ncpu; i++)
		on_cpu_async(cpu_at[i], fn, (void *)(uintptr_t)i);
	fn((void *)0);
	for (unsigned i = 1; i < ncpu; i++)
		on_cpu_wait(cpu_at[i]);
}

static void nop(void *arg) { (void)arg; }

/* Send each CPU one good IPI: each must take it exactly once. */
static void check_ipis_work(const char *after)
{
	u64 before[MAX_CPUS];
	bool ok = true;

	for (unsigned i = 0; i < ncpu; i++)
		before[i] = count_of(cpu_at[i], VEC_TEST + 1);
	for (unsigned i = 0; i < ncpu; i++)
		ipi_send(cpu_at[i], VEC_TEST + 1);
	sti();
	for (unsigned i = 0; i < ncpu; i++)
		ok &= wait_until(count_of(cpu_at[i], VEC_TEST + 1) == before[i] + 1, TIMEOUT_US);
	udelay(10000);
	for (unsigned i = 0; i < ncpu; i++)
		ok &= count_of(cpu_at[i], VEC_TEST + 1) == before[i] + 1;
	report(ok, "after %s: one IPI to each of %u CPUs arrives exactly once (via %s)", after, ncpu,
	       ipi_name());
	unsigned calls = 0;
	for (unsigned i = 1; i < ncpu; i++)
		if (smp_call_function_single(cpu_at[i], nop, NULL, true) == 0)
			calls++;
	report(calls == ncpu - 1, "after %s: call-function round trips to %u of %u APs", after, calls,
	       ncpu - 1);
}

/* ---- apic-random ---------------------------------------------------------- */

/*
 * Vectors 16-31 are legal APIC vectors, but this runtime's stubs for 17,
 * 21, 29 and 30 expect a CPU-pushed error code: move them up, or the guest
 * dies of its own stack layout. Vectors 0-15 stay: the APIC must refuse
 * them (ESR), never deliver them.
 */
static u32 tame_vector(u32 v)
{
	return (v & 0xf0) == 0x10 ? v | 0x20 : v;
}

/* INIT would stop a CPU for good (nobody sends it SIPI): make it fixed. */
static u32 tame_icr(u32 low)
{
	if ((low & 0x700) == APIC_DM_INIT)
		low &= ~0x700u;
	return tame_vector(low);
}

/* Registers whose low byte is a vector some event will deliver. */
static bool vector_reg(unsigned off)
{
	return off == 0x2f0 || off == APIC_ICR || (off >= APIC_LVTT && off <= APIC_LVTERR) ||
	       off == APIC_SELF_IPI;
}

static void mmio_write(u64 addr, unsigned size, u64 v)
{
	switch (size) {
	case 1: *(volatile u8 *)(uintptr_t)addr = (u8)v; break;
	case 2: *(volatile u16 *)(uintptr_t)addr = (u16)v; break;
	case 4: *(volatile u32 *)(uintptr_t)addr = (u32)v; break;
	default: *(volatile u64 *)(uintptr_t)addr = v; break;
	}
}

static u64 mmio_read(u64 addr, unsigned size)
{
	switch (size) {
	case 1: return *(volatile u8 *)(uintptr_t)addr;
	case 2: return *(volatile u16 *)(uintptr_t)addr;
	case 4: return *(volatile u32 *)(uintptr_t)addr;
	default: return *(volatile u64 *)(uintptr_t)addr;
	}
}

struct garbage_stats {
	u64 writes, reads, gp;
} __attribute__((aligned(64)));

static struct garbage_stats *gstats;

static void xapic_garbage(u64 *s, struct garbage_stats *g)
{
	/* Aligned 32-bit writes of every register slot, then reads of every
	 * size and alignment; misaligned writes stay clear of the ICR. */
	for (unsigned off = 0; off < 0x1000; off += 4) {
		u64 v = rand_next(s);
		if (off == APIC_ICR)
			v = tame_icr((u32)v);
		else if (vector_reg(off & ~0xfu))
			v = tame_vector((u32)v);
		mmio_write(XAPIC_BASE + off, 4, v);
		g->writes++;
	}
	for (unsigned i = 0; i < 256; i++) {
		u64 r = rand_next(s);
		unsigned size = 1u << (r & 3), off = (unsigned)(r >> 8) & 0xfff;
		if (off + size > 0x1000)
			off = 0x1000 - size;
		(void)mmio_read(XAPIC_BASE + off, size);
		g->reads++;
		if (off + size > 0x2f0 && off < APIC_LVTERR + 4)
			continue;                  /* vectors: aligned, tamed above */
		mmio_write(XAPIC_BASE + off, size, rand_next(s));
		g->writes++;
	}
	/* An ICR write of random mode/shorthand/destination, on purpose. */
	mmio_write(XAPIC_BASE + APIC_ICR2, 4, rand_next(s));
	mmio_write(XAPIC_BASE + APIC_ICR, 4, tame_icr((u32)rand_next(s)));
	g->writes += 2;
}

static void x2apic_garbage(u64 *s, struct garbage_stats *g)
{
	for (u32 msr = 0x800; msr < 0x900; msr++) {
		u64 v = rand_next(s), old;
		if (msr == X2APIC_MSR(APIC_ICR))
			v = (v & ~0xffffffffull) | tame_icr((u32)v);
		else if (vector_reg((msr - 0x800) << 4))
			v = (v & ~0xffull) | tame_vector((u32)v & 0xff);
		if (rdmsr_safe(msr, &old))
			g->gp++;
		if (wrmsr_safe(msr, v))
			g->gp++;
		g->reads++;
		g->writes++;
	}
	/* Upper ICR half set, low half random: 64-bit x2APIC ICR. */
	if (wrmsr_safe(X2APIC_MSR(APIC_ICR), (rand_next(s) & ~0xffffffffull) |
						     tame_icr((u32)rand_next(s))))
		g->gp++;
	if (wrmsr_safe(MSR_IA32_TSC_DEADLINE, rdtsc() + (rand_next(s) & 0xffff)))
		g->gp++;
	g->writes += 2;
}

/* Random ICR values aimed at CPUs that exist (or all), so they land, and a
 * timer of random mode and vector with a short count: interrupts of random
 * vectors, NMIs, SIPIs to running CPUs, level-triggered and lowest-priority
 * messages while every CPU does the same. */
static void aimed_garbage(u64 *s, struct garbage_stats *g)
{
	for (unsigned i = 0; i < 64; i++) {
		u64 r = rand_next(s);
		u32 dest = r & 0x100 ? 0xffffffffu : cpu_apic_id(cpu_at[(r >> 9) % ncpu]);
		u32 low = tame_icr((u32)(r >> 32));
		if (apic_x2apic_mode()) {  /* reserved ICR bits #GP here */
			if (wrmsr_safe(X2APIC_MSR(APIC_ICR), (u64)dest << 32 | low))
				g->gp++;
		} else {
			apic_icr_write(low, dest & 0xff);
		}
		g->writes++;
	}
	u64 r = rand_next(s);
	apic_write(APIC_TDCR, (u32)r & 0xb);
	apic_write(APIC_LVTT, tame_vector((u32)(r >> 8) & 0x700ff));
	apic_write(APIC_TMICT, (u32)(r >> 32) & 0x3ff);
	g->writes += 3;
}

/* Back to a reset APIC in the boot mode, whatever the garbage did. */
static void apic_restore(unsigned cpu)
{
	u64 base = XAPIC_BASE | (cpu == 0 ? APIC_BASE_BSP : 0);

	wrmsr_safe(MSR_IA32_APIC_BASE, base);          /* disabled: a reset */
	wrmsr_safe(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE);
	wrmsr_safe(MSR_IA32_TSC_DEADLINE, 0);
	apic_set_mode(apic_default_x2apic());
	if (!apic_x2apic_mode())   /* the xAPIC ID is writable, and kept */
		apic_write(APIC_ID, per_cpu(cpu)->apic_id << 24);
	apic_write(APIC_TMICT, 0);
	for (unsigned n = 0; n < 256; n++) {     /* a reset cleared ISR; be sure */
		bool busy = false;
		for (unsigned w = 0; w < 8; w++)
			busy |= apic_read(APIC_ISR + 0x10 * w) != 0;
		if (!busy)
			break;
		apic_eoi();
	}
	apic_write(APIC_ESR, 0);
}

static volatile u32 garbage_gen_count;

static void apic_garbage_cpu(void *arg)
{
	unsigned rank = (unsigned)(uintptr_t)arg;
	u64 s = seed * 0x9e3779b97f4a7c15ull + rank + 1;
	struct garbage_stats *g = &gstats[rank];

	for (unsigned long r = 0; r < rounds; r++) {
		/* IA32_APIC_BASE: random bits (most #GP), then both modes. */
		if (wrmsr_safe(MSR_IA32_APIC_BASE, rand_next(&s)))
			g->gp++;
		apic_restore(smp_id());
		sti();
		wrmsr_safe(MSR_IA32_APIC_BASE, XAPIC_BASE | APIC_BASE_ENABLE |
						       (smp_id() == 0 ? APIC_BASE_BSP : 0));
		xapic_garbage(&s, g);
		apic_restore(smp_id());
		apic_set_mode(false);
		aimed_garbage(&s, g);
		x2apic_garbage(&s, g);             /* xAPIC mode: all #GP */
		if (apic_x2apic_supported()) {
			apic_restore(smp_id());
			wrmsr_safe(MSR_IA32_APIC_BASE, XAPIC_BASE | APIC_BASE_ENABLE | APIC_BASE_EXTD |
							       (smp_id() == 0 ? APIC_BASE_BSP : 0));
			x2apic_garbage(&s, g);
			xapic_garbage(&s, g);     /* x2APIC mode: MMIO is not the APIC */
			apic_restore(smp_id());
			aimed_garbage(&s, g);
		}
		cli();
	}
	apic_restore(smp_id());
	atomic_inc(&garbage_gen_count);
	/* Others may still hit us with random IPIs: stay open until all are done. */
	sti();
	while (READ_ONCE(garbage_gen_count) < ncpu)
		pause();
	cli();
	apic_restore(smp_id());
	sti();
	udelay(10000);                            /* let what was pending in */
}

static void mode_apic_random(void)
{
	gstats = zalloc(ncpu * sizeof(*gstats), 64);
	on_all_cpus(apic_garbage_cpu);
	u64 w = 0, r = 0, gp = 0, irqs = 0, nmis = 0;
	for (unsigned i = 0; i < ncpu; i++) {
		w += gstats[i].writes;
		r += gstats[i].reads;
		gp += gstats[i].gp;
		nmis += nmi_count[cpu_at[i]];
		for (unsigned v = 0; v < 256; v++)
			irqs += count_of(cpu_at[i], v);
	}
	report_info("%llu writes, %llu reads, %llu #GP caught, %llu interrupts and %llu "
		    "NMIs taken from random ICR/LVT/timer values (%lu rounds, seed %llu)",
		    (unsigned long long)w, (unsigned long long)r, (unsigned long long)gp,
		    (unsigned long long)irqs, (unsigned long long)nmis, rounds, (unsigned long long)seed);
	report(gp > 0, "reserved and read-only registers raised #GP (%llu)", (unsigned long long)gp);
	u32 ver = apic_read(APIC_LVR);
	report((ver & 0xff) >= 0x10, "APIC still answers: version %#x, mode %s", ver, apic_ops()->name);
	check_ipis_work("random APIC writes");
}

/* ---- xive-random ------------------------------------------------------------ */

static struct xive_fw xfw;
static u64 ram_size, scratch;
#define SCRATCH_SIZE (2ull << 20)

static void xive_line_irq(struct trap_regs *r)
{
	volatile u8 *tima = (volatile u8 *)(uintptr_t)xfw.tima_os_base;

	irq_count[smp_id()][r->vector & 0xff]++;
	(void)*(volatile u16 *)(tima + TM_SPC_ACK_OS_REG); /* lowers the line */
	tima[TM_QW1_OS + TM_CPPR] = 0xff;
}

/* A guest address for a queue page or reporting line: in the scratch
 * area (so the model writes there and not over this kernel), straddling
 * the end of RAM, in MMIO, or wild. */
static u64 xive_addr(u64 *s)
{
	u64 r = rand_next(s);

	switch (r & 7) {
	case 0: return ram_size - 0x1000;
	case 1: return ram_size;
	case 2: return xfw.esb_base;
	case 3: return r >> 3;
	case 4: return XAPIC_BASE;
	default: return scratch + ((r >> 8) & (SCRATCH_SIZE / 2 - 1) & ~0xfffull);
	}
}

static u64 small(u64 *s, unsigned n) { return rand_next(s) % n; }

static u32 hcall_ok[11];   /* accepted random calls, by opcode */

static long random_hcall(u64 *s)
{
	static const u32 qshifts[] = { 0, 12, 13, 16, 21, 24, 64 };
	u64 op = 0x3a8 + 4 * small(s, 11), args[6];

	if (!small(s, 16))
		op = rand_next(s) & (small(s, 2) ? 0xfff : ~0ull);
	args[0] = small(s, 4) ? rand_next(s) & 0xf000000000000000ull : rand_next(s);   /* flags */
	args[1] = small(s, 4) ? small(s, xfw.nr_irqs + 4) : rand_next(s);           /* lisn/target */
	args[2] = small(s, 4) ? small(s, ncpu + 3) : rand_next(s);                  /* target/prio */
	args[3] = small(s, 4) ? small(s, 9) : xive_addr(s);                        /* prio/qpage */
	args[4] = small(s, 2) ? qshifts[small(s, ARRAY_SIZE(qshifts))] : xive_addr(s);
	args[5] = rand_next(s);
	if (op == H_INT_SET_QUEUE_CONFIG)
		args[3] = xive_addr(s);
	if (small(s, 2)) {
		/* Half the calls plausible, so sources and queues do get
		 * configured, routed anywhere, and fire into queues in the
		 * scratch area or in places no queue should be. */
		static const u64 src_flags[] = { 0, XIVE_SRC_SET_EISN, XIVE_SRC_MASK,
						 XIVE_SRC_SET_EISN | XIVE_SRC_MASK };
		args[1] = small(s, xfw.nr_irqs + 2);
		args[2] = small(s, ncpu + 1);
		args[3] = small(s, 8) ? small(s, xfw.nr_prios + 1) : 0xff;
		switch (small(s, 4)) {
		case 0:
			op = H_INT_SET_QUEUE_CONFIG;
			args[0] = XIVE_EQ_ALWAYS_NOTIFY;
			args[1] = small(s, ncpu + 1);
			args[2] = small(s, xfw.nr_prios + 1);
			args[3] = xive_addr(s);
			args[4] = qshifts[small(s, ARRAY_SIZE(qshifts))];
			break;
		case 1:
			op = H_INT_SET_SOURCE_CONFIG;
			args[0] = src_flags[small(s, ARRAY_SIZE(src_flags))];
			args[4] = rand_next(s) & 0x7fffffff;
			break;
		case 2:
			op = H_INT_ESB;
			args[0] = small(s, 2) ? XIVE_ESB_FLAG_STORE : 0;
			args[2] = small(s, 2) ? 0xc00 + 0x100 * small(s, 4) : rand_next(s) & 0x1fff;
			args[3] = rand_next(s);
			break;
		default:
			args[0] = 0;
			op = small(s, 256) ? 0x3a8 + 4 * small(s, 10) : H_INT_RESET;
			if (op == H_INT_SET_OS_REPORTING_LINE)
				args[1] = xive_addr(s);
			break;
		}
	}
	long rc = xive_hcall(op, args, NULL);
	if (rc == H_SUCCESS && op >= 0x3a8 && op <= 0x3d0 && !(op & 3))
		atomic_inc(&hcall_ok[(op - 0x3a8) / 4]);
	return rc;
}

static void xive_garbage_cpu(void *arg)
{
	unsigned rank = (unsigned)(uintptr_t)arg;
	u64 s = seed * 0x9e3779b97f4a7c15ull + rank + 7;
	struct garbage_stats *g = &gstats[rank];
	u64 tima_base = xfw.tima_os_base - 0x20000;
	u64 esb_end = xfw.esb_base + ((u64)(xfw.nr_irqs + 2) << xfw.esb_shift);

	sti();
	for (unsigned long r = 0; r < rounds; r++) {
		/* Each source's two pages: all 8-byte slots of the first
		 * 4 KiB (the ESB ops), random sizes and offsets elsewhere;
		 * two sources past nr_irqs too. Loads change PQ, stores to
		 * trigger pages fire whatever the hcalls configured. */
		for (u64 page = xfw.esb_base; page < esb_end; page += 0x10000) {
			for (unsigned off = (rank * 8) & 0xfff; off < 0x1000; off += 8 * ncpu * 4) {
				(void)mmio_read(page + off, 8);
				mmio_write(page + off, 8, rand_next(&s));
				g->reads++;
				g->writes++;
			}
			u64 x = rand_next(&s);
			unsigned size = 1u << (x & 3);
			u64 off = (x >> 8) & 0xffff & ~(u64)(size - 1);
			(void)mmio_read(page + off, size);
			mmio_write(page + off, size, rand_next(&s));
			g->reads++;
			g->writes++;
		}
		/* TIMA: every offset of the OS page (all sizes), random ones
		 * in the other three. */
		for (unsigned off = 0; off < 0x1000; off++) {
			u64 x = rand_next(&s);
			unsigned size = 1u << (x & 3);
			if (off % size)
				size = 1;
			(void)mmio_read(xfw.tima_os_base + off, size);
			g->reads++;
			if (x & 0x100) {
				mmio_write(xfw.tima_os_base + off, size, rand_next(&s));
				g->writes++;
			}
		}
		for (unsigned i = 0; i < 512; i++) {
			u64 x = rand_next(&s);
			unsigned size = 1u << (x & 3);
			u64 off = (x >> 8) % 0x40000 & ~(u64)(size - 1);
			(void)mmio_read(tima_base + off, size);
			mmio_write(tima_base + off, size, rand_next(&s));
			g->reads++;
			g->writes++;
		}
		/* Doorbell page: raw accesses (wrong sizes, misaligned, the
		 * opcode register with junk), then well-formed random calls. */
		for (unsigned i = 0; i < 256; i++) {
			u64 x = rand_next(&s);
			unsigned size = 1u << (x & 3);
			u64 off = (x >> 8) & 0xfff;
			if (off + size > 0x1000)
				off = 0x1000 - size;
			(void)mmio_read(xfw.hcall_base + off, size);
			mmio_write(xfw.hcall_base + off, size, rand_next(&s));
			g->reads++;
			g->writes++;
		}
		for (unsigned i = 0; i < 512; i++) {
			if (random_hcall(&s) != H_SUCCESS)
				g->gp++;   /* refused calls, counted as "errors" */
			g->writes++;
		}
		/* Fire what the calls configured: unmask, trigger, EOI. */
		for (unsigned i = 0; i < 256; i++) {
			u64 src = xfw.esb_base + (small(&s, xfw.nr_irqs) << xfw.esb_shift);
			(void)mmio_read(src + 0x10000 + XIVE_ESB_SET_PQ_00, 8);
			mmio_write(src, 8, 0);
			if (small(&s, 2))
				(void)mmio_read(src + 0x10000 + XIVE_ESB_LOAD_EOI, 8);
			g->reads += 2;
			g->writes++;
		}
	}
	cli();
}

static void mode_xive_random(void)
{
	u16 key;
	u32 size;

	if (ipi_via_xive() || !fwcfg_find_file(XIVE_FWCFG_FILE, &key, &size) || size < sizeof(xfw)) {
		report_skip("xive-random: needs --irqchip xive and \"apic\" on the command line");
		return;
	}
	fwcfg_read_item(key, &xfw, sizeof(xfw));
	ram_size = fwcfg_read(FW_CFG_RAM_SIZE, 8);
	scratch = (u64)(uintptr_t)zalloc(SCRATCH_SIZE, SCRATCH_SIZE);
	xive_hcall_init(xfw.hcall_base);
	handle_irq(xfw.vector, xive_line_irq);
	gstats = zalloc(ncpu * sizeof(*gstats), 64);
	on_all_cpus(xive_garbage_cpu);

	u64 w = 0, r = 0, refused = 0, lines = 0;
	for (unsigned i = 0; i < ncpu; i++) {
		w += gstats[i].writes;
		r += gstats[i].reads;
		refused += gstats[i].gp;
		lines += count_of(cpu_at[i], xfw.vector);
	}
	report_info("%llu stores/calls, %llu loads, %llu hcalls refused, %llu XIVE "
		    "interrupts taken (%u sources, %lu rounds, seed %llu)",
		    (unsigned long long)w, (unsigned long long)r, (unsigned long long)refused,
		    (unsigned long long)lines, xfw.nr_irqs, rounds, (unsigned long long)seed);
	report_info("accepted: GET_SOURCE_INFO %u, SET_SOURCE_CONFIG %u, GET_SOURCE_CONFIG %u, "
		    "GET_QUEUE_INFO %u, SET_QUEUE_CONFIG %u, GET_QUEUE_CONFIG %u, ESB %u, SYNC %u, RESET %u",
		    hcall_ok[0], hcall_ok[1], hcall_ok[2], hcall_ok[3], hcall_ok[4], hcall_ok[5],
		    hcall_ok[8], hcall_ok[9], hcall_ok[10]);
	long rc = XIVE_HCALL(H_INT_RESET, NULL, 0);
	report(rc == H_SUCCESS, "H_INT_RESET after the garbage: %s (%ld)", xive_rc_name(rc), rc);
	u64 rets[4];
	rc = XIVE_HCALL(H_INT_GET_SOURCE_INFO, rets, 0, 0);
	report(rc == H_SUCCESS && rets[1] && rets[3] >= 12,
	       "hypercalls still answer: GET_SOURCE_INFO(0) %s, EOI page %#llx, shift %llu",
	       xive_rc_name(rc), (unsigned long long)rets[1], (unsigned long long)rets[3]);
	check_ipis_work("random XIVE accesses and hypercalls");
}

/* ---- xive-no-eoi -------------------------------------------------------------- */

/* CPU 1 gets an XIVE queue and its IPI source, set up by hand (as
 * lib/xive.c does) so its handler can misbehave: phase 1 acknowledges the
 * TIMA but never EOIs the source, phase 2 does not even acknowledge. */
static volatile unsigned xne_phase;
static volatile u64 xne_irqs;
static u64 xne_mgmt, xne_trig;

static void xne_irq(struct trap_regs *r)
{
	volatile u8 *tima = (volatile u8 *)(uintptr_t)xfw.tima_os_base;

	(void)r;
	xne_irqs++;
	if (xne_phase == 1) {
		(void)*(volatile u16 *)(tima + TM_SPC_ACK_OS_REG);
		tima[TM_QW1_OS + TM_CPPR] = 0xff;
	}
	/* phase 2: the line stays up; it comes back after every iret */
}

static void xne_setup(void *arg)
{
	u32 me = apic_id(), prio = xfw.nr_prios - 1;
	void *q = zalloc(0x1000, 0x1000);
	u64 r[4];
	long rc;

	(void)arg;
	rc = XIVE_HCALL(H_INT_SET_QUEUE_CONFIG, NULL, XIVE_EQ_ALWAYS_NOTIFY, me, prio,
			(u64)(uintptr_t)q, 12);
	rc = rc ? rc : XIVE_HCALL(H_INT_GET_SOURCE_INFO, r, 0, me);
	xne_mgmt = r[1];
	xne_trig = r[0] & XIVE_SRC_TRIGGER ? r[1] : r[2];
	rc = rc ? rc : XIVE_HCALL(H_INT_SET_SOURCE_CONFIG, NULL, XIVE_SRC_SET_EISN, me, me, prio, me);
	if (rc)
		report_abort("xive-no-eoi: set-up hypercall failed: %s (%ld)", xive_rc_name(rc), rc);
	xive_esb_load(xne_mgmt, XIVE_ESB_SET_PQ_00);
	((volatile u8 *)(uintptr_t)xfw.tima_os_base)[TM_QW1_OS + TM_CPPR] = 0xff;
}

static void mode_xive_no_eoi(void)
{
	unsigned victim = cpu_at[1];
	u16 key;
	u32 size;

	if (ipi_via_xive() || !fwcfg_find_file(XIVE_FWCFG_FILE, &key, &size) || size < sizeof(xfw))
		report_abort("xive-no-eoi: needs --irqchip xive and \"apic\" on the command line");
	fwcfg_read_item(key, &xfw, sizeof(xfw));
	xive_hcall_init(xfw.hcall_base);
	handle_irq(xfw.vector, xne_irq);
	on_cpu(victim, xne_setup, NULL);

	xne_phase = 1;
	for (unsigned i = 0; i < 100; i++)
		xive_esb_trigger(xne_trig);
	wait_until(xne_irqs > 0, TIMEOUT_US);
	udelay(50000);
	u64 pq = xive_esb_load(xne_mgmt, XIVE_ESB_GET) & 3;
	report(xne_irqs == 1 && pq == XIVE_PQ_QUEUED,
	       "100 triggers, never EOI'd: one interrupt (%llu), then PQ 11 holds the rest (PQ %llu)",
	       (unsigned long long)xne_irqs, (unsigned long long)pq);

	xne_phase = 2;
	u64 before = xne_irqs;
	xive_esb_load(xne_mgmt, XIVE_ESB_LOAD_EOI);   /* Q was set: fires again */
	wait_until(xne_irqs > before + 10, TIMEOUT_US);
	report(xne_irqs > before + 10,
	       "line never acknowledged: cpu %u is interrupted again and again (%llu)", victim,
	       (unsigned long long)(xne_irqs - before));
	printf("hostile: xive-no-eoi: running until the VMM stops us\n");
	/* Meanwhile this CPU still gets its own IPIs, and says so each second. */
	u64 next = rdtsc() + tsc_cycles_from_us(1000000), sent = 0;
	unsigned secs = 0;
	sti();
	for (;;) {
		apic_self_ipi(VEC_TEST + 3);
		sent++;
		if (rdtsc() >= next) {
			printf("hostile-progress: %us sent=%llu received=%llu victim_irqs=%llu\n", ++secs,
			       (unsigned long long)sent, (unsigned long long)count_of(smp_id(), VEC_TEST + 3),
			       (unsigned long long)xne_irqs);
			next += tsc_cycles_from_us(1000000);
		}
	}
}

/* ---- bad-ipi ------------------------------------------------------------------ */

static u64 total_count(unsigned lo, unsigned hi)
{
	u64 n = 0;

	for (unsigned i = 0; i < ncpu; i++)
		for (unsigned v = lo; v <= hi; v++)
			n += count_of(cpu_at[i], v);
	return n;
}

static void mode_bad_ipi(void)
{
	bool x2 = apic_x2apic_mode();
	u32 max_id = x2 ? 0xfffffffe : 0xfe;   /* all-ones is broadcast */
	unsigned sent = 0;

	sti();
	/* Physical IDs nobody has: every one from ncpu up to 0x1ff, then
	 * spread over the rest of the ID space; logical destinations that
	 * match no LDR. Each group is checked on its own, and a group that
	 * reached somebody is searched for the first guilty destination. */
	struct bad_group { const char *what; u32 mode; u64 first, last; bool spread; } groups[] = {
		{ "physical IDs up to 0x1ff (0xfe in xAPIC)", APIC_DM_FIXED, ncpu, max_id < 0x1ff ? max_id : 0x1ff, false },
		{ "physical IDs spread to the top", APIC_DM_FIXED, 0x200, max_id, true },
		{ "NMIs to physical IDs nobody has", APIC_DM_NMI, ncpu, max_id, true },
		{ "logical destinations nobody has", APIC_DEST_LOGICAL | APIC_DM_FIXED, 0, 17, false },
	};
	for (unsigned g = 0; g < ARRAY_SIZE(groups); g++) {
		struct bad_group *b = &groups[g];
		u64 before = total_count(VEC_TEST, VEC_TEST) + total_count(2, 2), guilty = ~0ull;
		unsigned n = 0;
		for (int pass = 0; pass < 2 && guilty == ~0ull; pass++) {
			for (u64 id = b->first; id <= b->last; id = b->spread ? id * 3 + 1 : id + 1) {
				u32 dest = (u32)id;
				if (b->mode & APIC_DEST_LOGICAL) {   /* x2APIC cluster / xAPIC flat */
					if (id > 17)
						break;
					/* x2APIC: clusters 1 and up (all our CPUs are
					 * in cluster 0), an empty mask, cluster 0's
					 * bits above our CPUs; xAPIC flat: mask 0. */
					dest = !x2 ? 0 : id < 16 ? (1u << id) << 16 | 0xffff
						 : id == 16 ? 0xffff0000u : 0xffffu & ~((1u << ncpu) - 1);
				}
				apic_icr_write(b->mode | (b->mode == APIC_DM_NMI ? 0 : VEC_TEST), dest);
				n++;
				if (pass == 1) {             /* searching: one at a time */
					udelay(2000);
					if (total_count(VEC_TEST, VEC_TEST) + total_count(2, 2) != before) {
						guilty = dest;
						break;
					}
				}
			}
			udelay(20000);
			if (pass == 0 && total_count(VEC_TEST, VEC_TEST) + total_count(2, 2) == before)
				break;
			before = total_count(VEC_TEST, VEC_TEST) + total_count(2, 2);
		}
		sent += n;
		char why[64] = "";
		if (guilty != ~0ull)
			snprintf(why, sizeof(why), "; destination %#llx reached a CPU",
				 (unsigned long long)guilty);
		report(guilty == ~0ull, "%s (%s, %u sent): nothing arrives anywhere%s", b->what,
		       x2 ? "x2APIC" : "xAPIC", n, why);
	}
	/* Nothing left over for the checks below. */
	for (unsigned i = 0; i < ncpu; i++)
		for (unsigned v = 0; v < 256; v++)
			WRITE_ONCE(irq_count[cpu_at[i]][v], 0);
	for (unsigned i = 0; i < ncpu; i++)
		nmi_count[cpu_at[i]] = 0;
	report_info("%u IPIs to nonexistent destinations sent", sent);

	/* Vectors 0-15: ESR "send illegal vector", nothing delivered (a
	 * delivered one would be taken as an exception and end the run). */
	unsigned esr_ok = 0, tries = 0;
	for (unsigned v = 0; v < 16; v++) {
		u32 kinds[] = { APIC_DM_FIXED, APIC_DEST_SELF | APIC_DM_FIXED, APIC_DEST_ALLBUT | APIC_DM_FIXED,
				APIC_DEST_ALLINC | APIC_DM_FIXED };
		for (unsigned k = 0; k < ARRAY_SIZE(kinds); k++) {
			u32 dest = k == 0 ? cpu_apic_id(cpu_at[ncpu - 1]) : 0;
			apic_write(APIC_ESR, 0);
			apic_icr_write(kinds[k] | v, dest);
			apic_write(APIC_ESR, 0);                /* latch */
			esr_ok += !!(apic_read(APIC_ESR) & APIC_ESR_SEND_ILLEGAL);
			tries++;
		}
		if (x2) {
			apic_write(APIC_ESR, 0);
			wrmsr(X2APIC_MSR(APIC_SELF_IPI), v);
			apic_write(APIC_ESR, 0);
			esr_ok += !!(apic_read(APIC_ESR) & APIC_ESR_SEND_ILLEGAL);
			tries++;
		}
	}
	udelay(20000);
	report(esr_ok == tries, "IPIs of vectors 0-15: ESR send-illegal-vector set %u of %u times", esr_ok,
	       tries);
	report(total_count(0x20, 0xff) == 0 && total_count(2, 2) == 0,
	       "...and none was delivered (%llu interrupts seen)", (unsigned long long)total_count(0x20, 0xff));
	apic_write(APIC_ESR, 0);
	check_ipis_work("IPIs to nowhere and illegal vectors");
}

/* ---- storm, irqoff, triple-fault --------------------------------------------- */

static volatile bool stop_storm;
static u64 storm_sent[MAX_CPUS];

static u64 received_by(unsigned cpu);

/* Send to every CPU in @mask, itself too, as fast as possible. The BSP
 * prints a progress line every second: the runner checks the storm still
 * flows at the end. */
static void storm(const struct cpumask *mask, bool shorthand)
{
	unsigned me = smp_id(), cpu, i = 0, secs = 0;
	u64 t0 = rdtsc(), next = t0 + tsc_cycles_from_us(1000000);

	while (!READ_ONCE(stop_storm)) {
		if (me == 0 && rdtsc() >= next) {
			u64 sent = 0, recv = 0;
			for (unsigned k = 0; k < ncpu; k++) {
				sent += READ_ONCE(storm_sent[cpu_at[k]]);
				recv += received_by(cpu_at[k]);
			}
			printf("hostile-progress: %us sent=%llu received=%llu\n", ++secs,
			       (unsigned long long)sent, (unsigned long long)recv);
			next += tsc_cycles_from_us(1000000);
		}
		for_each_cpu(cpu, mask) {
			ipi_send(cpu, VEC_TEST + (i++ & 7));
			storm_sent[me]++;
		}
		if (shorthand && !(i & 15)) {
			apic_icr_write(APIC_DEST_ALLINC | APIC_DM_FIXED | (VEC_TEST + 2), 0);
			storm_sent[me]++;
		}
	}
}

static void storm_all(void *arg)
{
	(void)arg;
	sti();
	storm(&cpu_online_mask, true);
}

static u64 received_by(unsigned cpu)
{
	u64 n = 0;

	for (unsigned v = VEC_TEST; v < VEC_TEST + 8; v++)
		n += count_of(cpu, v);
	return n;
}

static void run_forever(const char *what)
{
	printf("hostile: %s: running until the VMM stops us\n", what);
	for (;;)
		safe_halt();
}

static void mode_storm(void)
{
	for (unsigned i = 1; i < ncpu; i++)
		on_cpu_async(cpu_at[i], storm_all, NULL);
	/* The BSP storms too, but looks up once everybody is in (or after
	 * TIMEOUT_US) to report. */
	u64 end = rdtsc() + tsc_cycles_from_us(TIMEOUT_US);
	unsigned cpu, i = 0;
	bool all = false;
	sti();
	while (!all && rdtsc() < end) {
		for_each_cpu(cpu, &cpu_online_mask) {
			ipi_send(cpu, VEC_TEST + (i++ & 7));
			storm_sent[0]++;
		}
		all = true;
		for (unsigned k = 0; k < ncpu; k++)
			all &= received_by(cpu_at[k]) > 0 && READ_ONCE(storm_sent[cpu_at[k]]) > 0;
	}
	report(all, "every CPU sends and receives (cpu0 sent %llu, received %llu)",
	       (unsigned long long)storm_sent[0], (unsigned long long)received_by(0));
	printf("hostile: storm: running until the VMM stops us\n");
	storm(&cpu_online_mask, !ipi_via_xive());
}

static volatile bool spinning;

static void spin_irqs_off(void *arg)
{
	(void)arg;
	cli();
	WRITE_ONCE(spinning, true);
	for (;;)
		pause();
}

static void storm_victim(void *arg)
{
	struct cpumask m;

	cpumask_clear(&m);
	cpumask_set(&m, (unsigned)(uintptr_t)arg);
	sti();
	storm(&m, false);
}

static void mode_irqoff(void)
{
	unsigned victim = cpu_at[1];

	on_cpu_async(victim, spin_irqs_off, NULL);
	if (!wait_until(READ_ONCE(spinning), TIMEOUT_US))
		report_abort("cpu %u did not start spinning", victim);
	for (unsigned i = 2; i < ncpu; i++)
		on_cpu_async(cpu_at[i], storm_victim, (void *)(uintptr_t)victim);
	u64 end = rdtsc() + tsc_cycles_from_us(500000);
	while (rdtsc() < end) {
		ipi_send(victim, VEC_TEST);
		storm_sent[0]++;
	}
	u64 sent = 0;
	for (unsigned i = 0; i < ncpu; i++)
		sent += storm_sent[cpu_at[i]];
	report(received_by(victim) == 0 && sent > 0,
	       "cpu %u with IF=0 took none of the %llu IPIs sent to it (%llu)", victim,
	       (unsigned long long)sent, (unsigned long long)received_by(victim));
	printf("hostile: irqoff: running until the VMM stops us\n");
	struct cpumask m;
	cpumask_clear(&m);
	cpumask_set(&m, victim);
	storm(&m, false);
}

/* ---- init-random ------------------------------------------------------------------ */

#define INIT_DEASSERT (APIC_DM_INIT | APIC_INT_LEVELTRIG) /* level 0 */

/*
 * One random sequence to @cpu; returns whether it leaves the AP waiting
 * for SIPI (an INIT came after the last SIPI that started it).
 */
static bool init_sequence(unsigned cpu, u64 r)
{
	u32 id = cpu_apic_id(cpu);
	bool waiting = false;

	switch (r % 6) {
	case 0: /* INIT alone */
		smp_send_init(id);
		waiting = true;
		break;
	case 1: /* INIT, SIPI */
		smp_send_init(id);
		smp_send_sipi(id);
		break;
	case 2: /* INIT, SIPI, SIPI: the second is ignored */
		smp_send_init(id);
		smp_send_sipi(id);
		smp_send_sipi(id);
		break;
	case 3: /* INIT, INIT, SIPI: one start */
		smp_send_init(id);
		smp_send_init(id);
		smp_send_sipi(id);
		break;
	case 4: /* SIPI to a running AP: ignored */
		smp_send_sipi(id);
		break;
	default: /* the INIT level de-assert: reaches nobody */
		apic_icr_write(INIT_DEASSERT, id);
		break;
	}
	return waiting;
}

static void mode_init_random(void)
{
	u64 s = seed * 0x9e3779b97f4a7c15ull + 7;
	unsigned starts = 0, rounds_done = 0;
	bool ok = true;

	for (unsigned long r = 0; r < rounds * 20 && ok; r++) {
		u64 v = rand_next(&s);
		unsigned cpu = cpu_at[1 + (unsigned)(v >> 8) % (ncpu - 1)];
		unsigned boots = smp_boot_count(cpu);
		unsigned kind = (unsigned)(v >> 32) % 6;
		bool stops = kind <= 3;

		on_cpu(cpu, nop, NULL); /* idle, its queue empty */
		if (stops)
			smp_cpu_offline(cpu);
		bool waiting = init_sequence(cpu, kind);
		if (waiting)
			smp_send_sipi(cpu_apic_id(cpu));
		if (stops) {
			ok = smp_wait_online(cpu, boots, TIMEOUT_US);
			ok = ok && smp_boot_count(cpu) == boots + 1;
			starts++;
		} else {
			udelay(2000);
			ok = smp_boot_count(cpu) == boots && cpu_online(cpu);
		}
		if (!ok || arg_has("verbose"))
			report_info("round %lu: sequence %u to cpu %u: boot count %u -> %u, online %d",
				    r, kind, cpu, boots, smp_boot_count(cpu), cpu_online(cpu));
		rounds_done++;
	}
	report(ok, "%u random INIT/SIPI sequences to %u APs: %u restarts, each exactly once",
	       rounds_done, ncpu - 1, starts);
	check_ipis_work("random INIT/SIPI");
}

/* ---- ioapic-random, level-storm -------------------------------------------------- */

#define IOAPIC_BASE 0xfec00000ull
#define VEC_IO_CHECK 0x68
#define LINE_CHECK 14

static volatile u32 *const io_win = (volatile u32 *)(uintptr_t)IOAPIC_BASE;

/*
 * Any 32-bit value bound for IOWIN, made safe for this kernel whichever
 * register a racing IOREGSEL write makes it land in: its low byte (a
 * redirection entry's vector) is 0x20-0xdf, clear of the exception vectors
 * (an external interrupt on one that has an error code would wreck the
 * stack) and of the library's own; delivery mode INIT (the guest would
 * stop itself) becomes fixed.
 */
static u32 safe_win(u32 v)
{
	u32 vector = 0x20 + (v & 0xff) % 0xc0;

	if (((v >> 8) & 7) == 5)
		v &= ~(7u << 8);
	return (v & ~0xffu) | vector;
}

static volatile u32 io_garbage_done;

static void ioapic_garbage_cpu(void *arg)
{
	unsigned rank = (unsigned)(uintptr_t)arg;
	u64 s = seed * 0x9e3779b97f4a7c15ull + rank + 101;
	struct garbage_stats *g = &gstats[rank];
	volatile u8 *win = (volatile u8 *)(uintptr_t)IOAPIC_BASE;

	sti();
	for (unsigned long r = 0; r < rounds * 2000; r++) {
		u64 v = rand_next(&s);
		unsigned off = (unsigned)(v >> 32) & 0xfff;

		switch (v & 7) {
		case 0: /* any offset, any width */
			switch ((v >> 3) & 3) {
			case 0: win[off] = (u8)(v >> 8); break;
			case 1: *(volatile u16 *)(win + (off & ~1u)) = (u16)(v >> 8); break;
			case 2: *(volatile u32 *)(win + (off & ~3u)) = safe_win((u32)(v >> 8)); break;
			default: (void)*(volatile u32 *)(win + (off & ~3u)); g->reads++; break;
			}
			break;
		case 1: { /* a whole redirection entry */
			unsigned pin = (unsigned)(v >> 8) % IOAPIC_NR_PINS;
			u64 rte = rand_next(&s);
			ioapic_write(io_win, IOAPIC_REDTBL(pin) + 1, safe_win((u32)(rte >> 32)));
			ioapic_write(io_win, IOAPIC_REDTBL(pin), safe_win((u32)rte));
			break;
		}
		case 2: /* any indirect register */
			ioapic_write(io_win, (u8)(v >> 8), safe_win((u32)(v >> 16)));
			break;
		case 3:
			(void)ioapic_read(io_win, (u8)(v >> 8));
			g->reads++;
			break;
		case 4: /* the EOI register */
			ioapic_eoi_reg(io_win, (u8)(v >> 8));
			break;
		default: /* a line up or down */
			testdev_set_line((unsigned)(v >> 8) % IOAPIC_NR_PINS, (v >> 16) & 1);
			break;
		}
		g->writes++;
	}
	atomic_inc(&io_garbage_done);
	while (READ_ONCE(io_garbage_done) < ncpu)
		pause();
	/* Whatever is still in service here: EOI it. */
	for (unsigned n = 0; n < 256; n++)
		apic_eoi();
	cli();
}

static void mode_ioapic_random(void)
{
	gstats = zalloc(ncpu * sizeof(*gstats), 64);
	on_all_cpus(ioapic_garbage_cpu);
	u64 w = 0, r = 0, irqs = 0, nmis = 0;
	for (unsigned i = 0; i < ncpu; i++) {
		w += gstats[i].writes;
		r += gstats[i].reads;
		nmis += nmi_count[cpu_at[i]];
		for (unsigned v = 0; v < 256; v++)
			irqs += count_of(cpu_at[i], v);
	}
	report_info("%llu accesses, %llu reads; %llu interrupts and %llu NMIs taken from random "
		    "entries (%lu rounds, seed %llu)", (unsigned long long)w, (unsigned long long)r,
		    (unsigned long long)irqs, (unsigned long long)nmis, rounds,
		    (unsigned long long)seed);
	/* Quiet the chip: every entry masked, every line low, EOIs for all. */
	for (unsigned pin = 0; pin < IOAPIC_NR_PINS; pin++) {
		ioapic_write(io_win, IOAPIC_REDTBL(pin), RTE_MASKED);
		testdev_set_line(pin, 0);
	}
	for (unsigned v = 0x10; v < 0x100; v++)
		ioapic_eoi_reg(io_win, v);
	ioapic_write(io_win, IOAPIC_REG_ID, 0);
	u32 ver = ioapic_read(io_win, IOAPIC_REG_VER);
	report((ver & 0xff) == 0x20 && (ver >> 16 & 0xff) == 23,
	       "I/O APIC still answers: version %#x", ver);
	sti();
	udelay(10000);
	u64 before = count_of(smp_id(), VEC_IO_CHECK);
	ioapic_write(io_win, IOAPIC_REDTBL(LINE_CHECK) + 1, apic_id() << 24);
	ioapic_write(io_win, IOAPIC_REDTBL(LINE_CHECK), VEC_IO_CHECK);
	testdev_set_line(LINE_CHECK, 1);
	bool got = wait_until(count_of(smp_id(), VEC_IO_CHECK) >= before + 1, TIMEOUT_US);
	udelay(10000);
	testdev_set_line(LINE_CHECK, 0);
	ioapic_write(io_win, IOAPIC_REDTBL(LINE_CHECK), RTE_MASKED);
	report(got && count_of(smp_id(), VEC_IO_CHECK) == before + 1,
	       "after the garbage, an edge on line %u arrives exactly once", LINE_CHECK);
	check_ipis_work("random I/O APIC writes");
}

#define VEC_LEVEL_STORM 0x48 /* below VEC_TEST: IPIs still get through */
#define LINE_STORM 15

/* EOI, never quiet the device: the I/O APIC sends it again at once. */
static void level_storm_irq(struct trap_regs *r)
{
	irq_count[smp_id()][r->vector & 0xff]++;
	apic_eoi();
}

static void mode_level_storm(void)
{
	unsigned victim = cpu_at[1];

	handle_irq(VEC_LEVEL_STORM, level_storm_irq);
	ioapic_write(io_win, IOAPIC_REDTBL(LINE_STORM) + 1, cpu_apic_id(victim) << 24);
	ioapic_write(io_win, IOAPIC_REDTBL(LINE_STORM), RTE_LEVEL | VEC_LEVEL_STORM);
	testdev_set_line(LINE_STORM, 1);
	sti();
	bool many = wait_until(count_of(victim, VEC_LEVEL_STORM) >= 1000, TIMEOUT_US);
	report(many, "cpu %u: a level interrupt EOIed while asserted comes back (%llu so far)",
	       victim, (unsigned long long)count_of(victim, VEC_LEVEL_STORM));
	check_ipis_work("a level storm on cpu 1");
	printf("hostile: level-storm: running until the VMM stops us\n");
	/* This CPU's own IPIs keep flowing, and it says so each second. */
	u64 next = rdtsc() + tsc_cycles_from_us(1000000), sent = 0;
	unsigned secs = 0;
	for (;;) {
		ipi_send(smp_id(), VEC_TEST + 3);
		sent++;
		udelay(100);
		if (rdtsc() >= next) {
			printf("hostile-progress: %us sent=%llu received=%llu victim_irqs=%llu\n", ++secs,
			       (unsigned long long)sent, (unsigned long long)count_of(smp_id(), VEC_TEST + 3),
			       (unsigned long long)count_of(victim, VEC_LEVEL_STORM));
			next += tsc_cycles_from_us(1000000);
		}
	}
}

static void triple_fault(void *arg)
{
	static const struct { u16 limit; u64 base; } __attribute__((packed)) empty = { 0, 0 };

	(void)arg;
	udelay(300000);                 /* while the others storm */
	printf("hostile: triple-fault: cpu %u loads an empty IDT and executes ud2\n", smp_id());
	__asm__ __volatile__("cli; lidt %0; ud2" : : "m"(empty));
}

static void mode_triple_fault(void)
{
	struct cpumask others;

	cpumask_clear(&others);
	for (unsigned i = 0; i + 1 < ncpu; i++)
		cpumask_set(&others, cpu_at[i]);
	on_cpu_async(cpu_at[ncpu - 1], triple_fault, NULL);
	for (unsigned i = 1; i + 1 < ncpu; i++)
		on_cpu_async(cpu_at[i], storm_all, NULL);
	sti();
	printf("hostile: triple-fault: running until the VMM stops us\n");
	storm(&others, false);
}

/* A periodic APIC timer of the shortest period the registers can say (one
 * bus tick, divide by 1) on every CPU: the VMM's timer path at full tilt. */
static void timer_storm_cpu(void *arg)
{
	(void)arg;
	apic_write(APIC_TDCR, 0xb);                 /* divide by 1 */
	apic_write(APIC_LVTT, APIC_LVT_TIMER_PERIODIC | (VEC_TEST + 4));
	apic_write(APIC_TMICT, 1);
	for (;;)
		safe_halt();
}

static void mode_timer_storm(void)
{
	for (unsigned i = 1; i < ncpu; i++)
		on_cpu_async(cpu_at[i], timer_storm_cpu, NULL);
	apic_write(APIC_TDCR, 0xb);
	apic_write(APIC_LVTT, APIC_LVT_TIMER_PERIODIC | (VEC_TEST + 4));
	apic_write(APIC_TMICT, 1);
	sti();
	bool all = false;
	u64 t0 = rdtsc(), end = t0 + tsc_cycles_from_us(TIMEOUT_US);
	while (!all && rdtsc() < end) {
		all = true;
		for (unsigned i = 0; i < ncpu; i++)
			all &= count_of(cpu_at[i], VEC_TEST + 4) > 0;
	}
	report(all, "every CPU takes timer interrupts (cpu0: %llu in the first %llu us)",
	       (unsigned long long)count_of(0, VEC_TEST + 4),
	       (unsigned long long)tsc_us_from_cycles(rdtsc() - t0));
	run_forever("timer-storm");
}

/* ---- no-eoi -------------------------------------------------------------------- */

static volatile bool hold_taken;

static void hold_irq(struct trap_regs *r)
{
	(void)r;
	irq_count[smp_id()][VEC_HIGH]++;
	WRITE_ONCE(hold_taken, true);
	/* No EOI: 0x80 stays in service for the rest of the run. */
}

static volatile bool flood_done;

static void victim_checks(void *arg)
{
	(void)arg;
	sti();
	while (!READ_ONCE(flood_done))
		pause();
	udelay(20000);
	u32 ppr = apic_read(APIC_PPR);
	bool isr = apic_isr(VEC_HIGH), irr = apic_irr(VEC_LOW1) && apic_irr(VEC_LOW2) &&
					       apic_irr(VEC_SAME) && apic_irr(VEC_HIGH);
	report(isr && irr && (ppr & 0xf0) == 0x80,
	       "cpu %u: 0x80 in service (%d), 0x60 0x70 0x81 0x80 pending in IRR (%d), PPR %#x",
	       smp_id(), isr, irr, ppr);
	report(count_of(smp_id(), VEC_LOW1) == 0 && count_of(smp_id(), VEC_LOW2) == 0 &&
		       count_of(smp_id(), VEC_SAME) == 0 && count_of(smp_id(), VEC_HIGH) == 1,
	       "nothing of lower or equal class was delivered while 0x80 is in service "
	       "(0x60 %llu, 0x70 %llu, 0x81 %llu, 0x80 %llu)",
	       (unsigned long long)count_of(smp_id(), VEC_LOW1),
	       (unsigned long long)count_of(smp_id(), VEC_LOW2),
	       (unsigned long long)count_of(smp_id(), VEC_SAME),
	       (unsigned long long)count_of(smp_id(), VEC_HIGH));
	run_forever("no-eoi");
}

static void mode_no_eoi(void)
{
	unsigned victim = cpu_at[1];

	if (ipi_via_xive()) {
		report_skip("no-eoi: an APIC test (run with \"apic\")");
		return;
	}
	handle_irq(VEC_HIGH, hold_irq);
	on_cpu_async(victim, victim_checks, NULL);
	apic_send_ipi(cpu_apic_id(victim), VEC_HIGH);
	if (!wait_until(READ_ONCE(hold_taken), TIMEOUT_US))
		report_abort("cpu %u never took vector 0x80", victim);
	for (unsigned i = 0; i < 400; i++) {
		static const u8 vecs[] = { VEC_LOW1, VEC_LOW2, VEC_SAME, VEC_HIGH };
		apic_send_ipi(cpu_apic_id(victim), vecs[i & 3]);
	}
	WRITE_ONCE(flood_done, true);
	/* Every CPU halts from here on, the victim with 0x80 in service and
	 * four vectors pending: the VMM has nothing to do and must not spin. */
	for (;;)
		safe_halt();
}

/* ---------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	const char *mode = arg_value("mode");
	unsigned cpu;

	(void)argc;
	(void)argv;
	rounds = arg_ulong("rounds", 3);
	seed = arg_ulong("seed", 1);
	for_each_cpu(cpu, &cpu_online_mask)
		cpu_at[ncpu++] = cpu;
	install_counters();
	if (!mode)
		report_abort("hostile: mode= is missing");
	report_prefix_push(mode);
	bool need2 = strcmp(mode, "apic-random") && strcmp(mode, "xive-random") && strcmp(mode, "bad-ipi") &&
		     strcmp(mode, "ioapic-random");
	if (need2 && ncpu < 2)
		report_abort("mode=%s needs 2 or more CPUs", mode);
	if (!strcmp(mode, "apic-random"))
		mode_apic_random();
	else if (!strcmp(mode, "xive-random"))
		mode_xive_random();
	else if (!strcmp(mode, "xive-no-eoi"))
		mode_xive_no_eoi();
	else if (!strcmp(mode, "bad-ipi"))
		mode_bad_ipi();
	else if (!strcmp(mode, "storm"))
		mode_storm();
	else if (!strcmp(mode, "timer-storm"))
		mode_timer_storm();
	else if (!strcmp(mode, "no-eoi"))
		mode_no_eoi();
	else if (!strcmp(mode, "irqoff"))
		mode_irqoff();
	else if (!strcmp(mode, "triple-fault") && ncpu >= 2)
		mode_triple_fault();
	else if (!strcmp(mode, "ioapic-random"))
		mode_ioapic_random();
	else if (!strcmp(mode, "init-random"))
		mode_init_random();
	else if (!strcmp(mode, "level-storm"))
		mode_level_storm();
	else
		report_abort("unknown mode=%s", mode);
	report_prefix_pop();
	return report_summary();
}
