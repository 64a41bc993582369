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

# Boot, broadcast and all-to-all against the vCPU count, 1 to 1024 (KVM's
# limit): tools/bench/scale.py, docs/bench.md "Scale"; ~3 minutes here.
# SCALE_ARGS="--cpus 1,16,256 --repeats 3".
SCALE_ARGS ?=
bench-scale: deps-bench
	@$(MAKE) --no-print-directory all guest-tests
	$(BENCH_PYTHON) tools/bench/scale.py --ipivirt $(BENCH_BIN) $(SCALE_ARGS)

.PHONY: bench bench-quick bench-pairs bench-scale

# docs/img/trace-callfunc-4cpu.png: a 4-vCPU callfunc run's trace-event file
# (--trace FILE writes FILE.json) drawn by tools/bench/trace-view.html in
# headless Chromium (tools/bench/trace-screenshot.py; docs/bench.md, "Flight
# recorder"). A docs step only: Debian's chromium is in no package group,
# the script prints the apt-get line when it is missing.
TRACE_SHOT_DIR ?= $(or $(BUILD),build)/trace-shot
TRACE_SHOT_PNG ?= docs/img/trace-callfunc-4cpu.png
trace-screenshot:
	@$(MAKE) --no-print-directory $(BENCH_BIN) guest-tests
	@mkdir -p $(TRACE_SHOT_DIR)
	$(BENCH_BIN) run --cpus 4 --trace $(TRACE_SHOT_DIR)/callfunc.trace \
		--kernel guest-tests/build/callfunc.elf --timeout 600 \
		> $(TRACE_SHOT_DIR)/run.log
	$(BENCH_PYTHON) tools/bench/trace-screenshot.py \
		$(TRACE_SHOT_DIR)/callfunc.trace.json $(TRACE_SHOT_PNG)

.PHONY: trace-screenshot
