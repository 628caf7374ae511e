#!/usr/bin/env python3
"""bench/udp_relay.py — a counting UDP relay on 127.0.0.1 between one DTLS client and one server.

Owns the wire measurement of the bench: every datagram is forwarded unchanged and its DTLS
records are counted per direction and per content type (RFC 6347 §4.1: 13-byte record header,
length in the last two bytes). The counts are rewritten to --out (JSON) after every datagram,
so a relay killed at any moment leaves a complete file. Counts are UDP payload bytes: the
28 bytes of IPv4 + UDP header per datagram are not included.

Bounded: exits after --lifetime seconds, or --idle seconds after the last datagram, or on
SIGTERM. Only 127.0.0.0/8 addresses are accepted.
"""
import argparse
import json
import os
import selectors
import signal
import socket
import sys
import time

TYPES = {20: "ccs", 21: "alert", 22: "handshake", 23: "appdata"}


def new_dir():
    d = {"bytes": 0, "datagrams": 0, "hs_datagrams": 0, "sizes": []}
    for name in list(TYPES.values()) + ["other"]:
        d[name] = 0
    return d


def count(d, data):
    """Add one datagram to direction d: total, per record type (header + body)."""
    d["bytes"] += len(data)
    d["datagrams"] += 1
    d["sizes"].append(len(data))
    off, hs = 0, False
    while off + 13 <= len(data):
        ctype = data[off]
        rlen = int.from_bytes(data[off + 11:off + 13], "big")
        end = min(off + 13 + rlen, len(data))
        name = TYPES.get(ctype, "other")
        d[name] += end - off
        if ctype in (20, 22):
            hs = True
        off = end
    d["other"] += len(data) - off
    if hs:
        d["hs_datagrams"] += 1


def loopback(host):
    return host.startswith("127.")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen-port", type=int, default=0, help="0: pick a free port")
    ap.add_argument("--target-port", type=int, required=True)
    ap.add_argument("--out", required=True, help="JSON counts, rewritten after each datagram")
    ap.add_argument("--port-file", help="write the chosen listen port here")
    ap.add_argument("--lifetime", type=float, default=120.0)
    ap.add_argument("--idle", type=float, default=60.0)
    a = ap.parse_args()

    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.bind(("127.0.0.1", a.listen_port))
    back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    back.bind(("127.0.0.1", 0))
    back.connect(("127.0.0.1", a.target_port))
    counts = {"c2s": new_dir(), "s2c": new_dir()}
    client = None

    def flush():
        tmp = a.out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(counts, f)
        os.replace(tmp, a.out)

    flush()
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % front.getsockname()[1])
        os.replace(a.port_file + ".tmp", a.port_file)

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    sel = selectors.DefaultSelector()
    sel.register(front, selectors.EVENT_READ)
    sel.register(back, selectors.EVENT_READ)
    start = last = time.monotonic()
    while not stop:
        now = time.monotonic()
        if now - start > a.lifetime or now - last > a.idle:
            break
        for key, _ in sel.select(timeout=0.2):
            try:
                if key.fileobj is front:
                    data, src = front.recvfrom(65535)
                    if not loopback(src[0]):
                        continue
                    client = client or src
                    if src != client:
                        continue  # one client per relay
                    count(counts["c2s"], data)
                    back.send(data)
                else:
                    data = back.recv(65535)
                    count(counts["s2c"], data)
                    if client:
                        front.sendto(data, client)
            except ConnectionRefusedError:
                continue  # server not up yet / gone: the datagram is lost, as on a wire
            last = time.monotonic()
            flush()
    flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
