#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""scale.py - boot, broadcast and all-to-all against the vCPU count, to KVM's limit.

    tools/bench/scale.py [--ipivirt BIN] [--out DIR] [--cpus 1,2,4,16,64,256,512,1024]
                         [--modes boot,broadcast,alltoall] [--a2a-per-cpu N]
                         [--timeout S] [--repeats N]

`make bench-scale` runs it (SCALE_ARGS=...; ~3 minutes on this 2-core host).
For each vCPU count, on ipivirt with x2APIC:

  boot       the smp kernel (guest-tests/smp.c) with --trace: exec to the
             first guest instruction, split into the VMM's set-up (KVM, the
             models, every vCPU) and the vCPU threads' start; the guest's
             own INIT/SIPI-to-all-online time; the kernel's run; its verdict.
  broadcast  guest-tests/bench.c mode=broadcast: one all-but-self shorthand
             until every other CPU acked, against N-1 single IPIs.
  alltoall   bench.c mode=alltoall with --a2a-per-cpu calls per CPU (each
             CPU calls its next CPUs with smp_call_function_single(wait)):
             a true all-to-all is n(n-1) calls, a million at 1024 vCPUs.

Writes DIR (default build/bench): scale.md (the tables), scale.json (every
run), scale.{svg,png} (matplotlib, when /usr/bin/python3 has it), and
logs/scale-*.log. Python 3 standard library; it reuses bench.py's process
and parsing helpers. The host has two cores: this measures how the VMM's
costs grow with the vCPU count, not how fast 1024 vCPUs could run.
Numbers are never judged against limits; a run fails only when the guest's
checks fail or it times out.
"""
import argparse
import json
import os
import re
import shutil
import sys
import tempfile

import bench
from bench import GT, ROOT, fmt, log

COUNTS = [1, 2, 4, 16, 64, 256, 512, 1024]
MODES = ['boot', 'broadcast', 'alltoall']


def bcast_rounds(n):
    # Each round wakes n-1 halted vCPUs twice (shorthand, then singles).
    return 100 if n <= 16 else 40 if n <= 256 else 20


def a2a_calls(n, per_cpu):
    # Small VMs get enough calls for a percentile; large ones per_cpu each.
    return max(200, per_cpu * n)


def run(binary, cpus, kernel, append, timeout, tag, out, trace=None):
    """One ipivirt run; its console goes to logs/scale-TAG.log."""
    cmd = [binary, 'run', '--cpus', str(cpus), '--timeout', str(timeout)]
    if trace:
        cmd += ['--trace', trace]
    cmd += ['--kernel', os.path.join(GT, kernel)]
    if append:
        cmd += ['--append', append]
    watch = bench.Watch()
    res = bench.run_direct(cmd, timeout + 30, watch)
    with open(os.path.join(out, 'logs', 'scale-%s.log' % tag), 'w') as f:
        f.write(' '.join(cmd) + '\n' + watch.text)
    kv, _, _, summary = bench.parse_bench(watch.text)
    r = dict(cpus=cpus, command=' '.join(cmd), status=res['status'],
             timed_out=res['timed_out'], wall_s=round(res['wall_s'], 3),
             passed=int(summary.group(1)) if summary else None,
             failed=int(summary.group(2)) if summary else None,
             maxrss_kib=res['maxrss_kib'], cpu_s=res['rusage_cpu_s'])
    r['ok'] = res['status'] == 0 and r['failed'] == 0 and (r['passed'] or 0) > 0
    return r, res, kv, watch.text


def boot(binary, n, timeout, out, work, rep):
    trace = os.path.join(work, 'smp-%d.trace' % n)
    r, res, _, text = run(binary, n, 'smp.elf', '', timeout, 'boot-%d-%d' % (n, rep), out,
                          trace=trace)
    m = re.search(r'bring-up: (\d+) APs online (\d+) us', text)
    r['bringup_ms'] = round(int(m.group(2)) / 1000.0, 1) if m and n > 1 else None
    h = bench.trace_header(trace)
    if h.get('first_run_mono_ns'):
        r['exec_to_first_run_ms'] = round((h['first_run_mono_ns'] - res['t0']) / 1e6, 1)
        r['setup_ms'] = round((h['start_mono_ns'] - h['configure_mono_ns']) / 1e6, 1)
        r['threads_ms'] = round((h['first_run_mono_ns'] - h['start_mono_ns']) / 1e6, 2)
        r['guest_s'] = round((h['end_mono_ns'] - h['first_run_mono_ns']) / 1e9, 2)
        r['setup_us_per_vcpu'] = round(r['setup_ms'] * 1000.0 / n, 0)
    if h.get('vm_hwm_kib') is not None:
        # What the VMM holds beyond guest RAM and the (untouched) recorder rings.
        r['vmm_rss_kib'] = h['vm_rss_kib'] - h.get('guest_ram_resident_kib', 0) \
            - h.get('ring_resident_kib', 0)
        r['guest_ram_kib'] = h.get('guest_ram_resident_kib')
    for f in (trace, trace + '.json'):
        if os.path.exists(f):
            os.unlink(f)
    return r


def bench_mode(binary, n, mode, timeout, out, rep, per_cpu):
    rounds = bcast_rounds(n) if mode == 'broadcast' else a2a_calls(n, per_cpu)
    r, _, kv, _ = run(binary, n, 'bench.elf', 'mode=%s rounds=%d samples=0' % (mode, rounds),
                      timeout, '%s-%d-%d' % (mode, n, rep), out)
    r['rounds'] = rounds
    khz = kv.get('tsc_khz') or 0
    for k in ('p50_ns', 'p99_ns', 'calls_per_s', 'bcast_over_single_pct'):
        r[k] = kv.get(k)
    for k in ('single_p50_cycles', 'single_p99_cycles'):
        if kv.get(k) is not None and khz:
            r[k.replace('cycles', 'ns')] = kv[k] * 1000000 // khz
    return r


def median_row(rows):
    """The run with the median wall time among the ok ones (else the first)."""
    ok = sorted((r for r in rows if r['ok']), key=lambda r: r['wall_s'])
    if not ok:
        return dict(rows[0], ok_runs=0, runs=len(rows))
    return dict(ok[len(ok) // 2], ok_runs=len(ok), runs=len(rows))


def us(ns):
    return ns / 1000.0 if ns is not None else None


def ms(ns):
    return ns / 1e6 if ns is not None else None


def failure(r):
    if r['timed_out']:
        return 'timed out after %.0f s' % r['wall_s']
    return 'FAILED: exit %s, %s passed, %s failed' % (r['status'], r['passed'], r['failed'])


def table(title, hdr, rows, cells):
    out = ['', '#### ' + title, '', '| ' + ' | '.join(hdr) + ' |', '|' + '---|' * len(hdr)]
    for r in rows:
        c = [str(r['cpus']), '%d/%d' % (r['ok_runs'], r['runs'])]
        if r['ok_runs']:
            c += cells(r)
        else:
            c += [failure(r)] + [''] * (len(hdr) - 3)
        out.append('| ' + ' | '.join(c) + ' |')
    return out


def markdown(res):
    md = []
    if res.get('boot'):
        md += table('boot: the smp kernel (`smp.elf`)', [
            'vCPUs', 'ok/runs', 'smp kernel', 'exec to 1st guest insn ms', 'VMM set-up ms',
            'set-up µs/vCPU', 'APs online ms (guest)', 'kernel run s', 'wall s',
            'VMM RSS beyond guest RAM MiB'], res['boot'], lambda r: [
            '%s passed, %s failed' % (r['passed'], r['failed']),
            fmt(r.get('exec_to_first_run_ms'), 1), fmt(r.get('setup_ms'), 1),
            fmt(r.get('setup_us_per_vcpu')), fmt(r.get('bringup_ms'), 1),
            fmt(r.get('guest_s'), 2), fmt(r['wall_s'], 2),
            fmt(r['vmm_rss_kib'] / 1024.0 if r.get('vmm_rss_kib') is not None else None, 1)])
    if res.get('broadcast'):
        md += table('broadcast: one all-but-self shorthand until all acked (`bench.elf '
                    'mode=broadcast`)', [
                        'vCPUs', 'ok/runs', 'rounds', 'shorthand p50 µs', 'p99 µs',
                        'p50 µs per target', 'N-1 singles p50 µs', 'shorthand/singles',
                        'wall s'], res['broadcast'], lambda r: [
                        str(r['rounds']), fmt(us(r['p50_ns']), 1), fmt(us(r['p99_ns']), 1),
                        fmt(us(r['p50_ns']) / (r['cpus'] - 1) if r['p50_ns'] else None, 1),
                        fmt(us(r.get('single_p50_ns')), 1),
                        fmt(r['bcast_over_single_pct'] / 100.0
                            if r['bcast_over_single_pct'] is not None else None, 2),
                        fmt(r['wall_s'], 1)])
    if res.get('alltoall'):
        md += table('all-to-all: smp_call_function_single(wait) from every CPU (`bench.elf '
                    'mode=alltoall`)', [
                        'vCPUs', 'ok/runs', 'calls', 'p50 µs/call', 'p99 µs/call', 'calls/s',
                        'wall s'], res['alltoall'], lambda r: [
                        fmt(r['rounds']), fmt(us(r['p50_ns']), 1), fmt(us(r['p99_ns']), 1),
                        fmt(r['calls_per_s']), fmt(r['wall_s'], 1)])
    return md


def plot(res, out):
    if not bench.have_matplotlib():
        return []
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    panels = [m for m in MODES if res.get(m)]
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.4), squeeze=False)

    def line(ax, rows, key, label, scale=1.0, style='o-'):
        pts = [(r['cpus'], r[key] * scale) for r in rows if r['ok_runs'] and r.get(key)]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], style, label=label)

    for ax, mode in zip(axes[0], panels):
        rows = res[mode]
        if mode == 'boot':
            line(ax, rows, 'wall_s', 'whole run (wall)', 1000.0)
            line(ax, rows, 'exec_to_first_run_ms', 'exec to first guest instruction')
            line(ax, rows, 'setup_ms', 'VMM set-up (KVM, models, vCPUs)', style='s--')
            line(ax, rows, 'bringup_ms', 'guest: INIT/SIPI to all APs online')
            ax.set_ylabel('ms')
            ax.set_title('boot (smp kernel)')
        elif mode == 'broadcast':
            line(ax, rows, 'p50_ns', 'all-but-self shorthand, p50', 1e-3)
            line(ax, rows, 'single_p50_ns', 'N-1 single IPIs, p50', 1e-3, 's--')
            ax.set_ylabel('µs until every target acked')
            ax.set_title('broadcast')
        else:
            for r in rows:
                if r['ok_runs'] and r.get('calls_per_s'):
                    r['us_per_call_vm'] = 1e6 / r['calls_per_s']
            line(ax, rows, 'p50_ns', 'one call, p50', 1e-3)
            line(ax, rows, 'p99_ns', 'one call, p99', 1e-3, 's--')
            line(ax, rows, 'us_per_call_vm', 'whole VM: 1 / (calls/s)', style='^:')
            ax.set_ylabel('µs per smp_call_function_single(wait)')
            ax.set_title('all-to-all')
        ax.set_xscale('log', base=2)
        ticks = sorted({r['cpus'] for r in rows})
        ax.set_xticks(ticks)
        ax.set_xticklabels([str(t) for t in ticks])
        ax.set_yscale('log')
        ax.set_xlabel('vCPUs (2 host cores)')
        ax.grid(True, which='both', alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return bench.save_fig(plt, fig, out, 'scale')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--ipivirt', default=os.path.join(ROOT, 'build', 'ipivirt'))
    ap.add_argument('--out', default=os.path.join(ROOT, 'build', 'bench'))
    ap.add_argument('--cpus', default=','.join(map(str, COUNTS)),
                    help='comma list of vCPU counts (default %(default)s)')
    ap.add_argument('--modes', default=','.join(MODES), help='of %s' % ','.join(MODES))
    ap.add_argument('--a2a-per-cpu', type=int, default=4,
                    help='all-to-all calls per CPU (at least 200 in all)')
    ap.add_argument('--timeout', type=int, default=600, help='seconds per run')
    ap.add_argument('--repeats', type=int, default=1)
    ap.add_argument('--from-json', metavar='FILE',
                    help="redo the tables and plots of an earlier run's scale.json")
    a = ap.parse_args()

    if a.from_json:
        with open(a.from_json) as f:
            old = json.load(f)
        return report(old['results'], old['counts'], a.out, old['command'].split()[1:])

    try:
        counts = [int(x) for x in a.cpus.split(',')]
    except ValueError:
        sys.exit('scale: --cpus %s: not a comma list of numbers' % a.cpus)
    modes = a.modes.split(',')
    bad = [m for m in modes if m not in MODES]
    if bad or not counts or min(counts) < 1 or a.repeats < 1 or a.a2a_per_cpu < 1:
        sys.exit('scale: bad arguments (modes %s; counts, --repeats, --a2a-per-cpu >= 1)'
                 % ','.join(MODES))
    for k in ('smp.elf', 'bench.elf'):
        if not os.path.exists(os.path.join(GT, k)):
            sys.exit('scale: %s missing: run make -C guest-tests' % os.path.join(GT, k))
    if not os.path.exists(a.ipivirt):
        sys.exit('scale: %s missing: run make' % a.ipivirt)
    os.makedirs(os.path.join(a.out, 'logs'), exist_ok=True)
    work = tempfile.mkdtemp(prefix='ipivirt-scale-')
    # A private copy: a rebuild during the run changes nothing.
    binary = os.path.join(work, 'ipivirt')
    shutil.copy2(a.ipivirt, binary)

    res = {m: [] for m in modes}
    for n in counts:
        for mode in modes:
            if mode != 'boot' and n < 2:
                continue
            runs = []
            for rep in range(a.repeats):
                if mode == 'boot':
                    r = boot(binary, n, a.timeout, a.out, work, rep)
                else:
                    r = bench_mode(binary, n, mode, a.timeout, a.out, rep, a.a2a_per_cpu)
                runs.append(r)
                log('scale: %-9s %4d vCPUs: %s, %.1f s' % (
                    mode, n, 'ok' if r['ok'] else failure(r), r['wall_s']))
            res[mode].append(median_row(runs))
            res.setdefault('runs', []).extend(dict(r, mode=mode) for r in runs)

    with open(os.path.join(a.out, 'scale.json'), 'w') as f:
        json.dump(dict(command=' '.join(sys.argv), counts=counts, modes=modes,
                       a2a_per_cpu=a.a2a_per_cpu, results=res), f, indent=1)
    shutil.rmtree(work, ignore_errors=True)
    return report(res, counts, a.out, sys.argv[1:])


def report(res, counts, out, argv):
    """scale.md and the plots from @res; 0 when every run passed."""
    made = plot(res, out)
    md = ['### Scale: ipivirt, x2APIC, vCPUs %s' % ', '.join(map(str, counts)), '',
          'Command: `%s`.' % ' '.join(['tools/bench/scale.py'] + argv)]
    md += markdown(res)
    if made:
        md += ['', 'Plots: ' + ', '.join(made)]
    with open(os.path.join(out, 'scale.md'), 'w') as f:
        f.write('\n'.join(md) + '\n')
    print('\n'.join(md))
    log('scale: wrote %s/scale.md%s' % (out, ', plots' if made else ''))
    return 0 if all(r['ok'] for r in res.get('runs', [])) else 1


if __name__ == '__main__':
    sys.exit(main())
