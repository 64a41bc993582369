/* SPDX-License-Identifier: MIT */
/*
 * fwcfg.h - QEMU's fw_cfg through I/O ports 0x510/0x511: select a key, then
 * read its bytes one at a time. Named items ("files") are listed in the file
 * directory (key 0x19): a big-endian count, then 64-byte entries
 * { be32 size; be16 select; u16 reserved; char name[56]; }.
 */
#ifndef GT_FWCFG_H
#define GT_FWCFG_H

#include <stdbool.h>
#include <stddef.h>
#include "x86.h"

#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_RAM_SIZE 0x03
#define FW_CFG_NB_CPUS 0x05
#define FW_CFG_MAX_CPUS 0x0f
#define FW_CFG_FILE_DIR 0x19

bool fwcfg_present(void);
u64 fwcfg_read(u16 key, unsigned bytes);   /* little-endian, up to 8 bytes */
/* The first @len bytes of item @key into @buf. */
void fwcfg_read_item(u16 key, void *buf, size_t len);
/*
 * fwcfg_find_file() - look @name up in the file directory.
 * Return: true and its key and size, or false (no fw_cfg, no such file).
 */
bool fwcfg_find_file(const char *name, u16 *key, u32 *size);

#endif
