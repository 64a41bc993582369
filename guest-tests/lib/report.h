/* SPDX-License-Identifier: MIT */
/*
 * report.h - test results. Each check prints one line, "PASS: ..." or
 * "FAIL: ..." (or "SKIP: ...", "XFAIL: ..."), prefixed by the current
 * report_prefix_push() names; report_summary() prints exactly
 * "N passed, M failed" (", K skipped" when K > 0) on its own line.
 * Safe to call from any CPU.
 */
#ifndef GT_REPORT_H
#define GT_REPORT_H

#include <stdbool.h>

void report(bool pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void report_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * report_xfail() - a check a known platform gap makes fail: with @xfail set
 * a failure prints "XFAIL" and counts as skipped (a pass still passes).
 * Tests set @xfail only when told so on the command line, never by guessing.
 */
void report_xfail(bool xfail, bool pass, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void report_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_prefix_push(const char *prefix);
void report_prefix_pop(void);
unsigned report_failures(void);
int report_summary(void);
/* Fail, print the summary and end the run now (from any CPU). */
void report_abort(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

void exit(int code) __attribute__((noreturn));

#endif
