# ipivirt - userspace IPI virtualization on KVM.
#
#   make            build build/ipivirt and the guest test kernels
#   make run        boot the demo guest (4 vCPUs, call-function stress)
#   make test       layering, names, unit tests (+ ASan/UBSan, TSan), hostile guests, fault
#                   injection, guest tests on ipivirt and under QEMU, Linux
#                   (ipistress) under QEMU and on ipivirt
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each
#   make soak       10^7 IPIs on 8 vCPUs, 0 lost, memory steady
#   make bench      ipivirt against QEMU
#   make bench-scale  boot, broadcast, all-to-all from 1 to 1024 vCPUs
#   make fresh-check  prove `make run` and `make test` on a fresh Debian 12
#                   (a debootstrapped chroot; root; tools/fresh-check.sh)
#
# `run`, `test` and `bench` first make sure the Debian packages of their
# group in tools/deps/packages are there (tools/ensure-deps.sh GROUP installs
# them as root, else prints the apt-get line); `make deps` = the test group.

CC ?= gcc
BUILD := build
WARN := -Wall -Wextra -Werror
CPPFLAGS := -D_GNU_SOURCE -Ivmm -Iinclude
CFLAGS_COMMON := -std=c11 $(WARN) -g -pthread
CFLAGS := $(CFLAGS_COMMON) -O2

# Source lists and link flags: mk/sources.mk, the one place.
include mk/sources.mk
UNIT_SRCS := $(wildcard tests/unit/test_*.c)

# Sanitizer variants build into their own trees.
VARIANTS := release asan tsan
CFLAGS_release := $(CFLAGS)
CFLAGS_asan := $(CFLAGS_COMMON) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
CFLAGS_tsan := $(CFLAGS_COMMON) -O1 -fsanitize=thread

objs = $(patsubst %.c,$(BUILD)/$(1)/%.o,$(2))
# libipivirt.a per variant (mk/lib.mk): release's is the one installed.
LIB_ARCHIVE_release := $(BUILD)/lib/libipivirt.a
LIB_ARCHIVE_asan := $(BUILD)/asan/lib/libipivirt.a
LIB_ARCHIVE_tsan := $(BUILD)/tsan/lib/libipivirt.a

.PHONY: all deps run test fresh-check cli-test vmm-test unit-test guest-tests \
	guest-test guest-test-qemu guest-test-sanitized clean ipivirt

all: ipivirt guest-tests

ipivirt: $(BUILD)/ipivirt

# deps-GROUP: the packages of GROUP in tools/deps/packages (and of run).
DEPS_GROUPS := run test bench fuzz cross linux
.PHONY: $(DEPS_GROUPS:%=deps-%)
deps: deps-test
$(DEPS_GROUPS:%=deps-%):
	@tools/ensure-deps.sh $(@:deps-%=%)

define variant_rules
$(BUILD)/$(1)/%.o: %.c
	@mkdir -p $$(@D)
	$$(CC) $$(CPPFLAGS) $$(CFLAGS_$(1)) -MMD -MP -c $$< -o $$@

# The binary sees include/ and nothing of vmm/ but its own header, and
# links the library archive, whose only global symbols are ipivirt_*.
$(call objs,$(1),$(CLI_SRCS)): CPPFLAGS := -D_GNU_SOURCE -Iinclude
$(BUILD)/$(1)/ipivirt: $(call objs,$(1),$(CLI_SRCS)) $(LIB_ARCHIVE_$(1))
	$$(CC) $$(CFLAGS_$(1)) $$^ -o $$@ $(VMM_LIBS)

$(BUILD)/$(1)/tests/%: $(BUILD)/$(1)/tests/unit/%.o $(call objs,$(1),$(MODEL_SRCS))
	$$(CC) $$(CFLAGS_$(1)) $$^ -o $$@ $$(CHECK_LIBS)
endef
$(foreach v,$(VARIANTS),$(eval $(call variant_rules,$(v))))
# Unit tests of plumbing that needs no struct vm link its sources too
# (beyond the models every test gets): UNIT_EXTRA_test_NAME.
UNIT_EXTRA_test_seccomp := vmm/kvm/seccomp_filter.c   # runs the vCPU filter
UNIT_EXTRA_test_kvm_cpuid := vmm/kvm/kvm_cpuid.c      # made-up host tables
UNIT_EXTRA_test_power := vmm/hw/power.c
UNIT_EXTRA_test_uart := vmm/hw/uart.c
UNIT_EXTRA_test_fw_cfg := vmm/hw/fw_cfg.c
UNIT_EXTRA_test_fault_inject := vmm/debug/fault_inject.c
UNIT_EXTRA_test_flight_recorder := vmm/debug/flight_recorder.c
UNIT_EXTRA_test_vcpu_loop := vmm/kvm/vcpu_loop.c
# ipivirt_guest_load() over the one boot path.
UNIT_EXTRA_test_guest_load := lib/guest.c $(BOOT_SRCS)
$(foreach v,$(VARIANTS),$(foreach t,$(patsubst UNIT_EXTRA_%,%,$(filter UNIT_EXTRA_%,$(.VARIABLES))),\
	$(eval $(BUILD)/$(v)/tests/$(t): $(call objs,$(v),$(UNIT_EXTRA_$(t))))))
$(foreach v,$(VARIANTS),$(eval $(BUILD)/$(v)/tests/test_guest_load: CHECK_LIBS += $(LOADER_LIBS)))

# Rename into place: a running ipivirt keeps its old inode ("text busy").
$(BUILD)/ipivirt: $(BUILD)/release/ipivirt
	cp $< $@.tmp && mv -f $@.tmp $@

UNIT_NAMES := $(patsubst tests/unit/%.c,%,$(UNIT_SRCS))

guest-tests:
	$(MAKE) -C guest-tests

# Unit tests: each is a Check program printing its summary line.
# (Explicit per variant: make applies no pattern rule to a phony target.)
define unit_test_rule
.PHONY: unit-test-$(1)
unit-test-$(1): $(foreach t,$(UNIT_NAMES),$(BUILD)/$(1)/tests/$(t))
	@set -e; for t in $$^; do echo "== $$$$t ($(1))"; $$$$t; done
endef
$(foreach v,$(VARIANTS),$(eval $(call unit_test_rule,$(v))))

unit-test: unit-test-release
	@true

# Bad command lines and malformed images: exit 2 with one line, no KVM needed.
# And the binary is the command line over libipivirt's public API (nm).
cli-test: $(BUILD)/ipivirt $(BUILD)/asan/ipivirt guest-tests
	tests/layout/binary-check.sh $(BUILD)/release/ipivirt $(LIB_ARCHIVE_release) \
		$(call objs,release,$(CLI_SRCS))
	tests/cli/run.sh $(BUILD)/ipivirt guest-tests/build/smp.elf
	tests/cli/run.sh $(BUILD)/asan/ipivirt guest-tests/build/smp.elf

# The folders of vmm/ are layers: no include goes to a higher one.
.PHONY: layer-check
layer-check:
	tests/layout/layer-check.sh

# How the VMM ends runs: crash report, timeout, debug exit, signals.
vmm-test: $(BUILD)/ipivirt
	$(MAKE) -s -C tests/vmm BUILD=$(CURDIR)/$(BUILD)
	tests/vmm/run.sh $(BUILD)/ipivirt $(BUILD)/vmm-kernels

guest-test: all
	tests/guest/run.sh ipivirt $(BUILD)/ipivirt

guest-test-sanitized: $(BUILD)/asan/ipivirt $(BUILD)/tsan/ipivirt guest-tests
	tests/guest/run.sh sanitized $(BUILD)/asan/ipivirt $(BUILD)/tsan/ipivirt

guest-test-qemu: guest-tests
	tests/guest/run.sh qemu

test: deps-test
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit-test-release unit-test-asan unit-test-tsan
	@$(MAKE) --no-print-directory layer-check name-check cli-test vmm-test fuzz-smoke
	@$(MAKE) --no-print-directory hostile-test inject-test
	@$(MAKE) --no-print-directory xive-replay-test cross-test-ppc64le cross-build-ppc64le
	@$(MAKE) --no-print-directory linux-patch-check linux-module linux-module-ppc64le
	@$(MAKE) --no-print-directory lib-test
	@$(MAKE) --no-print-directory guest-test
	@$(MAKE) --no-print-directory guest-test-sanitized
	@$(MAKE) --no-print-directory guest-test-qemu
	@$(MAKE) --no-print-directory test-linux-qemu-x86 test-linux-ppc64
	@$(MAKE) --no-print-directory test-linux-ipivirt

run: deps-run
	@$(MAKE) --no-print-directory all
	$(BUILD)/ipivirt run --cpus 4 --kernel guest-tests/build/callfunc.elf --stats --timeout 600

# The same models plus the KVM-on-POWER backend, cross-built for ppc64le.
PPC_CC := powerpc64le-linux-gnu-gcc
$(BUILD)/cross-ppc64le/ipivirt-ppc: tools/ipivirt-ppc.c $(PPC_BACKEND_SRCS) $(VCPU_LOOP_SRCS) $(MODEL_SRCS) | deps-cross
	@mkdir -p $(@D)
	$(PPC_CC) $(CPPFLAGS) $(CFLAGS) -static $^ -o $@
	@readelf -h $@ | grep -q 'PowerPC64' || { echo "not a PowerPC binary: $@"; exit 1; }
	@echo "PASS: KVM-on-POWER backend cross-built: $@"

.PHONY: cross-build-ppc64le
cross-build-ppc64le: $(BUILD)/cross-ppc64le/ipivirt-ppc

include tools/xive-trace/replay.mk
include tools/linux-guest/linux.mk
include mk/lib.mk
include tools/bench/bench.mk
include tests/fuzz/fuzz.mk
include tests/inject/inject.mk
include tests/hostile/hostile.mk

# Debootstrap a minimal Debian 12, clone HEAD into it, run `make run` and
# `CI=true make test` there as root (tools/fresh-check.sh; not part of test).
fresh-check:
	tools/fresh-check.sh $(FRESH_CHECK_ARGS)

clean:
	rm -rf $(BUILD)
	$(MAKE) -C guest-tests clean

-include $(foreach v,$(VARIANTS),$(wildcard $(BUILD)/$(v)/vmm/*.d $(BUILD)/$(v)/vmm/*/*.d $(BUILD)/$(v)/tests/unit/*.d))
