#!/usr/bin/env python3
"""run_bench.py — the benchmark suite of issue 6, run by `make bench`.

Runs, in one go and on this machine:
  1. the in-process micro-benchmarks (build/keyward_micro_bench, Google Benchmark);
  2. seeds a keyward SQLite database with 1 M real keys (build/keyward_bench_seed);
  3. cold start and resident memory of `keyward serve` on it;
  4. HTTP load with wrk: POST /v1/keys/verify and GET /v1/authz against keyward, and the same
     requests against two nginx peers (a fixed `return 200`, and a `map` of the same keys);
  5. revocation: the verify path right after each DELETE response;
  6. durable key creation with 1, 16 and 64 concurrent clients, then SIGKILL and a check that
     every acknowledged key is in the database.
Prints a Markdown table and writes it, the raw figures (JSON) and PNG charts (gnuplot) to
--out. Everything binds to 127.0.0.1 on free ports, lives in a temporary directory, and every
process started here is stopped here (nginx runs with its own prefix and configuration).
Only the Python standard library is used.
"""
import argparse
import atexit
import datetime
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STARTED = []  # processes to stop on exit


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def stop(proc, sig=signal.SIGTERM, timeout=20):
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@atexit.register
def _cleanup():
    for p in STARTED:
        stop(p, signal.SIGKILL, 5)


def spawn(cmd, **kw):
    p = subprocess.Popen(cmd, **kw)
    STARTED.append(p)
    return p


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def load_avg():
    return "%.2f %.2f %.2f" % os.getloadavg()


def cpu_ticks():
    """(steal, total) ticks of all CPUs from /proc/stat: how much of the time the hypervisor
    gave this VM's CPUs to someone else."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


def pin(cpu):
    """taskset prefix: server on one core, load generator on the other, when there are two."""
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", str(cpu)]
    return []


SERVER_CPU, CLIENT_CPU = 1, 0


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // 1024 // 1024
    def ver(cmd):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True).stdout + \
                subprocess.run(cmd, capture_output=True, text=True).stderr
            return out.strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"
    return {
        "cpu": model, "cores": os.cpu_count(), "ram_gib": mem,
        "kernel": platform.release(), "wrk": ver(["wrk", "--version"]),
        "nginx": ver(["nginx", "-v"]),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


# ---- 1. micro-benchmarks -------------------------------------------------------------------

def run_micro(build, sizes, min_time, tmp):
    out = os.path.join(tmp, "micro.json")
    cmd = pin(SERVER_CPU) if False else []
    cmd += [os.path.join(build, "keyward_micro_bench"), "--sizes=" + ",".join(map(str, sizes)),
            f"--benchmark_min_time={min_time}", f"--benchmark_out={out}", "--benchmark_out_format=json"]
    load_before = load_avg()
    subprocess.run(cmd, check=True)
    with open(out) as f:
        data = json.load(f)
    rows = []
    for b in data["benchmarks"]:
        name = b["name"]
        m = re.match(r"(BM_\w+)(?:/(\d+))?(?:/real_time)?(?:/threads:(\d+))?", name)
        arg = int(m.group(2)) if m.group(2) else None
        if m.group(1) == "BM_MemoryAccess":  # its argument is the page size, not a key count
            rows.append({"bench": m.group(1), "keys": None, "pages": "2 MiB" if arg else "4 KiB", "threads": 1,
                         "ns": b["real_time"], "per_s": b.get("items_per_second", 0.0)})
            continue
        rows.append({
            "bench": m.group(1), "keys": arg,
            "threads": int(m.group(3)) if m.group(3) else 1,
            "ns": b["real_time"] if b.get("time_unit", "ns") == "ns" else b["real_time"],
            "per_s": b.get("items_per_second", 0.0),
        })
    return {"rows": rows, "load_before": load_before, "load_after": load_avg(), "command": " ".join(cmd)}


# ---- keyward and nginx processes --------------------------------------------------------------

class Keyward:
    def __init__(self, build, db, threads):
        self.build, self.db, self.threads = build, db, threads

    def start(self):
        cmd = pin(SERVER_CPU) + [os.path.join(self.build, "keyward"), "serve", "--listen", "127.0.0.1:0",
                                 "--db", "sqlite:" + self.db, "--threads", str(self.threads)]
        t0 = time.monotonic()
        self.proc = spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.index_ms = None
        self.port = None
        for line in self.proc.stdout:
            m = re.search(r"verify index: (\d+) keys loaded in (\d+) ms", line)
            if m:
                self.keys, self.index_ms = int(m.group(1)), int(m.group(2))
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                break
        if self.port is None:
            raise RuntimeError("keyward did not start")
        self.ready_s = time.monotonic() - t0
        # Keep draining its output so the pipe never blocks the server.
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()
        return self

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS"):
                    return int(line.split()[1])
        return 0

    def stop(self, sig=signal.SIGTERM):
        stop(self.proc, sig)


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  {http_extra}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      {location}
    }}
  }}
}}
"""


class Nginx:
    def __init__(self, tmp, name, http_extra, location):
        self.prefix = os.path.join(tmp, "nginx-" + name)
        os.makedirs(self.prefix, exist_ok=True)
        self.port = free_port()
        conf = NGINX_CONF.format(prefix=self.prefix, port=self.port, http_extra=http_extra, location=location)
        self.conf = os.path.join(self.prefix, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(conf)

    def start(self):
        cmd = pin(SERVER_CPU) + ["nginx", "-p", self.prefix, "-c", self.conf]
        t0 = time.monotonic()
        self.proc = spawn(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("nginx failed: " + open(os.path.join(self.prefix, "error.log")).read())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        self.ready_s = time.monotonic() - t0
        return self

    def stop(self):
        stop(self.proc, signal.SIGQUIT)


# ---- wrk ----------------------------------------------------------------------------------

def cpu_seconds(pid):
    """(user, system) CPU seconds of a process and its direct children (nginx's worker)."""
    pids = [pid]
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        pids.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    user = system = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            user += int(fields[11])  # utime
            system += int(fields[12])  # stime
        except (OSError, ValueError, IndexError):
            pass
    tck = os.sysconf("SC_CLK_TCK")
    return user / tck, system / tck


def wrk(port, script, args, conns, seconds, warmup=1, pid=None):
    """Runs wrk; with `pid`, also the server's CPU time per request during the measured run,
    a figure that, unlike requests/s, does not depend on what else runs on the machine."""
    url = f"http://127.0.0.1:{port}"
    def command(secs):
        return pin(CLIENT_CPU) + ["wrk", "-t1", f"-c{conns}", f"-d{secs}s", "--latency", "--timeout", "5s",
                                  "-s", os.path.join(ROOT, "bench", "http", script), url, "--"] + args
    if warmup:
        subprocess.run(command(warmup), capture_output=True, text=True)
    cmd = command(seconds)
    cpu0 = cpu_seconds(pid) if pid else None
    steal0 = cpu_ticks()
    out = subprocess.run(cmd, capture_output=True, text=True)
    steal1 = cpu_ticks()
    cpu1 = cpu_seconds(pid) if pid else None
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            r = json.loads(line[7:])
            if pid and r["requests"]:
                r["user_us_per_request"] = (cpu1[0] - cpu0[0]) * 1e6 / r["requests"]
                r["system_us_per_request"] = (cpu1[1] - cpu0[1]) * 1e6 / r["requests"]
                r["cpu_us_per_request"] = r["user_us_per_request"] + r["system_us_per_request"]
            r["command"] = " ".join(cmd)
            r["steal_pct"] = 100.0 * (steal1[0] - steal0[0]) / max(1, steal1[1] - steal0[1])
            r["load"] = f"{load_avg()}; steal {r['steal_pct']:.1f}%"
            return r
    raise RuntimeError("wrk failed: " + out.stdout + out.stderr)


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def http_rounds(a, tmp, kw, sample):
    """The HTTP load: keyward and the two nginx peers, all started once, then `a.rounds`
    rounds in which each of them takes the same load back to back. This VM's speed drifts by
    10 to 25% over minutes (other tenants of the host), so a ratio is taken within each round
    and the median over the rounds is reported, with the spread beside it."""
    http = {}
    # The first verify load after a start makes every key in the sample write its first use
    # (one flush of ~18,000 rows, then at most one row per key a minute): a one-off start-up
    # cost, measured by a first 8 s run (keyward_verify_first, reported beside the others).
    log("wrk keyward verify, first 8 s after start-up")
    http["keyward_verify_first"] = wrk(kw.port, "load.lua", ["verify", sample], a.conns, 8, warmup=2, pid=kw.proc.pid)
    peers = [
        ("nginx_return200", "", "return 200;"),
        # max_size near 4x the keys makes nginx try table sizes from the top (its search
        # starts low, and takes minutes, when max_size / keys >= 100).
        ("nginx_map", f"map_hash_max_size {max(16384, 4 * a.keys)}; map_hash_bucket_size 256;\n"
                      f"  map $http_x_api_key $api_key_ok {{ default 0; include {tmp}/keys.map; }}",
         "if ($api_key_ok = 0) { return 401; }\n      return 200;"),
    ]
    servers = {"keyward": (kw.port, kw.proc.pid)}
    started = []
    try:
        for name, extra, location in peers:
            ng = Nginx(tmp, name, extra, location).start()
            started.append(ng)
            log(f"{name} up in {ng.ready_s:.2f} s")
            servers[name] = (ng.port, ng.proc.pid)
        runs = {}
        for rnd in range(a.rounds):
            for mode in ("verify", "authz"):
                for name, (port, pid) in servers.items():
                    log(f"round {rnd + 1}/{a.rounds}: wrk {name} {mode}")
                    runs.setdefault(f"{name}_{mode}", []).append(
                        wrk(port, "load.lua", [mode, sample], a.conns, a.seconds, pid=pid))
    finally:
        for ng in started:
            ng.stop()
    for key, rs in runs.items():
        # Each figure is the median of its rounds; the rounds themselves are kept.
        r = {f: median([x[f] for x in rs]) for f in rs[0] if isinstance(rs[0][f], (int, float))}
        r.update(command=rs[0]["command"], load=rs[len(rs) // 2]["load"], rounds=rs)
        http[key] = r
    for mode in ("verify", "authz"):
        for peer in ("nginx_return200", "nginx_map"):
            ratios = [k["rps"] / p["rps"] for k, p in zip(runs[f"keyward_{mode}"], runs[f"{peer}_{mode}"])]
            http[f"keyward_{mode}"][f"ratio_{peer}"] = median(ratios)
            http[f"keyward_{mode}"][f"ratios_{peer}"] = ratios
    return http


# ---- small HTTP client for revocation --------------------------------------------------------

def request(conn, method, path, body=None, headers=None):
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    t0 = time.perf_counter()
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, data, time.perf_counter() - t0


def revocation(port, tmp, admin, count):
    lines = [l.split() for l in open(os.path.join(tmp, "revoke.txt")) if l.strip()][:count]
    conn = http.client.HTTPConnection("127.0.0.1", port)
    auth = {"Authorization": "Bearer " + admin}
    lat, stale, before_ok = [], 0, 0
    for key_id, tenant, key in lines:
        st, data, _ = request(conn, "POST", "/v1/keys/verify", {"key": key, "tenant_id": tenant, "ip": "10.1.2.3"}, auth)
        before_ok += json.loads(data)["valid"] is True
        st, data, dt = request(conn, "DELETE", f"/v1/tenants/{tenant}/keys/{key_id}", headers=auth)
        if st not in (200, 204):
            raise RuntimeError(f"revoke failed: {st} {data[:200]}")
        lat.append(dt * 1e3)
        # The very next request, sent after the DELETE response arrived.
        st, data, _ = request(conn, "POST", "/v1/keys/verify", {"key": key, "tenant_id": tenant, "ip": "10.1.2.3"}, auth)
        reply = json.loads(data)
        if reply.get("valid") or reply.get("code") != "REVOKED":
            stale += 1
    conn.close()
    lat.sort()
    return {"revoked": len(lines), "valid_before": before_ok, "stale_after_response": stale,
            "delete_p50_ms": lat[len(lat) // 2], "delete_p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))],
            "load": load_avg()}


# ---- durable creation --------------------------------------------------------------------------

def creation(kw, tmp, admin, tenant, clients, seconds):
    acked = os.path.join(tmp, f"acked-{clients}.txt")
    open(acked, "w").close()
    r = wrk(kw.port, "create.lua", [tenant, admin, acked], clients, seconds, warmup=0, pid=kw.proc.pid)
    r["clients"] = clients
    r["acked_file"] = acked
    return r


def count_lost(db, acked_files):
    names = set()
    for f in acked_files:
        names.update(l.strip() for l in open(f) if l.strip())
    con = sqlite3.connect(db)
    stored = {row[0] for row in con.execute("SELECT name FROM api_keys WHERE name LIKE 'load-%'")}
    con.close()
    return len(names), len(names - stored)


# ---- report ------------------------------------------------------------------------------------

def fmt_rate(x):
    return f"{x / 1e6:.2f} M/s" if x >= 1e6 else (f"{x / 1e3:.1f} k/s" if x >= 1e3 else f"{x:.0f}/s")


def cpu_text(r):
    if "cpu_us_per_request" not in r:
        return "-"
    return f"{r['cpu_us_per_request']:.1f} ({r['user_us_per_request']:.1f} + {r['system_us_per_request']:.1f})"


def rounds_text(r):
    rs = r.get("rounds")
    text = f"{r['rps']:,.0f}"
    if rs and len(rs) > 1:
        text += " (" + ", ".join(f"{x['rps'] / 1e3:.1f}k" for x in rs) + ")"
    return text


def ratio_text(r, peer, peer_rps):
    """keyward's figure against a peer: the median of the per-round ratios, with their range."""
    if f"ratios_{peer}" in r:
        rs = r[f"ratios_{peer}"]
        return f"{r[f'ratio_{peer}']:.2f}x ({min(rs):.2f}-{max(rs):.2f})"
    return f"{r['rps'] / peer_rps:.2f}x"


def report(res):
    m = res["machine"]
    out = []
    out.append(f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, Linux {m['kernel']}; "
               f"{m['nginx']}; {m['wrk']}. Run: {m['date']}.\n")
    out.append(f"Command: `{res['command']}`\n")
    mi = res.get("micro")
    if mi:
        out.append(f"### In-process verify (Google Benchmark)\n\nLoad average before/after: {mi['load_before']} / {mi['load_after']}\n")
        out.append("| benchmark | keys | threads | ns per op | ops/s |\n|---|---:|---:|---:|---:|")
        for r in mi["rows"]:
            keys = f"{r['keys']:,}" if r["keys"] else "-"
            name = f"{r['bench']} ({r['pages']} pages)" if "pages" in r else r["bench"]
            out.append(f"| {name} | {keys} | {r['threads']} | {r['ns']:.0f} | {fmt_rate(r['per_s'])} |")
        out.append("")
    h = res.get("http")
    if h:
        out.append(f"### HTTP, wrk -t1 -c{res['conns']} -d{res['seconds']}s, 1 worker each, {res['keys']:,} keys\n")
        out.append("| target | requests/s | p50 ms | p99 ms | p99.9 ms | non-2xx | vs nginx return 200 | vs nginx map | "
                   "server CPU µs per request (user + kernel) | load avg; CPU steal of the VM |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        ceil = h["nginx_return200_verify"]["rps"]
        mp = h["nginx_map_verify"]["rps"]
        for name, label in [("keyward_verify_first", "keyward POST /v1/keys/verify, first 8 s after start-up (one-off first-use writes)"),
                            ("keyward_verify", "keyward POST /v1/keys/verify"),
                            ("keyward_authz", "keyward GET /v1/authz"),
                            ("nginx_return200_verify", "nginx `return 200` (same POST)"),
                            ("nginx_map_verify", "nginx `map` of the keys (same POST)"),
                            ("nginx_return200_authz", "nginx `return 200` (same GET)"),
                            ("nginx_map_authz", "nginx `map` of the keys (same GET)")]:
            r = h.get(name)
            if not r:
                continue
            c = h["nginx_return200_authz"]["rps"] if name.endswith("authz") else ceil
            mm = h["nginx_map_authz"]["rps"] if name.endswith("authz") else mp
            out.append(f"| {label} | {rounds_text(r)} | {r['p50_us'] / 1e3:.3f} | {r['p99_us'] / 1e3:.3f} | "
                       f"{r['p999_us'] / 1e3:.3f} | {r['non2xx']:.0f} | {ratio_text(r, 'nginx_return200', c)} | "
                       f"{ratio_text(r, 'nginx_map', mm)} | {cpu_text(r)} | {r['load']} |")
        out.append("")
        if any("rounds" in r for r in h.values()):
            n = max(len(r.get("rounds", [])) for r in h.values())
            out.append(f"Each row but the first is the median of {n} rounds; in each round keyward and both "
                       "nginx peers took the same load back to back, and a ratio is the median of the "
                       "ratios within a round (the range over the rounds in brackets). Requests/s of "
                       "each round in brackets.\n")
    g = res.get("mgmt")
    if g:
        out.append("### Management\n")
        out.append("| measure | value | load avg (; CPU steal) |\n|---|---:|---|")
        out.append(f"| seeding {res['keys']:,} keys (bulk, one transaction) | {g['seed_s']:.1f} s | {g['seed_load']} |")
        out.append(f"| cold start with {res['keys']:,} keys (spawn to listening) | {g['cold_start_s']:.2f} s (index load {g['index_ms']} ms) | {g['cold_load']} |")
        out.append(f"| resident memory, empty database | {g['rss_empty_kib'] / 1024:.1f} MiB | |")
        out.append(f"| resident memory with {res['keys']:,} keys | {g['rss_loaded_kib'] / 1024:.1f} MiB | |")
        out.append(f"| resident memory per loaded key | {g['bytes_per_key']:.0f} bytes | |")
        for c in g["create"]:
            cpu = f", server CPU {cpu_text(c)} µs a key" if "cpu_us_per_request" in c else ""
            out.append(f"| durable creation, {c['clients']} client(s), synchronous=FULL | {c['rps']:,.0f} keys/s "
                       f"(p50 {c['p50_us'] / 1e3:.2f} ms, p99 {c['p99_us'] / 1e3:.2f} ms{cpu}) | {c['load']} |")
        out.append(f"| acknowledged keys missing after SIGKILL | {g['lost']} of {g['acked']} | |")
        rv = g["revocation"]
        out.append(f"| revocation: DELETE latency p50 / p99 | {rv['delete_p50_ms']:.2f} / {rv['delete_p99_ms']:.2f} ms | {rv['load']} |")
        out.append(f"| revocation: verifications after the DELETE response still valid | {rv['stale_after_response']} of {rv['revoked']} | |")
        out.append("")
    t = res.get("targets")
    if t:
        out.append("### Targets\n\n| target | measured | met | the limit on this machine, measured in this run |\n"
                   "|---|---|---|---|")
        for row in t:
            out.append(f"| {row[0]} | {row[1]} | {'yes' if row[2] else '**no**'} | {row[3]} |")
        out.append("")
        out.append("Where a target is missed, the last column gives the figures of this run that bound it; "
                   "docs/benchmarks.md (\"Targets\") explains them.\n")
    return "\n".join(out)


def targets(res):
    """Rows of (target, measured, met, limit): the limit is what this run measured of the
    machine or of the peers that bounds the target, so a miss is explained by the same run."""
    rows = []
    mi = res.get("micro")
    if mi:
        v = {(r["keys"], r["threads"]): r for r in mi["rows"] if r["bench"] == "BM_Verify"}
        mem = {r["pages"]: r["ns"] for r in mi["rows"] if r["bench"] == "BM_MemoryAccess"}
        sizes = sorted(k for (k, t) in v if t == 1)
        fixed = v[(sizes[0], 1)]["ns"] if sizes else None
        small, huge = mem.get("4 KiB"), mem.get("2 MiB")
        have_floor = fixed is not None and small is not None and huge is not None
        if (1000000, 1) in v:
            x = v[(1000000, 1)]["per_s"]
            limit = "-"
            if have_floor:
                two, one = fixed + 2 * small, fixed + huge
                limit = (f"fixed path {fixed:.0f} ns (BM_Verify, {sizes[0]:,} keys) + one random memory access "
                         f"{small:.0f} ns (4 KiB pages) / {huge:.0f} ns (2 MiB pages): two dependent accesses "
                         f"(slot, then entry) give at best {two:.0f} ns = {fmt_rate(1e9 / two)}; one access on "
                         f"2 MiB pages {one:.0f} ns = {fmt_rate(1e9 / one)}")
            rows.append(("in-process verify >= 2 M/s on one core, 1 M keys", fmt_rate(x), x >= 2e6, limit))
        if len(sizes) >= 2:
            ratio = v[(sizes[-1], 1)]["ns"] / v[(sizes[0], 1)]["ns"]
            limit = "-"
            if have_floor:
                limit = (f"fixed path {fixed:.0f} ns plus the memory accesses of a large index: two dependent "
                         f"accesses on 4 KiB pages give ({fixed:.0f} + 2 x {small:.0f}) / {fixed:.0f} = "
                         f"{(fixed + 2 * small) / fixed:.2f}x; one access on 2 MiB pages "
                         f"({fixed:.0f} + {huge:.0f}) / {fixed:.0f} = {(fixed + huge) / fixed:.2f}x")
            rows.append((f"cost per verify {sizes[0]:,} -> {sizes[-1]:,} keys grows < 1.5x", f"{ratio:.2f}x",
                         ratio < 1.5, limit))
    h = res.get("http")
    if h:
        k, c, mp = h["keyward_verify"], h["nginx_return200_verify"], h["nginx_map_verify"]
        r200 = k.get("ratio_nginx_return200", k["rps"] / c["rps"])
        rmap = k.get("ratio_nginx_map", k["rps"] / mp["rps"])
        def cpu_vs(peer, label, factor):
            # Both servers are CPU-bound on one pinned core, so a throughput ratio needs the
            # same ratio of CPU a request.
            if "cpu_us_per_request" not in k or "cpu_us_per_request" not in peer:
                return "-"
            budget = peer["cpu_us_per_request"] / factor
            return (f"CPU a request: {label} {cpu_text(peer)} µs (user + kernel), so the target allows keyward "
                    f"{budget:.1f} µs; keyward {cpu_text(k)} µs, of which the kernel (TCP, epoll) alone is "
                    f"{k['system_us_per_request']:.1f}")
        rows.append(("POST /v1/keys/verify >= 0.8x nginx return 200", ratio_text(k, "nginx_return200", c["rps"]),
                     r200 >= 0.8, cpu_vs(c, "nginx `return 200`", 0.8)))
        rows.append(("POST /v1/keys/verify ahead of nginx map", ratio_text(k, "nginx_map", mp["rps"]), rmap > 1,
                     cpu_vs(mp, "nginx `map`", 1.0)))
        rows.append(("POST /v1/keys/verify p99 < 1 ms at 32 connections", f"{k['p99_us'] / 1e3:.3f} ms",
                     k["p99_us"] < 1000,
                     f"p99 of the peers in the same rounds: nginx `return 200` {c['p99_us'] / 1e3:.3f} ms, "
                     f"`map` {mp['p99_us'] / 1e3:.3f} ms"))
    g = res.get("mgmt")
    if g:
        rows.append(("cold start with 1 M keys < 3 s", f"{g['cold_start_s']:.2f} s", g["cold_start_s"] < 3, "-"))
        rows.append(("<= 300 bytes resident per loaded key", f"{g['bytes_per_key']:.0f} B", g["bytes_per_key"] <= 300, "-"))
        for c in g["create"]:
            if c["clients"] not in (1, 16):
                continue
            need = 1000 if c["clients"] == 1 else 5000
            limit = "-"
            if "cpu_us_per_request" in c and c["clients"] == 1:
                # One client waits for each key's commit (its fsync) before it sends the next.
                limit = (f"one client waits for each commit, so {need:,}/s needs a mean of {1e3 / need:.2f} ms a key; "
                         f"this run: mean {1e3 / max(c['rps'], 1):.2f} ms, p50 {c['p50_us'] / 1e3:.2f} ms, "
                         f"p99 {c['p99_us'] / 1e3:.2f} ms, server CPU {cpu_text(c)} µs a key (user + kernel); "
                         f"{c['load'].split('; ')[-1]}")
            elif "cpu_us_per_request" in c:
                limit = (f"{need:,}/s on the server's one core needs at most {1e6 / need:.0f} µs of CPU a key; "
                         f"this run: {cpu_text(c)} µs (user + kernel), a cap of "
                         f"{1e6 / c['cpu_us_per_request']:,.0f}/s with the core fully busy; "
                         f"{c['load'].split('; ')[-1]}")
            rows.append((f"durable creation >= {need:,}/s with {c['clients']} client(s)", f"{c['rps']:,.0f}/s",
                         c["rps"] >= need, limit))
        rows.append(("no acknowledged key lost", f"{g['lost']} lost of {g['acked']}", g["lost"] == 0, "-"))
        rv = g["revocation"]
        rows.append(("revocation effective before the DELETE response returns",
                     f"{rv['stale_after_response']} stale of {rv['revoked']}", rv["stale_after_response"] == 0, "-"))
    return rows


def charts(res, outdir):
    if not shutil.which("gnuplot"):
        log("gnuplot not found: no charts")
        return
    mi = res.get("micro")
    if mi:
        dat = os.path.join(outdir, "throughput_vs_keys.dat")
        with open(dat, "w") as f:
            f.write("# keys verify_1thread verify_2threads mixed_1thread lookup\n")
            by = {}
            for r in mi["rows"]:
                if r["keys"]:
                    by.setdefault(r["keys"], {})[(r["bench"], r["threads"])] = r["per_s"] / 1e6
            for k in sorted(by):
                d = by[k]
                f.write(f"{k} {d.get(('BM_Verify', 1), 0)} {d.get(('BM_Verify', 2), 0)} "
                        f"{d.get(('BM_VerifyMixed', 1), 0)} {d.get(('BM_IndexLookup', 1), 0)}\n")
        script = f"""
set terminal pngcairo size 900,520 font ",11"
set output '{outdir}/throughput_vs_keys.png'
set title 'keyward in-process verification throughput vs keys loaded'
set logscale x 10
set xlabel 'keys loaded'
set ylabel 'million verifications per second'
set grid
set key top right
set yrange [0:*]
set format x '10^{{%L}}'
plot '{dat}' using 1:2 with linespoints lw 2 title 'Verifier::verify, 1 thread', \\
     '{dat}' using 1:3 with linespoints lw 2 title 'Verifier::verify, 2 threads', \\
     '{dat}' using 1:4 with linespoints lw 2 title '90% valid / 10% unknown, 1 thread'
"""
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
    h = res.get("http")
    if h:
        dat = os.path.join(outdir, "latency.dat")
        names = [("keyward_verify", "keyward verify"), ("keyward_authz", "keyward authz"),
                 ("nginx_return200_verify", "nginx return 200"), ("nginx_map_verify", "nginx map")]
        with open(dat, "w") as f:
            f.write("# target p50 p99 p99.9 (ms) rps\n")
            for key, label in names:
                r = h[key]
                f.write(f"\"{label}\" {r['p50_us'] / 1e3} {r['p99_us'] / 1e3} {r['p999_us'] / 1e3} {r['rps'] / 1e3}\n")
        script = f"""
set terminal pngcairo size 900,520 font ",11"
set output '{outdir}/latency_percentiles.png'
set title 'Latency percentiles, wrk -t1 -c{res['conns']}, one worker each'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set ylabel 'milliseconds'
set grid ytics
set yrange [0:*]
set key top left
plot '{dat}' using 2:xtic(1) title 'p50', '' using 3 title 'p99', '' using 4 title 'p99.9'
"""
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
        script = f"""
set terminal pngcairo size 900,520 font ",11"
set output '{outdir}/http_throughput.png'
set title 'HTTP throughput, wrk -t1 -c{res['conns']}, one worker each'
set style data histograms
set style fill solid 0.85 border -1
set ylabel 'thousand requests per second'
set grid ytics
set yrange [0:*]
set boxwidth 0.6
plot '{dat}' using 5:xtic(1) notitle
"""
        subprocess.run(["gnuplot"], input=script, text=True, check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "bench"))
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--micro-sizes", default="1000,100000,1000000,10000000")
    ap.add_argument("--micro-min-time", default="0.5")
    ap.add_argument("--seconds", type=int, default=6)
    ap.add_argument("--conns", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1, help="keyward I/O threads = nginx workers")
    ap.add_argument("--rounds", type=int, default=5,
                    help="HTTP rounds; each runs keyward and both nginx peers back to back (medians reported)")
    ap.add_argument("--skip", default="", help="comma list of: micro,http,mgmt")
    a = ap.parse_args()
    skip = set(filter(None, a.skip.split(",")))
    os.makedirs(a.out, exist_ok=True)
    res = {"machine": machine(), "keys": a.keys, "seconds": a.seconds, "conns": a.conns,
           "command": "make bench  # python3 bench/run_bench.py " + " ".join(sys.argv[1:])}
    log(f"machine: {res['machine']}; load {load_avg()}")
    tmp = tempfile.mkdtemp(prefix="keyward-bench-")
    try:
        if "micro" not in skip:
            log("micro-benchmarks")
            res["micro"] = run_micro(a.build, [int(x) for x in a.micro_sizes.split(",")], a.micro_min_time, tmp)
        if not ({"http", "mgmt"} <= skip):
            db = os.path.join(tmp, "keyward.db")
            log(f"seeding {a.keys:,} keys")
            t0 = time.monotonic()
            seed_load = load_avg()
            subprocess.run([os.path.join(a.build, "keyward_bench_seed"), "--db", db, "--keys", str(a.keys),
                            "--out", tmp, "--nginx-map"], check=True)
            seed_s = time.monotonic() - t0
            admin = open(os.path.join(tmp, "admin.key")).read().strip()
            tenant = open(os.path.join(tmp, "tenant.txt")).read().strip()
            sample = os.path.join(tmp, "sample.txt")
            # Resident memory of an empty server, for the per-key figure.
            empty_db = os.path.join(tmp, "empty.db")
            kw0 = Keyward(a.build, empty_db, a.threads).start()
            time.sleep(1)
            rss_empty = kw0.rss_kib()
            kw0.stop()
            subprocess.run(["sync"])
            cold_load = load_avg()
            kw = Keyward(a.build, db, a.threads).start()
            log(f"keyward up in {kw.ready_s:.2f} s ({kw.keys} keys, index {kw.index_ms} ms)")
            time.sleep(1)
            rss_loaded = kw.rss_kib()
            mgmt = {"seed_s": seed_s, "seed_load": seed_load, "cold_start_s": kw.ready_s, "index_ms": kw.index_ms,
                    "cold_load": cold_load, "rss_empty_kib": rss_empty, "rss_loaded_kib": rss_loaded,
                    "bytes_per_key": (rss_loaded - rss_empty) * 1024 / a.keys}
            http = {}
            if "http" not in skip:
                http = http_rounds(a, tmp, kw, sample)
            if "mgmt" not in skip:
                log("revocation")
                mgmt["revocation"] = revocation(kw.port, tmp, admin, 100)
                mgmt["create"] = []
                # 64: beyond the targets, to show batches growing with the clients.
                for clients in (1, 16, 64):
                    log(f"durable creation, {clients} client(s)")
                    mgmt["create"].append(creation(kw, tmp, admin, tenant, clients, a.seconds))
                # SIGKILL: no clean shutdown, no final flush; what was acknowledged must be there.
                kw.stop(signal.SIGKILL)
                mgmt["acked"], mgmt["lost"] = count_lost(db, [c["acked_file"] for c in mgmt["create"]])
                res["mgmt"] = mgmt
            kw.stop()
            if http:
                res["http"] = http
    finally:
        for p in STARTED:
            stop(p, signal.SIGKILL, 5)
        shutil.rmtree(tmp, ignore_errors=True)
    res["targets"] = targets(res)
    table = report(res)
    print("\n" + table)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(res, f, indent=1, default=str)
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write("<!-- written by bench/run_bench.py (make bench); do not edit -->\n" + table + "\n")
    charts(res, a.out)
    log(f"wrote {a.out}/results.md, results.json and charts")


if __name__ == "__main__":
    main()
