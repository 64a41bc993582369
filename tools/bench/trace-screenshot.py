#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""trace-screenshot.py - a PNG of an `ipivirt run --trace` trace-event file.

    tools/bench/trace-screenshot.py TRACE.json OUT.png [--from US --to US]
        [--span US] [--width PX] [--html OUT.html]

Draws TRACE.json (the FILE.json that `--trace FILE` writes) with
tools/bench/trace-view.html in headless Chromium and saves the screenshot.
Without --from/--to it picks a window of --span us (default 600) around
one IPI sent to three or more vCPUs at once (the one, in the second half of
the run, whose last injection came soonest), so its send, kicks, wakes,
injections and flow arrows are all in view, with the IPIs around it. The events in the window (and
the other end of each flow that crosses it) are embedded in a copy of the
viewer; --html keeps that page. Needs Debian's chromium (`apt-get install
-y chromium`), which no other target installs: this is a docs step only
(`make trace-screenshot`, docs/bench.md "Flight recorder").
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))


def flows(events):
    out, ins = {}, defaultdict(list)
    for e in events:
        if e.get('ph') != 'X' or 'bind_id' not in e:
            continue
        if e.get('flow_out'):
            out[e['bind_id']] = e
        elif e.get('flow_in'):
            ins[e['bind_id']].append(e)
    return out, ins


def pick_window(events, width):
    """@width us around the multicast IPI delivered soonest, late in the run."""
    out, ins = flows(events)
    xs = [e for e in events if e.get('ph') == 'X']
    if not xs:
        return 0.0, 1.0
    middle = (min(e['ts'] for e in xs) + max(e['ts'] for e in xs)) / 2
    best = None
    for want in (3, 2, 1):
        for fid, send in out.items():
            tgt = ins.get(fid, [])
            if len(tgt) < want or send['ts'] < middle:
                continue
            last = max(e['ts'] for e in tgt)
            if best is None or last - send['ts'] < best[1] - best[0]:
                best = (send['ts'], last)
        if best:
            break
    if best is None:
        return xs[0]['ts'], xs[0]['ts'] + width
    # The IPI's send a quarter in: what led to it, and what came after.
    width = max(width, 1.6 * (best[1] - best[0]))
    return best[0] - 0.25 * width, best[0] + 0.75 * width


def depth(events):
    """The deepest nesting of slices on one track (the viewer's rows)."""
    tracks = defaultdict(list)
    for e in events:
        if e.get('ph') == 'X':
            t0 = round(e['ts'] * 1000)  # whole ns, as the viewer nests
            tracks[(e['pid'], e['tid'])].append(
                (t0, -(t0 + round(e.get('dur', 0) * 1000))))
    deepest = 1
    for slices in tracks.values():
        stack = []
        for t0, neg_t1 in sorted(slices):
            while stack and stack[-1] <= t0:
                stack.pop()
            stack.append(-neg_t1)
            deepest = max(deepest, len(stack))
    return deepest


def window_events(events, t0, t1):
    """Metadata, the slices overlapping [t0, t1], and their flows' other ends."""
    keep = [e for e in events if e.get('ph') == 'M']
    inside = [e for e in events if e.get('ph') == 'X' and
              e['ts'] + e.get('dur', 0) >= t0 and e['ts'] <= t1]
    ids = {e['bind_id'] for e in inside if 'bind_id' in e}
    seen = {id(e) for e in inside}
    ends = [e for e in events if e.get('ph') == 'X' and e.get('bind_id') in ids
            and id(e) not in seen]
    return keep + inside + ends


def main(argv):
    args = argv[1:]
    if len(args) < 2 or args[0] in ('-h', '--help'):
        print(__doc__)
        return 0 if args and args[0] in ('-h', '--help') else 2
    src, png = args[0], args[1]
    opts = {'--from': None, '--to': None, '--span': '600', '--width': '1600',
            '--html': None}
    rest = args[2:]
    while rest:
        k = rest.pop(0)
        if k not in opts or not rest:
            print('trace-screenshot: bad argument %s' % k, file=sys.stderr)
            return 2
        opts[k] = rest.pop(0)
    chromium = shutil.which('chromium') or shutil.which('chromium-browser')
    if not chromium:
        print('trace-screenshot: no chromium: apt-get install -y chromium',
              file=sys.stderr)
        return 2
    with open(src) as f:
        trace = json.load(f)
    events = trace['traceEvents']
    if opts['--from'] is not None and opts['--to'] is not None:
        t0, t1 = float(opts['--from']), float(opts['--to'])
    else:
        t0, t1 = pick_window(events, float(opts['--span']))
    sub = dict(trace, traceEvents=window_events(events, t0, t1))
    nr_tracks = sum(1 for e in events
                    if e.get('ph') == 'M' and e.get('name') == 'thread_name')
    with open(os.path.join(HERE, 'trace-view.html')) as f:
        page = f.read()
    # '</' never appears inside the embedded JSON's script element.
    data = json.dumps(sub, separators=(',', ':')).replace('</', '<\\/')
    embed = ('<script>window.IPIVIRT_TRACE = %s;\nwindow.IPIVIRT_VIEW = '
             '{"from": %r, "to": %r};</script>\n<script>\n' % (data, t0, t1))
    page = page.replace('<script>\n', embed, 1)
    with tempfile.TemporaryDirectory() as tmp:
        html = os.path.join(tmp, 'trace.html')
        with open(html, 'w') as f:
            f.write(page)
        if opts['--html']:
            shutil.copyfile(html, opts['--html'])
        # trace-view.html's layout: bar, axis, tracks, legend.
        height = 36 + 28 + nr_tracks * (depth(sub['traceEvents']) * 18 + 16) + 50
        cmd = [chromium, '--headless', '--no-sandbox', '--disable-gpu',
               '--hide-scrollbars', '--user-data-dir=' + os.path.join(tmp, 'p'),
               '--window-size=%s,%d' % (opts['--width'], height),
               '--screenshot=' + os.path.abspath(png), 'file://' + html]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=120)
    if r.returncode != 0 or not os.path.exists(png):
        print(r.stdout, file=sys.stderr)
        print('trace-screenshot: chromium failed (%d)' % r.returncode,
              file=sys.stderr)
        return 1
    print('trace-screenshot: %s: window %.3f .. %.3f us (%.1f us), %d of %d '
          'events' % (png, t0, t1, t1 - t0, len(sub['traceEvents']),
                      len(events)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
