#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/lib/symbol-check.sh SO MAP HEADER [ARCHIVE]
#
# libipivirt exports exactly its public API: the dynamic symbols the .so
# defines (nm -D --defined-only, minus the version node) must equal the
# version script's global names, which must equal the functions the header
# declares with IPIVIRT_API. With ARCHIVE, the static library's global
# definitions must be that same list (its hidden symbols were localized).
set -eu
so=$1 map=$2 header=$3 archive=${4:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Global names between "global:" and "local:" in the version script.
awk '/^[ \t]*global:/ { on = 1; next } /^[ \t]*(local:|})/ { on = 0 } on' "$map" |
	tr -d ' \t;' | grep -v '^$' | sort -u >"$tmp/map"
# Every "IPIVIRT_API ... name(" declaration (the name may be on that line).
tr '\n' ' ' <"$header" | grep -o 'IPIVIRT_API[^;(]*(' |
	grep -o 'ipivirt_[a-z0-9_]*($' | tr -d '(' | sort -u >"$tmp/header"
# Defined dynamic symbols, without the version node (an absolute symbol).
nm -D --defined-only "$so" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' |
	sort -u >"$tmp/so"

status=0
check() { # name-a file-a name-b file-b
	if ! diff -u "$2" "$4" >"$tmp/diff"; then
		echo "lib-symbol-check: $1 and $3 differ:" >&2
		sed -n '3,$p' "$tmp/diff" >&2
		status=1
	fi
}
check "$header" "$tmp/header" "$map" "$tmp/map"
check "$map" "$tmp/map" "$so" "$tmp/so"
if [ -n "$archive" ]; then
	nm -g --defined-only "$archive" 2>/dev/null |
		awk 'NF == 3 { print $3 }' | sort -u >"$tmp/a"
	check "$map" "$tmp/map" "$archive" "$tmp/a"
fi
[ $status = 0 ] && echo "lib-symbol-check: $(wc -l <"$tmp/so") symbols," \
	"header = version script = $(basename "$so")${archive:+ = $(basename "$archive")}"
exit $status
