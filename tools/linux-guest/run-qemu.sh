#!/bin/bash
# Boot Debian's kernel under QEMU TCG with the ipistress initramfs and check
# the module's result line: the reference run for the guest-side IPI paths.
#
#   tools/linux-guest/run-qemu.sh x86_64|ppc64le [options]
#     --smp "2 4"        vCPU counts to run, one boot each (default: 2 4)
#     --param K=V        module parameter (repeatable), e.g. --param duration_ms=3000
#     --timeout SECONDS  per boot (default 110)
#     --reruns N         after the load-time run, N more runs via debugfs "run"
#     --append STR       more kernel command line (e.g. "noxsave clearcpuid=cx16")
#     --no-build         use the .ko already under build/linux-guest/<arch>/
#     --accel tcg|kvm    x86_64 only (default tcg); kvm = QEMU with this host's
#                        KVM and its in-kernel APIC, the peer ipivirt is
#                        measured against (adds "noxsave clearcpuid=cx16";
#                        -cpu MODEL,+x2apic with the MODEL tools/qemu-cpu.sh
#                        finds this host's KVM accepts)
#
# Environment: IPISTRESS_PARAMS (extra K=V ..., before --param ones),
# QEMU_EXTRA (extra QEMU arguments), LG_BUILD (output dir).
#
# Per boot it writes build/linux-guest/<arch>/qemu-smpN.log (the console) and
# result-smpN.txt (the result line), prints PASS/FAIL, and exits non-zero if
# any boot failed: no result line, pass=0, lost!=0, a kernel WARNING/BUG, or
# the time limit.
set -uo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

arch=${1:-}
[ -n "$arch" ] && shift
smps="2 4"
timeout_s=110
build=1
reruns=0
extra_append=""
params="duration_ms=2000 ${IPISTRESS_PARAMS:-}"
accel=tcg
while [ $# -gt 0 ]; do
	case "$1" in
	--smp) smps=$2; shift 2 ;;
	--param) params="$params $2"; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--reruns) reruns=$2; shift 2 ;;
	--append) extra_append="$extra_append $2"; shift 2 ;;
	--no-build) build=0; shift ;;
	--accel) accel=$2; shift 2 ;;
	*) echo "usage: $0 x86_64|ppc64le [--smp \"2 4\"] [--param K=V]... [--timeout S] [--reruns N] [--append STR] [--no-build] [--accel tcg|kvm]" >&2
	   exit 2 ;;
	esac
done

fail() { echo "FAIL: linux-qemu ($arch): $*"; exit 1; }

lg_arch_setup "$arch" || fail "prerequisites missing (see above)"
case "$arch" in
x86_64 | x86 | amd64)
	arch=x86_64
	qemu=(qemu-system-x86_64 -accel "$accel" -m 512)
	case "$accel" in
	tcg) ;;
	kvm)
		extra_append="$extra_append noxsave clearcpuid=cx16"
		# x2APIC like ipivirt's Linux guests, on a model this KVM takes.
		# shellcheck source=../qemu-cpu.sh
		. "$LG_ROOT/tools/qemu-cpu.sh"
		cpu=$(qemu_cpu) || fail "no QEMU -cpu model for this host's KVM (see above)"
		qemu+=(-cpu "$cpu,+x2apic")
		;;
	*) fail "--accel: '$accel' is not tcg or kvm" ;;
	esac
	console=ttyS0
	;;
*)
	arch=ppc64le
	# TCG cannot provide the Spectre-mitigation capabilities pseries asks for
	# by default; turning them off only silences QEMU's warnings.
	# shellcheck disable=SC2054 # commas inside one -M argument
	qemu=(qemu-system-ppc64 -M pseries,ic-mode=xive,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off
	      -accel tcg -m 1024)
	console=hvc0
	[ "$accel" = tcg ] || fail "--accel kvm is x86_64 only"
	;;
esac

if [ "$build" = 1 ]; then
	"$LG_ROOT/tools/linux-guest/build-module.sh" "$arch" || fail "module build failed"
fi
ko=$ODIR/ipistress.ko
[ -f "$ko" ] || fail "no $ko (build it first)"
initrd=$ODIR/initramfs.cpio.gz
"$LG_ROOT/tools/linux-guest/mkinitramfs.sh" "$initrd" "$BUSYBOX" "$ko" >/dev/null ||
	fail "mkinitramfs failed"

append="console=$console quiet panic=-1 ipistress_reruns=$reruns$extra_append"
tag=""
[ "$accel" = tcg ] || tag="$tag$accel-"
for p in $params; do
	append="$append ipistress.$p"
done

status=0
for n in $smps; do
	log=$ODIR/qemu-${tag}smp$n.log
	res=$ODIR/result-${tag}smp$n.txt
	rm -f "$res"
	load=$(cut -d' ' -f1 /proc/loadavg)
	t0=$(date +%s.%N)
	# shellcheck disable=SC2086
	timeout --kill-after=5 "$timeout_s" "${qemu[@]}" -smp "$n" -nodefaults -display none \
		-monitor none -serial stdio -no-reboot -kernel "$KERNEL" -initrd "$initrd" \
		-append "$append" ${QEMU_EXTRA:-} </dev/null >"$log" 2>&1
	qrc=$?
	t1=$(date +%s.%N)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	line=$(lg_result_line "$log")
	why=$(lg_line_why "$qrc" "$line" "$timeout_s" qemu "$n")
	if [ -n "$why" ]; then
		:
	elif [ "$(grep -a -c 'ipistress-guest: rerun [0-9]* rc=0 ipistress: result pass=1 .* lost=0 ' "$log")" != "$reruns" ]; then
		why="a debugfs rerun failed"
	elif grep -a -qE 'WARNING:|BUG:|Call Trace' "$log"; then
		why="kernel warning in the log"
	fi
	[ -n "$line" ] && echo "$line" >"$res"
	lg_report "linux-qemu ($arch, $accel, $KVER, -smp $n)" "$why" "$line" \
		"in ${secs}s (host load $load)" "$log" || status=1
done
if [ $status = 0 ]; then
	echo "PASS: linux-qemu ($arch): all boots passed (-smp $smps)"
else
	echo "FAIL: linux-qemu ($arch): see above"
fi
exit $status
