#!/bin/sh
# SPDX-License-Identifier: MIT
# run.sh - run or replay one libFuzzer target (used by tests/fuzz/fuzz.mk).
#
#   tests/fuzz/run.sh fuzz   BINDIR TARGET SECONDS MAX_LEN
#   tests/fuzz/run.sh replay BINDIR TARGET
#
# fuzz: fuzz for SECONDS with the seeds of tests/fuzz/corpus/TARGET (read
# only) and a working corpus in BINDIR/corpus/TARGET; crashes are written
# to BINDIR/artifacts/TARGET/. Prints executions, exec/s and coverage.
# replay: run every file of tests/fuzz/regressions/TARGET once.
# Exit status non-zero when the target crashed or broke an invariant.
set -eu
mode=$1 bindir=$2 t=$3
here=$(cd "$(dirname "$0")" && pwd)
bin=$bindir/$t
[ -x "$bin" ] || { echo "run.sh: $bin not built (make fuzz-build)" >&2; exit 1; }

case $mode in
replay)
	dir=$here/regressions/$t
	set -- "$dir"/*
	if [ ! -e "$1" ]; then
		echo "== $t: no regression inputs"
		exit 0
	fi
	echo "== $t: replaying $# regression input(s)"
	log=$bindir/$t.replay.log
	if ! "$bin" "$@" >"$log" 2>&1; then
		cat "$log" >&2
		echo "FAIL: $t crashed on a regression input (log: $log)" >&2
		exit 1
	fi
	echo "PASS: $t regressions"
	;;
fuzz)
	secs=$4 maxlen=$5
	work=$bindir/corpus/$t art=$bindir/artifacts/$t
	mkdir -p "$work" "$art"
	log=$bindir/$t.fuzz.log
	echo "== $t: fuzzing for ${secs}s (max_len $maxlen)"
	rc=0
	"$bin" -max_total_time="$secs" -max_len="$maxlen" -timeout=10 \
		-rss_limit_mb=2560 -print_final_stats=1 \
		-artifact_prefix="$art/" "$work" "$here/corpus/$t" \
		>"$log" 2>&1 || rc=$?
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	echo "   executions ${runs:-?}, ${eps:-?} exec/s; last: $last"
	if [ "$rc" -ne 0 ]; then
		grep -E 'ERROR|invariant violated|SUMMARY|Test unit written' \
			"$log" >&2 || tail -n 30 "$log" >&2
		echo "FAIL: $t (exit $rc; log: $log, inputs in $art/)" >&2
		exit 1
	fi
	echo "PASS: $t"
	;;
*)
	echo "usage: $0 fuzz|replay BINDIR TARGET [SECONDS MAX_LEN]" >&2
	exit 2
	;;
esac
