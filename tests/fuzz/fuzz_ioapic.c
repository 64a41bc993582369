/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ioapic.c - libFuzzer target for the PC's interrupt controllers
 * around the local APICs, wired as the VMM wires them: the I/O APIC
 * (vmm/ioapic.c) and its domain on the APIC vector domain
 * (vmm/ioapic_router.c), messages routed into 2-4 real local APIC models,
 * their EOIs broadcast back; the 8259 pair (vmm/i8259.c) on the same ISA
 * lines, its INTR on every LINT0 (vmm/apic_lint.c), its INTA through
 * apic_ops.extint_ack.
 *
 * The input is a program: byte 0 picks the CPU count and whether the APICs
 * start in x2APIC mode, then each operation is an opcode byte plus
 * operands: MMIO of any offset and width in the window, a redirection entry
 * written whole, a line driven, an I/O APIC EOI, a local APIC taking and
 * EOIing its next interrupt, a local register write (TPR, LDR, DFR, SVR),
 * a reset, 8259 port accesses, a CPU taking an ExtINT.
 * Invariants after every operation, else abort():
 *  - delivery status reads 0; remote IRR only on level fixed/lowest entries;
 *  - the APICs never hold a vector below 16;
 *  - every pin's virq is a two-level hierarchy (pin, then an APIC vector
 *    hwirq), and the virq table holds exactly one device virq per pin that
 *    has sent: a remap frees the old one;
 *  - the 8259's INTR as reported to the LINT0s equals i8259_intr(), and an
 *    ExtINT acknowledge returns a vector of the PIC's 0-255.
 */
#include <errno.h>
#include <string.h>

#include "apic_ipi.h"
#include "apic_mock.h"
#include "apic_regs.h"
#include "fuzz_common.h"
#include "i8259.h"
#include "ioapic.h"
#include "ioapic_router.h"

#define MAX_APICS 4
#define TABLE_VIRQS 256

static struct mock M;
static struct apic *A[MAX_APICS];
static unsigned N;
static struct virq_table *T;
static struct apic_ipi_router *R;
static struct ioapic_router *IR;
static struct ioapic *IO;
static struct i8259 *PIC;
static bool pic_intr; /* what set_intr last said */

static void pic_set_intr(void *opaque, bool level)
{
	(void)opaque;
	FUZZ_CHECK(level != pic_intr, "set_intr(%d) twice", level);
	pic_intr = level;
	for (unsigned i = 0; i < N; i++)
		apic_set_lint(A[i], 0, level);
}

static int extint_ack(void *opaque, unsigned cpu)
{
	(void)opaque;
	(void)cpu;
	return i8259_ack(PIC);
}

static void eoi_broadcast(void *opaque, unsigned cpu, uint8_t vector)
{
	(void)opaque;
	(void)cpu;
	ioapic_eoi(IO, vector);
}

static int send_ipi(void *opaque, const struct apic_ipi *ipi)
{
	(void)opaque;
	return apic_ipi_route(R, ipi);
}

static uint32_t io_read(unsigned reg)
{
	uint32_t v = 0;

	ioapic_mmio_write(IO, IOAPIC_REG_SELECT, &reg, 4);
	ioapic_mmio_read(IO, IOAPIC_REG_WINDOW, &v, 4);
	return v;
}

static void io_write(unsigned reg, uint32_t v)
{
	ioapic_mmio_write(IO, IOAPIC_REG_SELECT, &reg, 4);
	ioapic_mmio_write(IO, IOAPIC_REG_WINDOW, &v, 4);
}

static void check(void)
{
	unsigned device_virqs = 0, pins_sending = 0;
	uint32_t regsel = 0;

	/* The checks' reads must not move the guest's IOREGSEL. */
	ioapic_mmio_read(IO, IOAPIC_REG_SELECT, &regsel, 4);

	for (unsigned pin = 0; pin < IOAPIC_NR_PINS; pin++) {
		uint32_t low = io_read(IOAPIC_REDTBL(pin));
		unsigned mode = (low & IOAPIC_RTE_DELMODE) >>
				IOAPIC_RTE_DELMODE_SHIFT;
		unsigned virq = ioapic_router_virq(IR, pin);

		FUZZ_CHECK(!(low & IOAPIC_RTE_DELIVS), "pin %u delivs %#x",
			   pin, low);
		if (low & IOAPIC_RTE_REMOTE_IRR)
			FUZZ_CHECK((low & IOAPIC_RTE_LEVEL) &&
					   (mode == APIC_DM_FIXED ||
					    mode == APIC_DM_LOWEST),
				   "pin %u remote IRR on %#x", pin, low);
		if (virq) {
			const struct ipi_irq_data *d;

			pins_sending++;
			d = irq_domain_get_irq_data(T, virq);
			FUZZ_CHECK(d && d->hwirq == pin &&
					   d->domain == ioapic_router_domain(IR) &&
					   d->parent_data &&
					   d->parent_data->domain ==
						   apic_vector_domain(R),
				   "pin %u virq %u hierarchy", pin, virq);
		}
	}
	for (unsigned v = 1; v <= TABLE_VIRQS; v++) {
		const struct ipi_irq_data *d = irq_domain_get_irq_data(T, v);

		if (d && d->domain == ioapic_router_domain(IR))
			device_virqs++;
	}
	ioapic_mmio_write(IO, IOAPIC_REG_SELECT, &regsel, 4);
	/* One virq per pin that sent: a remap frees the old one. */
	FUZZ_CHECK(device_virqs == pins_sending, "%u device virqs, %u pins",
		   device_virqs, pins_sending);
	FUZZ_CHECK(i8259_intr(PIC) == pic_intr, "INTR %d, told %d",
		   i8259_intr(PIC), pic_intr);
	for (unsigned i = 0; i < N; i++)
		FUZZ_CHECK(!(atomic_load(&A[i]->irr[0]) & 0xffff) &&
				   !(A[i]->isr[0] & 0xffff),
			   "cpu %u vector < 16 in IRR/ISR", i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin f = { data, size, 0 };
	uint8_t hdr = fin_u8(&f);
	struct ioapic_ops io_ops = { .deliver = ioapic_router_deliver };

	mock_init(&M);
	N = 2 + hdr % 3;
	M.bus = apic_bus_create(N);
	T = irq_domain_table_create(TABLE_VIRQS);
	R = (M.bus && T) ? apic_ipi_router_create(T, M.bus) : NULL;
	IR = R ? ioapic_router_create(R, T, M.bus) : NULL;
	if (!IR)
		abort();
	io_ops.opaque = IR;
	IO = ioapic_create(&io_ops);
	pic_intr = false;
	PIC = i8259_create(&(struct i8259_ops){ .set_intr = pic_set_intr });
	if (!IO || !PIC)
		abort();
	for (unsigned i = 0; i < N; i++) {
		struct apic_config cfg = {
			.size = sizeof(cfg), .cpu = i, .apic_id = i,
			.bsp = i == 0, .x2apic_supported = true,
			.tsc_khz = MOCK_TSC_KHZ, .bus_khz = MOCK_BUS_KHZ,
		};
		struct apic_ops ops = mock_ops(&M);

		ops.send_ipi = send_ipi;
		ops.eoi_broadcast = eoi_broadcast;
		ops.extint_ack = extint_ack;
		A[i] = apic_create(&cfg, &ops);
		if (!A[i] || apic_bus_attach(M.bus, A[i]))
			abort();
		xwr(A[i], APIC_REG_SVR, 0x1ff);
		if (hdr & 0x80)
			(void)apic_msr_write(A[i], MSR_IA32_APIC_BASE,
					     APIC_DEFAULT_BASE | APIC_BASE_ENABLE |
						     APIC_BASE_EXTD |
						     (i == 0 ? APIC_BASE_BSP : 0));
	}

	for (unsigned steps = 0; fin_more(&f) && steps < 4096; steps++) {
		uint8_t op = fin_u8(&f);
		static const unsigned lens[4] = { 1, 2, 4, 8 };

		switch (op % 12) {
		case 0: { /* MMIO read anywhere in the window */
			uint64_t buf = 0;
			unsigned off = fin_u16(&f) % IOAPIC_MMIO_SIZE;
			ioapic_mmio_read(IO, off, &buf, lens[fin_u8(&f) & 3]);
			break;
		}
		case 1: { /* MMIO write anywhere */
			unsigned off = fin_u16(&f) % IOAPIC_MMIO_SIZE;
			unsigned len = lens[fin_u8(&f) & 3];
			uint64_t v = fin_u64(&f);
			ioapic_mmio_write(IO, off, &v, len);
			break;
		}
		case 2: { /* a redirection entry, high then low */
			unsigned pin = fin_u8(&f) % IOAPIC_NR_PINS;
			io_write(IOAPIC_REDTBL(pin) + 1, fin_u32(&f));
			io_write(IOAPIC_REDTBL(pin), fin_u32(&f));
			break;
		}
		case 3: { /* a device drives a line (bad pins refused) */
			uint8_t b = fin_u8(&f);
			int rc = ioapic_set_irq(IO, b % 32, b & 0x80);
			FUZZ_CHECK(rc == 0 || (b % 32 >= IOAPIC_NR_PINS &&
					       rc == -EINVAL),
				   "set_irq %u rc %d", b % 32, rc);
			rc = i8259_set_irq(PIC, b % 32, b & 0x80);
			FUZZ_CHECK(rc == 0 || (b % 32 >= I8259_NR_IRQS &&
					       rc == -EINVAL),
				   "8259 set_irq %u rc %d", b % 32, rc);
			break;
		}
		case 4: /* the EOI register's path */
			ioapic_eoi(IO, fin_u8(&f));
			break;
		case 5: { /* a CPU takes its next interrupt and EOIs it */
			struct apic *a = A[fin_u8(&f) % N];
			if (apic_ack_interrupt(a) >= 0 && (fin_u8(&f) & 1))
				xwr(a, APIC_REG_EOI, 0);
			break;
		}
		case 6: { /* a CPU EOIs (maybe with nothing in service) */
			struct apic *a = A[fin_u8(&f) % N];
			if (apic_x2apic_enabled(a))
				(void)apic_msr_write(a, MSR_X2APIC_FIRST +
						     APIC_REG_EOI / 16, 0);
			else
				xwr(a, APIC_REG_EOI, 0);
			break;
		}
		case 7: { /* routing state: TPR, LDR, DFR, SVR */
			static const unsigned regs[4] = {
				APIC_REG_TPR, APIC_REG_LDR, APIC_REG_DFR,
				APIC_REG_SVR,
			};
			struct apic *a = A[fin_u8(&f) % N];
			unsigned reg = regs[fin_u8(&f) & 3];
			uint32_t v = fin_u32(&f);
			if (apic_x2apic_enabled(a))
				(void)apic_msr_write(a, MSR_X2APIC_FIRST +
						     reg / 16, v);
			else
				xwr(a, reg, v);
			break;
		}
		case 9: { /* 8259 ports, any value */
			static const uint16_t ports[6] = {
				0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1,
			};
			uint8_t b = fin_u8(&f);
			if (b & 0x80)
				(void)i8259_read(PIC, ports[b % 6]);
			else
				i8259_write(PIC, ports[b % 6], fin_u8(&f));
			break;
		}
		case 10: { /* a CPU takes an ExtINT if one is requested */
			struct apic *a = A[fin_u8(&f) % N];
			(void)apic_take_events(a);
			if (apic_extint_pending(a)) {
				int v = apic_ack_extint(a);
				FUZZ_CHECK(v >= 0 && v <= 255, "ExtINT %d", v);
			}
			break;
		}
		case 11: /* an LVT0/LVT1 write */
			xwr(A[fin_u8(&f) % N],
			    (fin_u8(&f) & 1) ? APIC_REG_LVT_LINT1 : APIC_REG_LVT_LINT0,
			    fin_u32(&f));
			break;
		default:
			if (fin_u8(&f) == 0x5a)
				ioapic_reset(IO);
			break;
		}
		check();
	}

	ioapic_destroy(IO);
	i8259_destroy(PIC);
	ioapic_router_destroy(IR);
	apic_ipi_router_destroy(R);
	for (unsigned i = 0; i < N; i++)
		apic_destroy(A[i]);
	apic_bus_destroy(M.bus);
	irq_domain_table_destroy(T);
	return 0;
}
