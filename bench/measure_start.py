# measure_start.py — cold start and resident memory per key of `keyward serve`, measured as
# bench/run_bench.py does, without the rest of the suite (docs/benchmarks.md).
# Usage: python3 bench/measure_start.py BUILD/keyward SEEDED.db EMPTY.db
import subprocess, sys, time, re, os, signal, threading
def start(binp, db):
    t0 = time.monotonic()
    p = subprocess.Popen([binp, "serve", "--listen", "127.0.0.1:0", "--db", "sqlite:" + db, "--threads", "1"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    keys = ms = None
    for line in p.stdout:
        m = re.search(r"verify index: (\d+) keys loaded in (\d+) ms", line)
        if m: keys, ms = int(m.group(1)), int(m.group(2))
        if re.search(r"listening on http://127\.0\.0\.1:(\d+)", line): break
    ready = time.monotonic() - t0
    threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
    time.sleep(1)
    rss = 0
    for line in open(f"/proc/{p.pid}/status"):
        if line.startswith("VmRSS"): rss = int(line.split()[1])
    p.send_signal(signal.SIGTERM); p.wait()
    return ready, keys, ms, rss
binp, db, empty = sys.argv[1:4]
_, _, _, rss0 = start(binp, empty)
ready, keys, ms, rss = start(binp, db)
print(f"cold start {ready:.2f} s, index {ms} ms, {keys} keys, rss empty {rss0} KiB loaded {rss} KiB, {(rss-rss0)*1024/keys:.0f} B/key, load {os.getloadavg()[0]:.1f}")
