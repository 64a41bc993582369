# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables set here are used by the scripts that source it
# Shared helpers for the Linux guest tooling (sourced, not run).
#
# Everything comes from Debian packages (the linux group of
# tools/deps/packages): linux-headers-amd64 and linux-image-amd64 for
# x86-64; for ppc64le the ppc64el packages are fetched
# with `apt-get download` and unpacked with `dpkg -x` under build/, so the
# host's dpkg database is not touched by foreign kernels.

LG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LG_BUILD=${LG_BUILD:-$LG_ROOT/build/linux-guest}
LG_SRC=$LG_ROOT/guest-tests/linux/ipistress

lg_log() { echo "linux-guest: $*" >&2; }

# lg_result_line LOG: the guest's "ipistress: result ..." line, or nothing.
lg_result_line() {
	grep -a -m1 'ipistress: result ' "$1" | tr -d '\r' |
		sed 's/^.*ipistress: result /ipistress: result /'
}

# lg_line_why RC LINE TIMEOUT VMM [CPUS]: why a boot failed by its exit
# status and result line (timeout, no line, pass=0, lost calls, fewer CPUs
# tested than the guest was given), or nothing.
lg_line_why() {
	local rc=$1 line=$2 timeout_s=$3 vmm=$4 cpus=${5:-}
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "timed out after ${timeout_s}s"
	elif [ -z "$line" ]; then
		echo "no result line ($vmm exit $rc)"
	elif ! echo "$line" | grep -q ' pass=1 '; then
		echo "pass=0"
	elif ! echo "$line" | grep -q ' lost=0 '; then
		echo "lost calls"
	elif [ -n "$cpus" ] && ! echo "$line" | grep -q " cpus=$cpus "; then
		echo "tested $(echo "$line" | grep -o ' cpus=[0-9]*' | cut -d= -f2) CPUs, not $cpus"
	fi
}

# lg_report NAME WHY LINE DETAIL LOG: the verdict of one boot, from the
# reason it failed (empty: it passed) and its ipistress result line.
# Prints PASS/FAIL (with the console tail); returns 1 when it failed.
lg_report() {
	local name=$1 why=$2 line=$3 detail=$4 log=$5 calls rate
	if [ -z "$why" ]; then
		calls=$(echo "$line" | sed -n 's/.* calls=\([0-9]*\).*/\1/p')
		rate=$(echo "$line" | sed -n 's/.* calls_per_s=\([0-9]*\).*/\1/p')
		echo "PASS: $name: calls=$calls calls_per_s=$rate lost=0 $detail"
		return 0
	fi
	echo "FAIL: $name: $why $detail; console: $log"
	[ -n "$line" ] && echo "  $line"
	tail -n 20 "$log" | sed 's/^/  | /'
	return 1
}

lg_apt_update() {
	# A mirror that is mid-sync makes update exit non-zero for one index;
	# what it did fetch is still usable.
	apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 || lg_log "apt-get update reported errors (continuing)"
}

# lg_need_deps: the linux group of tools/deps/packages (and the ppc64el
# dpkg architecture): installed as root, else the apt-get line is printed.
lg_need_deps() {
	"$LG_ROOT/tools/ensure-deps.sh" linux >&2
}

# Newest Debian amd64 kernel flavour with both headers and an image: prints e.g. 6.1.0-56-amd64
lg_x86_kver() {
	local d v best=""
	for d in /usr/src/linux-headers-*-amd64; do
		[ -f "$d/Makefile" ] || continue
		v=${d#/usr/src/linux-headers-}
		[ -f "/boot/vmlinuz-$v" ] || continue
		best=$(printf '%s\n%s\n' "$best" "$v" | sed '/^$/d' | sort -V | tail -n 1)
	done
	[ -n "$best" ] || return 1
	echo "$best"
}

lg_x86_setup() {
	lg_need_deps || return 1
	X86_KVER=$(lg_x86_kver) || {
		lg_log "no /usr/src/linux-headers-*-amd64 with a matching /boot/vmlinuz-*"
		return 1
	}
	X86_KDIR=/usr/src/linux-headers-$X86_KVER
	X86_KERNEL=/boot/vmlinuz-$X86_KVER
	X86_BUSYBOX=/bin/busybox
}

# ppc64el kernel, headers and busybox, unpacked under $LG_BUILD/ppc64le/root.
lg_ppc_setup() {
	local dir=$LG_BUILD/ppc64le root dl img kver abi pver f
	lg_need_deps || return 1
	img=$(apt-cache depends linux-image-powerpc64le:ppc64el 2>/dev/null |
		sed -n 's/.*Depends: \(linux-image-[^ :]*\).*/\1/p' | head -n 1)
	if [ -z "$img" ]; then
		[ "$(id -u)" -eq 0 ] && lg_apt_update
		img=$(apt-cache depends linux-image-powerpc64le:ppc64el 2>/dev/null |
			sed -n 's/.*Depends: \(linux-image-[^ :]*\).*/\1/p' | head -n 1)
	fi
	[ -n "$img" ] || {
		lg_log "apt-cache knows no linux-image-powerpc64le:ppc64el; run: apt-get update"
		return 1
	}
	kver=${img#linux-image-}
	abi=${kver%-powerpc64le}
	pver=$(apt-cache show --no-all-versions "$img:ppc64el" | sed -n 's/^Version: //p' | head -n 1)
	root=$dir/root-$kver
	dl=$dir/debs
	if [ ! -f "$root/.complete" ]; then
		mkdir -p "$dl" && rm -rf "$root" && mkdir -p "$root"
		(cd "$dl" && apt-get download "$img:ppc64el" "linux-headers-$kver:ppc64el" \
			"linux-headers-$abi-common" busybox-static:ppc64el >&2) || {
			lg_log "apt-get download of the ppc64el kernel packages failed"
			return 1
		}
		# Host-side (amd64) kbuild tools of the same version run modpost & co.
		(cd "$dl" && apt-get download "linux-kbuild-6.1=$pver" >&2) ||
			lg_log "linux-kbuild-6.1=$pver not downloadable; using the installed one"
		for f in "$dl"/linux-image-"$kver"_*.deb "$dl"/linux-headers-"$kver"_*.deb \
			"$dl"/linux-headers-"$abi"-common_*.deb "$dl"/busybox-static_*_ppc64el.deb \
			"$dl"/linux-kbuild-6.1_"${pver/:/%3a}"_amd64.deb; do
			[ -f "$f" ] || continue
			dpkg -x "$f" "$root" || return 1
		done
		if [ ! -d "$root/usr/lib/linux-kbuild-6.1" ]; then
			# linux-kbuild-6.1 is in the linux group: the installed one.
			[ -d /usr/lib/linux-kbuild-6.1 ] || { lg_log "no /usr/lib/linux-kbuild-6.1"; return 1; }
			mkdir -p "$root/usr/lib" && ln -s /usr/lib/linux-kbuild-6.1 "$root/usr/lib/"
		fi
		# The flavour Makefile includes the common tree by absolute path.
		sed -i "s#^include /usr/src/#include $root/usr/src/#" \
			"$root/usr/src/linux-headers-$kver/Makefile"
		touch "$root/.complete"
	fi
	PPC_KVER=$kver
	PPC_KDIR=$root/usr/src/linux-headers-$kver
	PPC_KERNEL=$root/boot/vmlinux-$kver
	PPC_BUSYBOX=$root/bin/busybox
	for f in "$PPC_KDIR/Makefile" "$PPC_KERNEL" "$PPC_BUSYBOX"; do
		[ -e "$f" ] || { lg_log "missing after unpacking: $f"; return 1; }
	done
}

# lg_arch_setup x86_64|ppc64le: sets KVER KDIR KERNEL BUSYBOX MAKEARGS ODIR
lg_arch_setup() {
	case "$1" in
	x86_64 | x86 | amd64)
		lg_x86_setup || return 1
		KVER=$X86_KVER KDIR=$X86_KDIR KERNEL=$X86_KERNEL BUSYBOX=$X86_BUSYBOX
		MAKEARGS=()
		ODIR=$LG_BUILD/x86_64
		;;
	ppc64le | ppc64 | powerpc64le)
		lg_ppc_setup || return 1
		KVER=$PPC_KVER KDIR=$PPC_KDIR KERNEL=$PPC_KERNEL BUSYBOX=$PPC_BUSYBOX
		MAKEARGS=(ARCH=powerpc CROSS_COMPILE=powerpc64le-linux-gnu-)
		ODIR=$LG_BUILD/ppc64le
		;;
	*)
		lg_log "unknown arch '$1' (x86_64 or ppc64le)"
		return 2
		;;
	esac
	mkdir -p "$ODIR"
}
