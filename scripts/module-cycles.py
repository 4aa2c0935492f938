#!/usr/bin/env python3
"""module-cycles.py BUILD_DIR: finds call cycles between modules (src/X.c)
from the object files of each program and library in BUILD_DIR: module A
depends on B when A's object uses a symbol B's object defines. Prints each
cycle (a strongly connected group of two or more modules) and exits 1 if
there is one."""
import collections
import glob
import os
import subprocess
import sys


def graph(objs):
    defs, uses = {}, collections.defaultdict(set)
    for o in objs:
        mod = os.path.basename(o)[:-len('.c.o')]
        out = subprocess.run(['nm', o], capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in 'TDBRC':
                defs[f[2]] = mod
            elif len(f) == 2 and f[0] == 'U':
                uses[mod].add(f[1])
    g = collections.defaultdict(set)
    for mod, syms in uses.items():
        for s in syms:
            if s in defs and defs[s] != mod:
                g[mod].add(defs[s])
    return g


def cycles(g):
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(g[v]):
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

    sys.setrecursionlimit(10000)
    for v in sorted(list(g)):
        if v not in index:
            visit(v)
    return out


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else 'build'
    groups = collections.defaultdict(list)
    for o in glob.glob(os.path.join(build, 'CMakeFiles', '*.dir', 'src',
                                    '*.c.o')):
        target = o.split(os.sep)[-3]
        groups[target].append(o)
    # The daemon's modules are split over two libraries: check them as one.
    daemon = groups.pop('berthcore.dir', []) + groups.pop('berthcommon.dir',
                                                          [])
    groups['daemon'] = daemon
    found = 0
    for name, objs in sorted(groups.items()):
        for c in cycles(graph(objs)):
            print('call cycle between modules (%s): %s' %
                  (name, ' <-> '.join(c)), file=sys.stderr)
            found = 1
    return found


if __name__ == '__main__':
    sys.exit(main())
