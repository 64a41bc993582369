#!/bin/bash
# Boot Linux 6.1 SMP on ipivirt and check ipistress's result line: Linux's
# smp_call_function_*() IPIs through ipivirt's userspace APIC.
#
#   tools/linux-guest/run-ipivirt.sh [options]
#     --guest builtin|debian
#                        builtin (default): Debian's linux-source-6.1 with our
#                        patch, ipistress built in and run from its initcall
#                        (tools/linux-guest/build-kernel.sh); no user space.
#                        debian: Debian's own bzImage (linux-image-amd64,
#                        unmodified) with the module in an initramfs; needs
#                        user space, which this host's KVM cannot run
#                        (docs/linux-guest.md).
#     --smp "2 4"        vCPU counts to run, one boot each (default: 2 4)
#     --clocks "kvmclock no-kvmclock legacy"
#                        how the guest learns the TSC rate, one boot per
#                        vCPU count each (default: all three):
#                        kvmclock     ipivirt's default CPUID (kvmclock and
#                                     the TSC leaves); Linux picks kvmclock
#                        no-kvmclock  the same, Linux told `no-kvmclock`: the
#                                     TSC leaf on Intel, the PIT on AMD
#                        legacy       ipivirt --clock legacy + no-kvmclock:
#                                     calibration against the PIT on any vendor
#     --param K=V        module parameter (repeatable), e.g. --param duration_ms=3000
#     --timeout SECONDS  per boot (default 300 builtin, 900 debian: this host's
#                        KVM emulates every guest instruction, see
#                        shared/platform.md)
#     --reruns N         after the load-time run, N more runs via debugfs "run"
#     --append STR       more kernel command line
#     --ipivirt PATH     the VMM (default build/ipivirt)
#     --mem SIZE         guest RAM (default 512M)
#     --no-build         use the .ko already under build/linux-guest/x86_64/
#     --init auto|busybox|tiny  the initramfs's /init: mkinitramfs.sh's busybox
#                        script, or tiny-init.c (no libc, no SSE: this host's
#                        KVM cannot emulate the SSE code in glibc's string
#                        functions); auto (default): tiny when the host CPU
#                        has no vmx/svm, as ipivirt's --compat auto decides
#
# Environment: IPISTRESS_PARAMS (extra K=V ...), IPIVIRT_EXTRA (extra ipivirt
# arguments, e.g. "--pv-eoi off" or "--compat none"; --stats is always on), LG_BUILD (output dir).
#
# Per boot it writes build/linux-guest/x86_64/ipivirt-smpN.log (the console,
# every line prefixed with the host time in seconds since the VMM started),
# ipivirt-result-smpN.txt (the result line) and prints PASS/FAIL with the
# boot timings: VMM start -> /init -> result line -> power-off. A boot fails
# on: no result line, pass=0, lost!=0, a kernel WARNING/BUG, an ipivirt exit
# status other than 0 (the guest's `poweroff -f`), the time limit, the TSC
# rate not learned the way the clock case says, or the I/O APIC not used
# (not in the MADT, not routing, COM1 not on IRQ 4, or, with --clock
# legacy, the PIT's IRQ 0 not checked on pin 2 or found broken).
set -uo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

smps="2 4"
clocks="kvmclock no-kvmclock legacy"
timeout_s=""
build=1
reruns=0
extra_append=""
mem=512M
ipivirt=$LG_ROOT/build/ipivirt
init=auto
guest=builtin
params="duration_ms=2000 ${IPISTRESS_PARAMS:-}"
while [ $# -gt 0 ]; do
	case "$1" in
	--smp) smps=$2; shift 2 ;;
	--clocks) clocks=$2; shift 2 ;;
	--param) params="$params $2"; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--reruns) reruns=$2; shift 2 ;;
	--append) extra_append="$extra_append $2"; shift 2 ;;
	--ipivirt) ipivirt=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--no-build) build=0; shift ;;
	--init) init=$2; shift 2 ;;
	--guest) guest=$2; shift 2 ;;
	*) echo "usage: $0 [--guest builtin|debian] [--smp \"2 4\"] [--clocks \"kvmclock no-kvmclock legacy\"] [--param K=V]... [--timeout S] [--reruns N] [--append STR] [--ipivirt PATH] [--mem SIZE] [--no-build] [--init auto|busybox|tiny]" >&2
	   exit 2 ;;
	esac
done

fail() { echo "FAIL: linux-ipivirt: $*"; exit 1; }
if [ -z "$timeout_s" ]; then
	if [ "$guest" = debian ]; then timeout_s=900; else timeout_s=300; fi
fi

[ -x "$ipivirt" ] || fail "no $ipivirt (make build/ipivirt)"
[ -c /dev/kvm ] || fail "no /dev/kvm"
command -v perl >/dev/null || fail "needs perl (timestamps)"
case "$guest" in
builtin)
	ODIR=$LG_BUILD/x86_64
	mkdir -p "$ODIR"
	KERNEL=$("$LG_ROOT/tools/linux-guest/build-kernel.sh") || fail "kernel build failed"
	srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
	KVER="linux-source-6.1 $srcver + ipistress built in"
	initrd_args=()
	params="$params run_on_load=1 shutdown=1"
	;;
debian)
	lg_arch_setup x86_64 || fail "prerequisites missing (see above)"
	;;
*) fail "--guest: '$guest' is not builtin or debian" ;;
esac
if [ "$guest" = builtin ]; then
	:
elif [ "$build" = 1 ]; then
	"$LG_ROOT/tools/linux-guest/build-module.sh" x86_64 || fail "module build failed"
fi
if [ "$guest" = debian ]; then
ko=$ODIR/ipistress.ko
[ -f "$ko" ] || fail "no $ko (build it first)"
if [ "$init" = auto ]; then
	if grep -qwE 'vmx|svm' /proc/cpuinfo; then init=busybox; else init=tiny; fi
fi
initrd=$ODIR/initramfs-ipivirt-$init.cpio.gz
case "$init" in
busybox)
	"$LG_ROOT/tools/linux-guest/mkinitramfs.sh" "$initrd" "$BUSYBOX" "$ko" >/dev/null ||
		fail "mkinitramfs failed"
	;;
tiny)
	gcc -static -nostdlib -ffreestanding -fno-stack-protector -fno-pie -no-pie \
		-mgeneral-regs-only -O2 -Wall -Wextra -Werror -o "$ODIR/tiny-init" \
		"$LG_ROOT/tools/linux-guest/tiny-init.c" || fail "tiny-init build failed"
	IPISTRESS_INIT=$ODIR/tiny-init "$LG_ROOT/tools/linux-guest/mkinitramfs.sh" \
		"$initrd" "$BUSYBOX" "$ko" >/dev/null || fail "mkinitramfs failed"
	;;
*) fail "--init: '$init' is not auto, busybox or tiny" ;;
esac
# An uncompressed cpio: gunzip in the guest is emulated instruction by
# instruction on this host; on the host it takes milliseconds.
gzip -dc "$initrd" >"${initrd%.gz}" || fail "gunzip $initrd"
initrd=${initrd%.gz}
initrd_args=(--initrd "$initrd")
fi

# No `quiet`: the module's lines must reach the console even when /init has
# no console of its own; earlyprintk shows a failure before the console is
# up. panic=-1: a panic ends the run (reset -> exit 0, but then there is no
# result line). The rest only save time or noise where every instruction is
# emulated (a boot takes minutes): no allocation zeroing, no IPv6, no
# soft-lockup or RCU-stall reports for CPUs that are merely slow, and no
# boot-time ftrace check of every traced function's symbol (a kallsyms
# lookup for each of ~40,000 records: minutes of emulated code, and
# late_initcall_sync waits for it), no crypto self-tests, and no read-only
# kernel data (whose W+X page-table check took 7 minutes here).
append="console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1 init_on_alloc=0"
append="$append nowatchdog rcupdate.rcu_cpu_stall_suppress=1 ipv6.disable=1"
append="$append initcall_blacklist=ftrace_check_for_weak_functions cryptomgr.notests rodata=off"
# ipivirt resets through port 0xcf9 only (no BIOS, no ACPI reset register):
# a panic or reboot then ends the run instead of jumping into empty ROM.
append="$append reboot=pci"
# tiny-init's own argument: how many debugfs reruns after the load-time run.
[ "$guest" = debian ] && append="$append ipistress_reruns=$reruns"
append="$append$extra_append"
for p in $params; do
	append="$append ipistress.$p"
done

# secs LOG PATTERN: host time of the first console line matching PATTERN.
secs() { grep -a -m1 -E "$2" "$1" | awk '{ print $1 }'; }

for c in $clocks; do
	case "$c" in
	kvmclock|no-kvmclock|legacy) ;;
	*) fail "--clocks: '$c' is not kvmclock, no-kvmclock or legacy" ;;
	esac
done

status=0
for c in $clocks; do
for n in $smps; do
	log=$ODIR/ipivirt-$guest-$c-smp$n.log
	res=$ODIR/ipivirt-$guest-$c-result-smp$n.txt
	rm -f "$res"
	load=$(cut -d' ' -f1 /proc/loadavg)
	clock_args=()
	clock_append=""
	case "$c" in
	no-kvmclock) clock_append=" no-kvmclock" ;;
	legacy) clock_args=(--clock legacy); clock_append=" no-kvmclock" ;;
	esac
	# shellcheck disable=SC2086
	timeout --kill-after=10 "$timeout_s" "$ipivirt" run --stats --cpus "$n" --mem "$mem" \
		--kernel "$KERNEL" "${initrd_args[@]}" "${clock_args[@]}" \
		--append "$append$clock_append" ${IPIVIRT_EXTRA:-} \
		</dev/null 2>&1 | perl -MTime::HiRes=time -e \
		'$| = 1; $t0 = time; while (<STDIN>) { printf "%9.3f %s", time - $t0, $_ }' >"$log"
	vrc=${PIPESTATUS[0]}
	total=$(tail -n 1 "$log" | awk '{ print $1 }')
	t_init=$(secs "$log" 'Run /init as init process|ipistress-guest: kernel=|ipistress: start')
	t_res=$(secs "$log" 'ipistress: result ')
	line=$(lg_result_line "$log")
	why=$(lg_line_why "$vrc" "$line" "$timeout_s" ipivirt "$n")
	if [ -n "$why" ]; then
		:
	elif grep -a -qE 'WARNING:|BUG:|Call Trace' "$log"; then
		why="kernel warning in the log"
	elif [ "$vrc" != 0 ]; then
		why="ipivirt exit status $vrc (want 0: the guest's poweroff -f)"
	fi
	# How Linux learned the TSC rate: the point of the clock cases.
	tsc=$(grep -a -m1 -oE 'tsc: Detected [0-9.]+ MHz processor' "$log")
	how=$(grep -a -m1 -oE 'kvm-clock: Using msrs|tsc: Fast TSC calibration using PIT|tsc: Using PIT calibration value|tsc: PIT calibration matches [A-Z]*|tsc: using [A-Z]+ reference calibration|tsc: Detected [0-9.]+ MHz TSC' "$log" | sed 's/^tsc: //')
	cs=$(grep -a -oE 'clocksource: Switched to clocksource [a-z0-9_-]+' "$log" | tail -n 1 | awk '{ print $NF }')
	if [ -n "$why" ]; then
		:
	elif [ -z "$tsc" ] || grep -a -q 'Marking TSC unstable' "$log"; then
		why="Linux did not learn the TSC rate"
	elif [ "$c" = kvmclock ] && ! grep -a -q 'kvm-clock: Using msrs' "$log"; then
		why="Linux did not take kvm-clock"
	elif [ "$c" != kvmclock ] && grep -a -q 'kvm-clock: Using msrs' "$log"; then
		why="Linux took kvm-clock although told no-kvmclock"
	# The I/O APIC: found in the MADT, used for routing; the console's
	# 8250 takes IRQ 4 from the DSDT; with no CPUID help (legacy) Linux
	# needs the PIT and checks that its IRQ 0 arrives through pin 2
	# (check_timer(); with the APIC timer's rate known it skips the PIT).
	elif ! grep -a -qE 'IOAPIC\[0\]: apic_id [0-9]+, version 32, address 0xfec00000, GSI 0-23' "$log" ||
		! grep -a -q 'ACPI: Using IOAPIC for interrupt routing' "$log"; then
		why="Linux did not route interrupts through the I/O APIC"
	elif ! grep -a -qE 'ttyS0 at I/O 0x3f8 \(irq = 4,' "$log"; then
		why="the console's 8250 did not take IRQ 4"
	elif [ "$c" = legacy ] && ! grep -a -qE '\.\.TIMER: vector=0x[0-9A-Fa-f]+ apic1=0 pin1=2 ' "$log"; then
		why="Linux did not check the PIT's IRQ 0 on I/O APIC pin 2"
	elif grep -a -qE "IO-APIC \+ timer doesn't work|8254 timer not connected" "$log"; then
		why="Linux found the PIT's IRQ 0 broken"
	# KVM_FEATURE_PV_EOI is offered (ipivirt's default): Linux's EOIs
	# must mostly be stores (ipivirt --stats: "K EOIs done without an exit").
	elif [[ " ${IPIVIRT_EXTRA:-} " != *" --pv-eoi off "* ]] &&
		! grep -a -qE 'pv-eoi: .* [1-9][0-9]* EOIs done without an exit' "$log"; then
		why="Linux did not use PV EOI"
	fi
	pveoi=$(grep -a -m1 -oE 'pv-eoi: .*' "$log")
	[ -n "$line" ] && echo "$line" >"$res"
	timing="boot: init at ${t_init:-?}s, result at ${t_res:-?}s, end at ${total:-?}s"
	lg_report "linux-ipivirt ($KVER, --cpus $n, clock $c)" "$why" "$line" \
		"; $timing; ${tsc:-no TSC rate} (${how:-CPUID leaf}), clocksource ${cs:-?}; ${pveoi:-no pv-eoi line} (host load $load)" "$log" || status=1
done
done
if [ $status = 0 ]; then
	echo "PASS: linux-ipivirt: all boots passed (--cpus $smps; clocks $clocks)"
else
	echo "FAIL: linux-ipivirt: see above"
fi
exit $status
