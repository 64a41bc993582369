#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""layer-check.py - the folders of vmm/ are layers (docs/architecture.md).

Every #include "..." in vmm/, lib/ is resolved the way the compiler does
(the including file's folder first, then -Ivmm, then -Iinclude) and must
go to the same folder or to a lower layer:

  0  vmm/          pure models and helpers: no KVM, no ioctl, nothing else
  1  vmm/hw/       devices: a bus, IRQ lines and callbacks, no struct vm
  2  vmm/boot/     image loaders, boot data, firmware tables
  2  vmm/debug/    flight recorder, fault injection
  3  vmm/vm/       struct vm: the machine's shared state
  4  vmm/irqchip/  the interrupt controllers' hosts: models to IPI domain
                   to kick, with no way back into the backend
  5  vmm/kvm/      the KVM backend: VM and vCPU fds, the vCPU loop
  6  vmm/machine/  building and running the machine, event loop, stats
  7  lib/          libipivirt's public API
  8  vmm/cli/      the ipivirt binary: include/ipivirt.h only

Two folders of one rank may not include each other, and no two files
include each other, directly or through others (a cycle): a module is a .c
file with its header; a header without a .c of its own (apic_regs.h, a
*_priv.h) stands for what it includes. The public header
(include/) is for lib/, cli/ and the VMM layers' configuration types, never
for the models, which the library wraps. Models may not include
<linux/kvm.h>, <sys/ioctl.h> or <asm/kvm.h>.

  layer-check.py [--root DIR]    exit 1 and one line per violation
"""
import os
import re
import sys

RANKS = {'': 0, 'hw': 1, 'boot': 2, 'debug': 2, 'vm': 3, 'irqchip': 4,
         'kvm': 5, 'machine': 6, 'lib': 7, 'cli': 8}
KVM_HEADERS = ('linux/kvm.h', 'sys/ioctl.h', 'asm/kvm.h')
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]', re.M)


def layer_of(path):
    """The layer name of a file under vmm/ or lib/, or None."""
    parts = path.split('/')
    if parts[0] == 'lib':
        return 'lib'
    if parts[0] != 'vmm':
        return None
    return parts[1] if len(parts) == 3 else ''


def resolve(root, src, name):
    """The repository path #include "name" in src finds, or None."""
    for base in (os.path.dirname(src), 'vmm', 'include'):
        cand = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(os.path.join(root, cand)):
            return cand
    return None


def find_cycles(graph):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def module_cycles(root, includes):
    """Cycles among modules; includes: file -> set of included files."""
    def module(path):
        return path[:-2]

    def has_c(path):
        return os.path.isfile(os.path.join(root, module(path) + '.c'))

    def targets(path, seen):
        # Through a header with no .c of its own, to what it includes.
        for t in includes.get(path, ()):
            if t.endswith('.h') and not has_c(t) and t not in seen:
                seen.add(t)
                yield from targets(t, seen)
            elif t.endswith('.h') and has_c(t) or t.endswith('.c'):
                yield t
    graph = {}
    for src in includes:
        if src.endswith('.h') and not has_c(src):
            continue
        me = module(src)
        for t in targets(src, set()):
            if module(t) != me:
                graph.setdefault(me, set()).add(module(t))
    return find_cycles(graph)


def check(root):
    errors, files = [], []
    includes = {}
    for top in ('vmm', 'lib'):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for n in sorted(names):
                if n.endswith(('.c', '.h')):
                    files.append(os.path.relpath(os.path.join(dirpath, n),
                                                 root))
    for src in sorted(files):
        layer = layer_of(src)
        if layer not in RANKS:
            errors.append(f'{src}: folder {layer!r} is no known layer')
            continue
        with open(os.path.join(root, src), encoding='utf-8') as f:
            text = f.read()
        for kind, name in INCLUDE.findall(text):
            if kind == '<':
                if layer == '' and name in KVM_HEADERS:
                    errors.append(f'{src}: a model includes <{name}>')
                continue
            target = resolve(root, src, name)
            if target is None:
                errors.append(f'{src}: "{name}" not found')
                continue
            includes.setdefault(src, set()).add(target)
            if target.startswith('include/'):
                if layer == '':
                    errors.append(f'{src}: a model includes the public '
                                  f'header "{name}"')
                continue
            if layer == 'cli' and layer_of(target) != 'cli':
                errors.append(f'{src}: the command line includes "{name}" '
                              f'({target}); it sees include/ only')
                continue
            tl = layer_of(target)
            if tl == layer:
                continue
            if tl not in RANKS or RANKS[tl] > RANKS[layer]:
                errors.append(f'{src} ({layer or "models"}) includes '
                              f'{target} ({tl or "models"}), a higher layer')
            elif RANKS[tl] == RANKS[layer]:
                errors.append(f'{src} ({layer}) includes {target} ({tl}), '
                              f'a sibling layer')
    for cycle in module_cycles(root, includes):
        errors.append('a cycle of includes: ' + ' -> '.join(cycle))
    return errors, len(files)


def main():
    root = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == '--root' \
        else '.'
    errors, n = check(root)
    for e in errors:
        print(f'layer-check: {e}', file=sys.stderr)
    if errors:
        print(f'layer-check: {len(errors)} violation(s) in {n} files',
              file=sys.stderr)
        return 1
    print(f'layer-check: {n} files in vmm/ and lib/, every include goes '
          f'to its own folder or a lower layer, no cycles')
    return 0


if __name__ == '__main__':
    sys.exit(main())
