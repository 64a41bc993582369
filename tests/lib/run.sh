#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/lib/run.sh DIR PREFIX KERNEL
#
# libipivirt as an embedder sees it, after `make install DESTDIR=DIR/root
# PREFIX=PREFIX`: the installed files, the version agreement, the header
# under a C++ compiler, examples/ built through pkg-config (with
# PKG_CONFIG_PATH / PKG_CONFIG_SYSROOT_DIR pointing into the staging
# root), then the example VMM booting KERNEL (the ipi test kernel) on 2
# and 4 vCPUs, x2APIC and xAPIC, shared and static, and the whole-VMM API
# (examples/wholevmm.c) on 2. Without /dev/kvm the
# boots are skipped loudly; under CI=true that is a failure.
set -eu
dir=$1 prefix=$2 kernel=$3
root=$dir/root
libdir=$root$prefix/lib
fail() { echo "lib-test: FAIL: $*" >&2; exit 1; }
[ -f "$kernel" ] || fail "no test kernel $kernel (make guest-tests)"

echo "== installed files"
for f in include/ipivirt.h include/ipivirt_version.h lib/libipivirt.a \
	lib/libipivirt.so lib/pkgconfig/ipivirt.pc share/man/man1/ipivirt.1 \
	share/man/man3/ipivirt.3 share/man/man3/ipivirt_vm_create.3; do
	[ -e "$root$prefix/$f" ] || fail "$prefix/$f not installed"
done
soname=$(readelf -d "$libdir/libipivirt.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ -L "$libdir/libipivirt.so" ] && [ -L "$libdir/$soname" ] ||
	fail "soname links missing ($soname)"
echo "soname $soname -> $(readlink "$libdir/$soname")"

echo "== version"
field() { sed -n "s/^#define IPIVIRT_VERSION_$1 //p" "$2"; }
for f in MAJOR MINOR PATCH STRING; do
	[ "$(field $f vmm/version.h)" = "$(field $f "$root$prefix/include/ipivirt_version.h")" ] ||
		fail "IPIVIRT_VERSION_$f differs between vmm/version.h and ipivirt_version.h"
done
export PKG_CONFIG_PATH="$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root"
version=$(pkg-config --modversion ipivirt)
[ "\"$version\"" = "$(field STRING vmm/version.h)" ] ||
	fail "ipivirt.pc says $version"
echo "ipivirt $version; cflags: $(pkg-config --cflags ipivirt)"

if command -v g++ >/dev/null 2>&1; then
	echo "== the header in C++"
	printf '#include <ipivirt.h>\nint main() { return ipivirt_check_version(IPIVIRT_VERSION_MAJOR, 0); }\n' |
		g++ -x c++ -Wall -Wextra -Werror $(pkg-config --cflags ipivirt) - \
			-o "$dir/cxx-smoke" $(pkg-config --libs ipivirt)
	LD_LIBRARY_PATH="$libdir" "$dir/cxx-smoke" || fail "C++ smoke test"
fi

echo "== examples/ through pkg-config"
mkdir -p "$dir/bin"
make --no-print-directory -s -C examples OUT="$dir/bin" clean all
# Linked statically, the library's internals stay local to it.
if nm "$dir/bin/minivmm-static" | grep -Eq ' [TDB] (apic_create|machine__create|ipi_domain_reserve)$'; then
	fail "libipivirt.a leaks internal symbols into the program"
fi

echo "== the example VMM on $kernel"
if ! { [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; }; then
	if [ "${CI:-}" = "true" ]; then
		fail "/dev/kvm is missing or not accessible, and CI=true"
	fi
	echo "############################################################"
	echo "# SKIPPED: minivmm boots: /dev/kvm is not available.       #"
	echo "############################################################"
	exit 0
fi
run() { # name binary args...
	name=$1
	shift
	log="$dir/$(echo "$name" | tr ' ' '-').log"
	status=0
	LD_LIBRARY_PATH="$libdir" timeout 300 "$@" >"$log" 2>&1 || status=$?
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	if [ $status -ne 0 ] || ! echo "$summary" | grep -q ' 0 failed'; then
		cat "$log" >&2
		fail "$name: status $status, '${summary:-no summary}'"
	fi
	echo "PASS: $name: $summary"
}
run "minivmm ipi 2cpu x2apic" "$dir/bin/minivmm" --cpus 2 --timeout 240 "$kernel"
run "minivmm ipi 4cpu x2apic" "$dir/bin/minivmm" --cpus 4 --timeout 240 "$kernel"
run "minivmm ipi 4cpu xapic" "$dir/bin/minivmm" --cpus 4 --xapic --timeout 240 "$kernel"
run "minivmm-static ipi 2cpu" "$dir/bin/minivmm-static" --cpus 2 --timeout 240 "$kernel"
run "wholevmm (ipivirt_vmm_*) ipi 2cpu" "$dir/bin/wholevmm" 2 "$kernel"
echo "lib-test: all passed"
