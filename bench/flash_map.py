#!/usr/bin/env python3
"""bench/flash_map.py — flash and static RAM of the device programs, from GNU ld map files.

Owns the report of bench/flash.sh: reads each program's linker map (-Wl,-Map), sums the input
sections that survived --gc-sections by output section and by origin (eap_iot / mbedTLS /
libc+libgcc / the program itself), checks the totals against `arm-none-eabi-size` of the ELF,
and prints one markdown table (also written to --out). With --objects DIR it also writes, per
program, the flash of every object file that contributes (DIR/<name>-<cpu>.objects.txt).

  flash = every allocated output section but .bss (.text, .rodata, .ARM.exidx, the init/fini
          arrays and the .data image copied to RAM at start-up)
  RAM   = .data + .bss (static only; stack and heap not counted)
"""
import argparse
import os
import re
import subprocess
import sys

ORIGINS = ("eap_iot", "mbedtls", "libc", "app")
RAM_ONLY = {".bss", ".noinit", ".heap", ".stack", ".stack_dummy"}
RAM_AND_FLASH = {".data", ".tm_clone_table"}

OUT_SEC = re.compile(r"^(\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)")
OUT_SEC_NAME = re.compile(r"^(\.\S+)$")
IN_SEC = re.compile(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
IN_SEC_NAME = re.compile(r"^ (\S+)$")
ADDR_SIZE = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)(?:\s+(\S.*))?$")


def origin(path):
    base = os.path.basename(path)
    if base.startswith("libeap_iot"):
        return "eap_iot"
    if base.startswith("libmbedtls"):
        return "mbedtls"
    if "flash_device" in base:
        return "app"
    return "libc"  # libc_nano, libgcc, libnosys, crt*.o, linker-made stubs


def obj_name(path):
    m = re.search(r"([^/()]+)\(([^)]+)\)$", path)
    return "%s(%s)" % (m.group(1), m.group(2)) if m else os.path.basename(path)


def parse(map_path):
    """{output section: (address, size)} and [(output section, input file, address, size)]."""
    outs, ins = {}, []
    cur, pending, pending_out = None, None, None
    started = False
    with open(map_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not started:
                started = line.startswith("Linker script and memory map")
                continue
            if pending_out is not None:
                m = ADDR_SIZE.match(line)
                if m:
                    cur = pending_out
                    outs[cur] = (int(m.group(1), 16), int(m.group(2), 16))
                pending_out = None
                continue
            if pending is not None:
                m = ADDR_SIZE.match(line)
                if m and m.group(3) and cur:
                    ins.append((cur, m.group(3).strip(), int(m.group(1), 16), int(m.group(2), 16)))
                pending = None
                continue
            if line and not line[0].isspace():
                m = OUT_SEC.match(line)
                if m:
                    cur = m.group(1)
                    outs[cur] = (int(m.group(2), 16), int(m.group(3), 16))
                    continue
                m = OUT_SEC_NAME.match(line)
                if m:
                    pending_out = m.group(1)
                continue
            m = IN_SEC.match(line)
            if m and cur and not m.group(1).startswith("*"):
                ins.append((cur, m.group(4).strip(), int(m.group(2), 16), int(m.group(3), 16)))
                continue
            m = IN_SEC_NAME.match(line)
            if m and cur and not m.group(1).startswith("*"):
                pending = m.group(1)
    return outs, ins


def measure(map_path):
    """Each input section owns the bytes from its address to the next one's (so alignment
    padding goes to the section before it, and merged strings, whose listed sizes overlap,
    are counted once); bytes before the first input section go to the C library's side."""
    outs, ins = parse(map_path)
    flash = dict.fromkeys(ORIGINS, 0)
    ram = dict.fromkeys(ORIGINS, 0)
    bss = 0
    objects = {}
    for sec, (start, size) in outs.items():
        if start == 0 or size == 0:
            continue  # not allocated (debug, comments) or empty
        end = start + size
        parts = sorted(((a, path) for s, path, a, n in ins if s == sec and n > 0),
                       key=lambda p: p[0])
        owners = [(start, "libc", "(linker)")]
        owners += [(a, origin(path), obj_name(path)) for a, path in parts]
        for i, (a, o, obj) in enumerate(owners):
            n = (owners[i + 1][0] if i + 1 < len(owners) else end) - a
            if n <= 0:
                continue
            if sec in RAM_ONLY:
                ram[o] += n
                bss += n
                continue
            flash[o] += n
            objects[obj] = objects.get(obj, 0) + n
            if sec in RAM_AND_FLASH:
                ram[o] += n
    return flash, ram, bss, objects


def check(elf, flash, bss, size_tool):
    """The map's sums must be what the ELF holds: text + data = flash, bss = bss."""
    out = subprocess.run([size_tool, "-B", elf], check=True, capture_output=True,
                         text=True).stdout.splitlines()[1].split()
    text, data, elf_bss = int(out[0]), int(out[1]), int(out[2])
    total = sum(flash.values())
    if text + data != total or elf_bss != bss:
        sys.exit("flash_map: %s: map gives flash %d bss %d, %s gives %d + %d, bss %d"
                 % (elf, total, bss, size_tool, text, data, elf_bss))


def kib(n):
    return "%.1f" % (n / 1024.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="markdown file to write")
    ap.add_argument("--objects", help="directory for the per-object breakdowns")
    ap.add_argument("--size", default="arm-none-eabi-size", help="size tool for the check")
    ap.add_argument("--note", action="append", default=[], help="line added under the table")
    ap.add_argument("rows", nargs="+", help="NAME|CPU|MAP|ELF|HEAP_DEVICE|HEAP_DEFAULT")
    args = ap.parse_args()

    lines = [
        "| program | CPU | flash B | stack (eap_iot + mbedTLS) | eap_iot | mbedTLS | libc+libgcc | program+creds "
        "| static RAM B | eap_iot | mbedTLS | libc+libgcc | program "
        "| heap/conn B device (defaults) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in args.rows:
        name, cpu, map_path, elf, heap_dev, heap_def = row.split("|")
        flash, ram, bss, objects = measure(map_path)
        check(elf, flash, bss, args.size)
        heap = "%s (%s)" % (heap_dev, heap_def) if heap_dev else "-"
        stack = flash["eap_iot"] + flash["mbedtls"]
        lines.append("| %s | %s | %d (%s KiB) | %d (%s KiB) | %d | %d | %d | %d | %d | %d | %d | %d | %d | %s |" % (
            name, cpu, sum(flash.values()), kib(sum(flash.values())), stack, kib(stack), flash["eap_iot"],
            flash["mbedtls"], flash["libc"], flash["app"], sum(ram.values()), ram["eap_iot"],
            ram["mbedtls"], ram["libc"], ram["app"], heap))
        if args.objects:
            with open(os.path.join(args.objects, "%s-%s.objects.txt" % (name, cpu)), "w") as f:
                for obj, n in sorted(objects.items(), key=lambda kv: -kv[1]):
                    f.write("%7d  %s\n" % (n, obj))
    text = "\n".join(lines + [""] + ["- " + n for n in args.note]) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
