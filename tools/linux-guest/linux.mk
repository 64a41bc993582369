# Linux guest targets: the ipistress module, its kernel patch, QEMU runs.
# Included from the top-level Makefile:  include tools/linux-guest/linux.mk
#
#   make linux-module            out-of-tree build, Debian linux-headers-amd64
#   make linux-module-ppc64le    cross build, Debian ppc64el headers (dpkg -x)
#   make linux-patch-check       patch is current, applies to linux-source-6.1,
#                                checkpatch-clean (LINUX_PATCH_CHECK_ARGS=--full
#                                also builds it in-tree)
#   make test-linux-qemu-x86     boot Debian's amd64 kernel under QEMU TCG
#   make test-linux-ppc64        boot Debian's ppc64el kernel, pseries + XIVE
#   make test-linux-ipivirt      boot Linux 6.1 on ipivirt (our userspace
#                                APIC), --cpus 2 and 4, each with kvmclock,
#                                no-kvmclock and --clock legacy (PIT
#                                calibration): linux-source-6.1 with
#                                the patch, ipistress built in (LINUX_IPIVIRT_GUEST
#                                =debian: Debian's bzImage + initramfs instead)
#   make linux-kernel            just build that kernel (build-kernel.sh)
#
# Each prints PASS:/FAIL: lines and fails the make on failure. Missing Debian
# packages are installed when run as root, else the apt-get line is printed.
# LINUX_QEMU_SMP picks the vCPU counts (one boot each); IPISTRESS_PARAMS adds
# module parameters, e.g. IPISTRESS_PARAMS="duration_ms=3000 concurrency=2".

LINUX_GUEST_ROOT := $(patsubst %/tools/linux-guest/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
LINUX_GUEST_TOOLS := $(LINUX_GUEST_ROOT)/tools/linux-guest
LINUX_QEMU_SMP ?= 2 4
LINUX_IPIVIRT_SMP ?= 2 4
# How each boot's Linux learns the TSC rate (run-ipivirt.sh --clocks).
LINUX_IPIVIRT_CLOCKS ?= kvmclock no-kvmclock legacy
LINUX_IPIVIRT_GUEST ?= builtin
LINUX_PATCH_CHECK_ARGS ?=

.PHONY: linux-module linux-module-ppc64le linux-patch-check test-linux-qemu-x86 \
	test-linux-ppc64 test-linux test-linux-ipivirt linux-kernel

linux-module:
	@$(LINUX_GUEST_TOOLS)/build-module.sh x86_64

linux-module-ppc64le:
	@$(LINUX_GUEST_TOOLS)/build-module.sh ppc64le

linux-patch-check:
	@$(LINUX_GUEST_ROOT)/guest-tests/linux/check-patch-applies.sh $(LINUX_PATCH_CHECK_ARGS)

test-linux-qemu-x86:
	@$(LINUX_GUEST_TOOLS)/run-qemu.sh x86_64 --smp "$(LINUX_QEMU_SMP)"

test-linux-ipivirt: $(LINUX_GUEST_ROOT)/build/ipivirt
	@$(LINUX_GUEST_TOOLS)/run-ipivirt.sh --smp "$(LINUX_IPIVIRT_SMP)" \
		--clocks "$(LINUX_IPIVIRT_CLOCKS)" \
		--guest $(LINUX_IPIVIRT_GUEST) --ipivirt $(LINUX_GUEST_ROOT)/build/ipivirt

linux-kernel:
	@$(LINUX_GUEST_TOOLS)/build-kernel.sh >/dev/null

test-linux-ppc64:
	@$(LINUX_GUEST_TOOLS)/run-qemu.sh ppc64le --smp "$(LINUX_QEMU_SMP)"

test-linux: linux-patch-check test-linux-qemu-x86 test-linux-ppc64
