#!/bin/sh
# SPDX-License-Identifier: MIT
#
# capture.sh - record what a real ppc64le pseries Linux guest does to the
# XIVE of QEMU (hypercalls, ESB and TIMA accesses, with the values QEMU's
# model returned) and normalize it for tools/xive-replay.c.
#
#   tools/xive-trace/capture.sh [-o OUTDIR] [VARIANT...]
#
# VARIANTs (default: all six):
#   boot2   2 vCPUs, boot to /init and power off
#   ipi2    2 vCPUs, IPI-heavy /init (taskset on every CPU, /proc/interrupts),
#           console input fed to the hvc (device interrupts on its LISN)
#   ipi4    the same with 4 vCPUs
#   lsi2    2 vCPUs and a virtio-rng-pci without MSI-X: PCI INTx, an LSI
#           that Linux manages through H_INT_ESB; /init reads /dev/hwrng
#   plain2  a plain capture, as a user would record any pseries guest: no
#           -msg timestamp=on, no capture initramfs, no dyndbg. The kernel
#           alone on 2 vCPUs boots, finds no root file system and panics
#           (QEMU exits on the guest's ibm,os-term). Kept raw, as
#           OUTDIR/plain2.qemu.log: `make xive-replay-test` normalizes it.
#   plain4  the same with 4 vCPUs
# OUTDIR defaults to tests/xive-traces. Raw QEMU traces and console logs are
# kept in build/xive-trace/raw/.
#
# On demand only (not part of `make test`): each boot takes 10-40 s of TCG.
#
# Installs nothing. It needs, and names if missing (tools/ensure-deps.sh
# --check trace), the trace group of tools/deps/packages: qemu-system-ppc,
# python3, cpio, gzip and the ppc64el dpkg architecture, for the ppc64el
# packages linux-image-powerpc64le and busybox-static: not installed, but
# fetched with `apt-get download` and unpacked with `dpkg -x` into
# build/xive-trace/root.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
CACHE=$BUILD/xive-trace
OUT=$ROOT/tests/xive-traces
QEMU=${QEMU:-qemu-system-ppc64}
TIMEOUT=${TIMEOUT:-300}

while getopts o: opt; do
	case $opt in
	o) OUT=$OPTARG ;;
	*) echo "usage: $0 [-o OUTDIR] [boot2|ipi2|ipi4|lsi2|plain2|plain4]..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
VARIANTS=${*:-boot2 ipi2 ipi4 lsi2 plain2 plain4}

die() { echo "capture: $*" >&2; exit 1; }

# --- what is needed --------------------------------------------------------
"$ROOT/tools/ensure-deps.sh" --check trace || exit 1
command -v "$QEMU" >/dev/null || die "$QEMU not found (package qemu-system-ppc)"

mkdir -p "$CACHE/debs" "$CACHE/raw"
kernel=$(ls "$CACHE"/root/boot/vmlinux-* 2>/dev/null | head -n1 || true)
if [ -z "$kernel" ] || [ ! -x "$CACHE/root/bin/busybox" ]; then
	# linux-image-powerpc64le is a metapackage: download what it points to.
	kpkg=$(apt-cache depends linux-image-powerpc64le:ppc64el 2>/dev/null |
		sed -n 's/.*Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -n1)
	[ -n "$kpkg" ] || die "apt-cache knows no linux-image-powerpc64le:ppc64el (apt-get update?)"
	echo "capture: fetching $kpkg:ppc64el busybox-static:ppc64el into $CACHE/debs"
	(cd "$CACHE/debs" && apt-get download "$kpkg:ppc64el" busybox-static:ppc64el) ||
		die "apt-get download failed"
	for d in "$CACHE"/debs/*.deb; do dpkg -x "$d" "$CACHE/root"; done
	kernel=$(ls "$CACHE"/root/boot/vmlinux-* | head -n1)
fi
[ -x "$CACHE/root/bin/busybox" ] || die "no ppc64el busybox in $CACHE/root"

# --- the initramfs ------------------------------------------------------------
initrd=$CACHE/initrd.cpio.gz
tree=$CACHE/initrd
rm -rf "$tree"
mkdir -p "$tree/bin" "$tree/dev" "$tree/proc" "$tree/sys"
cp "$CACHE/root/bin/busybox" "$tree/bin/busybox"
cp "$ROOT/tools/xive-trace/init.sh" "$tree/init"
# The modules of the lsi variant (virtio-rng-pci over INTx).
mkdir -p "$tree/modules"
for m in virtio/virtio.ko virtio/virtio_ring.ko virtio/virtio_pci_modern_dev.ko \
	virtio/virtio_pci_legacy_dev.ko virtio/virtio_pci.ko char/hw_random/virtio-rng.ko; do
	cp "$(dirname "$kernel")"/../lib/modules/*/kernel/drivers/$m "$tree/modules/" ||
		die "no module $m in the kernel package"
done
chmod 755 "$tree/init"
# /dev/console for the kernel to open before /init mounts devtmpfs (needs
# root to make the node).
if ! (cd "$tree" && mknod dev/console c 5 1 2>/dev/null); then
	echo "capture: not root: no /dev/console in the initramfs, /init output is lost" >&2
fi
(cd "$tree" && { find . | sort; } | cpio -o -H newc --quiet) | gzip -9 > "$initrd"

qver=$("$QEMU" --version | head -n1)

# The command line "$@" as one shell-quoted line.
cmdline() {
	_c=""
	for a in "$@"; do
		case $a in *[\ \*\"]*) a="'$a'" ;; esac
		_c="$_c${_c:+ }$a"
	done
	echo "$_c"
}

dyndbg='dyndbg="file arch/powerpc/sysdev/xive/spapr.c +p"'

run_one() {
	name=$1 cpus=$2 mode=$3
	shift 3
	extra="$*"
	raw=$CACHE/raw/$name.log con=$CACHE/raw/$name.console fifo=$CACHE/raw/$name.in
	rm -f "$raw" "$con" "$fifo"
	append="console=hvc0 quiet xivemode=$mode $dyndbg"
	set -- "$QEMU" -M pseries,ic-mode=xive -accel tcg,thread=multi -smp "$cpus" \
		-m 1G -nographic -nodefaults -serial mon:stdio \
		-kernel "$kernel" -initrd "$initrd" -append "$append" $extra \
		-msg timestamp=on -trace 'xive_*' -trace 'spapr_xive_*' -D "$raw"
	cmd=$(cmdline "$@")
	echo "capture: $name: $cmd"
	mkfifo "$fifo"
	timeout "$TIMEOUT" "$@" < "$fifo" > "$con" 2>&1 &
	qpid=$!
	exec 3> "$fifo"
	if [ "$mode" = ipi ]; then
		# Console input: the spapr-vty pulses its interrupt on each
		# character that finds its buffer empty.
		( while kill -0 $qpid 2>/dev/null; do sleep 0.5; printf 'x' >&3 || break; done ) 2>/dev/null &
	fi
	rc=0
	wait $qpid || rc=$?
	exec 3>&-
	rm -f "$fifo"
	grep -aq XIVEDONE "$con" || die "$name: the guest did not finish (rc $rc), see $con"
	python3 "$ROOT/tools/xive-trace/normalize.py" --trace "$raw" --console "$con" \
		--name "$name" --qemu "$qver" \
		--cmd "$(echo "$cmd" | sed "s|$CACHE|build/xive-trace|g")" \
		-o "$OUT/$name.trace"
}

# A plain trace: the raw QEMU log is the test input (normalize.py reads
# it without thread ids or console at test time).
run_plain() {
	name=$1 cpus=$2
	raw=$OUT/$name.qemu.log con=$CACHE/raw/$name.console
	rm -f "$raw" "$con"
	set -- "$QEMU" -M pseries,ic-mode=xive -smp "$cpus" -m 1G -nographic -nodefaults \
		-serial mon:stdio -kernel "$kernel" -append 'console=hvc0 panic=-1' -no-reboot \
		-trace 'xive_*' -trace 'spapr_xive_*' -D "$raw"
	echo "capture: $name: $(cmdline "$@" | sed "s|$CACHE|build/xive-trace|g; s|$ROOT/||g")"
	rc=0
	timeout "$TIMEOUT" "$@" < /dev/null > "$con" 2>&1 || rc=$?
	grep -aq 'Unable to mount root fs' "$con" ||
		die "$name: the kernel did not reach its root mount (rc $rc), see $con"
	echo "capture: $name: $(wc -l < "$raw") trace lines, $(wc -c < "$raw") bytes in $raw"
}

mkdir -p "$OUT"
for v in $VARIANTS; do
	case $v in
	boot2) run_one boot2 2 boot ;;
	ipi2) run_one ipi2 2 ipi ;;
	ipi4) run_one ipi4 4 ipi ;;
	lsi2) run_one lsi2 2 lsi -device virtio-rng-pci,vectors=0 ;;
	plain2) run_plain plain2 2 ;;
	plain4) run_plain plain4 4 ;;
	*) die "unknown variant $v" ;;
	esac
done
ls -l "$OUT"/*.trace "$OUT"/*.qemu.log 2>/dev/null || true
