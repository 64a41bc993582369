/* SPDX-License-Identifier: MIT */
/* stats.h - the --stats report: per-vCPU exits, IPIs, kicks, injections. */
#ifndef IPIVIRT_STATS_H
#define IPIVIRT_STATS_H

#include <stdio.h>

#include "vm/vm.h"

void stats__print(struct vm *vm, FILE *out);

#endif
