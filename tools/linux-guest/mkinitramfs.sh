#!/bin/bash
# Build the ipistress initramfs: a static busybox, the module and an /init
# that mounts proc/sys/debugfs, loads the module (run_on_load=1), prints the
# module's dmesg lines and debugfs histograms on the console, powers off.
#
#   tools/linux-guest/mkinitramfs.sh OUT.cpio.gz BUSYBOX MODULE.ko [PARAM=VALUE...]
#
# IPISTRESS_INIT=FILE in the environment installs FILE as /init instead.
# PARAM=VALUE are the module's default parameters; at boot, any
# ipistress.PARAM=VALUE on the kernel command line is appended (and wins),
# as modprobe would do.
set -euo pipefail

[ $# -ge 3 ] || { echo "usage: $0 OUT.cpio.gz BUSYBOX MODULE.ko [PARAM=VALUE...]" >&2; exit 2; }
out=$1 busybox=$2 module=$3
shift 3

for f in "$busybox" "$module"; do
	[ -f "$f" ] || { echo "mkinitramfs: no such file: $f" >&2; exit 1; }
done
command -v cpio >/dev/null || { echo "mkinitramfs: needs cpio (tools/ensure-deps.sh linux)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,dev,proc,sys,etc,lib/modules,tmp}
cp "$busybox" "$tmp/bin/busybox"
chmod 755 "$tmp/bin/busybox"
cp "$module" "$tmp/lib/modules/ipistress.ko"
echo "$*" >"$tmp/etc/ipistress.params"

cat >"$tmp/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug

params=$(cat /etc/ipistress.params)
reruns=0
for tok in $(cat /proc/cmdline); do
	case "$tok" in
	ipistress.*=*) params="$params ${tok#ipistress.}" ;;
	ipistress_reruns=*) reruns=${tok#ipistress_reruns=} ;;
	esac
done
# The module reports itself; run_on_load=1 makes insmod run one test.
echo "ipistress-guest: kernel=$(uname -r) machine=$(uname -m) cpus=$(grep -c ^processor /proc/cpuinfo) params=run_on_load=1 $params"
t0=$(cut -d' ' -f1 /proc/uptime)
insmod /lib/modules/ipistress.ko run_on_load=1 $params
rc=$?
t1=$(cut -d' ' -f1 /proc/uptime)
dmesg | grep -E 'ipistress: |ipistress\]|Call Trace|WARNING|BUG' | sed 's/^\[[^]]*\] //'
# ipistress_reruns=N on the command line: N more runs through debugfs.
i=0
while [ "$i" -lt "$reruns" ]; do
	i=$((i + 1))
	echo 1 >/sys/kernel/debug/ipistress/run
	echo "ipistress-guest: rerun $i rc=$? $(cat /sys/kernel/debug/ipistress/result)"
done
echo "ipistress-guest: histograms-begin"
cat /sys/kernel/debug/ipistress/histograms 2>/dev/null
echo "ipistress-guest: histograms-end"
rmmod ipistress
echo "ipistress-guest: rmmod_rc=$?"
echo "ipistress-guest: done insmod_rc=$rc uptime_before=$t0 uptime_after=$t1"
sync
poweroff -f
# Not reached unless poweroff failed; the kernel panics and, with panic=-1
# and QEMU's -no-reboot, QEMU exits.
exit 1
INIT
chmod 755 "$tmp/init"
# IPISTRESS_INIT=FILE: that static binary is /init instead (the script above
# stays as /init.busybox); run-ipivirt.sh uses tiny-init.c, which runs no
# SSE code, on a host whose KVM cannot emulate SSE arithmetic.
if [ -n "${IPISTRESS_INIT:-}" ]; then
	[ -f "$IPISTRESS_INIT" ] || { echo "mkinitramfs: no such file: $IPISTRESS_INIT" >&2; exit 1; }
	mv "$tmp/init" "$tmp/init.busybox"
	cp "$IPISTRESS_INIT" "$tmp/init"
	chmod 755 "$tmp/init"
fi

mkdir -p "$(dirname "$out")"
(cd "$tmp" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(stat -c %s "$out") bytes)"
