#!/bin/bash
# Check the Linux patch series against a v6.1 tree: Debian's linux-source-6.1
# (the 6.1 stable series with Debian's patches; installed as root if
# missing).
#
#   guest-tests/linux/check-patch-applies.sh          fast: touched files only
#   guest-tests/linux/check-patch-applies.sh --full   also unpack the whole
#        tree, apply, enable CONFIG_IPI_STRESS_TEST=m on x86_64 defconfig and
#        build kernel/ipistress.o in-tree (a few minutes)
#
# Checks: the patch is current (mkpatch.sh --check); `git apply --check` and
# `patch --dry-run` accept it without fuzz; the applied kernel/ipistress.c is
# byte-identical to guest-tests/linux/ipistress/ipistress.c; checkpatch.pl
# from that tree reports no errors. Prints PASS/FAIL; non-zero on failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../tools/linux-guest/common.sh
. "$here/../../tools/linux-guest/common.sh"

full=0
[ "${1:-}" = --full ] && full=1
fail() { echo "FAIL: linux-patch-check: $*"; exit 1; }
# build/ lies inside the ipivirt work tree: keep git apply from taking that
# repository's top as the base (it would then skip every path, silently).
gapply() { GIT_CEILING_DIRECTORIES=$LG_BUILD git apply "$@"; }

"$here/mkpatch.sh" --check || fail "patch out of date"
# The linux group of tools/deps/packages holds --full's kernel build tools too.
lg_need_deps || fail "prerequisites missing (see above)"
tarball=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null) || fail "no /usr/src/linux-source-6.1.tar.xz"
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
patches=("$here"/patches/0*.patch)
[ -f "${patches[0]}" ] || fail "no patches in $here/patches"

work=$LG_BUILD/patch-check
top=linux-source-6.1
base=$work/base-$srcver
if [ ! -f "$base/.complete" ]; then
	rm -rf "$work" && mkdir -p "$base"
	lg_log "extracting the touched files from $tarball"
	members=("$top/Makefile" "$top/kernel/Makefile" "$top/lib/Kconfig.debug"
		"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt"
		"$top/scripts/const_structs.checkpatch")
	tar -xJf "$tarball" -C "$base" --strip-components=1 "${members[@]}" ||
		fail "tar could not extract ${members[*]}"
	touch "$base/.complete"
fi
kv=$(sed -n 's/^VERSION = //p; s/^PATCHLEVEL = //p; s/^SUBLEVEL = //p' "$base/Makefile" | paste -sd.)
case "$kv" in
6.1.*) ;;
*) fail "tree is $kv, not from the v6.1 series" ;;
esac
[ ! -e "$base/kernel/ipistress.c" ] || fail "tree already has kernel/ipistress.c"

tree=$work/applied
rm -rf "$tree" && cp -a "$base" "$tree"
for p in "${patches[@]}"; do
	name=$(basename "$p")
	(cd "$tree" && gapply --check "$p") || fail "$name: git apply --check refused it on $kv"
	out=$(cd "$tree" && patch -p1 -N --dry-run <"$p") || { echo "$out"; fail "$name: patch --dry-run failed"; }
	if echo "$out" | grep -q fuzz; then
		echo "$out"
		fail "$name applies only with fuzz on $kv"
	fi
	offs=$(echo "$out" | grep -o 'offset [-0-9]* lines*' | paste -sd, || true)
	(cd "$tree" && gapply "$p") || fail "$name: git apply failed"
	echo "ok: $name applies to linux-source-6.1 $srcver ($kv)${offs:+ with $offs}"
done
cmp -s "$tree/kernel/ipistress.c" "$LG_SRC/ipistress.c" ||
	fail "kernel/ipistress.c in the patched tree differs from ipistress/ipistress.c"
grep -q '^config IPI_STRESS_TEST$' "$tree/lib/Kconfig.debug" || fail "Kconfig entry missing after apply"
grep -q 'CONFIG_IPI_STRESS_TEST' "$tree/kernel/Makefile" || fail "Makefile line missing after apply"

cp_out=$(cd "$tree" && perl scripts/checkpatch.pl --no-tree --summary-file "${patches[@]}" 2>&1)
cp_err=$(echo "$cp_out" | sed -n 's/.*total: \([0-9]*\) errors.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
cp_warn=$(echo "$cp_out" | sed -n 's/.*errors, \([0-9]*\) warnings.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
echo "$cp_out" | grep -E '^(ERROR|WARNING)' | sed 's/^/checkpatch: /'
[ "$cp_err" = 0 ] || { echo "$cp_out"; fail "checkpatch.pl: $cp_err errors"; }

if [ "$full" = 1 ]; then
	ftree=$work/full
	if [ ! -f "$ftree/.complete" ]; then
		rm -rf "$ftree" && mkdir -p "$ftree"
		lg_log "unpacking the whole tree (about a minute)"
		tar -xJf "$tarball" -C "$ftree" --strip-components=1 || fail "tar failed"
		touch "$ftree/.complete"
	fi
	(cd "$ftree" && gapply --reverse --check "${patches[@]}" 2>/dev/null && gapply --reverse "${patches[@]}")
	(cd "$ftree" && gapply "${patches[@]}") || fail "git apply on the full tree failed"
	log=$work/full-build.log
	(
		set -e
		cd "$ftree"
		make -s ARCH=x86_64 defconfig
		scripts/config --enable DEBUG_FS --module IPI_STRESS_TEST
		make -s ARCH=x86_64 olddefconfig
		grep -qx 'CONFIG_IPI_STRESS_TEST=m' .config
		make -s ARCH=x86_64 -j"$(nproc)" kernel/ipistress.o
	) >"$log" 2>&1 || { tail -n 30 "$log"; fail "in-tree build of kernel/ipistress.o failed (log: $log)"; }
	if grep -E 'warning:|error:' "$log"; then
		fail "in-tree build warned (log: $log)"
	fi
	echo "ok: in-tree x86_64 defconfig + CONFIG_IPI_STRESS_TEST=m builds kernel/ipistress.o"
fi
echo "PASS: linux-patch-check: ${#patches[@]} patch(es) apply to linux-source-6.1 $srcver, checkpatch: $cp_err errors, $cp_warn warnings"
