#!/bin/busybox sh
# /init of the XIVE trace-capture initramfs (ppc64el busybox-static).
# Mode from the kernel command line: xivemode=boot | ipi | lsi
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
	# Move the console's interrupt around: H_INT_SET_SOURCE_CONFIG to a
	# new target, H_INT_SYNC, ESB masking.
	irq=$(grep hvc_console /proc/interrupts | cut -d: -f1 | tr -d ' ')
	if [ -n "$irq" ]; then
		c=$((ncpu - 1))
		while [ $c -ge 0 ]; do
			echo $c > /proc/irq/$irq/smp_affinity_list
			sleep 0.2
			c=$((c - 1))
		done
	fi
	# CPU hotplug: an offlined CPU closes its CPPR, its interrupts move
	# away, its queue and IPI are torn down; onlining sets them up again.
	c=1
	while [ $c -lt "$ncpu" ]; do
		echo 0 > /sys/devices/system/cpu/cpu$c/online
		taskset -c 0 true
		echo 1 > /sys/devices/system/cpu/cpu$c/online
		taskset -c $c true
		c=$((c + 1))
	done
	grep -E 'IPI|XIVE|CPU' /proc/interrupts
fi
if [ "$mode" = lsi ]; then
	# A virtio-rng-pci with no MSI-X vectors: its interrupt is PCI INTx,
	# an LSI, which Linux EOIs through H_INT_ESB as QEMU asks.
	for m in virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev \
		virtio_pci virtio-rng; do
		insmod /modules/$m.ko || echo "XIVE: insmod $m failed"
	done
	sleep 1
	i=0
	while [ $i -lt 40 ]; do
		dd if=/dev/hwrng of=/dev/null bs=32 count=1 2>/dev/null
		i=$((i + 1))
	done
	grep -E 'IPI|XIVE|CPU' /proc/interrupts
fi
echo XIVEDMESG-BEGIN
dmesg | grep -E 'xive|XIVE|H_INT'
echo XIVEDMESG-END
echo XIVEDONE
poweroff -f
