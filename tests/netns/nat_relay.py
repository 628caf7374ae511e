#!/usr/bin/env python3
"""tests/netns/nat_relay.py — a UDP relay that behaves as a NAT: one outgoing socket, rebound on demand.

usage: nat_relay.py LISTEN_ADDR LISTEN_PORT TARGET_ADDR TARGET_PORT
                    [--source ADDR] [--counters FILE] [--lifetime SECONDS] [--trace]

Whoever sends to LISTEN_ADDR:LISTEN_PORT (0: a free port) is the client: its datagrams go on to
TARGET_ADDR:TARGET_PORT from ONE outgoing socket (bound to --source, any address by default, on
a port the kernel picks), so that the target sees the relay's address and port, whatever the
client's; what the target sends back to that socket goes to the client that spoke last. So
client processes that come and go reach the target from one address, as devices behind a NAT
that keeps its mapping.

SIGUSR1 rebinds, as a NAT that lost its mapping: a new outgoing socket on a new port (bound
before the old one is closed, so the port differs), the old one closed (what the target still
sends to it is lost). Each rebind prints one line, "nat_relay: rebind N: port OLD -> NEW", once
it is done: wait for it before sending again.

Counters (UDP payload bytes, IP and UDP headers not included):
  counters c2s_datagrams N c2s_bytes N s2c_datagrams N s2c_bytes N round_trips N rebinds N stray N
round_trips: how many times a datagram from the target followed one from the client (a turn of
the conversation), not counting a datagram of DTLS alert records only (the answer to a
close_notify, which nobody waits for); stray: datagrams from elsewhere than the target, or from
it before any client spoke, dropped. --counters FILE holds that line, rewritten (atomically)
once no datagram came for 20 ms (not on the forwarding path: no delay added); it is printed on
stdout at the end: on SIGTERM or SIGINT, or after
--lifetime seconds (120), the relay exits 0. The first line on stdout says it listens (with its
PID, the one to signal when a wrapper such as timeout(1) started it):
  nat_relay: pid PID, listening on ADDR:PORT, to TARGET:PORT from port PORT
--trace adds a line per datagram on stderr: seconds since the start (to the microsecond),
direction, length, the outgoing port, and "alerts" when it holds DTLS alert records only.
"""
import argparse
import os
import select
import signal
import socket
import sys
import time

KEYS = ("c2s_datagrams", "c2s_bytes", "s2c_datagrams", "s2c_bytes", "round_trips", "rebinds", "stray")
ALERT = 21  # DTLS record content type (RFC 6347 §4.1)
IDLE = 0.020  # the counters file is written once no datagram came for this long


def alerts_only(data):
    """True when data is one or more whole DTLS records, all of them alerts."""
    off = 0
    while off + 13 <= len(data):
        if data[off] != ALERT:
            return False
        off += 13 + int.from_bytes(data[off + 11:off + 13], "big")
    return off == len(data) and off > 0


class Relay:
    def __init__(self, args):
        self.args = args
        fam, _, _, _, sa = socket.getaddrinfo(args.listen_addr, args.listen_port,
                                              type=socket.SOCK_DGRAM)[0]
        self.front = socket.socket(fam, socket.SOCK_DGRAM)
        self.front.bind(sa)
        fam, _, _, _, self.target = socket.getaddrinfo(args.target_addr, args.target_port,
                                                       type=socket.SOCK_DGRAM)[0]
        self.family = fam
        self.back = self.outgoing()
        self.client = None
        self.last_c2s = False
        self.n = dict.fromkeys(KEYS, 0)
        self.start = time.monotonic()

    def outgoing(self):
        s = socket.socket(self.family, socket.SOCK_DGRAM)
        any_addr = "::" if self.family == socket.AF_INET6 else "0.0.0.0"
        s.bind((self.args.source or any_addr, 0))
        return s

    def port(self):
        return self.back.getsockname()[1]

    def rebind(self):
        old, old_port = self.back, self.port()
        self.back = self.outgoing()  # bound while the old one still is: another port
        old.close()
        self.n["rebinds"] += 1
        print("nat_relay: rebind %d: port %d -> %d" % (self.n["rebinds"], old_port, self.port()),
              flush=True)

    def line(self):
        return "counters" + "".join(" %s %d" % (k, self.n[k]) for k in KEYS)

    def save(self):
        if not self.args.counters:
            return
        tmp = self.args.counters + ".tmp"
        with open(tmp, "w") as f:
            f.write(self.line() + "\n")
        os.replace(tmp, self.args.counters)

    def trace(self, direction, data, at):
        """One line about a datagram that arrived at monotonic time at (once it is passed on)."""
        if self.args.trace:
            print("%.6f %s %d bytes, port %d%s" % (at - self.start, direction, len(data),
                                                   self.port(), " alerts" if alerts_only(data) else ""),
                  file=sys.stderr, flush=True)

    def from_client(self, data, src):
        self.client = src
        self.n["c2s_datagrams"] += 1
        self.n["c2s_bytes"] += len(data)
        self.last_c2s = True
        at = time.monotonic()
        try:
            self.back.sendto(data, self.target)
        except OSError:
            pass  # nobody listening (an earlier ICMP error) or a full buffer: lost, as on a wire
        self.trace("c2s", data, at)

    def from_target(self, data, src):
        if self.client is None or src[:2] != self.target[:2]:
            self.n["stray"] += 1
            return
        self.n["s2c_datagrams"] += 1
        self.n["s2c_bytes"] += len(data)
        if self.last_c2s and not alerts_only(data):
            self.n["round_trips"] += 1
        self.last_c2s = False
        at = time.monotonic()
        try:
            self.front.sendto(data, self.client)
        except OSError:
            pass  # the client has gone
        self.trace("s2c", data, at)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("listen_addr")
    ap.add_argument("listen_port", type=int)
    ap.add_argument("target_addr")
    ap.add_argument("target_port", type=int)
    ap.add_argument("--source", help="address of the outgoing socket (default: any)")
    ap.add_argument("--counters", help="file that holds the counters line, rewritten per datagram")
    ap.add_argument("--lifetime", type=float, default=120)
    ap.add_argument("--trace", action="store_true")
    args = ap.parse_args()

    r = Relay(args)
    # signals only set flags; the wakeup socket makes select() return for them
    wake_r, wake_w = socket.socketpair()
    wake_r.setblocking(False)
    wake_w.setblocking(False)
    signal.set_wakeup_fd(wake_w.fileno())
    flags = {"rebind": 0, "stop": False}

    def on_usr1(signum, frame):
        flags["rebind"] += 1

    def on_stop(signum, frame):
        flags["stop"] = True

    signal.signal(signal.SIGUSR1, on_usr1)
    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    r.save()
    host, port = r.front.getsockname()[:2]
    print("nat_relay: pid %d, listening on %s:%d, to %s:%d from port %d"
          % (os.getpid(), host, port, args.target_addr, args.target_port, r.port()), flush=True)
    end = time.monotonic() + args.lifetime
    dirty = False  # counters changed since the file was written
    while not flags["stop"]:
        now = time.monotonic()
        if now >= end:
            break
        while flags["rebind"]:
            flags["rebind"] -= 1
            r.rebind()
            dirty = True
        ready, _, _ = select.select([r.front, r.back, wake_r], [], [],
                                    min(end - now, IDLE) if dirty else end - now)
        if not ready and dirty:
            r.save()
            dirty = False
        for sock in ready:
            if sock is wake_r:
                try:
                    wake_r.recv(64)
                except OSError:
                    pass
                continue
            try:
                data, src = sock.recvfrom(65535)
            except OSError:
                continue  # an ICMP error reported on the socket
            if sock is r.front:
                r.from_client(data, src)
            else:
                r.from_target(data, src)
            dirty = True
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # from here the counters get printed
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    r.save()
    print("nat_relay: " + r.line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
