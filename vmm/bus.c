// SPDX-License-Identifier: MIT
/* bus.c - address-range dispatch for port I/O and MMIO exits. */
#include <errno.h>
#include <string.h>

#include "bus.h"

void bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
}

int bus_register(struct bus *bus, uint64_t base, uint64_t len,
		 bus_access_fn access, void *opaque, const char *name)
{
	if (len == 0 || !access || base + len < base)
		return -EINVAL;
	if (bus->nr == BUS_MAX_DEVICES)
		return -ENOSPC;
	for (unsigned i = 0; i < bus->nr; i++) {
		const struct bus_range *r = &bus->ranges[i];
		if (base < r->base + r->len && r->base < base + len)
			return -EEXIST;
	}
	bus->ranges[bus->nr++] = (struct bus_range){
		.base = base, .len = len, .access = access,
		.opaque = opaque, .name = name,
	};
	return 0;
}

bool bus_access(const struct bus *bus, unsigned cpu, uint64_t addr,
		void *data, unsigned len, bool is_write)
{
	for (unsigned i = 0; i < bus->nr; i++) {
		const struct bus_range *r = &bus->ranges[i];
		/* The whole access must fall inside one device's range. */
		if (addr >= r->base && addr - r->base < r->len &&
		    len <= r->len - (addr - r->base)) {
			r->access(r->opaque, cpu, addr - r->base, data, len,
				  is_write);
			return true;
		}
	}
	if (!is_write)
		memset(data, 0xff, len);
	return false;
}

void bus_byte_io(void *dev, uint16_t port, void *data, unsigned len,
		 bool is_write, uint8_t (*read)(void *dev, uint16_t port),
		 void (*write)(void *dev, uint16_t port, uint8_t value))
{
	uint8_t *b = data;

	for (unsigned i = 0; i < len; i++) {
		if (is_write)
			write(dev, (uint16_t)(port + i), b[i]);
		else
			b[i] = read(dev, (uint16_t)(port + i));
	}
}
