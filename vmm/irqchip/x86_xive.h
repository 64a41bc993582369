/* SPDX-License-Identifier: MIT */
/*
 * x86_xive.h - XIVE on an x86 VM (--irqchip xive): the model's ESB and TIMA
 * pages and a hypercall doorbell as MMIO, the discovery file in fw_cfg, and
 * the external interrupt line as an x86 vector. docs/xive-x86.md is the
 * guest-visible contract.
 */
#ifndef IPIVIRT_X86_XIVE_H
#define IPIVIRT_X86_XIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "vm/vm.h"

#define XIVE_X86_ESB_BASE 0xc0000000ull
#define XIVE_X86_ESB_SHIFT 17
#define XIVE_X86_TIMA_BASE 0xc8000000ull
#define XIVE_X86_HCALL_BASE 0xc8100000ull
#define XIVE_X86_VECTOR 0x50
#define XIVE_X86_EXTRA_IRQS 16 /* sources beyond the IPIs, for devices */

struct xive_dev;

int x86_xive__create(struct vm *vm, char *err, size_t errlen);
void x86_xive__destroy(struct xive_dev *dev);
/* The vector to inject on @cpu now, or -1 (owner thread, lock-free). */
int x86_xive__pending_vector(const struct xive_dev *dev, unsigned cpu);
void x86_xive__cpu_counts(const struct xive_dev *dev, unsigned cpu,
			  uint64_t *sent, uint64_t *received);

#endif
