// SPDX-License-Identifier: MIT
/*
 * flight_recorder.c - per-vCPU lock-free rings of IPI stage timestamps.
 *
 * Every vCPU thread owns one ring and is its only writer (the sender
 * records its own stages, including the kick it gives a target; the target
 * records its wake, injection and EOI), so a record is a plain store and an
 * index increment. The rings are read once, after every vCPU thread has
 * been joined. A full ring overwrites its oldest records (counted as lost).
 *
 * Identity: an IPI is (source vCPU, per-source sequence), assigned at the
 * sender's ICR-write / trigger exit. When the sender marks it pending on a
 * target it also stores the identity in the target's slot for that vector;
 * the target's injection of that vector reads the slot. Coalesced IPIs (a
 * second send before the first was injected) overwrite the slot: the
 * injection is attributed to the latest sender. Wakes and EOIs carry no
 * identity: trace-breakdown.py gives a wake to the first kick before it on
 * that target, and an EOI to the last injection on that vCPU (nested
 * interrupts make that approximate).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "flight_recorder.h"

#define FR_DEFAULT_ENTRIES (1u << 18) /* 6 MiB of address space per vCPU */
#define FR_MAX_CPUS 1024

struct fr_rec {
	uint64_t tsc;
	uint32_t seq;
	uint16_t src;
	uint16_t peer;
	uint8_t stage;
	uint8_t vector;
	uint16_t cpu;
	uint32_t pad;
};

/* One vCPU's ring; every field but rec's contents is owner-only. */
struct fr_ring {
	struct fr_rec *rec;
	size_t mask;       /* entries - 1 */
	uint64_t head;     /* records ever written */
	uint32_t next_seq; /* this vCPU's IPI sequence */
	uint32_t cur_seq;  /* the IPI this vCPU is sending now */
	uint8_t cur_vector;
	unsigned cpu;
	uint64_t first_run_tsc;
} __attribute__((aligned(64)));

struct flight_recorder {
	char *path;
	size_t entries;
	unsigned cpus;
	struct fr_ring *rings;
	_Atomic uint64_t *slots; /* [target][vector]: src << 32 | seq */
	uint64_t configure_ns, start_ns, start_tsc;
};

/* The ring of the vCPU this thread runs (its own VM's), or NULL. */
static _Thread_local struct fr_ring *my_ring;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t now_tsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	return mono_ns();
#endif
}

void fr_destroy(struct flight_recorder *fr)
{
	if (!fr)
		return;
	for (unsigned i = 0; fr->rings && i < fr->cpus; i++)
		if (fr->rings[i].rec)
			munmap(fr->rings[i].rec,
			       fr->entries * sizeof(struct fr_rec));
	free(fr->rings);
	free(fr->slots);
	free(fr->path);
	free(fr);
}

struct flight_recorder *fr_create(const char *path, size_t ring_entries,
				  unsigned nr_cpus, uint64_t start_ns)
{
	struct flight_recorder *fr;
	size_t n = 1;

	if (!path || !*path || !nr_cpus || nr_cpus > FR_MAX_CPUS) {
		errno = EINVAL;
		return NULL;
	}
	fr = calloc(1, sizeof(*fr));
	if (!fr)
		return NULL;
	while (n < (ring_entries ? ring_entries : FR_DEFAULT_ENTRIES))
		n <<= 1;
	fr->entries = n;
	fr->cpus = nr_cpus;
	fr->configure_ns = start_ns;
	fr->path = strdup(path);
	fr->rings = calloc(nr_cpus, sizeof(*fr->rings));
	fr->slots = calloc((size_t)nr_cpus * 256, sizeof(*fr->slots));
	if (!fr->path || !fr->rings || !fr->slots)
		goto fail;
	for (unsigned i = 0; i < nr_cpus; i++) {
		void *p = mmap(NULL, n * sizeof(struct fr_rec),
			       PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
			       0);
		if (p == MAP_FAILED)
			goto fail;
		fr->rings[i].rec = p;
		fr->rings[i].mask = n - 1;
		fr->rings[i].cpu = i;
	}
	fr->start_ns = mono_ns();
	fr->start_tsc = now_tsc();
	return fr;
fail:
	fr_destroy(fr);
	errno = ENOMEM;
	return NULL;
}

static inline void put(uint8_t stage, uint16_t src, uint32_t seq,
		       uint16_t peer, uint8_t vector)
{
	struct fr_ring *r = my_ring;
	struct fr_rec *e;

	if (!r)
		return;
	e = &r->rec[r->head & r->mask];
	e->tsc = now_tsc();
	e->seq = seq;
	e->src = src;
	e->peer = peer;
	e->stage = stage;
	e->vector = vector;
	e->cpu = (uint16_t)r->cpu;
	r->head++;
}

void fr_thread_start_slow(struct flight_recorder *fr, unsigned cpu)
{
	my_ring = cpu < fr->cpus ? &fr->rings[cpu] : NULL;
}

void fr_first_run_slow(unsigned cpu)
{
	if (my_ring && cpu == my_ring->cpu && !my_ring->first_run_tsc)
		my_ring->first_run_tsc = now_tsc();
}

void fr_send_slow(unsigned cpu)
{
	struct fr_ring *r = my_ring;

	if (!r || cpu != r->cpu)
		return;
	r->cur_seq = ++r->next_seq;
	r->cur_vector = 0;
	put(FR_SEND, (uint16_t)cpu, r->cur_seq, (uint16_t)cpu, 0);
}

void fr_route_slow(unsigned cpu, unsigned vector)
{
	struct fr_ring *r = my_ring;

	if (!r)
		return;
	r->cur_vector = (uint8_t)vector;
	put(FR_ROUTE, (uint16_t)cpu, r->cur_seq, (uint16_t)cpu,
	    (uint8_t)vector);
}

void fr_pending_slow(struct flight_recorder *fr, unsigned target)
{
	struct fr_ring *r = my_ring;

	if (!r || target >= fr->cpus)
		return;
	atomic_store_explicit(&fr->slots[target * 256u + r->cur_vector],
			      (uint64_t)r->cpu << 32 | r->cur_seq,
			      memory_order_relaxed);
	put(FR_PENDING, (uint16_t)r->cpu, r->cur_seq, (uint16_t)target,
	    r->cur_vector);
}

void fr_stage_slow(enum fr_stage stage, unsigned peer)
{
	struct fr_ring *r = my_ring;
	/* Kicks belong to the sender's current IPI; wakes and EOIs to none. */
	bool sender = stage == FR_KICK_SIGNAL || stage == FR_KICK_FUTEX;

	if (!r)
		return;
	put((uint8_t)stage, (uint16_t)(sender ? r->cpu : 0xffff),
	    sender ? r->cur_seq : 0, (uint16_t)peer,
	    sender ? r->cur_vector : 0);
}

void fr_inject_slow(struct flight_recorder *fr, unsigned cpu,
		    unsigned vector)
{
	uint64_t id;

	if (cpu >= fr->cpus || vector > 255)
		return;
	id = atomic_load_explicit(&fr->slots[cpu * 256u + vector],
				  memory_order_relaxed);
	put(FR_INJECT, id ? (uint16_t)(id >> 32) : 0xffff, (uint32_t)id,
	    (uint16_t)cpu, (uint8_t)vector);
}

static const char *const stage_names[FR_NR_STAGES] = {
	[FR_SEND] = "send",
	[FR_ROUTE] = "route",
	[FR_PENDING] = "pending",
	[FR_KICK_SIGNAL] = "kick_signal",
	[FR_KICK_FUTEX] = "kick_futex",
	[FR_WAKE_EXIT] = "wake_exit",
	[FR_WAKE_HALT] = "wake_halt",
	[FR_INJECT] = "inject",
	[FR_EOI] = "eoi",
};

/* Resident bytes of [addr, addr + len), by mincore(). */
static uint64_t resident(const void *addr, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)addr & ~((uintptr_t)page - 1);
	size_t pages, n = 0;
	unsigned char *vec;

	if (!addr || !len || page <= 0)
		return 0;
	pages = ((uintptr_t)addr + len - start + (size_t)page - 1) / (size_t)page;
	vec = malloc(pages);
	if (!vec)
		return 0;
	if (mincore((void *)start, pages * (size_t)page, vec) == 0)
		for (size_t i = 0; i < pages; i++)
			n += vec[i] & 1;
	free(vec);
	return (uint64_t)n * (uint64_t)page;
}

static uint64_t status_kib(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t klen = strlen(key);
	unsigned long long v = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			sscanf(line + klen + 1, "%llu", &v);
			break;
		}
	fclose(f);
	return v;
}

int fr_finish(struct flight_recorder *fr, const void *ram, size_t ram_size)
{
	uint64_t end_ns, end_tsc, ring_bytes = 0, lost = 0, first = 0;
	double tsc_per_ns;
	FILE *f;

	if (!fr)
		return 0;
	end_ns = mono_ns();
	end_tsc = now_tsc();
	tsc_per_ns = end_ns > fr->start_ns
			     ? (double)(end_tsc - fr->start_tsc) /
				       (double)(end_ns - fr->start_ns)
			     : 1.0;
	if (tsc_per_ns <= 0)
		tsc_per_ns = 1.0;
	for (unsigned i = 0; i < fr->cpus; i++) {
		ring_bytes += resident(fr->rings[i].rec,
				       fr->entries * sizeof(struct fr_rec));
		if (fr->rings[i].head > fr->entries)
			lost += fr->rings[i].head - fr->entries;
	}
	if (fr->rings[0].first_run_tsc)
		first = fr->start_ns +
			(uint64_t)((double)(fr->rings[0].first_run_tsc -
					    fr->start_tsc) / tsc_per_ns);
	f = fopen(fr->path, "w");
	if (!f) {
		fprintf(stderr, "ipivirt: --trace %s: %s\n", fr->path,
			strerror(errno));
		return -errno;
	}
	fprintf(f, "# ipivirt-trace v1\n");
	fprintf(f,
		"# cpus=%u tsc_per_ns=%.6f configure_mono_ns=%llu "
		"start_mono_ns=%llu first_run_mono_ns=%llu end_mono_ns=%llu "
		"vm_rss_kib=%llu vm_hwm_kib=%llu guest_ram_resident_kib=%llu "
		"ring_resident_kib=%llu lost=%llu\n",
		fr->cpus, tsc_per_ns, (unsigned long long)fr->configure_ns,
		(unsigned long long)fr->start_ns, (unsigned long long)first,
		(unsigned long long)end_ns,
		(unsigned long long)status_kib("VmRSS"),
		(unsigned long long)status_kib("VmHWM"),
		(unsigned long long)(resident(ram, ram_size) / 1024),
		(unsigned long long)(ring_bytes / 1024),
		(unsigned long long)lost);
	fprintf(f, "# ns cpu stage src seq peer vector\n");
	for (unsigned i = 0; i < fr->cpus; i++) {
		struct fr_ring *r = &fr->rings[i];
		uint64_t from = r->head > fr->entries ? r->head - fr->entries : 0;

		for (uint64_t k = from; k < r->head; k++) {
			const struct fr_rec *e = &r->rec[k & (fr->entries - 1)];
			uint64_t ns = (uint64_t)((double)(e->tsc - fr->start_tsc) /
						 tsc_per_ns);
			fprintf(f, "%llu %u %s %d %u %u %u\n",
				(unsigned long long)ns, e->cpu,
				e->stage < FR_NR_STAGES && stage_names[e->stage]
					? stage_names[e->stage]
					: "?",
				e->src == 0xffff ? -1 : (int)e->src, e->seq,
				e->peer, e->vector);
		}
	}
	if (fclose(f) != 0)
		return -errno;
	return 0;
}
