// SPDX-License-Identifier: MIT
/* fwcfg.c - select a key with a 16-bit write to 0x510, read bytes at 0x511. */
#include "fwcfg.h"

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511

u64 fwcfg_read(u16 key, unsigned bytes)
{
	u64 v = 0;

	outw(FW_CFG_PORT_SEL, key);
	for (unsigned i = 0; i < bytes && i < 8; i++)
		v |= (u64)inb(FW_CFG_PORT_DATA) << (8 * i);
	return v;
}

bool fwcfg_present(void)
{
	return fwcfg_read(FW_CFG_SIGNATURE, 4) == 0x554d4551;   /* "QEMU" */
}
