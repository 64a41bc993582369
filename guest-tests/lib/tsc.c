// SPDX-License-Identifier: MIT
/*
 * tsc.c - the TSC rate from each source (tsc.h), and the BSP's choice.
 *
 * The two measurements count TSC cycles across about 20 ms of a reference
 * clock. Only the two ends matter (a delay in between changes nothing), so
 * each end is bracketed by rdtsc and a measurement whose ends are known to
 * worse than 0.2% (a vCPU preempted right there) is taken again.
 */
#include "acpi.h"
#include "kvm_para.h"
#include "string.h"
#include "tsc.h"

#define PIT_HZ 1193182ull
#define PM_TIMER_HZ 3579545ull
#define PM_TIMER_MASK 0xffffffu
#define CAL_MS 20
#define CAL_TRIES 5
#define CAL_MAX_ERR 500          /* ends known to 1/500 of the window */
#define CAL_MAX_POLLS 20000000u  /* a reference that never gets there */


static u64 khz = 2000000;          /* only if nothing below answers */
static const char *source = "guess";

static const char *const names[TSC_SRC_NR] = {
	[TSC_SRC_CPUID15] = "cpuid15", [TSC_SRC_CPUID16] = "cpuid16",
	[TSC_SRC_HV] = "hv",           [TSC_SRC_KVMCLOCK] = "kvmclock",
	[TSC_SRC_PIT] = "pit",         [TSC_SRC_PMTIMER] = "pmtimer",
};

const char *tsc_source_name(enum tsc_source src)
{
	return (unsigned)src < TSC_SRC_NR ? names[src] : "?";
}

bool tsc_source_measured(enum tsc_source src)
{
	return src == TSC_SRC_PIT || src == TSC_SRC_PMTIMER;
}

static bool from_cpuid15(u64 *out)
{
	struct cpuid r;

	if (cpuid(0).a < 0x15)
		return false;
	r = cpuid(0x15);                 /* TSC = crystal * EBX / EAX */
	if (!r.a || !r.b || !r.c)
		return false;
	*out = (u64)r.c * r.b / r.a / 1000;
	return true;
}

static bool from_cpuid16(u64 *out)
{
	u32 mhz;

	if (cpuid(0).a < 0x16)
		return false;
	mhz = cpuid(0x16).a & 0xffff;
	if (!mhz)
		return false;
	*out = (u64)mhz * 1000;
	return true;
}

static bool from_hv(u64 *out)
{
	u32 k;

	if (!hypervisor_leaf(0x40000010))
		return false;
	k = cpuid(0x40000010).a;
	if (!k)
		return false;
	*out = k;
	return true;
}

/* KVM's per-vCPU time page (Linux's struct pvclock_vcpu_time_info). */
struct pvclock_vcpu_time_info {
	u32 version;
	u32 pad0;
	u64 tsc_timestamp;
	u64 system_time;
	u32 tsc_to_system_mul;
	signed char tsc_shift;
	u8 flags;
	u8 pad[2];
} __attribute__((packed));

/* 32-byte aligned: inside one page, as the MSR requires. */
static volatile struct pvclock_vcpu_time_info pvti __attribute__((aligned(32)));

/*
 * kvmclock: scaled ns = (tsc * mul) >> 32, shifted by tsc_shift first, so
 * kHz = 10^6 * 2^32 / mul, shifted the other way (Linux's
 * pvclock_tsc_khz()). The page is filled in when the MSR is written, and
 * switched off again afterwards.
 */
static bool from_kvmclock(u64 *out)
{
	u32 version = 0, mul = 0;
	int shift = 0;
	u64 k;

	if (!kvm_para_has_feature(KVM_FEATURE_CLOCKSOURCE2))
		return false;
	memset((void *)&pvti, 0, sizeof(pvti));
	if (wrmsr_safe(MSR_KVM_SYSTEM_TIME_NEW, (u64)(uintptr_t)&pvti | 1))
		return false;
	for (int i = 0; i < 1000; i++) {  /* odd version: being updated */
		version = pvti.version;
		__asm__ __volatile__("" ::: "memory");
		mul = pvti.tsc_to_system_mul;
		shift = pvti.tsc_shift;
		__asm__ __volatile__("" ::: "memory");
		if (version && !(version & 1) && version == pvti.version)
			break;
		version = 0;
		pause();
	}
	wrmsr_safe(MSR_KVM_SYSTEM_TIME_NEW, 0);
	if (!version || !mul)
		return false;
	k = (1000000ull << 32) / mul;
	k = shift < 0 ? k << -shift : k >> shift;
	if (!k)
		return false;
	*out = k;
	return true;
}

/* One try: TSC cycles across a window, and how well its ends are known. */
struct cal {
	u64 cycles, err;
};

/*
 * Linux's pit_calibrate_tsc(): channel 2 gated on through port 0x61 (the
 * speaker off), mode 0 counting down CAL_MS, its OUT polled at port 0x61
 * bit 5. Counting starts at the write of the count's MSB and the edge
 * falls between the last low and the first high poll.
 */
static bool pit_once(u64 latch, struct cal *c)
{
	u64 w0, w1, t_prev, t_low, t_high = 0;
	u8 saved = inb(0x61);
	unsigned n;

	outb(0x61, (u8)((saved & ~0x02) | 0x01));
	outb(0x43, 0xb0);                /* channel 2, LSB then MSB, mode 0 */
	outb(0x42, (u8)latch);
	w0 = rdtsc();
	outb(0x42, (u8)(latch >> 8));
	w1 = t_prev = t_low = rdtsc();
	if (inb(0x61) & 0x20) {          /* OUT high already: no PIT here */
		outb(0x61, saved & 0x0f);
		return false;
	}
	for (n = 0; n < CAL_MAX_POLLS; n++) {
		bool high = inb(0x61) & 0x20;
		u64 t = rdtsc();

		if (high) {
			t_high = t;
			break;
		}
		t_prev = t_low;
		t_low = t;
	}
	outb(0x61, saved & 0x0f);
	if (n == CAL_MAX_POLLS)
		return false;
	/* Start: mid-write; end: t_low, off by at most a poll either side. */
	c->cycles = t_low - (w0 + (w1 - w0) / 2);
	c->err = (w1 - w0) / 2 +
		 (t_high - t_low > t_low - t_prev ? t_high - t_low : t_low - t_prev);
	return c->cycles != 0;
}

/* A PM timer reading and the TSC at it, best of a few (fewest cycles). */
static void pm_sample(u16 port, u32 *pm, u64 *tsc, u64 *err)
{
	*err = ~0ull;
	*pm = 0;
	*tsc = 0;
	for (int i = 0; i < 4; i++) {
		u64 a = rdtsc();
		u32 v = inl(port) & PM_TIMER_MASK;
		u64 b = rdtsc();

		if (b - a < *err) {
			*err = b - a;
			*pm = v;
			*tsc = a + (b - a) / 2;
		}
	}
}

static bool pm_once(u16 port, struct cal *c, u32 *ticks)
{
	u32 pm0, pm1, seen, last;
	u64 t0, t1, e0, e1;
	unsigned n, same = 0;

	pm_sample(port, &pm0, &t0, &e0);
	last = pm0;
	for (n = 0; n < CAL_MAX_POLLS; n++) {
		u32 v = inl(port) & PM_TIMER_MASK;

		if (v == last && ++same > 1000000)
			return false;    /* a timer that does not run */
		if (v != last)
			same = 0;
		last = v;
		seen = (v - pm0) & PM_TIMER_MASK;
		if (seen >= PM_TIMER_HZ * CAL_MS / 1000)
			break;
	}
	if (n == CAL_MAX_POLLS)
		return false;
	pm_sample(port, &pm1, &t1, &e1);
	*ticks = (pm1 - pm0) & PM_TIMER_MASK;
	c->cycles = t1 - t0;
	c->err = e0 / 2 + e1 / 2;
	return *ticks != 0;
}

/*
 * Up to CAL_TRIES windows; the first with well-known ends wins, else the
 * best. @src: TSC_SRC_PIT or TSC_SRC_PMTIMER.
 */
static bool measure(enum tsc_source src, u64 *out)
{
	const u64 latch = PIT_HZ * CAL_MS / 1000;
	u16 port = acpi_pm_timer();
	u64 best_khz = 0, best_err = 0, best_cycles = 1;
	u64 flags = irq_save();

	for (int i = 0; i < CAL_TRIES; i++) {
		struct cal c;
		u32 ticks = 0;
		u64 k;

		if (src == TSC_SRC_PIT) {
			if (!pit_once(latch, &c))
				break;
			k = c.cycles * PIT_HZ / (latch * 1000);
		} else {
			if (!port || !pm_once(port, &c, &ticks))
				break;
			k = c.cycles * PM_TIMER_HZ / ticks / 1000;
		}
		/* Keep the try with the smallest err / cycles. */
		if (k && (!best_khz || c.err * best_cycles < best_err * c.cycles)) {
			best_khz = k;
			best_err = c.err;
			best_cycles = c.cycles;
		}
		if (c.err * CAL_MAX_ERR <= c.cycles)
			break;
	}
	irq_restore(flags);
	if (!best_khz)
		return false;
	*out = best_khz;
	return true;
}

bool tsc_khz_from(enum tsc_source src, u64 *out)
{
	switch (src) {
	case TSC_SRC_CPUID15:
		return from_cpuid15(out);
	case TSC_SRC_CPUID16:
		return from_cpuid16(out);
	case TSC_SRC_HV:
		return from_hv(out);
	case TSC_SRC_KVMCLOCK:
		return from_kvmclock(out);
	case TSC_SRC_PIT:
	case TSC_SRC_PMTIMER:
		return measure(src, out);
	default:
		return false;
	}
}

void tsc_init(void)
{
	for (enum tsc_source s = 0; s < TSC_SRC_NR; s++) {
		u64 k;

		if (tsc_khz_from(s, &k) && k) {
			khz = k;
			source = tsc_source_name(s);
			return;
		}
	}
}

u64 tsc_khz(void) { return khz; }
const char *tsc_khz_source(void) { return source; }
u64 tsc_cycles_from_us(u64 us) { return us * khz / 1000; }
u64 tsc_us_from_cycles(u64 c) { return c * 1000 / khz; }
u64 tsc_ns_from_cycles(u64 c) { return c * 1000000 / khz; }

void udelay(u64 us)
{
	u64 end = rdtsc() + tsc_cycles_from_us(us);

	while (rdtsc() < end)
		pause();
}
