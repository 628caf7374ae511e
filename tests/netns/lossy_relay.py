#!/usr/bin/env python3
"""tests/netns/lossy_relay.py — a UDP relay that loses, duplicates and reorders datagrams.

usage: lossy_relay.py LISTEN_ADDR LISTEN_PORT TARGET_ADDR TARGET_PORT SEED
                      [--loss P] [--dup P] [--reorder P] [--lifetime SECONDS] [--trace]

Whoever sends to LISTEN_ADDR:LISTEN_PORT is the client: its datagrams go on to
TARGET_ADDR:TARGET_PORT from one socket of the relay, and what the target sends back to that
socket goes to the client that spoke last. For each datagram, in each direction: dropped
with probability --loss (0.3), else sent twice with probability --dup (0.1), else held back
20 to 200 ms with probability --reorder (0.1), so that the ones after it overtake it, else
forwarded at once. Each direction draws its decisions from its own generator, both seeded
from random.Random(SEED), four draws a datagram: the Nth datagram of a direction meets the
same fate on every run.

Prints one line when it listens, and on SIGTERM or SIGINT, or after --lifetime seconds
(120), one line of counters per direction before it exits 0:
  c2s received N forwarded N dropped N duplicated N delayed N overtaken N pending N
(forwarded: passed on, a duplicate counted once; overtaken: held back ones that a later
datagram passed; pending: still held back at the end, never sent). --trace adds a line per
datagram on stderr: seconds since the start, direction, index, length, what was done.
"""
import argparse
import heapq
import random
import select
import signal
import socket
import sys
import time

KEYS = ("received", "forwarded", "dropped", "duplicated", "delayed", "overtaken", "pending")


class Stop(Exception):
    pass


stopping = False


def on_signal(signum, frame):
    # only the first one: `timeout` passes its SIGTERM on to us twice (to us and to its group)
    global stopping
    if not stopping:
        stopping = True
        raise Stop()


class Direction:
    """One way through the relay: its decisions and its counters."""

    def __init__(self, name, seed, args):
        self.name, self.rng, self.args = name, random.Random(seed), args
        self.n = dict.fromkeys(KEYS, 0)
        self.arrivals = 0  # index of the next datagram
        self.highest_sent = -1  # highest index sent so far, to tell overtaking

    def decide(self):
        """(index, action, delay): always four draws, whatever the outcome."""
        loss, dup, late, delay = (self.rng.random(), self.rng.random(), self.rng.random(),
                                  self.rng.uniform(0.020, 0.200))
        index = self.arrivals
        self.arrivals += 1
        self.n["received"] += 1
        if loss < self.args.loss:
            return index, "drop", 0
        if dup < self.args.dup:
            return index, "dup", 0
        if late < self.args.reorder:
            return index, "delay", delay
        return index, "send", 0

    def sent(self, index, held):
        self.n["forwarded"] += 1
        if held and self.highest_sent > index:
            self.n["overtaken"] += 1
        self.highest_sent = max(self.highest_sent, index)

    def line(self):
        return self.name + "".join(" %s %d" % (k, self.n[k]) for k in KEYS)


def udp_socket(addr, port, bind):
    family, _, _, _, sa = socket.getaddrinfo(addr, port, type=socket.SOCK_DGRAM)[0]
    s = socket.socket(family, socket.SOCK_DGRAM)
    if bind:
        s.bind(sa)
    return s, sa


def send(sock, data, dest):
    try:
        sock.sendto(data, dest)
    except OSError:
        pass  # nobody listening (ICMP) or a full buffer: as good as lost


def main():
    global stopping
    ap = argparse.ArgumentParser(description="a UDP relay that loses, duplicates and reorders")
    ap.add_argument("listen_addr")
    ap.add_argument("listen_port", type=int)
    ap.add_argument("target_addr")
    ap.add_argument("target_port", type=int)
    ap.add_argument("seed", type=int)
    ap.add_argument("--loss", type=float, default=0.3)
    ap.add_argument("--dup", type=float, default=0.1)
    ap.add_argument("--reorder", type=float, default=0.1)
    ap.add_argument("--lifetime", type=float, default=120)
    ap.add_argument("--trace", action="store_true")
    args = ap.parse_args()

    front, _ = udp_socket(args.listen_addr, args.listen_port, True)
    back, target = udp_socket(args.target_addr, args.target_port, False)
    back.bind(("::", 0) if back.family == socket.AF_INET6 else ("0.0.0.0", 0))
    seeds = random.Random(args.seed)
    c2s = Direction("c2s", seeds.getrandbits(64), args)
    s2c = Direction("s2c", seeds.getrandbits(64), args)
    client = None
    held = []  # heap of (due, order, direction, index, socket, data, destination)
    order = 0
    start = time.monotonic()
    end = start + args.lifetime

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print("lossy_relay: %s:%d -> %s:%d seed %d loss %g dup %g reorder %g, listening"
          % (args.listen_addr, args.listen_port, args.target_addr, args.target_port,
             args.seed, args.loss, args.dup, args.reorder), flush=True)
    try:
        while True:
            now = time.monotonic()
            if now >= end:
                break
            while held and held[0][0] <= now:  # the held back ones that are due
                _, _, d, index, sock, data, dest = heapq.heappop(held)
                send(sock, data, dest)
                d.sent(index, True)
                if args.trace:
                    print("%.3f %s %d released" % (now - start, d.name, index), file=sys.stderr,
                          flush=True)
            wake = min(end, held[0][0]) if held else end
            ready, _, _ = select.select([front, back], [], [], max(0.0, wake - now))
            for sock in ready:
                try:
                    data, src = sock.recvfrom(65535)
                except OSError:
                    continue  # an ICMP error reported on the socket
                if sock is front:
                    client = src
                    d, out, dest = c2s, back, target
                else:
                    if client is None or src[:2] != target[:2]:
                        continue  # nobody to answer yet, or not from the target
                    d, out, dest = s2c, front, client
                index, action, delay = d.decide()
                if args.trace:
                    print("%.3f %s %d %d bytes %s" % (time.monotonic() - start, d.name, index,
                                                     len(data), action), file=sys.stderr, flush=True)
                if action == "drop":
                    d.n["dropped"] += 1
                elif action == "delay":
                    d.n["delayed"] += 1
                    heapq.heappush(held, (time.monotonic() + delay, order, d, index, out, data, dest))
                    order += 1
                else:
                    if action == "dup":
                        d.n["duplicated"] += 1
                        send(out, data, dest)
                    send(out, data, dest)
                    d.sent(index, False)
    except Stop:
        pass
    stopping = True  # from here a signal changes nothing: the counters get printed
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for item in held:
        item[2].n["pending"] += 1
    print(c2s.line())
    print(s2c.line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
