#!/usr/bin/env python3
"""Tracing overhead on Redis and PostgreSQL (issue 4, item 6): redis-benchmark and pgbench
throughput with wispd running (traced) and without it (untraced), rounds alternating in one
invocation so that drift hits both alike. Also reports capture completeness: rows the agent
stored for the benchmark's server / operations the benchmark completed.

Workloads (both on loopback, both sharing the machine's CPUs with wispd):
  - redis: redis-benchmark -t set,get -c 20 -n N (one command per round trip);
  - pgsql: pgbench -S (select-only, extended protocol) -c 4 -T seconds.

Usage (root): bench/db_overhead.py --build build [--rounds 3] [--seconds 8] [--write]
"""
import argparse
import csv
import io
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "e2e"))
import wisp_e2e as e2e  # noqa: E402
import readme_section  # noqa: E402


def redis_round(redis, seconds):
    """Runs redis-benchmark for about `seconds`; returns (operations, ops per second)."""
    n = int(40000 * seconds)  # ~40k ops/s untraced here: about `seconds` per round
    out = subprocess.run(["redis-benchmark", "-p", str(redis.port), "-t", "set,get", "-c", "20",
                          "-n", str(n), "--csv"], capture_output=True, text=True, check=True).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    rps = [float(r["rps"]) for r in rows]
    # Two tests of n requests each, run one after the other: the combined rate.
    return 2 * n, 2 * n / sum(n / x for x in rps)


def pgsql_round(pg, seconds):
    out = subprocess.run(["pgbench", "-n", "-S", "-M", "extended", "-c", "4", "-j", "2", "-T",
                          str(seconds), pg.conn()], capture_output=True, text=True, check=True).stdout
    done = int(re.search(r"number of transactions actually processed: (\d+)", out).group(1))
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    return done, tps


def rows_for(wispd, table, port, cmd_filter):
    r = wispd.rows(f"""
import px
df = px.DataFrame(table='{table}')
df = df[df.local_port == {port}]
{cmd_filter}
df = df.groupby('local_port').agg(n=('latency', px.count))
px.display(df, 'n')
""")
    return r[0]["n"] if r else 0


def settle(count):
    """Rows reach the table within a push interval; polls until the count stops growing."""
    last, since = -1, time.monotonic()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        n = count()
        if n != last:
            last, since = n, time.monotonic()
        elif time.monotonic() - since > 3:
            break
        time.sleep(0.5)
    return last


WORKLOADS = {
    # name: (run one round, table, rows filter, operations per benchmark op)
    "redis": (redis_round, "redis_events", "df = df[df.req_cmd == 'SET' or df.req_cmd == 'GET']", 1),
    # pgbench -S: one Execute row per transaction's SELECT (plus Parse/Bind/Describe rows).
    "pgsql": (pgsql_round, "pgsql_events", "df = df[df.req_cmd == 'Execute']", 1),
}


def measure(name, server, args):
    run, table, flt, per_op = WORKLOADS[name]
    untraced, traced, completeness = [], [], []
    for _ in range(args.rounds):
        untraced.append(run(server, args.seconds)[1])
        wispd = e2e.Wispd()
        try:
            base = rows_for(wispd, table, server.port, flt)
            ops, rate = run(server, args.seconds)
            traced.append(rate)
            got = settle(lambda: rows_for(wispd, table, server.port, flt)) - base
            completeness.append(got / (ops * per_op))
        finally:
            wispd.stop()
    return {"workload": name, "untraced": statistics.median(untraced), "traced": statistics.median(traced),
            "ratio": statistics.median(t / u for t, u in zip(traced, untraced)),
            "complete": min(completeness)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--write", action="store_true", help="write the figures to bench/README.md")
    args = ap.parse_args()
    e2e.BUILD = os.path.abspath(args.build)
    e2e.require_root_and_tools("redis-server", "redis-benchmark", "pgbench", "psql", "runuser")

    results = []
    redis = e2e.RedisServer()
    try:
        results.append(measure("redis", redis, args))
    finally:
        redis.stop()
    pg = e2e.PostgresServer()
    try:
        subprocess.run(["pgbench", "-i", "-s", "1", "-q", pg.conn()], check=True, capture_output=True)
        results.append(measure("pgsql", pg, args))
    finally:
        pg.stop()

    lines = "\n".join(f"| {r['workload']} | {r['untraced']:.0f} | {r['traced']:.0f} | **{r['ratio']:.3f}** | "
                      f"{r['complete']:.4f} |" for r in results)
    report = f"""## Redis and PostgreSQL tracing overhead (redis-benchmark, pgbench)

Measured {time.strftime('%Y-%m-%d')} on {os.uname().nodename} ({os.cpu_count()} CPUs, kernel {os.uname().release}):
`bench/db_overhead.py --rounds {args.rounds} --seconds {args.seconds}`. Untraced and traced rounds
alternate; the traced rounds run a fresh wispd. Medians over the rounds; completeness is the
worst round's rows stored / operations completed.

| workload | untraced ops/s | traced ops/s | traced / untraced | capture completeness |
|---|---|---|---|---|
{lines}

Workloads: redis-benchmark -t set,get -c 20 (no pipelining: one command per round trip, the
worst case per byte); pgbench -S -M extended -c 4 (one SELECT per transaction).
"""
    print(report)
    if args.write:
        readme_section.write_section("## Redis and PostgreSQL tracing overhead", report)

if __name__ == "__main__":
    main()
