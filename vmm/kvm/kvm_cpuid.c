// SPDX-License-Identifier: MIT
/*
 * kvm_cpuid.c - shape the host's supported CPUID into the guest's.
 *
 * The guest sees the host's vendor, family and model (this host's KVM lets
 * them through whatever we set), so everything else must agree with that
 * vendor: Intel's TSC leaves 0x15/0x16 only on Intel (Linux reads them only
 * there), AMD's topology leaves 0x80000008/0x8000001e only on AMD. What the
 * VM has that the host does not (its vCPU count, APIC IDs, x2APIC, the KVM
 * clock) is written into every leaf that describes it, for both vendors.
 *
 * Hidden: features this host's KVM cannot emulate (cmpxchg16b, the XSAVE
 * family and AVX: shared/platform.md), nested virtualization, AMD's extended
 * APIC space (our APIC has no registers past 0x3f0), and every KVM
 * paravirtual feature but the clock (PV EOI, PV IPIs, steal time: their
 * MSRs and hypercalls assume the in-kernel APIC, and vmcall does not
 * complete here).
 */
#include <errno.h>
#include <string.h>

#include "kvm_cpuid.h"

#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_FMA (1u << 12)
#define CPUID1_ECX_CX16 (1u << 13)
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_AVX (1u << 28)
#define CPUID1_ECX_F16C (1u << 29)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID1_EDX_APIC (1u << 9)
#define CPUID1_EDX_HTT (1u << 28)
#define CPUID7_EBX_AVX2 (1u << 5)
#define CPUID7_EBX_AVX512_MASK 0xdc230000u /* F, DQ, IFMA, PF, ER, CD, BW, VL */
#define CPUID_EXT1_ECX_SVM (1u << 2)
#define CPUID_EXT1_ECX_EXTAPIC (1u << 3)

/* CPUID.0xB/0x1F level types. */
#define TOPO_LEVEL_SMT 1u
#define TOPO_LEVEL_CORE 2u

struct kvm_cpuid_entry2 *kvm_cpuid__find(struct kvm_cpuid2 *c, uint32_t fn,
					 uint32_t index)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn &&
		    c->entries[i].index == index)
			return &c->entries[i];
	return NULL;
}

static struct kvm_cpuid_entry2 *add_leaf(struct kvm_cpuid2 *c, unsigned max,
					 uint32_t fn)
{
	struct kvm_cpuid_entry2 *e = kvm_cpuid__find(c, fn, 0);

	if (e || c->nent >= max)
		return e;
	e = &c->entries[c->nent++];
	memset(e, 0, sizeof(*e));
	e->function = fn;
	return e;
}

unsigned kvm_cpuid__phys_addr_bits(struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *e = kvm_cpuid__find(c, 0x80000008u, 0);

	return e && (e->eax & 0xff) ? e->eax & 0xff : 36;
}

enum cpu_vendor kvm_cpuid__vendor(const struct kvm_cpuid2 *c)
{
	char v[12];

	for (uint32_t i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->entries[i];
		if (e->function || e->index)
			continue;
		memcpy(v, &e->ebx, 4);
		memcpy(v + 4, &e->edx, 4);
		memcpy(v + 8, &e->ecx, 4);
		if (!memcmp(v, "GenuineIntel", 12))
			return CPU_VENDOR_INTEL;
		if (!memcmp(v, "AuthenticAMD", 12) ||
		    !memcmp(v, "HygonGenuine", 12))
			return CPU_VENDOR_AMD;
	}
	return CPU_VENDOR_OTHER;
}

/* Bits of an APIC ID that number @n CPUs: ceil(log2(n)). */
static unsigned id_bits(unsigned n)
{
	unsigned bits = 0;

	while ((1u << bits) < n)
		bits++;
	return bits;
}

/*
 * TSC / crystal as EBX / EAX for leaf 0x15. Linux computes
 * crystal_kHz * EBX / EAX in 32 bits (native_calibrate_tsc()), so with our
 * 1 GHz crystal EBX must stay below 2^32 / 10^6: take the closest fraction
 * with such a numerator (exact for any whole-MHz TSC).
 */
static void tsc_crystal_ratio(uint64_t tsc_khz, uint32_t *ebx, uint32_t *eax)
{
	const uint64_t crystal_khz = KVM_CPUID_APIC_BUS_HZ / 1000u;
	const uint64_t max_num = UINT32_MAX / crystal_khz;
	uint64_t best_num = 0, best_den = 1, best_err = UINT64_MAX;

	for (uint64_t den = 1; den * tsc_khz <= max_num * crystal_khz; den++) {
		uint64_t num = (tsc_khz * den + crystal_khz / 2) / crystal_khz;
		/* |num/den - tsc/crystal| scaled by den * crystal */
		uint64_t a = num * crystal_khz, b = tsc_khz * den;
		uint64_t err = (a > b ? a - b : b - a) * 1000000u / den;

		if (num && num <= max_num && err < best_err) {
			best_num = num, best_den = den, best_err = err;
			if (!err)
				break;
		}
	}
	*ebx = (uint32_t)best_num;
	*eax = (uint32_t)best_den;
}

static void shape_features(struct kvm_cpuid2 *c,
			   const struct kvm_cpuid_shape *s)
{
	struct kvm_cpuid_entry2 *e = kvm_cpuid__find(c, 1, 0);
	uint32_t logical = s->nr_cpus > 1 ? 1u << id_bits(s->nr_cpus) : 1;

	if (e) {
		e->ebx = (e->ebx & 0x0000ffffu) | ((s->apic_id & 0xff) << 24) |
			 ((logical > 255 ? 255 : logical) << 16);
		e->ecx &= ~(CPUID1_ECX_CX16 | CPUID1_ECX_XSAVE |
			    CPUID1_ECX_OSXSAVE | CPUID1_ECX_AVX |
			    CPUID1_ECX_FMA | CPUID1_ECX_F16C |
			    CPUID1_ECX_X2APIC | CPUID1_ECX_VMX);
		e->ecx |= CPUID1_ECX_TSC_DEADLINE;
		if (s->x2apic)
			e->ecx |= CPUID1_ECX_X2APIC;
		e->edx |= CPUID1_EDX_APIC;
		if (s->nr_cpus > 1)
			e->edx |= CPUID1_EDX_HTT;
		else
			e->edx &= ~CPUID1_EDX_HTT;
	}
	e = kvm_cpuid__find(c, 7, 0);
	if (e)
		e->ebx &= ~(CPUID7_EBX_AVX2 | CPUID7_EBX_AVX512_MASK);
	e = kvm_cpuid__find(c, 0x80000001u, 0);
	if (e)
		e->ecx &= ~(CPUID_EXT1_ECX_SVM | CPUID_EXT1_ECX_EXTAPIC);
}

/*
 * Leaf 0xB (and 0x1F where the host has it) is where a guest reads its
 * 32-bit x2APIC ID: leaf 1 holds only the low 8 bits, so past 255 vCPUs
 * nothing else names the CPU. KVM lists the subleaves the host enumerates,
 * which may be none, or subleaf 0 alone with level type 0 (this software
 * KVM's): then a guest would see no core level and one package per CPU.
 * Add subleaves 0 (SMT) and 1 (core) where missing, and make leaf 0 reach
 * 0xB. Return: 0, or -ENOSPC when @max entries cannot hold them.
 */
static int add_topology_leaves(struct kvm_cpuid2 *c, unsigned max)
{
	static const uint32_t fns[] = { 0xb, 0x1f };
	struct kvm_cpuid_entry2 *e = kvm_cpuid__find(c, 0, 0);

	if (e && e->eax < 0xb)
		e->eax = 0xb;
	for (unsigned f = 0; f < sizeof(fns) / sizeof(fns[0]); f++) {
		if (fns[f] != 0xb && !kvm_cpuid__find(c, fns[f], 0))
			continue;
		for (uint32_t index = 0; index < 2; index++) {
			if (kvm_cpuid__find(c, fns[f], index))
				continue;
			if (c->nent >= max)
				return -ENOSPC;
			e = &c->entries[c->nent++];
			memset(e, 0, sizeof(*e));
			e->function = fns[f];
			e->index = index;
			e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
		}
	}
	return 0;
}

/*
 * One package of nr_cpus single-thread cores, APIC ID = vCPU index: the
 * MP table and MADT say the same. Fields too narrow for 1024 CPUs (leaf 1's
 * 8-bit count and ID, leaf 4's 6-bit core count, AMD's 8-bit NC) saturate
 * or keep the low bits, as the SDM and APM define them; leaf 0xB/0x1F has
 * the full numbers.
 */
static int shape_topology(struct kvm_cpuid2 *c, unsigned max,
			  enum cpu_vendor vendor,
			  const struct kvm_cpuid_shape *s)
{
	unsigned bits = id_bits(s->nr_cpus);
	int ret = add_topology_leaves(c, max);

	if (ret)
		return ret;

	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 0xb || e->function == 0x1f) {
			e->edx = s->apic_id;
			if (e->index == 0) {
				e->eax = 0;
				e->ebx = 1;
				e->ecx = TOPO_LEVEL_SMT << 8;
			} else if (e->index == 1) {
				e->eax = bits;
				e->ebx = s->nr_cpus;
				e->ecx = TOPO_LEVEL_CORE << 8 | 1;
			} else {
				e->eax = e->ebx = 0;
				e->ecx = e->index;
			}
		} else if (e->function == 4 && vendor == CPU_VENDOR_INTEL &&
			   (e->eax & 0x1f)) {
			uint32_t cores = 1u << (bits > 6 ? 6 : bits);
			e->eax = (e->eax & 0x03ffffffu) | ((cores - 1) << 26);
		} else if (e->function == 0x80000008u &&
			   vendor == CPU_VENDOR_AMD) {
			uint32_t nc = s->nr_cpus > 256 ? 255 : s->nr_cpus - 1;
			e->ecx = (e->ecx & ~0xf0ffu) | (bits << 12) | nc;
		} else if (e->function == 0x8000001eu &&
			   vendor == CPU_VENDOR_AMD) {
			e->eax = s->apic_id;         /* extended APIC ID */
			e->ebx = s->apic_id & 0xff;  /* core, 1 thread each */
			e->ecx = 0;                  /* node 0 of 1 */
			e->edx = 0;
		}
	}
	return 0;
}

/* Leaves 0x15/0x16 on Intel; zeroed when the TSC rate is not announced. */
static int shape_tsc_leaves(struct kvm_cpuid2 *c, unsigned max,
			    enum cpu_vendor vendor,
			    const struct kvm_cpuid_shape *s)
{
	bool announce = s->tsc_leaf && s->tsc_khz && vendor == CPU_VENDOR_INTEL;
	struct kvm_cpuid_entry2 *e;

	if (!announce) {
		for (uint32_t fn = 0x15; fn <= 0x16; fn++) {
			e = kvm_cpuid__find(c, fn, 0);
			if (e)
				e->eax = e->ebx = e->ecx = e->edx = 0;
		}
		return 0;
	}
	e = kvm_cpuid__find(c, 0, 0);
	if (e && e->eax < 0x16)
		e->eax = 0x16;
	e = add_leaf(c, max, 0x15);
	if (!e)
		return -ENOSPC;
	tsc_crystal_ratio(s->tsc_khz, &e->ebx, &e->eax);
	e->ecx = KVM_CPUID_APIC_BUS_HZ;
	e->edx = 0;
	e = add_leaf(c, max, 0x16);
	if (!e)
		return -ENOSPC;
	e->eax = (uint32_t)(s->tsc_khz / 1000);
	e->ebx = e->eax;
	e->ecx = KVM_CPUID_APIC_BUS_HZ / 1000000u;
	e->edx = 0;
	return 0;
}

/*
 * The KVM signature leaves. Linux uses x2APIC without interrupt remapping
 * only when a hypervisor vouches for it (x86_init.hyper.x2apic_available(),
 * true for KVM), so without them a Linux guest stays in xAPIC: two exits per
 * IPI instead of one. The clock bits are KVM's own: kvmclock's MSRs are
 * handled inside KVM and need no in-kernel APIC. The timing leaf
 * 0x40000010 (VMware's layout, which QEMU offers too) gives the TSC rate on
 * every vendor.
 */
static int add_kvm_leaves(struct kvm_cpuid2 *c, unsigned max,
			  uint32_t supported_clock,
			  const struct kvm_cpuid_shape *s)
{
	bool timing = s->tsc_leaf && s->tsc_khz;
	struct kvm_cpuid_entry2 *base = add_leaf(c, max, KVM_CPUID_SIGNATURE_LEAF);
	struct kvm_cpuid_entry2 *features, *e;

	if (!base)
		return -ENOSPC;
	base->eax = timing ? HV_CPUID_TIMING_LEAF : KVM_CPUID_FEATURES_LEAF;
	memcpy(&base->ebx, "KVMK", 4);
	memcpy(&base->ecx, "VMKV", 4);
	memcpy(&base->edx, "M\0\0\0", 4);
	features = add_leaf(c, max, KVM_CPUID_FEATURES_LEAF);
	if (!features)
		return -ENOSPC;
	features->eax = s->kvmclock ? supported_clock : 0;
	/* Ours to offer whatever KVM says: the APIC model runs the protocol
	 * (apic_pv_eoi.c), KVM only forwards the MSR. */
	if (s->pv_eoi)
		features->eax |= KVM_FEATURE_BIT_PV_EOI;
	features->ebx = features->ecx = features->edx = 0;
	if (timing) {
		e = add_leaf(c, max, HV_CPUID_TIMING_LEAF);
		if (!e)
			return -ENOSPC;
		e->eax = (uint32_t)s->tsc_khz;
		e->ebx = KVM_CPUID_APIC_BUS_HZ / 1000u;
		e->ecx = e->edx = 0;
	}
	e = kvm_cpuid__find(c, 1, 0);
	if (e)
		e->ecx |= CPUID1_ECX_HYPERVISOR;
	return 0;
}

int kvm_cpuid__shape(struct kvm_cpuid2 *c, unsigned max,
		     const struct kvm_cpuid_shape *s)
{
	const uint32_t clock_bits = KVM_FEATURE_BIT_CLOCKSOURCE |
				    KVM_FEATURE_BIT_CLOCKSOURCE2 |
				    KVM_FEATURE_BIT_CLOCKSOURCE_STABLE;
	enum cpu_vendor vendor = kvm_cpuid__vendor(c);
	struct kvm_cpuid_entry2 *e;
	uint32_t supported_clock = 0, out = 0;
	int ret;

	if (c->nent > max)
		return -ENOSPC;
	e = kvm_cpuid__find(c, KVM_CPUID_FEATURES_LEAF, 0);
	if (e)
		supported_clock = e->eax & clock_bits;
	/* Our own hypervisor leaves replace KVM's; no XSAVE enumeration. */
	for (uint32_t i = 0; i < c->nent; i++) {
		uint32_t fn = c->entries[i].function;
		if ((fn >= 0x40000000u && fn < 0x50000000u) || fn == 0xd)
			continue;
		c->entries[out++] = c->entries[i];
	}
	c->nent = out;

	shape_features(c, s);
	ret = shape_topology(c, max, vendor, s);
	if (!ret)
		ret = shape_tsc_leaves(c, max, vendor, s);
	if (!ret && (s->x2apic || s->tsc_leaf || s->kvmclock || s->pv_eoi))
		ret = add_kvm_leaves(c, max, supported_clock, s);
	return ret;
}
