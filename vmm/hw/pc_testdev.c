// SPDX-License-Identifier: MIT
/*
 * pc_testdev.c - QEMU's pc-testdev: interrupt lines and a scratch port.
 *
 * Line n is what QEMU calls ISA IRQ n: the VMM's isa_irq.set maps it to an
 * I/O APIC pin exactly as for a device on that IRQ, so a test kernel sees
 * the same pins on ipivirt as under QEMU. QEMU's isa_get_irq() takes only
 * lines 0-15; lines 16-23 here reach pins 16-23 directly, which QEMU test
 * kernels avoid.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pc_testdev.h"

struct pc_testdev {
	pthread_mutex_t lock; /* orders line changes from several vCPUs */
	struct isa_irq irq;
	uint32_t scratch;
};

struct pc_testdev *pc_testdev__create(const struct isa_irq *irq)
{
	struct pc_testdev *dev;

	if (!irq || !irq->set)
		return NULL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	pthread_mutex_init(&dev->lock, NULL);
	dev->irq = *irq;
	return dev;
}

void pc_testdev__destroy(struct pc_testdev *dev)
{
	if (!dev)
		return;
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

static void lines_access(void *opaque, unsigned cpu, uint64_t addr,
			 void *data, unsigned len, bool is_write)
{
	struct pc_testdev *dev = opaque;
	uint8_t *b = data;

	(void)cpu;
	if (!is_write) {
		memset(data, 0, len);
		return;
	}
	/* A wider write sets consecutive lines, one byte each. */
	pthread_mutex_lock(&dev->lock);
	for (unsigned i = 0; i < len && addr + i < PC_TESTDEV_NR_LINES; i++)
		dev->irq.set(dev->irq.opaque, (unsigned)(addr + i), b[i] != 0);
	pthread_mutex_unlock(&dev->lock);
}

static void scratch_access(void *opaque, unsigned cpu, uint64_t addr,
			   void *data, unsigned len, bool is_write)
{
	struct pc_testdev *dev = opaque;
	uint8_t bytes[4];

	(void)cpu;
	pthread_mutex_lock(&dev->lock);
	memcpy(bytes, &dev->scratch, 4);
	for (unsigned i = 0; i < len; i++) {
		uint8_t *b = (uint8_t *)data + i;
		if (addr + i >= 4) {
			if (!is_write)
				*b = 0xff;
			continue;
		}
		if (is_write)
			bytes[addr + i] = *b;
		else
			*b = bytes[addr + i];
	}
	memcpy(&dev->scratch, bytes, 4);
	pthread_mutex_unlock(&dev->lock);
}

int pc_testdev__register(struct pc_testdev *dev, struct bus *pio)
{
	int err;

	if (!dev || !pio)
		return -EINVAL;
	err = bus_register(pio, PC_TESTDEV_IRQ_BASE, PC_TESTDEV_NR_LINES,
			   lines_access, dev, "pc-testdev-irq");
	if (!err)
		err = bus_register(pio, PC_TESTDEV_SCRATCH, 4, scratch_access,
				   dev, "pc-testdev");
	return err;
}
