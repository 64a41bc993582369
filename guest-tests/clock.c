// SPDX-License-Identifier: MIT
/*
 * clock - every way this machine tells the TSC rate, and the two clock
 * devices a guest measures it against:
 * - each source of tsc.h that is present gives its kHz ("clock:
 *   source=pit khz=..."; measured ones: the median of 5) and all agree;
 * - the 8254 PIT as Linux drives it: channel 2 gated through port 0x61 in
 *   mode 0 with OUT at port 0x61 bit 5, the counter latch and read-back
 *   commands (each latching once), the read flip-flop and the one-byte
 *   access modes, quick_pit_calibrate()'s walk down the MSB, port 0x61's
 *   gate and refresh bits, and garbage at every port doing no harm;
 * - the ACPI PM timer: 24 bits, never backwards.
 *
 * Only what holds on a PC, ipivirt, QEMU TCG and QEMU + KVM is checked
 * here: QEMU's PIT (and KVM's in-kernel one) count through GATE low in
 * modes 0/4 and have OUT inverted in modes 1, 2, 4 and 5, so those modes
 * are tested against the model itself (tests/unit/test_pit.c).
 *
 * Command line: "need=LIST" (e.g. need=pit,pmtimer) makes an absent
 * source a failure instead of a skip.
 */
#include "acpi.h"
#include "libtest.h"
#include "rand.h"

#define PIT_HZ 1193182ull
#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORTB 0x61
#define PORTB_GATE2 0x01
#define PORTB_SPEAKER 0x02
#define PORTB_REFRESH 0x10
#define PORTB_OUT2 0x20
#define CMD_CH2_MODE0 0xb0   /* channel 2, LSB then MSB, mode 0, binary */
#define CMD_CH2_LATCH 0x80
#define CMD_RB_CH2 0xc8      /* read-back: count and status of channel 2 */
#define CMD_RB_CH2_STATUS 0xe8
#define PM_TIMER_MASK 0xffffffu

/*
 * Agreement within 2%. A measurement's two ends are known to 0.2% of its
 * 20 ms window or it is taken again (tsc.c); the median of 5 drops a window
 * a preempted vCPU spoiled anyway; counting 23864 PIT or 71591 PM timer
 * ticks quantizes to 0.005%; a port read costs ~3 us on this host's
 * emulating KVM (0.015% of the window) and less elsewhere. Announced rates
 * are exact (cpuid16 to 1 MHz: 0.1% at 1 GHz). So honest sources differ by
 * well under 0.5%, and 2% still catches a wrong rate (a PIT at the PM
 * timer's 3.58 MHz is off 3x, BCD counting taken as binary 1.6x).
 */
#define AGREE_PERCENT 2
#define MEASURE_RUNS 5

static u64 source_khz[TSC_SRC_NR];
static bool source_ok[TSC_SRC_NR];

static u64 spread_permille(u64 lo, u64 hi)
{
	return lo ? (hi - lo) * 1000 / lo : ~0ull;
}

static void sort(u64 *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j && v[j - 1] > v[j]; j--) {
			u64 t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* One source: absent (skip, or fail when needed), else its kHz. */
static void check_source(enum tsc_source s)
{
	const char *name = tsc_source_name(s);
	unsigned n = tsc_source_measured(s) ? MEASURE_RUNS : 1;
	u64 v[MEASURE_RUNS];

	if (!tsc_khz_from(s, &v[0])) {
		printf("clock: source=%s absent\n", name);
		if (arg_list_has("need", name))
			report(false, "%s: present (need=%s)", name, name);
		else
			report_skip("%s: absent on this machine", name);
		return;
	}
	for (unsigned i = 1; i < n; i++)
		if (!tsc_khz_from(s, &v[i])) {
			report(false, "%s: measurement %u of %u failed", name, i + 1, n);
			return;
		}
	sort(v, n);
	source_khz[s] = v[n / 2];
	source_ok[s] = true;
	if (n > 1)
		printf("clock: source=%s khz=%llu (median of %u: %llu..%llu)\n", name,
		       (unsigned long long)v[n / 2], n, (unsigned long long)v[0],
		       (unsigned long long)v[n - 1]);
	else
		printf("clock: source=%s khz=%llu\n", name, (unsigned long long)v[0]);
	report(v[n / 2] >= 100000 && v[n / 2] <= 20000000, "%s: %llu kHz is a TSC rate",
	       name, (unsigned long long)v[n / 2]);
}

static void check_sources(void)
{
	u64 lo = ~0ull, hi = 0, p;
	unsigned count = 0;

	report_prefix_push("source");
	for (enum tsc_source s = 0; s < TSC_SRC_NR; s++)
		check_source(s);
	for (enum tsc_source s = 0; s < TSC_SRC_NR; s++) {
		if (!source_ok[s])
			continue;
		count++;
		lo = source_khz[s] < lo ? source_khz[s] : lo;
		hi = source_khz[s] > hi ? source_khz[s] : hi;
	}
	p = spread_permille(lo, hi);
	report(count >= 1, "%u sources present", count);
	if (count)
		report(p <= AGREE_PERCENT * 10,
		       "all %u agree within %u%%: %llu..%llu kHz (spread %llu.%llu%%)", count,
		       AGREE_PERCENT, (unsigned long long)lo, (unsigned long long)hi,
		       (unsigned long long)(p / 10), (unsigned long long)(p % 10));
	printf("clock: tsc_init chose source=%s khz=%llu\n", tsc_khz_source(),
	       (unsigned long long)tsc_khz());
	report_prefix_pop();
}

/* The median of the sources present: the reference for later checks. */
static u64 reference_khz(void)
{
	u64 v[TSC_SRC_NR];
	unsigned n = 0;

	for (enum tsc_source s = 0; s < TSC_SRC_NR; s++)
		if (source_ok[s])
			v[n++] = source_khz[s];
	if (!n)
		return tsc_khz();
	sort(v, n);
	return v[n / 2];
}

static u8 portb_keep(void)
{
	return inb(PORTB) & 0x0c; /* the NMI enables; speaker off */
}

static void gate2(bool on)
{
	outb(PORTB, (u8)(portb_keep() | (on ? PORTB_GATE2 : 0)));
}

static bool out2(void)
{
	return inb(PORTB) & PORTB_OUT2;
}

static void load2(u8 cmd, u16 count)
{
	outb(PIT_CMD, cmd);
	outb(PIT_CH2, (u8)count);
	outb(PIT_CH2, (u8)(count >> 8));
}

static u16 read16(void)
{
	u8 lo = inb(PIT_CH2);

	return (u16)(lo | inb(PIT_CH2) << 8);
}

/*
 * Microseconds from @t0 (taken before the count was written: a vCPU
 * preempted in between then only lengthens it) until channel 2's OUT is
 * high; ~0 after @limit_us.
 */
static u64 wait_out2(u64 t0, u64 limit_us)
{
	if (!wait_until(out2(), limit_us))
		return ~0ull;
	return tsc_us_from_cycles(rdtsc() - t0);
}

static void check_mode0_out(void)
{
	const u16 count = PIT_HZ * 2 / 1000; /* 2 ms */
	bool low, stays = true;
	u64 t0, us;

	gate2(true);
	t0 = rdtsc();
	load2(CMD_CH2_MODE0, count);
	low = !out2();
	us = wait_out2(t0, 1000000);
	report(low, "mode 0: OUT (port 0x61 bit 5) low while counting");
	report(us != ~0ull && us >= 1900, "mode 0: OUT high at terminal count of 2 ms (%llu us)",
	       (unsigned long long)us);
	for (int i = 0; i < 100; i++)
		stays = stays && out2();
	report(stays, "mode 0: OUT stays high after terminal count");
}

static void check_countdown_and_latch(void)
{
	u16 a, b, l, c;

	gate2(true);
	load2(CMD_CH2_MODE0, 0xffff);        /* 55 ms */
	a = read16();
	udelay(1000);
	b = read16();
	report(b < a && a - b >= 1000, "mode 0: counts down (%u -> %u in 1 ms)", a, b);

	outb(PIT_CMD, CMD_CH2_LATCH);
	udelay(1000);
	l = read16();
	c = read16();
	report(l > c && l - c >= 1000, "counter latch holds its count (%u) as the counter goes on (%u)",
	       l, c);
	outb(PIT_CMD, CMD_CH2_LATCH);
	udelay(1000);
	outb(PIT_CMD, CMD_CH2_LATCH);        /* still latched: ignored */
	udelay(100);
	l = read16();
	c = read16();
	report(l > c && l - c >= 1000, "counter latch: a second latch before the read is ignored (%u, %u)",
	       l, c);
}

static void check_read_back(void)
{
	u16 l, c;
	u8 st;

	gate2(true);
	load2(CMD_CH2_MODE0, 0xffff);
	udelay(100);
	outb(PIT_CMD, CMD_RB_CH2);
	udelay(1000);
	outb(PIT_CMD, CMD_RB_CH2);           /* latched once: ignored */
	st = inb(PIT_CH2);
	l = read16();
	c = read16();
	report(st == 0x30, "read-back: status %#x first (OUT low, count loaded, LSB/MSB, mode 0, binary)",
	       st);
	report(l > c && l - c >= 1000, "read-back: count latched with it, once (%u, then %u)", l, c);

	load2(CMD_CH2_MODE0, 100);
	wait_out2(rdtsc(), 100000);
	outb(PIT_CMD, CMD_RB_CH2_STATUS);
	st = inb(PIT_CH2);
	report(st == 0xb0, "read-back: status %#x has OUT set after terminal count", st);
}

/* Timing-sensitive byte checks: a preempted vCPU gets 3 tries. */
static bool lsb_only(u8 *r1, u8 *r2)
{
	outb(PIT_CMD, 0x90);                 /* channel 2, LSB only, mode 0 */
	outb(PIT_CH2, 0xff);
	*r1 = inb(PIT_CH2);
	*r2 = inb(PIT_CH2);
	return *r1 && *r2 <= *r1 && *r1 - *r2 < 128;
}

static bool msb_only(u8 *r1, u8 *r2)
{
	outb(PIT_CMD, 0xa0);                 /* channel 2, MSB only, mode 0 */
	outb(PIT_CH2, 0x40);                 /* 0x4000: 13.7 ms */
	*r1 = inb(PIT_CH2);
	*r2 = inb(PIT_CH2);
	return *r1 <= 0x40 && *r1 >= 0x3c && *r2 <= *r1 && *r1 - *r2 <= 1;
}

/* Without the flip-flop every read would be a low byte: a wrong MSB. */
static bool flip_flop(u16 *v1, u16 *v2)
{
	load2(CMD_CH2_MODE0, 0x1234);
	*v1 = read16();
	*v2 = read16();
	return *v1 <= 0x1234 && *v1 >= 0x0800 && *v2 <= 0x1234 && *v2 >= 0x0800;
}

static void check_access_modes(void)
{
	u8 r1 = 0, r2 = 0;
	u16 v1 = 0, v2 = 0;
	bool ok = false;

	gate2(true);
	for (int i = 0; i < 3 && !ok; i++)
		ok = lsb_only(&r1, &r2);
	report(ok, "LSB-only access: every read is the low byte (%#x, %#x)", r1, r2);
	report(wait_out2(rdtsc(), 100000) != ~0ull, "LSB-only count 0xff: OUT high after it");
	ok = false;
	for (int i = 0; i < 3 && !ok; i++)
		ok = msb_only(&r1, &r2);
	report(ok, "MSB-only access: every read is the high byte (%#x, %#x)", r1, r2);
	ok = false;
	for (int i = 0; i < 3 && !ok; i++)
		ok = flip_flop(&v1, &v2);
	report(ok, "LSB/MSB access: reads alternate low, high (%#x, %#x)", v1, v2);
}

/* Linux's quick_pit_calibrate(), its helpers and constants. */
static bool pit_verify_msb(u8 val)
{
	inb(PIT_CH2);                        /* the LSB, ignored */
	return inb(PIT_CH2) == val;
}

static bool pit_expect_msb(u8 val, u64 *tscp, u64 *deltap)
{
	u64 tsc = 0, prev_tsc = 0;
	int count;

	for (count = 0; count < 50000; count++) {
		if (!pit_verify_msb(val))
			break;
		prev_tsc = tsc;
		tsc = rdtsc();
	}
	*deltap = rdtsc() - prev_tsc;
	*tscp = tsc;
	return count > 5;
}

static u64 quick_pit_calibrate(u8 *last_msb)
{
	const int max_iter = 50 * PIT_HZ / 1000 / 256;
	u64 tsc, delta, d1, d2;

	gate2(true);
	load2(CMD_CH2_MODE0, 0xffff);
	pit_verify_msb(0);
	*last_msb = 0xff;
	if (!pit_expect_msb(0xff, &tsc, &d1))
		return 0;
	for (int i = 1; i <= max_iter; i++) {
		if (!pit_expect_msb((u8)(0xff - i), &delta, &d2))
			return 0;
		*last_msb = (u8)(0xff - i);
		delta -= tsc;
		if (i == 1 && d1 + d2 >= (delta * max_iter) >> 11)
			return 0;
		if (d1 + d2 >= delta >> 11)
			continue;
		if (!pit_verify_msb((u8)(0xfe - i)))
			return 0;
		return delta * PIT_HZ / ((u64)i * 256 * 1000);
	}
	return 0;
}

/*
 * What quick_pit_calibrate() relies on: read unlatched, LSB then MSB, the
 * MSB of a mode 0 count from 0xffff steps down by one every 256 clocks
 * and never up. Over ~3 ms: 14 steps.
 */
static void check_msb_walk(void)
{
	unsigned steps = 0, skips = 0, ups = 0, reads = 0;
	u8 msb, prev;
	u64 end;

	gate2(true);
	load2(CMD_CH2_MODE0, 0xffff);
	inb(PIT_CH2);
	prev = inb(PIT_CH2);
	end = rdtsc() + tsc_cycles_from_us(3000);
	while (rdtsc() < end && reads < 1000000) {
		inb(PIT_CH2);                /* LSB */
		msb = inb(PIT_CH2);
		reads++;
		if (msb > prev)
			ups++;
		else if (msb == prev - 1)
			steps++;
		else if (msb < prev)
			skips++;             /* a vCPU preempted for > 214 us */
		prev = msb;
	}
	report(!ups && steps >= 8 && steps > skips,
	       "MSB read LSB-then-MSB walks down one at a time: %u steps, %u skips, %u up, %u reads",
	       steps, skips, ups, reads);
}

/*
 * Linux's quick calibration needs two pit_expect_msb() ends (4 port reads
 * each) to take under ~1/85 of 256 PIT clocks (24 us): with exits of a few
 * microseconds it declines, as it should, and Linux goes on to
 * pit_calibrate_tsc() (the "pit" source). When it answers, it must agree.
 */
static void check_quick_pit_calibrate(u64 ref)
{
	u64 k = 0, p;
	u8 msb = 0;
	int tries;

	for (tries = 1; tries <= 3 && !k; tries++)
		k = quick_pit_calibrate(&msb);
	printf("clock: quick_pit_calibrate khz=%llu (MSB walked down to %#x, try %d)\n",
	       (unsigned long long)k, msb, tries - 1);
	if (!k) {
		report_skip("Linux's quick_pit_calibrate() declined: port reads too slow here "
			    "(Linux then uses pit_calibrate_tsc())");
		return;
	}
	p = spread_permille(k < ref ? k : ref, k < ref ? ref : k);
	report(p <= AGREE_PERCENT * 10,
	       "Linux's quick_pit_calibrate() (MSB walk): %llu kHz, within %u%% of %llu",
	       (unsigned long long)k, AGREE_PERCENT, (unsigned long long)ref);
}

static void check_port61(void)
{
	bool seen[2] = { false, false };
	u8 g0, g1;

	gate2(false);
	g0 = inb(PORTB) & PORTB_GATE2;
	gate2(true);
	g1 = inb(PORTB) & PORTB_GATE2;
	report(!g0 && g1, "port 0x61 bit 0 (channel 2 GATE) reads back");
	for (int i = 0; i < 10000 && !(seen[0] && seen[1]); i++)
		seen[!!(inb(PORTB) & PORTB_REFRESH)] = true;
	report(seen[0] && seen[1], "port 0x61 bit 4 (refresh) toggles");
}

static void check_garbage(void)
{
	static const u16 ports[] = { PIT_CH0, PIT_CH0 + 1, PIT_CH2, PIT_CMD, PORTB };
	u64 s = 0x2545f4914f6cdd1dull, us;
	bool low;

	for (int i = 0; i < 512; i++) {
		u64 r = rand_next(&s);
		u16 port = ports[r % ARRAY_SIZE(ports)];
		u8 v = (u8)(r >> 8);

		if (port == PORTB)
			v &= (u8)~PORTB_SPEAKER;  /* no clicks on a real PC */
		if (r & 0x100000)
			outb(port, v);
		else
			(void)inb(port);
	}
	gate2(true);
	us = rdtsc();
	load2(CMD_CH2_MODE0, 1000);
	low = !out2();
	us = wait_out2(us, 100000);
	report(low && us != ~0ull, "after 512 random accesses to ports 0x40-0x43 and 0x61, channel 2 "
	       "still counts (%llu us)", (unsigned long long)us);
}

static void check_pm_timer(void)
{
	u16 port = acpi_pm_timer();
	u32 prev, v, top = 0, moved = 0;
	bool backwards = false;

	if (!port) {
		report_skip("PM timer: no FADT PM_TMR_BLK");
		return;
	}
	prev = inl(port);
	for (int i = 0; i < 20000; i++) {
		v = inl(port);
		top |= v >> 24;
		if (((v - prev) & PM_TIMER_MASK) >= 1u << 23)
			backwards = true;
		moved += (v - prev) & PM_TIMER_MASK;
		prev = v;
	}
	report(!top, "PM timer at %#x: 24 bits (bits 31:24 read 0)", port);
	report(moved && !backwards, "PM timer: runs and never goes backwards (mod 2^24): "
	       "%u ticks over 20000 reads", moved);
}

int main(int argc, char **argv)
{
	u64 flags, ref;
	u8 saved = inb(PORTB);

	(void)argc;
	(void)argv;
	report_prefix_push("clock");
	check_sources();
	ref = reference_khz();
	/* Interrupts off: the PIT checks time a few microseconds. */
	flags = irq_save();
	report_prefix_push("pit");
	check_mode0_out();
	check_countdown_and_latch();
	check_read_back();
	check_access_modes();
	check_msb_walk();
	check_quick_pit_calibrate(ref);
	check_port61();
	check_garbage();
	report_prefix_pop();
	outb(PORTB, saved & 0x0c);
	irq_restore(flags);
	check_pm_timer();
	report_prefix_pop();
	return report_summary();
}
