// SPDX-License-Identifier: MIT
/*
 * flight_recorder.c - per-vCPU lock-free rings of IPI stage timestamps.
 *
 * Every vCPU thread owns one ring and is its only writer (the sender
 * records its own stages, including the kick it gives a target; the target
 * records its wake, injection and EOI), so a record is a plain store and an
 * index increment. The rings are read once, after every vCPU thread has
 * been joined, by one walk (for_each_rec()) that writes the text file and
 * the trace-event (Chrome/Perfetto JSON) file. A full ring overwrites its
 * oldest records (counted as lost).
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
#include "mono_clock.h"

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

static inline uint64_t now_tsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	return mono_clock_ns();
#endif
}

void flight_recorder__destroy(struct flight_recorder *fr)
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

struct flight_recorder *flight_recorder__create(const char *path, size_t ring_entries,
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
	fr->start_ns = mono_clock_ns();
	fr->start_tsc = now_tsc();
	return fr;
fail:
	flight_recorder__destroy(fr);
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

void flight_recorder__thread_start_slow(struct flight_recorder *fr, unsigned cpu)
{
	my_ring = cpu < fr->cpus ? &fr->rings[cpu] : NULL;
}

void flight_recorder__first_run_slow(unsigned cpu)
{
	if (my_ring && cpu == my_ring->cpu && !my_ring->first_run_tsc)
		my_ring->first_run_tsc = now_tsc();
}

void flight_recorder__send_slow(unsigned cpu)
{
	struct fr_ring *r = my_ring;

	if (!r || cpu != r->cpu)
		return;
	r->cur_seq = ++r->next_seq;
	r->cur_vector = 0;
	put(FR_SEND, (uint16_t)cpu, r->cur_seq, (uint16_t)cpu, 0);
}

void flight_recorder__route_slow(unsigned cpu, unsigned vector)
{
	struct fr_ring *r = my_ring;

	if (!r)
		return;
	r->cur_vector = (uint8_t)vector;
	put(FR_ROUTE, (uint16_t)cpu, r->cur_seq, (uint16_t)cpu,
	    (uint8_t)vector);
}

void flight_recorder__pending_slow(struct flight_recorder *fr, unsigned target)
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

void flight_recorder__stage_slow(enum flight_recorder_stage stage, unsigned peer)
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

void flight_recorder__inject_slow(struct flight_recorder *fr, unsigned cpu,
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

/*
 * One write-out of the rings: the recorder, its TSC -> ns rate, the text
 * header's figures, the file being written, and the trace-event writer's
 * state (only the json_* visitors use @json).
 */
struct fr_out {
	const struct flight_recorder *fr;
	double tsc_per_ns;
	uint64_t end_ns, first_run_ns, ring_bytes, lost, ram_bytes;
	FILE *f;
	struct {
		/* Per source vCPU: the IPIs whose send is still in its ring. */
		uint32_t *send_lo;    /* oldest kept send's sequence */
		uint64_t *nr_sends;   /* sends kept: send_lo.. (0: none) */
		uint8_t **delivered;  /* bit seq - send_lo: some inject has it */
		uint64_t last_id[256]; /* this ring: last flowed IPI per vector */
		uint64_t open_inject;  /* this ring: oldest inject without EOI */
		unsigned long long events;
		int pid; /* the process of every event: this VMM */
	} json;
};

#define FR_NONE UINT64_MAX

/* The oldest record still in @r: a full ring has overwritten the first. */
static uint64_t ring_first(const struct flight_recorder *fr,
			   const struct fr_ring *r)
{
	return r->head > fr->entries ? r->head - fr->entries : 0;
}

/* Record @k (counted from the ring's first write) of @r. */
static const struct fr_rec *ring_at(const struct flight_recorder *fr,
				    const struct fr_ring *r, uint64_t k)
{
	return &r->rec[k & (fr->entries - 1)];
}

/* @e's time in ns since the recorder started. */
static uint64_t rec_ns(const struct fr_out *o, const struct fr_rec *e)
{
	if (e->tsc <= o->fr->start_tsc)
		return 0;
	return (uint64_t)((double)(e->tsc - o->fr->start_tsc) / o->tsc_per_ns);
}

static const char *stage_name(uint8_t stage)
{
	return stage < FR_NR_STAGES && stage_names[stage] ? stage_names[stage]
							  : "?";
}

typedef void fr_visit_fn(struct fr_out *o, const struct fr_ring *r,
			 uint64_t k);

/**
 * for_each_rec() - visit every record the rings still hold.
 * @o:        the write-out.
 * @visit:    called with each record's ring and index, ring by ring (vCPU
 *            0 first), oldest record first.
 * @ring_end: if not NULL, called after each ring's last record.
 *
 * The one walk over the rings: the text file and each pass of the
 * trace-event file are visitors of it.
 */
static void for_each_rec(struct fr_out *o, fr_visit_fn *visit,
			 void (*ring_end)(struct fr_out *o,
					  const struct fr_ring *r))
{
	for (unsigned i = 0; i < o->fr->cpus; i++) {
		const struct fr_ring *r = &o->fr->rings[i];

		for (uint64_t k = ring_first(o->fr, r); k < r->head; k++)
			visit(o, r, k);
		if (ring_end)
			ring_end(o, r);
	}
}

/* ---- The text file (format: docs/bench.md) ------------------------------ */

static void text_rec(struct fr_out *o, const struct fr_ring *r, uint64_t k)
{
	const struct fr_rec *e = ring_at(o->fr, r, k);

	fprintf(o->f, "%llu %u %s %d %u %u %u\n",
		(unsigned long long)rec_ns(o, e), e->cpu, stage_name(e->stage),
		e->src == 0xffff ? -1 : (int)e->src, e->seq, e->peer,
		e->vector);
}

static int write_text(struct fr_out *o)
{
	fprintf(o->f, "# ipivirt-trace v1\n");
	fprintf(o->f,
		"# cpus=%u tsc_per_ns=%.6f configure_mono_ns=%llu "
		"start_mono_ns=%llu first_run_mono_ns=%llu end_mono_ns=%llu "
		"vm_rss_kib=%llu vm_hwm_kib=%llu guest_ram_resident_kib=%llu "
		"ring_resident_kib=%llu lost=%llu\n",
		o->fr->cpus, o->tsc_per_ns,
		(unsigned long long)o->fr->configure_ns,
		(unsigned long long)o->fr->start_ns,
		(unsigned long long)o->first_run_ns,
		(unsigned long long)o->end_ns,
		(unsigned long long)status_kib("VmRSS"),
		(unsigned long long)status_kib("VmHWM"),
		(unsigned long long)(o->ram_bytes / 1024),
		(unsigned long long)(o->ring_bytes / 1024),
		(unsigned long long)o->lost);
	fprintf(o->f, "# ns cpu stage src seq peer vector\n");
	for_each_rec(o, text_rec, NULL);
	return 0;
}

/* ---- The Trace Event Format file (Chrome / Perfetto JSON) --------------- */

/* A vCPU's track: thread id cpu + 1, since viewers take tid 0 for idle. */
#define FR_JSON_TID(cpu) ((unsigned)(cpu) + 1)

/* An IPI's flow id, its identity: below 2^53, exact in JavaScript too. */
static uint64_t ipi_id(const struct fr_rec *e)
{
	return (uint64_t)e->src << 32 | e->seq;
}

static bool sender_stage(uint8_t stage)
{
	return stage >= FR_SEND && stage <= FR_KICK_FUTEX;
}

static bool kick_stage(uint8_t stage)
{
	return stage == FR_KICK_SIGNAL || stage == FR_KICK_FUTEX;
}

/*
 * Is @b the next stage of @a's IPI (the record after it on the sender's
 * ring)? send -> route -> pending [-> kick of that target] -> pending ...
 * A kick without its pending (a shutdown kick, say) or a send is not: it
 * only carries the last IPI's identity along.
 */
static bool next_stage(const struct fr_rec *a, const struct fr_rec *b)
{
	if (ipi_id(a) != ipi_id(b))
		return false;
	switch (b->stage) {
	case FR_ROUTE:
		return a->stage == FR_SEND;
	case FR_PENDING:
		return a->stage == FR_ROUTE || a->stage == FR_PENDING ||
		       kick_stage(a->stage);
	case FR_KICK_SIGNAL:
	case FR_KICK_FUTEX:
		return a->stage == FR_PENDING && a->peer == b->peer;
	default:
		return false;
	}
}

/* Is IPI (@src, @seq)'s send still in @src's ring? @bit: its index. */
static bool send_kept(const struct fr_out *o, unsigned src, uint32_t seq,
		      uint64_t *bit)
{
	if (src >= o->fr->cpus)
		return false;
	/* An unsigned difference: right across a 2^32 sequence wrap too. */
	*bit = (uint32_t)(seq - o->json.send_lo[src]);
	return *bit < o->json.nr_sends[src];
}

/*
 * Does the injection @e end a flow from its send? It must name an IPI
 * whose send is still in the trace, and not repeat the IPI the last
 * injection of its vector on this vCPU named (the slot is never cleared).
 * Called once per injection, in ring order, by both passes that ask, so
 * they agree.
 */
static bool inject_flows(struct fr_out *o, const struct fr_rec *e,
			 uint64_t *bit)
{
	uint64_t id = ipi_id(e);

	if (e->src == 0xffff || !send_kept(o, e->src, e->seq, bit) ||
	    o->json.last_id[e->vector] == id)
		return false;
	o->json.last_id[e->vector] = id;
	return true;
}

static void json_ring_start(struct fr_out *o, const struct fr_ring *r,
			    uint64_t k)
{
	if (k != ring_first(o->fr, r))
		return;
	memset(o->json.last_id, 0xff, sizeof(o->json.last_id));
	o->json.open_inject = FR_NONE;
}

/* Pass 1: the sequence numbers whose sends each ring still holds. */
static void json_find_sends(struct fr_out *o, const struct fr_ring *r,
			    uint64_t k)
{
	const struct fr_rec *e = ring_at(o->fr, r, k);

	if (e->stage != FR_SEND)
		return;
	if (!o->json.nr_sends[r->cpu])
		o->json.send_lo[r->cpu] = e->seq;
	o->json.nr_sends[r->cpu] =
		(uint64_t)(uint32_t)(e->seq - o->json.send_lo[r->cpu]) + 1;
}

/* Pass 2: mark the sends some target injected (their slice gets a flow). */
static void json_find_delivered(struct fr_out *o, const struct fr_ring *r,
				uint64_t k)
{
	const struct fr_rec *e = ring_at(o->fr, r, k);
	uint64_t bit;

	json_ring_start(o, r, k);
	if (e->stage == FR_INJECT && inject_flows(o, e, &bit))
		o->json.delivered[e->src][bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static bool delivered(const struct fr_out *o, const struct fr_rec *send)
{
	uint64_t bit;

	return send_kept(o, send->src, send->seq, &bit) &&
	       (o->json.delivered[send->src][bit / 8] >> (bit % 8) & 1);
}

/* Microseconds, the format's unit, with the ns as three decimals. */
static void json_us(FILE *f, const char *key, uint64_t ns)
{
	fprintf(f, ",\"%s\":%llu.%03u", key, (unsigned long long)(ns / 1000),
		(unsigned)(ns % 1000));
}

enum json_flow { FLOW_NONE, FLOW_OUT, FLOW_IN };

/**
 * json_slice() - write one complete ("X") event.
 * @o:    the write-out.
 * @a:    the record the slice starts at; its vCPU is the track.
 * @b:    the record it ends at (named "a->b"), or NULL: a zero-length
 *        slice named after @a.
 * @id:   the record whose identity, vector and peer are the slice's args.
 * @flow: the slice starts (a send) or ends (an injection) @id's flow.
 *
 * Names are the fixed stage names: nothing needs escaping.
 */
static void json_slice(struct fr_out *o, const struct fr_rec *a,
		       const struct fr_rec *b, const struct fr_rec *id,
		       enum json_flow flow)
{
	uint64_t t0 = rec_ns(o, a), t1 = b ? rec_ns(o, b) : t0;

	fprintf(o->f,
		",\n{\"name\":\"%s%s%s\",\"cat\":\"ipi\",\"ph\":\"X\","
		"\"pid\":%d,\"tid\":%u",
		stage_name(a->stage), b ? "->" : "",
		b ? stage_name(b->stage) : "", o->json.pid, FR_JSON_TID(a->cpu));
	json_us(o->f, "ts", t0);
	json_us(o->f, "dur", t1 > t0 ? t1 - t0 : 0);
	fprintf(o->f,
		",\"args\":{\"src\":%d,\"seq\":%u,\"vector\":%u,\"peer\":%u}",
		id->src == 0xffff ? -1 : (int)id->src, id->seq, id->vector,
		id->peer);
	if (flow != FLOW_NONE)
		fprintf(o->f, ",\"bind_id\":%llu,\"%s\":true",
			(unsigned long long)ipi_id(id),
			flow == FLOW_OUT ? "flow_out" : "flow_in");
	fputc('}', o->f);
	o->json.events++;
}

/*
 * The injections from the open one up to record @end (exclusive) all end
 * at @eoi (NULL: none came, zero-length slices): the first EOI after each,
 * trace-breakdown.py's rule. Slices sharing their end nest.
 */
static void json_close_injects(struct fr_out *o, const struct fr_ring *r,
			       uint64_t end, const struct fr_rec *eoi)
{
	uint64_t bit;

	if (o->json.open_inject == FR_NONE)
		return;
	for (uint64_t j = o->json.open_inject; j < end; j++) {
		const struct fr_rec *inj = ring_at(o->fr, r, j);

		if (inj->stage == FR_INJECT)
			json_slice(o, inj, eoi, inj,
				   inject_flows(o, inj, &bit) ? FLOW_IN
							      : FLOW_NONE);
	}
	o->json.open_inject = FR_NONE;
}

/**
 * json_rec() - pass 3: the slices record @k starts or ends.
 * @o: the write-out.
 * @r: the ring: the vCPU's track.
 * @k: the record.
 *
 * On the sender's track, a stage lasts up to the next stage of the same IPI
 * when that is the ring's next record (send->route->pending->kick; a
 * multicast repeats pending->kick per target), and a send always gets a
 * slice, the start of its flow. On the target's track, a wake lasts up to
 * the injection right after it, and an injection up to the first EOI after
 * it. Slices between neighbouring records, and injections that share their
 * EOI, overlap only by nesting, which a viewer's track requires.
 */
static void json_rec(struct fr_out *o, const struct fr_ring *r, uint64_t k)
{
	const struct fr_rec *e = ring_at(o->fr, r, k);
	const struct fr_rec *next =
		k + 1 < r->head ? ring_at(o->fr, r, k + 1) : NULL;

	json_ring_start(o, r, k);
	if (sender_stage(e->stage)) {
		bool chained = next && next_stage(e, next);

		/* The args of the later stage: route knows the vector, a
		 * pending or kick its target. */
		if (chained || e->stage == FR_SEND)
			json_slice(o, e, chained ? next : NULL,
				   chained ? next : e,
				   e->stage == FR_SEND && delivered(o, e)
					   ? FLOW_OUT
					   : FLOW_NONE);
	} else if (e->stage == FR_WAKE_EXIT || e->stage == FR_WAKE_HALT) {
		if (next && next->stage == FR_INJECT)
			json_slice(o, e, next, next, FLOW_NONE);
	} else if (e->stage == FR_INJECT) {
		if (o->json.open_inject == FR_NONE)
			o->json.open_inject = k;
	} else if (e->stage == FR_EOI) {
		json_close_injects(o, r, k, e);
	}
}

/* The injections no EOI followed. */
static void json_ring_end(struct fr_out *o, const struct fr_ring *r)
{
	json_close_injects(o, r, r->head, NULL);
}

/* A metadata ("M") event of vCPU track @tid: args {@key: @value}. */
static void json_meta(struct fr_out *o, const char *name, unsigned tid,
		      const char *key, const char *value)
{
	fprintf(o->f,
		"%s\n{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%d,\"tid\":%u,"
		"\"args\":{\"%s\":%s}}",
		o->json.events ? "," : "", name, o->json.pid, tid, key, value);
	o->json.events++;
}

/**
 * write_json() - the rings in the Trace Event Format (its JSON object form).
 * @o: the write-out, o->f open for writing.
 *
 * One process "ipivirt VM", one thread per vCPU ("vCPU n"), complete
 * slices per stage interval (json_rec()), and a flow from every send to
 * each injection of it (v2: bind_id, flow_out on the send's slice and
 * flow_in on the injection's), by the recorder's own correlation: the
 * identity the injection read from its slot. A flow is drawn only when
 * both ends are still in the rings: every flow_in has its flow_out, every
 * flow_out at least one flow_in. Return: 0 or -ENOMEM.
 */
static int write_json(struct fr_out *o)
{
	unsigned n = o->fr->cpus;
	char value[32];
	int ret = 0;

	o->json.pid = (int)getpid(); /* once: glibc makes each call a syscall */
	o->json.send_lo = calloc(n, sizeof(*o->json.send_lo));
	o->json.nr_sends = calloc(n, sizeof(*o->json.nr_sends));
	o->json.delivered = calloc(n, sizeof(*o->json.delivered));
	if (!o->json.send_lo || !o->json.nr_sends || !o->json.delivered) {
		ret = -ENOMEM;
		goto out;
	}
	for_each_rec(o, json_find_sends, NULL);
	for (unsigned i = 0; i < n; i++) {
		o->json.delivered[i] = calloc(o->json.nr_sends[i] / 8 + 1, 1);
		if (!o->json.delivered[i]) {
			ret = -ENOMEM;
			goto out;
		}
	}
	for_each_rec(o, json_find_delivered, NULL);

	fputs("{\"traceEvents\":[", o->f);
	json_meta(o, "process_name", FR_JSON_TID(0), "name", "\"ipivirt VM\"");
	for (unsigned i = 0; i < n; i++) {
		snprintf(value, sizeof(value), "\"vCPU %u\"", i);
		json_meta(o, "thread_name", FR_JSON_TID(i), "name", value);
		snprintf(value, sizeof(value), "%u", i);
		json_meta(o, "thread_sort_index", FR_JSON_TID(i), "sort_index",
			  value);
	}
	for_each_rec(o, json_rec, json_ring_end);
	fprintf(o->f,
		"\n],\"displayTimeUnit\":\"ns\",\"otherData\":{"
		"\"format\":\"ipivirt-trace v1\",\"cpus\":%u,"
		"\"tsc_per_ns\":%.6f,\"lost\":%llu}}\n",
		n, o->tsc_per_ns, (unsigned long long)o->lost);
out:
	for (unsigned i = 0; o->json.delivered && i < n; i++)
		free(o->json.delivered[i]);
	free(o->json.delivered);
	free(o->json.nr_sends);
	free(o->json.send_lo);
	return ret;
}

/* Write @path with @fill: 0 or -errno, which is also reported. */
static int write_file(struct fr_out *o, const char *path,
		      int (*fill)(struct fr_out *o))
{
	int ret;

	o->f = fopen(path, "w");
	if (!o->f) {
		ret = -errno;
	} else {
		ret = fill(o);
		if (fclose(o->f) != 0 && !ret)
			ret = -errno;
		o->f = NULL;
	}
	if (ret)
		fprintf(stderr, "ipivirt: --trace %s: %s\n", path,
			strerror(-ret));
	return ret;
}

int flight_recorder__finish(struct flight_recorder *fr, const void *ram, size_t ram_size)
{
	struct fr_out o = { .fr = fr };
	char *json_path;
	int ret, ret2;

	if (!fr)
		return 0;
	o.end_ns = mono_clock_ns();
	o.tsc_per_ns = o.end_ns > fr->start_ns
			       ? (double)(now_tsc() - fr->start_tsc) /
					 (double)(o.end_ns - fr->start_ns)
			       : 1.0;
	if (o.tsc_per_ns <= 0)
		o.tsc_per_ns = 1.0;
	for (unsigned i = 0; i < fr->cpus; i++) {
		o.ring_bytes += resident(fr->rings[i].rec,
					 fr->entries * sizeof(struct fr_rec));
		if (fr->rings[i].head > fr->entries)
			o.lost += fr->rings[i].head - fr->entries;
	}
	if (fr->rings[0].first_run_tsc)
		o.first_run_ns =
			fr->start_ns +
			(uint64_t)((double)(fr->rings[0].first_run_tsc -
					    fr->start_tsc) /
				   o.tsc_per_ns);
	o.ram_bytes = resident(ram, ram_size);
	/* The text first: its VmRSS/VmHWM come before the JSON pass's. */
	ret = write_file(&o, fr->path, write_text);
	if (asprintf(&json_path, "%s.json", fr->path) < 0)
		return ret ? ret : -ENOMEM;
	ret2 = write_file(&o, json_path, write_json);
	free(json_path);
	return ret ? ret : ret2;
}
