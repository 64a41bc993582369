/* SPDX-License-Identifier: MIT */
/*
 * xive_queue.c - event queues (ENDs) in guest memory.
 *
 * A queue of 2^qshift bytes holds 2^(qshift-2) big-endian 32-bit entries:
 * bit 31 is the generation, bits 30..0 the event data (the source's EISN).
 * The generation starts at 1 and flips every time the index wraps, so the
 * guest, which starts with a zeroed page and a toggle of 0, can tell new
 * entries from stale ones without any hypervisor-side consumer index.
 */
#include <string.h>

#include "xive_priv.h"

void xive_end_reset(struct xive_end *end)
{
	memset(end, 0, sizeof(*end));
}

void xive_end_configure(struct xive_end *end, uint64_t qpage,
			unsigned qshift, bool always_notify)
{
	end->enabled = true;
	end->always_notify = always_notify;
	end->qpage = qpage;
	end->qshift = (uint8_t)qshift;
	end->qindex = 0;
	end->qgen = 1;
}

void xive_end_enqueue_locked(struct xive *x, struct xive_end *end,
			     uint32_t data)
{
	uint32_t entries = 1u << (end->qshift - 2);
	uint32_t word = ((uint32_t)end->qgen << 31) | (data & 0x7fffffffu);
	uint8_t be[4];

	xive_be_store(be, 4, word);
	if (x->ops.write_mem(x->ops.opaque, end->qpage + 4ull * end->qindex,
			     be, sizeof(be)) < 0) {
		/* Like the hardware (and QEMU): the slot is not consumed. */
		x->stats.queue_write_errors++;
		return;
	}
	end->enqueued++;
	end->qindex = (end->qindex + 1) & (entries - 1);
	if (end->qindex == 0)
		end->qgen ^= 1u;
}
