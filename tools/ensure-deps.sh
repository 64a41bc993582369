#!/bin/sh
# ensure-deps.sh - make sure the Debian packages of a group in
# tools/deps/packages (the one package list) are installed, with those of
# `run`, which every group includes.
#
#   tools/ensure-deps.sh GROUP...          install what is missing (as root)
#   tools/ensure-deps.sh --check GROUP...  install nothing: name what is missing
#   tools/ensure-deps.sh --list GROUP...   print the group's lines, install nothing
#
# As root: dpkg --add-architecture for the group's arch: lines, one
# `apt-get update`, then `apt-get install --no-install-recommends` of what is
# missing. Not root (or --check): print the exact commands and exit 1, so
# nothing half-works. All messages go to stderr (callers use stdout).
set -eu

LIST=$(cd "$(dirname "$0")" && pwd)/deps/packages
# Other engineers' or unattended-upgrades' apt runs: wait, do not fail.
APT="apt-get -o DPkg::Lock::Timeout=600"

say() { echo "ensure-deps: $*" >&2; }
usage() {
	echo "usage: $0 [--check|--list] GROUP...   (groups: $(groups_known | tr '\n' ' '))" >&2
	exit 2
}
# entries: the file without comments, "NAME GROUP..." per line.
entries() { sed 's/#.*//' "$LIST" | awk 'NF >= 2'; }
groups_known() { entries | awk '{ for (i = 2; i <= NF; i++) print $i }' | sort -u; }

mode=install
case "${1:-}" in
--check) mode=check; shift ;;
--list) mode=list; shift ;;
"" | -*) usage ;;
esac
[ $# -ge 1 ] || usage
for g in "$@"; do
	groups_known | grep -qx -- "$g" || { say "unknown group '$g'"; usage; }
done

wanted=$(entries | awk -v want=" run $* " '
	{ for (i = 2; i <= NF; i++) if (index(want, " " $i " ")) { print $1; next } }')
if [ "$mode" = list ]; then
	echo "$wanted"
	exit 0
fi
pkgs=$(echo "$wanted" | grep -v '^arch:' || true)
arches=$(echo "$wanted" | sed -n 's/^arch://p')

# missing_pkgs: those of $pkgs dpkg does not have installed and configured
# (pending triggers are fine: the files are there).
missing_pkgs() {
	# shellcheck disable=SC2086
	dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $pkgs 2>/dev/null |
		awk '$1 ~ /^[ih][itW]/ { print $2 }' | sort -u >"$tmp/have"
	echo "$pkgs" | sort -u | comm -23 - "$tmp/have" | tr '\n' ' ' | sed 's/ $//'
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

missing=$(missing_pkgs)
add_arch="" need_lists=""
foreign=$(dpkg --print-foreign-architectures)
for a in $arches; do
	if ! echo "$foreign" | grep -qx "$a"; then
		add_arch="$add_arch $a"
	elif ! ls /var/lib/apt/lists/*_binary-"${a}"_Packages* >/dev/null 2>&1; then
		need_lists="$need_lists $a" # known to dpkg, but apt has no index for it
	fi
done
[ -z "$missing$add_arch$need_lists" ] && exit 0

cmd=""
for a in $add_arch; do cmd="${cmd}dpkg --add-architecture $a && "; done
cmd="${cmd}apt-get update"
[ -n "$missing" ] && cmd="$cmd && apt-get install -y --no-install-recommends $missing"
if [ "$mode" = check ] || [ "$(id -u)" -ne 0 ]; then
	[ -n "$missing" ] && say "missing Debian packages ($*): $missing"
	[ -n "$add_arch" ] && say "not a dpkg architecture here:$add_arch"
	[ -n "$need_lists" ] && say "apt has no package lists for:$need_lists"
	say "run as root:  $cmd"
	say "         or:  tools/ensure-deps.sh $*"
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
for a in $add_arch; do
	say "adding dpkg architecture $a"
	dpkg --add-architecture "$a"
done
say "apt-get update"
# A mirror mid-sync fails one index; what was fetched is still usable.
$APT update -qq >&2 || say "apt-get update reported errors (continuing)"
if [ -n "$missing" ]; then
	say "installing ($*): $missing"
	# shellcheck disable=SC2086
	$APT install -y -qq --no-install-recommends $missing >&2 || {
		say "apt-get install failed; by hand: $cmd"
		exit 1
	}
fi
still=$(missing_pkgs)
[ -z "$still" ] || { say "still not installed: $still"; exit 1; }
for a in $arches; do
	ls /var/lib/apt/lists/*_binary-"${a}"_Packages* >/dev/null 2>&1 ||
		say "warning: still no apt package lists for $a (does a source list it?)"
done
exit 0
