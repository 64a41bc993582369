#!/bin/sh
# SPDX-License-Identifier: MIT
# make-seeds.sh - (re)generate the seed corpora in tests/fuzz/corpus/<target>/.
#
#   tests/fuzz/make-seeds.sh [guest-tests/build]
#
# Seeds are small programs in each target's input format (see the comment
# at the top of each fuzz_*.c) that replay the unit tests' scenarios, plus,
# for the loader, synthetic images of every format and the headers (first
# 8 KiB) of the built guest kernels when guest-tests/build exists.
set -eu
cd "$(dirname "$0")"
GUEST=${1:-../../guest-tests/build}
exec python3 - "$GUEST" <<'EOF'
import os, struct, sys, gzip, shutil, subprocess, tempfile

guest = sys.argv[1]

def put(target, name, data):
    d = os.path.join("corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

u8 = lambda v: struct.pack("<B", v & 0xff)
u16 = lambda v: struct.pack("<H", v & 0xffff)
u32 = lambda v: struct.pack("<I", v & 0xffffffff)
u64 = lambda v: struct.pack("<Q", v & 0xffffffffffffffff)

# ---- fuzz_apic: op, cpu, operands (fuzz_apic.c) ----
def a_setup(cpu, tpr=0): return u8(15) + u8(cpu) + u8(tpr)
def a_reg(cpu, off, v): return u8(2) + u8(cpu) + u8(off >> 4) + u32(v)
def a_icr(cpu, lo, hi): return u8(13) + u8(cpu) + u32(lo) + u32(hi)
def a_ack(cpu): return u8(7) + u8(cpu)
def a_eoi(cpu): return u8(8) + u8(cpu)
def a_base(cpu, k): return u8(5) + u8(cpu) + u8(k)
def a_clock(d): return u8(11) + u8(0) + u32(d) + u8(0)
def a_timer(cpu): return u8(10) + u8(cpu)
def a_events(cpu): return u8(9) + u8(cpu)
def a_deliver(cpu, mode, vec): return u8(6) + u8(cpu) + u8(mode) + u8(vec)
def a_msr_w(cpu, msr, v):  # pick_msr kind 3: raw index; 64-bit value
    return u8(4) + u8(cpu) + u8(3) + u32(msr) + u8(1) + u64(v)

put("fuzz_apic", "xapic-fixed-ipi",
    u8(0) + a_setup(0) + a_setup(1) + a_icr(0, 0x40, 1 << 24) + a_ack(1) +
    a_eoi(1) + a_ack(1))
put("fuzz_apic", "x2apic-ipi-broadcast",
    u8(2) + a_setup(0) + a_setup(1) + a_setup(2) + a_setup(3) +
    a_base(0, 3) + a_base(1, 3) + a_icr(0, 0x80051, 0) + a_ack(1) +
    a_ack(2) + a_eoi(2) + a_icr(1, 0x4031, 0xffffffff) + a_ack(0))
put("fuzz_apic", "init-sipi",
    u8(1) + a_setup(0) + a_icr(0, 0xc4500, 0) + a_events(1) +
    a_icr(0, 0xc4608, 0) + a_events(1) + a_events(2) +
    a_icr(0, 0x400, 1 << 24) + a_events(1))
put("fuzz_apic", "timer-oneshot-periodic",
    u8(0) + a_setup(0) + a_reg(0, 0x3e0, 0xb) + a_reg(0, 0x320, 0x30) +
    a_reg(0, 0x380, 1000) + a_clock(2000) + a_timer(0) + a_ack(0) +
    a_eoi(0) + a_reg(0, 0x320, 0x20031) + a_reg(0, 0x380, 500) +
    a_clock(1200) + a_timer(0) + a_ack(0))
put("fuzz_apic", "tsc-deadline",
    u8(0) + a_setup(0) + a_reg(0, 0x320, 0x40035) +
    a_msr_w(0, 0x6e0, 4000000) + a_clock(3000000) + a_timer(0) + a_ack(0))
put("fuzz_apic", "tpr-priority",
    u8(0) + a_setup(0, 0x50) + a_deliver(0, 0, 0x45) + a_deliver(0, 0, 0x61) +
    a_deliver(0, 0x80, 0x92) + a_ack(0) + a_ack(0) + a_eoi(0) + a_ack(0) +
    a_deliver(0, 0, 5) + a_reg(0, 0x280, 0))
put("fuzz_apic", "logical-cluster-lowest",
    u8(1) + a_setup(0) + a_setup(1) + a_setup(2) + a_reg(0, 0xe0, 0x0fffffff) +
    a_reg(1, 0xd0, 0x11000000) + a_reg(2, 0xd0, 0x12000000) +
    a_reg(0, 0xd0, 0x01000000) + a_icr(0, 0x940, 0x13000000) + a_ack(1) +
    a_ack(2))

# The same scenarios through the VMM's router (vmm/apic_ipi.c): bit 6.
for name in ("xapic-fixed-ipi", "x2apic-ipi-broadcast", "init-sipi",
             "logical-cluster-lowest"):
    with open(os.path.join("corpus", "fuzz_apic", name), "rb") as f:
        d = f.read()
    put("fuzz_apic", "router-" + name, bytes([d[0] | 0x40]) + d[1:])

# ---- fuzz_xive: op, len, operands (fuzz_xive.c) ----
H_SET_SOURCE = 1; H_SET_QUEUE = 4; H_RESET = 10; H_GET_QUEUE = 5
def x_small(v): return u8((v << 3) | 0)       # pick_arg kind 0
def x_bit(n): return u8(4) + u8(n)            # XIVE_PPC_BIT(n)
def x_page(pg): return u8(3) + u16(pg)        # FAKE_RAM_BASE + pg * 4K
def x_shift(s): return u8(5 | ((s - 12) << 3))
def x_hcall(cpu, idx, args):
    return u8(0) + u8(0) + u8(cpu) + u8(idx) + b"".join(args)
def x_queue(server, prio, pg, shift):
    return x_hcall(0, H_SET_QUEUE, [x_bit(63), x_small(server),
                                    x_small(prio), x_page(pg), x_shift(shift)])
def x_route(lisn, server, prio, eisn):
    return x_hcall(0, H_SET_SOURCE, [x_bit(62), x_small(lisn),
                                     x_small(server), x_small(prio),
                                     x_small(eisn)])
def x_trigger(l): return u8(8) + u8(1) + u8(l)
def x_level(l, lvl): return u8(8) + u8(2 if lvl else 0) + u8(l)
def x_cppr(cpu, c): return u8(7) + u8(0) + u8(cpu) + u8(c)
def x_ack(cpu): return u8(7) + u8(1) + u8(cpu)
def x_esb(read, lisn, sub, shiftsel):
    # offset = (lisn << shift) + (sub << 4) % (1 << shift)
    return u8(3 if read else 4) + u8(0) + u8(lisn) + u16(sub) + u8(0)

for hdr, name in ((0x0d, "ipi-4k2page-2cpu"), (0x0e, "ipi-64k-3cpu"),
                  (0x0f, "ipi-64k2page-4cpu")):
    put("fuzz_xive", name,
        u8(hdr) + x_queue(0, 6, 0x10, 16) + x_queue(1, 6, 0x20, 12) +
        x_route(0, 0, 6, 0) + x_route(1, 1, 6, 1) + x_cppr(0, 0xff) +
        x_cppr(1, 0xff) + x_esb(True, 0, 0x10c0, 0) + x_esb(True, 1, 0x10c0, 0) +
        x_trigger(0) + x_trigger(1) + x_ack(0) + x_ack(1) + x_trigger(1) +
        x_trigger(1) + x_hcall(0, H_GET_QUEUE, [x_bit(63), x_small(1),
                                               x_small(6), x_small(0),
                                               x_small(0)]))
put("fuzz_xive", "lsi-level",
    u8(0x0c) + x_queue(0, 5, 0x10, 12) + x_route(5, 0, 5, 9) +
    x_cppr(0, 0xff) + x_level(5, 1) + x_ack(0) + x_level(5, 0) +
    x_level(5, 1) + x_hcall(0, H_RESET, [x_small(0)] * 5) + x_trigger(5))
put("fuzz_xive", "queue-wrap",
    u8(0x0c) + x_queue(0, 7, 0x10, 12) + x_route(4, 0, 7, 3) +
    x_cppr(0, 0xff) + (x_trigger(4) + x_esb(True, 4, 0x10c0, 0)) * 40)
put("fuzz_xive", "wait-for-cas", u8(0x2c) + x_trigger(0) +
    x_queue(0, 6, 0x10, 12) + u8(10) + u8(2) + x_queue(0, 6, 0x10, 12))

# ---- fuzz_cli: mode byte, NUL-separated strings (fuzz_cli.c) ----
def cli(mode, *args): return u8(mode) + b"\0".join(a.encode() for a in args)
put("fuzz_cli", "run-full", cli(0, "--kernel", "guest.elf", "--cpus", "4",
    "--mem", "256M", "--append", "console=ttyS0", "--initrd", "rd.img",
    "--xapic", "--stats", "--timeout", "60", "--ipi-yield", "off",
    "--irqchip", "xive", "--compat", "emulated-kvm", "--trace", "t.txt"))
put("fuzz_cli", "run-eq", cli(0, "--kernel=k", "--cpus=256", "--mem=1G",
    "--x2apic", "--compat=auto", "--irqchip=apic"))
put("fuzz_cli", "inject", cli(0, "--kernel", "k", "--cpus", "4", "--inject",
    "kick-delay=0.5:200,kick-drop=0.25:10", "--inject", "stall=1:700:500",
    "--inject-seed", "7", "--seccomp", "log"))
put("fuzz_cli", "inject-eq", cli(0, "--kernel=k", "--inject=kick-drop=1",
    "--seccomp=off", "--inject=stall=9:0:0"))
put("fuzz_cli", "bad-cluster", cli(0, "--kernel", "k", "-xyz"))
put("fuzz_cli", "missing-value", cli(0, "--kernel", "k", "--cpus"))
put("fuzz_cli", "ambiguous", cli(0, "--x", "--kernel", "k", "extra"))
put("fuzz_cli", "help", cli(1, "--help"))
put("fuzz_cli", "version", cli(1, "--version"))
put("fuzz_cli", "bad-command", cli(1, "runx", "--kernel", "k"))
put("fuzz_cli", "sizes", cli(2, "256M", "1G", "65536K", "512", "4GiB", "1KB",
    "18446744073709551615", "17592186044416G", "-1", "+2", "", "0x10", "9Mb"))

# ---- fuzz_loader: the image itself ----
PAGE = 0x1000
def elf64(segs, entry, machine=62, notes=b""):
    # segs: list of (paddr, data, memsz); one PT_NOTE when notes given
    nph = len(segs) + (1 if notes else 0)
    off = 64 + 56 * nph
    body = b""; ph = b""
    if notes:
        ph += struct.pack("<IIQQQQQQ", 4, 4, off, 0, 0, len(notes),
                          len(notes), 4)
        body += notes; off += len(notes)
    for paddr, data, memsz in segs:
        ph += struct.pack("<IIQQQQQQ", 1, 5, off, paddr, paddr, len(data),
                          memsz, PAGE)
        body += data; off += len(data)
    eh = (b"\x7fELF" + bytes([2, 1, 1]) + bytes(9) +
          struct.pack("<HHIQQQIHHHHHH", 2, machine, 1, entry, 64, 0, 0, 64,
                      56, nph, 64, 0, 0))
    return eh + ph + body

def elf32(segs, entry, pre=b""):
    nph = len(segs)
    off = 52 + 32 * nph
    body = pre; off += len(pre); ph = b""
    for paddr, data, memsz in segs:
        ph += struct.pack("<IIIIIIII", 1, off, paddr, paddr, len(data),
                          memsz, 5, PAGE)
        body += data; off += len(data)
    eh = (b"\x7fELF" + bytes([1, 1, 1]) + bytes(9) +
          struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, entry, 52, 0, 0, 52, 32,
                      nph, 40, 0, 0))
    return eh + ph + body

MB_MAGIC = 0x1badb002
def mb_header(flags, *addrs):
    return struct.pack("<III", MB_MAGIC, flags, (-(MB_MAGIC + flags)) & 0xffffffff) + \
        b"".join(u32(a) for a in addrs)

code = b"\xf4" * 16  # hlt
linux_note = struct.pack("<III", 6, 4, 1) + b"Linux\0\0\0" + u32(0)
xen_note = struct.pack("<III", 4, 4, 18) + b"Xen\0" + u32(0x1000000)

e64 = elf64([(0x100000, code, 0x2000)], 0x100000)
put("fuzz_loader", "elf64-min", e64)
put("fuzz_loader", "elf64-two-segs",
    elf64([(0x100000, code, 0x1000), (0x200000, code, 0x10000)], 0x200008))
put("fuzz_loader", "elf64-below-1m", elf64([(0x1000, code, 0x100)], 0x1000))
put("fuzz_loader", "elf64-huge-memsz",
    elf64([(0x100000, code, 1 << 40)], 0x100000))
put("fuzz_loader", "elf64-truncated", e64[:100])
put("fuzz_loader", "elf64-phnum-patched",
    e64[:56] + u16(0xffff) + e64[58:])
put("fuzz_loader", "elf32-multiboot",
    elf32([(0x100000, mb_header(0) + code, 0x1000)], 0x10000c))
put("fuzz_loader", "elf32-no-multiboot",
    elf32([(0x100000, code, 0x1000)], 0x100000))
aout = mb_header(1 << 16, 0x100000, 0x100000, 0, 0x104000, 0x100020) + code
put("fuzz_loader", "multiboot-aout-kludge", aout + bytes(64))
put("fuzz_loader", "multiboot-aout-bad-addr",
    mb_header(1 << 16, 0x0ff000, 0x100000, 0, 0, 0x100020) + code)
vml = elf64([(0x1000000, code, 0x1000)], 0x1000000, notes=linux_note)
put("fuzz_loader", "vmlinux-linux-note", vml)
put("fuzz_loader", "vmlinux-xen-note",
    elf64([(0x1000000, code, 0x1000)], 0x1000000, notes=xen_note))

def bzimage(payload, setup_sects=1, version=0x20f, loadflags=1, xlf=1):
    hdr = bytearray(512 * (setup_sects + 1))
    hdr[0x1f1] = setup_sects
    hdr[0x1fe:0x200] = u16(0xaa55)
    hdr[0x200] = 0xeb; hdr[0x201] = 0x66     # jmp: header ends at 0x268
    hdr[0x202:0x206] = b"HdrS"
    hdr[0x206:0x208] = u16(version)
    hdr[0x211] = loadflags
    hdr[0x236:0x238] = u16(xlf)
    hdr[0x248:0x24c] = u32(0)                # payload right after setup
    hdr[0x24c:0x250] = u32(len(payload))
    return bytes(hdr) + payload

gz = gzip.compress(vml, mtime=0) + u32(len(vml))
put("fuzz_loader", "bzimage-gzip", bzimage(gz))
put("fuzz_loader", "bzimage-old-protocol", bzimage(gz, version=0x206))
put("fuzz_loader", "bzimage-bad-size", bzimage(gz[:-4] + u32(0x7fffffff)))
put("fuzz_loader", "bzimage-no-64bit", bzimage(gz, xlf=0))
for tool, ext in (("xz", "xz"), ("zstd", "zst")):
    exe = shutil.which(tool)
    if not exe:
        continue
    args = [exe, "-c", "--check=crc32"] if tool == "xz" else [exe, "-q", "-c"]
    out = subprocess.run(args, input=vml, stdout=subprocess.PIPE,
                         check=True).stdout
    put("fuzz_loader", "bzimage-" + tool, bzimage(out + u32(len(vml))))

# The built guest kernels: headers only (8 KiB covers ELF and program
# headers and the multiboot header), i.e. truncated real images.
for k in ("smp.elf", "smp.flat"):
    p = os.path.join(guest, k)
    if os.path.exists(p):
        with open(p, "rb") as f:
            put("fuzz_loader", "guest-" + k.replace(".", "-") + "-head",
                f.read(8192))
EOF
