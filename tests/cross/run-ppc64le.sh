#!/bin/sh
# SPDX-License-Identifier: MIT
#
# cross-test-ppc64le.sh - build the XIVE (and IPI domain) Check unit tests
# for ppc64le with powerpc64le-linux-gnu-gcc and run them under qemu-ppc64le
# user-mode emulation: the model runs on the architecture whose interrupt
# controller it models.
#
#   tests/cross/run-ppc64le.sh [TEST...]     (default: test_xive*.c test_ipi_domain.c)
#
# Needs (Debian packages only):
#   the cross group of tools/deps/packages (cross compiler, qemu-user-static,
#       the ppc64el dpkg architecture): tools/ensure-deps.sh cross installs
#       it as root, otherwise prints the commands
#   check for ppc64el (libcheck.a, with libsubunit)  either installed through
#       multiarch (apt-get install check:ppc64el) or, by default, fetched with
#       `apt-get download check:ppc64el libsubunit-dev:ppc64el libsubunit0:ppc64el`
#       and unpacked with dpkg -x into $BUILD/cross-ppc64le/sysroot.
# The tests link statically, so no ppc64el libc is needed at run time.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
OUT=$BUILD/cross-ppc64le
SYSROOT=$OUT/sysroot
CROSS_CC=${CROSS_CC:-powerpc64le-linux-gnu-gcc}
TRIPLET=powerpc64le-linux-gnu

say() { echo "cross-test-ppc64le: $*"; }
die() { echo "cross-test-ppc64le: $*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

# --- host tools ---------------------------------------------------------------
tools/ensure-deps.sh cross || die "the cross group of tools/deps/packages is missing (see above)"
QEMU_USER=$(command -v qemu-ppc64le-static || command -v qemu-ppc64le || true)
[ -n "$QEMU_USER" ] || die "no qemu-ppc64le(-static) after installing qemu-user-static"

# --- libcheck for ppc64el ---------------------------------------------------------
if [ -f /usr/lib/$TRIPLET/libcheck.a ] && [ -f /usr/include/check.h ]; then
	CHECK_INC=/usr/include
	CHECK_LIB=/usr/lib/$TRIPLET
	say "using multiarch check:ppc64el from /usr/lib/$TRIPLET"
else
	if [ ! -f "$SYSROOT/usr/lib/$TRIPLET/libcheck.a" ]; then
		if ! apt-cache show check:ppc64el >/dev/null 2>&1; then
			is_root || die "apt-cache knows no check:ppc64el; as root: apt-get update"
			apt-get update -qq || say "apt-get update reported errors; trying anyway"
		fi
		mkdir -p "$OUT/debs"
		say "fetching check:ppc64el libsubunit-dev:ppc64el libsubunit0:ppc64el"
		(cd "$OUT/debs" && apt-get download -q check:ppc64el libsubunit-dev:ppc64el \
			libsubunit0:ppc64el) || die "apt-get download failed"
		for d in "$OUT"/debs/*.deb; do dpkg -x "$d" "$SYSROOT"; done
	fi
	CHECK_INC=$SYSROOT/usr/include
	CHECK_LIB=$SYSROOT/usr/lib/$TRIPLET
fi
[ -f "$CHECK_LIB/libcheck.a" ] || die "no ppc64el libcheck.a in $CHECK_LIB"

# --- build ----------------------------------------------------------------------
if [ $# -gt 0 ]; then
	TESTS="$*"
else
	TESTS="$(ls tests/unit/test_xive*.c) tests/unit/test_ipi_domain.c"
fi
# mk/sources.mk's list, from make; alone, the same folder glob.
MODEL_SRCS=${MODEL_SRCS:-$(ls vmm/*.c | sort)}
CFLAGS="-std=c11 -Wall -Wextra -Werror -g -O2 -pthread -D_GNU_SOURCE -Ivmm -Iinclude"
mkdir -p "$OUT/bin"
say "$($CROSS_CC --version | head -n1); $("$QEMU_USER" --version | head -n1)"
bins=""
for t in $TESTS; do
	name=$(basename "$t" .c)
	# shellcheck disable=SC2086
	$CROSS_CC $CFLAGS -I"$CHECK_INC" "$t" $MODEL_SRCS -static -L"$CHECK_LIB" \
		-lcheck -lsubunit -lrt -lm -o "$OUT/bin/$name" || die "build of $name failed"
	bins="$bins $OUT/bin/$name"
done

# --- run --------------------------------------------------------------------------
fails=0
for b in $bins; do
	arch=$(readelf -h "$b" | sed -n 's/.*Machine: *//p')
	data=$(readelf -h "$b" | sed -n 's/.*Data: *//p')
	echo "== $b ($arch, $data) under $(basename "$QEMU_USER")"
	if ! CK_FORK=no timeout 600 "$QEMU_USER" "$b"; then
		fails=$((fails + 1))
		echo "cross-test-ppc64le: $b FAILED" >&2
	fi
done
[ "$fails" -eq 0 ] || die "$fails test program(s) failed"
