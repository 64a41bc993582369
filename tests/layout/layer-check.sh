#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/layout/layer-check.sh - tools/layer-check.py passes on the tree and fails on
# each kind of violation, planted one at a time in a copy of the tree.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check="python3 $here/tools/layer-check.py --root"

$check "$here"
pass=0 fail=0
plant() { # description file line
	rm -rf "$tmp/t" && mkdir "$tmp/t"
	cp -r "$here/vmm" "$here/lib" "$here/include" "$tmp/t/"
	printf '%s\n' "$3" >>"$tmp/t/$2"
	if $check "$tmp/t" >/dev/null 2>"$tmp/err"; then
		echo "FAIL: layer-check misses: $1"
		fail=$((fail + 1))
	else
		echo "PASS: layer-check refuses $1: $(head -1 "$tmp/err")"
		pass=$((pass + 1))
	fi
}
plant "a model including the KVM backend" vmm/apic_irq.c '#include "kvm/kvm_vcpu.h"'
plant "a model including <linux/kvm.h>" vmm/xive_esb.c '#include <linux/kvm.h>'
plant "a model including the public header" vmm/ipi_domain.c '#include "ipivirt.h"'
plant "a device including struct vm" vmm/hw/uart.c '#include "vm/vm.h"'
plant "the VM state including the machine" vmm/vm/vm.c '#include "machine/machine.h"'
plant "the KVM backend including the library" vmm/kvm/kvm_vcpu.c '#include "internal.h"'
plant "an interrupt controller host calling into the backend" vmm/irqchip/apic_host.c '#include "kvm/kvm_vcpu.h"'
plant "boot including debug (siblings)" vmm/boot/loader.c '#include "debug/flight_recorder.h"'
plant "the command line including the machine" vmm/cli/main.c '#include "vm/vm.h"'
plant "a cycle inside a layer" vmm/kvm/kvm_cpuid.c '#include "kvm_vcpu.h"'
plant "a cycle between models" vmm/bus.c '#include "pit.h"'
echo "layer-check tests: $pass passed, $fail failed"
[ "$fail" = 0 ]
