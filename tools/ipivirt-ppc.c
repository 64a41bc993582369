// SPDX-License-Identifier: MIT
/*
 * ipivirt-ppc - run a pseries guest on KVM-on-POWER with the userspace XIVE
 * model (vmm/kvm_ppc.c). A POWER host with /dev/kvm is needed to run it;
 * make test only cross-builds it for ppc64le.
 *
 *   ipivirt-ppc --cpus N --mem MiB --image FILE --entry ADDR [--fdt FILE]
 *
 * The image is copied to guest address 0, the FDT (a flattened device tree
 * describing the guest, with the XIVE node of docs/xive-x86.md's values) to
 * the top of RAM minus 1 MiB, whose address the guest gets in r3.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm/kvm_ppc.h"

static long load(const char *path, uint8_t *dst, size_t room)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -errno;
	n = fread(dst, 1, room, f);
	if (!feof(f)) {
		fclose(f);
		return -E2BIG;
	}
	fclose(f);
	return (long)n;
}

int main(int argc, char **argv)
{
	struct kvm_ppc_config cfg = { .size = sizeof(cfg), .nr_cpus = 1,
				      .ram_size = 256ull << 20 };
	const char *image = NULL, *fdt = NULL;
	struct kvm_ppc_vm *vm = NULL;
	char err[256];
	int ret;

	for (int i = 1; i + 1 < argc; i += 2) {
		char *end;
		unsigned long long v = strtoull(argv[i + 1], &end, 0);
		if (!strcmp(argv[i], "--cpus") && !*end && v && v <= 256)
			cfg.nr_cpus = (unsigned)v;
		else if (!strcmp(argv[i], "--mem") && !*end && v >= 16)
			cfg.ram_size = v << 20;
		else if (!strcmp(argv[i], "--entry") && !*end)
			cfg.entry = v;
		else if (!strcmp(argv[i], "--image"))
			image = argv[i + 1];
		else if (!strcmp(argv[i], "--fdt"))
			fdt = argv[i + 1];
		else {
			fprintf(stderr, "ipivirt-ppc: bad argument %s\n",
				argv[i]);
			return 2;
		}
	}
	if (!image) {
		fprintf(stderr, "ipivirt-ppc: --image FILE is required\n");
		return 2;
	}
	cfg.fdt_gpa = cfg.ram_size - (1ull << 20);
	ret = kvm_ppc__create(&cfg, &vm, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "ipivirt-ppc: %s\n", err);
		kvm_ppc__destroy(vm);
		return 1;
	}
	if (load(image, kvm_ppc__ram(vm), cfg.fdt_gpa) < 0 ||
	    (fdt && load(fdt, kvm_ppc__ram(vm) + cfg.fdt_gpa, 1u << 20) < 0)) {
		fprintf(stderr, "ipivirt-ppc: cannot load %s\n",
			fdt ? fdt : image);
		kvm_ppc__destroy(vm);
		return 2;
	}
	ret = kvm_ppc__run(vm);
	kvm_ppc__destroy(vm);
	if (ret)
		fprintf(stderr, "ipivirt-ppc: %s\n", strerror(-ret));
	return ret ? 1 : 0;
}
