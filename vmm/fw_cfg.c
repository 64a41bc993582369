// SPDX-License-Identifier: MIT
/*
 * fw_cfg.c - selector/data ports. A 16-bit write to the selector picks an
 * item; each byte read from the data port returns the next byte of it, and
 * zero past its end, as QEMU does.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fw_cfg.h"

#define FW_CFG_ITEMS 16
#define FW_CFG_ITEM_MAX 8

struct fw_cfg_item {
	uint16_t key;
	uint8_t data[FW_CFG_ITEM_MAX];
	uint8_t len;
};

struct fw_cfg {
	pthread_mutex_t lock;
	struct fw_cfg_item items[FW_CFG_ITEMS];
	unsigned nr_items;
	const struct fw_cfg_item *cur;
	unsigned offset;
};

static void add_le(struct fw_cfg *cfg, uint16_t key, uint64_t value,
		   unsigned len)
{
	struct fw_cfg_item *it = &cfg->items[cfg->nr_items++];

	it->key = key;
	it->len = (uint8_t)len;
	for (unsigned i = 0; i < len; i++)
		it->data[i] = (uint8_t)(value >> (8 * i));
}

struct fw_cfg *fw_cfg__create(uint64_t ram_size, uint16_t nr_cpus)
{
	struct fw_cfg *cfg = calloc(1, sizeof(*cfg));
	struct fw_cfg_item *sig;

	if (!cfg)
		return NULL;
	pthread_mutex_init(&cfg->lock, NULL);
	sig = &cfg->items[cfg->nr_items++];
	sig->key = FW_CFG_SIGNATURE;
	memcpy(sig->data, "QEMU", 4);
	sig->len = 4;
	add_le(cfg, FW_CFG_ID, 1, 4); /* traditional interface, no DMA */
	add_le(cfg, FW_CFG_RAM_SIZE, ram_size, 8);
	add_le(cfg, FW_CFG_NB_CPUS, nr_cpus, 2);
	add_le(cfg, FW_CFG_MAX_CPUS, nr_cpus, 2);
	return cfg;
}

void fw_cfg__destroy(struct fw_cfg *cfg)
{
	if (!cfg)
		return;
	pthread_mutex_destroy(&cfg->lock);
	free(cfg);
}

static void select_item(struct fw_cfg *cfg, uint16_t key)
{
	cfg->cur = NULL;
	cfg->offset = 0;
	for (unsigned i = 0; i < cfg->nr_items; i++)
		if (cfg->items[i].key == key)
			cfg->cur = &cfg->items[i];
}

static void fw_cfg_access(void *opaque, unsigned cpu, uint64_t addr,
			  void *data, unsigned len, bool is_write)
{
	struct fw_cfg *cfg = opaque;
	uint8_t *bytes = data;

	(void)cpu;
	pthread_mutex_lock(&cfg->lock);
	if (addr == 0) { /* selector */
		if (is_write) {
			uint16_t key = bytes[0];
			if (len > 1)
				key |= (uint16_t)(bytes[1] << 8);
			select_item(cfg, key);
		} else {
			memset(data, 0, len);
		}
	} else if (!is_write) {
		for (unsigned i = 0; i < len; i++) {
			bytes[i] = 0;
			if (cfg->cur && cfg->offset < cfg->cur->len)
				bytes[i] = cfg->cur->data[cfg->offset];
			cfg->offset++;
		}
	}
	pthread_mutex_unlock(&cfg->lock);
}

int fw_cfg__register(struct fw_cfg *cfg, struct bus *pio)
{
	return bus__register(pio, FW_CFG_PORT_SEL, 2, fw_cfg_access, cfg,
			     "fw_cfg");
}
