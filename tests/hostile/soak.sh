#!/bin/bash
# SPDX-License-Identifier: MIT
# soak.sh IPIVIRT KERNEL_DIR - the IPI soak (docs/hardening.md, "Soak").
#
# Runs guest-tests/soak.c on $SOAK_CPUS vCPUs (8) with ipis=$SOAK_IPIS
# (10^7), IPIs over $SOAK_IRQCHIP (apic, or xive: --irqchip xive), and checks, besides the guest's own exact accounting (sent = recv
# per sender/target pair, lost 0, dup 0):
#  - ipivirt's --stats agree with the guest per vCPU: IPIs sent, received
#    and (APIC) injected equal the guest's counts plus what boot-up costs,
#    the latter measured by a calibration run with ipis=0 (INIT/SIPI,
#    wakes); over XIVE one injection may carry several queued events, so
#    injections are between 1 and the IPIs received;
#  - ipivirt's VmRSS, sampled every $SOAK_SAMPLE_S s, does not keep
#    growing: the last sample may exceed the largest of the first fifth
#    of the run by at most $SOAK_RSS_SLACK_KB.
# Output: PASS/FAIL lines, "soak-result: ..." with the figures, the log in
# $SOAK_DIR/guest.log (guest console and --stats). Needs /dev/kvm (skipped loudly without it, a failure
# under CI=true).
set -u
BIN=${1:?usage: soak.sh IPIVIRT KERNEL_DIR}
K=${2:?kernel dir}
CPUS=${SOAK_CPUS:-8}
IPIS=${SOAK_IPIS:-10000000}
LIMIT=${SOAK_TIMEOUT:-2700}
SAMPLE=${SOAK_SAMPLE_S:-1}
SLACK_KB=${SOAK_RSS_SLACK_KB:-4096}
DIR=${SOAK_DIR:-build/soak}
IRQCHIP=${SOAK_IRQCHIP:-apic}
case "$IRQCHIP" in apic | xive) ;; *) echo "FAIL: SOAK_IRQCHIP=$IRQCHIP: not apic or xive"; exit 2 ;; esac
pass=0
fail=0
mkdir -p "$DIR"

# shellcheck source=../require-kvm.sh
. "$(dirname "$0")/../require-kvm.sh"
require_kvm "the soak"

ok() { pass=$((pass + 1)); echo "PASS: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# stats_col LOG CPU COLUMN: a number from ipivirt's --stats table
# (columns: vcpu exits io mmio msr hlt irqwin intr ipi-sent ipi-recv
# kick-sig kick-wake injected nmi).
stats_col() {
	awk -v cpu="$2" -v col="$3" '
		/^vcpu +exits/ { for (i = 1; i <= NF; i++) idx[$i] = i; next }
		idx["vcpu"] && $1 == cpu && NF >= 14 { print $(idx[col]); exit }' "$1"
}
# guest_col LOG CPU KEY: a value from the kernel's "soak-cpu:" lines.
guest_col() {
	sed -n "s/^soak-cpu: cpu=$2 .*\b$3=\([0-9]*\).*/\1/p" "$1" | tail -n 1
}

# Private copies: the tree may be rebuilt while a 20-minute soak runs.
cp "$BIN" "$DIR/ipivirt" && cp "$K/soak.elf" "$DIR/soak.elf" || { echo "FAIL: cannot copy $BIN, $K/soak.elf"; exit 1; }
BIN=$DIR/ipivirt
K=$DIR

# 1. Calibration: what boot-up and the harness cost in IPIs, per vCPU.
CAL="$DIR/calibrate.log"
timeout 300 "$BIN" run --cpus "$CPUS" --irqchip "$IRQCHIP" --stats --timeout 120 --kernel "$K/soak.elf" \
	--append "ipis=0" >"$CAL" 2>&1 </dev/null
status=$?
if [ "$status" -ne 0 ]; then
	bad "calibration run (ipis=0) exited $status (log $CAL)"
	echo "soak: $pass passed, $fail failed"
	exit 1
fi

# 2. The soak, with VmRSS sampled from outside.
LOG="$DIR/guest.log"
RSS="$DIR/rss.txt"
: >"$RSS"
echo "soak: $IPIS IPIs on $CPUS vCPUs over $IRQCHIP, timeout ${LIMIT}s, log $LOG"
start=$(date +%s.%N)
"$BIN" run --cpus "$CPUS" --irqchip "$IRQCHIP" --stats --timeout "$LIMIT" --kernel "$K/soak.elf" \
	--append "ipis=$IPIS" >"$LOG" 2>&1 </dev/null &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
	kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
	[ -n "$kb" ] && echo "$(date +%s) $kb" >>"$RSS"
	sleep "$SAMPLE"
done
wait "$pid"
status=$?
wall=$(echo "$start $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')

if [ "$status" -eq 0 ]; then ok "soak run exited 0 after ${wall}s"
else bad "soak run exited $status after ${wall}s (log $LOG)"; fi
grep -E '^(FAIL|EXCEPTION|UNEXPECTED)' "$LOG" | head -n 5
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOG" | tail -n 1)
if echo "$summary" | grep -q ' 0 failed'; then ok "guest checks: $summary"
else bad "guest checks: ${summary:-no summary line}"; fi

# 3. ipivirt against the guest, per vCPU.
line=$(grep '^soak: ' "$LOG" | tail -n 1)
val() { echo "$line" | sed -n "s/.*\b$1=\([0-9]*\).*/\1/p"; }
g_sent=$(val sent); g_recv=$(val recv); g_lost=$(val lost); g_dup=$(val dup)
g_wakes=$(val wakes_sent); g_ips=$(val ipis_per_s); g_ms=$(val time_ms)
v_sent=0 v_recv=0 v_inj=0 mismatch=""
for ((c = 0; c < CPUS; c++)); do
	gs=$(guest_col "$LOG" $c sent) gr=$(guest_col "$LOG" $c recv)
	gws=$(guest_col "$LOG" $c wake_sent) gwr=$(guest_col "$LOG" $c wake_recv)
	vs=$(stats_col "$LOG" $c ipi-sent) vr=$(stats_col "$LOG" $c ipi-recv)
	vi=$(stats_col "$LOG" $c injected)
	cs=$(stats_col "$CAL" $c ipi-sent) cr=$(stats_col "$CAL" $c ipi-recv)
	ci=$(stats_col "$CAL" $c injected)
	if [ -z "$gs$gr" ] || [ -z "$vs" ] || [ -z "$cs" ]; then
		mismatch="$mismatch cpu$c:missing-counts"
		continue
	fi
	v_sent=$((v_sent + vs - cs)); v_recv=$((v_recv + vr - cr)); v_inj=$((v_inj + vi - ci))
	[ $((vs - cs)) -eq $((gs + gws)) ] || mismatch="$mismatch cpu$c:sent(vmm $vs-$cs, guest $gs+$gws)"
	[ $((vr - cr)) -eq $((gr + gwr)) ] || mismatch="$mismatch cpu$c:recv(vmm $vr-$cr, guest $gr+$gwr)"
	# APIC: one injection per IPI. XIVE: one injection (vector 0x50) per
	# interrupt, whose handler drains every event queued by then, so at
	# least one and at most one per IPI.
	if [ "$IRQCHIP" = apic ]; then
		[ $((vi - ci)) -eq $((gr + gwr)) ] || mismatch="$mismatch cpu$c:injected(vmm $vi-$ci, guest $gr+$gwr)"
	elif [ $((vi - ci)) -gt $((gr + gwr)) ] || { [ $((gr + gwr)) -gt 0 ] && [ $((vi - ci)) -le 0 ]; }; then
		mismatch="$mismatch cpu$c:injected(vmm $vi-$ci, guest $gr+$gwr: want 1..guest)"
	fi
done
if [ -z "$mismatch" ] && [ -n "$g_sent" ]; then
	ok "ipivirt agrees with the guest on every vCPU: sent $v_sent, received $v_recv, injected $v_inj"
else
	bad "ipivirt and guest counts differ:${mismatch:- no soak line}"
fi
if [ "${g_sent:-x}" = "$IPIS" ] && [ "${g_recv:-x}" = "$IPIS" ] && [ "${g_lost:-x}" = 0 ] &&
	[ "${g_dup:-x}" = 0 ] && [ $((v_sent - v_recv)) -eq 0 ]; then
	ok "0 lost: guest sent $g_sent received $g_recv (lost $g_lost dup $g_dup), ipivirt sent $v_sent received $v_recv"
else
	bad "lost IPIs: guest sent ${g_sent:-?} received ${g_recv:-?} lost ${g_lost:-?} dup ${g_dup:-?}, ipivirt sent $v_sent received $v_recv"
fi

# 4. Memory: steady after start-up.
n=$(wc -l <"$RSS")
if [ "$n" -lt 3 ]; then
	bad "VmRSS: only $n samples"
	rss_first=0 rss_last=0 rss_max=0
else
	read -r rss_first rss_last rss_max rss_base < <(awk -v n="$n" '
		{ kb[NR] = $2 }
		END {
			max = 0; base = 0; k = int(n / 5); if (k < 1) k = 1
			for (i = 1; i <= n; i++) { if (kb[i] > max) max = kb[i]; if (i <= k && kb[i] > base) base = kb[i] }
			print kb[1], kb[n], max, base
		}' "$RSS")
	if [ $((rss_last - rss_base)) -le "$SLACK_KB" ]; then
		ok "VmRSS steady: first $rss_first kB, last $rss_last kB, max $rss_max kB ($n samples; early max $rss_base kB)"
	else
		bad "VmRSS grew: first $rss_first kB, last $rss_last kB, max $rss_max kB (early max $rss_base kB, slack $SLACK_KB kB)"
	fi
fi

echo "soak-result: ipis=$IPIS cpus=$CPUS irqchip=$IRQCHIP wall_s=$wall guest_time_ms=${g_ms:-?} guest_sent=${g_sent:-?} guest_recv=${g_recv:-?} lost=${g_lost:-?} dup=${g_dup:-?} wakes=${g_wakes:-?} vmm_sent=$v_sent vmm_recv=$v_recv vmm_injected=$v_inj guest_ipis_per_s=${g_ips:-?} rss_first_kb=$rss_first rss_last_kb=$rss_last rss_max_kb=$rss_max rss_samples=$n"
echo "soak: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
