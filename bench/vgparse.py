"""bench/vgparse.py — read Valgrind's output files for the bench.

Owns two numbers per process run:
  callgrind: the whole-process Ir (the file's "summary:"/"totals:") and the Ir inclusive of the
             handshake entry points: the sum of the inclusive costs of every call made from the
             program itself (an object that is not a shared library) into one of the named
             functions, so nested calls are not counted twice;
  massif:    the peak of useful heap + allocator overhead ("mem_heap_B + mem_heap_extra_B")
             over all snapshots (stacks are not profiled).
The callgrind format (name compression "(id) name", cob/cfn/calls lines) is the one documented in
Valgrind's "Callgrind Format Specification".
"""
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


def callgrind(path, entry_funcs):
    """Return (total Ir, Ir inclusive of calls from the program into entry_funcs)."""
    table = {}
    total = None
    ob = fn = cfn = None
    pending = False
    hs = 0
    entries = set(entry_funcs)
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if pending:
                pending = False
                parts = line.split()
                if (len(parts) >= 2 and cfn in entries and fn not in entries
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


def massif_peak(path):
    """Return the peak of heap + heap overhead in bytes over all snapshots."""
    peak, heap = 0, 0
    with open(path) as f:
        for line in f:
            if line.startswith("mem_heap_B="):
                heap = int(line.split("=")[1])
            elif line.startswith("mem_heap_extra_B="):
                peak = max(peak, heap + int(line.split("=")[1]))
    return peak
