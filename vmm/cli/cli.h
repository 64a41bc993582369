/* SPDX-License-Identifier: MIT */
/*
 * cli.h - the ipivirt command line, parsed into libipivirt's public
 * configuration: the binary is a client of the library (include/ipivirt.h
 * is all this layer sees).
 */
#ifndef IPIVIRT_CLI_H
#define IPIVIRT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ipivirt.h"

enum cli_action { CLI_RUN, CLI_HELP, CLI_VERSION };

/**
 * struct cli_run - what `ipivirt run` was asked for.
 * @vmm:    the VMM's configuration; @vmm.faults points at @faults when
 *          any --inject was given, else NULL.
 * @faults: --inject and --inject-seed.
 * @kernel_path, @initrd_path, @append: the images (argv strings).
 */
struct cli_run {
	struct ipivirt_vmm_config vmm;
	struct ipivirt_fault_config faults;
	const char *kernel_path;
	const char *initrd_path;
	const char *append;
};

/*
 * cli__parse() - parse argv into @run.
 * Return: 0 with @action set, or -EINVAL with a one-line reason in @err.
 */
int cli__parse(int argc, char **argv, enum cli_action *action,
	       struct cli_run *run, char *err, size_t errlen);
void cli__usage(FILE *out);
/* Parse "256M", "1G", "65536K", "512" (MiB): bytes, or 0 when malformed. */
unsigned long long cli__parse_size(const char *s);

#endif
