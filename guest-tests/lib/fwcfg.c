// SPDX-License-Identifier: MIT
/* fwcfg.c - select a key with a 16-bit write to 0x510, read bytes at 0x511. */
#include "fwcfg.h"
#include "string.h"

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_NAME_MAX 56

/* Byte reads only: QEMU's port is one byte wide. */
static void read_bytes(void *buf, size_t len)
{
	u8 *b = buf;

	for (size_t i = 0; i < len; i++)
		b[i] = inb(FW_CFG_PORT_DATA);
}

u64 fwcfg_read(u16 key, unsigned bytes)
{
	u64 v = 0;

	outw(FW_CFG_PORT_SEL, key);
	for (unsigned i = 0; i < bytes && i < 8; i++)
		v |= (u64)inb(FW_CFG_PORT_DATA) << (8 * i);
	return v;
}

void fwcfg_read_item(u16 key, void *buf, size_t len)
{
	outw(FW_CFG_PORT_SEL, key);
	read_bytes(buf, len);
}

bool fwcfg_present(void)
{
	return fwcfg_read(FW_CFG_SIGNATURE, 4) == 0x554d4551;   /* "QEMU" */
}

bool fwcfg_find_file(const char *name, u16 *key, u32 *size)
{
	struct {
		u32 size;
		u16 select;
		u16 reserved;
		char name[FW_CFG_NAME_MAX];
	} e;
	u32 count;

	if (!fwcfg_present() || strlen(name) >= FW_CFG_NAME_MAX)
		return false;
	outw(FW_CFG_PORT_SEL, FW_CFG_FILE_DIR);
	read_bytes(&count, sizeof(count));
	count = be32_to_cpu(count);
	/* The directory is a stream: read every entry up to ours. A bound
	 * keeps a device answering 0xff forever from hanging us. */
	for (u32 i = 0; i < count && i < 4096; i++) {
		read_bytes(&e, sizeof(e));
		e.name[FW_CFG_NAME_MAX - 1] = 0;
		if (!strcmp(e.name, name)) {
			*key = be16_to_cpu(e.select);
			*size = be32_to_cpu(e.size);
			return true;
		}
	}
	return false;
}
