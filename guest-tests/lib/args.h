/* SPDX-License-Identifier: MIT */
/*
 * args.h - the multiboot command line as argv: argv[0] is the image path
 * (QEMU and ipivirt put it first), then space-separated words.
 * "key=value" words are read with arg_value(); plain words with arg_has().
 */
#ifndef GT_ARGS_H
#define GT_ARGS_H

#include <stdbool.h>
#include "x86.h"

#define MAX_ARGS 32

extern int argc;
extern char *argv[MAX_ARGS + 1];

void args_parse(const char *cmdline);
bool arg_has(const char *word);
const char *arg_value(const char *key);                 /* NULL if absent */
unsigned long arg_ulong(const char *key, unsigned long def);
/* arg_list_has("xfail", "esr"): is "esr" in the comma list of "xfail=..."? */
bool arg_list_has(const char *key, const char *item);

/* multiboot.c: copy what we need out of the multiboot info, size the heap. */
void multiboot_parse(u32 magic, u32 info, u64 *heap_start, u64 *heap_end);

#endif
