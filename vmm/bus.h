/* SPDX-License-Identifier: MIT */
/*
 * bus.h - the port I/O and MMIO buses: devices claim address ranges with one
 * registration call, and exits are dispatched by address.
 *
 * Registration happens before vCPUs start; dispatch is then read-only and
 * needs no lock. Devices serialize their own state.
 */
#ifndef IPIVIRT_BUS_H
#define IPIVIRT_BUS_H

#include <stdbool.h>
#include <stdint.h>

#define BUS_MAX_DEVICES 32

/*
 * A device's access handler. @addr is the offset within its range, @cpu the
 * accessing vCPU. Reads must fill all @len bytes of @data.
 */
typedef void (*bus_access_fn)(void *opaque, unsigned cpu, uint64_t addr,
			      void *data, unsigned len, bool is_write);

struct bus_range {
	uint64_t base, len;
	bus_access_fn access;
	void *opaque;
	const char *name;
};

struct bus {
	struct bus_range ranges[BUS_MAX_DEVICES];
	unsigned nr;
	const char *name;
};

void bus_init(struct bus *bus, const char *name);
/* Return 0, -EEXIST on overlap, -ENOSPC when full, -EINVAL for len 0. */
int bus_register(struct bus *bus, uint64_t base, uint64_t len,
		 bus_access_fn access, void *opaque, const char *name);
/*
 * Dispatch one access. Return true when a device claimed it; unclaimed
 * reads return all ones, unclaimed writes are dropped (as on a PC).
 */
/*
 * bus_byte_io() - an ISA-style port access of @len bytes at @port, split
 * into byte accesses at consecutive ports of device @dev (what 8-bit
 * devices such as the PIT and the 8259s see of an inw/outl).
 */
void bus_byte_io(void *dev, uint16_t port, void *data, unsigned len,
		 bool is_write, uint8_t (*read)(void *dev, uint16_t port),
		 void (*write)(void *dev, uint16_t port, uint8_t value));

bool bus_access(const struct bus *bus, unsigned cpu, uint64_t addr,
		void *data, unsigned len, bool is_write);

#endif
