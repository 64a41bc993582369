// SPDX-License-Identifier: MIT
/*
 * pic_stub.c - two 8259A PICs that keep their registers and never raise an
 * interrupt.
 *
 * Why Linux needs them: ipivirt has no PIC and no IOAPIC, so Linux's
 * probe_8259A() finds nothing and switches to the "NULL legacy PIC": ISA
 * IRQs 0-15 then have no irq_chip and request_irq() on them fails. Two
 * drivers a guest needs ask for one: the ACPI SCI (IRQ 9: without it the
 * ACPI interpreter does not start, so there is no _S5 power-off) and the
 * 8250 (IRQ 4 for the legacy COM1). With these stubs the requests succeed;
 * no interrupt ever comes (the UART is driven by polling: the DSDT's COM1
 * has no IRQ, see firmware_tables.c), which is what a quiet ISA bus looks
 * like. Only the guest's reads see state: the mask registers (IMR) read
 * back as written (what probe_8259A() checks), IRR and ISR read as 0.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pic_stub.h"

#define PIC_MASTER 0x20
#define PIC_SLAVE 0xa0
#define PIC_ELCR 0x4d0
#define ICW1_INIT (1u << 4)
#define ICW1_IC4 (1u << 0)

struct pic8259 {
	uint8_t imr;
	uint8_t init_step; /* 0: ready; 1..3: expecting ICW2..ICW4 */
	bool need_icw4;
};

static struct {
	pthread_mutex_t lock;
	struct pic8259 chip[2];
	uint8_t elcr[2];
} pics = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void pic_write(struct pic8259 *p, unsigned reg, uint8_t v)
{
	if (reg == 0) { /* command: ICW1 starts an init, OCWs are ignored */
		if (v & ICW1_INIT) {
			p->init_step = 1;
			p->need_icw4 = v & ICW1_IC4;
			p->imr = 0;
		}
		return;
	}
	switch (p->init_step) { /* data: ICW2-4 during init, else OCW1 */
	case 0:
		p->imr = v;
		break;
	case 1: /* ICW2: vector base */
		p->init_step = 2;
		break;
	case 2: /* ICW3: cascade */
		p->init_step = p->need_icw4 ? 3 : 0;
		break;
	default: /* ICW4 */
		p->init_step = 0;
		break;
	}
}

static void pic_access(void *opaque, unsigned cpu, uint64_t addr, void *data,
		       unsigned len, bool is_write)
{
	struct pic8259 *p = opaque;
	uint8_t *b = data;

	(void)cpu;
	pthread_mutex_lock(&pics.lock);
	for (unsigned i = 0; i < len; i++) {
		unsigned reg = (unsigned)(addr + i) & 1;
		if (is_write)
			pic_write(p, reg, b[i]);
		else
			b[i] = reg ? p->imr : 0; /* IRR / ISR: nothing */
	}
	pthread_mutex_unlock(&pics.lock);
}

static void elcr_access(void *opaque, unsigned cpu, uint64_t addr, void *data,
			unsigned len, bool is_write)
{
	uint8_t *b = data;

	(void)opaque;
	(void)cpu;
	pthread_mutex_lock(&pics.lock);
	for (unsigned i = 0; i < len && addr + i < 2; i++) {
		if (is_write)
			pics.elcr[addr + i] = b[i];
		else
			b[i] = pics.elcr[addr + i];
	}
	pthread_mutex_unlock(&pics.lock);
}

int pic_stub__register(struct bus *pio)
{
	int err;

	memset(pics.chip, 0, sizeof(pics.chip));
	pics.chip[0].imr = pics.chip[1].imr = 0xff;
	err = bus__register(pio, PIC_MASTER, 2, pic_access, &pics.chip[0],
			    "pic-master");
	if (!err)
		err = bus__register(pio, PIC_SLAVE, 2, pic_access,
				    &pics.chip[1], "pic-slave");
	if (!err)
		err = bus__register(pio, PIC_ELCR, 2, elcr_access, NULL,
				    "elcr");
	return err;
}
