// SPDX-License-Identifier: MIT
/*
 * main.c - ipivirt: parse the command line, then run the whole VMM through
 * libipivirt's public API (include/ipivirt.h), as any embedder would, and
 * map how the run ended to the exit status.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ipivirt.h"

#define EXIT_HOST_FAILURE 1
#define EXIT_USAGE 2

/* Say why the run ended; the status is ipivirt_vmm_run()'s. */
static void report_end(struct ipivirt_vmm *vmm, const struct cli_run *run,
		       int status)
{
	switch (ipivirt_vmm_exit_reason(vmm)) {
	case IPIVIRT_EXIT_TIMEOUT:
		fprintf(stderr, "ipivirt: timeout after %u s\n",
			run->vmm.timeout_s);
		break;
	case IPIVIRT_EXIT_SIGNAL:
		fprintf(stderr, "ipivirt: stopped by signal %d\n", status - 128);
		break;
	case IPIVIRT_EXIT_CRASH:
		fprintf(stderr, "ipivirt: guest crashed: %s\n",
			*ipivirt_vmm_error(vmm) ? ipivirt_vmm_error(vmm)
						: "unknown");
		break;
	default:
		break;
	}
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
	struct ipivirt_vmm *vmm;
	enum cli_action action;
	struct cli_run run;
	char err[512] = "";
	int ret;

	if (cli__parse(argc, argv, &action, &run, err, sizeof(err))) {
		fprintf(stderr, "ipivirt: %s\n", err);
		return EXIT_USAGE;
	}
	if (action == CLI_HELP) {
		cli__usage(stdout);
		return 0;
	}
	if (action == CLI_VERSION) {
		printf("ipivirt %s\n", ipivirt_version());
		return 0;
	}

	ret = ipivirt_vmm_create(&run.vmm, &vmm);
	if (ret) {
		/* cli__parse() checked every value the library checks. */
		fprintf(stderr, "ipivirt: %s\n", strerror(-ret));
		return ret == -EINVAL ? EXIT_USAGE : EXIT_HOST_FAILURE;
	}
	ret = ipivirt_vmm_load_kernel(vmm, run.kernel_path, run.append,
				      run.initrd_path);
	if (ret) {
		fprintf(stderr, "ipivirt: %s\n", *ipivirt_vmm_error(vmm)
			? ipivirt_vmm_error(vmm) : strerror(-ret));
		ipivirt_vmm_destroy(vmm);
		return setup_status(ret);
	}
	ret = ipivirt_vmm_run(vmm);
	if (ret < 0)
		fprintf(stderr, "ipivirt: %s\n", *ipivirt_vmm_error(vmm)
			? ipivirt_vmm_error(vmm) : strerror(-ret));
	else
		report_end(vmm, &run, ret);
	ipivirt_vmm_destroy(vmm);
	return ret < 0 ? EXIT_HOST_FAILURE : ret;
}
