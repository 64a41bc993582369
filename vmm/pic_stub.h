/* SPDX-License-Identifier: MIT */
/*
 * pic_stub.h - a pair of 8259A PICs that exist and never interrupt.
 */
#ifndef IPIVIRT_PIC_STUB_H
#define IPIVIRT_PIC_STUB_H

#include "bus.h"

/*
 * pic_stub__register() - put the stub PICs at I/O 0x20-0x21 / 0xa0-0xa1
 * (and the ELCR at 0x4d0-0x4d1) on @pio. One per process.
 * Return: 0 or a negative errno from bus__register().
 */
int pic_stub__register(struct bus *pio);

#endif
