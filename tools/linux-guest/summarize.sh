#!/bin/bash
# Summarize ipistress result lines as a Markdown table: one row per line.
#   tools/linux-guest/summarize.sh LOG_OR_RESULT_FILE...
# Reads "ipistress: result ..." lines (load-time run and debugfs reruns) and
# prints calls/s and p50/p99 in microseconds per primitive (w = wait set,
# nw = no wait) plus remote delivery ("ipi").
set -euo pipefail
cols="single_w single_nw async_nw many_w many_nw mask_w mask_nw any_w any_nw all_w all_nw ipi"
printf '| run | cpus | calls/s | lost | dup | wrongcpu | badctx |'
for c in $cols; do printf ' %s p50/p99 us |' "$c"; done
printf '\n|---|---|---|---|---|---|---|'
for c in $cols; do printf -- '---|'; done
printf '\n'
for f in "$@"; do
	grep -a -o 'ipistress: result pass=1 .*' "$f" | tr -d '\r' | while read -r line; do
		awk -v name="$(basename "$f")" -v cols="$cols" '
		{
			for (i = 1; i <= NF; i++) {
				split($i, kv, "=")
				v[kv[1]] = kv[2]
			}
			printf "| %s | %s | %s | %s | %s | %s | %s |", name, v["cpus"], v["calls_per_s"],
				v["lost"], v["dup"], v["wrongcpu"], v["badctx"]
			n = split(cols, c, " ")
			for (i = 1; i <= n; i++)
				printf " %.1f / %.1f |", v[c[i] "_p50_ns"] / 1000, v[c[i] "_p99_ns"] / 1000
			printf "\n"
		}' <<<"$line"
	done
done
