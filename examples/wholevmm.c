// SPDX-License-Identifier: MIT
/*
 * wholevmm.c - the simplest embedding: libipivirt's whole VMM, as
 * `ipivirt run` is, in four calls.
 *
 *   wholevmm CPUS KERNEL [APPEND]
 */
#include <ipivirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct ipivirt_vmm_config cfg = { .size = sizeof(cfg), .timeout_s = 300 };
	struct ipivirt_vmm *vmm;
	int ret;

	if (argc < 3) {
		fprintf(stderr, "usage: wholevmm CPUS KERNEL [APPEND]\n");
		return 2;
	}
	cfg.nr_cpus = (unsigned)atoi(argv[1]);
	ret = ipivirt_vmm_create(&cfg, &vmm);
	if (ret) {
		fprintf(stderr, "wholevmm: %s\n", strerror(-ret));
		return 2;
	}
	ret = ipivirt_vmm_load_kernel(vmm, argv[2], argc > 3 ? argv[3] : NULL,
				      NULL);
	if (!ret)
		ret = ipivirt_vmm_run(vmm);
	/* The status alone cannot tell a debug-exit 125 from a crash. */
	if (ret < 0 || ipivirt_vmm_exit_reason(vmm) == IPIVIRT_EXIT_CRASH ||
	    ipivirt_vmm_exit_reason(vmm) == IPIVIRT_EXIT_TIMEOUT)
		fprintf(stderr, "wholevmm: status %d: %s\n", ret,
			ipivirt_vmm_error(vmm));
	ipivirt_vmm_destroy(vmm);
	return ret < 0 ? 1 : ret;
}
