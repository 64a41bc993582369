// SPDX-License-Identifier: MIT
/* tsc.c - find the TSC frequency once, on the BSP. */
#include "acpi.h"
#include "tsc.h"

#define PM_TIMER_HZ 3579545ull

static u64 khz = 2000000;          /* only if nothing below answers */
static const char *source = "guess";

static bool from_cpuid(void)
{
	u32 max = cpuid(0).a;

	if (max >= 0x15) {
		struct cpuid r = cpuid(0x15);   /* TSC = crystal * EBX / EAX */
		if (r.a && r.b && r.c) {
			khz = (u64)r.c * r.b / r.a / 1000;
			source = "cpuid15";
			return true;
		}
	}
	if (max >= 0x16) {
		u32 mhz = cpuid(0x16).a & 0xffff;
		if (mhz) {
			khz = (u64)mhz * 1000;
			source = "cpuid16";
			return true;
		}
	}
	if (cpuid(1).c & (1u << 31) && cpuid(0x40000000).a >= 0x40000010) {
		u32 k = cpuid(0x40000010).a;
		if (k) {
			khz = k;
			source = "hv";
			return true;
		}
	}
	return false;
}

/* 10 ms of the 24-bit, 3.579545 MHz ACPI PM timer against the TSC. */
static bool from_pm_timer(void)
{
	u16 port = acpi_pm_timer();
	const u32 ticks = PM_TIMER_HZ / 100;

	if (!port)
		return false;
	u32 t0 = inl(port) & 0xffffff, t1;
	for (int i = 0; (t1 = inl(port) & 0xffffff) == t0; i++)   /* align to an edge */
		if (i > 1000000)
			return false;
	u64 c0 = rdtsc();
	u32 elapsed;
	do {
		elapsed = ((inl(port) & 0xffffff) - t1) & 0xffffff;
	} while (elapsed < ticks);
	u64 c1 = rdtsc();
	khz = (c1 - c0) * PM_TIMER_HZ / elapsed / 1000;
	source = "pmtimer";
	return true;
}

void tsc_init(void)
{
	if (!from_cpuid())
		from_pm_timer();
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
