#!/bin/bash
# qemu-cpu.sh - the -cpu model this host's KVM accepts for qemu-system-x86_64.
#
#   tools/qemu-cpu.sh [QEMU-BINARY]      prints the model on stdout (e.g. "host")
#   . tools/qemu-cpu.sh; cpu=$(qemu_cpu [QEMU-BINARY])     the same, from bash
#
# Why: with the nested, software KVM of some hosts, `-cpu host` (and `max`)
# makes QEMU abort at start (on AMD: "failed to set MSR 0x10a to 0x69",
# IA32_ARCH_CAPABILITIES), so nothing may assume the vendor or the model.
# Candidates, in order: host, host,-arch-capabilities, and a named model
# with the APIC features the tests want. One is accepted when QEMU + KVM
# boots guest-tests/build/smp.flat with it on 2 vCPUs to "N passed, 0 failed"
# and exit 0: the MSR failure only shows when the vCPUs are set up, and a
# boot proves the guest really runs.
#
# The answer is cached in build/qemu-cpu.cache, keyed by the host CPU's
# model name, the kernel release, the QEMU binary and version and the
# candidates, so another machine (or a new kernel or QEMU) probes again.
# Environment: QEMU_KVM_CPU=MODEL forces a model (no probe, no cache);
# QEMU_CPU_CANDIDATES="A B C" replaces the candidate list.
# The choice and why goes to stderr ("qemu-cpu: using -cpu ..."). Exit 1,
# saying why, when /dev/kvm is missing or no candidate boots.

QEMU_CPU_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QEMU_CPU_DEFAULT_CANDIDATES="host host,-arch-capabilities qemu64,+x2apic,+tsc-deadline"

qemu_cpu_log() { echo "qemu-cpu: $*" >&2; }

# qemu_cpu_probe QEMU MODEL KERNEL: boot KERNEL with -cpu MODEL; on
# failure print one line saying why.
qemu_cpu_probe() {
	local qemu=$1 model=$2 kernel=$3 dir rc why
	dir=$(mktemp -d)
	timeout --kill-after=5 60 "$qemu" -accel kvm -cpu "$model" -machine pc -m 32 -smp 2 \
		-display none -nodefaults -serial "file:$dir/serial" -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$kernel" \
		</dev/null >/dev/null 2>"$dir/err"
	rc=$?
	why=""
	if [ $rc -eq 0 ] && grep -qE '^[1-9][0-9]* passed, 0 failed' "$dir/serial"; then
		:
	elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		why="timed out after 60s"
	else
		# QEMU's own first error line (warnings about unsupported
		# features are normal for named models and say nothing).
		why=$(grep -v ': warning: ' "$dir/err" | sed -n 's/^[^ :]*qemu-system-[^:]*: //p' | head -n 1)
		[ -n "$why" ] || why="exit $rc, guest printed: $(tail -n 1 "$dir/serial" 2>/dev/null)"
	fi
	rm -rf "$dir"
	[ -z "$why" ] || { echo "$why" | cut -c1-160; return 1; }
}

# qemu_cpu [QEMU-BINARY]: print the model; see the header.
qemu_cpu() {
	local qemu=${1:-qemu-system-x86_64} cache key kernel c why rejected="" t0
	if [ ! -c /dev/kvm ] || [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		qemu_cpu_log "no KVM CPU model: /dev/kvm is missing or not accessible"
		return 1
	fi
	if [ -n "${QEMU_KVM_CPU:-}" ]; then
		qemu_cpu_log "using -cpu $QEMU_KVM_CPU (forced by QEMU_KVM_CPU)"
		echo "$QEMU_KVM_CPU"
		return 0
	fi
	command -v "$qemu" >/dev/null || {
		qemu_cpu_log "no KVM CPU model: $qemu is not installed (apt-get install qemu-system-x86)"
		return 1
	}
	local candidates=${QEMU_CPU_CANDIDATES:-$QEMU_CPU_DEFAULT_CANDIDATES}
	key="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')|$(uname -r)|$(command -v "$qemu") $("$qemu" --version | head -n 1)|$candidates"
	mkdir -p "$QEMU_CPU_ROOT/build"
	cache=$QEMU_CPU_ROOT/build/qemu-cpu.cache
	(
		# One prober at a time: parallel test runs would all boot
		# the same candidates and race on the cache.
		flock 9
		# Line 1: key; 2: model; 3: what was rejected before it.
		if [ -f "$cache" ] && [ "$(sed -n 1p "$cache")" = "$key" ]; then
			c=$(sed -n 2p "$cache")
			rejected=$(sed -n 3p "$cache")
			qemu_cpu_log "using -cpu $c (cached in build/qemu-cpu.cache${rejected:+; $rejected})"
			echo "$c"
			exit 0
		fi
		kernel=$QEMU_CPU_ROOT/guest-tests/build/smp.flat
		if [ ! -f "$kernel" ]; then
			make -s -C "$QEMU_CPU_ROOT/guest-tests" build/smp.flat >&2 || {
				qemu_cpu_log "no KVM CPU model: cannot build $kernel to probe with"
				exit 1
			}
		fi
		for c in $candidates; do
			t0=$SECONDS
			if why=$(qemu_cpu_probe "$qemu" "$c" "$kernel"); then
				printf '%s\n%s\n%s\n' "$key" "$c" "$rejected" >"$cache.tmp" && mv "$cache.tmp" "$cache"
				qemu_cpu_log "using -cpu $c (booted in $((SECONDS - t0))s${rejected:+; $rejected})"
				echo "$c"
				exit 0
			fi
			rejected="${rejected:+$rejected; }$c rejected: $why"
		done
		qemu_cpu_log "no KVM CPU model: every candidate failed to boot a guest ($rejected)"
		exit 1
	) 9>"$QEMU_CPU_ROOT/build/qemu-cpu.lock"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	qemu_cpu "$@"
fi
