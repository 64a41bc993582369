/* SPDX-License-Identifier: MIT */
/*
 * alloc.h - a bump allocator over the RAM after the image (and after the
 * multiboot data and modules). Nothing is ever freed. Thread-safe.
 */
#ifndef GT_ALLOC_H
#define GT_ALLOC_H

#include <stddef.h>
#include "x86.h"

void alloc_init(u64 start, u64 end);
void *alloc(size_t size, size_t align);   /* not zeroed; aborts when out */
void *zalloc(size_t size, size_t align);  /* zeroed */
u64 alloc_free_bytes(void);

#endif
