# SPDX-License-Identifier: MIT
# hostile.mk - hostile guests and the IPI soak (docs/hardening.md).
# Included from the top-level Makefile.
#
#   make hostile-test      hostile guest kernels against ipivirt and its
#                          ASan/UBSan build (~55-90 s)
#   make soak              10^7 IPIs on 8 vCPUs, 0 lost, memory steady
#                          (~11-25 min here); SOAK_IPIS=100000 for a quick one,
#                          SOAK_IRQCHIP=xive for IPIs over XIVE

SOAK_IPIS ?= 10000000
SOAK_CPUS ?= 8
SOAK_IRQCHIP ?= apic

.PHONY: hostile-test soak

hostile-test: $(BUILD)/ipivirt $(BUILD)/asan/ipivirt guest-tests
	tests/hostile/run.sh $(BUILD)/ipivirt $(BUILD)/asan/ipivirt guest-tests/build

soak: $(BUILD)/ipivirt guest-tests
	SOAK_IPIS=$(SOAK_IPIS) SOAK_CPUS=$(SOAK_CPUS) SOAK_IRQCHIP=$(SOAK_IRQCHIP) \
		SOAK_DIR=$(BUILD)/soak-$(SOAK_IRQCHIP) \
		tests/hostile/soak.sh $(BUILD)/ipivirt guest-tests/build
