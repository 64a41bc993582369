#!/bin/bash
# fresh-check.sh - prove the README's two commands on a fresh Debian 12:
# debootstrap a minimal bookworm root (--variant=minbase) from the Debian
# mirror apt uses on this machine, clone this repository's committed HEAD
# into it, and run there as root (chroot): `make run`, then `CI=true make test`.
#
#   tools/fresh-check.sh [--steps run|test|run,test] [--keep] [--dir DIR]
#     --steps   which of the two to run, in order (default: run,test)
#     --keep    keep the root afterwards (for debugging; prints where)
#     --dir     where to build the root (default: /var/tmp)
#
# Only the committed HEAD is checked: uncommitted work is not in the clone.
# Before the clone the root gets only the bootstrap packages the README's
# commands presuppose (BOOTSTRAP_PKGS below: git to clone, make to run the
# commands, ca-certificates as for a clone over https); everything else
# `make run` and `make test` must install themselves (tools/ensure-deps.sh,
# tools/deps/packages). The host needs only debootstrap (installed if
# missing), /dev/kvm and the mirror.
#
# Prints what each step installed (dpkg-query before and after), how long
# each step took, and a final PASS/FAIL line; exit status 0 on PASS. The
# root is unmounted and removed on success, failure, Ctrl-C and SIGTERM
# (processes still running in it are ended first), unless --keep.
# Time here (2 cores): debootstrap ~30 s, make run ~1 min; make test as long
# as it takes anywhere (most of it the Linux guests), plus its installs.
set -euo pipefail

BOOTSTRAP_PKGS="git ca-certificates make"
SUITE=bookworm
steps=run,test
keep=0
base=/var/tmp

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	--steps) steps=${2:?--steps needs a value}; shift 2 ;;
	--steps=*) steps=${1#--steps=}; shift ;;
	--keep) keep=1; shift ;;
	--dir) base=${2:?--dir needs a value}; shift 2 ;;
	-h | --help) usage ;;
	*) echo "fresh-check: unknown argument '$1'" >&2; usage ;;
	esac
done
IFS=, read -r -a step_list <<<"$steps"
for s in "${step_list[@]}"; do
	case "$s" in run | test) ;; *) echo "fresh-check: --steps: '$s' is not run or test" >&2; exit 2 ;; esac
done

say() { echo "fresh-check: $*"; }
die() {
	echo "fresh-check: $*" >&2
	final=${final:-"FAIL: $*"}
	exit 1
}
now() { date +%s; }
dur() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

if [ "$(id -u)" -ne 0 ]; then
	echo "fresh-check: must run as root (it debootstraps a Debian root, mounts /dev, /proc" >&2
	echo "  and /sys into it and installs packages there): sudo make fresh-check" >&2
	exit 1
fi

repo=$(cd "$(dirname "$0")/.." && git rev-parse --show-toplevel)
head=$(git -C "$repo" rev-parse HEAD)
gitdir=$(git -C "$repo" rev-parse --path-format=absolute --git-common-dir)
say "repository $repo, HEAD $(git -C "$repo" log -1 --format='%h %s' "$head")"
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
	say "note: the work tree has uncommitted changes: they are NOT checked (HEAD only)"
fi

# --- the Debian mirror apt uses here -------------------------------------------
# apt_entries: "URI SUITE COMPONENT..." of every enabled `deb` source, from
# one-line (.list) and deb822 (.sources) files.
apt_entries() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed 's/#.*//; s/\[[^]]*\]//' "$f" | awk '$1 == "deb" && NF >= 3 { $1 = ""; sub(/^ /, ""); print }'
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
		function flush(  n, m, i, j, U, S) {
			if (types ~ /(^| )deb( |$)/ && enabled != "no") {
				n = split(uris, U, " "); m = split(suites, S, " ")
				for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print U[i], S[j], comps
			}
			types = uris = suites = comps = enabled = ""
		}
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ { next }                      # a continuation (embedded key)
		{
			k = tolower($1); sub(/:$/, "", k); v = $0; sub(/^[^:]*:[ \t]*/, "", v)
			if (k == "types") types = v; else if (k == "uris") uris = v
			else if (k == "suites") suites = v; else if (k == "components") comps = v
			else if (k == "enabled") enabled = tolower(v)
		}
		END { flush() }' "$f"
	done
}
# The bookworm entries (main suite, -updates, -security, ...) go into the root.
mapfile -t entries < <(apt_entries | awk -v s="$SUITE" '$2 == s || index($2, s "-") == 1' | awk '!seen[$0]++')
mirror=$(printf '%s\n' "${entries[@]}" | awk -v s="$SUITE" '$2 == s { print $1; exit }')
if [ -z "$mirror" ]; then
	mirror=http://deb.debian.org/debian
	entries=("$mirror $SUITE main")
	say "no '$SUITE' source in apt's configuration here: using $mirror"
fi
say "mirror: $mirror"

# --- where ---------------------------------------------------------------------
need_gb=4
[[ ",$steps," == *",test,"* ]] && need_gb=25
mkdir -p "$base"
avail_gb=$(($(df -Pk "$base" | awk 'NR == 2 { print $4 }') / 1024 / 1024))
[ "$avail_gb" -ge "$need_gb" ] ||
	die "$base has ${avail_gb} GB free; steps $steps need about ${need_gb} GB (--dir elsewhere)"
work=$(realpath "$(mktemp -d "$base/ipivirt-fresh-check.XXXXXX")")
root=$work/root
mounts=()
bg_pid=""
status=1
final=""

# in_root CMD...: run CMD in the root as a fresh root login would, in the
# background so that a signal to us can end it (see cleanup).
in_root() {
	# (A background job starts with SIGINT ignored: give the step the default.)
	chroot "$root" /usr/bin/env -i --default-signal=INT,QUIT HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@" &
	local pid=$!
	wait "$pid"
}

# Processes whose root is ours: what a step left behind, or all of a step
# when we are interrupted.
root_pids() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && echo "${p#/proc/}"
	done
	return 0
}

cleanup() {
	local rc=$? i m pids
	set +e
	trap - EXIT INT TERM
	[ -n "$final" ] || final="FAIL (interrupted or aborted, exit $rc)"
	if [ -n "$bg_pid" ]; then
		kill -TERM -- "-$bg_pid" 2>/dev/null
		wait "$bg_pid" 2>/dev/null
	fi
	mapfile -t pids < <(root_pids)
	if [ ${#pids[@]} -gt 0 ]; then
		say "ending processes still in the root: ${pids[*]}"
		kill -TERM "${pids[@]}" 2>/dev/null
		sleep 2
		mapfile -t pids < <(root_pids)
		[ ${#pids[@]} -gt 0 ] && kill -KILL "${pids[@]}" 2>/dev/null && sleep 1
	fi
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		m=${mounts[i]}
		umount -R "$m" 2>/dev/null || umount -R -l "$m" 2>/dev/null || umount -l "$m" ||
			say "warning: could not unmount $m"
	done
	# And what others mounted there (debootstrap's /proc when it was cut short).
	awk -v r="$root" 'index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r |
		while read -r m; do umount -R -l "$m" || say "warning: could not unmount $m"; done
	if [ "$keep" = 1 ]; then
		say "kept the root: $root (chroot $root /bin/bash; remove with rm -rf $work)"
	elif grep -q " $work/" /proc/self/mounts; then
		# Never rm -rf through a mount of /dev, /sys or the repository.
		say "warning: still mounted under $work, not removing it:"
		grep " $work/" /proc/self/mounts | sed 's/^/  /'
	else
		rm -rf --one-file-system "$work"
	fi
	echo "fresh-check: $final"
	exit "$status"
}
trap cleanup EXIT
trap 'status=130; exit 130' INT
trap 'status=143; exit 143' TERM

# mount_in WHAT DIR [ARGS...]: mount and remember it for cleanup.
mount_in() {
	local dir=$root$2
	mkdir -p "$dir"
	mount "${@:3}" "$1" "$dir"
	mounts+=("$dir")
}

# snapshot NAME: the root's installed packages and those installed by request.
snapshot() {
	# shellcheck disable=SC2016 # dpkg-query's ${field}s
	chroot "$root" dpkg-query -W -f='${db:Status-Abbrev} ${binary:Package}\n' |
		awk -v native=":$native_arch" '$1 ~ /^[ih]i/ { sub(native "$", "", $2); print $2 }' |
		sort >"$work/pkgs.$1"
	chroot "$root" apt-mark showmanual | sort >"$work/manual.$1"
}
# installed FROM TO TITLE: what came between two snapshots.
installed() {
	local all req
	all=$(comm -13 "$work/pkgs.$1" "$work/pkgs.$2")
	req=$(comm -13 "$work/manual.$1" "$work/manual.$2")
	echo "== installed by $3: $(echo "$req" | grep -c .) requested, $(echo "$all" | grep -c .) with dependencies"
	[ -n "$req" ] && echo "$req" | tr '\n' ' ' | fold -s -w 100 | sed 's/^/   requested: /'
	echo
	return 0
}
native_arch=$(dpkg --print-architecture)
times=()
t_all=$(now)

# --- debootstrap ------------------------------------------------------------------
if ! command -v debootstrap >/dev/null; then
	say "installing debootstrap on this host (the one package fresh-check needs)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=600 update -qq || say "apt-get update reported errors (continuing)"
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends debootstrap ||
		die "could not install debootstrap"
fi
t0=$(now)
say "debootstrap --variant=minbase $SUITE $root $mirror (log: $work/debootstrap.log)"
# Its own process group, in the background: a signal to us ends all of it.
setsid debootstrap --variant=minbase "$SUITE" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 &
bg_pid=$!
if ! wait "$bg_pid"; then
	tail -n 30 "$work/debootstrap.log" >&2
	final="FAIL at debootstrap"
	die "debootstrap failed"
fi
bg_pid=""
times+=("debootstrap $(dur $(($(now) - t0)))")
say "debootstrap took $(dur $(($(now) - t0)))"

# apt's Debian sources of this machine, its proxy if any, and DNS.
printf 'deb %s\n' "${entries[@]}" >"$root/etc/apt/sources.list"
say "apt sources in the root:"
sed 's/^/  /' "$root/etc/apt/sources.list"
apt-config dump | grep -E '^Acquire::[a-z]+::Proxy ' >"$root/etc/apt/apt.conf.d/01proxy" || rm -f "$root/etc/apt/apt.conf.d/01proxy"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
# No daemon a package brings may start from the root on this host.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"

mount_in /dev /dev --rbind
mount --make-rslave "$root/dev"
mount_in proc /proc -t proc
mount_in /sys /sys --rbind
mount --make-rslave "$root/sys"
[ -c "$root/dev/kvm" ] || say "warning: no /dev/kvm in the root: the guest tests cannot run"

snapshot minbase
say "minbase: $(wc -l <"$work/pkgs.minbase") packages"

# --- bootstrap packages and the clone ----------------------------------------------------
t0=$(now)
say "bootstrap packages (what the README's commands presuppose): $BOOTSTRAP_PKGS"
in_root apt-get -o DPkg::Lock::Timeout=600 update -qq ||
	{ final="FAIL at bootstrap (apt-get update)"; die "apt-get update in the root failed"; }
# shellcheck disable=SC2086
in_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
	--no-install-recommends $BOOTSTRAP_PKGS >/dev/null ||
	{ final="FAIL at bootstrap (apt-get install)"; die "installing $BOOTSTRAP_PKGS failed"; }
snapshot bootstrap

# The repository read-only in the root for the clone only; HEAD, by hash.
mount_in "$gitdir" /mnt/ipivirt-origin.git --bind
mount -o remount,bind,ro "$root/mnt/ipivirt-origin.git"
# A repository owned by another user than root is still cloned.
printf '[safe]\n\tdirectory = *\n' >"$work/gitconfig"
cp "$work/gitconfig" "$root/tmp/fresh-check.gitconfig"
if ! in_root env GIT_CONFIG_GLOBAL=/tmp/fresh-check.gitconfig git clone -q --no-checkout \
	file:///mnt/ipivirt-origin.git /root/ipivirt; then
	final="FAIL at the clone"
	die "git clone of $gitdir in the root failed"
fi
in_root git -C /root/ipivirt checkout -q --detach "$head" || die "git checkout $head failed"
rm -f "$root/tmp/fresh-check.gitconfig"
umount "$root/mnt/ipivirt-origin.git" && unset 'mounts[-1]'
[ "$(in_root git -C /root/ipivirt rev-parse HEAD)" = "$head" ] || die "the clone is not at $head"
times+=("bootstrap+clone $(dur $(($(now) - t0)))")
say "cloned $head into /root/ipivirt"

# --- the steps ----------------------------------------------------------------------
prev=bootstrap
for s in "${step_list[@]}"; do
	case "$s" in
	run) cmd="make run" ;;
	test) cmd="CI=true make test" ;;
	esac
	say "=== $cmd (in the root, as root, in /root/ipivirt)"
	t0=$(now)
	rc=0
	in_root /bin/bash -c "cd /root/ipivirt && $cmd" || rc=$?
	times+=("make $s $(dur $(($(now) - t0)))")
	snapshot "$s"
	say "=== $cmd: exit $rc after $(dur $(($(now) - t0)))"
	if [ "$rc" -ne 0 ]; then
		installed "$prev" "$s" "make $s"
		final="FAIL at '$cmd' (exit $rc)"
		status=$rc
		exit "$rc"
	fi
	prev=$s
done

# --- report ---------------------------------------------------------------------------
echo
echo "== minbase: $(wc -l <"$work/pkgs.minbase") packages"
installed minbase bootstrap "bootstrap (before the clone)"
prev=bootstrap
for s in "${step_list[@]}"; do
	installed "$prev" "$s" "make $s"
	prev=$s
done
echo "== all packages make ${steps//,/ and make } installed beyond minbase and bootstrap:"
comm -13 "$work/pkgs.bootstrap" "$work/pkgs.$prev" | tr '\n' ' ' | fold -s -w 100 | sed 's/^/   /'
echo
echo "== wall time: ${times[*]/%/;} total $(dur $(($(now) - t_all)))"
status=0
final="PASS (steps $steps on a fresh $SUITE minbase, HEAD ${head:0:12})"
