#!/usr/bin/env python3
"""Dynamic-tracing overhead (issue 5, item 8): the cost per probed call and the traced program's
slowdown when its function is called 10k, 100k and 1M times a second, with a Wisp tracepoint
(arguments with a struct member through a pointer, a string, the return value and the latency)
against bpftrace doing the same capture (uprobe + uretprobe, the same values printed), and
untraced, in one run.

The target (bench/tracepoint_target.c, -O2 -g) keeps the call rate by spinning between calls, so
its CPU time is busy time either way; the probes' cost shows as the extra CPU time per call (a
uprobe's trap and BPF program run in the calling thread) and, when the probes take longer than
the spacing, as a lower achieved rate. The spinning itself is the same in every mode.

Usage (root): bench/tracepoint_overhead.py --build build [--seconds 3] [--rounds 2] [--write]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "e2e"))
import wisp_e2e as e2e  # noqa: E402
import readme_section  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RATES = [10_000, 100_000, 1_000_000]
WARMUP_S = 2.5  # the agent's process scan (1 s) attaches to a new process within it


def run_target(binary, rate, seconds, while_warming=None):
    """Runs the target once; `while_warming` runs during its warm-up (the process exists)."""
    proc = subprocess.Popen([binary, str(rate), str(seconds), str(WARMUP_S)], stdout=subprocess.PIPE, text=True)
    if while_warming:
        while_warming()
    out = proc.communicate()[0].split()
    if proc.returncode != 0:
        raise AssertionError(f"{binary} failed with {proc.returncode}")
    values = dict(zip(out[0::2], out[1::2]))
    return int(values["calls"]), float(values["wall"]), float(values["in_calls"])


def wisp_upsert(wispd, binary):
    wispd.run(f"""import pxtrace
@pxtrace.probe('work')
def probe_fn():
    return [{{'a': pxtrace.ArgExpr('a')}}, {{'qty': pxtrace.ArgExpr('it.qty')}},
            {{'name': pxtrace.ArgExpr('name')}}, {{'ret': pxtrace.RetExpr('$0')}},
            {{'latency': pxtrace.FunctionLatency()}}]
pxtrace.UpsertTracepoint('bench', 'bench_table', probe_fn, pxtrace.Process(exe='{binary}'), '30m')
""")


def bpftrace_program(binary):
    # The same values: a, it->qty (offset 8), the name string, the result and the latency.
    return f"""uprobe:{binary}:work {{ @a[tid] = arg0; @q[tid] = *(int32 *)(arg1 + 8);
  @n[tid] = str(arg2); @t[tid] = nsecs; }}
uretprobe:{binary}:work /@t[tid]/ {{ printf("a:%d qty:%d name:%s ret:%d latency:%d\\n", @a[tid], @q[tid],
  @n[tid], retval, nsecs - @t[tid]); delete(@t[tid]); }}
"""


def measure(mode, binary, rate, seconds, while_warming=None):
    calls, wall, in_calls = run_target(binary, rate, seconds, while_warming)
    return {"mode": mode, "rate": rate, "calls": calls, "achieved": calls / wall,
            "ns_per_call": in_calls / calls * 1e9}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--write", action="store_true", help="write the figures to bench/README.md")
    args = ap.parse_args()
    e2e.BUILD = os.path.abspath(args.build)
    e2e.require_root_and_tools("gcc", "bpftrace")
    d = tempfile.mkdtemp(prefix="wisp-tp-bench-")
    binary = f"{d}/tracepoint_target"
    subprocess.run(["gcc", "-O2", "-g", "-o", binary, f"{HERE}/tracepoint_target.c"], check=True)

    samples = {}
    def record(m):
        samples.setdefault((m["mode"], m["rate"]), []).append(m)

    for _ in range(args.rounds):
        for rate in RATES:
            record(measure("untraced", binary, rate, args.seconds))
        # No cap: the 1M calls/s case is over the agent's default per-tracepoint event-rate cap.
        wispd = e2e.Wispd("--tracepoint_max_events_per_s=100000000")
        try:
            # The tracepoint goes into the first target while it warms up; the agent's process
            # scan attaches to the later ones (same executable) during theirs.
            for i, rate in enumerate(RATES):
                deploy = (lambda: wisp_upsert(wispd, binary)) if i == 0 else None
                record(measure("wisp", binary, rate, args.seconds, deploy))
        finally:
            wispd.stop()
        with open(f"{d}/prog.bt", "w") as f:
            f.write(bpftrace_program(binary))
        bt = subprocess.Popen(["bpftrace", f"{d}/prog.bt"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(3)  # bpftrace compiles and attaches
            for rate in RATES:
                record(measure("bpftrace", binary, rate, args.seconds))
        finally:
            bt.terminate()
            bt.wait()

    def median(mode, rate, key):
        return statistics.median(m[key] for m in samples[(mode, rate)])

    rows = []
    for rate in RATES:
        base = median("untraced", rate, "ns_per_call")
        base_rate = median("untraced", rate, "achieved")
        cells = [f"{rate:,}", f"{base_rate:,.0f}"]
        for mode in ("wisp", "bpftrace"):
            cost = median(mode, rate, "ns_per_call") - base
            achieved = median(mode, rate, "achieved")
            cpu_share = cost * achieved / 1e9  # of one CPU, spent in the probes
            cells += [f"{cost:,.0f}", f"{achieved / base_rate:.3f}", f"{100 * cpu_share:.1f}%"]
        rows.append("| " + " | ".join(cells) + " |")
    report = f"""## Dynamic tracing overhead (pxtrace tracepoint vs. bpftrace)

Measured {time.strftime('%Y-%m-%d')} on {os.uname().nodename} ({os.cpu_count()} CPUs, kernel {os.uname().release}):
`bench/tracepoint_overhead.py --seconds {args.seconds:g} --rounds {args.rounds}`, medians over the rounds. The
target calls `work(a, &item, name)` at the rate asked for, spinning between calls; both tracers
capture a, item->qty, the name string, the return value and the latency (an entry and a return
probe per call). Cost per call = time inside the call (clock read before and after it) over the
untraced run's: the traps and BPF programs of both probes run there. Rate ratio = calls/s
achieved / untraced (below 1: the probes took longer than the spacing between calls). Probe CPU
= cost x achieved rate, the share of one CPU the traced program lost to the probes.

| calls/s asked | untraced calls/s | Wisp ns/call | Wisp rate ratio | Wisp probe CPU | bpftrace ns/call | bpftrace rate ratio | bpftrace probe CPU |
|---|---|---|---|---|---|---|---|
""" + "\n".join(rows) + """

Wisp's events go through one generic BPF program (fetch ops run by bpf_loop) into a ring buffer
read by the agent, which decodes them into table rows; bpftrace's through its own compiled
program and printf to a pipe that is discarded here. The agent ran with its per-tracepoint
event-rate cap raised (`--tracepoint_max_events_per_s`): at the default (200,000/s) it detaches a
tracepoint at the 1M calls/s rate and reports it.
"""
    print(report)
    if args.write:
        readme_section.write_section("## Dynamic tracing overhead", report)


if __name__ == "__main__":
    main()
