#!/usr/bin/env python3
"""tests/device/uart_udp_relay.py — relay between an emulated device's UART and a UDP peer.

Connects to QEMU's serial port (-serial tcp:HOST:PORT,server=on,wait=on; the CPU starts once we
are connected) and to a UDP peer (iot-tls --listen --dtls). On the UART every datagram is framed
as a 2-byte big-endian length and its bytes, both ways: each frame from the device becomes one
datagram to the peer, each datagram from the peer one frame to the device. Ends when QEMU closes
the serial connection (the device exited) or after --timeout seconds, then prints one line with
the datagrams and bytes (without the framing) each way. Exit status: 0 when QEMU closed the
connection, 1 on timeout, a bad frame or a connection failure.
"""
import argparse
import selectors
import socket
import sys
import time


def addr(text):
    host, _, port = text.rpartition(":")
    return host, int(port)


def connect_serial(target, deadline):
    """QEMU listens a moment after it starts: retry until the deadline."""
    while True:
        try:
            return socket.create_connection(target, timeout=1)
        except OSError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--serial", type=addr, required=True, help="QEMU's serial TCP HOST:PORT")
    ap.add_argument("--udp", type=addr, required=True, help="the UDP peer HOST:PORT")
    ap.add_argument("--timeout", type=float, default=60, help="seconds for everything")
    ap.add_argument("--connect-timeout", type=float, default=10,
                    help="seconds to wait for QEMU's serial port")
    a = ap.parse_args()
    start = time.monotonic()
    deadline = start + a.timeout
    counts = {"dev->udp": [0, 0], "udp->dev": [0, 0]}
    status = 1
    why = "timeout"

    try:
        ser = connect_serial(a.serial, min(deadline, start + a.connect_timeout))
    except OSError as e:
        print(f"uart_udp_relay: cannot connect to QEMU's serial port {a.serial}: {e}",
              file=sys.stderr)
        return 1
    ser.setblocking(False)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.connect(a.udp)
    udp.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ser, selectors.EVENT_READ, "serial")
    sel.register(udp, selectors.EVENT_READ, "udp")
    buf = b""
    done = False
    while not done:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        for key, _ in sel.select(timeout=left):
            if key.data == "serial":
                try:
                    chunk = ser.recv(65536)
                except ConnectionResetError:
                    # QEMU exited with a frame of ours unread (the server's answer to the
                    # device's close_notify): the kernel resets instead of closing
                    chunk = b""
                if not chunk:
                    status, why, done = 0, "device closed the serial port", True
                    break
                buf += chunk
                while len(buf) >= 2:
                    n = int.from_bytes(buf[:2], "big")
                    if len(buf) < 2 + n:
                        break
                    dgram, buf = buf[2:2 + n], buf[2 + n:]
                    try:
                        udp.send(dgram)
                    except OSError:
                        pass  # the peer is gone (ICMP port unreachable): UDP loses it
                    counts["dev->udp"][0] += 1
                    counts["dev->udp"][1] += n
            else:
                try:
                    dgram = udp.recv(65536)
                except OSError:
                    continue  # ICMP port unreachable from an earlier send
                if len(dgram) > 0xFFFF:
                    continue
                try:
                    ser.settimeout(max(0.1, deadline - time.monotonic()))
                    ser.sendall(len(dgram).to_bytes(2, "big") + dgram)
                    ser.setblocking(False)
                except OSError:  # also socket.timeout: QEMU stopped reading
                    status, why, done = 0, "device closed the serial port", True
                    break
                counts["udp->dev"][0] += 1
                counts["udp->dev"][1] += len(dgram)
    if buf:
        status, why = 1, f"{len(buf)} bytes of an unfinished frame from the device"
    ser.close()
    udp.close()
    print(f"relay: device->udp {counts['dev->udp'][0]} datagrams {counts['dev->udp'][1]} bytes"
          f" | udp->device {counts['udp->dev'][0]} datagrams {counts['udp->dev'][1]} bytes"
          f" | {why} after {time.monotonic() - start:.1f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
