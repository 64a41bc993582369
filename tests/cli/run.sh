#!/bin/bash
# Bad command lines and malformed kernel images: each must give one line on
# stderr naming the problem and exit status 2 (1 where the host's limit, not
# the command line, is at fault) — never a crash or a hang.
#
# The malformed images are made first (python3, from the test group of
# tools/deps/packages); if any cannot be made, the script stops at once.
# A case's PATTERN is matched against the message with the case's file
# names cut out, so a file name can never satisfy it.
set -u
BIN=${1:?usage: tests/cli/run.sh IPIVIRT [GOOD_ELF]}
GOOD=${2:-guest-tests/build/smp.elf}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# The one input that must not exist (the "cannot open" cases).
NONE=$TMP/no-such-file
pass=0
fail=0
# WRAP=(cmd ...): run the VMM under cmd (the file descriptor limit cases).
WRAP=()

die() {
	echo "cli-tests: ERROR: $*" >&2
	echo "cli tests: ABORTED (see the error above)"
	exit 1
}

# expect NAME STATUS PATTERN ARGS...: exit status and a one-line stderr.
expect() {
	local name=$1 want=$2 pattern=$3
	shift 3
	local err status lines msg prev="" a
	local -a msg_files=()
	# Inputs: each --kernel/--initrd file must be there ($NONE must not).
	for a in "$@"; do
		case "$prev" in
		--kernel | --initrd)
			if [ "$a" = "$NONE" ]; then
				[ ! -e "$a" ] || die "$name: $a exists"
			else
				[ -e "$a" ] || die "$name: input $a does not exist"
			fi
			msg_files+=("$a")
			;;
		esac
		prev=$a
	done
	err=$(timeout 20 "${WRAP[@]}" "$BIN" "$@" 2>&1 >/dev/null </dev/null)
	status=$?
	lines=$(printf '%s' "$err" | grep -c .)
	# The message without the file names in it.
	msg=$err
	for a in "${msg_files[@]}"; do msg=${msg//"$a"/FILE}; done
	if [ "$status" -eq "$want" ] && { [ "$want" -eq 0 ] || [ "$lines" -eq 1 ]; } && { [ -z "$pattern" ] ||
		printf "%s" "$msg" | grep -qE -- "$pattern"; }; then
		pass=$((pass + 1))
		echo "PASS: $name (exit $status) ${err:+: $err}"
	else
		fail=$((fail + 1))
		echo "FAIL: $name: exit $status (want $want), stderr: $err"
	fi
}

# --- fixtures: all made before any case; any failure stops the script ---------
[ -x "$BIN" ] || die "no executable $BIN"
[ -f "$GOOD" ] || die "no $GOOD (make guest-tests)"
command -v python3 >/dev/null || die "python3 makes the fixtures: not found (tools/ensure-deps.sh test)"
: >"$TMP/empty" || die "cannot write $TMP/empty"
{ head -c 4096 /dev/urandom | tr '\177' 'x' >"$TMP/garbage" &&
	printf 'GARB' | dd of="$TMP/garbage" conv=notrunc status=none; } ||
	die "could not make $TMP/garbage"
head -c $((20 << 20)) /dev/zero >"$TMP/bigrd" || die "could not make $TMP/bigrd"
python3 - "$GOOD" "$TMP" <<'PY' || die "python3 could not make the ELF and multiboot fixtures"
import struct, sys
good, tmp = sys.argv[1], sys.argv[2]
img = open(good, 'rb').read()
open(tmp + '/trunc', 'wb').write(img[:40])
b = bytearray(img); b[18:20] = struct.pack('<H', 40)   # EM_ARM
open(tmp + '/arm', 'wb').write(b)
b = bytearray(img); b[32:40] = struct.pack('<Q', 1 << 40)  # e_phoff far away
open(tmp + '/phoff', 'wb').write(b)
b = bytearray(img); b[5] = 2                            # big-endian
open(tmp + '/bigendian', 'wb').write(b)
# A minimal ELF64 whose one segment wants 1 GiB at 1 MiB.
eh = b'\x7fELF' + bytes([2, 1, 1]) + bytes(9)
eh += struct.pack('<HHIQQQIHHHHHH', 2, 62, 1, 0x100000, 64, 0, 0, 64, 56, 1, 0, 0, 0)
ph = struct.pack('<IIQQQQQQ', 1, 7, 0, 0x100000, 0x100000, 120, 1 << 30, 0x1000)
open(tmp + '/huge', 'wb').write(eh + ph)
# Segment file size beyond the file.
ph = struct.pack('<IIQQQQQQ', 1, 7, 0, 0x100000, 0x100000, 1 << 20, 1 << 20, 0x1000)
open(tmp + '/shortfile', 'wb').write(eh + ph)
# Segment below 1 MiB.
ph = struct.pack('<IIQQQQQQ', 1, 7, 0, 0x1000, 0x1000, 120, 120, 0x1000)
eh_low = eh[:24] + struct.pack('<Q', 0x1000) + eh[32:]
open(tmp + '/low', 'wb').write(eh_low + ph)
# Entry point outside the image.
eh_far = eh[:24] + struct.pack('<Q', 0x900000) + eh[32:]
ph = struct.pack('<IIQQQQQQ', 1, 7, 0, 0x100000, 0x100000, 120, 120, 0x1000)
open(tmp + '/entry', 'wb').write(eh_far + ph)
# ELF32 without a multiboot header.
e32 = b'\x7fELF' + bytes([1, 1, 1]) + bytes(9)
e32 += struct.pack('<HHIIIIIHHHHHH', 2, 3, 1, 0x100000, 52, 0, 0, 52, 32, 1, 0, 0, 0)
e32 += struct.pack('<IIIIIIII', 1, 0, 0x100000, 0x100000, 84, 84, 7, 0x1000)
open(tmp + '/elf32', 'wb').write(e32)
# Multiboot a.out kludge with inconsistent addresses.
mb = struct.pack('<III', 0x1badb002, 1 << 16, (-(0x1badb002 + (1 << 16))) & 0xffffffff)
mb += struct.pack('<IIIII', 0x100000, 0x200000, 0x100100, 0x100100, 0x100000)
open(tmp + '/aout', 'wb').write(mb + bytes(256))
PY
python3 - "$TMP" <<'PY' || die "python3 could not make the bzImage fixtures"
import gzip, lzma, struct, sys
tmp = sys.argv[1]
def bzimage(payload, version=0x020f, xlf=1, poff=0, plen=None, loadflags=1):
    """A bzImage setup header (1 setup sector) and a payload after it."""
    img = bytearray(1024)
    img[0x1f1] = 1
    img[0x1fe:0x200] = b'\x55\xaa'
    img[0x200:0x202] = b'\xeb\x6a'
    img[0x202:0x206] = b'HdrS'
    struct.pack_into('<H', img, 0x206, version)
    img[0x211] = loadflags
    struct.pack_into('<H', img, 0x236, xlf)
    struct.pack_into('<II', img, 0x248, poff, len(payload) if plen is None else plen)
    return bytes(img) + payload
def sized(comp, data):
    return comp + struct.pack('<I', len(data))
notelf = b'this is not an ELF vmlinux at all' * 4
good = sized(lzma.compress(notelf, format=lzma.FORMAT_XZ), notelf)
files = {
    'bz-old': bzimage(good, version=0x0206),
    'bz-32bit': bzimage(good, xlf=0),
    'bz-zimage': bzimage(good, loadflags=0),
    'bz-outside': bzimage(good, plen=1 << 20),
    'bz-truncated': bzimage(good)[:0x240],
    'bz-bzip2': bzimage(sized(b'BZh91AY&SY' + bytes(40), notelf)),
    'bz-corrupt-xz': bzimage(sized(lzma.compress(notelf, format=lzma.FORMAT_XZ)[:30] + bytes(30), notelf)),
    'bz-bad-size': bzimage(lzma.compress(notelf, format=lzma.FORMAT_XZ) + struct.pack('<I', 0xffffffff)),
    'bz-notelf': bzimage(good),
    'bz-gzip-notelf': bzimage(sized(gzip.compress(notelf), notelf)),
}
# A vmlinux-like ELF64 (a "Linux" note) whose segment needs 1 GiB.
eh = b'\x7fELF' + bytes([2, 1, 1]) + bytes(9)
eh += struct.pack('<HHIQQQIHHHHHH', 2, 62, 1, 0x1000000, 64, 0, 0, 64, 56, 2, 0, 0, 0)
note = struct.pack('<III', 6, 4, 0x100) + b'Linux\0\0\0' + bytes(4)
load = struct.pack('<IIQQQQQQ', 1, 7, 0, 0x1000000, 0x1000000, 64, 1 << 30, 0x1000)
pnote = struct.pack('<IIQQQQQQ', 4, 4, 64 + 2 * 56, 0, 0, len(note), len(note), 4)
files['vmlinux-huge'] = eh + load + pnote + note
files['bz-vmlinux-huge'] = bzimage(sized(lzma.compress(files['vmlinux-huge'], format=lzma.FORMAT_XZ), files['vmlinux-huge']))
import shutil, subprocess
if shutil.which('zstd'):
    z = subprocess.run(['zstd', '-q', '-c'], input=notelf, capture_output=True, check=True).stdout
    files['bz-zstd-notelf'] = bzimage(sized(z, notelf))
for name, data in files.items():
    open(tmp + '/' + name, 'wb').write(data)
PY
# The zstd fixture needs the zstd tool (test group); without it that one case
# is skipped, loudly, and under CI=true that is an error.
if ! command -v zstd >/dev/null; then
	[ "${CI:-}" != true ] || die "zstd not found, and CI=true (tools/ensure-deps.sh test)"
	echo "### SKIPPED: bzImage payload not ELF (zstd): no zstd tool ###"
fi
for f in empty garbage bigrd trunc arm phoff bigendian huge shortfile low entry elf32 aout \
	bz-old bz-32bit bz-zimage bz-outside bz-truncated bz-bzip2 bz-corrupt-xz bz-bad-size \
	bz-notelf bz-gzip-notelf vmlinux-huge bz-vmlinux-huge $(command -v zstd >/dev/null && echo bz-zstd-notelf); do
	[ -f "$TMP/$f" ] || die "fixture $TMP/$f was not made"
	[ "$f" = empty ] || [ -s "$TMP/$f" ] || die "fixture $TMP/$f is empty"
done

k=(run --kernel "$GOOD")
expect "no arguments" 2 "missing command"
expect "unknown command" 2 "unknown command" frobnicate
expect "run without kernel" 2 "--kernel FILE is required" run
expect "cpus zero" 2 "--cpus" "${k[@]}" --cpus 0
expect "cpus beyond unsigned" 2 "--cpus: '4294967296' is not a number" "${k[@]}" --cpus 4294967296
# An xAPIC names 255 CPUs at most (IDs 0-254): refused before KVM is asked.
expect "cpus too many for xapic" 2 "--cpus 256 with --xapic: xAPIC IDs stop at 254" "${k[@]}" --xapic --cpus 256
# Above ipivirt's own limit (1024): refused by the command line. A host
# whose KVM runs fewer (KVM_CAP_MAX_VCPUS) is refused when the VM opens,
# naming that limit; on this host both limits are 1024.
expect "cpus above ipivirt's limit" 2 "^ipivirt: --cpus: '100000' is not a number from 1 to 1024$" "${k[@]}" --cpus 100000
expect "cpus above the limit" 2 "^ipivirt: --cpus: '1025' is not a number from 1 to 1024$" "${k[@]}" --cpus 1025
if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	# Two descriptors per vCPU: a soft RLIMIT_NOFILE too low is raised to
	# the hard one; a hard one too low is a clear error (status 1: the
	# host's limit, not the command line).
	WRAP=(bash -c 'ulimit -n 200 && exec "$@"' nofile)
	expect "cpus over the hard fd limit" 1 "--cpus 100 needs about 264 file descriptors \\(2 per vCPU\\), but RLIMIT_NOFILE allows 200" "${k[@]}" --cpus 100
	WRAP=(bash -c 'ulimit -Sn 64 && exec "$@"' nofile)
	expect "cpus over the soft fd limit" 0 "" "${k[@]}" --cpus 100
	WRAP=()
fi
expect "cpus not a number" 2 "--cpus" "${k[@]}" --cpus four
expect "cpus negative" 2 "--cpus" "${k[@]}" --cpus -1
expect "cpus trailing junk" 2 "--cpus" "${k[@]}" --cpus 4x
expect "cpus missing value" 2 "needs a value" run --kernel "$GOOD" --cpus
expect "mem too small" 2 "--mem" "${k[@]}" --mem 1M
expect "mem too large" 2 "--mem" "${k[@]}" --mem 64G
expect "mem bad unit" 2 "--mem" "${k[@]}" --mem 12X
expect "mem overflow" 2 "--mem" "${k[@]}" --mem 99999999999999999999G
expect "mem not MiB multiple" 2 "--mem" "${k[@]}" --mem 20000K
expect "timeout zero" 2 "--timeout" "${k[@]}" --timeout 0
expect "unknown option" 2 "unknown option" "${k[@]}" --frob
expect "stray argument" 2 "unexpected argument" "${k[@]}" extra
expect "missing kernel file" 2 "cannot open" run --kernel "$NONE"
expect "kernel is a directory" 2 "not a regular file" run --kernel "$TMP"
expect "empty kernel" 2 "too small" run --kernel "$TMP/empty"
expect "garbage kernel" 2 "not an ELF or multiboot" run --kernel "$TMP/garbage"

expect "truncated ELF" 2 "truncated ELF64 header|program header" run --kernel "$TMP/trunc"
expect "ELF for another machine" 2 "not for x86-64" run --kernel "$TMP/arm"
expect "ELF program headers outside the file" 2 "program header table" run --kernel "$TMP/phoff"
expect "big-endian ELF" 2 "little-endian" run --kernel "$TMP/bigendian"
expect "segment larger than memory" 2 "does not fit" run --mem 64M --kernel "$TMP/huge"
expect "segment past end of file" 2 "past the end of the file" run --kernel "$TMP/shortfile"
expect "segment below 1 MiB" 2 "below 1 MiB" run --kernel "$TMP/low"
expect "entry outside image" 2 "entry point" run --kernel "$TMP/entry"
expect "ELF32 without multiboot" 2 "without a multiboot header" run --kernel "$TMP/elf32"
expect "bad multiboot a.out addresses" 2 "inconsistent" run --kernel "$TMP/aout"
expect "bzImage protocol too old" 2 "too old" run --kernel "$TMP/bz-old"
expect "bzImage without 64-bit entry" 2 "no 64-bit entry" run --kernel "$TMP/bz-32bit"
expect "zImage (not loaded high)" 2 "zImage" run --kernel "$TMP/bz-zimage"
expect "bzImage payload outside the file" 2 "outside" run --kernel "$TMP/bz-outside"
expect "bzImage truncated header" 2 "truncated bzImage" run --kernel "$TMP/bz-truncated"
expect "bzImage bzip2 payload" 2 "not supported" run --kernel "$TMP/bz-bzip2"
expect "bzImage corrupt xz payload" 2 "corrupt" run --kernel "$TMP/bz-corrupt-xz"
expect "bzImage bad decompressed size" 2 "bad decompressed size" run --kernel "$TMP/bz-bad-size"
expect "bzImage payload not ELF (xz)" 2 "does not hold an ELF64" run --kernel "$TMP/bz-notelf"
expect "bzImage payload not ELF (gzip)" 2 "does not hold an ELF64" run --kernel "$TMP/bz-gzip-notelf"
if [ -f "$TMP/bz-zstd-notelf" ]; then
	expect "bzImage payload not ELF (zstd)" 2 "does not hold an ELF64" run --kernel "$TMP/bz-zstd-notelf"
fi
expect "vmlinux too large" 2 "vmlinux: .*does not fit" run --mem 64M --kernel "$TMP/vmlinux-huge"
expect "bzImage vmlinux too large" 2 "bzImage payload: .*does not fit" run --mem 64M --kernel "$TMP/bz-vmlinux-huge"
expect "compat bad value" 2 "--compat" "${k[@]}" --compat maybe
expect "inject unknown fault" 2 "--inject: unknown fault 'kick-lose=0.5'" "${k[@]}" --inject kick-lose=0.5
expect "inject empty" 2 "--inject: empty item" "${k[@]}" --inject ""
expect "inject empty item" 2 "--inject: empty item" "${k[@]}" --inject kick-drop=0.1,
expect "inject probability above 1" 2 "--inject: 'kick-delay=1.5:100' is not kick-delay=P:USEC" "${k[@]}" --inject kick-delay=1.5:100
expect "inject probability negative" 2 "--inject: 'kick-drop=-0.1'" "${k[@]}" --inject kick-drop=-0.1
expect "inject probability nan" 2 "--inject: 'kick-drop=nan'" "${k[@]}" --inject kick-drop=nan
expect "inject delay without usec" 2 "kick-delay=P:USEC" "${k[@]}" --inject kick-delay=0.5
expect "inject delay zero usec" 2 "kick-delay=P:USEC" "${k[@]}" --inject kick-delay=0.5:0
expect "inject delay trailing junk" 2 "kick-delay=P:USEC" "${k[@]}" --inject kick-delay=0.5:10us
expect "inject drop watchdog zero" 2 "kick-drop=P\\[:MS\\]" "${k[@]}" --inject kick-drop=0.5:0
expect "inject stall missing field" 2 "stall=CPU:AT_MS:FOR_MS" "${k[@]}" --inject stall=0:100
expect "inject stall zero length" 2 "stall=CPU:AT_MS:FOR_MS" "${k[@]}" --inject stall=0:100:0
expect "inject stall no such vcpu" 2 "there is no vCPU 2 \\(--cpus 2\\)" "${k[@]}" --cpus 2 --inject stall=2:100:100
expect "inject stall no such vcpu (cpus after)" 2 "there is no vCPU 4" "${k[@]}" --inject stall=4:100:100 --cpus 4
expect "inject too many stalls" 2 "more than 16 stalls" "${k[@]}" --inject "$(printf 'stall=0:1:1,%.0s' {1..16})stall=0:1:1"
expect "inject-seed not a number" 2 "--inject-seed" "${k[@]}" --inject-seed x
expect "inject-seed negative" 2 "--inject-seed" "${k[@]}" --inject-seed -3
expect "seccomp bad value" 2 "--seccomp: 'maybe' is not on, off or log" "${k[@]}" --seccomp maybe
expect "seccomp missing value" 2 "needs a value" "${k[@]}" --seccomp
expect "clock bad value" 2 "--clock: 'hpet' is not kvmclock, tsc-leaf or legacy" "${k[@]}" --clock hpet
expect "clock bad list item" 2 "--clock: 'legacy' is not kvmclock, tsc-leaf or legacy" "${k[@]}" --clock kvmclock,legacy
expect "clock empty item" 2 "--clock: '' is not" "${k[@]}" --clock kvmclock,
expect "clock empty" 2 "--clock: '' is not" "${k[@]}" --clock ""
expect "clock missing value" 2 "needs a value" "${k[@]}" --clock
expect "halt-poll bad value" 2 "--halt-poll: 'always' is not auto, off, adaptive or nanoseconds" "${k[@]}" --halt-poll always
expect "halt-poll zero" 2 "--halt-poll: '0' is not" "${k[@]}" --halt-poll 0
expect "halt-poll too long" 2 "--halt-poll: '1000001' is not" "${k[@]}" --halt-poll 1000001
expect "halt-poll trailing junk" 2 "--halt-poll: '50us' is not" "${k[@]}" --halt-poll 50us
expect "halt-poll missing value" 2 "needs a value" "${k[@]}" --halt-poll
expect "pv-eoi bad value" 2 "--pv-eoi: 'yes' is not on or off" "${k[@]}" --pv-eoi yes
expect "pv-eoi empty" 2 "--pv-eoi: '' is not on or off" "${k[@]}" --pv-eoi ""
expect "pv-eoi missing value" 2 "needs a value" "${k[@]}" --pv-eoi
expect "missing initrd" 2 "cannot open" "${k[@]}" --initrd "$NONE"
expect "initrd too large" 2 "does not fit" "${k[@]}" --mem 16M --initrd "$TMP/bigrd"
expect "help" 0 "" --help
expect "version" 0 "" --version

echo "cli tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
