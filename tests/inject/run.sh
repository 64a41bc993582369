#!/bin/bash
# Fault injection (ipivirt run --inject): a stalled vCPU makes the guest's
# call-function wait stall, the guest's csd-lock stall detector reports it
# and the wait completes once the vCPU runs again; late and dropped kicks
# make IPIs late but lose none. Timings are not checked (2 busy host cores):
# only that each effect happened and every call ran once.
#
#   tests/inject/run.sh IPIVIRT CALLFUNC_ELF [SMP_ELF]
set -u
BIN=${1:?usage: run.sh IPIVIRT CALLFUNC_ELF [SMP_ELF]}
CALLFUNC=${2:?callfunc.elf}
SMP=${3:-$(dirname "$CALLFUNC")/smp.elf}
LOGDIR=build/inject-logs
mkdir -p "$LOGDIR"
pass=0
fail=0

# shellcheck source=../require-kvm.sh
. "$(dirname "$0")/../require-kvm.sh"
require_kvm "inject tests"
for f in "$CALLFUNC" "$SMP"; do
	[ -f "$f" ] || { echo "FAIL: no test kernel $f (make guest-tests)"; exit 1; }
done
[ -x "$BIN" ] || { echo "FAIL: no executable $BIN"; exit 1; }

ok() { pass=$((pass + 1)); echo "PASS: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# run NAME ARGS...: run ipivirt into $LOGDIR/NAME.log; sets $log, $status.
run() {
	local name=$1
	shift
	log="$LOGDIR/$name.log"
	timeout --kill-after=10 120 "$BIN" run "$@" </dev/null >"$log" 2>&1
	status=$?
}

# field LOG KEY: the value of KEY=... on the last line that has it.
field() {
	grep -oE "(^| )$2=[0-9]+" "$1" | tail -n 1 | sed 's/.*=//'
}

# guest_ok NAME: exit 0, "N passed, 0 failed", and for callfunc lost=0.
guest_ok() {
	local name=$1 lost
	if [ "$status" -ne 0 ] || ! grep -qE '^[1-9][0-9]* passed, 0 failed' "$log"; then
		bad "$name: exit $status, $(grep -E 'passed, [0-9]+ failed' "$log" || echo 'no summary')"
		tail -n 20 "$log" | sed 's/^/      | /'
		return 1
	fi
	if grep -q '^callfunc: calls=' "$log"; then
		lost=$(field "$log" lost)
		if [ "$lost" != 0 ]; then
			bad "$name: lost=$lost"
			return 1
		fi
	fi
	ok "$name: exit 0, $(grep -E 'passed, 0 failed' "$log")${lost:+, lost=$lost}"
}

# 1. vCPU 1 runs no guest code from 700 ms to 1200 ms, in the middle of the
#    call-function stress: CPU 0's csd-lock wait on CPU 1 outlives
#    csd_warn_ms=100, is reported, and completes after the stall.
run stall --cpus 2 --stats --inject stall=1:700:500 --kernel "$CALLFUNC" \
	--append "calls=20000 csd_warn_ms=100"
if guest_ok "stall=1:700:500"; then
	grep -E '^(ipivirt: inject|csd):' "$log" | sed 's/^/      /'
	waiting=$(grep -cE '^csd: CPU 0 waiting [0-9]+ ms for CSD lock on CPU 1 \(call to fn at 0x[0-9a-f]+\)' "$log")
	# the first release by CPU 0 once vCPU 1 runs again
	released=$(awk '/^ipivirt: inject: vCPU 1 resumes/ { on = 1 }
		on && /^csd: CPU 0 CSD lock released after [0-9]+ ms/ { print; exit }' "$log")
	stalls=$(field "$log" csd_stalls)
	injected=$(grep -oE '^inject: total .*' "$log")
	if [ "$waiting" -ge 1 ] && [ -n "$released" ] && [ "${stalls:-0}" -ge 1 ] &&
		[[ "$injected" == *" stalls=1 "* ]] && grep -q '^ipivirt: inject: vCPU 1 resumes' "$log"; then
		ok "stall reported ($waiting waiting lines), recovered (${released#csd: CPU 0 }), csd_stalls=$stalls"
	else
		bad "stall: waiting=$waiting released='$released' csd_stalls=$stalls injected='$injected'"
	fi
fi

# 2. Late and lost kicks: every kick that would be sent (the target in
#    guest mode or halted) is faulted, half dropped, the rest 200 us late
#    (how many there are depends on host scheduling: from ~10 to thousands
#    here). Every call still runs once, and the faults are counted.
run kicks --cpus 2 --stats --inject kick-drop=0.5,kick-delay=1:200 \
	--inject-seed 7 --kernel "$CALLFUNC" --append "calls=10000"
if guest_ok "kick-drop=0.5,kick-delay=1:200"; then
	grep -E '^inject: total' "$log" | sed 's/^/      /'
	delayed=$(field "$log" kick-delayed)
	dropped=$(field "$log" kick-dropped)
	late=$(field "$log" late-kicks)
	if [ "${delayed:-0}" -gt 0 ] && [ "${dropped:-0}" -gt 0 ] && [ "${late:-0}" -gt 0 ]; then
		ok "kicks: delayed=$delayed dropped=$dropped, late kicks sent=$late"
	else
		bad "kicks: delayed=$delayed dropped=$dropped late-kicks=$late"
	fi
fi

# 3. Every kick dropped, also the wake-ups of halted vCPUs (APs waiting
#    for SIPI, idle CPUs): the drop watchdog still delivers everything.
for k in "$SMP:--cpus 4" "$CALLFUNC:--cpus 2 --append calls=500"; do
	kernel=${k%%:*}
	run "drop-all-$(basename "$kernel" .elf)" ${k#*:} --stats --inject kick-drop=1 --kernel "$kernel"
	if guest_ok "kick-drop=1 $(basename "$kernel") ${k#*:}"; then
		dropped=$(field "$log" kick-dropped)
		late=$(field "$log" late-kicks)
		if [ "${dropped:-0}" -gt 0 ] && [ "${late:-0}" -gt 0 ]; then
			ok "kick-drop=1 $(basename "$kernel"): dropped=$dropped, watchdog kicks=$late"
		else
			bad "kick-drop=1 $(basename "$kernel"): dropped=$dropped late-kicks=$late"
		fi
	fi
done

# 4. The same over XIVE (--irqchip xive): its kicks go through the injector
#    too, and no IPI is lost.
run drop-all-xive --cpus 2 --irqchip xive --stats --inject kick-drop=1 \
	--kernel "$CALLFUNC" --append "calls=500 xive"
if guest_ok "kick-drop=1 callfunc.elf --irqchip xive"; then
	dropped=$(field "$log" kick-dropped)
	late=$(field "$log" late-kicks)
	if [ "${dropped:-0}" -gt 0 ] && [ "${late:-0}" -gt 0 ]; then
		ok "kick-drop=1 over XIVE: dropped=$dropped, watchdog kicks=$late"
	else
		bad "kick-drop=1 over XIVE: dropped=$dropped late-kicks=$late"
	fi
fi

echo "inject tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
