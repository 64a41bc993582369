#!/bin/bash
# Bad command lines and malformed kernel images: each must give one line on
# stderr naming the problem and exit status 2 — never a crash or a hang.
set -u
BIN=${1:?usage: cli-tests.sh IPIVIRT [GOOD_ELF]}
GOOD=${2:-guest-tests/build/smp.elf}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0

# expect NAME STATUS PATTERN ARGS...: exit status and a one-line stderr.
expect() {
	local name=$1 want=$2 pattern=$3
	shift 3
	local err status lines
	err=$(timeout 20 "$BIN" "$@" 2>&1 >/dev/null </dev/null)
	status=$?
	lines=$(printf '%s' "$err" | grep -c .)
	if [ "$status" -eq "$want" ] && { [ "$want" -eq 0 ] || [ "$lines" -eq 1 ]; } && { [ -z "$pattern" ] ||
		printf "%s" "$err" | grep -qE -- "$pattern"; }; then
		pass=$((pass + 1))
		echo "PASS: $name (exit $status) ${err:+: $err}"
	else
		fail=$((fail + 1))
		echo "FAIL: $name: exit $status (want $want), stderr: $err"
	fi
}

k=(run --kernel "$GOOD")
expect "no arguments" 2 "missing command"
expect "unknown command" 2 "unknown command" frobnicate
expect "run without kernel" 2 "--kernel FILE is required" run
expect "cpus zero" 2 "--cpus" "${k[@]}" --cpus 0
expect "cpus too many" 2 "--cpus" "${k[@]}" --cpus 257
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
expect "missing kernel file" 2 "cannot open" run --kernel "$TMP/none"
expect "kernel is a directory" 2 "not a regular file" run --kernel "$TMP"
: >"$TMP/empty"
expect "empty kernel" 2 "too small" run --kernel "$TMP/empty"
head -c 4096 /dev/urandom | tr '\177' 'x' >"$TMP/garbage"
printf 'GARB' | dd of="$TMP/garbage" conv=notrunc status=none
expect "garbage kernel" 2 "not an ELF or multiboot" run --kernel "$TMP/garbage"

python3 - "$GOOD" "$TMP" <<'PY'
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
expect "missing initrd" 2 "cannot open" "${k[@]}" --initrd "$TMP/none"
head -c $((20 << 20)) /dev/zero >"$TMP/bigrd"
expect "initrd too large" 2 "does not fit" "${k[@]}" --mem 16M --initrd "$TMP/bigrd"
expect "help" 0 "" --help
expect "version" 0 "" --version

echo "cli tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
