/* SPDX-License-Identifier: MIT */
/*
 * fw_cfg.h - QEMU's firmware configuration interface, the legacy I/O port
 * flavour (selector 0x510, data 0x511), with the items test kernels read.
 */
#ifndef IPIVIRT_FW_CFG_H
#define IPIVIRT_FW_CFG_H

#include <stddef.h>
#include <stdint.h>

#include "bus.h"

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511

#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_ID 0x0001
#define FW_CFG_RAM_SIZE 0x0003
#define FW_CFG_NB_CPUS 0x0005
#define FW_CFG_MAX_CPUS 0x000f
#define FW_CFG_FILE_DIR 0x0019
#define FW_CFG_FILE_FIRST 0x0020
#define FW_CFG_FILES 8

struct fw_cfg;

struct fw_cfg *fw_cfg__create(uint64_t ram_size, uint16_t nr_cpus);
void fw_cfg__destroy(struct fw_cfg *cfg);
int fw_cfg__register(struct fw_cfg *cfg, struct bus *pio);
/* Publish @data as file @name in the directory (before vCPUs start). */
int fw_cfg__add_file(struct fw_cfg *cfg, const char *name, const void *data,
		     uint32_t len);

#endif
