/* SPDX-License-Identifier: MIT */
/*
 * errmsg.h - the plumbing's error convention in one place: a failing call
 * writes one line for the user into the caller's buffer (@err, @errlen)
 * and returns a negative errno. Header only, so any layer (and the fuzz
 * builds, which link single files) can use it.
 */
#ifndef IPIVIRT_ERRMSG_H
#define IPIVIRT_ERRMSG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Format the message into @err and return @code (a negative errno). */
static inline int errmsg_fail(char *err, size_t errlen, int code,
			      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline int errmsg_fail(char *err, size_t errlen, int code,
			      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}

#endif
