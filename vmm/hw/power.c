// SPDX-License-Identifier: MIT
/* power.c - debug exit, ACPI power-off and reset ports. */
#include <stdatomic.h>
#include <string.h>

#include "power.h"

#define PM1_SLP_EN (1u << 13)
#define PM1_SLP_TYP(v) (((v) >> 10) & 7u)

static void debug_exit_access(void *opaque, unsigned cpu, uint64_t addr,
			      void *data, unsigned len, bool is_write)
{
	struct power *pw = opaque;
	uint32_t v = 0;

	(void)cpu;
	(void)addr;
	if (!is_write) {
		memset(data, 0xff, len);
		return;
	}
	memcpy(&v, data, len < 4 ? len : 4);
	pw->request(pw->opaque, POWER_DEBUG_EXIT, (int)((v << 1) | 1));
}

/*
 * PM1a: status/enable words read as zero, the control word keeps SCI_EN set
 * (ACPI mode, as a guest expects once it owns the tables), and SLP_EN with
 * our S5 type (0, the _S5 value QEMU's DSDT gives) powers off. The PM timer
 * that follows them at ACPI_PM_TMR is its own device (pm_timer.c).
 */
static void acpi_pm_access(void *opaque, unsigned cpu, uint64_t addr,
			   void *data, unsigned len, bool is_write)
{
	struct power *pw = opaque;
	uint32_t v = 0;

	(void)cpu;
	if (!is_write) {
		memset(data, 0, len);
		if (addr == 2) {
			/* PM1a_EN reads back what was written (ACPI
			 * checks, e.g. GBL_EN). */
			v = atomic_load(&pw->pm1_enable);
		} else if (addr == 4) {
			v = 1; /* SCI_EN */
		}
		memcpy(data, &v, len < 4 ? len : 4);
		return;
	}
	memcpy(&v, data, len < 4 ? len : 4);
	if (addr == 2)
		atomic_store(&pw->pm1_enable, (uint16_t)v);
	if (addr == 4 && (v & PM1_SLP_EN) && PM1_SLP_TYP(v) == 0)
		pw->request(pw->opaque, POWER_OFF, 0);
}

static void reset_access(void *opaque, unsigned cpu, uint64_t addr,
			 void *data, unsigned len, bool is_write)
{
	struct power *pw = opaque;
	uint8_t v = *(uint8_t *)data;

	(void)cpu;
	(void)addr;
	if (!is_write) {
		memset(data, 0, len);
		return;
	}
	if (v & 0x04) /* RST_CPU */
		pw->request(pw->opaque, POWER_RESET, 0);
}

int power__register(struct power *pw, struct bus *pio,
		    power_request_fn *request, void *opaque)
{
	int err;

	pw->request = request;
	pw->opaque = opaque;
	atomic_store(&pw->pm1_enable, 0);
	err = bus_register(pio, DEBUG_EXIT_PORT, 4, debug_exit_access, pw,
			   "debug-exit");
	if (!err)
		err = bus_register(pio, ACPI_PM_BASE,
				   ACPI_PM_TMR - ACPI_PM_BASE, acpi_pm_access,
				   pw, "acpi-pm");
	if (!err)
		err = bus_register(pio, RESET_CONTROL_PORT, 1, reset_access,
				   pw, "reset");
	return err;
}
