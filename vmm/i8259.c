// SPDX-License-Identifier: MIT
/*
 * i8259.c - two cascaded 8259A PICs and the ELCR; see i8259.h.
 *
 * Priorities are kept as the chip keeps them: IR n's priority level is
 * (n - lowest - 1) & 7, where "lowest" is the IR of lowest priority (IR7
 * after ICW1; rotation and "set priority" move it). A request raises INT
 * when it is unmasked and of a higher level than everything in service
 * (in special mask mode, in-service IRs that are masked do not count).
 * The master's IR2 is the slave's INT output, driven into the master like
 * any line (an edge latches IRR bit 2), so a slave request that goes away
 * before the INTA still gets the cascade acknowledged and the slave's
 * spurious IR7, as on the chips.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "i8259.h"

#define ICW1_IC4 0x01
#define ICW1_SNGL 0x02
#define ICW1_LTIM 0x08
#define ICW1_INIT 0x10
#define OCW3_SELECT 0x08
#define ICW4_AEOI 0x02
#define ELCR_MASTER_WRITABLE 0xf8 /* IRQ 0, 1, 2: always edge */
#define ELCR_SLAVE_WRITABLE 0xde  /* IRQ 8 and 13: always edge */

struct pic_chip {
	uint8_t irr, isr, imr;
	uint8_t lines;        /* input levels as last driven */
	uint8_t elcr, elcr_writable;
	uint8_t vector_base;
	uint8_t lowest;       /* the IR of lowest priority */
	uint8_t init_step;    /* 0: ready; 1, 2, 3: expecting ICW2, 3, 4 */
	bool need_icw4, single, ltim;
	bool read_isr, poll, special_mask, auto_eoi, rotate_on_aeoi;
};

struct i8259 {
	pthread_mutex_t lock;
	struct i8259_ops ops;
	struct pic_chip chip[2]; /* master, slave */
	bool intr;
	bool slave_int;          /* the slave's INT pin, as the master sees it */
};

static bool is_level(const struct pic_chip *c, unsigned ir)
{
	return c->ltim || (c->elcr >> ir & 1);
}

/* Priority level of @ir: 0 is the highest. */
static unsigned level_of(const struct pic_chip *c, unsigned ir)
{
	return (ir - c->lowest - 1) & 7;
}

/* The IR of highest priority in @mask, or -1. */
static int highest(const struct pic_chip *c, uint8_t mask)
{
	for (unsigned lvl = 0; lvl < 8; lvl++) {
		unsigned ir = (c->lowest + 1 + lvl) & 7;
		if (mask >> ir & 1)
			return (int)ir;
	}
	return -1;
}

/* The IR that would be acknowledged now, or -1 (INT low). */
static int chip_request(const struct pic_chip *c, uint8_t irr)
{
	uint8_t in_service = c->isr;
	int req = highest(c, irr & ~c->imr & ~c->isr), cur;

	if (req < 0)
		return -1;
	/* Special mask mode: what is in service blocks nothing (the datasheet:
	 * enables all levels that are not masked). */
	if (c->special_mask)
		in_service = 0;
	cur = highest(c, in_service);
	if (cur >= 0 && level_of(c, (unsigned)cur) <= level_of(c, (unsigned)req))
		return -1;
	return req;
}

static int master_request(const struct i8259 *pic)
{
	return chip_request(&pic->chip[0], pic->chip[0].irr);
}

static void drive_line(struct pic_chip *c, unsigned ir, bool level);

/* Drive the slave's INT into the master's IR2, then tell the VMM when
 * the master's INT changed. Lock held. */
static void update_intr(struct i8259 *pic)
{
	struct pic_chip *s = &pic->chip[1];
	bool slave_int = !pic->chip[0].single && chip_request(s, s->irr) >= 0;
	bool level;

	if (slave_int != pic->slave_int) {
		pic->slave_int = slave_int;
		drive_line(&pic->chip[0], I8259_CASCADE_IRQ, slave_int);
	}
	level = master_request(pic) >= 0;

	if (level == pic->intr)
		return;
	pic->intr = level;
	if (pic->ops.set_intr)
		pic->ops.set_intr(pic->ops.opaque, level);
}

/* The acknowledge of @ir on @c: in service (or auto-EOI), edge IRR off. */
static void chip_ack(struct pic_chip *c, unsigned ir)
{
	if (c->auto_eoi) {
		if (c->rotate_on_aeoi)
			c->lowest = (uint8_t)ir;
	} else {
		c->isr |= (uint8_t)(1u << ir);
	}
	if (!is_level(c, ir))
		c->irr &= (uint8_t)~(1u << ir);
}

/* INTA: the vector, acknowledging through the cascade. Lock held. */
static int ack_locked(struct i8259 *pic)
{
	struct pic_chip *m = &pic->chip[0], *s = &pic->chip[1];
	int ir = master_request(pic), sir;

	if (ir < 0)
		return m->vector_base + 7; /* spurious: the request went away */
	if (ir != I8259_CASCADE_IRQ || m->single) {
		chip_ack(m, (unsigned)ir);
		return m->vector_base + ir;
	}
	sir = chip_request(s, s->irr);
	chip_ack(m, I8259_CASCADE_IRQ);
	if (sir < 0)
		return s->vector_base + 7;
	chip_ack(s, (unsigned)sir);
	return s->vector_base + sir;
}

/* What ICW1 and power-on both clear: in service, priorities, modes. */
static void reset_modes(struct pic_chip *c)
{
	c->isr = 0;
	c->lowest = 7;
	c->read_isr = c->poll = c->special_mask = false;
	c->auto_eoi = c->rotate_on_aeoi = false;
}

/* A level line's IRR bit is its input, whatever an edge latched before. */
static void sync_level_irr(struct pic_chip *c)
{
	for (unsigned ir = 0; ir < 8; ir++) {
		uint8_t bit = (uint8_t)(1u << ir);

		if (!is_level(c, ir))
			continue;
		if (c->lines & bit)
			c->irr |= bit;
		else
			c->irr &= (uint8_t)~bit;
	}
}

static void chip_reset(struct pic_chip *c, uint8_t vector_base)
{
	reset_modes(c);
	c->irr = 0;
	c->imr = 0xff;
	c->vector_base = vector_base;
	c->init_step = 0;
	c->need_icw4 = c->single = c->ltim = false;
}

struct i8259 *i8259_create(const struct i8259_ops *ops)
{
	struct i8259 *pic;

	if (!ops)
		return NULL;
	pic = calloc(1, sizeof(*pic));
	if (!pic)
		return NULL;
	pthread_mutex_init(&pic->lock, NULL);
	pic->ops = *ops;
	chip_reset(&pic->chip[0], 0x08);
	chip_reset(&pic->chip[1], 0x70);
	pic->chip[0].elcr_writable = ELCR_MASTER_WRITABLE;
	pic->chip[1].elcr_writable = ELCR_SLAVE_WRITABLE;
	return pic;
}

void i8259_destroy(struct i8259 *pic)
{
	if (!pic)
		return;
	pthread_mutex_destroy(&pic->lock);
	free(pic);
}

/* ICW1: initialize. The edge latches restart: a line already high must
 * fall and rise again before it requests (level lines request at once). */
static void icw1(struct pic_chip *c, uint8_t v)
{
	reset_modes(c);
	c->init_step = 1;
	c->need_icw4 = v & ICW1_IC4;
	c->single = v & ICW1_SNGL;
	c->ltim = v & ICW1_LTIM;
	c->imr = 0;
	c->irr = 0;
	sync_level_irr(c);
}

static void ocw2(struct pic_chip *c, uint8_t v)
{
	unsigned ir = v & 7;
	int top;

	switch (v >> 5) {
	case 0: /* clear rotate in auto-EOI mode */
		c->rotate_on_aeoi = false;
		break;
	case 4: /* set rotate in auto-EOI mode */
		c->rotate_on_aeoi = true;
		break;
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI */
		top = highest(c, c->isr);
		if (top < 0)
			break;
		c->isr &= (uint8_t)~(1u << top);
		if (v >> 5 == 5)
			c->lowest = (uint8_t)top;
		break;
	case 3: /* specific EOI */
	case 7: /* rotate on specific EOI */
		c->isr &= (uint8_t)~(1u << ir);
		if (v >> 5 == 7)
			c->lowest = (uint8_t)ir;
		break;
	case 6: /* set priority: @ir becomes the lowest */
		c->lowest = (uint8_t)ir;
		break;
	default: /* 2: no operation */
		break;
	}
}

static void ocw3(struct pic_chip *c, uint8_t v)
{
	if (v & 0x04)
		c->poll = true;
	if (v & 0x02)
		c->read_isr = v & 0x01;
	if (v & 0x40)
		c->special_mask = v & 0x20;
}

static void data_write(struct pic_chip *c, uint8_t v)
{
	switch (c->init_step) {
	case 1: /* ICW2 */
		c->vector_base = v & 0xf8;
		c->init_step = c->single ? (c->need_icw4 ? 3 : 0) : 2;
		break;
	case 2: /* ICW3: the cascade wiring is fixed on a PC */
		c->init_step = c->need_icw4 ? 3 : 0;
		break;
	case 3: /* ICW4 */
		c->auto_eoi = v & ICW4_AEOI;
		c->init_step = 0;
		break;
	default: /* OCW1 */
		c->imr = v;
		break;
	}
}

/* A poll command's read: acknowledges like INTA, returns 0x80 | IR. */
static uint8_t poll_read(struct i8259 *pic, unsigned idx)
{
	struct pic_chip *c = &pic->chip[idx];
	int ir = chip_request(c, c->irr);

	c->poll = false;
	if (ir < 0)
		return 0;
	chip_ack(c, (unsigned)ir);
	return (uint8_t)(0x80 | ir);
}

static void elcr_write(struct pic_chip *c, uint8_t v)
{
	c->elcr = v & c->elcr_writable;
	sync_level_irr(c);
}

uint8_t i8259_read(struct i8259 *pic, uint16_t port)
{
	uint8_t v = 0xff;

	pthread_mutex_lock(&pic->lock);
	switch (port) {
	case I8259_MASTER_BASE:
	case I8259_SLAVE_BASE: {
		unsigned idx = port == I8259_SLAVE_BASE;
		struct pic_chip *c = &pic->chip[idx];

		if (c->poll)
			v = poll_read(pic, idx);
		else if (c->read_isr)
			v = c->isr;
		else
			v = c->irr;
		break;
	}
	case I8259_MASTER_BASE + 1:
		v = pic->chip[0].imr;
		break;
	case I8259_SLAVE_BASE + 1:
		v = pic->chip[1].imr;
		break;
	case I8259_ELCR_BASE:
	case I8259_ELCR_BASE + 1:
		v = pic->chip[port - I8259_ELCR_BASE].elcr;
		break;
	default:
		break;
	}
	update_intr(pic);
	pthread_mutex_unlock(&pic->lock);
	return v;
}

void i8259_write(struct i8259 *pic, uint16_t port, uint8_t value)
{
	pthread_mutex_lock(&pic->lock);
	switch (port) {
	case I8259_MASTER_BASE:
	case I8259_SLAVE_BASE: {
		struct pic_chip *c = &pic->chip[port == I8259_SLAVE_BASE];

		if (value & ICW1_INIT)
			icw1(c, value);
		else if (value & OCW3_SELECT)
			ocw3(c, value);
		else
			ocw2(c, value);
		break;
	}
	case I8259_MASTER_BASE + 1:
	case I8259_SLAVE_BASE + 1:
		data_write(&pic->chip[port == I8259_SLAVE_BASE + 1], value);
		break;
	case I8259_ELCR_BASE:
	case I8259_ELCR_BASE + 1:
		elcr_write(&pic->chip[port - I8259_ELCR_BASE], value);
		break;
	default:
		break;
	}
	update_intr(pic);
	pthread_mutex_unlock(&pic->lock);
}

/* Input @ir of @c is now at @level: edge latch or level IRR. */
static void drive_line(struct pic_chip *c, unsigned ir, bool level)
{
	uint8_t bit = (uint8_t)(1u << ir);

	if (is_level(c, ir)) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= (uint8_t)~bit;
	} else if (level && !(c->lines & bit)) {
		c->irr |= bit; /* the rising edge */
	}
	if (level)
		c->lines |= bit;
	else
		c->lines &= (uint8_t)~bit;
}

int i8259_set_irq(struct i8259 *pic, unsigned irq, bool level)
{
	if (!pic || irq >= I8259_NR_IRQS)
		return -EINVAL;
	/* The cascade input is the slave's INT, not a device's line. */
	if (irq == I8259_CASCADE_IRQ)
		return 0;
	pthread_mutex_lock(&pic->lock);
	drive_line(&pic->chip[irq >> 3], irq & 7, level);
	update_intr(pic);
	pthread_mutex_unlock(&pic->lock);
	return 0;
}

bool i8259_intr(struct i8259 *pic)
{
	bool level;

	pthread_mutex_lock(&pic->lock);
	level = pic->intr;
	pthread_mutex_unlock(&pic->lock);
	return level;
}

int i8259_ack(struct i8259 *pic)
{
	int vector;

	pthread_mutex_lock(&pic->lock);
	vector = ack_locked(pic);
	update_intr(pic);
	pthread_mutex_unlock(&pic->lock);
	return vector;
}

static uint8_t pic_read_byte(void *pic, uint16_t port)
{
	return i8259_read(pic, port);
}

static void pic_write_byte(void *pic, uint16_t port, uint8_t value)
{
	i8259_write(pic, port, value);
}

static void pic_io(void *opaque, unsigned cpu, uint64_t addr, void *data,
		   unsigned len, bool is_write, uint16_t base)
{
	(void)cpu;
	bus_byte_io(opaque, (uint16_t)(base + addr), data, len, is_write,
		    pic_read_byte, pic_write_byte);
}

static void master_access(void *opaque, unsigned cpu, uint64_t addr,
			  void *data, unsigned len, bool is_write)
{
	pic_io(opaque, cpu, addr, data, len, is_write, I8259_MASTER_BASE);
}

static void slave_access(void *opaque, unsigned cpu, uint64_t addr,
			 void *data, unsigned len, bool is_write)
{
	pic_io(opaque, cpu, addr, data, len, is_write, I8259_SLAVE_BASE);
}

static void elcr_access(void *opaque, unsigned cpu, uint64_t addr,
			void *data, unsigned len, bool is_write)
{
	pic_io(opaque, cpu, addr, data, len, is_write, I8259_ELCR_BASE);
}

int i8259_register(struct i8259 *pic, struct bus *pio)
{
	int err;

	if (!pic || !pio)
		return -EINVAL;
	err = bus_register(pio, I8259_MASTER_BASE, 2, master_access, pic,
			   "pic-master");
	if (!err)
		err = bus_register(pio, I8259_SLAVE_BASE, 2, slave_access, pic,
				   "pic-slave");
	if (!err)
		err = bus_register(pio, I8259_ELCR_BASE, 2, elcr_access, pic,
				   "elcr");
	return err;
}
