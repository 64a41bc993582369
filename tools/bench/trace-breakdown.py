#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""trace-breakdown.py - per-stage IPI latency from an `ipivirt run --trace` file.

    tools/bench/trace-breakdown.py TRACE [--plot OUT.svg|OUT.png] [--json OUT.json]

Prints a markdown table: for each stage transition, how many IPIs went
through it and the p50 / p90 / p99 / max in microseconds, split by how the
target was kicked (signal: it was in the guest; futex: it was halted; none:
it was already out of KVM_RUN or the IRR bit coalesced). The trace format and
the correlation rules are in docs/bench.md ("Flight recorder").
Python 3 standard library; the plot needs python3-matplotlib.
"""
import bisect
import json
import sys
from collections import defaultdict


def load(path):
    header = {}
    events = []
    with open(path) as f:
        for line in f:
            if line.startswith('#'):
                for tok in line[1:].split():
                    if '=' in tok:
                        k, v = tok.split('=', 1)
                        try:
                            header[k] = float(v) if '.' in v else int(v)
                        except ValueError:
                            header[k] = v
                continue
            p = line.split()
            if len(p) != 7:
                continue
            events.append((int(p[0]), int(p[1]), p[2], int(p[3]), int(p[4]),
                           int(p[5]), int(p[6])))
    events.sort()
    return header, events


def pct(sorted_vals, p):
    if not sorted_vals:
        return 0.0
    rank = max(1, -(-len(sorted_vals) * p // 100))
    return sorted_vals[int(rank) - 1]


STAGES = [
    ('send->route', 'ICR exit seen -> decoded, handed to the IPI domain'),
    ('route->pending', 'IPI domain + APIC bus routing -> target IRR set'),
    ('pending->kick', 'IRR set -> kick issued (signal or futex wake)'),
    ('kick->wake', 'kick -> target out of KVM_RUN (-EINTR) or back from the futex'),
    ('wake->inject', 'target awake -> KVM_INTERRUPT done'),
    ('pending->inject', 'IRR set -> vector injected (all kick kinds)'),
    ('inject->eoi', 'injected -> guest EOI exit (guest handler entry, emulated)'),
    ('send->inject', 'total delivery: ICR exit -> injected on the target'),
    ('send->eoi', 'ICR exit -> target EOI'),
]


def breakdown(events):
    send = {}
    route = {}
    kick = {}
    inject = {}
    wakes = defaultdict(list)
    eois = defaultdict(list)
    pending = []
    for ns, cpu, stage, src, seq, peer, vec in events:
        if stage == 'send':
            send.setdefault((src, seq), ns)
        elif stage == 'route':
            route.setdefault((src, seq), ns)
        elif stage == 'pending':
            pending.append((ns, src, seq, peer, vec))
        elif stage in ('kick_signal', 'kick_futex'):
            kick.setdefault((src, seq, peer), (ns, stage[5:]))
        elif stage in ('wake_exit', 'wake_halt'):
            wakes[cpu].append(ns)
        elif stage == 'inject' and src >= 0:
            inject.setdefault((src, seq, peer), ns)
        elif stage == 'eoi':
            eois[cpu].append(ns)
    out = defaultdict(lambda: defaultdict(list))  # kind -> stage -> [us]

    def add(kind, stage, a, b):
        if a is not None and b is not None and b >= a:
            out[kind][stage].append((b - a) / 1000.0)
            out['all'][stage].append((b - a) / 1000.0)

    for ns, src, seq, tgt, vec in pending:
        s = send.get((src, seq))
        r = route.get((src, seq))
        k = kick.get((src, seq, tgt))
        inj = inject.get((src, seq, tgt))
        if inj is None or inj < ns:
            continue  # coalesced or never injected (or not an IPI)
        kind = k[1] if k else 'none'
        add(kind, 'send->route', s, r)
        add(kind, 'route->pending', r, ns)
        wake = None
        if k:
            add(kind, 'pending->kick', ns, k[0])
            w = wakes[tgt]
            i = bisect.bisect_left(w, k[0])
            if i < len(w) and w[i] <= inj:
                wake = w[i]
            add(kind, 'kick->wake', k[0], wake)
            add(kind, 'wake->inject', wake, inj)
        add(kind, 'pending->inject', ns, inj)
        e = eois[tgt]
        i = bisect.bisect_left(e, inj)
        eoi = e[i] if i < len(e) else None
        add(kind, 'inject->eoi', inj, eoi)
        add(kind, 'send->inject', s, inj)
        add(kind, 'send->eoi', s, eoi)
    table = {}
    for kind, stages in out.items():
        table[kind] = {}
        for st, vals in stages.items():
            vals.sort()
            table[kind][st] = {
                'n': len(vals), 'p50_us': pct(vals, 50), 'p90_us': pct(vals, 90),
                'p99_us': pct(vals, 99), 'max_us': vals[-1] if vals else 0.0,
            }
    return table


def markdown(table):
    lines = ['| kick | stage | n | p50 µs | p90 µs | p99 µs | max µs |',
             '|---|---|---:|---:|---:|---:|---:|']
    for kind in ('signal', 'futex', 'none', 'all'):
        if kind not in table:
            continue
        for st, _ in STAGES:
            r = table[kind].get(st)
            if not r:
                continue
            lines.append('| %s | %s | %d | %.1f | %.1f | %.1f | %.1f |' % (
                kind, st, r['n'], r['p50_us'], r['p90_us'], r['p99_us'], r['max_us']))
    return '\n'.join(lines)


def plot(table, out, title):
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        print('no matplotlib: apt-get install -y python3-matplotlib', file=sys.stderr)
        return False
    kinds = [k for k in ('signal', 'futex', 'none') if k in table]
    stages = [s for s, _ in STAGES]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / max(1, len(kinds))
    for i, kind in enumerate(kinds):
        xs, p50, p99 = [], [], []
        for j, st in enumerate(stages):
            r = table[kind].get(st)
            if r:
                xs.append(j + i * width)
                p50.append(r['p50_us'])
                p99.append(max(0.0, r['p99_us'] - r['p50_us']))
        ax.bar(xs, p50, width, yerr=[[0] * len(p99), p99], capsize=2,
               label='kick: %s' % kind)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(stages))])
    ax.set_xticklabels(stages, rotation=30, ha='right', fontsize=8)
    ax.set_ylabel('µs (bar p50, whisker p99)')
    ax.set_yscale('log')
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return True


def main(argv):
    if len(argv) < 2 or argv[1] in ('-h', '--help'):
        print(__doc__)
        return 0 if len(argv) >= 2 else 2
    path = argv[1]
    plot_out = json_out = None
    args = argv[2:]
    while args:
        a = args.pop(0)
        if a == '--plot' and args:
            plot_out = args.pop(0)
        elif a == '--json' and args:
            json_out = args.pop(0)
        else:
            print('unknown argument %s' % a, file=sys.stderr)
            return 2
    header, events = load(path)
    table = breakdown(events)
    print('trace %s: %d events, %s vCPUs, lost %s' % (
        path, len(events), header.get('cpus', '?'), header.get('lost', '?')))
    print(markdown(table))
    if json_out:
        with open(json_out, 'w') as f:
            json.dump({'header': header, 'stages': table}, f, indent=1)
    if plot_out:
        plot(table, plot_out, 'IPI stages: ' + path.split('/')[-1])
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
