/* SPDX-License-Identifier: MIT */
/* cli.h - the ipivirt command line. */
#ifndef IPIVIRT_CLI_H
#define IPIVIRT_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "vm.h"

enum cli_action { CLI_RUN, CLI_HELP, CLI_VERSION };

/*
 * cli__parse() - parse argv into @cfg.
 * Return: 0 with @action set, or -EINVAL with a one-line reason in @err.
 */
int cli__parse(int argc, char **argv, enum cli_action *action,
	       struct vm_config *cfg, char *err, size_t errlen);
void cli__usage(FILE *out);
/* Parse "256M", "1G", "65536K", "512" (MiB): bytes, or 0 when malformed. */
unsigned long long cli__parse_size(const char *s);

#endif
