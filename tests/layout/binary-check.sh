#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/layout/binary-check.sh BINARY ARCHIVE OBJ...
#
# The ipivirt binary is a client of libipivirt (issue 13): its own objects
# (OBJ: the command line) call nothing of vmm/ but through the public API,
# and everything else it holds comes from ARCHIVE, whose only global
# symbols are ipivirt_*. So, by nm:
#  - every global symbol BINARY defines is ipivirt_*, the command line's
#    own (main, cli__*), or the C runtime's (leading underscore, @GLIBC);
#  - every symbol OBJ needs from outside is ipivirt_*, cli__* or libc's
#    (undefined in BINARY too, so it comes from a shared library);
#  - ARCHIVE defines every ipivirt_* the objects use.
set -eu
bin=$1 archive=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

nm "$bin" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }' |
	grep -Ev '^(ipivirt_[a-z0-9_]+|main|cli__[a-z_]+|_.*|data_start|.*@GLIBC.*)$' \
	>"$tmp/extra" || true
if [ -s "$tmp/extra" ]; then
	echo "binary-check: $bin defines symbols outside the public API:" >&2
	sed 's/^/  /' "$tmp/extra" >&2
	status=1
fi
# libc's: undefined, or copied into the binary (optarg@GLIBC_2.2.5).
nm "$bin" | awk '$NF ~ /@/ { sub(/@.*/, "", $NF); print $NF }' | sort -u \
	>"$tmp/dyn"
nm -u "$@" | awk 'NF == 2 { print $2 }' | sort -u >"$tmp/needs"
nm "$@" | awk '$2 ~ /^[TDBR]$/ { print $3 }' | sort -u >"$tmp/own"
nm -g --defined-only "$archive" | awk 'NF == 3 { print $3 }' | sort -u \
	>"$tmp/api"
while read -r sym; do
	grep -qx "$sym" "$tmp/own" && continue
	case $sym in
	ipivirt_*)
		grep -qx "$sym" "$tmp/api" ||
			{ echo "binary-check: $sym is not in $archive" >&2; status=1; } ;;
	*)
		grep -qx "$sym" "$tmp/dyn" ||
			{ echo "binary-check: the command line uses $sym," \
				"neither libc's nor public" >&2; status=1; } ;;
	esac
done <"$tmp/needs"
[ $status = 0 ] && echo "binary-check: $(basename "$bin") = command line" \
	"($(grep -c '^ipivirt_' "$tmp/needs") public calls) +" \
	"$(basename "$archive") ($(wc -l <"$tmp/api") exported symbols)"
exit $status
