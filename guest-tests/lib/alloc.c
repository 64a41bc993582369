// SPDX-License-Identifier: MIT
/* alloc.c - bump allocator. */
#include "alloc.h"
#include "atomic.h"
#include "report.h"
#include "string.h"

static u64 next, limit;
static struct spinlock lock;

void alloc_init(u64 start, u64 end)
{
	next = start;
	limit = end;
}

void *alloc(size_t size, size_t align)
{
	u64 p;

	spin_lock(&lock);
	p = (next + align - 1) & ~(u64)(align - 1);
	if (p + size > limit || p + size < p) {
		spin_unlock(&lock);
		report_abort("out of memory: %lu bytes wanted, %lu left", (unsigned long)size,
			     (unsigned long)(limit - next));
	}
	next = p + size;
	spin_unlock(&lock);
	return (void *)p;
}

void *zalloc(size_t size, size_t align)
{
	return memset(alloc(size, align), 0, size);
}

u64 alloc_free_bytes(void)
{
	return limit - READ_ONCE(next);
}
