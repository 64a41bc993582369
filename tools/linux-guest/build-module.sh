#!/bin/bash
# Out-of-tree build of guest-tests/linux/ipistress against Debian's headers.
#   tools/linux-guest/build-module.sh x86_64|ppc64le
# Builds in a copy under build/linux-guest/<arch>/module so the source tree
# stays clean; the .ko ends up at build/linux-guest/<arch>/ipistress.ko.
set -uo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

arch=${1:-x86_64}
fail() { echo "FAIL: linux-module ($arch): $*"; exit 1; }

lg_arch_setup "$arch" || fail "build prerequisites missing (see above)"
mdir=$ODIR/module
mkdir -p "$mdir"
cp "$LG_SRC/ipistress.c" "$LG_SRC/Kbuild" "$mdir/"
log=$ODIR/module-build.log
if ! make -C "$KDIR" M="$mdir" "${MAKEARGS[@]}" W=1 modules >"$log" 2>&1; then
	cat "$log"
	fail "make -C $KDIR failed"
fi
if grep -E 'warning:|error:' "$log"; then
	fail "compiler warnings (W=1), see $log"
fi
cp "$mdir/ipistress.ko" "$ODIR/ipistress.ko"
vermagic=$(tr '\0' '\n' <"$ODIR/ipistress.ko" | sed -n 's/^vermagic=//p' | head -n 1)
case "$vermagic" in
"$KVER "*) ;;
*) fail "vermagic '$vermagic' does not name $KVER" ;;
esac
echo "PASS: linux-module ($arch): $ODIR/ipistress.ko for $KVER (vermagic: $vermagic)"
