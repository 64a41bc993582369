# tools/xive-trace/replay.mk - XIVE conformance replay and the ppc64le
# cross test. Included from the top-level Makefile; uses CC, CFLAGS and
# BUILD when they are defined there.
#
#   make xive-replay-test     build $(BUILD)/xive-replay, replay every
#                             tests/xive-traces/*.trace and, normalized
#                             into $(BUILD)/xive-replay-plain/, every plain
#                             QEMU trace tests/xive-traces/*.qemu.log; then
#                             check that a tampered or malformed plain trace
#                             fails (replay-negative.sh). A few seconds.
#   make cross-test-ppc64le   Check unit tests cross-built for ppc64le and
#                             run under qemu-ppc64le (tests/cross/run-ppc64le.sh)
#
# Traces are captured on demand with tools/xive-trace/capture.sh (needs
# qemu-system-ppc and a ppc64el kernel; not part of these targets).

# Keep the includer's default goal: nothing here should become `make`'s.
XIVE_SAVED_GOAL := $(.DEFAULT_GOAL)

CC ?= gcc
BUILD ?= build
CFLAGS ?= -g -O2

XIVE_REPLAY_SRCS := tools/xive-replay.c $(XIVE_SRCS) $(IPI_DOMAIN_SRCS)
XIVE_REPLAY_HDRS := $(wildcard vmm/xive_*.h vmm/*irq_domain*.h vmm/ipi_domain.h) vmm/cpumask.h
XIVE_TRACES := $(sort $(wildcard tests/xive-traces/*.trace))
# Plain QEMU traces (no thread ids, no capture initramfs), kept raw: the
# test takes them through normalize.py, as a user's own trace would go.
XIVE_PLAIN := $(sort $(wildcard tests/xive-traces/*.qemu.log))
XIVE_PLAIN_DIR := $(BUILD)/xive-replay-plain
XIVE_PLAIN_TRACES := $(patsubst tests/xive-traces/%.qemu.log,$(XIVE_PLAIN_DIR)/%.trace,$(XIVE_PLAIN))
# Always C11 and warnings as errors, whatever CFLAGS the includer has.
XIVE_REPLAY_CFLAGS := $(filter-out -std=% -Wall -Wextra -Werror -pthread,$(CFLAGS)) \
	-std=c11 -Wall -Wextra -Werror -pthread -D_GNU_SOURCE -Ivmm -Iinclude

.PHONY: xive-replay-test cross-test-ppc64le

$(BUILD)/xive-replay: $(XIVE_REPLAY_SRCS) $(XIVE_REPLAY_HDRS)
	@mkdir -p $(@D)
	$(CC) $(XIVE_REPLAY_CFLAGS) $(XIVE_REPLAY_SRCS) -o $@

$(XIVE_PLAIN_DIR)/%.trace: tests/xive-traces/%.qemu.log tools/xive-trace/normalize.py
	@mkdir -p $(@D)
	python3 tools/xive-trace/normalize.py --trace $< --name $* -o $@

xive-replay-test: $(BUILD)/xive-replay $(XIVE_PLAIN_TRACES)
	@test -n "$(XIVE_TRACES)" || { echo "xive-replay-test: no tests/xive-traces/*.trace"; exit 1; }
	@test -n "$(XIVE_PLAIN)" || { echo "xive-replay-test: no tests/xive-traces/*.qemu.log"; exit 1; }
	$(BUILD)/xive-replay $(XIVE_TRACES) $(XIVE_PLAIN_TRACES)
	tools/xive-trace/replay-negative.sh $(BUILD)/xive-replay $(XIVE_PLAIN_DIR)/negative $(firstword $(XIVE_PLAIN))

cross-test-ppc64le:
	BUILD=$(BUILD) MODEL_SRCS="$(MODEL_SRCS)" tests/cross/run-ppc64le.sh

.DEFAULT_GOAL := $(XIVE_SAVED_GOAL)
