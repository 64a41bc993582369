#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench.py - ipivirt's IPI path against QEMU, on guest-tests/bench.c.

    tools/bench/bench.py [--ipivirt BIN] [--out DIR] [--quick] [--launcher auto|libvirt|direct]
                         [--only SUBSTR] [--cpus 1,2,4] [--repeats N]

`make bench` runs it (BENCH_QUICK=1 or `make bench-quick`: ~2 minutes).
Configurations: ipivirt x2APIC, xAPIC, XIVE (--irqchip xive), x2APIC with
--ipi-yield off; QEMU + this host's KVM with kernel_irqchip=on and =split
(-cpu MODEL,+x2apic, MODEL from tools/qemu-cpu.sh: the one this host's KVM
accepts), QEMU TCG, and QEMU kernel_irqchip=off (deprecated,
expected to hang: bounded by a short time-out and reported as such). QEMU
runs through libvirt (transient `virsh create` domains; libvirtd is started
when none runs) or, when libvirt cannot be used, qemu-system-x86_64
directly. Then the kick-strategy runs with the flight recorder
(--trace) and the start-up / memory footprint runs.

Writes DIR (default build/bench): results.json, results.md, raw logs,
latency_vs_cpus.{svg,png}, hist_pingpong.{svg,png}, kick_*.trace and their
breakdowns. Python 3 standard library; plots need python3-matplotlib and
the peers libvirt: the bench group of tools/deps/packages, installed by
tools/ensure-deps.sh when running as root (else the command is printed).
Numbers are never judged against limits: a run fails only when the guest's
own checks fail (every IPI delivered exactly once) or it times out.
"""
import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
GT = os.path.join(ROOT, 'guest-tests', 'build')
LIBVIRT_URI = 'qemu:///system'
QEMU = 'qemu-system-x86_64'
QEMU_CPU_SH = os.path.join(ROOT, 'tools', 'qemu-cpu.sh')


def log(msg):
    print(msg, flush=True)


# ---- configurations ---------------------------------------------------------

def configs(quick):
    c = [
        dict(name='ipivirt-x2apic', kind='ipivirt', args=['--x2apic']),
        dict(name='ipivirt-xapic', kind='ipivirt', args=['--xapic']),
        # oncpu writes the APIC's ICR itself: not an XIVE IPI.
        dict(name='ipivirt-xive', kind='ipivirt', args=['--irqchip', 'xive'],
             modes=['pingpong', 'alltoall', 'broadcast']),
        dict(name='ipivirt-x2apic-noyield', kind='ipivirt',
             args=['--x2apic', '--ipi-yield', 'off']),
        # KVM-style adaptive halt polling (docs/bench.md): only in pairs.py
        # runs unless asked for (--only), so the full table keeps its shape.
        dict(name='ipivirt-x2apic-poll', kind='ipivirt',
             args=['--x2apic', '--halt-poll', 'adaptive'], pairs_only=True),
        # Every EOI an exit again, for the PV EOI comparison (docs/bench.md).
        dict(name='ipivirt-x2apic-nopveoi', kind='ipivirt',
             args=['--x2apic', '--pv-eoi', 'off'], pairs_only=True),
        dict(name='qemu-kvm-irqchip-on', kind='qemu', accel='kvm', irqchip='on'),
        dict(name='qemu-kvm-irqchip-split', kind='qemu', accel='kvm', irqchip='split'),
        dict(name='qemu-tcg', kind='qemu', accel='tcg', irqchip=None),
        # Deprecated userspace APIC: hung 300 s in SMP tests here. Keep it
        # in the table with what it does, bounded by a short time-out.
        dict(name='qemu-kvm-irqchip-off', kind='qemu', accel='kvm', irqchip='off',
             timeout=10 if quick else 20, cpus=[2], modes=['pingpong']),
    ]
    return c


MODES = ['pingpong', 'oncpu', 'alltoall', 'broadcast']


def plan(quick):
    if quick:
        return dict(cpus=[1, 2, 4], repeats=1, timeout=60,
                    rounds={'pingpong': 300, 'oncpu': 300, 'alltoall': 200, 'broadcast': 40},
                    kick_rounds=300, footprint_runs=3)
    return dict(cpus=[1, 2, 4, 8, 16], repeats=2, timeout=150,
                rounds={'pingpong': 1000, 'oncpu': 1000, 'alltoall': 400, 'broadcast': 100},
                kick_rounds=1000, footprint_runs=5)


def rounds_for(p, mode, cpus):
    r = p['rounds'][mode]
    # Overcommitted (more vCPUs than the 2 host cores): fewer rounds.
    if cpus >= 8 and mode not in ('pingpong', 'oncpu'):
        r = max(20, r // (cpus // 4))
    return r


# ---- process helpers --------------------------------------------------------

def cpu_ns(pid):
    """Host CPU time of every thread of @pid, in ns (schedstat), or None."""
    total = 0
    try:
        for t in os.listdir('/proc/%d/task' % pid):
            try:
                with open('/proc/%d/task/%s/schedstat' % (pid, t)) as f:
                    total += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    except OSError:
        return None
    return total


def status_kib(pid, key):
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith(key + ':'):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


class Watch:
    """Follow console text; sample the process at the start/end markers."""

    def __init__(self):
        self.text = ''
        self.t_first = None
        self.cpu_begin = self.cpu_end = None
        self.rss_end = None

    def feed(self, chunk, pid, t0):
        if not chunk:
            return
        if self.t_first is None:
            self.t_first = time.monotonic_ns() - t0
        self.text += chunk
        began_now = False
        if pid and self.cpu_begin is None and 'INFO: bench: mode=' in self.text:
            self.cpu_begin = cpu_ns(pid)
            began_now = True
        if pid and self.cpu_end is None and re.search(r'^bench: mode=', self.text, re.M):
            self.cpu_end = cpu_ns(pid)
            self.rss_end = status_kib(pid, 'VmRSS')
            if began_now:  # both markers in one read: no usable window
                self.cpu_begin = self.cpu_end = -1


def run_direct(cmd, timeout, watch):
    t0 = time.monotonic_ns()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    os.set_blocking(p.stdout.fileno(), False)
    deadline = time.monotonic() + timeout
    timed_out = False
    status = None
    rusage = None
    while True:
        try:
            chunk = p.stdout.read()
        except BlockingIOError:
            chunk = None
        if chunk:
            watch.feed(chunk.decode('utf-8', 'replace'), p.pid, t0)
        pid, st, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            status = os.waitstatus_to_exitcode(st)
            rusage = ru
            p.returncode = status
            rest = p.stdout.read() or b''
            watch.feed(rest.decode('utf-8', 'replace'), None, t0)
            break
        if time.monotonic() > deadline:
            timed_out = True
            os.killpg(p.pid, signal.SIGKILL)
            _, st, ru = os.wait4(p.pid, 0)
            rusage = ru
            status = 124
            p.returncode = status
            break
        time.sleep(0.005)
    wall = (time.monotonic_ns() - t0) / 1e9
    return dict(status=status, timed_out=timed_out, wall_s=wall, t0=t0,
                rusage_cpu_s=(rusage.ru_utime + rusage.ru_stime) if rusage else None,
                maxrss_kib=rusage.ru_maxrss if rusage else None)


# ---- QEMU: libvirt or direct -------------------------------------------------

def virsh(*args, check=False, timeout=30):
    return subprocess.run(['virsh', '-q', '-c', LIBVIRT_URI] + list(args),
                          capture_output=True, text=True, timeout=timeout, check=check)


ENSURE_DEPS = os.path.join(ROOT, 'tools', 'ensure-deps.sh')
_deps_ok = None


def ensure_bench_deps():
    """tools/ensure-deps.sh bench, once: as root it installs what is missing
    of the bench group (libvirt, matplotlib, ...), else it prints the
    apt-get line. `make bench` has run it already; this is for bench.py alone."""
    global _deps_ok
    if _deps_ok is None:
        _deps_ok = subprocess.run([ENSURE_DEPS, 'bench']).returncode == 0
    return _deps_ok


def choose_launcher(asked, prog):
    """--launcher ASKED as (launcher, why): libvirt when it is usable and
    auto or libvirt was asked (libvirt asked but unusable: exit), else
    direct."""
    if asked not in ('auto', 'libvirt'):
        return asked, 'asked'
    usable, why = libvirt_usable()
    if usable:
        return 'libvirt', why
    if asked == 'libvirt':
        sys.exit('%s: libvirt: %s' % (prog, why))
    return 'direct', why


def libvirt_usable():
    if not shutil.which('virsh'):
        # libvirt is how users run production VMs: the peers go through it.
        ensure_bench_deps()
    if not shutil.which('virsh'):
        return False, 'virsh missing (as root: %s bench)' % ENSURE_DEPS
    try:
        if virsh('version').returncode == 0:
            return True, 'libvirt already running'
    except subprocess.TimeoutExpired:
        pass
    if os.geteuid() != 0:
        return False, 'libvirt not running and not root to start it'
    started = []
    for d in ('virtlogd', 'libvirtd'):
        if shutil.which(d) or os.path.exists('/usr/sbin/' + d):
            subprocess.run([shutil.which(d) or '/usr/sbin/' + d, '-d'],
                           capture_output=True)
            started.append(d)
    for _ in range(50):
        try:
            if virsh('version').returncode == 0:
                return True, 'started ' + ' '.join(started)
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.2)
    return False, 'libvirtd did not answer'


def uses_kvm_cpu(cfg):
    """QEMU + KVM configurations that run on the probed -cpu model (the
    userspace-APIC one keeps its own, see domain_xml)."""
    return cfg.get('accel') == 'kvm' and cfg.get('irqchip') != 'off'


def qemu_kvm_cpu():
    """(model, message): the -cpu model this host's KVM accepts, from
    tools/qemu-cpu.sh (it probes once and caches), or (None, why)."""
    r = subprocess.run([QEMU_CPU_SH, QEMU], capture_output=True, text=True)
    msg = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ''
    if r.returncode != 0 or not r.stdout.strip():
        return None, msg or 'tools/qemu-cpu.sh exit %d' % r.returncode
    return r.stdout.strip(), msg


def libvirt_cpu_xml(model):
    """libvirt's <cpu> for `-cpu MODEL,+x2apic`: host -> host-passthrough,
    max -> maximum, a named model -> custom; +F/-F (F=on|off) -> require/
    disable. ValueError for what has no libvirt form."""
    name, *opts = model.split(',')
    feats = {}
    for o in opts + ['+x2apic']:  # later wins, as on QEMU's command line
        if o[:1] in '+-':
            feats[o[1:]] = 'require' if o[0] == '+' else 'disable'
        elif o.endswith(('=on', '=off')):
            f, v = o.rsplit('=', 1)
            feats[f] = 'require' if v == 'on' else 'disable'
        else:
            raise ValueError("no libvirt <cpu> for -cpu %s ('%s')" % (model, o))
    xml = ''.join("<feature policy='%s' name='%s'/>" % (p, f) for f, p in feats.items())
    if name == 'host':
        return "<cpu mode='host-passthrough'>%s</cpu>" % xml
    if name == 'max':
        return "<cpu mode='maximum'>%s</cpu>" % xml
    return "<cpu mode='custom' match='exact' check='none'><model>%s</model>%s</cpu>" % (name, xml)


def domain_xml(name, cfg, cpus, kernel, cmdline, console, kvm_cpu):
    kvm = cfg['accel'] == 'kvm'
    feats = '<acpi/>'
    if cfg.get('irqchip') == 'split':
        feats += "<ioapic driver='qemu'/>"
    elif cfg.get('irqchip') == 'on':
        feats += "<ioapic driver='kvm'/>"
    extra = ['-device', 'isa-debug-exit,iobase=0xf4,iosize=4']
    if cfg.get('irqchip') == 'off':
        extra += ['-machine', 'kernel_irqchip=off']
    if cfg.get('irqchip') == 'off':
        # No x2APIC without KVM's APIC, and host-passthrough makes QEMU 7.2
        # abort at once here (KVM_SET_MSRS of MSR 0x4b564d06 fails).
        cpu = "<cpu mode='custom' match='exact' check='none'><model>qemu64</model></cpu>"
    elif kvm:
        cpu = libvirt_cpu_xml(kvm_cpu)
    else:
        cpu = ''
    args = ''.join("<qemu:arg value='%s'/>" % a for a in extra)
    return """<domain type='%s' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>%s</name>
  <memory unit='MiB'>256</memory>
  <vcpu>%d</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type>
    <kernel>%s</kernel><cmdline>%s</cmdline></os>
  <features>%s</features>
  %s
  <on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot><on_crash>destroy</on_crash>
  <devices>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
    <serial type='file'><source path='%s'/><target port='0'/></serial>
  </devices>
  <qemu:commandline>%s</qemu:commandline>
</domain>
""" % ('kvm' if kvm else 'qemu', name, cpus, kernel, cmdline, feats, cpu, console, args)


def run_libvirt(cfg, cpus, kernel, cmdline, timeout, watch, workdir, tag, kvm_cpu):
    name = 'ipivirt-bench-%d-%s' % (os.getpid(), tag)
    console = os.path.join(workdir, name + '.console')
    xml = os.path.join(workdir, name + '.xml')
    with open(xml, 'w') as f:
        f.write(domain_xml(name, cfg, cpus, kernel, cmdline, console, kvm_cpu))
    t0 = time.monotonic_ns()
    try:
        # The first create after libvirtd starts probes QEMU's capabilities
        # (over 30 s here): give it time, and never let it end the bench.
        r = virsh('create', xml, timeout=max(180, timeout))
    except subprocess.TimeoutExpired:
        try:
            virsh('destroy', name)
        except subprocess.TimeoutExpired:
            pass
        return dict(status=None, timed_out=True, wall_s=0,
                    error='virsh create did not answer', launcher='libvirt')
    if r.returncode != 0:
        return dict(status=None, timed_out=False, wall_s=0, error=r.stderr.strip(),
                    launcher='libvirt')
    pid = None
    for _ in range(100):
        try:
            with open('/run/libvirt/qemu/%s.pid' % name) as f:
                pid = int(f.read().strip())
            break
        except (OSError, ValueError):
            time.sleep(0.01)
    deadline = time.monotonic() + timeout
    pos = 0
    timed_out = False
    cpu_last = None
    while True:
        try:
            with open(console, 'rb') as f:
                f.seek(pos)
                chunk = f.read()
                pos += len(chunk)
            watch.feed(chunk.decode('utf-8', 'replace'), pid, t0)
        except OSError:
            pass
        if pid:
            c = cpu_ns(pid)
            if c is not None:
                cpu_last = c
        if pid and not os.path.exists('/proc/%d' % pid):
            break
        try:
            if virsh('domstate', name).returncode != 0:
                break
        except subprocess.TimeoutExpired:
            pass
        if time.monotonic() > deadline:
            timed_out = True
            virsh('destroy', name)
            break
        time.sleep(0.01)
    try:
        with open(console, 'rb') as f:
            f.seek(pos)
            watch.feed(f.read().decode('utf-8', 'replace'), None, t0)
    except OSError:
        pass
    wall = (time.monotonic_ns() - t0) / 1e9
    ok = re.search(r'^(\d+) passed, 0 failed', watch.text, re.M)
    return dict(status=124 if timed_out else (0 if ok else 1), timed_out=timed_out,
                wall_s=wall, t0=t0, launcher='libvirt',
                rusage_cpu_s=cpu_last / 1e9 if cpu_last is not None else None,
                maxrss_kib=None)


def qemu_cpu_arg(cfg, kvm_cpu):
    """The -cpu a QEMU configuration runs with (None: QEMU's default)."""
    if cfg.get('accel') != 'kvm':
        return None
    return 'qemu64' if cfg['irqchip'] == 'off' else kvm_cpu + ',+x2apic'


def qemu_cmd(cfg, cpus, kernel, cmdline, kvm_cpu):
    cmd = [QEMU, '-display', 'none', '-serial', 'stdio', '-no-reboot', '-m', '256',
           '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-smp', str(cpus),
           '-kernel', kernel, '-append', cmdline]
    if cfg['accel'] == 'kvm':
        cmd += ['-accel', 'kvm', '-cpu', qemu_cpu_arg(cfg, kvm_cpu),
                '-machine', 'kernel_irqchip=%s' % cfg['irqchip']]
    else:
        cmd += ['-accel', 'tcg']
    return cmd


# ---- one run -------------------------------------------------------------------

def parse_bench(text):
    m = re.search(r'^bench: (.*)$', text, re.M)
    kv = {}
    if m:
        for tok in m.group(1).split():
            if '=' in tok:
                k, v = tok.split('=', 1)
                kv[k] = int(v) if v.isdigit() else v
    samples = []
    for line in re.findall(r'^bench-samples: (.*)$', text, re.M):
        samples += [int(x) for x in line.split(',') if x.strip().isdigit()]
    stats = {}
    m = re.search(r'^total: exits=(\d+) ipi-messages=(\d+) ipi-deliveries=(\d+)', text, re.M)
    if m:
        stats = dict(exits=int(m.group(1)), ipi_messages=int(m.group(2)),
                     ipi_deliveries=int(m.group(3)))
    summary = re.search(r'^(\d+) passed, (\d+) failed', text, re.M)
    return kv, samples, stats, summary


def trace_header(path):
    h = {}
    try:
        with open(path) as f:
            for line in f:
                if not line.startswith('#'):
                    break
                for tok in line[1:].split():
                    if '=' in tok:
                        k, v = tok.split('=', 1)
                        try:
                            h[k] = float(v) if '.' in v else int(v)
                        except ValueError:
                            h[k] = v
    except OSError:
        pass
    return h


def one_run(ctx, cfg, mode, cpus, rounds, rep, extra_args='', trace=None, ipivirt_extra=()):
    kernel_elf = os.path.join(GT, 'bench.elf')
    kernel_flat = os.path.join(GT, 'bench.flat')
    cmdline = 'mode=%s rounds=%d samples=%d %s' % (mode, rounds, ctx['samples'], extra_args)
    cmdline = cmdline.strip()
    timeout = cfg.get('timeout', ctx['plan']['timeout'])
    watch = Watch()
    tag = '%s-%s-%d-%d' % (cfg['name'], mode, cpus, rep)
    if cfg['kind'] == 'ipivirt':
        cmd = [ctx['ipivirt'], 'run', '--cpus', str(cpus), '--stats',
               '--timeout', str(timeout)] + cfg['args'] + list(ipivirt_extra)
        if trace:
            cmd += ['--trace', trace]
        cmd += ['--kernel', kernel_elf, '--append', cmdline]
        res = run_direct(cmd, timeout + 10, watch)
        res['launcher'] = 'direct'
        res['command'] = ' '.join(cmd)
    elif ctx['launcher'] == 'libvirt':
        res = run_libvirt(cfg, cpus, kernel_flat, cmdline, timeout, watch, ctx['work'],
                          tag.replace('.', '_'), ctx['kvm_cpu'])
        res['command'] = 'virsh create (%s)' % cfg['name']
    else:
        cmd = qemu_cmd(cfg, cpus, kernel_flat, cmdline, ctx['kvm_cpu'])
        res = run_direct(cmd, timeout, watch)
        res['launcher'] = 'direct'
        res['command'] = ' '.join(cmd)
    with open(os.path.join(ctx['out'], 'logs', tag + '.log'), 'w') as f:
        f.write('# %s\n' % res.get('command'))
        f.write(watch.text)
    kv, samples, stats, summary = parse_bench(watch.text)
    passed = bool(summary and summary.group(2) == '0' and int(summary.group(1)) > 0)
    if cfg['kind'] == 'qemu':
        ok = passed and not res['timed_out']
    else:
        ok = passed and res['status'] == 0
    r = dict(config=cfg['name'], mode=mode, cpus=cpus, rounds=rounds, rep=rep, ok=ok,
             status=res['status'], timed_out=res['timed_out'], wall_s=round(res['wall_s'], 3),
             launcher=res.get('launcher'), error=res.get('error'),
             first_output_ms=round(watch.t_first / 1e6, 2) if watch.t_first else None,
             skipped=bool(re.search(r'^SKIP:', watch.text, re.M)) and not kv,
             samples=samples, **stats)
    if cfg['kind'] == 'qemu':
        r['qemu_cpu'] = qemu_cpu_arg(cfg, ctx['kvm_cpu'])
    for k in ('p50_cycles', 'p99_cycles', 'p50_ns', 'p99_ns', 'calls_per_s', 'tsc_khz',
              'single_p50_cycles', 'single_p99_cycles', 'bcast_over_single_pct'):
        if k in kv:
            r[k] = kv[k]
    n = kv.get('rounds') or 0
    if (watch.cpu_begin is not None and watch.cpu_end is not None and n and watch.cpu_end > 0
            and watch.cpu_end >= watch.cpu_begin):  # a thread that exited takes its time away
        r['cpu_us_per_call'] = round((watch.cpu_end - watch.cpu_begin) / 1e3 / n, 1)
    if res.get('rusage_cpu_s') is not None and stats.get('ipi_deliveries'):
        r['cpu_us_per_ipi_whole_run'] = round(res['rusage_cpu_s'] * 1e6 / stats['ipi_deliveries'], 1)
    r['rss_kib'] = watch.rss_end or res.get('maxrss_kib')
    r['rusage_cpu_s'] = res.get('rusage_cpu_s')
    # Each console byte costs the guest 2 exits (LSR poll, THR write).
    r['sample_chars'] = sum(len(x) + 1 for x in re.findall(r'^bench-samples: .*$', watch.text, re.M))
    if trace:
        h = trace_header(trace)
        r['trace'] = os.path.relpath(trace, ROOT)
        if h.get('first_run_mono_ns'):
            r['start_to_first_run_ms'] = round((h['first_run_mono_ns'] - res['t0']) / 1e6, 2)
            # exec + dynamic loading, then VM/device/vCPU set-up, then thread start
            r['exec_to_cli_ms'] = round((h.get('configure_mono_ns', 0) - res['t0']) / 1e6, 2)
            r['cli_to_vcpu_threads_ms'] = round((h.get('start_mono_ns', 0)
                                                 - h.get('configure_mono_ns', 0)) / 1e6, 2)
            r['vcpu_threads_to_first_run_ms'] = round((h['first_run_mono_ns']
                                                       - h.get('start_mono_ns', 0)) / 1e6, 2)
        if h.get('vm_rss_kib') is not None:
            r['vmm_rss_minus_guest_kib'] = (h['vm_rss_kib'] - h.get('guest_ram_resident_kib', 0)
                                            - h.get('ring_resident_kib', 0))
            r['guest_ram_resident_kib'] = h.get('guest_ram_resident_kib')
    return r


def ipis_per_round(mode, cpus):
    if mode == 'pingpong':
        return 2 if cpus > 1 else 1
    if mode in ('alltoall', 'oncpu'):
        return 1  # one IPI per call (alltoall: its queue was empty)
    return 2 * (cpus - 1)  # the shorthand's deliveries + N-1 single sends


def add_marginal(r, base, n, mode, cpus):
    """exits and host CPU per IPI from the difference of two runs."""
    if not base or not r['ok'] or not base['ok'] or n <= 1:
        return
    ipis = (n - 1) * ipis_per_round(mode, cpus)
    if r.get('exits') is not None and base.get('exits') is not None:
        console = 2 * (r['sample_chars'] - base['sample_chars'])
        r['exits_per_ipi'] = round((r['exits'] - base['exits'] - console) / ipis, 2)
    if r.get('rusage_cpu_s') is not None and base.get('rusage_cpu_s') is not None:
        r['cpu_us_per_ipi'] = round((r['rusage_cpu_s'] - base['rusage_cpu_s']) * 1e6 / ipis, 1)


# ---- summaries -----------------------------------------------------------------

def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def summarize(results):
    groups = {}
    for r in results:
        groups.setdefault((r['config'], r['mode'], r['cpus']), []).append(r)
    rows = []
    for (cfg, mode, cpus), rs in groups.items():
        good = [r for r in rs if r['ok']]
        row = dict(config=cfg, mode=mode, cpus=cpus, runs=len(rs), ok_runs=len(good),
                   timed_out=sum(1 for r in rs if r['timed_out']),
                   skipped=all(r.get('skipped') for r in rs))
        for k in ('p50_cycles', 'p99_cycles', 'p50_ns', 'p99_ns', 'calls_per_s',
                  'exits_per_ipi', 'cpu_us_per_call', 'cpu_us_per_ipi',
                  'single_p50_cycles', 'bcast_over_single_pct', 'rss_kib', 'wall_s'):
            row[k] = median([r.get(k) for r in good])
        if not good:
            bad = rs[0]
            why = ('timed out after %ss' % round(bad['wall_s']) if bad['timed_out']
                   else bad.get('error') or 'exit %s' % bad['status'])
            why = ' '.join(why.replace('|', '/').split())
            row['failure'] = why if len(why) < 300 else why[:140] + ' ... ' + why[-150:]
        rows.append(row)
    order = {c['name']: i for i, c in enumerate(configs(False))}
    rows.sort(key=lambda r: (MODES.index(r['mode']), order.get(r['config'], 99), r['cpus']))
    return rows


def fmt(v, nd=0):
    if v is None:
        return '–'
    if isinstance(v, float) and nd:
        return '%.*f' % (nd, v)
    return '{:,}'.format(int(round(v)))


def markdown(rows):
    out = []
    for mode in MODES:
        mr = [r for r in rows if r['mode'] == mode]
        if not mr:
            continue
        out.append('\n### %s\n' % mode)
        hdr = ('| config | vCPUs | ok/runs | p50 cycles | p99 cycles | p50 µs | p99 µs | calls/s '
               '| exits/IPI | host CPU µs/call | host CPU µs/IPI |')
        if mode == 'broadcast':
            hdr += ' N singles p50 cycles | bcast/singles |'
        out.append(hdr)
        out.append('|' + '---|' * (hdr.count('|') - 1))
        for r in mr:
            if r['ok_runs'] == 0:
                what = 'skipped (needs 2+ CPUs)' if r['skipped'] else 'FAILED: ' + r.get('failure', '?')
                cells = [r['config'], str(r['cpus']), '%d/%d' % (r['ok_runs'], r['runs']), what]
                cells += [''] * (hdr.count('|') - 1 - len(cells))
                out.append('| ' + ' | '.join(cells) + ' |')
                continue
            cells = [r['config'], str(r['cpus']), '%d/%d' % (r['ok_runs'], r['runs']),
                     fmt(r['p50_cycles']), fmt(r['p99_cycles']),
                     fmt(r['p50_ns'] / 1000 if r['p50_ns'] else None, 1),
                     fmt(r['p99_ns'] / 1000 if r['p99_ns'] else None, 1),
                     fmt(r['calls_per_s']), fmt(r['exits_per_ipi'], 2),
                     fmt(r['cpu_us_per_call'], 1), fmt(r['cpu_us_per_ipi'], 1)]
            if mode == 'broadcast':
                cells += [fmt(r['single_p50_cycles']),
                          fmt(r['bcast_over_single_pct'] / 100.0 if r['bcast_over_single_pct']
                              is not None else None, 2)]
            out.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(out)


def targets(rows, foot):
    def get(cfg, mode, cpus, key):
        for r in rows:
            if r['config'] == cfg and r['mode'] == mode and r['cpus'] == cpus and r['ok_runs']:
                return r.get(key)
        return None
    out = []
    for ref in ('qemu-kvm-irqchip-on', 'qemu-kvm-irqchip-split', 'qemu-tcg'):
        for mine in ('ipivirt-x2apic', 'ipivirt-xapic', 'ipivirt-xive', 'ipivirt-x2apic-noyield'):
            a, b = get(mine, 'pingpong', 2, 'p50_cycles'), get(ref, 'pingpong', 2, 'p50_cycles')
            a99, b99 = get(mine, 'pingpong', 2, 'p99_cycles'), get(ref, 'pingpong', 2, 'p99_cycles')
            if a and b:
                out.append('- round trip, 2 vCPUs, %s / %s: p50 %.2fx, p99 %s%s' % (
                    mine, ref, a / b, '%.2fx' % (a99 / b99) if a99 and b99 else '-',
                    ' (target <= 1.0x)' if ref == 'qemu-kvm-irqchip-on' else ' (reference)'))
    for r in rows:
        if r['mode'] == 'broadcast' and r['config'].startswith('ipivirt') and r.get('bcast_over_single_pct'):
            out.append('- broadcast to %d vCPUs / %d single sends, %s: %.2fx (target <= 1.0x)' % (
                r['cpus'] - 1, r['cpus'] - 1, r['config'], r['bcast_over_single_pct'] / 100.0))
    st = [f.get('start_to_first_run_ms') for f in foot if f.get('start_to_first_run_ms')]
    rss = [f.get('vmm_rss_minus_guest_kib') for f in foot if f.get('vmm_rss_minus_guest_kib')]
    if st:
        out.append('- exec to first KVM_RUN (first guest instruction): median %.1f ms, max %.1f ms '
                   '(target < 20 ms)' % (median(st), max(st)))
    if rss:
        out.append('- VMM RSS minus guest RAM touched (and minus the recorder rings): median %.1f MiB '
                   '(target < 8 MiB)' % (median(rss) / 1024.0))
    return out


# ---- plots -----------------------------------------------------------------------

def have_matplotlib():
    try:
        import matplotlib  # noqa: F401
        return True
    except ImportError:
        pass
    if ensure_bench_deps():
        try:
            import importlib
            importlib.invalidate_caches()
            import matplotlib  # noqa: F401,F811
            return True
        except ImportError:
            pass
    log('bench: no plots: python3-matplotlib is missing; as root: %s bench' % ENSURE_DEPS)
    return False


def save_fig(plt, fig, out, name):
    """Write @fig as out/name.svg and .png, close it; return the file names."""
    made = []
    for ext in ('svg', 'png'):
        fig.savefig(os.path.join(out, name + '.' + ext))
        made.append(name + '.' + ext)
    plt.close(fig)
    return made


def plots(rows, results, out):
    if not have_matplotlib():
        return []
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    made = []
    fig, axes = plt.subplots(1, len(MODES), figsize=(5 * len(MODES), 4.5))
    for ax, mode in zip(axes, MODES):
        for cfg in configs(False):
            pts = sorted((r['cpus'], r['p50_ns'] / 1000.0) for r in rows
                         if r['mode'] == mode and r['config'] == cfg['name'] and r['p50_ns'])
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker='o', label=cfg['name'])
        ax.set_xscale('log', base=2)
        ticks = sorted({r['cpus'] for r in rows if r['mode'] == mode})
        if ticks:
            ax.set_xticks(ticks)
            ax.set_xticklabels([str(t) for t in ticks])
        ax.set_yscale('log')
        ax.set_xlabel('vCPUs (2 host cores)')
        ax.set_ylabel('p50 µs')
        ax.set_title(mode)
        ax.grid(True, which='both', alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    made += save_fig(plt, fig, out, 'latency_vs_cpus')

    fig, ax = plt.subplots(figsize=(9, 4.5))
    for cfg in configs(False):
        xs = []
        for r in results:
            if (r['config'] == cfg['name'] and r['mode'] == 'pingpong' and r['cpus'] == 2
                    and r['ok'] and r.get('tsc_khz')):
                xs += [s * 1000.0 / r['tsc_khz'] for s in r['samples']]
        if xs:
            lo, hi = max(1.0, min(xs)), max(xs) * 1.01
            bins = [lo * (hi / lo) ** (i / 60.0) for i in range(61)]
            ax.hist(xs, bins=bins, histtype='step', label='%s (n=%d)' % (cfg['name'], len(xs)))
    ax.set_xscale('log')
    ax.set_xlabel('ping-pong round trip, µs (2 vCPUs)')
    ax.set_ylabel('count')
    ax.legend(fontsize=7)
    fig.tight_layout()
    return made + save_fig(plt, fig, out, 'hist_pingpong')


# ---- kick strategies and footprint --------------------------------------------

def kick_runs(ctx):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'trace_breakdown', os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        'trace-breakdown.py'))
    tb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tb)
    base = dict(kind='ipivirt', args=['--x2apic'])
    out = []
    variants = [
        ('halt-yield-on', 'peer=halt', ['--ipi-yield', 'on'], True),
        ('halt-yield-off', 'peer=halt', ['--ipi-yield', 'off'], True),
        ('spin-yield-on', 'peer=spin', ['--ipi-yield', 'on'], True),
        ('spin-yield-off', 'peer=spin', ['--ipi-yield', 'off'], True),
        ('halt-yield-on-notrace', 'peer=halt', ['--ipi-yield', 'on'], False),
    ]
    for name, arg, extra, traced in variants:
        cfg = dict(base, name='kick-' + name)
        trace = os.path.join(ctx['out'], 'kick_%s.trace' % name) if traced else None
        r = one_run(ctx, cfg, 'pingpong', 2, ctx['plan']['kick_rounds'], 0, arg, trace, extra)
        r['variant'] = name
        if trace and os.path.exists(trace):
            _, ev = tb.load(trace)
            table = tb.breakdown(ev)
            r['stages'] = table
            with open(trace + '.md', 'w') as f:
                f.write(tb.markdown(table) + '\n')
            try:
                tb.plot(table, trace + '.svg', 'IPI stages, ping-pong 2 vCPUs, ' + name)
            except Exception as e:  # plotting is optional
                log('bench: plot %s: %s' % (name, e))
        log('  kick %-22s ok=%s p50=%s cycles p99=%s' % (name, r['ok'], r.get('p50_cycles'),
                                                          r.get('p99_cycles')))
        r.pop('samples', None)
        out.append(r)
    return out


def footprint_runs(ctx):
    cfg = dict(name='footprint', kind='ipivirt', args=['--x2apic'])
    out = []
    for i in range(ctx['plan']['footprint_runs']):
        trace = os.path.join(ctx['out'], 'footprint_%d.trace' % i)
        r = one_run(ctx, cfg, 'pingpong', 2, 50, i, '', trace)
        r.pop('samples', None)
        out.append(r)
        os.unlink(trace)
    return out


# ---- main ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--ipivirt', default=os.path.join(ROOT, 'build', 'ipivirt'))
    ap.add_argument('--out', default=os.path.join(ROOT, 'build', 'bench'))
    ap.add_argument('--quick', action='store_true', default=os.environ.get('BENCH_QUICK') == '1')
    ap.add_argument('--launcher', choices=['auto', 'libvirt', 'direct'],
                    default=os.environ.get('BENCH_LAUNCHER', 'auto'))
    ap.add_argument('--only', default=None, help='run only configs containing this')
    ap.add_argument('--cpus', default=None, help='comma list of vCPU counts')
    ap.add_argument('--repeats', type=int, default=None)
    ap.add_argument('--no-kick', action='store_true')
    a = ap.parse_args()

    p = plan(a.quick)
    if a.cpus:
        p['cpus'] = [int(x) for x in a.cpus.split(',')]
    if a.repeats:
        p['repeats'] = a.repeats
    os.makedirs(os.path.join(a.out, 'logs'), exist_ok=True)
    for k in ('bench.elf', 'bench.flat'):
        if not os.path.exists(os.path.join(GT, k)):
            sys.exit('bench: %s missing: run make -C guest-tests' % os.path.join(GT, k))
    if not os.path.exists(a.ipivirt):
        sys.exit('bench: %s missing: run make' % a.ipivirt)
    work = tempfile.mkdtemp(prefix='ipivirt-bench-')
    os.chmod(work, 0o777)  # libvirt's QEMU (user libvirt-qemu) writes the console here
    have_qemu = shutil.which(QEMU) is not None
    launcher, why = choose_launcher(a.launcher, 'bench')
    kvm_ok = os.access('/dev/kvm', os.R_OK | os.W_OK)
    # The CPU model for QEMU + KVM: -cpu host aborts on some hosts' KVM.
    kvm_cpu, kvm_cpu_why, kvm_cpu_xml = None, 'not probed (no QEMU + KVM run)', None
    if have_qemu and kvm_ok and any(uses_kvm_cpu(c) for c in configs(a.quick)
                                    if not a.only or a.only in c['name']):
        kvm_cpu, kvm_cpu_why = qemu_kvm_cpu()
        log('bench: ' + kvm_cpu_why)
        if kvm_cpu and launcher == 'libvirt':
            try:
                kvm_cpu_xml = libvirt_cpu_xml(kvm_cpu)
            except ValueError as e:
                sys.exit('bench: %s (QEMU_KVM_CPU, or --launcher direct)' % e)
            log('bench: libvirt ' + kvm_cpu_xml)
    # Run a private copy: a rebuild during the bench neither changes the
    # binary under test nor fails on 'text file busy'.
    binary = os.path.join(work, 'ipivirt')
    shutil.copy2(a.ipivirt, binary)
    ctx = dict(ipivirt=binary, out=a.out, plan=p, launcher=launcher,
               work=work, samples=2000, kvm_cpu=kvm_cpu)
    log('bench: %s mode; vCPUs %s; %d repeat(s); QEMU via %s (%s); output %s' % (
        'quick' if a.quick else 'full', p['cpus'], p['repeats'], launcher, why, a.out))
    t_start = time.time()
    results = []
    missing = []
    for cfg in configs(a.quick):
        if a.only and a.only not in cfg['name']:
            continue
        if cfg.get('pairs_only') and not a.only:
            continue
        if cfg['kind'] == 'qemu' and not have_qemu:
            missing.append(cfg['name'] + ': qemu-system-x86_64 missing (apt-get install -y qemu-system-x86)')
            continue
        if (cfg['kind'] == 'ipivirt' or cfg.get('accel') == 'kvm') and not kvm_ok:
            missing.append(cfg['name'] + ': /dev/kvm not usable')
            continue
        if uses_kvm_cpu(cfg) and not kvm_cpu:
            missing.append(cfg['name'] + ': ' + kvm_cpu_why)
            continue
        for mode in cfg.get('modes', MODES):
            for cpus in cfg.get('cpus', p['cpus']):
                if cpus == 1 and mode != 'pingpong':
                    continue  # all-to-all and broadcast need 2+ CPUs
                n = rounds_for(p, mode, cpus)
                reps = 1 if cfg.get('irqchip') == 'off' else p['repeats']
                if cfg.get('accel') == 'kvm' and not a.repeats:
                    reps = 1  # QEMU + this KVM boots in 5-30 s: one run each
                base = None
                if cfg['kind'] == 'ipivirt':
                    # Same run with 1 round: the difference is the IPIs'
                    # own exits and host CPU, without boot and console.
                    base = one_run(ctx, cfg, mode, cpus, 1, 99)
                for rep in range(reps):
                    r = one_run(ctx, cfg, mode, cpus, n, rep)
                    add_marginal(r, base, n, mode, cpus)
                    results.append(r)
                    log('  %-24s %-9s %2d vCPUs #%d  %-4s p50=%s p99=%s cycles  calls/s=%s  %.1fs%s' % (
                        cfg['name'], mode, cpus, rep, 'ok' if r['ok'] else 'FAIL',
                        r.get('p50_cycles', '-'), r.get('p99_cycles', '-'),
                        r.get('calls_per_s', '-'), r['wall_s'],
                        '  (timed out)' if r['timed_out'] else ''))
    rows = summarize(results)
    kicks = [] if a.no_kick or not kvm_ok else kick_runs(ctx)
    foot = [] if not kvm_ok else footprint_runs(ctx)
    made = plots(rows, results, a.out)
    md = ['# make bench results (%s)' % time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
          '', 'Command: `%s`; QEMU via %s; QEMU + KVM %s; host: %d CPUs; %.0f s total.' % (
              ' '.join(sys.argv), launcher,
              '`-cpu %s,+x2apic`' % kvm_cpu if kvm_cpu else 'CPU model: ' + kvm_cpu_why,
              os.cpu_count(), time.time() - t_start),
          '', markdown(rows)]
    if missing:
        md += ['', 'Not run: ' + '; '.join(missing)]
    if kicks:
        md += ['', '### kick strategies (ipivirt x2APIC ping-pong, 2 vCPUs)', '',
               '| variant | ok | p50 cycles | p99 cycles | calls/s |', '|---|---|---:|---:|---:|']
        for r in kicks:
            md.append('| %s | %s | %s | %s | %s |' % (r['variant'], r['ok'], fmt(r.get('p50_cycles')),
                                                   fmt(r.get('p99_cycles')), fmt(r.get('calls_per_s'))))
    if foot:
        md += ['', '### footprint (ipivirt, 2 vCPUs, --trace)', '',
               'start to first KVM_RUN ms: %s; start to first console byte ms: %s; '
               'VMM RSS minus guest RAM resident minus recorder rings KiB: %s' % (
                   [r.get('start_to_first_run_ms') for r in foot],
                   [r.get('first_output_ms') for r in foot],
                   [r.get('vmm_rss_minus_guest_kib') for r in foot])]
    md += ['', '### the issue\'s targets', ''] + targets(rows, foot)
    if made:
        md += ['', 'Plots: ' + ', '.join(made)]
    with open(os.path.join(a.out, 'results.md'), 'w') as f:
        f.write('\n'.join(md) + '\n')
    with open(os.path.join(a.out, 'results.json'), 'w') as f:
        json.dump(dict(command=' '.join(sys.argv), launcher=launcher, quick=a.quick,
                       qemu_kvm_cpu=dict(model=kvm_cpu, note=kvm_cpu_why, libvirt=kvm_cpu_xml,
                                         cpu_arg=kvm_cpu and kvm_cpu + ',+x2apic'),
                       plan=p, summary=rows, runs=[dict(r, samples=len(r['samples']))
                                                   for r in results],
                       kick=kicks, footprint=foot, not_run=missing), f, indent=1)
    shutil.rmtree(work, ignore_errors=True)
    print('\n'.join(md))
    log('bench: wrote %s/results.md, results.json%s' % (a.out, ', plots' if made else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())
