#!/usr/bin/env python3
"""bench/bench.py — side-by-side DTLS handshake cost: iot-tls next to openssl s_client/s_server.

Owns the measurement plan and the report. For each (case, implementation) it runs one
client/server pair on 127.0.0.1 five times, always through bench/udp_relay.py:
  wire       both native: handshake bytes and datagrams per direction;
  cg-client  client under callgrind, server native (and cg-server the other way round);
  ms-client  client under massif, server native (and ms-server).
The client sends one byte of application data, then closes. An implementation is nothing but
a server command and a client command (IMPLS below); add a row by adding an entry.

Bounded: every process runs under coreutils `timeout`, is waited for with a deadline and, if
still alive, is ended by its own PID. The caller owns the scratch directory (--work).
"""
import argparse
import datetime
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time

import vgparse

HERE = os.path.dirname(os.path.abspath(__file__))
PSK_ID = "device1"
PSK_HEX = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
SNI = "aaa.example.com"
PAYLOAD = b"x"  # not one of s_client's command letters (Q, R, k, K, B)
PROC_TIMEOUT = 60  # seconds, per process (valgrind included)

OSSL_SRV = ("openssl s_server -dtls1_2 -listen -mtu 1500 -accept 127.0.0.1:{port} -naccept 1 "
            "-no-CAfile -no-CApath -no-CAstore")
OSSL_CLI = ("openssl s_client -dtls1_2 -mtu 1500 -connect 127.0.0.1:{port} "
            "-no-CAfile -no-CApath -no-CAstore")
OSSL_PSK_SRV = " -cipher PSK-AES128-CCM8 -psk {psk} -psk_identity {psk_id} -nocert"
OSSL_PSK_CLI = " -cipher PSK-AES128-CCM8 -psk {psk} -psk_identity {psk_id}"
OSSL_ECC_SRV = (" -cipher ECDHE-ECDSA-AES128-CCM8 -groups P-256 -cert {pki}/server.pem "
                "-key {pki}/server.key.pem -Verify 1")
OSSL_ECC_CLI = (" -cipher ECDHE-ECDSA-AES128-CCM8 -groups P-256 -cert {pki}/device.pem "
                "-key {pki}/device.key.pem -verify_return_error -servername {sni} "
                "-verify_hostname {sni}")
# -CAfile also feeds OpenSSL's automatic chain building: each side then sends leaf + root.
# -verifyCAfile only feeds verification: each side sends its leaf alone.
OSSL_CHAIN = " -CAfile {pki}/ca.pem"
OSSL_LEAF = " -verifyCAfile {pki}/ca.pem -no_ticket"

# iot-tls on each crypto backend (BUILD/mbedtls/bin, BUILD/openssl/bin)
IOT_SRV = " --listen 127.0.0.1:{port} --dtls --mtu 1500 -q"
IOT_CLI = " --connect 127.0.0.1:{port} --dtls --mtu 1500 -q --idle 200"
IOT_SRV_M, IOT_CLI_M = "{tool_mbedtls}" + IOT_SRV, "{tool_mbedtls}" + IOT_CLI
IOT_SRV_O, IOT_CLI_O = "{tool_openssl}" + IOT_SRV, "{tool_openssl}" + IOT_CLI
IOT_PSK_SRV = " --psk {psk_id}:{psk} --suites PSK-AES128-CCM8"
IOT_PSK_CLI = " --psk-identity {psk_id} --psk {psk} --suites PSK-AES128-CCM8"
IOT_ECC_SRV = (" --cert {pki}/server.pem --key {pki}/server.key.pem --ca {pki}/ca.pem "
               "--verify-client required --suites ECDHE-ECDSA-AES128-CCM8")
IOT_ECC_CLI = (" --cert {pki}/device.pem --key {pki}/device.key.pem --ca {pki}/ca.pem "
               "--server-name {sni} --suites ECDHE-ECDSA-AES128-CCM8")
IOT_CONN = "eiot_conn_new|conn_new"

# Handshake entry points (shell patterns, "!" excludes): shutdown / close_notify is left out.
OSSL_HS = ["SSL_connect", "SSL_accept", "SSL_do_handshake", "SSL_read", "SSL_read_ex",
           "SSL_write", "SSL_write_ex", "SSL_peek", "SSL_peek_ex", "DTLSv1_listen"]
IOT_HS = ["eiot_conn_*", "eiot_dtls_accept", "!eiot_conn_free", "!eiot_conn_close"]

CASES = {
    "psk": "DTLS PSK-AES128-CCM8",
    "ecc": "DTLS ECDHE-ECDSA-AES128-CCM8, mutual",
}

def impl(name, case, server, client, hs_funcs, conn_fn, certs):
    """One row: commands ({port} {pki} {psk} {psk_id} {sni} {tool_<backend>} are filled in), the
    handshake entry points (for callgrind), the function that allocates the connection object
    (for massif) and what each side sends as its certificate chain."""
    return dict(name=name, case=case, server=server, client=client, hs=hs_funcs,
                conn_fn=conn_fn, certs=certs)


IMPLS = [
    impl("openssl (defaults)", "psk", OSSL_SRV + OSSL_PSK_SRV, OSSL_CLI + OSSL_PSK_CLI,
         OSSL_HS, "SSL_new", "-, ticket"),
    impl("openssl -no_ticket", "psk", OSSL_SRV + OSSL_PSK_SRV + " -no_ticket",
         OSSL_CLI + OSSL_PSK_CLI + " -no_ticket", OSSL_HS, "SSL_new", "-"),
    impl("iot-tls mbedTLS", "psk", IOT_SRV_M + IOT_PSK_SRV, IOT_CLI_M + IOT_PSK_CLI, IOT_HS,
         IOT_CONN, "-"),
    impl("iot-tls OpenSSL", "psk", IOT_SRV_O + IOT_PSK_SRV, IOT_CLI_O + IOT_PSK_CLI, IOT_HS,
         IOT_CONN, "-"),
    impl("openssl (defaults)", "ecc", OSSL_SRV + OSSL_ECC_SRV + OSSL_CHAIN,
         OSSL_CLI + OSSL_ECC_CLI + OSSL_CHAIN, OSSL_HS, "SSL_new", "leaf+root, ticket"),
    impl("openssl leaf-only -no_ticket", "ecc", OSSL_SRV + OSSL_ECC_SRV + OSSL_LEAF,
         OSSL_CLI + OSSL_ECC_CLI + OSSL_LEAF, OSSL_HS, "SSL_new", "leaf"),
    impl("iot-tls mbedTLS", "ecc", IOT_SRV_M + IOT_ECC_SRV, IOT_CLI_M + IOT_ECC_CLI, IOT_HS,
         IOT_CONN, "leaf"),
    impl("iot-tls OpenSSL", "ecc", IOT_SRV_O + IOT_ECC_SRV, IOT_CLI_O + IOT_ECC_CLI, IOT_HS,
         IOT_CONN, "leaf"),
    # the same with the per-connection buffers sized for a constrained device: 1 KB records
    # (the peer here sends small records; a real one must agree, e.g. by max_fragment_length)
    impl("iot-tls mbedTLS 1 KB records", "ecc", IOT_SRV_M + IOT_ECC_SRV + " --max-record 1024",
         IOT_CLI_M + IOT_ECC_CLI + " --max-record 1024", IOT_HS, IOT_CONN, "leaf"),
]

MODES = ["wire", "cg-client", "cg-server", "ms-client", "ms-server"]


class Failed(Exception):
    pass


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def udp_bound(port):
    """Whether some socket is bound to UDP port (from /proc/net/udp, no tool needed)."""
    try:
        with open("/proc/net/udp") as f:
            next(f)
            for line in f:
                local = line.split()[1]
                if int(local.split(":")[1], 16) == port:
                    return True
    except OSError:
        pass
    return False


def relay_appdata(path):
    try:
        with open(path) as f:
            return json.load(f)["c2s"]["appdata"] > 0
    except (OSError, ValueError):
        return False


def wait_for(pred, seconds, what):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.05)
    raise Failed("timed out waiting for " + what)


def stop(proc, grace=5.0):
    """Wait for proc up to grace seconds, then end it (by its own PID). Returns its status."""
    try:
        return proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()


def last_line(path):
    try:
        with open(path, errors="replace") as f:
            lines = [l.strip() for l in f if l.strip() and not l.startswith("==")]
        return lines[-1][:160] if lines else "(no output)"
    except OSError:
        return "(no output)"


def valgrind(tool, out):
    if tool == "cg":
        return ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out]
    # Every snapshot detailed and no threshold: the trees tell when a connection is alive.
    return ["valgrind", "--tool=massif", "--stacks=no", "--peak-inaccuracy=0.5",
            "--detailed-freq=1", "--threshold=0", "--max-snapshots=300",
            "--massif-out-file=" + out]


def run_pair(work, tag, server_cmd, client_cmd, mode):
    """One client/server run through the relay. Returns (relay counts, valgrind output or None)."""
    port = free_udp_port()
    tool, _, side = mode.partition("-")
    vg_out = os.path.join(work, "%s.%s.out" % (tag, mode)) if side else None
    srv_argv = server_cmd.format(port=port).split()
    if side == "server":
        srv_argv = valgrind(tool, vg_out) + srv_argv
    relay_out = os.path.join(work, "%s.%s.relay.json" % (tag, mode))
    port_file = os.path.join(work, "%s.%s.port" % (tag, mode))
    path = lambda who: os.path.join(work, "%s.%s.%s" % (tag, mode, who))
    log = lambda who: open(path(who), "wb")
    procs = []
    try:
        srv = subprocess.Popen(["timeout", str(PROC_TIMEOUT)] + srv_argv, stdin=subprocess.PIPE,
                               stdout=log("server.out"), stderr=log("server.err"))
        procs.append(srv)
        wait_for(lambda: udp_bound(port) or srv.poll() is not None, 30, "the server's port")
        if srv.poll() is not None:
            raise Failed("server exited: " + last_line(path("server.err")))
        relay = subprocess.Popen(["timeout", str(PROC_TIMEOUT + 30), sys.executable,
                                  os.path.join(HERE, "udp_relay.py"), "--target-port", str(port),
                                  "--out", relay_out, "--port-file", port_file,
                                  "--lifetime", str(PROC_TIMEOUT + 20), "--idle", "30"])
        procs.append(relay)
        wait_for(lambda: os.path.exists(port_file), 10, "the relay")
        with open(port_file) as f:
            rport = int(f.read())
        cli_argv = client_cmd.format(port=rport).split()
        if side == "client":
            cli_argv = valgrind(tool, vg_out) + cli_argv
        cli = subprocess.Popen(["timeout", str(PROC_TIMEOUT)] + cli_argv, stdin=subprocess.PIPE,
                               stdout=log("client.out"), stderr=log("client.err"))
        procs.append(cli)
        # The byte goes in at once; stdin closes (the client's cue to send close_notify) only
        # once the record was seen on the wire, whenever each client gets to read its stdin.
        cli.stdin.write(PAYLOAD)
        cli.stdin.flush()
        wait_for(lambda: relay_appdata(relay_out) or cli.poll() is not None, PROC_TIMEOUT,
                 "the client's application data")
        cli.stdin.close()
        crc = stop(cli, PROC_TIMEOUT + 5)
        src = stop(srv, 15 if side == "server" else 5)
        relay.send_signal(signal.SIGTERM)
        stop(relay, 5)
        with open(relay_out) as f:
            counts = json.load(f)
        if crc != 0:
            raise Failed("client exit %d: %s" % (crc, last_line(path("client.err"))))
        if src != 0:
            raise Failed("server exit %d: %s" % (src, last_line(path("server.err"))))
        if counts["c2s"]["appdata"] == 0:
            raise Failed("the client sent no application data")
        return counts, vg_out
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def measure(work, idx, row, pki, tools):
    subst = dict(pki=pki, psk=PSK_HEX, psk_id=PSK_ID, sni=SNI, port="{port}", **tools)
    srv_cmd, cli_cmd = row["server"].format(**subst), row["client"].format(**subst)
    tag = "r%d" % idx
    res = {"cmd_server": srv_cmd, "cmd_client": cli_cmd}
    for mode in MODES:
        counts, vg_out = run_pair(work, tag, srv_cmd, cli_cmd, mode)
        if mode == "wire":
            res["wire"] = counts
            continue
        side = mode.split("-")[1]
        if counts["c2s"]["datagrams"] + counts["s2c"]["datagrams"] != (
                res["wire"]["c2s"]["datagrams"] + res["wire"]["s2c"]["datagrams"]):
            res.setdefault("retransmit", []).append(mode)
        if mode.startswith("cg"):
            res[side + "_ir"] = vgparse.callgrind(vg_out, row["hs"])
        else:
            res[side + "_heap"] = vgparse.massif_peak(vg_out, row["conn_fn"])
    return res


def mir(n):
    return "%.2f M" % (n / 1e6) if n is not None else "?"


def kib(n):
    return "%.1f" % (n / 1024.0)


def table(results):
    head = ("| case | implementation | certs sent | handshake B c→s | s→c | total | datagrams c→s/s→c"
            " | client Ir process / handshake | server Ir process / handshake"
            " | client peak heap KiB process / with connection"
            " | server peak heap KiB process / with connection |")
    rows = [head, "|" + "---|" * 11]
    for row, res in results:
        if "error" in res:
            rows.append("| %s | %s | %s | FAILED: %s |%s" % (
                CASES[row["case"]], row["name"], row["certs"], res["error"].replace("|", "/"),
                " |" * 7))
            continue
        w = res["wire"]
        hs = lambda d: w[d]["handshake"] + w[d]["ccs"]
        mark = " †" if res.get("retransmit") else ""
        rows.append("| %s | %s | %s | %d | %d | %d | %d / %d | %s / %s | %s / %s | %s / %s | %s / %s |%s" % (
            CASES[row["case"]], row["name"], row["certs"], hs("c2s"), hs("s2c"), hs("c2s") + hs("s2c"),
            w["c2s"]["hs_datagrams"], w["s2c"]["hs_datagrams"],
            mir(res["client_ir"][0]), mir(res["client_ir"][1]),
            mir(res["server_ir"][0]), mir(res["server_ir"][1]),
            kib(res["client_heap"][0]), kib(res["client_heap"][1]),
            kib(res["server_heap"][0]), kib(res["server_heap"][1]), mark))
    return "\n".join(rows)


def version(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout
        return out.strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "unknown"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--work", required=True, help="scratch directory (the caller removes it)")
    ap.add_argument("--out", required=True, help="the Markdown report (also printed)")
    ap.add_argument("--only", help="comma list of implementation names to run")
    a = ap.parse_args()
    pki = os.path.abspath(os.path.join(a.build, "pki"))
    tools = {"tool_" + b: os.path.abspath(os.path.join(a.build, b, "bin", "iot-tls"))
             for b in ("mbedtls", "openssl")}
    results = []
    for idx, row in enumerate(IMPLS):
        if a.only and row["name"] not in a.only.split(","):
            continue
        t0 = time.monotonic()
        try:
            for key, tool in tools.items():
                if "{%s}" % key in row["client"] + row["server"] and not os.access(tool, os.X_OK):
                    raise Failed("%s not built" % tool)
            res = measure(a.work, idx, row, pki, tools)
        except Failed as e:
            res = {"error": str(e)}
        print("bench: %-30s %-4s %5.1f s %s" % (row["name"], row["case"], time.monotonic() - t0,
                                               res.get("error", "ok")), file=sys.stderr)
        results.append((row, res))

    git = version(["git", "-C", HERE, "log", "-1", "--format=%h %s"])
    lines = [
        "# DTLS handshake cost, side by side",
        "",
        "- date: %s" % datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "- machine: %s, %d cores, %s" % (cpu_model(), os.cpu_count() or 0, platform.platform()),
        "- openssl: %s" % version(["openssl", "version"]),
        "- valgrind: %s" % version(["valgrind", "--version"]),
        "- eap_iot: %s" % git,
        "",
        table(results),
        "",
        "Handshake bytes: UDP payload of the DTLS handshake and ChangeCipherSpec records, including "
        "the HelloVerifyRequest exchange, excluding the 1-byte application record, the close_notify "
        "alerts and the 28 B IPv4+UDP headers per datagram. Datagrams: those carrying handshake records. "
        "Ir: callgrind instructions of the whole process / inclusive of the calls the program makes "
        "into the handshake entry points (OpenSSL: SSL_connect/accept/do_handshake/read/write/peek, "
        "DTLSv1_listen; iot-tls: eiot_conn_* but free and close, eiot_dtls_accept), so it "
        "also holds the 1-byte record. Peak heap: massif, heap + allocator overhead, over "
        "the whole process / over the snapshots in which the connection object (allocated by "
        "SSL_new / eiot_conn_new) is live. "
        "† = the peer retransmitted while the measured side ran under Valgrind (more datagrams than "
        "the native run).",
    ]
    with open(os.path.join(a.work, "results.json"), "w") as f:
        json.dump([{"row": r, "result": res} for r, res in results], f, indent=1)
    report(lines, a.out)
    return 0


def report(lines, path):
    """Write the Markdown report to path and print it."""
    text = "\n".join(lines) + "\n"
    with open(path, "w") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    sys.exit(main())
