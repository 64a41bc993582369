#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/layout/name-check.sh OBJ... - tools/name-check.py passes on the build's
# objects (OBJ) and fails on each kind of bad name, compiled one at a time.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$here/tools/name-check.py" "$@"
pass=0 fail=0
plant() { # description source-path code
	obj="$tmp/build/pic/${2%.c}.o"
	mkdir -p "$(dirname "$obj")"
	printf '%s\n' "$3" | ${CC:-cc} -x c -O0 -c - -o "$obj"
	if python3 "$here/tools/name-check.py" "$obj" >/dev/null 2>"$tmp/err"; then
		echo "FAIL: name-check misses: $1"
		fail=$((fail + 1))
	else
		echo "PASS: name-check refuses $1: $(head -1 "$tmp/err")"
		pass=$((pass + 1))
	fi
	rm -f "$obj"
}
plant "a plumbing name without its file" vmm/hw/uart.c 'int serial_putc(int c) { return c; }'
plant "a plumbing name with one underscore" vmm/kvm/kvm_vcpu.c 'int kvm_vcpu_run(int c) { return c; }'
plant "a model name with two underscores" vmm/pit.c 'int pit__tick(int c) { return c; }'
plant "a model name of another component" vmm/apic_irq.c 'int xive_eoi(int c) { return c; }'
plant "a static with two underscores" vmm/hw/fw_cfg.c 'static int fw_cfg__pick(int c) { return c; } int fw_cfg__get(int c) { return fw_cfg__pick(c); }'
plant "a library name outside the API" lib/vm.c 'int lib_helper(int c) { return c; }'
echo "name-check tests: $pass passed, $fail failed"
[ "$fail" = 0 ]
