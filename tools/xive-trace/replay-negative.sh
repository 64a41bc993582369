#!/bin/sh
# SPDX-License-Identifier: MIT
#
# replay-negative.sh - the cases of `make xive-replay-test` that must fail
# (tools/xive-trace/replay.mk): a plain QEMU trace whose values were
# tampered with, or that is malformed, must be refused, each with its exit
# status and a message that says what and where. Without them the plain
# trace replay could pass by checking nothing.
#
#   tools/xive-trace/replay-negative.sh XIVE_REPLAY WORKDIR PLAIN.qemu.log
#
# Prints one PASS line per case; exits 1 at the first case that was not
# refused as it must be.
set -eu

[ $# -eq 3 ] || { echo "usage: $0 XIVE_REPLAY WORKDIR PLAIN.qemu.log" >&2; exit 2; }
replay=$1 dir=$2 raw=$3
here=$(dirname "$0")
mkdir -p "$dir"

fail() { echo "FAIL: xive-replay negative: $*"; exit 1; }

# expect STATUS PATTERN WHAT COMMAND...: COMMAND exits STATUS and its
# stderr matches PATTERN (grep -E).
expect() {
	status=$1 pattern=$2 what=$3
	shift 3
	rc=0
	"$@" > "$dir/neg.out" 2> "$dir/neg.err" || rc=$?
	[ "$rc" -eq "$status" ] ||
		fail "$what: exit $rc, expected $status; stderr: $(cat "$dir/neg.err")"
	grep -Eq "$pattern" "$dir/neg.err" ||
		fail "$what: no /$pattern/ in: $(cat "$dir/neg.err")"
	echo "PASS: $what refused (exit $rc): $(head -n1 "$dir/neg.err")"
}

# 1. A value QEMU returned, changed: the first ACK (TIMA load at 0x20810
# that follows an xive_tctx_accept) reads back one CPPR bit off. The
# vCPU is inferred as for any plain trace, so the model runs it.
python3 - "$raw" "$dir/bad-value.qemu.log" <<'EOF'
import re, sys
lines = open(sys.argv[1]).read().splitlines(True)
for i, l in enumerate(lines):
    m = re.match(r'(xive_tctx_tm_read @0x20810 sz=2 val=)(0x[0-9a-f]+)$', l.rstrip())
    if m and i and lines[i - 1].startswith('xive_tctx_accept '):
        lines[i] = '%s0x%x\n' % (m.group(1), int(m.group(2), 16) ^ 1)
        break
else:
    sys.exit('no accepted ACK load to corrupt in ' + sys.argv[1])
open(sys.argv[2], 'w').writelines(lines)
EOF
python3 "$here/normalize.py" --trace "$dir/bad-value.qemu.log" -o "$dir/bad-value.trace" \
	2> /dev/null || fail "normalize.py refused the value-corrupted trace"
expect 1 'MISMATCH: TIMA 2-byte load at 0x20810 on vCPU [0-9]+: expected 0x[0-9a-f]+, got' \
	"a plain trace with a changed ACK value" "$replay" "$dir/bad-value.trace"

# 2. A raw trace line cut short (no val=): normalize.py names the line.
sed '0,/^xive_tctx_tm_write /s/ val=0x[0-9a-f]*$//' "$raw" > "$dir/bad-line.qemu.log"
cmp -s "$raw" "$dir/bad-line.qemu.log" && fail "no TIMA store line to cut in $raw"
expect 1 '^normalize: raw line [0-9]+: malformed xive_tctx_tm_write event \(no val=\)' \
	"a plain raw trace with a line cut short" \
	python3 "$here/normalize.py" --trace "$dir/bad-line.qemu.log" -o "$dir/bad-line.trace"

# 3. A normalized record damaged: xive-replay says which line is bad.
sed '0,/^TR [0-9]/s/^\(TR [0-9]* [0-9a-f]* [0-9]*\) [0-9a-f]*$/\1 zz/' \
	"$dir/bad-value.trace" > "$dir/bad-record.trace"
cmp -s "$dir/bad-value.trace" "$dir/bad-record.trace" && fail "no TIMA load record to damage"
expect 2 ":[0-9]+: bad trace: not a number: 'zz'" \
	"a normalized plain trace with a damaged record" "$replay" "$dir/bad-record.trace"

# 4. A vCPU a plain trace cannot have: '?' is only for TIMA and hcalls.
sed '0,/^C [0-9]/s/^C [0-9]*/C ?/' "$dir/bad-value.trace" > "$dir/bad-cpu.trace"
expect 2 ":[0-9]+: bad trace: vCPU '\?': this record cannot do without its vCPU" \
	"an observation without its vCPU" "$replay" "$dir/bad-cpu.trace"
