// SPDX-License-Identifier: MIT
/*
 * fw_cfg.c - selector/data ports. A 16-bit write to the selector picks an
 * item; each byte read from the data port returns the next byte of it, and
 * zero past its end, as QEMU does.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fw_cfg.h"

#define FW_CFG_ITEMS 16
#define FW_CFG_NAME_MAX 56

struct fw_cfg_item {
	uint16_t key;
	uint8_t *data; /* owned */
	uint32_t len;
};

struct fw_cfg {
	pthread_mutex_t lock;
	struct fw_cfg_item items[FW_CFG_ITEMS];
	unsigned nr_items;
	const struct fw_cfg_item *cur;
	unsigned offset;
	char file_names[FW_CFG_FILES][FW_CFG_NAME_MAX];
	uint16_t file_keys[FW_CFG_FILES];
	unsigned nr_files;
};

/* Add (or replace) item @key with a copy of @data. */
static int add_item(struct fw_cfg *cfg, uint16_t key, const void *data,
		    uint32_t len)
{
	struct fw_cfg_item *it = NULL;
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	for (unsigned i = 0; i < cfg->nr_items; i++)
		if (cfg->items[i].key == key)
			it = &cfg->items[i];
	if (!it) {
		if (cfg->nr_items == FW_CFG_ITEMS) {
			free(copy);
			return -ENOSPC;
		}
		it = &cfg->items[cfg->nr_items++];
	}
	free(it->data);
	it->key = key;
	it->data = copy;
	it->len = len;
	return 0;
}

static void add_le(struct fw_cfg *cfg, uint16_t key, uint64_t value,
		   unsigned len)
{
	uint8_t bytes[8];

	for (unsigned i = 0; i < len; i++)
		bytes[i] = (uint8_t)(value >> (8 * i));
	(void)add_item(cfg, key, bytes, len); /* cannot fail at creation */
}

/* The file directory (key 0x19): big-endian count, then one entry a file. */
static int rebuild_dir(struct fw_cfg *cfg)
{
	uint8_t dir[4 + FW_CFG_ITEMS * 64];
	uint32_t n = 0;

	memset(dir, 0, sizeof(dir));
	for (unsigned i = 0; i < cfg->nr_files; i++) {
		uint8_t *e = dir + 4 + n * 64;
		const struct fw_cfg_item *it = NULL;
		for (unsigned j = 0; j < cfg->nr_items; j++)
			if (cfg->items[j].key == cfg->file_keys[i])
				it = &cfg->items[j];
		if (!it)
			continue;
		e[0] = (uint8_t)(it->len >> 24);
		e[1] = (uint8_t)(it->len >> 16);
		e[2] = (uint8_t)(it->len >> 8);
		e[3] = (uint8_t)it->len;
		e[4] = (uint8_t)(it->key >> 8);
		e[5] = (uint8_t)it->key;
		memcpy(e + 8, cfg->file_names[i], FW_CFG_NAME_MAX);
		n++;
	}
	dir[0] = (uint8_t)(n >> 24);
	dir[1] = (uint8_t)(n >> 16);
	dir[2] = (uint8_t)(n >> 8);
	dir[3] = (uint8_t)n;
	return add_item(cfg, FW_CFG_FILE_DIR, dir, 4 + n * 64);
}

int fw_cfg__add_file(struct fw_cfg *cfg, const char *name, const void *data,
		     uint32_t len)
{
	uint16_t key;
	int err;

	if (strlen(name) >= FW_CFG_NAME_MAX || cfg->nr_files == FW_CFG_FILES)
		return -EINVAL;
	pthread_mutex_lock(&cfg->lock);
	key = (uint16_t)(FW_CFG_FILE_FIRST + cfg->nr_files);
	err = add_item(cfg, key, data, len);
	if (!err) {
		memset(cfg->file_names[cfg->nr_files], 0, FW_CFG_NAME_MAX);
		memcpy(cfg->file_names[cfg->nr_files], name, strlen(name));
		cfg->file_keys[cfg->nr_files++] = key;
		err = rebuild_dir(cfg);
	}
	pthread_mutex_unlock(&cfg->lock);
	return err;
}

struct fw_cfg *fw_cfg__create(uint64_t ram_size, uint16_t nr_cpus)
{
	struct fw_cfg *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return NULL;
	pthread_mutex_init(&cfg->lock, NULL);
	(void)add_item(cfg, FW_CFG_SIGNATURE, "QEMU", 4);
	add_le(cfg, FW_CFG_ID, 1, 4); /* traditional interface, no DMA */
	add_le(cfg, FW_CFG_RAM_SIZE, ram_size, 8);
	add_le(cfg, FW_CFG_NB_CPUS, nr_cpus, 2);
	add_le(cfg, FW_CFG_MAX_CPUS, nr_cpus, 2);
	if (rebuild_dir(cfg)) { /* an empty directory, as QEMU has */
		fw_cfg__destroy(cfg);
		return NULL;
	}
	return cfg;
}

void fw_cfg__destroy(struct fw_cfg *cfg)
{
	if (!cfg)
		return;
	for (unsigned i = 0; i < cfg->nr_items; i++)
		free(cfg->items[i].data);
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
	return bus_register(pio, FW_CFG_PORT_SEL, 2, fw_cfg_access, cfg,
			    "fw_cfg");
}
