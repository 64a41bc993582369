// SPDX-License-Identifier: MIT
/* desc.c - GDT TSS slots and the IDT (built once from isr.S's stub table). */
#include "desc.h"
#include "layout.h"
#include "percpu.h"
#include "report.h"

#define GATE_INTERRUPT 0x8e   /* present, DPL 0, 64-bit interrupt gate */
#define TSS_AVAILABLE 0x89    /* present, 64-bit TSS, not busy */
#define IST_NMI 1             /* NMI, #DF and #MC run on a stack of their own */

extern u64 gdt[];
extern const u64 isr_stub_table[256];

static u64 idt[256 * 2] __attribute__((aligned(16)));

struct desc_ptr {
	u16 limit;
	u64 base;
} __attribute__((packed));

static void set_gate(unsigned vec, u64 handler, unsigned ist)
{
	idt[vec * 2] = (handler & 0xffff) | ((u64)KERNEL_CS << 16) | ((u64)ist << 32) |
		       ((u64)GATE_INTERRUPT << 40) | ((handler >> 16 & 0xffff) << 48);
	idt[vec * 2 + 1] = handler >> 32;
}

void idt_set_gate_attr(unsigned vec, bool present, unsigned dpl)
{
	u64 attr = (GATE_INTERRUPT & 0x1f) | (present ? 0x80 : 0) | ((u64)(dpl & 3) << 5);

	idt[vec * 2] = (idt[vec * 2] & ~(0xffull << 40)) | attr << 40;
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		set_gate(v, isr_stub_table[v], (v == 2 || v == 8 || v == 18) ? IST_NMI : 0);
}

/* Rewritten on every start of a CPU: ltr marks the descriptor busy, and a
 * second ltr of a busy TSS (an AP restarted by INIT/SIPI) would #GP. */
static void set_tss(unsigned cpu, struct tss64 *tss)
{
	u64 base = (u64)tss, limit = sizeof(*tss) - 1;
	unsigned slot = TSS_SEL(cpu) / 8;

	gdt[slot] = (limit & 0xffff) | ((base & 0xffffff) << 16) | ((u64)TSS_AVAILABLE << 40) |
		    ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
	gdt[slot + 1] = base >> 32;
}

void desc_load_cpu(struct percpu *pc)
{
	struct desc_ptr gp = { (u16)(TSS_SEL(GDT_MAX_CPUS) - 1), (u64)gdt };
	struct desc_ptr ip = { sizeof(idt) - 1, (u64)idt };

	pc->tss.ist[IST_NMI - 1] = pc->ist_top;
	pc->tss.iomap_base = sizeof(pc->tss);   /* no I/O bitmap */
	set_tss(pc->cpu, &pc->tss);
	__asm__ __volatile__("lgdt %0" : : "m"(gp));
	__asm__ __volatile__("ltr %w0" : : "r"((u16)TSS_SEL(pc->cpu)));
	__asm__ __volatile__("lidt %0" : : "m"(ip));
}

static irq_handler_t handlers[256];
static const char *reserved[256];

irq_handler_t handle_irq(unsigned vec, irq_handler_t h)
{
	irq_handler_t old = handlers[vec];

	if (reserved[vec])
		report_abort("vector %#x is taken by %s: pick another one", vec, reserved[vec]);

	WRITE_ONCE(handlers[vec], h);
	return old;
}

irq_handler_t irq_handler_of(unsigned vec)
{
	return READ_ONCE(handlers[vec]);
}

void irq_reserve(unsigned vec, const char *owner)
{
	reserved[vec] = owner;
}
