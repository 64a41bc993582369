/* SPDX-License-Identifier: MIT */
/* fwcfg.h - QEMU's fw_cfg through I/O ports 0x510/0x511. */
#ifndef GT_FWCFG_H
#define GT_FWCFG_H

#include <stdbool.h>
#include "x86.h"

#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_RAM_SIZE 0x03
#define FW_CFG_NB_CPUS 0x05
#define FW_CFG_MAX_CPUS 0x0f

bool fwcfg_present(void);
u64 fwcfg_read(u16 key, unsigned bytes);   /* little-endian, up to 8 bytes */

#endif
