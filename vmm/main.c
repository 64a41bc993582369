// SPDX-License-Identifier: MIT
/* main.c - ipivirt: parse, build the VM, run it, report, map the exit. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "event_loop.h"
#include "fault_inject.h"
#include "kvm_vcpu.h"
#include "seccomp_filter.h"
#include "stats.h"
#include "version.h"

#define EXIT_HOST_FAILURE 1
#define EXIT_USAGE 2

/* Say why the run ended, then the shared status (vm_exit_status()). */
static int exit_status(struct vm *vm)
{
	int code = atomic_load(&vm->exit_code), status;

	switch ((enum vm_exit_kind)atomic_load(&vm->exit_kind)) {
	case VM_EXIT_TIMEOUT:
		fprintf(stderr, "ipivirt: timeout after %u s\n",
			vm->cfg.timeout_s);
		break;
	case VM_EXIT_SIGNAL:
		fprintf(stderr, "ipivirt: stopped by signal %d\n", code);
		break;
	case VM_EXIT_CRASH:
		fprintf(stderr, "ipivirt: guest crashed: %s\n",
			vm->crash_report[0] ? vm->crash_report : "unknown");
		break;
	default:
		break;
	}
	status = vm_exit_status(vm);
	return status < 0 ? EXIT_HOST_FAILURE : status;
}

/* Setup errors caused by what the user gave us are usage errors. */
static int setup_status(int err)
{
	switch (-err) {
	case ENOEXEC: case E2BIG: case ENOENT: case EINVAL:
		return EXIT_USAGE;
	default:
		return EXIT_HOST_FAILURE;
	}
}

int main(int argc, char **argv)
{
	struct vm_config cfg;
	enum cli_action action;
	struct vm *vm;
	char err[512] = "";
	int ret, status;

	if (cli__parse(argc, argv, &action, &cfg, err, sizeof(err))) {
		fprintf(stderr, "ipivirt: %s\n", err);
		return EXIT_USAGE;
	}
	if (action == CLI_HELP) {
		cli__usage(stdout);
		return 0;
	}
	if (action == CLI_VERSION) {
		printf("ipivirt %s\n", IPIVIRT_VERSION_STRING);
		return 0;
	}

	if (event_loop__block_signals() || kvm_vcpu__init_signals() ||
	    (cfg.seccomp == VM_SECCOMP_ON && seccomp_filter__init())) {
		fprintf(stderr, "ipivirt: cannot set up signals\n");
		return EXIT_HOST_FAILURE;
	}
	vm = calloc(1, sizeof(*vm)); /* large: off the stack */
	if (!vm) {
		fprintf(stderr, "ipivirt: out of memory\n");
		return EXIT_HOST_FAILURE;
	}
	ret = vm__create(vm, &cfg, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "ipivirt: %s\n", err);
		vm__destroy(vm);
		free(vm);
		return setup_status(ret);
	}
	/* Created here, so its thread is not under the vCPUs' filter. */
	if (cfg.inject.enabled) {
		ret = fault_inject__create(vm, &cfg.inject, &vm->fi);
		if (ret) {
			fprintf(stderr, "ipivirt: --inject: %s\n",
				strerror(-ret));
			vm__destroy(vm);
			free(vm);
			return EXIT_HOST_FAILURE;
		}
	}
	ret = vm__run(vm, err, sizeof(err));
	if (ret)
		fprintf(stderr, "ipivirt: %s\n", err);
	status = ret ? EXIT_HOST_FAILURE : exit_status(vm);
	if (cfg.stats)
		stats__print(vm, stderr);
	fault_inject__destroy(vm->fi);
	vm->fi = NULL;
	vm__destroy(vm);
	free(vm);
	return status;
}
