#!/usr/bin/env python3
"""tests/netns/radius_eap.py — a RADIUS client that plays a broken EAP-TLS peer.

usage: radius_eap.py SERVER:PORT SECRET IDENTITY TYPEDATA_HEX...

Sends EAP-Response/Identity in an Access-Request, then for each TYPEDATA_HEX an
EAP-Response of type 13 (EAP-TLS) whose type data (flags, length, TLS bytes) are those
bytes, echoing the State and answering the last EAP-Request's Identifier. Prints one line
per RADIUS answer ("Access-Challenge EAP-Request id 106 type 13 flags 0x20 len 6"), stops at
Access-Accept or Access-Reject and exits 0 with "final: Access-Reject" / "final:
Access-Accept"; exits 1 when the server does not answer within 5 s (per request) or answers
something that is not RADIUS. RFC 2865 packets, RFC 3579 Message-Authenticator.
"""
import hashlib
import hmac
import os
import socket
import struct
import sys

CODES = {1: "Access-Request", 2: "Access-Accept", 3: "Access-Reject", 11: "Access-Challenge"}
EAP_CODES = {1: "EAP-Request", 2: "EAP-Response", 3: "EAP-Success", 4: "EAP-Failure"}
USER_NAME, STATE, EAP_MESSAGE, MESSAGE_AUTH = 1, 24, 79, 80


def attr(t, v):
    return bytes([t, len(v) + 2]) + v


def access_request(ident, secret, user, eap, state):
    auth = os.urandom(16)
    attrs = attr(USER_NAME, user)
    for i in range(0, len(eap), 253):
        attrs += attr(EAP_MESSAGE, eap[i:i + 253])
    if state:
        attrs += attr(STATE, state)
    attrs += attr(MESSAGE_AUTH, bytes(16))
    head = struct.pack("!BBH", 1, ident, 20 + len(attrs)) + auth
    mac = hmac.new(secret, head + attrs, hashlib.md5).digest()
    return head + attrs[:-16] + mac


def parse(pkt):
    if len(pkt) < 20 or struct.unpack("!H", pkt[2:4])[0] != len(pkt):
        raise ValueError("not a RADIUS packet")
    attrs, p = {}, 20
    while p + 2 <= len(pkt):
        t, n = pkt[p], pkt[p + 1]
        if n < 2:
            raise ValueError("bad attribute length")
        attrs.setdefault(t, []).append(pkt[p + 2:p + n])
        p += n
    return pkt[0], attrs


def describe(eap):
    if len(eap) < 4:
        return "no EAP-Message"
    s = "%s id %d" % (EAP_CODES.get(eap[0], "EAP code %d" % eap[0]), eap[1])
    if eap[0] in (1, 2) and len(eap) >= 6:
        s += " type %d flags 0x%02x len %d" % (eap[4], eap[5], len(eap))
    return s


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    host, port = sys.argv[1].rsplit(":", 1)
    secret, user = sys.argv[2].encode(), sys.argv[3].encode()
    steps = [bytes.fromhex(h) for h in sys.argv[4:]]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(5)
    eap = bytes([2, 1]) + struct.pack("!H", 5 + len(user)) + b"\x01" + user
    state, ident = None, 0
    while True:
        ident = (ident + 1) & 0xFF
        sock.sendto(access_request(ident, secret, user, eap, state), (host, int(port)))
        try:
            code, attrs = parse(sock.recv(4096))
        except (socket.timeout, ValueError) as e:
            print("no answer: %s" % e)
            return 1
        reply = b"".join(attrs.get(EAP_MESSAGE, []))
        print("%s %s" % (CODES.get(code, "code %d" % code), describe(reply)))
        if code in (2, 3):
            print("final: %s" % CODES[code])
            return 0
        if not steps or len(reply) < 2:
            print("final: out of steps")
            return 0
        state = attrs.get(STATE, [None])[0]
        data = steps.pop(0)
        eap = bytes([2, reply[1]]) + struct.pack("!H", 5 + len(data)) + b"\x0d" + data


if __name__ == "__main__":
    sys.exit(main())
