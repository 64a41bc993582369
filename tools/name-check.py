#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""name-check.py - one naming rule, checked with nm (docs/architecture.md).

A name a file exports starts with the file's name; the separator tells the
layer. The pure models (top of vmm/) use one underscore, as the kernel
APIs they follow do (apic_deliver, ipi_domain_reserve); a model split over
component_part.c files exports its component's prefix (apic_icr.c ->
apic_). Everything else, the plumbing in vmm/*/ and lib/, uses kvmtool's
two (machine__create, vm__kick); lib/ also exports the public ipivirt_*.
No static function has "__" in its name.

  name-check.py OBJ...   each OBJ is build/<tree>/<source path>.o
"""
import re
import subprocess
import sys

TREES = ('pic', 'release', 'asan', 'tsan')


def source_of(obj):
    """vmm/apic_icr.c for build/pic/vmm/apic_icr.o."""
    parts = obj.split('/')
    for i, p in enumerate(parts):
        if p in TREES:
            return '/'.join(parts[i + 1:])[:-2] + '.c'
    return None


def symbols(obj):
    out = subprocess.run(['nm', '--defined-only', obj], check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3:
            yield f[1], f[2]


def check(obj):
    src = source_of(obj)
    if not src:
        return [f'{obj}: not under build/<tree>/']
    parts = src.split('/')
    name = parts[-1][:-2]
    model = parts[0] == 'vmm' and len(parts) == 2
    errors = []
    for kind, sym in symbols(obj):
        if kind == 't' and '.' not in sym and \
                re.search(r'[a-z0-9]__[a-z]', sym):
            errors.append(f'{src}: static {sym} has "__"')
        if not kind.isupper() or kind in 'UVWA':
            continue
        if src == 'vmm/cli/main.c' and sym == 'main':
            continue
        if model:
            prefixes = tuple(dict.fromkeys((name + '_',
                                            name.split('_')[0] + '_')))
            ok = sym.startswith(prefixes) and '__' not in sym
            want = ' or '.join(p + '*' for p in prefixes) + \
                ', one underscore'
        else:
            ok = sym.startswith(name + '__') or \
                (parts[0] == 'lib' and sym.startswith('ipivirt_'))
            want = f'{name}__*'
        if not ok:
            errors.append(f'{src}: exports {sym}, wants {want}')
    return errors


def main():
    objs = sys.argv[1:]
    errors = [e for o in objs for e in check(o)]
    for e in errors:
        print(f'name-check: {e}', file=sys.stderr)
    if errors:
        print(f'name-check: {len(errors)} name(s) off the rule in '
              f'{len(objs)} objects', file=sys.stderr)
        return 1
    print(f'name-check: {len(objs)} objects, every exported name starts '
          f'with its file\'s (models: component_, plumbing: file__)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
