/* SPDX-License-Identifier: MIT */
/* io.h - console output: printf on COM1, serialized across CPUs. */
#ifndef GT_IO_H
#define GT_IO_H

#include <stdarg.h>
#include <stddef.h>

void serial_init(void);
void serial_putc(char c);
void puts(const char *s);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
