// SPDX-License-Identifier: MIT
/*
 * devices.c - the port I/O devices a test kernel needs: COM1 (output
 * only), fw_cfg (signature, RAM size, CPU count), ACPI PM1a control and
 * timer, and the debug-exit port. One lock: these are slow paths.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "minivmm.h"

#define COM1 0x3f8
#define LCR_DLAB 0x80
#define FW_CFG_SEL 0x510
#define FW_CFG_DATA 0x511
#define PM1A_CNT 0x604
#define PM_TMR 0x608
#define PM1_SLP_EN (1u << 13)
#define PM_TIMER_HZ 3579545ull
#define DEBUG_EXIT 0xf4

static void uart_out(struct mini *m, uint16_t reg, uint8_t v)
{
	if (reg == 3) {
		m->uart_lcr = v;
	} else if (reg == 0 && !(m->uart_lcr & LCR_DLAB)) {
		if (v != '\n' && m->line_len < sizeof(m->line) - 1) {
			m->line[m->line_len++] = (char)v;
			return;
		}
		m->line[m->line_len++] = '\n';
		if (write(STDOUT_FILENO, m->line, m->line_len) < 0)
			perror("minivmm: console");
		m->line_len = 0;
	}
}

static uint8_t uart_in(struct mini *m, uint16_t reg)
{
	if (reg == 5)
		return 0x60; /* LSR: transmitter empty */
	return reg == 3 ? m->uart_lcr : 0;
}

/* fw_cfg items the test kernels read; everything else reads zero. */
static uint8_t fw_cfg_byte(struct mini *m)
{
	uint64_t v = 0;
	uint32_t off = m->fw_off++;

	switch (m->fw_sel) {
	case 0x0000: memcpy(&v, "QEMU", 4); break; /* signature */
	case 0x0003: v = m->ram_size; break;
	case 0x0005: case 0x000f: v = m->nr_cpus; break; /* NB_CPUS, MAX */
	}
	return off < 8 ? (uint8_t)(v >> (8 * off)) : 0;
}

void mini_pio(struct mini *m, uint16_t port, void *data, unsigned len,
	      bool out)
{
	uint32_t v = 0;

	memcpy(&v, data, len < 4 ? len : 4);
	pthread_mutex_lock(&m->dev_lock);
	if (out) {
		if (port >= COM1 && port < COM1 + 8)
			uart_out(m, port - COM1, (uint8_t)v);
		else if (port == FW_CFG_SEL) {
			m->fw_sel = (uint16_t)v;
			m->fw_off = 0;
		} else if (port == PM1A_CNT && (v & PM1_SLP_EN))
			mini_stop(m, 0);                 /* S5: power off */
		else if (port == DEBUG_EXIT)
			mini_stop(m, (int)((v << 1) | 1) & 0xff);
	} else {
		memset(data, 0xff, len);                 /* nothing there */
		if (port >= COM1 && port < COM1 + 8)
			*(uint8_t *)data = uart_in(m, port - COM1);
		else if (port == FW_CFG_DATA)
			*(uint8_t *)data = fw_cfg_byte(m);
		else if (port == PM1A_CNT) {
			memset(data, 0, len);
			*(uint8_t *)data = 1;                /* SCI_EN */
		} else if (port == PM_TMR) {
			v = (uint32_t)((mini_now_ns() - m->start_ns) *
				       PM_TIMER_HZ / 1000000000ull) & 0xffffff;
			memcpy(data, &v, len < 4 ? len : 4);
		}
	}
	pthread_mutex_unlock(&m->dev_lock);
}
