#!/usr/bin/env python3
"""bench/hs_rate.py — DTLS handshakes per second per core of a server: openssl s_server next to
iot-tls on each crypto backend, all facing the same client.

A run is one fresh server serving n connections one after the other; n iot-tls clients, started
one after the other, each do a full handshake, send one byte and close. Only the server's CPU
time (user + system, from os.wait4 on it) is the measure. Each row runs with N1 and with N2
connections (--repeat such pairs, median); the difference cancels start-up and credential loading:
    rate = (N2 - N1) / (cpu(N2) - cpu(N1))   handshakes per second per core.
The clients' CPU time (RUSAGE_CHILDREN over the client loop) is reported the same way; it is
per client process, start-up included, as every connection is a new process.

Commands, credentials and the iot-tls options are bench.py's (same certificates, same PSK).
Bounded: every process runs under coreutils `timeout`, is waited for with a deadline and, if
still alive, is ended by its own PID (bench.stop). The caller owns the scratch directory.
"""
import argparse
import datetime
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (its commands and helpers)
from bench import Failed  # noqa: E402

SERVER_TIMEOUT = 180  # seconds, one server run (its n handshakes)
CLIENT_TIMEOUT = 20   # seconds, one client
SLOW = 0.5            # seconds: a client that took longer most likely waited for a retransmission

# s_server without -listen: with it s_server connect()s its one UDP socket to the first client
# and never undoes that, so the next client is not heard (ECONNREFUSED once the first has gone).
# Without it SSL_accept still does the cookie exchange (s_server sets SSL_OP_COOKIE_EXCHANGE on
# every DTLS connection), in the connection's state instead of DTLSv1_listen's stateless one.
# A later -naccept wins over bench.py's "-naccept 1".
OSSL_SRV = bench.OSSL_SRV.replace(" -listen", "") + " -naccept {n}"
IOT_N = " --connections {n} --timeout %d" % SERVER_TIMEOUT

ROWS = [  # (server, case, command); the client is the same for all rows of a case
    ("openssl s_server", "psk", OSSL_SRV + bench.OSSL_PSK_SRV + " -no_ticket"),
    ("iot-tls mbedTLS", "psk", bench.IOT_SRV_M + bench.IOT_PSK_SRV + IOT_N),
    ("iot-tls OpenSSL", "psk", bench.IOT_SRV_O + bench.IOT_PSK_SRV + IOT_N),
    ("openssl s_server", "ecc", OSSL_SRV + bench.OSSL_ECC_SRV + bench.OSSL_LEAF),
    ("iot-tls mbedTLS", "ecc", bench.IOT_SRV_M + bench.IOT_ECC_SRV + IOT_N),
    ("iot-tls OpenSSL", "ecc", bench.IOT_SRV_O + bench.IOT_ECC_SRV + IOT_N),
]
# --idle 0: close_notify as soon as stdin (the one byte) is done; the server has nothing to say.
CLIENT = {"psk": "{client}" + bench.IOT_CLI + bench.IOT_PSK_CLI + " --idle 0",
          "ecc": "{client}" + bench.IOT_CLI + bench.IOT_ECC_CLI + " --idle 0"}
CASES = {"psk": "PSK-AES128-CCM8", "ecc": "ECDHE-ECDSA-AES128-CCM8 mutual"}


def cpu(ru):
    return ru.ru_utime + ru.ru_stime


def reap(proc, seconds):
    """Wait up to seconds for proc to exit and reap it with os.wait4: (exit status, CPU seconds of
    proc and of the children it reaped, i.e. the server under its `timeout`)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, cpu(ru)
        time.sleep(0.01)
    raise Failed("the server did not exit after its connections")


def serve(work, tag, server_cmd, client_cmd, n):
    """One fresh server, n clients one after the other.
    Returns (server CPU s, clients' CPU s, wall s of the client loop, slow clients)."""
    port = bench.free_udp_port()
    log_path = os.path.join(work, tag + ".server.log")
    with open(log_path, "wb") as log:
        # stdin stays open: s_server ends at stdin EOF
        srv = subprocess.Popen(["timeout", str(SERVER_TIMEOUT)] +
                               server_cmd.format(port=port, n=n).split(),
                               stdin=subprocess.PIPE, stdout=log, stderr=log)
    try:
        bench.wait_for(lambda: bench.udp_bound(port) or srv.poll() is not None, 30,
                       "the server's port")
        if srv.returncode is not None:
            raise Failed("server exited: " + bench.last_line(log_path))
        argv = ["timeout", str(CLIENT_TIMEOUT)] + client_cmd.format(port=port).split()
        before, slow = cpu(resource.getrusage(resource.RUSAGE_CHILDREN)), 0
        t0 = time.monotonic()
        for i in range(n):
            t = time.monotonic()
            r = subprocess.run(argv, input=bench.PAYLOAD, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=CLIENT_TIMEOUT + 5)
            if r.returncode != 0:
                msg = r.stderr.decode(errors="replace").strip().splitlines() or ["(no output)"]
                if r.returncode == 124:  # coreutils timeout
                    msg = ["timed out after %d s" % CLIENT_TIMEOUT]
                raise Failed("client %d/%d exit %d: %s" % (i + 1, n, r.returncode, msg[-1][:160]))
            slow += time.monotonic() - t > SLOW
        wall = time.monotonic() - t0
        clients = cpu(resource.getrusage(resource.RUSAGE_CHILDREN)) - before
        status, server = reap(srv, 10)
        if status != 0:
            raise Failed("server exit %d: %s" % (status, bench.last_line(log_path)))
        return server, clients, wall, slow
    except subprocess.TimeoutExpired:
        raise Failed("a client did not finish in %d s" % CLIENT_TIMEOUT)
    finally:
        srv.stdin.close()
        if srv.returncode is None:
            bench.stop(srv, 0)


def measure(work, idx, row, subst, n1, n2, repeat):
    """repeat pairs of runs (N1, N2); medians over the pairs, and the spread of the per-handshake
    CPU (the same server varies by up to ~20 % from one process to the next on a shared VM)."""
    name, case, server = row
    srv_cmd, cli_cmd = server.format(**subst), CLIENT[case].format(**subst)
    pairs = [(serve(work, "r%d.%d.n1" % (idx, k), srv_cmd, cli_cmd, n1),
              serve(work, "r%d.%d.n2" % (idx, k), srv_cmd, cli_cmd, n2)) for k in range(repeat)]
    per_hs = [(b[0] - a[0]) / (n2 - n1) for a, b in pairs]
    if min(per_hs) <= 0:
        raise Failed("no CPU difference between %d and %d connections" % (n1, n2))
    med = lambda i, j: statistics.median(p[i][j] for p in pairs)
    return dict(per_hs=statistics.median(per_hs), spread=(min(per_hs), max(per_hs)),
                cpu=(med(0, 0), med(1, 0)), wall=(med(0, 2), med(1, 2)),
                cli_per_conn=statistics.median((b[1] - a[1]) / (n2 - n1) for a, b in pairs),
                slow=sum(a[3] + b[3] for a, b in pairs))


def table(results, n1, n2):
    rows = ["| case | server | server CPU ms / handshake | handshakes / s / core"
            " | min–max ms / handshake | server CPU s, %d / %d conn. | client CPU ms / connection"
            " | wall s, %d / %d | slow clients |" % (n1, n2, n1, n2),
            "|" + "---|" * 9]
    for (name, case, _), res in results:
        if "error" in res:
            rows.append("| %s | %s | FAILED: %s |%s" % (CASES[case], name,
                                                      res["error"].replace("|", "/"), " |" * 6))
            continue
        rows.append("| %s | %s | %.3f | %.0f | %.3f–%.3f | %.3f / %.3f | %.2f | %.2f / %.2f | %d |" % (
            CASES[case], name, res["per_hs"] * 1e3, 1 / res["per_hs"], res["spread"][0] * 1e3,
            res["spread"][1] * 1e3, res["cpu"][0], res["cpu"][1], res["cli_per_conn"] * 1e3,
            res["wall"][0], res["wall"][1], res["slow"]))
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--work", required=True, help="scratch directory (the caller removes it)")
    ap.add_argument("--out", required=True, help="the Markdown report (also printed)")
    ap.add_argument("--n1", type=int, default=10)
    ap.add_argument("--n2", type=int, default=310)
    ap.add_argument("--repeat", type=int, default=3, help="pairs of runs per row (median)")
    a = ap.parse_args()
    if not 1 <= a.n1 < a.n2 <= 1000 or a.repeat < 1:
        ap.error("need 1 <= N1 < N2 <= 1000 and --repeat >= 1")
    tools = {"tool_" + b: os.path.abspath(os.path.join(a.build, b, "bin", "iot-tls"))
             for b in ("mbedtls", "openssl")}
    client = next((t for t in (tools["tool_openssl"], tools["tool_mbedtls"])
                   if os.access(t, os.X_OK)), None)
    subst = dict(pki=os.path.abspath(os.path.join(a.build, "pki")), psk=bench.PSK_HEX,
                 psk_id=bench.PSK_ID, sni=bench.SNI, port="{port}", n="{n}", client=client,
                 **tools)
    results = []
    for idx, row in enumerate(ROWS):
        t0 = time.monotonic()
        try:
            for key, tool in tools.items():
                if "{%s}" % key in row[2] and not os.access(tool, os.X_OK):
                    raise Failed("%s not built" % tool)
            if client is None:
                raise Failed("no iot-tls client built")
            res = measure(a.work, idx, row, subst, a.n1, a.n2, a.repeat)
        except Failed as e:
            res = {"error": str(e)}
        print("hs_rate: %-18s %-4s %5.1f s %s" % (row[0], row[1], time.monotonic() - t0,
                                                  res.get("error", "ok")), file=sys.stderr)
        results.append((row, res))

    lines = [
        "# DTLS handshakes per second per core, server side",
        "",
        "- date: %s" % datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "- machine: %s, %d cores, %s" % (bench.cpu_model(), os.cpu_count() or 0,
                                         platform.platform()),
        "- openssl: %s" % bench.version(["openssl", "version"]),
        "- eap_iot: %s" % bench.version(["git", "-C", bench.HERE, "log", "-1", "--format=%h %s"]),
        "- client (every row): %s" % os.path.relpath(client) if client else "- client: none",
        "",
        table(results, a.n1, a.n2),
        "",
        "Each row: a fresh server serves N connections one after the other, N = %d and N = %d, "
        "%d pairs of runs; each connection is a new client process (full handshake with the "
        "cookie exchange, one byte of application data, close_notify). Server CPU = user + "
        "system time of the server process (os.wait4). Per handshake = (cpu(%d) - cpu(%d)) / %d, "
        "which cancels start-up and credential loading: the median over the pairs, min–max "
        "beside it; handshakes / s / core is its inverse. Server CPU s and wall: medians. Client "
        "CPU: all client processes of a run (RUSAGE_CHILDREN), per connection the same "
        "difference, so a whole client process (start-up, credentials, handshake, exit, its "
        "`timeout` wrapper). Wall: the client loop. Slow clients: those that took more than "
        "%.1f s (most likely a retransmission), all runs." % (
            a.n1, a.n2, a.repeat, a.n2, a.n1, a.n2 - a.n1, SLOW),
        "",
        "Server commands ({port}, {n} filled in per run):",
        "",
    ] + ["- %s %s: `%s`" % (CASES[c], name, " ".join(cmd.format(**subst).split()))
         for name, c, cmd in ROWS] + [
        "",
        "Client commands: `%s` (PSK), `%s` (certificates), one byte on stdin." % (
            " ".join(CLIENT["psk"].format(**subst).split()),
            " ".join(CLIENT["ecc"].format(**subst).split())),
    ]
    bench.report(lines, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
