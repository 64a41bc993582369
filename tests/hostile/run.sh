#!/bin/bash
# SPDX-License-Identifier: MIT
# run.sh IPIVIRT ASAN_IPIVIRT KERNEL_DIR - hostile guests (guest-tests/hostile.c,
# docs/hardening.md "Hostile guests") against ipivirt and its ASan/UBSan
# build. For every case: the exit status says what happened (0: the guest
# finished its checks; 124: --timeout ended a guest that never stops; 125:
# the guest crashed, with the "vCPU n: triple fault" report), the guest's
# own checks passed (PASS lines, no FAIL or EXCEPTION), the process is gone
# within $HOSTILE_GRACE_S s of its --timeout (so no thread was left
# behind: exit() ends them all, a stuck join would keep us waiting), no
# sanitizer report; storms still flowing at their end; for the 10 s storm
# and no-eoi, VmRSS grew by at most $HOSTILE_RSS_SLACK_KB; with every vCPU
# halted on a never-EOI'd interrupt, ipivirt used at most
# $HOSTILE_IDLE_CPU_PCT% of a core.
# Logs: $HOSTILE_DIR (build/hostile). Needs /dev/kvm (skipped loudly without
# it, a failure under CI=true).
set -u
BIN=${1:?usage: run.sh IPIVIRT ASAN_IPIVIRT KERNEL_DIR}
ASAN=${2:?asan ipivirt}
K=${3:?kernel dir}
KERNEL=$K/hostile.elf
DIR=${HOSTILE_DIR:-build/hostile}
GRACE=${HOSTILE_GRACE_S:-5}
RSS_SLACK_KB=${HOSTILE_RSS_SLACK_KB:-16384}
IDLE_CPU_PCT=${HOSTILE_IDLE_CPU_PCT:-50}
STORM_S=${HOSTILE_STORM_S:-10}
pass=0
fail=0
mkdir -p "$DIR"

# shellcheck source=../require-kvm.sh
. "$(dirname "$0")/../require-kvm.sh"
require_kvm "hostile guest tests"
[ -x "$BIN" ] && [ -x "$ASAN" ] && [ -f "$KERNEL" ] ||
	{ echo "FAIL: missing $BIN, $ASAN or $KERNEL"; exit 1; }

ok() { pass=$((pass + 1)); echo "PASS: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# hostile NAME BINARY WANT_STATUS LIMIT_S PATTERN CHECKS APPEND IPIVIRT_ARGS...
#   LIMIT_S: the --timeout given to ipivirt; PATTERN: an extended regex the
#   output must match; CHECKS: words: rss (VmRSS from "running until" to
#   the end), idle (ipivirt's CPU use once the guest idles), guest (at
#   least one PASS line and the guest's own summary or "running until"),
#   flow (the last two "hostile-progress:" lines show the storm going on).
#   Every case: no FAIL/EXCEPTION line, no sanitizer report, status WANT.
hostile() {
	local name=$1 bin=$2 want=$3 limit=$4 pat=$5 checks=$6 append=$7
	shift 7
	local log="$DIR/$name.log" why="" status pid start now elapsed
	local rss0="" rss1="" tasks=0 t0 t1 idle_pct="" t_end=""

	start=$(date +%s%N)
	"$bin" run "$@" --timeout "$limit" --kernel "$KERNEL" --append "$append" \
		>"$log" 2>&1 </dev/null &
	pid=$!
	local deadline=$((start + (limit + GRACE) * 1000000000))
	while kill -0 "$pid" 2>/dev/null; do
		now=$(date +%s%N)
		if [ "$now" -gt "$deadline" ]; then
			why="$why still running $GRACE s after its ${limit}s timeout ($(ls "/proc/$pid/task" 2>/dev/null | wc -l) threads: $(cat /proc/"$pid"/task/*/comm 2>/dev/null | tr '\n' ' '));"
			kill -KILL "$pid" 2>/dev/null
			break
		fi
		local n
		n=$(ls "/proc/$pid/task" 2>/dev/null | wc -l)
		[ "$n" -gt "$tasks" ] && tasks=$n
		if [ -z "$rss0" ] && grep -q "running until the VMM stops us" "$log"; then
			rss0=$(rss_kb "$pid")
			if [[ " $checks " == *" idle "* ]]; then
				sleep 0.5     # the victim's report and halt
				t0=$(cpu_ticks "$pid")
				sleep 2
				t1=$(cpu_ticks "$pid")
				[ -n "$t0" ] && [ -n "$t1" ] &&
					idle_pct=$(( (t1 - t0) * 100 / $(getconf CLK_TCK) / 2 ))
			fi
		fi
		[ -n "$rss0" ] && { r=$(rss_kb "$pid"); [ -n "$r" ] && rss1=$r; }
		[ -z "$t_end" ] && grep -qE '^ipivirt: (timeout|guest crashed)' "$log" && t_end=$(date +%s%N)
		sleep 0.1
	done
	wait "$pid"
	status=$?
	local t_gone
	t_gone=$(date +%s%N)
	elapsed=$(( (t_gone - start) / 1000000 ))

	[ "$status" -eq "$want" ] || why="$why exit $status, want $want;"
	if [ -n "$pat" ] && ! grep -qE -- "$pat" "$log"; then why="$why no /$pat/ in the output;"; fi
	if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|ThreadSanitizer' "$log"; then
		why="$why sanitizer report;"
	fi
	grep -qE '^(FAIL|EXCEPTION)' "$log" &&
		why="$why guest: $(grep -E '^(FAIL|EXCEPTION)' "$log" | head -n 2 | tr '\n' ' ');"
	if [[ " $checks " == *" guest "* ]]; then
		grep -q '^PASS: ' "$log" || why="$why no PASS line from the guest;"
		grep -qE '^[0-9]+ passed, 0 failed|running until the VMM stops us' "$log" ||
			why="$why the guest did not get to its end;"
	fi
	if [[ " $checks " == *" flow "* ]]; then
		# The storm still flowing at the end: the last two of the BSP's
		# once-a-second progress lines show more sent (and, for storms
		# whose targets take interrupts, more received).
		local p
		p=$(grep '^hostile-progress:' "$log" | tail -n 2 |
			sed 's/.*sent=\([0-9]*\) received=\([0-9]*\).*/\1 \2/' | tr '\n' ' ')
		read -r s1 r1 s2 r2 <<<"$p"
		if [ -z "${s2:-}" ]; then
			why="$why fewer than 2 progress lines;"
		elif [ "$s2" -le "$s1" ] || { [ "$r2" -le "$r1" ] && [ "$r1" -gt 0 ]; }; then
			why="$why storm stalled: sent $s1 -> $s2, received $r1 -> $r2 in its last second;"
		fi
	fi
	local extra=""
	# --timeout counts from VM creation, a few ms after our start.
	if [ "$want" -eq 124 ]; then
		extra=", gone $((elapsed - limit * 1000)) ms after its timeout"
		[ "$elapsed" -le $(( (limit + GRACE) * 1000 )) ] ||
			why="$why ended ${elapsed} ms after start, more than ${GRACE} s after its timeout;"
	fi
	if [ -n "$t_end" ]; then
		# The report is printed once every vCPU thread is joined: from
		# there to the process gone is teardown (0.1 s sampling).
		local lag=$(( (t_gone - t_end) / 1000000 ))
		extra="$extra, exit ${lag} ms after its report"
		[ "$lag" -le $((GRACE * 1000)) ] || why="$why took ${lag} ms to exit after its report;"
	fi
	if [[ " $checks " == *" rss "* ]]; then
		if [ -z "$rss0" ] || [ -z "$rss1" ]; then
			why="$why no VmRSS samples;"
		else
			extra="$extra, VmRSS ${rss0} -> ${rss1} kB"
			[ $((rss1 - rss0)) -le "$RSS_SLACK_KB" ] || why="$why VmRSS grew by $((rss1 - rss0)) kB;"
		fi
	fi
	if [[ " $checks " == *" idle "* ]]; then
		if [ -z "$idle_pct" ]; then
			why="$why no CPU-use sample;"
		else
			extra="$extra, ${idle_pct}% CPU while the guest idles"
			[ "$idle_pct" -le "$IDLE_CPU_PCT" ] || why="$why ipivirt used ${idle_pct}% CPU with every vCPU halted;"
		fi
	fi
	local what
	what=$(grep -E '^ipivirt: (timeout|guest crashed)' "$log" | head -n 1)
	if [ -z "$why" ]; then
		ok "$name: exit $status in ${elapsed} ms, max $tasks threads$extra${what:+ ($what)}"
	else
		bad "$name:$why (log $log)"
	fi
}

# Cases on one binary. $1: label suffix; $2: binary; $3: storm seconds;
# $4: checks for the storm.
cases() {
	local sfx=$1 bin=$2 storm=$3 stormchecks=$4
	hostile "apic-random-x2apic$sfx" "$bin" 0 60 "" guest "mode=apic-random seed=11" --cpus 3
	hostile "apic-random-xapic$sfx" "$bin" 0 60 "" guest "mode=apic-random seed=12 xapic" --cpus 2 --xapic
	hostile "xive-random$sfx" "$bin" 0 60 "" guest "mode=xive-random apic seed=13 rounds=2" --cpus 3 --irqchip xive
	hostile "bad-ipi-x2apic$sfx" "$bin" 0 60 "" guest "mode=bad-ipi" --cpus 3
	hostile "bad-ipi-xapic$sfx" "$bin" 0 60 "" guest "mode=bad-ipi xapic" --cpus 2 --xapic
	hostile "storm-apic$sfx" "$bin" 124 "$storm" "timeout after $storm s" "guest flow $stormchecks" \
		"mode=storm" --cpus 4
	hostile "storm-xive$sfx" "$bin" 124 4 "timeout after 4 s" "guest flow" "mode=storm" --cpus 3 --irqchip xive
	hostile "timer-storm$sfx" "$bin" 124 3 "timeout after 3 s" guest "mode=timer-storm" --cpus 2
	hostile "no-eoi$sfx" "$bin" 124 5 "timeout after 5 s" "guest idle $stormchecks" "mode=no-eoi" --cpus 3
	hostile "xive-no-eoi$sfx" "$bin" 124 4 "timeout after 4 s" "guest flow" "mode=xive-no-eoi apic" \
		--cpus 2 --irqchip xive
	hostile "irqoff$sfx" "$bin" 124 4 "timeout after 4 s" "guest flow" "mode=irqoff" --cpus 3
	hostile "triple-fault-ap$sfx" "$bin" 125 30 "vCPU 3: triple fault" "" "mode=triple-fault" --cpus 4
	hostile "ioapic-random-x2apic$sfx" "$bin" 0 60 "" guest "mode=ioapic-random seed=21" --cpus 3
	hostile "ioapic-random-xapic$sfx" "$bin" 0 60 "" guest "mode=ioapic-random seed=22 xapic" --cpus 2 --xapic
	hostile "level-storm$sfx" "$bin" 124 4 "timeout after 4 s" "guest flow" "mode=level-storm" --cpus 3
	hostile "init-random-x2apic$sfx" "$bin" 0 120 "" guest "mode=init-random seed=31" --cpus 4
	hostile "init-random-xapic$sfx" "$bin" 0 120 "" guest "mode=init-random seed=32 xapic" --cpus 3 --xapic
	hostile "init-random-xive$sfx" "$bin" 0 120 "" guest "mode=init-random seed=33 rounds=2" --cpus 3 --irqchip xive
}

cases "" "$BIN" "$STORM_S" rss
# ASan/UBSan: the same guests; a shorter storm, and no RSS bound (ASan's
# quarantine holds freed memory on purpose).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
cases "-asan" "$ASAN" 4 ""

echo "hostile guest tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
