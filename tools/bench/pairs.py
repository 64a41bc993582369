#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""pairs.py - interleaved pairs: ipivirt against QEMU + KVM's in-kernel APIC,
mode by mode, on guest-tests/bench.c, for a ratio that can be trusted.

    tools/bench/pairs.py [--ipivirt BIN] [--out DIR] [--pairs N]
                         [--modes oncpu,pingpong,alltoall] [--cpus 2]
                         [--mine CONFIG] [--ref CONFIG] [--extra 'gap=2000']
                         [--launcher auto|libvirt|direct]

For each pair and each mode, the two configurations run back to back, in
alternating order (A B, then B A), so slow phases of this noisy 2-core host
hit both sides alike. Reports, per mode, the median of each side's p50
cycles and the median of the per-pair ratios mine/ref, with every pair
listed (`make bench-pairs`; docs/bench.md). CONFIG names are bench.py's
(ipivirt-x2apic, qemu-kvm-irqchip-on, ...). Nothing is judged against a
limit: a run fails only when the guest's checks fail.
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (bench.py: configurations, launchers, one_run)

ROUNDS = dict(oncpu=1000, pingpong=1000, alltoall=400, broadcast=100, many=200)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--ipivirt', default=os.path.join(bench.ROOT, 'build', 'ipivirt'))
    ap.add_argument('--out', default=os.path.join(bench.ROOT, 'build', 'bench-pairs'))
    ap.add_argument('--pairs', type=int, default=5)
    ap.add_argument('--modes', default='oncpu,pingpong,alltoall')
    ap.add_argument('--cpus', type=int, default=2)
    ap.add_argument('--mine', default='ipivirt-x2apic')
    ap.add_argument('--ref', default='qemu-kvm-irqchip-on')
    ap.add_argument('--extra', default='', help='more guest arguments, e.g. gap=2000')
    ap.add_argument('--launcher', default='auto', choices=['auto', 'libvirt', 'direct'])
    a = ap.parse_args()

    modes = [m for m in a.modes.split(',') if m]
    for m in modes:
        if m not in ROUNDS:
            sys.exit('pairs: --modes: %s is not one of %s' % (m, ', '.join(ROUNDS)))
    if a.pairs < 1 or a.pairs > 100:
        sys.exit('pairs: --pairs %d: 1 .. 100' % a.pairs)
    if a.cpus < 2 or a.cpus > 64:
        sys.exit('pairs: --cpus %d: 2 .. 64' % a.cpus)
    cfgs = {c['name']: c for c in bench.configs(False)}
    for name in (a.mine, a.ref):
        if name not in cfgs:
            sys.exit('pairs: no configuration %s (bench.py: %s)' % (name, ', '.join(cfgs)))
    if not os.path.exists(a.ipivirt):
        sys.exit('pairs: %s missing: run make' % a.ipivirt)
    if not os.access('/dev/kvm', os.R_OK | os.W_OK):
        sys.exit('pairs: /dev/kvm not usable')
    for k in ('bench.elf', 'bench.flat'):
        if not os.path.exists(os.path.join(bench.GT, k)):
            sys.exit('pairs: %s missing: run make -C guest-tests' % k)

    os.makedirs(os.path.join(a.out, 'logs'), exist_ok=True)
    work = tempfile.mkdtemp(prefix='ipivirt-pairs-')
    os.chmod(work, 0o777)
    launcher, _ = bench.choose_launcher(a.launcher, 'pairs')
    kvm_cpu = None
    if any(bench.uses_kvm_cpu(cfgs[n]) for n in (a.mine, a.ref)):
        kvm_cpu, why = bench.qemu_kvm_cpu()
        bench.log('pairs: ' + why)
        if not kvm_cpu:
            sys.exit('pairs: no QEMU -cpu model boots on this KVM')
    binary = os.path.join(work, 'ipivirt')
    shutil.copy2(a.ipivirt, binary)
    plan = bench.plan(False)
    plan['timeout'] = 300
    ctx = dict(ipivirt=binary, out=a.out, plan=plan, launcher=launcher, work=work,
               samples=0, kvm_cpu=kvm_cpu)

    runs = []
    t0 = time.time()
    for rep in range(a.pairs):
        for mode in modes:
            order = [a.mine, a.ref] if rep % 2 == 0 else [a.ref, a.mine]
            for name in order:
                r = bench.one_run(ctx, cfgs[name], mode, a.cpus, ROUNDS[mode], rep, a.extra)
                r.pop('samples', None)
                runs.append(r)
                bench.log('  pair %d %-9s %-22s %-4s p50=%s p99=%s cycles%s' % (
                    rep, mode, name, 'ok' if r['ok'] else 'FAIL', r.get('p50_cycles', '-'),
                    r.get('p99_cycles', '-'),
                    '  exits/IPI=%.2f' % (r['exits'] / r['ipi_deliveries'])
                    if r.get('exits') and r.get('ipi_deliveries') else ''))

    md = ['# bench pairs (%s)' % time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()), '',
          'Command: `%s`; %d vCPUs, %d interleaved pairs, launcher %s, QEMU -cpu %s%s.' % (
              ' '.join(sys.argv), a.cpus, a.pairs, launcher, kvm_cpu,
              ', guest args `%s`' % a.extra if a.extra else ''),
          '', '| mode | %s p50 (median) | %s p50 (median) | ratio of medians | median of pair ratios | pair ratios |' % (a.mine, a.ref),
          '|---|---|---|---|---|---|']
    summary = {}
    failed = 0
    for mode in modes:
        mine = [r for r in runs if r['mode'] == mode and r['config'] == a.mine]
        ref = [r for r in runs if r['mode'] == mode and r['config'] == a.ref]
        failed += sum(1 for r in mine + ref if not r['ok'])
        ratios = [x['p50_cycles'] / y['p50_cycles'] for x, y in zip(mine, ref)
                  if x['ok'] and y['ok'] and x.get('p50_cycles') and y.get('p50_cycles')]
        m = [r['p50_cycles'] for r in mine if r['ok'] and r.get('p50_cycles')]
        f = [r['p50_cycles'] for r in ref if r['ok'] and r.get('p50_cycles')]
        if not m or not f:
            md.append('| %s | - | - | - | - | a side failed |' % mode)
            continue
        mm, fm = statistics.median(m), statistics.median(f)
        summary[mode] = dict(mine_p50_median=mm, ref_p50_median=fm, ratio_of_medians=mm / fm,
                             median_pair_ratio=statistics.median(ratios) if ratios else None,
                             pair_ratios=ratios)
        md.append('| %s | %.0f | %.0f | %.2f | %s | %s |' % (
            mode, mm, fm, mm / fm,
            '%.2f' % statistics.median(ratios) if ratios else '-',
            ', '.join('%.2f' % x for x in ratios)))
    md += ['', 'Wall time %.0f s. Raw logs in %s/logs.' % (time.time() - t0, a.out)]
    with open(os.path.join(a.out, 'results.md'), 'w') as fh:
        fh.write('\n'.join(md) + '\n')
    with open(os.path.join(a.out, 'results.json'), 'w') as fh:
        json.dump(dict(command=' '.join(sys.argv), cpus=a.cpus, pairs=a.pairs, mine=a.mine,
                       ref=a.ref, extra=a.extra, launcher=launcher, qemu_kvm_cpu=kvm_cpu,
                       summary=summary, runs=runs), fh, indent=1)
    shutil.rmtree(work, ignore_errors=True)
    print('\n'.join(md))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
