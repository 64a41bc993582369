# SPDX-License-Identifier: MIT
# fuzz.mk - libFuzzer targets for the guest-facing models, the loaders and
# the command line (docs/fuzzing.md). Included from the top-level Makefile.
#
#   make fuzz-build                   build build/fuzz/fuzz_* with clang
#   make fuzz [FUZZ_SECONDS=60]       fuzz each target in turn
#   make fuzz-smoke                   replay tests/fuzz/regressions/*, then
#                                     fuzz each target FUZZ_SMOKE_SECONDS (8)
#   make fuzz FUZZ_TARGETS=fuzz_xive  one target only

BUILD ?= build
FUZZ_CC ?= clang
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 8
FUZZ_TARGETS ?= fuzz_apic fuzz_ioapic fuzz_xive fuzz_loader fuzz_cli
FUZZ_CFLAGS := -std=c11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_CPPFLAGS := -D_GNU_SOURCE -Ivmm -Iinclude -Itests/unit -Itests/fuzz

FUZZ_HDRS := tests/fuzz/fuzz_common.h tests/unit/apic_mock.h \
	tests/unit/test_xive_fake.h $(wildcard vmm/*.h vmm/*/*.h)

# What each target links: pure model sources only, plus the loaders / CLI.
FUZZ_SRCS_fuzz_apic := $(APIC_SRCS) $(IPI_DOMAIN_SRCS)
FUZZ_SRCS_fuzz_ioapic := $(APIC_SRCS) $(IPI_DOMAIN_SRCS) $(PC_IRQ_SRCS)
FUZZ_SRCS_fuzz_xive := $(XIVE_SRCS) $(IPI_DOMAIN_SRCS)
FUZZ_SRCS_fuzz_loader := $(LOADER_SRCS)
FUZZ_SRCS_fuzz_cli := vmm/cli/cli.c
FUZZ_LIBS_fuzz_loader := $(LOADER_LIBS)

# Input size caps: a few hundred operations for the models, an image of
# up to 16 KiB (room for a compressed vmlinux), a short command line.
FUZZ_MAXLEN_fuzz_apic := 1024
FUZZ_MAXLEN_fuzz_ioapic := 1024
FUZZ_MAXLEN_fuzz_xive := 1024
FUZZ_MAXLEN_fuzz_loader := 16384
FUZZ_MAXLEN_fuzz_cli := 512

.PHONY: fuzz-build fuzz fuzz-smoke fuzz-seeds

fuzz-build: $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))

# deps-fuzz (top Makefile): clang and libFuzzer, from tools/deps/packages.
define fuzz_target_rule
$(FUZZ_DIR)/$(1): tests/fuzz/$(1).c $(FUZZ_HDRS) $(FUZZ_SRCS_$(1)) | deps-fuzz
	@mkdir -p $$(@D)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) $$< $(FUZZ_SRCS_$(1)) \
		-o $$@ -pthread $(FUZZ_LIBS_$(1))
endef
$(foreach t,fuzz_apic fuzz_ioapic fuzz_xive fuzz_loader fuzz_cli,$(eval $(call fuzz_target_rule,$(t))))

fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
		tests/fuzz/run.sh replay $(FUZZ_DIR) $$t; \
		tests/fuzz/run.sh fuzz $(FUZZ_DIR) $$t $(FUZZ_SECONDS) \
			$$(case $$t in fuzz_apic|fuzz_ioapic) echo $(FUZZ_MAXLEN_fuzz_apic);; \
			fuzz_xive) echo $(FUZZ_MAXLEN_fuzz_xive);; \
			fuzz_loader) echo $(FUZZ_MAXLEN_fuzz_loader);; \
			*) echo $(FUZZ_MAXLEN_fuzz_cli);; esac); \
	done

fuzz-smoke: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
		tests/fuzz/run.sh replay $(FUZZ_DIR) $$t; \
	done; \
	for t in $(FUZZ_TARGETS); do \
		tests/fuzz/run.sh fuzz $(FUZZ_DIR) $$t $(FUZZ_SMOKE_SECONDS) \
			$$(case $$t in fuzz_apic|fuzz_ioapic) echo $(FUZZ_MAXLEN_fuzz_apic);; \
			fuzz_xive) echo $(FUZZ_MAXLEN_fuzz_xive);; \
			fuzz_loader) echo $(FUZZ_MAXLEN_fuzz_loader);; \
			*) echo $(FUZZ_MAXLEN_fuzz_cli);; esac); \
	done

# Regenerate tests/fuzz/corpus/ (needs python3; guest kernels optional).
fuzz-seeds: deps-fuzz
	tests/fuzz/make-seeds.sh $(CURDIR)/guest-tests/build
