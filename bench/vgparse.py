"""bench/vgparse.py — read Valgrind's output files for the bench.

Owns two numbers per process run:
  callgrind: the whole-process Ir (the file's "summary:"/"totals:") and the Ir inclusive of the
             handshake entry points: the sum of the inclusive costs of every call made from the
             program itself (an object that is not a shared library) into one of the named
             functions, so nested calls are not counted twice;
  massif:    the peak of useful heap + allocator overhead ("mem_heap_B + mem_heap_extra_B")
             over all snapshots, and over those taken while a connection object is allocated
             (stacks are not profiled).
The callgrind format (name compression "(id) name", cob/cfn/calls lines) is the one documented in
Valgrind's "Callgrind Format Specification".
"""
import fnmatch
import os
import re

_COMPRESSED = re.compile(r"^\((\d+)\)(?: (.*))?$")


def _name(table, kind, value):
    """Resolve a possibly compressed name: "(12) foo" defines, "(12)" refers."""
    m = _COMPRESSED.match(value)
    if not m:
        return value
    if m.group(2) is not None:
        table[(kind, m.group(1))] = m.group(2)
        return m.group(2)
    return table.get((kind, m.group(1)), "?")


def _is_library(ob):
    return ".so" in os.path.basename(ob)


def matcher(patterns):
    """A predicate over function names: shell patterns ("eiot_conn_*"), "!name" excludes."""
    take = [p for p in patterns if not p.startswith("!")]
    drop = [p[1:] for p in patterns if p.startswith("!")]
    cache = {}

    def match(name):
        if name not in cache:
            cache[name] = (any(fnmatch.fnmatchcase(name, p) for p in take)
                           and not any(fnmatch.fnmatchcase(name, p) for p in drop))
        return cache[name]
    return match


def callgrind(path, entry_patterns):
    """Return (total Ir, Ir inclusive of calls from the program into the entry points)."""
    table = {}
    total = None
    ob = fn = cfn = None
    pending = False
    hs = 0
    entry = matcher(entry_patterns)
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if pending:
                pending = False
                parts = line.split()
                if (len(parts) >= 2 and entry(cfn) and not entry(fn)
                        and not _is_library(ob)):
                    hs += int(parts[1])
                continue
            if line.startswith(("summary:", "totals:")):
                total = int(line.split()[1])
            elif line.startswith("ob="):
                ob = _name(table, "ob", line[3:])
            elif line.startswith("fn="):
                fn = _name(table, "fn", line[3:])
            elif line.startswith("cob="):
                _name(table, "ob", line[4:])  # may define a name used by a later ob=
            elif line.startswith("cfn="):
                cfn = _name(table, "fn", line[4:])
            elif line.startswith("calls="):
                pending = True
    return total, hs


def massif_peak(path, conn_fn):
    """Return (peak of heap + overhead over all snapshots, the same over the snapshots whose
    allocation tree holds memory allocated under conn_fn, i.e. while a connection is alive).
    conn_fn may name several functions separated by "|" (a public entry point can be a tail
    call into the allocating one, and then only the latter is in the stack).
    The second needs massif's --detailed-freq=1 --threshold=0 to see every allocation site."""
    names = "|".join(re.escape(n) for n in conn_fn.split("|"))
    marker = re.compile(r": (?:%s) \(" % names)
    peak = conn_peak = 0
    heap = total = 0
    alive = False

    def close():
        nonlocal conn_peak
        if alive:
            conn_peak = max(conn_peak, total)

    with open(path) as f:
        for line in f:
            if line.startswith("snapshot="):
                close()
                alive, total = False, 0
            elif line.startswith("mem_heap_B="):
                heap = int(line.split("=")[1])
            elif line.startswith("mem_heap_extra_B="):
                total = heap + int(line.split("=")[1])
                peak = max(peak, total)
            elif not alive and marker.search(line):
                alive = True
    close()
    return peak, conn_peak
