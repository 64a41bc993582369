// SPDX-License-Identifier: MIT
/* report.c - PASS/FAIL lines and the summary. */
#include <stdarg.h>

#include "atomic.h"
#include "io.h"
#include "report.h"
#include "string.h"

static unsigned passed, failed, skipped;
static char prefix[128];

void report_prefix_push(const char *p)
{
	size_t n = strlen(prefix), m = strlen(p);

	if (n + m + 3 > sizeof(prefix))
		return;
	memcpy(prefix + n, p, m);
	memcpy(prefix + n + m, ": ", 3);
}

void report_prefix_pop(void)
{
	size_t n = strlen(prefix);

	if (n < 2)
		return;
	n -= 2;                              /* the trailing ": " */
	while (n && !(prefix[n - 1] == ' ' && n >= 2 && prefix[n - 2] == ':'))
		n--;
	prefix[n] = 0;
}

static void vreport(const char *tag, unsigned *counter, const char *fmt, va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	atomic_inc(counter);
	printf("%s: %s%s\n", tag, prefix, msg);
}

void report(bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(pass ? "PASS" : "FAIL", pass ? &passed : &failed, fmt, ap);
	va_end(ap);
}

void report_xfail(bool xfail, bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (pass)
		vreport("PASS", &passed, fmt, ap);
	else if (xfail)
		vreport("XFAIL", &skipped, fmt, ap);
	else
		vreport("FAIL", &failed, fmt, ap);
	va_end(ap);
}

void report_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("SKIP", &skipped, fmt, ap);
	va_end(ap);
}

void report_info(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("INFO: %s%s\n", prefix, msg);
}

unsigned report_failures(void)
{
	return READ_ONCE(failed);
}

int report_summary(void)
{
	unsigned p = READ_ONCE(passed), f = READ_ONCE(failed), s = READ_ONCE(skipped);

	if (s)
		printf("%u passed, %u failed, %u skipped\n", p, f, s);
	else
		printf("%u passed, %u failed\n", p, f);
	return f ? (int)f : 0;
}

void report_abort(const char *fmt, ...)
{
	static int aborting;
	va_list ap;

	if (atomic_xchg(&aborting, 1)) {     /* another CPU is already at it */
		for (;;)
			__asm__ __volatile__("cli; hlt");
	}
	va_start(ap, fmt);
	vreport("FAIL", &failed, fmt, ap);
	va_end(ap);
	exit(report_summary());
}
