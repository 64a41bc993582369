#!/bin/busybox sh
# /init of the XIVE trace-capture initramfs (ppc64el busybox-static).
# Mode from the kernel command line: xivemode=boot | xivemode=ipi
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t devtmpfs dev /dev || mknod /dev/null c 1 3
mount -t sysfs sys /sys
mode=boot
for w in $(cat /proc/cmdline); do
	case "$w" in xivemode=*) mode=${w#xivemode=} ;; esac
done
ncpu=$(nproc)
# The vCPU index -> interrupt server number map, for the replay.
for c in /proc/device-tree/cpus/PowerPC*; do
	[ -e "$c/ibm,ppc-interrupt-server#s" ] || continue
	printf 'XIVECPU %s reg=%s\n' "${c##*@}" \
		"$(od -An -tx1 "$c/ibm,ppc-interrupt-server#s" | tr -d ' \n')"
done
if [ "$mode" = ipi ]; then
	# IPI-heavy: every command started on a CPU through taskset moves a
	# task there (reschedule IPIs), exits and is reaped elsewhere
	# (call-function IPIs for TLB and cache flushes).
	i=0
	while [ $i -lt 3 ]; do
		c=0
		while [ $c -lt "$ncpu" ]; do
			taskset -c $c sh -c 'echo cpu$0 > /dev/null; cat /proc/interrupts > /dev/null' $c &
			c=$((c + 1))
		done
		wait
		c=0
		while [ $c -lt "$ncpu" ]; do
			taskset -c $c true
			c=$((c + 1))
		done
		i=$((i + 1))
	done
	grep -E 'IPI|XIVE|CPU' /proc/interrupts
fi
echo XIVEDMESG-BEGIN
dmesg | grep -E 'xive|XIVE|H_INT'
echo XIVEDMESG-END
echo XIVEDONE
poweroff -f
