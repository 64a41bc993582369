#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/lib/man-check.sh [MANDIR]
#
# The manual pages render without a single groff (or man-db) warning,
# every alias link resolves, every function include/ipivirt.h exports with
# IPIVIRT_API has a page, and ipivirt.1 names every option of vmm/cli/cli.c.
set -eu
dir=${1:-man}
status=0
bad() { echo "man-check: $*" >&2; status=1; }

for f in "$dir"/*.1 "$dir"/*.3; do
	if [ -L "$f" ] && [ ! -e "$f" ]; then
		bad "$f: dangling link"
		continue
	fi
	w=$(groff -ww -man -z "$f" 2>&1) || bad "$f: groff failed"
	[ -z "$w" ] || bad "$f: $w"
	if command -v man >/dev/null 2>&1; then
		w=$(MANWIDTH=80 man -l --warnings "$f" 2>&1 >/dev/null) || true
		[ -z "$w" ] || bad "$f: $w"
	fi
done
for fn in $(tr '\n' ' ' <include/ipivirt.h | grep -o 'IPIVIRT_API[^;(]*(' |
		grep -o 'ipivirt_[a-z0-9_]*($' | tr -d '('); do
	[ -e "$dir/$fn.3" ] || bad "$fn has no page $dir/$fn.3"
done
for opt in $(sed -n 's/^\t{ "\([a-z0-9-]*\)",.*/\1/p' vmm/cli/cli.c); do
	grep -q "^\.[BI]*R* *\\\\-\\\\-$(echo "$opt" | sed 's/-/\\\\-/g')" "$dir/ipivirt.1" ||
		bad "ipivirt.1 does not document --$opt"
done
[ $status = 0 ] && echo "man-check: $(ls "$dir" | wc -l) pages, no warnings"
exit $status
