#!/bin/bash
# How ipivirt ends runs: crash report, timeout, debug-exit status, a guest
# scribbling over the APIC, signals. Needs /dev/kvm (skipped loudly without,
# a failure under CI=true).
set -u
BIN=${1:?usage: run.sh IPIVIRT KERNEL_DIR}
K=${2:?kernel dir}
pass=0
fail=0
# shellcheck source=../require-kvm.sh
. "$(dirname "$0")/../require-kvm.sh"
require_kvm "VMM behaviour tests"
# The test kernels first: a missing one is a build problem, not a case that
# fails for another reason (or passes on its "cannot open" message).
for k in triple_fault halt_forever debug_exit garbage_apic; do
	[ -f "$K/$k.elf" ] || { echo "FAIL: no test kernel $K/$k.elf (make -C tests/vmm)"; exit 1; }
done
[ -x "$BIN" ] || { echo "FAIL: no executable $BIN"; exit 1; }

check() { # NAME WANT_STATUS STDERR_PATTERN CMD...
	local name=$1 want=$2 pat=$3 out status
	shift 3
	out=$(timeout 60 "$@" 2>&1 </dev/null)
	status=$?
	if [ "$status" -eq "$want" ] && { [ -z "$pat" ] || printf "%s" "$out" | grep -qE -- "$pat"; }; then
		pass=$((pass + 1)); echo "PASS: $name (exit $status)"
	else
		fail=$((fail + 1)); echo "FAIL: $name: exit $status (want $want): $out"
	fi
}

check "triple fault is reported" 125 "vCPU 0: triple fault .* at RIP 0x10[0-9a-f]{4}" \
	"$BIN" run --kernel "$K/triple_fault.elf"
check "timeout ends a halted 4-vCPU guest" 124 "timeout after 1 s" \
	"$BIN" run --cpus 4 --timeout 1 --kernel "$K/halt_forever.elf"
check "debug-exit status is (v<<1)|1" 85 "debug-exit guest" \
	"$BIN" run --kernel "$K/debug_exit.elf"
check "garbage APIC writes do not hurt the VMM" 0 "" \
	"$BIN" run --cpus 2 --xapic --kernel "$K/garbage_apic.elf"

# SIGTERM: clean stop, status 128+15, no thread left behind.
"$BIN" run --cpus 4 --kernel "$K/halt_forever.elf" </dev/null >/dev/null 2>&1 &
pid=$!
sleep 1
kill -TERM "$pid"
wait "$pid"
status=$?
if [ "$status" -eq 143 ]; then pass=$((pass + 1)); echo "PASS: SIGTERM stops cleanly (exit 143)"
else fail=$((fail + 1)); echo "FAIL: SIGTERM: exit $status"; fi

echo "vmm behaviour tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
