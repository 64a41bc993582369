# SPDX-License-Identifier: MIT
# make bench / make bench-quick: ipivirt's IPI path against QEMU (docs/bench.md).
# Included by the top-level Makefile. Debian's python3 (python3-matplotlib
# for the plots lives there, not in a pyenv/venv interpreter).
BENCH_PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)
BENCH_BIN ?= $(or $(BUILD),build)/ipivirt
BENCH_ARGS ?=

# The bench group of tools/deps/packages first (python3, matplotlib,
# libvirt, QEMU), then the build: deps-bench is the top Makefile's.
bench: deps-bench
	@$(MAKE) --no-print-directory all guest-tests
	$(BENCH_PYTHON) tools/bench/bench.py --ipivirt $(BENCH_BIN) $(BENCH_ARGS)

bench-quick: deps-bench
	@$(MAKE) --no-print-directory all guest-tests
	BENCH_QUICK=1 $(BENCH_PYTHON) tools/bench/bench.py --ipivirt $(BENCH_BIN) $(BENCH_ARGS)

# Interleaved pairs, ipivirt against QEMU + KVM's in-kernel APIC, mode by
# mode (tools/bench/pairs.py; PAIRS_ARGS="--pairs 7 --extra gap=2000").
PAIRS_ARGS ?=
bench-pairs: deps-bench
	@$(MAKE) --no-print-directory all guest-tests
	$(BENCH_PYTHON) tools/bench/pairs.py --ipivirt $(BENCH_BIN) $(PAIRS_ARGS)

.PHONY: bench bench-quick bench-pairs
