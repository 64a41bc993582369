// SPDX-License-Identifier: MIT
/*
 * xive_hcall.c - H_INT_* hypercalls through ipivirt's doorbell page
 * (docs/xive-x86.md): write arguments at 0x08 + 8*i, the opcode at 0x00
 * (which makes the call), read the return code at 0x40 and the returned
 * values at 0x48 + 8*i. 8-byte little-endian accesses, one exit each.
 * Registers are per vCPU, so only this CPU's interrupt handlers could get
 * between the writes and the reads: interrupts are off for the call.
 */
#include "xive.h"

#define DB_OPCODE 0x00
#define DB_ARG(i) (0x08 + 8 * (i))
#define DB_RC 0x40
#define DB_RET(i) (0x48 + 8 * (i))

static volatile u8 *db;

void xive_hcall_init(u64 hcall_base)
{
	db = (volatile u8 *)(uintptr_t)hcall_base;
}

static void db_write(unsigned off, u64 v)
{
	*(volatile u64 *)(db + off) = v;
}

static u64 db_read(unsigned off)
{
	return *(volatile u64 *)(db + off);
}

/* All six: registers keep what earlier calls wrote. */
void xive_doorbell_args(const u64 args[6])
{
	for (unsigned i = 0; i < 6; i++)
		db_write(DB_ARG(i), args[i]);
}

long xive_doorbell_call(u64 opcode, u64 rets[4])
{
	long rc;

	db_write(DB_OPCODE, opcode);
	rc = (long)db_read(DB_RC);
	if (rets)
		for (unsigned i = 0; i < 4; i++)
			rets[i] = db_read(DB_RET(i));
	return rc;
}

long xive_hcall(u64 opcode, const u64 args[6], u64 rets[4])
{
	u64 f = irq_save();
	long rc;

	xive_doorbell_args(args);
	rc = xive_doorbell_call(opcode, rets);
	irq_restore(f);
	return rc;
}

const char *xive_rc_name(long rc)
{
	switch (rc) {
	case H_SUCCESS: return "H_SUCCESS";
	case H_HARDWARE: return "H_HARDWARE";
	case H_FUNCTION: return "H_FUNCTION";
	case H_PARAMETER: return "H_PARAMETER";
	case H_P2: return "H_P2";
	case H_P3: return "H_P3";
	case H_P4: return "H_P4";
	case H_P5: return "H_P5";
	default: return "?";
	}
}
