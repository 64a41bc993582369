#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""normalize.py - turn a QEMU 7.2 XIVE trace (-trace 'xive_*' -trace
'spapr_xive_*' -msg timestamp=on -D FILE, "log" backend) plus the guest's
console log into the compact text format of tests/xive-traces/README.md,
which tools/xive-replay.c reads.

    normalize.py --trace trace.log --console console.log \
                 --qemu "QEMU 7.2.22 ..." --cmd "qemu-system-ppc64 ..." \
                 --nr-irqs 0x2000 -o out.trace

What it does:
  * attributes every line to a vCPU through QEMU's thread id: with MTTCG
    every vCPU runs on its own thread, and the xive_tctx_set_cppr /
    xive_tctx_accept events (which only the vCPU itself causes, through
    its own TIMA) carry its cpu_index;
  * folds an H_INT_ESB hcall and the ESB MMIO access QEMU makes for it into
    one hcall record whose return value is the value of that access;
  * adds the hcall return codes and return values that the guest's XIVE
    driver logged (dyndbg on arch/powerpc/sysdev/xive/spapr.c; its error
    messages are always on): QEMU's trace events carry neither.
"""
import argparse
import re
import sys

RAW = re.compile(r'^(\d+)@(\d+\.\d+):(\w+) (.*)$')
KV = re.compile(r'(\w+)=(0x[0-9a-fA-F]+|-?\d+)')

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


def die(msg):
    sys.stderr.write('normalize: %s\n' % msg)
    sys.exit(1)


def kv(text):
    return {k: int(v, 0) for k, v in KV.findall(text)}


def parse_console(path):
    """Guest facts: cpu servers, the driver's hcall debug/error lines."""
    servers = []
    rets = {}   # key -> list of return tuples (in order)
    errs = {}   # key -> list of rc
    kernel = None
    dmesg = False
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
            dmesg = True
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
    return servers, rets, errs, kernel


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--trace', required=True)
    ap.add_argument('--console', required=True)
    ap.add_argument('--nr-irqs', default='0x2000')
    ap.add_argument('--esb-shift', default='17')
    ap.add_argument('--ram', default='0x40000000')
    ap.add_argument('--qemu', default='?')
    ap.add_argument('--cmd', default='?')
    ap.add_argument('--name', default='?')
    ap.add_argument('-o', '--out', required=True)
    o = ap.parse_args()

    servers, rets, errs, kernel = parse_console(o.console)
    if not servers:
        die('no XIVECPU lines in %s: guest did not report its cpus' % o.console)
    srv_to_cpu = {s: i for i, s in enumerate(sorted(servers))}

    recs = []
    with open(o.trace, 'rb') as f:
        for n, raw in enumerate(f.read().decode('utf-8', 'replace').splitlines(), 1):
            m = RAW.match(raw)
            if not m:
                continue  # qemu_log text without a trace prefix
            recs.append((n, int(m.group(1)), m.group(3), m.group(4)))

    # Pass 1: thread id -> cpu_index.
    tid_cpu = {}
    for n, tid, ev, rest in recs:
        if ev in ('xive_tctx_set_cppr', 'xive_tctx_accept'):
            cpu = int(re.search(r'target=(\d+)', rest).group(1))
            if tid_cpu.setdefault(tid, cpu) != cpu:
                die('raw line %d: thread %d acts for cpu %d and %d (not MTTCG?)'
                    % (n, tid, tid_cpu[tid], cpu))
    if len(set(tid_cpu.values())) != len(servers):
        die('%d vCPU threads seen for %d cpus' % (len(set(tid_cpu.values())), len(servers)))

    def who(tid):
        return str(tid_cpu[tid]) if tid in tid_cpu else '-'

    out = []
    counts = {}
    claims = []
    seen_hcall = {}
    unknown_rets = 0
    i = 0
    while i < len(recs):
        n, tid, ev, rest = recs[i]
        a = kv(rest)
        i += 1
        if ev == 'spapr_xive_claim_irq':
            claims.append('claim %x %d' % (a['lisn'], a['lsi']))
            continue
        if ev == 'spapr_xive_free_irq':
            out.append('free %x' % a['lisn'])
            continue
        if ev in HCALLS:
            name = HCALLS[ev]
            cpu = who(tid)
            if cpu == '-':
                die('raw line %d: hcall from a non-vCPU thread' % n)
            args = [v for k, v in KV.findall(rest)]
            args = [int(v, 0) for v in args]
            rc = '?'
            rv = ['?'] * 4
            # Keys as the guest driver prints them (targets as servers).
            if name in ('GET_SOURCE_INFO', 'GET_SOURCE_CONFIG', 'SET_SOURCE_CONFIG', 'SYNC'):
                key = (name, a['lisn'])
            elif name in ('GET_QUEUE_INFO', 'SET_QUEUE_CONFIG'):
                key = (name, a['target'], a['priority'])
            elif name == 'ESB':
                key = (name, a['lisn'], a['offset'])
            else:
                key = (name,)
            k = seen_hcall.get(key, 0)
            seen_hcall[key] = k + 1
            if name in ERR_LOGGED:
                el = errs.get(key, [])
                rc = str(el.pop(0)) if el else '0'
                if el is not None and key in errs and not errs[key]:
                    del errs[key]
            if key in rets and rets[key]:
                if rc == '0':
                    rv = ['%x' % v for v in rets[key].pop(0)]
                    rv += ['?'] * (4 - len(rv))
            elif name in ('GET_SOURCE_INFO', 'GET_QUEUE_INFO', 'GET_SOURCE_CONFIG') and rc == '0':
                unknown_rets += 1  # before dyndbg was up (boot CPU)
            if name == 'ESB':
                # QEMU serves H_INT_ESB by an access to the ESB MMIO: the
                # next ESB event of this thread is it, with the value.
                j = i
                while j < len(recs) and not (recs[j][1] == tid and
                                             recs[j][2].startswith('xive_source_esb_')):
                    j += 1
                if j == len(recs):
                    die('raw line %d: H_INT_ESB without its ESB access' % n)
                nn, _, eev, erest = recs.pop(j)
                val = kv(erest)['val']
                store = a['flags'] & 1
                if eev == 'xive_source_esb_write':
                    rv = ['ffffffffffffffff', '0', '0', '0']
                else:
                    rv = ['%x' % val, '0', '0', '0']
                if store != (eev == 'xive_source_esb_write'):
                    die('raw line %d: H_INT_ESB store flag vs access %d' % (n, nn))
            elif rc == '0' and rv[0] == '?' and name not in (
                    'GET_SOURCE_INFO', 'GET_QUEUE_INFO', 'GET_SOURCE_CONFIG',
                    'GET_QUEUE_CONFIG', 'GET_OS_REPORTING_LINE'):
                rv = ['0', '0', '0', '0']  # no outputs: all zero
            out.append('H %s %s %s = %s %s' % (cpu, name, ' '.join('%x' % v for v in args),
                                               rc, ' '.join(rv)))
            counts['hcall'] = counts.get('hcall', 0) + 1
            continue
        if ev in ('xive_source_esb_read', 'xive_source_esb_write'):
            addr = int(re.search(r'@(0x[0-9a-f]+)', rest).group(1), 16)
            t = 'ER' if ev.endswith('read') else 'EW'
            out.append('%s %s %x %x' % (t, who(tid), addr, a['val']))
            counts['esb'] = counts.get('esb', 0) + 1
            continue
        if ev in ('xive_tctx_tm_read', 'xive_tctx_tm_write'):
            addr = int(re.search(r'@(0x[0-9a-f]+)', rest).group(1), 16)
            cpu = who(tid)
            if cpu == '-':
                die('raw line %d: TIMA access from a non-vCPU thread' % n)
            t = 'TR' if ev.endswith('read') else 'TW'
            out.append('%s %s %x %d %x' % (t, cpu, addr, a['sz'], a['val']))
            counts['tima'] = counts.get('tima', 0) + 1
            continue
        if ev == 'spapr_xive_set_irq':
            out.append('IRQ %x %d' % (a['lisn'], a['val']))
            counts['irq'] = counts.get('irq', 0) + 1
            continue
        if ev == 'xive_presenter_notify':
            m = re.search(r'NVT (0x[0-9a-f]+)/(0x[0-9a-f]+) ring=(0x[0-9a-f]+)', rest)
            out.append('PN %x %x %x' % tuple(int(x, 16) for x in m.groups()))
            counts['obs'] = counts.get('obs', 0) + 1
            continue
        if ev in ('xive_tctx_notify', 'xive_tctx_accept', 'xive_tctx_set_cppr'):
            t = {'xive_tctx_notify': 'N', 'xive_tctx_accept': 'A',
                 'xive_tctx_set_cppr': 'C'}[ev]
            out.append('%s %d %x %x %x %x %x' % (t, a['target'], a['ring'], a['IBP'],
                                                 a['PIPR'], a['CPPR'], a['NSR']))
            counts['obs'] = counts.get('obs', 0) + 1
            continue
        die('raw line %d: trace event %s is not handled' % (n, ev))

    left = {k: v for k, v in errs.items() if v}
    if left:
        die('guest error lines not matched to any traced hcall: %r' % left)

    hdr = ['xive-trace 1',
           '# %s: made by tools/xive-trace/capture.sh' % o.name,
           '# qemu: %s' % o.qemu,
           '# kernel: %s' % (kernel or '?'),
           '# command: %s' % o.cmd,
           '# ops: %d hcalls, %d ESB, %d TIMA, %d device irq; %d observations'
           % (counts.get('hcall', 0), counts.get('esb', 0), counts.get('tima', 0),
              counts.get('irq', 0), counts.get('obs', 0)),
           '# hcall return values unknown (before the guest\'s dyndbg): %d' % unknown_rets,
           'config cpus=%d nr_irqs=0x%x esb_shift=%d ram=%s' % (len(servers), int(o.nr_irqs, 0),
                                                       int(o.esb_shift, 0), o.ram)]
    for s in sorted(servers):
        hdr.append('server %d %x' % (srv_to_cpu[s], s))
    with open(o.out, 'w') as f:
        f.write('\n'.join(hdr + claims + out) + '\n')
    sys.stderr.write('normalize: %s: %s\n' % (o.out, hdr[5][2:]))


if __name__ == '__main__':
    main()
