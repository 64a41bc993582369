#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""normalize.py - turn a QEMU 7.2 XIVE trace (-trace 'xive_*' -trace
'spapr_xive_*', "log" backend, -D FILE or stderr) into the compact text
format of tests/xive-traces/README.md, which tools/xive-replay.c reads.

Two kinds of input:

  * a capture of tools/xive-trace/capture.sh: the trace taken with
    -msg timestamp=on (every line starts with QEMU's thread id) plus the
    console of the capture initramfs (its XIVECPU lines and dmesg dump):

      normalize.py --trace trace.log --console console.log \
                   --qemu "QEMU 7.2.22 ..." --cmd "qemu-system-ppc64 ..." \
                   --nr-irqs 0x2000 -o out.trace

  * a plain trace of any pseries guest (no -msg timestamp=on, no console,
    or a console without the capture initramfs' lines):

      normalize.py --trace trace.log -o out.trace [--cpus N] [--ram BYTES]

What it does:
  * attributes TIMA accesses and hcalls to a vCPU. With thread ids: with
    MTTCG every vCPU runs on its own thread, and the xive_tctx_set_cppr /
    xive_tctx_accept events (which only the vCPU itself causes, through
    its own TIMA) carry its cpu_index. Without them, from the trace itself
    (QEMU runs all XIVE work under its big lock, so an access and the
    events it causes are adjacent in the file): a TIMA store belongs to
    the target= of the xive_tctx_set_cppr (or xive_tctx_notify) right
    after it, a TIMA load to the xive_tctx_accept right before it. A TIMA
    access nothing ties to a vCPU gets '?' (the replay leaves it out; with
    QEMU 7.2 these are loads that change nothing); a hcall's vCPU is '?'
    (the model's answers do not depend on it);
  * folds an H_INT_ESB hcall and the ESB MMIO access QEMU makes for it into
    one hcall record whose return value is the value of that access (and
    whose return code is then H_SUCCESS: QEMU only accesses after its
    checks passed);
  * adds the hcall return codes and return values that the guest's XIVE
    driver logged (dyndbg on arch/powerpc/sysdev/xive/spapr.c; its error
    messages are always on), when the console has the capture initramfs'
    dmesg dump: QEMU's trace events carry neither. Otherwise they are '?',
    which the replay accepts and counts;
  * takes the vCPU -> interrupt server map from the console's XIVECPU
    lines, else from the trace (an xive_presenter_notify for NVT
    0x400+server followed by the xive_tctx_notify of cpu_index), else
    server = vCPU index (QEMU's numbering under TCG), or from --servers.
"""
import argparse
import re
import sys

RAW = re.compile(r'^(\d+)@(\d+\.\d+):(\w+) (.*)$')
# A plain trace: no thread id / timestamp prefix, the event name first.
PLAIN = re.compile(r'^((?:spapr_)?xive_\w+)(?: (.*))?$')
KV = re.compile(r'(\w+)=(0x[0-9a-fA-F]+|-?\d+)')
NVT = re.compile(r'NVT (0x[0-9a-f]+)/(0x[0-9a-f]+) ring=(0x[0-9a-f]+)')
QEMU_NVT_BASE = 0x400   # hw/intc/spapr_xive.c: NVT index = 0x400 + server

HCALLS = {
    'spapr_xive_get_source_info': 'GET_SOURCE_INFO',
    'spapr_xive_set_source_config': 'SET_SOURCE_CONFIG',
    'spapr_xive_get_source_config': 'GET_SOURCE_CONFIG',
    'spapr_xive_get_queue_info': 'GET_QUEUE_INFO',
    'spapr_xive_set_queue_config': 'SET_QUEUE_CONFIG',
    'spapr_xive_get_queue_config': 'GET_QUEUE_CONFIG',
    'spapr_xive_set_os_reporting_line': 'SET_OS_REPORTING_LINE',
    'spapr_xive_get_os_reporting_line': 'GET_OS_REPORTING_LINE',
    'spapr_xive_esb': 'ESB',
    'spapr_xive_sync': 'SYNC',
    'spapr_xive_reset': 'RESET',
}
# Hcalls whose Linux 6.1 wrapper (arch/powerpc/sysdev/xive/spapr.c) logs
# every failure with pr_err: no such line means H_SUCCESS.
ERR_LOGGED = {'GET_SOURCE_INFO', 'SET_SOURCE_CONFIG', 'GET_SOURCE_CONFIG',
              'GET_QUEUE_INFO', 'SET_QUEUE_CONFIG', 'ESB', 'SYNC', 'RESET'}
TCTX_EVENTS = ('xive_tctx_set_cppr', 'xive_tctx_accept', 'xive_tctx_notify')


def die(msg):
    sys.stderr.write('normalize: %s\n' % msg)
    sys.exit(1)


class Malformed(Exception):
    pass


def at_address(rest):
    """The @0x... address of an ESB or TIMA access event."""
    m = re.search(r'@(0x[0-9a-f]+)', rest)
    if not m:
        raise Malformed('no @address')
    return int(m.group(1), 16)


def kv(text):
    return {k: int(v, 0) for k, v in KV.findall(text)}


def field(a, key):
    if key not in a:
        raise Malformed('no %s=' % key)
    return a[key]


def target_of(rec):
    m = re.search(r'target=(\d+)', rec[3])
    if not m:
        raise Malformed('no target=')
    return int(m.group(1))


def parse_console(path):
    """Guest facts: cpu servers, the driver's hcall debug/error lines."""
    servers = []
    rets = {}   # key -> list of return tuples (in order)
    errs = {}   # key -> list of rc
    kernel = None
    dmesg = False
    have_dmesg = False
    pending_gsc = []
    with open(path, 'rb') as f:
        text = f.read().decode('utf-8', 'replace')
    for line in text.splitlines():
        line = line.replace('\r', '')
        m = re.search(r'XIVECPU \S+ reg=([0-9a-f]+)', line)
        if m:
            servers.append(int(m.group(1)[:8], 16))
            continue
        m = re.search(r'Linux version (\S+) .*(Debian \S+)', line)
        if m and not kernel:
            kernel = '%s (%s)' % (m.group(1), m.group(2))
        if 'XIVEDMESG-BEGIN' in line:
            dmesg = have_dmesg = True
            continue
        if 'XIVEDMESG-END' in line:
            dmesg = False
            continue
        if not dmesg or 'H_INT_' not in line:
            continue
        m = re.search(r'H_INT_GET_SOURCE_INFO lisn=(0x[0-9a-f]+) flags=(0x[0-9a-f]+) '
                      r'eoi=(0x[0-9a-f]+) trig=(0x[0-9a-f]+) shift=(0x[0-9a-f]+)', line)
        if m:
            v = [int(x, 16) for x in m.groups()]
            rets.setdefault(('GET_SOURCE_INFO', v[0]), []).append(v[1:])
            continue
        m = re.search(r'H_INT_GET_QUEUE_INFO cpu=(\d+) prio=(\d+) page=(0x[0-9a-f]+) '
                      r'size=(0x[0-9a-f]+)', line)
        if m:
            rets.setdefault(('GET_QUEUE_INFO', int(m.group(1)), int(m.group(2))),
                            []).append([int(m.group(3), 16), int(m.group(4), 16)])
            continue
        m = re.search(r'H_INT_GET_SOURCE_CONFIG flags=0x[0-9a-f]+ lisn=(0x[0-9a-f]+)', line)
        if m:
            pending_gsc.append(int(m.group(1), 16))
            continue
        m = re.search(r'H_INT_GET_SOURCE_CONFIG target=(-?\d+) prio=(-?\d+) sw_irq=(-?\d+)', line)
        if m and pending_gsc:
            lisn = pending_gsc.pop(0)
            rets.setdefault(('GET_SOURCE_CONFIG', lisn), []).append(
                [int(x) & (2**64 - 1) for x in m.groups()])
            continue
        # pr_err lines: "... failed %ld" / "... returned %ld"
        m = re.search(r'H_INT_(\w+) (.*) (?:failed|returned) (-?\d+)', line)
        if m:
            name, args, rc = m.group(1), kv(m.group(2)), int(m.group(3))
            if name in ('GET_SOURCE_INFO', 'GET_SOURCE_CONFIG', 'SYNC'):
                key = (name, args.get('lisn'))
            elif name == 'SET_SOURCE_CONFIG':
                key = (name, args.get('lisn'))
            elif name in ('GET_QUEUE_INFO', 'SET_QUEUE_CONFIG'):
                key = (name, args.get('cpu'), args.get('prio'))
            elif name == 'ESB':
                key = (name, args.get('lisn'), args.get('offset'))
            else:
                key = (name,)
            errs.setdefault(key, []).append(rc)
    return servers, rets, errs, kernel, have_dmesg


def read_trace(path):
    """Records (raw line, thread id or None, event, arguments), and whether
    the trace has thread ids."""
    with open(path, 'rb') as f:
        lines = f.read().decode('utf-8', 'replace').splitlines()
    recs = []
    for n, raw in enumerate(lines, 1):
        m = RAW.match(raw)
        if m:
            recs.append((n, int(m.group(1)), m.group(3), m.group(4)))
    if recs:
        # -msg timestamp=on: unprefixed lines are qemu_log text.
        return recs, True
    for n, raw in enumerate(lines, 1):
        m = PLAIN.match(raw.rstrip())
        if m:
            recs.append((n, None, m.group(1), m.group(2) or ''))
    if not recs:
        die('%s: no xive_*/spapr_xive_* trace events' % path)
    return recs, False


def infer_servers(recs, cpus, given):
    """vCPU index -> server number, without the guest's XIVECPU lines.
    Returns (servers in vCPU order, how many from the trace, note)."""
    seen = set()
    link = {}   # server -> cpu, from presenter notify + tctx notify
    for k, rec in enumerate(recs):
        n, _, ev, rest = rec
        try:
            if ev in TCTX_EVENTS:
                seen.add(target_of(rec))
            # QEMU traces the NVT it found, then (same call, under the big
            # lock) the notify of that thread context when it raises.
            if ev == 'xive_presenter_notify' and k + 1 < len(recs) and \
                    recs[k + 1][2] == 'xive_tctx_notify':
                m = NVT.search(rest)
                if not m:
                    raise Malformed('no NVT')
                blk, idx = int(m.group(1), 16), int(m.group(2), 16)
                if blk == 0 and idx >= QEMU_NVT_BASE:
                    s, c = idx - QEMU_NVT_BASE, target_of(recs[k + 1])
                    if link.setdefault(s, c) != c:
                        die('raw line %d: server 0x%x is vCPU %d here, vCPU %d before'
                            % (n, s, c, link[s]))
        except Malformed as e:
            die('raw line %d: malformed %s event (%s): %s' % (n, ev, e, rest))
    cpu_srv = {}
    for s, c in link.items():
        if c in cpu_srv:
            die('vCPU %d has servers 0x%x and 0x%x in the trace' % (c, cpu_srv[c], s))
        cpu_srv[c] = s
    every = seen | set(cpu_srv)
    ncpu = cpus or (max(every) + 1 if every else 0)
    if not ncpu:
        die('no vCPU in the trace (no xive_tctx_* event); give --cpus')
    if every and max(every) >= ncpu:
        die('--cpus %d, but the trace has vCPU %d' % (ncpu, max(every)))
    if given is not None:
        if len(given) != ncpu:
            die('--servers lists %d servers for %d vCPUs' % (len(given), ncpu))
        for c, s in cpu_srv.items():
            if given[c] != s:
                die('--servers: vCPU %d is server 0x%x in the trace, not 0x%x'
                    % (c, s, given[c]))
        return given, len(cpu_srv), 'from --servers'
    found = len(cpu_srv)
    for c in range(ncpu):
        if c not in cpu_srv:
            # QEMU's pseries under TCG numbers servers as vCPU indices.
            if c in link:
                die('server 0x%x is vCPU %d\'s in the trace: vCPU %d has none; give --servers'
                    % (c, link[c], c))
            cpu_srv[c] = c
    return [cpu_srv[c] for c in range(ncpu)], found, \
        '%d from the trace (presenter notify -> tctx notify), %d taken as the vCPU index' \
        % (found, ncpu - found)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--trace', required=True)
    ap.add_argument('--console', help='guest console log (capture.sh); optional')
    ap.add_argument('--nr-irqs', default='0x2000')
    ap.add_argument('--esb-shift', default='17')
    ap.add_argument('--ram', default='0x40000000')
    ap.add_argument('--cpus', type=int, default=0,
                    help='vCPUs (-smp); default: the highest vCPU in the trace + 1')
    ap.add_argument('--servers',
                    help='server numbers of vCPU 0, 1, ... (comma separated) '
                    'when the trace cannot tell them')
    ap.add_argument('--qemu', default='?')
    ap.add_argument('--cmd', default='?')
    ap.add_argument('--name', default='?')
    ap.add_argument('-o', '--out', required=True)
    o = ap.parse_args()
    given = None
    if o.servers:
        try:
            given = [int(x, 0) for x in o.servers.split(',')]
        except ValueError:
            die('--servers: not a list of numbers: %s' % o.servers)
    esb_shift = int(o.esb_shift, 0)

    servers, rets, errs, kernel, have_dmesg = [], {}, {}, None, False
    if o.console:
        servers, rets, errs, kernel, have_dmesg = parse_console(o.console)
    recs, threaded = read_trace(o.trace)
    # The capture.sh case, as it has always been handled.
    capture = threaded and bool(servers)

    # Pass 1: thread id -> cpu_index.
    tid_cpu = {}
    if threaded:
        for rec in recs:
            n, tid, ev, rest = rec
            if ev in ('xive_tctx_set_cppr', 'xive_tctx_accept'):
                try:
                    cpu = target_of(rec)
                except Malformed as e:
                    die('raw line %d: malformed %s event (%s): %s' % (n, ev, e, rest))
                if tid_cpu.setdefault(tid, cpu) != cpu:
                    die('raw line %d: thread %d acts for cpu %d and %d (not MTTCG?)'
                        % (n, tid, tid_cpu[tid], cpu))
    if servers:
        if len(set(tid_cpu.values())) != len(servers):
            die('%d vCPU threads seen for %d cpus' % (len(set(tid_cpu.values())),
                                                     len(servers)))
        if o.cpus and o.cpus != len(servers):
            die('--cpus %d, but the guest reported %d cpus' % (o.cpus, len(servers)))
        cpu_servers = sorted(servers)
        srv_note = 'from the guest\'s XIVECPU lines'
    else:
        cpu_servers, _, srv_note = infer_servers(recs, o.cpus, given)

    def who(tid):
        return str(tid_cpu[tid]) if tid in tid_cpu else '-'

    def tima_cpu(k, is_write):
        """vCPU of the TIMA access recs[k] from its neighbours, or '?'."""
        if is_write:
            # QEMU traces a store first, then what its handler does.
            if k + 1 < len(recs) and recs[k + 1][2] in ('xive_tctx_set_cppr',
                                                        'xive_tctx_notify'):
                return str(target_of(recs[k + 1]))
        elif k > 0 and recs[k - 1][2] == 'xive_tctx_accept':
            # ... and a load last: an ACK's accept comes just before it.
            return str(target_of(recs[k - 1]))
        return '?'

    def esb_mgmt(lisn, offset):
        # hw/intc/xive.c xive_source_esb_mgmt(): the second page of a
        # two-page ESB is the management one.
        two = esb_shift in (13, 17)
        return (lisn << esb_shift) + ((1 << (esb_shift - 1)) if two else 0) + offset

    out = []
    counts = {}
    claims = []
    seen_hcall = {}
    unknown_rets = 0
    unknown_rc = 0
    unknown_cpu = 0
    consumed = set()
    i = 0
    while i < len(recs):
        k = i
        n, tid, ev, rest = recs[i]
        i += 1
        if k in consumed:
            continue
        try:
            a = kv(rest)
            if ev == 'spapr_xive_claim_irq':
                claims.append('claim %x %d' % (field(a, 'lisn'), field(a, 'lsi')))
                continue
            if ev == 'spapr_xive_free_irq':
                out.append('free %x' % field(a, 'lisn'))
                continue
            if ev in HCALLS:
                name = HCALLS[ev]
                cpu = who(tid)
                if cpu == '-':
                    cpu = '?'  # no thread id: the model does not need it
                args = [v for _, v in KV.findall(rest)]
                args = [int(v, 0) for v in args]
                rc = '?'
                rv = ['?'] * 4
                # Keys as the guest driver prints them (targets as servers).
                if name in ('GET_SOURCE_INFO', 'GET_SOURCE_CONFIG',
                            'SET_SOURCE_CONFIG', 'SYNC'):
                    key = (name, field(a, 'lisn'))
                elif name in ('GET_QUEUE_INFO', 'SET_QUEUE_CONFIG'):
                    key = (name, field(a, 'target'), field(a, 'priority'))
                elif name == 'ESB':
                    key = (name, field(a, 'lisn'), field(a, 'offset'))
                else:
                    key = (name,)
                seen_hcall[key] = seen_hcall.get(key, 0) + 1
                if name in ERR_LOGGED and have_dmesg:
                    el = errs.get(key, [])
                    rc = str(el.pop(0)) if el else '0'
                    if key in errs and not errs[key]:
                        del errs[key]
                if key in rets and rets[key]:
                    if rc == '0':
                        rv = ['%x' % v for v in rets[key].pop(0)]
                        rv += ['?'] * (4 - len(rv))
                elif name in ('GET_SOURCE_INFO', 'GET_QUEUE_INFO',
                              'GET_SOURCE_CONFIG') and rc == '0':
                    unknown_rets += 1  # before dyndbg was up (boot CPU)
                if name == 'ESB' and rc in ('0', '?'):
                    # QEMU serves H_INT_ESB by an access to the ESB MMIO:
                    # the next ESB event of this thread is it, with the
                    # value. Otherwise (it may have refused): the very next
                    # event, if at the management page address the hcall
                    # names (the big lock keeps it adjacent).
                    store = field(a, 'flags') & 1
                    j = i
                    if capture:
                        while j < len(recs) and not (
                                recs[j][1] == tid and
                                recs[j][2].startswith('xive_source_esb_')):
                            j += 1
                        if j == len(recs):
                            die('raw line %d: H_INT_ESB without its ESB access' % n)
                    else:
                        m = j < len(recs) and \
                            recs[j][2].startswith('xive_source_esb_') and \
                            re.search(r'@(0x[0-9a-f]+)', recs[j][3])
                        if not m or int(m.group(1), 16) != esb_mgmt(key[1], key[2]):
                            j = None  # refused by QEMU, return code unknown
                    if j is not None:
                        consumed.add(j)
                        nn, _, eev, erest = recs[j]
                        val = field(kv(erest), 'val')
                        if eev == 'xive_source_esb_write':
                            rv = ['ffffffffffffffff', '0', '0', '0']
                        else:
                            rv = ['%x' % val, '0', '0', '0']
                        if store != (eev == 'xive_source_esb_write'):
                            die('raw line %d: H_INT_ESB store flag vs access %d' % (n, nn))
                        rc = '0'  # QEMU accesses only once its checks passed
                elif rc == '0' and rv[0] == '?' and name not in (
                        'GET_SOURCE_INFO', 'GET_QUEUE_INFO', 'GET_SOURCE_CONFIG',
                        'GET_QUEUE_CONFIG', 'GET_OS_REPORTING_LINE'):
                    rv = ['0', '0', '0', '0']  # no outputs: all zero
                if rc == '?':
                    unknown_rc += 1
                out.append('H %s %s %s = %s %s' % (cpu, name,
                                                   ' '.join('%x' % v for v in args),
                                                   rc, ' '.join(rv)))
                counts['hcall'] = counts.get('hcall', 0) + 1
                continue
            if ev in ('xive_source_esb_read', 'xive_source_esb_write'):
                addr = at_address(rest)
                t = 'ER' if ev.endswith('read') else 'EW'
                out.append('%s %s %x %x' % (t, who(tid), addr, field(a, 'val')))
                counts['esb'] = counts.get('esb', 0) + 1
                continue
            if ev in ('xive_tctx_tm_read', 'xive_tctx_tm_write'):
                addr = at_address(rest)
                is_write = ev.endswith('write')
                cpu = who(tid)
                if cpu == '-':
                    cpu = tima_cpu(k, is_write)
                if cpu == '?':
                    unknown_cpu += 1
                t = 'TW' if is_write else 'TR'
                out.append('%s %s %x %d %x' % (t, cpu, addr, field(a, 'sz'),
                                               field(a, 'val')))
                counts['tima'] = counts.get('tima', 0) + 1
                continue
            if ev == 'spapr_xive_set_irq':
                out.append('IRQ %x %d' % (field(a, 'lisn'), field(a, 'val')))
                counts['irq'] = counts.get('irq', 0) + 1
                continue
            if ev == 'xive_presenter_notify':
                m = NVT.search(rest)
                if not m:
                    raise Malformed('no NVT')
                out.append('PN %x %x %x' % tuple(int(x, 16) for x in m.groups()))
                counts['obs'] = counts.get('obs', 0) + 1
                continue
            if ev in TCTX_EVENTS:
                t = {'xive_tctx_notify': 'N', 'xive_tctx_accept': 'A',
                     'xive_tctx_set_cppr': 'C'}[ev]
                out.append('%s %d %x %x %x %x %x' % (
                    t, field(a, 'target'), field(a, 'ring'), field(a, 'IBP'),
                    field(a, 'PIPR'), field(a, 'CPPR'), field(a, 'NSR')))
                counts['obs'] = counts.get('obs', 0) + 1
                continue
        except Malformed as e:
            die('raw line %d: malformed %s event (%s): %s' % (n, ev, e, rest))
        die('raw line %d: trace event %s is not handled' % (n, ev))

    left = {k: v for k, v in errs.items() if v}
    if left:
        die('guest error lines not matched to any traced hcall: %r' % left)

    ops = ('# ops: %d hcalls, %d ESB, %d TIMA, %d device irq; %d observations'
           % (counts.get('hcall', 0), counts.get('esb', 0), counts.get('tima', 0),
              counts.get('irq', 0), counts.get('obs', 0)))
    if capture:
        hdr = ['xive-trace 1',
               '# %s: made by tools/xive-trace/capture.sh' % o.name,
               '# qemu: %s' % o.qemu,
               '# kernel: %s' % (kernel or '?'),
               '# command: %s' % o.cmd,
               ops,
               '# hcall return values unknown (before the guest\'s dyndbg): %d'
               % unknown_rets]
    else:
        hdr = ['xive-trace 1',
               '# %s: a %s QEMU trace, normalized by tools/xive-trace/normalize.py'
               % (o.name, 'timestamped' if threaded else 'plain'),
               '# qemu: %s' % o.qemu,
               '# kernel: %s' % (kernel or '?'),
               '# command: %s' % o.cmd,
               ops,
               '# vCPU of TIMA accesses: %s; unknown (\'?\', not replayed): %d'
               % ('thread ids' if threaded else
                  'the xive_tctx_set_cppr/notify after a store, the xive_tctx_accept '
                  'before a load', unknown_cpu),
               '# hcall return codes unknown (\'?\', hcall replayed, answer not checked): %d'
               % unknown_rc,
               '# servers: %s' % srv_note]
    hdr.append('config cpus=%d nr_irqs=0x%x esb_shift=%d ram=%s'
               % (len(cpu_servers), int(o.nr_irqs, 0), esb_shift, o.ram))
    for c, s in enumerate(cpu_servers):
        hdr.append('server %d %x' % (c, s))
    with open(o.out, 'w') as f:
        f.write('\n'.join(hdr + claims + out) + '\n')
    msg = ops[2:]
    if not capture:
        msg += '; vCPU unknown: %d, hcall return unknown: %d' % (unknown_cpu, unknown_rc)
    sys.stderr.write('normalize: %s: %s\n' % (o.out, msg))


if __name__ == '__main__':
    main()
