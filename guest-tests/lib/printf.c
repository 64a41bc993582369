// SPDX-License-Identifier: MIT
/*
 * printf.c - a small vsnprintf (%d %i %u %x %X %p %s %c %%, flags - 0 #,
 * width, precision for %s, length h hh l ll z) and console output.
 * Each printf() formats into a buffer first and then writes it under one
 * lock, so lines from different CPUs do not interleave.
 */
#include <stdbool.h>
#include <stdint.h>

#include "atomic.h"
#include "io.h"
#include "percpu.h"

struct out {
	char *buf;
	size_t size, len;
};

static void emit(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void emit_num(struct out *o, unsigned long long v, unsigned base, bool upper,
		     bool neg, int width, char pad)
{
	char tmp[24];
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg)
		width--;
	if (neg && pad == '0')
		emit(o, '-');
	for (int i = n; i < width; i++)   /* left-justify pads afterwards */
		emit(o, pad);
	if (neg && pad != '0')
		emit(o, '-');
	while (n)
		emit(o, tmp[--n]);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			emit(&o, *fmt);
			continue;
		}
		fmt++;
		bool left = false, alt = false;
		char pad = ' ';
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '#')
				alt = true;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		int width = 0, prec = -1;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			prec = 0;
			for (fmt++; *fmt >= '0' && *fmt <= '9'; fmt++)
				prec = prec * 10 + (*fmt - '0');
		}
		int lng = 0;
		while (*fmt == 'l' || *fmt == 'z' || *fmt == 'h') {
			if (*fmt != 'h')
				lng++;
			fmt++;
		}
		if (left)
			pad = ' ';
		size_t start = o.len;
		unsigned long long u;
		long long s;
		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng ? va_arg(ap, long long) : va_arg(ap, int);
			emit_num(&o, s < 0 ? -(unsigned long long)s : (unsigned long long)s, 10,
				 false, s < 0, left ? 0 : width, pad);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
			if (alt && *fmt != 'u') {
				emit(&o, '0');
				emit(&o, 'x');
			}
			emit_num(&o, u, *fmt == 'u' ? 10 : 16, *fmt == 'X', false,
				 left ? 0 : width, pad);
			break;
		case 'p':
			emit(&o, '0');
			emit(&o, 'x');
			emit_num(&o, (uintptr_t)va_arg(ap, void *), 16, false, false, 0, ' ');
			break;
		case 'c':
			emit(&o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			int len = 0;
			while (str[len] && (prec < 0 || len < prec))
				len++;
			if (!left)
				for (int i = len; i < width; i++)
					emit(&o, ' ');
			for (int i = 0; i < len; i++)
				emit(&o, str[i]);
			break;
		}
		case '%':
			emit(&o, '%');
			break;
		default:
			emit(&o, '%');
			if (*fmt)
				emit(&o, *fmt);
			else
				fmt--;
			break;
		}
		if (left)
			while (o.len - start < (size_t)width)
				emit(&o, ' ');
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/*
 * The console lock is recursive per CPU (owner = cpu + 1): an interrupt or
 * exception handler that prints while its CPU holds the lock still gets its
 * report out. Interrupts stay on while printing so IPIs are not held up.
 * Lines end in a bare '\n': harnesses match whole lines.
 */
static int console_owner;

static void write_raw(const char *s)
{
	for (; *s; s++)
		serial_putc(*s);
}

static void console_write(const char *s)
{
	int me = (int)smp_id() + 1;
	int expected = 0;

	if (READ_ONCE(console_owner) == me) {
		write_raw(s);
		return;
	}
	while (!atomic_try_cmpxchg(&console_owner, &expected, me)) {
		expected = 0;
		pause();
	}
	write_raw(s);
	smp_store_release(&console_owner, 0);
}

void puts(const char *s)
{
	console_write(s);
}

int vprintf(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	console_write(buf);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
