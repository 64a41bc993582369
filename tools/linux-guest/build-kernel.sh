#!/bin/bash
# Build the x86-64 guest kernel that runs ipistress built in: Debian's
# linux-source-6.1, our patch series applied, `make tinyconfig` plus
# guest-tests/linux/config/ipivirt-builtin.config. The run needs no user
# space: boot with "ipistress.run_on_load=1 ipistress.shutdown=1".
#
#   tools/linux-guest/build-kernel.sh      -> prints the bzImage path
#
# Output: build/linux-guest/kernel/bzImage (rebuilt only when the tarball,
# the patch or the fragment changed). About 5-10 minutes on 2 cores, most of
# it the first unpack and compile. Missing packages are installed as root,
# else the apt-get line is printed. Non-zero exit on any failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

fail() { echo "FAIL: build-kernel: $*" >&2; exit 1; }
gapply() { GIT_CEILING_DIRECTORIES=$LG_BUILD git apply "$@"; }

lg_need_deps || fail "prerequisites missing (see above)"
tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] || fail "no $tarball"
patches=("$LG_ROOT"/guest-tests/linux/patches/0*.patch)
fragment=$LG_ROOT/guest-tests/linux/config/ipivirt-builtin.config
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)

work=$LG_BUILD/kernel
src=$work/src-$srcver
obj=$work/obj
image=$work/bzImage
stamp=$(cat "${patches[@]}" "$fragment" | sha256sum | cut -c1-16)-$srcver

if [ -f "$image" ] && [ "$(cat "$work/.stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "$image"
	exit 0
fi
mkdir -p "$work"
if [ ! -f "$src/.complete" ]; then
	rm -rf "$work"/src-* "$obj"
	mkdir -p "$src"
	lg_log "unpacking $tarball (about a minute)"
	tar -xJf "$tarball" -C "$src" --strip-components=1 ||
		fail "tar failed"
	touch "$src/.complete"
fi
# Re-apply the current series: undo whatever an earlier run applied.
if [ -f "$work/applied.patch" ]; then
	(cd "$src" && gapply --reverse "$work/applied.patch") ||
		fail "could not revert the previously applied patch"
	rm -f "$work/applied.patch"
fi
(cd "$src" && gapply "${patches[@]}") || fail "git apply failed"
cat "${patches[@]}" >"$work/applied.patch"

log=$work/build.log
lg_log "configuring and building bzImage (log: $log)"
# (set -e does not work in a subshell whose status is tested: chain by hand.)
(
	mkdir -p "$obj" &&
	make -s -C "$src" O="$obj" ARCH=x86_64 tinyconfig &&
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$fragment" &&
	make -s -C "$src" O="$obj" ARCH=x86_64 olddefconfig || exit 1
	# merge_config silently drops what Kconfig refuses: check each line.
	while IFS= read -r line; do
		case "$line" in CONFIG_*=*) grep -qx "$line" "$obj/.config" ||
			{ echo "not in the final .config: $line"; exit 1; } ;;
		esac
	done <"$fragment"
	exec make -s -C "$src" O="$obj" ARCH=x86_64 -j"$(nproc)" bzImage
) >"$log" 2>&1 || { tail -n 30 "$log" >&2; fail "kernel build failed (log: $log)"; }
cp "$obj/arch/x86/boot/bzImage" "$image" || fail "no bzImage"
echo "$stamp" >"$work/.stamp"
lg_log "built $image ($(stat -c %s "$image") bytes)"
echo "$image"
