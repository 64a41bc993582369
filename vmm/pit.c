// SPDX-License-Identifier: MIT
/*
 * pit.c - the 8254 PIT, computed from the clock rather than ticked.
 *
 * Each channel keeps when its counting element (CE) was loaded (@start, in
 * PIT clocks since pit_create()) and with what count; its value and OUT at
 * any later time follow from the mode's arithmetic, so no host timer runs.
 * Timing follows the data sheet: a count (or a gate trigger) is loaded at
 * the first CLK edge after the write, and the CE decrements at every edge
 * after that, so mode 0's OUT rises N + 1 edges after the count is written
 * (QEMU and KVM's in-kernel PIT take N; the difference is under 1 us).
 *
 * BCD counting is done in decimal: the counter wraps at 10000 instead of
 * 65536 and reads back as BCD digits. What the data sheet leaves undefined
 * is given a harmless meaning: a BCD digit above 9 counts with its binary
 * value (the count is the weighted sum modulo 10000); a count of 1, illegal
 * in modes 2 and 3, keeps mode 2's OUT low and mode 3's high.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "muldiv.h"
#include "pit.h"

#define NS_PER_SEC 1000000000ull

/* Control word (port 0x43) fields. */
#define CW_SC(v) (((v) >> 6) & 3u) /* 3: read-back command */
#define CW_RW(v) (((v) >> 4) & 3u) /* 0: counter latch command */
#define CW_MODE(v) (((v) >> 1) & 7u)
#define CW_BCD 0x01u
/* Read-back command: active-low latch selects, one bit per channel. */
#define RB_NO_COUNT 0x20u
#define RB_NO_STATUS 0x10u
#define RB_CHANNEL(ch) (2u << (ch))
/* Status byte. */
#define ST_OUT 0x80u
#define ST_NULL_COUNT 0x40u

enum pit_rw { RW_LATCH = 0, RW_LSB = 1, RW_MSB = 2, RW_WORD = 3 };

#define NEVER INT64_MAX

struct pit_channel {
	/* Programming. */
	uint8_t rw, mode, mode_bits; /* mode folded 6/7 -> 2/3; bits as written */
	bool bcd;
	bool gate;
	bool write_msb_next;  /* RW_WORD: the LSB is written, the MSB is next */
	uint8_t cr_lsb;
	bool have_count;      /* a count was written since the control word */
	uint32_t initial;     /* the last count written: 1..modulus */
	int64_t null_until;   /* NULL COUNT reads 1 before this tick */

	/* Counting element. */
	bool running;         /* loaded (from @start on) and counting */
	int64_t start;        /* tick at which the CE held @count */
	uint32_t count;       /* what the CE was loaded with */
	uint32_t frozen;      /* the CE while not running (or before @start) */
	bool paused;          /* modes 0/4: GATE low holds the CE at @held */
	int64_t held;
	bool pending;         /* modes 2/3: @pending_count takes over at... */
	int64_t pending_at;   /* ...this tick (end of the (half) cycle), */
	int64_t pending_start; /* continuing as if loaded at this tick */
	uint32_t pending_count;

	/* Read side. */
	bool read_msb_next;   /* RW_WORD live reads: LSB, MSB, LSB, ... */
	unsigned latch_bytes; /* latched count bytes left to read */
	bool latch_msb_next;
	uint16_t latched;
	bool status_latched;
	uint8_t status;
};

struct pit {
	pthread_mutex_t lock; /* every vCPU may touch the ports */
	struct pit_ops ops;
	uint64_t t0_ns;
	int64_t last_tick;    /* time never runs backwards for the model */
	struct pit_channel ch[PIT_NR_CHANNELS];
	uint8_t portb;        /* port 0x61's writable bits */
	bool refresh;
	bool irq_level;       /* channel 0's OUT as last told to raise_irq */
	int64_t rise_at;      /* channel 0's next rise as last armed; NEVER */
};

static uint32_t modulus(const struct pit_channel *c)
{
	return c->bcd ? 10000u : 65536u;
}

/* PIT clocks in @ns, rounded down. */
static int64_t ns_to_ticks(uint64_t ns)
{
	return (int64_t)muldiv(ns, PIT_HZ, NS_PER_SEC, false);
}

/* The first nanosecond (after t0) at which @ticks have elapsed. */
static uint64_t ticks_to_ns(int64_t ticks)
{
	return muldiv((uint64_t)ticks, NS_PER_SEC, PIT_HZ, true);
}

static int64_t now_ticks(struct pit *pit)
{
	uint64_t ns = pit->ops.now_ns(pit->ops.opaque);
	int64_t t = ns_to_ticks(ns > pit->t0_ns ? ns - pit->t0_ns : 0);

	if (t < pit->last_tick)
		t = pit->last_tick;
	pit->last_tick = t;
	return t;
}

static uint32_t decode_count(const struct pit_channel *c, uint16_t raw)
{
	uint32_t n = raw;

	if (c->bcd)
		n = ((raw >> 12) & 15u) * 1000u + ((raw >> 8) & 15u) * 100u +
		    ((raw >> 4) & 15u) * 10u + (raw & 15u);
	n %= modulus(c);
	return n ? n : modulus(c); /* 0 is the largest count */
}

static uint16_t encode_value(const struct pit_channel *c, uint32_t v)
{
	if (!c->bcd)
		return (uint16_t)v;
	v %= 10000u;
	return (uint16_t)((v / 1000u) << 12 | (v / 100u % 10u) << 8 |
			  (v / 10u % 10u) << 4 | (v % 10u));
}

/* Modes 2/3: a count written while counting takes over at its boundary. */
static void settle(struct pit_channel *c, int64_t t)
{
	if (c->pending && c->running && t >= c->pending_at) {
		c->start = c->pending_start;
		c->count = c->pending_count;
		c->pending = false;
	}
}

/* Clocks counted since the load, or -1 when the CE is not counting yet. */
static int64_t elapsed(const struct pit_channel *c, int64_t t)
{
	if (!c->running || t < c->start)
		return -1;
	return c->paused ? c->held : t - c->start;
}

/* The CE's value at tick @t, in 0..modulus-1. */
static uint32_t ce_value(struct pit_channel *c, int64_t t)
{
	const int64_t m = modulus(c);
	int64_t n, e, ph, h;

	settle(c, t);
	n = c->count;
	e = elapsed(c, t);
	if (e < 0)
		return c->frozen % (uint32_t)m;
	switch (c->mode) {
	case 2: /* N, N-1, ..., 1, N, ... */
		return (uint32_t)((n - e % n) % m);
	case 3: /* by twos through each half: N (or N-1 when odd) down */
		ph = e % n;
		h = (n + 1) / 2;
		return (uint32_t)(((n & ~1ll) - 2 * (ph < h ? ph : ph - h)) % m);
	default: /* 0, 1, 4, 5: down from N, wrapping past 0 */
		return (uint32_t)((n - e % m + m) % m);
	}
}

static bool ce_out(struct pit_channel *c, int64_t t)
{
	int64_t n, e;

	settle(c, t);
	n = c->count;
	e = elapsed(c, t);
	if (e < 0) /* after a control word: mode 0 low, the others high */
		return c->mode != 0;
	switch (c->mode) {
	case 0: /* interrupt on terminal count */
	case 1: /* one-shot: low from the trigger to terminal count */
		return e >= n;
	case 2: /* rate generator: low for the clock at count 1 */
		return n > 1 && e % n != n - 1;
	case 3: /* square wave: high for the first (larger) half */
		return e % n < (n + 1) / 2;
	default: /* 4, 5: strobe: low for the one clock at count 0 */
		return e != n;
	}
}

static uint8_t status_byte(struct pit_channel *c, int64_t t)
{
	return (uint8_t)((ce_out(c, t) ? ST_OUT : 0) |
			 (t < c->null_until ? ST_NULL_COUNT : 0) |
			 c->rw << 4 | c->mode_bits << 1 | (c->bcd ? 1 : 0));
}

/* Load @n into the CE at the next clock edge. */
static void load(struct pit_channel *c, uint32_t n, int64_t t)
{
	c->frozen = ce_value(c, t);
	c->count = n;
	c->start = t + 1;
	c->running = true;
	c->paused = false;
	c->pending = false;
	if (c->null_until > t + 1)
		c->null_until = t + 1;
}

/* Stop counting: the CE keeps its value. */
static void stop(struct pit_channel *c, int64_t t)
{
	c->frozen = ce_value(c, t);
	c->running = false;
	c->paused = false;
	c->pending = false;
}

static void latch_count(struct pit_channel *c, int64_t t)
{
	if (c->latch_bytes) /* latched once: later latches are ignored */
		return;
	c->latched = encode_value(c, ce_value(c, t));
	c->latch_bytes = c->rw == RW_WORD ? 2 : 1;
	c->latch_msb_next = c->rw == RW_MSB;
}

static void latch_status(struct pit_channel *c, int64_t t)
{
	if (c->status_latched)
		return;
	c->status = status_byte(c, t);
	c->status_latched = true;
}

static void control_word(struct pit *pit, uint8_t v, int64_t t)
{
	struct pit_channel *c;

	if (CW_SC(v) == 3) { /* read-back; bit 0 is reserved and ignored */
		for (unsigned i = 0; i < PIT_NR_CHANNELS; i++) {
			if (!(v & RB_CHANNEL(i)))
				continue;
			if (!(v & RB_NO_COUNT))
				latch_count(&pit->ch[i], t);
			if (!(v & RB_NO_STATUS))
				latch_status(&pit->ch[i], t);
		}
		return;
	}
	c = &pit->ch[CW_SC(v)];
	if (CW_RW(v) == RW_LATCH) {
		latch_count(c, t);
		return;
	}
	/* A new mode: control logic reset, counting stops until a count. */
	stop(c, t);
	c->rw = (uint8_t)CW_RW(v);
	c->mode_bits = (uint8_t)CW_MODE(v);
	c->mode = c->mode_bits > 5 ? c->mode_bits - 4 : c->mode_bits;
	c->bcd = v & CW_BCD;
	c->write_msb_next = c->read_msb_next = false;
	c->latch_bytes = 0;
	c->status_latched = false;
	c->have_count = false;
	c->null_until = NEVER;
}

/* Modes 2/3, counting: where the current (half) cycle ends. */
static void schedule_pending(struct pit_channel *c, uint32_t n, int64_t t)
{
	const int64_t old = c->count, e = t - c->start;
	int64_t base, ph, h;

	if (e < 0) { /* not loaded yet: just load the new one instead */
		c->count = n;
		c->null_until = c->start;
		return;
	}
	ph = e % old;
	base = c->start + e - ph;
	h = (old + 1) / 2;
	c->pending = true;
	c->pending_count = n;
	if (c->mode == 3 && ph < h) { /* end of the high half: go on low */
		c->pending_at = base + h;
		c->pending_start = c->pending_at - ((int64_t)n + 1) / 2;
	} else {
		c->pending_at = base + old;
		c->pending_start = c->pending_at;
	}
	c->null_until = c->pending_at;
}

static void count_written(struct pit_channel *c, uint16_t raw, int64_t t)
{
	uint32_t n = decode_count(c, raw);

	c->initial = n;
	c->have_count = true;
	c->null_until = NEVER;
	switch (c->mode) {
	case 0:
	case 4:
		load(c, n, t);
		if (!c->gate) { /* loaded, but held until GATE rises */
			c->paused = true;
			c->held = 0;
		}
		break;
	case 1:
	case 5: /* armed: the next GATE rising edge loads it */
		break;
	default: /* 2, 3 */
		settle(c, t);
		if (c->running)
			schedule_pending(c, n, t);
		else if (c->gate)
			load(c, n, t);
		break;
	}
}

static void counter_write(struct pit_channel *c, uint8_t v, int64_t t)
{
	switch (c->rw) {
	case RW_LSB:
		count_written(c, v, t);
		break;
	case RW_MSB:
		count_written(c, (uint16_t)(v << 8), t);
		break;
	default:
		if (!c->write_msb_next) {
			c->cr_lsb = v;
			c->write_msb_next = true;
			if (c->mode == 0) /* mode 0: the first byte stops it */
				stop(c, t);
			break;
		}
		c->write_msb_next = false;
		count_written(c, (uint16_t)(c->cr_lsb | v << 8), t);
		break;
	}
}

static uint8_t counter_read(struct pit_channel *c, int64_t t)
{
	uint16_t v;
	bool msb;

	if (c->status_latched) { /* status first, whatever came first */
		c->status_latched = false;
		return c->status;
	}
	if (c->latch_bytes) {
		msb = c->latch_msb_next;
		c->latch_msb_next = !msb;
		c->latch_bytes--;
		return (uint8_t)(msb ? c->latched >> 8 : c->latched);
	}
	v = encode_value(c, ce_value(c, t));
	if (c->rw == RW_WORD) {
		msb = c->read_msb_next;
		c->read_msb_next = !msb;
	} else {
		msb = c->rw == RW_MSB;
	}
	return (uint8_t)(msb ? v >> 8 : v);
}

static void set_gate(struct pit_channel *c, bool level, int64_t t)
{
	bool rising = level && !c->gate;

	if (level == c->gate)
		return;
	c->gate = level;
	switch (c->mode) {
	case 0:
	case 4: /* GATE low holds the count */
		if (!c->running)
			break;
		if (!level && !c->paused) {
			c->paused = true;
			c->held = t > c->start ? t - c->start : 0;
		} else if (level && c->paused) {
			c->paused = false;
			if (t - c->held > c->start)
				c->start = t - c->held;
		}
		break;
	case 1:
	case 5: /* a rising edge (re)triggers */
		if (rising && c->have_count)
			load(c, c->initial, t);
		break;
	default: /* 2, 3: low stops with OUT high, a rising edge reloads */
		if (!level && c->running)
			stop(c, t);
		else if (rising && c->have_count)
			load(c, c->initial, t);
		break;
	}
}

static int64_t next_rise(struct pit_channel *c, int64_t t);

/*
 * Channel 0's OUT to raise_irq, on a change, and its next rise to
 * timer_arm. Lock held. A rise that came and went between two looks (mode
 * 2's low pulse lasts one PIT clock, 838 ns; any host timer is later than
 * that) is replayed as low then high: for an edge-triggered IRQ0 the edge
 * is what counts.
 */
static void update_irq(struct pit *pit, int64_t t)
{
	bool level;
	int64_t rise;

	if (!pit->ops.raise_irq)
		return;
	if (pit->rise_at != NEVER && t >= pit->rise_at) {
		if (pit->irq_level)
			pit->ops.raise_irq(pit->ops.opaque, false);
		pit->ops.raise_irq(pit->ops.opaque, true);
		pit->irq_level = true;
	}
	level = ce_out(&pit->ch[0], t);
	if (level != pit->irq_level) {
		pit->irq_level = level;
		pit->ops.raise_irq(pit->ops.opaque, level);
	}
	rise = next_rise(&pit->ch[0], t);
	if (rise != pit->rise_at) {
		pit->rise_at = rise;
		if (pit->ops.timer_arm)
			pit->ops.timer_arm(pit->ops.opaque,
					   rise == NEVER ? 0
							 : pit->t0_ns +
								   ticks_to_ns(rise));
	}
}

struct pit *pit_create(const struct pit_ops *ops)
{
	struct pit *pit;

	if (!ops || !ops->now_ns)
		return NULL;
	pit = calloc(1, sizeof(*pit));
	if (!pit)
		return NULL;
	pthread_mutex_init(&pit->lock, NULL);
	pit->ops = *ops;
	pit->t0_ns = ops->now_ns(ops->opaque);
	/* Power-on: mode 3, count 0 (65536), as a BIOS-less PC (and QEMU). */
	for (unsigned i = 0; i < PIT_NR_CHANNELS; i++) {
		struct pit_channel *c = &pit->ch[i];

		c->rw = RW_WORD;
		c->mode = c->mode_bits = 3;
		c->initial = c->count = 65536;
		c->have_count = true;
		c->gate = i != 2; /* 0 and 1: tied high; 2: port 0x61 bit 0 */
		c->running = c->gate;
	}
	pit->irq_level = ce_out(&pit->ch[0], 0);
	pit->rise_at = NEVER; /* armed at the first access or pit_poll() */
	return pit;
}

void pit_destroy(struct pit *pit)
{
	if (!pit)
		return;
	pthread_mutex_destroy(&pit->lock);
	free(pit);
}

uint8_t pit_read(struct pit *pit, uint16_t port)
{
	uint8_t v = 0xff;
	int64_t t;

	pthread_mutex_lock(&pit->lock);
	t = now_ticks(pit);
	if (port >= PIT_PORT_BASE && port < PIT_PORT_BASE + PIT_NR_CHANNELS) {
		v = counter_read(&pit->ch[port - PIT_PORT_BASE], t);
	} else if (port == PIT_PORT_CONTROL_B) {
		v = (uint8_t)((pit->portb & PIT_PORTB_WRITABLE) |
			      (pit->refresh ? PIT_PORTB_REFRESH : 0) |
			      (ce_out(&pit->ch[2], t) ? PIT_PORTB_OUT2 : 0));
		/* Real refresh toggles every 15 us; loops wait for a change. */
		pit->refresh = !pit->refresh;
	} /* 0x43 is write-only: the bus floats */
	update_irq(pit, t);
	pthread_mutex_unlock(&pit->lock);
	return v;
}

void pit_write(struct pit *pit, uint16_t port, uint8_t value)
{
	int64_t t;

	pthread_mutex_lock(&pit->lock);
	t = now_ticks(pit);
	if (port >= PIT_PORT_BASE && port < PIT_PORT_BASE + PIT_NR_CHANNELS) {
		counter_write(&pit->ch[port - PIT_PORT_BASE], value, t);
	} else if (port == PIT_PORT_BASE + 3) {
		control_word(pit, value, t);
	} else if (port == PIT_PORT_CONTROL_B) {
		pit->portb = value & PIT_PORTB_WRITABLE;
		set_gate(&pit->ch[2], value & PIT_PORTB_GATE2, t);
	}
	update_irq(pit, t);
	pthread_mutex_unlock(&pit->lock);
}

bool pit_out(struct pit *pit, unsigned ch)
{
	bool out = false;

	if (ch >= PIT_NR_CHANNELS)
		return false;
	pthread_mutex_lock(&pit->lock);
	out = ce_out(&pit->ch[ch], now_ticks(pit));
	pthread_mutex_unlock(&pit->lock);
	return out;
}

void pit_poll(struct pit *pit)
{
	pthread_mutex_lock(&pit->lock);
	update_irq(pit, now_ticks(pit));
	pthread_mutex_unlock(&pit->lock);
}

/* The first tick after @t at which @c's OUT rises, or NEVER. */
static int64_t next_rise(struct pit_channel *c, int64_t t)
{
	int64_t n, e, rise = NEVER;

	settle(c, t);
	n = c->count;
	if (!c->running || c->paused)
		return NEVER;
	e = t < c->start ? -1 : t - c->start;
	switch (c->mode) {
	case 0:
	case 1:
		rise = c->start + n;
		break;
	case 4:
	case 5:
		rise = c->start + n + 1;
		break;
	case 2: /* OUT rises where each period starts */
	case 3:
		if (c->mode == 2 && n == 1)
			return NEVER;
		rise = c->start + (e < 0 ? n : (e / n + 1) * n);
		/* A pending count may move the edge: never answer late. */
		if (c->pending && c->pending_at < rise)
			rise = c->pending_at;
		break;
	}
	return rise > t ? rise : NEVER;
}

uint64_t pit_next_event_ns(struct pit *pit)
{
	int64_t rise;

	pthread_mutex_lock(&pit->lock);
	rise = next_rise(&pit->ch[0], now_ticks(pit));
	pthread_mutex_unlock(&pit->lock);
	if (rise == NEVER)
		return UINT64_MAX;
	return pit->t0_ns + ticks_to_ns(rise);
}

static uint8_t pit_read_byte(void *pit, uint16_t port)
{
	return pit_read(pit, port);
}

static void pit_write_byte(void *pit, uint16_t port, uint8_t value)
{
	pit_write(pit, port, value);
}

static void pit_io(void *opaque, unsigned cpu, uint64_t addr, void *data,
		   unsigned len, bool is_write, uint16_t base)
{
	(void)cpu;
	bus_byte_io(opaque, (uint16_t)(base + addr), data, len, is_write,
		    pit_read_byte, pit_write_byte);
}

static void pit_counters_access(void *opaque, unsigned cpu, uint64_t addr,
				void *data, unsigned len, bool is_write)
{
	pit_io(opaque, cpu, addr, data, len, is_write, PIT_PORT_BASE);
}

static void pit_portb_access(void *opaque, unsigned cpu, uint64_t addr,
			     void *data, unsigned len, bool is_write)
{
	pit_io(opaque, cpu, addr, data, len, is_write, PIT_PORT_CONTROL_B);
}

int pit_register(struct pit *pit, struct bus *pio)
{
	int err;

	if (!pit || !pio)
		return -EINVAL;
	err = bus_register(pio, PIT_PORT_BASE, PIT_NR_PORTS,
			   pit_counters_access, pit, "pit");
	if (!err)
		err = bus_register(pio, PIT_PORT_CONTROL_B, 1,
				   pit_portb_access, pit, "port-b");
	return err;
}
