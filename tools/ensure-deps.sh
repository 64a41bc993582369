#!/bin/sh
# Make sure the Debian packages ipivirt builds and tests with are installed.
# As root: install what is missing. Otherwise: print the exact apt-get line
# and fail, so nothing half-works.
set -eu

PACKAGES="gcc make pkg-config binutils libc6-dev linux-libc-dev check liburing-dev qemu-system-x86 gcc-powerpc64le-linux-gnu qemu-user-static liblzma-dev zlib1g-dev libzstd-dev groff-base man-db clang libclang-rt-14-dev"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "ipivirt: missing Debian packages:$missing" >&2
	echo "run as root:  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "ipivirt: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
