"""End to end: dynamic tracing (pxtrace). The test builds real programs (Go with Debian's Go, C
at -O0 and -O2, C++), runs them, and deploys tracepoints into them through `wisp run` while they
run: arguments with struct members through values and pointers, strings, return values and
latency land in tables whose values the test checks against what each program passed (every
return value follows from the arguments). Also: a process started after the tracepoint, a
re-upsert, a changed definition (new table version), TTL expiry, UPID and SharedObject targets, `wisp get tracepoints` and
`wisp delete tracepoint`, a bpftrace program on a syscall tracepoint, and the bad inputs, each a
specific error."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import wisp_e2e as e2e  # noqa: E402

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tracepoint_targets")
CURRENCIES = ["EUR", "USD", "CHF"]


def build_targets(out):
    gohome = os.path.join(out, "gohome")
    env = dict(os.environ, GOCACHE=f"{gohome}/cache", GOPATH=f"{gohome}/path", HOME=gohome,
               GOFLAGS="-mod=mod", GOPROXY="off", CGO_ENABLED="0")
    subprocess.run(["go", "build", "-o", f"{out}/checkout", "."], cwd=f"{SRC}/checkout", env=env, check=True)
    subprocess.run(["gcc", "-g", "-O0", "-o", f"{out}/compute_O0", f"{SRC}/compute.c"], check=True)
    subprocess.run(["gcc", "-g", "-O2", "-o", f"{out}/compute_O2", f"{SRC}/compute.c"], check=True)
    subprocess.run(["gcc", "-O2", "-o", f"{out}/compute_nodebug", f"{SRC}/compute.c"], check=True)
    subprocess.run(["g++", "-g", "-O2", "-o", f"{out}/cart", f"{SRC}/cart.cpp"], check=True)
    subprocess.run(["gcc", "-g", "-O2", "-fPIC", "-shared", "-o", f"{out}/libgreet.so", f"{SRC}/libgreet.c"], check=True)
    subprocess.run(["gcc", "-g", "-O2", "-o", f"{out}/greeter", f"{SRC}/greeter.c", f"-L{out}", "-lgreet",
                    f"-Wl,-rpath,{out}"], check=True)


def upsert(name, table, symbol, outputs, target, ttl="10m"):
    """A pxtrace script deploying one probe; outputs maps column -> pxtrace expression text."""
    cols = ",\n            ".join(f"{{'{c}': {e}}}" for c, e in outputs.items())
    return f"""import pxtrace
import px

@pxtrace.probe('{symbol}')
def probe_fn():
    return [{cols}]

pxtrace.UpsertTracepoint('{name}', '{table}', probe_fn, {target}, '{ttl}')
"""


def table_rows(wispd, table, extra=""):
    return wispd.rows(f"""import px
df = px.DataFrame('{table}')
df.pid = px.upid_to_pid(df.upid)
{extra}
px.display(df)
""")


def wait_rows(wispd, table, pid, n, timeout=30):
    return e2e.wait_until(lambda: len(rows := [r for r in table_rows(wispd, table) if r["pid"] == pid]) >= n and rows,
                          timeout, f"{n} rows of pid {pid} in {table}")


def status(wispd):
    return {r["name"]: r for r in wispd.bundled_rows("px/tracepoint_status")}


def expect_error(wispd, script, *pieces):
    r = wispd.run(script, check=False)
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    for p in pieces:
        assert p in r.stderr, (p, r.stderr)
    return r.stderr


def check_go(wispd, d):
    proc = subprocess.Popen([f"{d}/checkout", "20"], stdout=subprocess.DEVNULL)
    try:
        wispd.run(upsert("checkout_tracer", "checkout_table", "main.(*Checkout).Sum",
                         {"lUnits": "pxtrace.ArgExpr('l.Units')", "rUnits": "pxtrace.ArgExpr('r.Units')",
                          "cur": "pxtrace.ArgExpr('l.Currency')", "retUnits": "pxtrace.RetExpr('$0.Units')",
                          "retCur": "pxtrace.RetExpr('$0.Currency')", "latency": "pxtrace.FunctionLatency()"},
                         f"pxtrace.Process(exe='{d}/checkout')"))
        rows = wait_rows(wispd, "checkout_table", proc.pid, 10)
        for r in rows:
            assert r["rUnits"] == 2 * r["lUnits"], r
            assert r["retUnits"] == r["lUnits"] + r["rUnits"], r
            assert r["cur"] == CURRENCIES[r["lUnits"] % 3] == r["retCur"], r
            assert r["goid_"] > 0 and r["latency"] > 0, r
        units = sorted(r["lUnits"] for r in rows)
        assert units == list(range(units[0], units[0] + len(units))), units  # every call, in order

        # Latency against a known sleep: Login sleeps 30 ms; a string argument and a bool result.
        wispd.run(upsert("login_tracer", "login_table", "main.Login",
                         {"user": "pxtrace.ArgExpr('user')", "ok": "pxtrace.RetExpr('$0')",
                          "latency": "pxtrace.FunctionLatency()"},
                         f"pxtrace.Process(pid={proc.pid})"))
        for r in wait_rows(wispd, "login_table", proc.pid, 3):
            assert r["user"].startswith("user-") and r["ok"] is True, r
            assert 30_000_000 <= r["latency"] < 1_000_000_000, r
        print(f"ok: Go Sum ({len(rows)} calls, struct members, strings, two results) and Login latency")
    finally:
        proc.kill()
        proc.wait()


def check_c_and_cpp(wispd, d):
    procs = [subprocess.Popen([f"{d}/{b}", "20"]) for b in ("compute_O0", "compute_O2", "cart")]
    try:
        outputs = {"a": "pxtrace.ArgExpr('a')", "qty": "pxtrace.ArgExpr('it.qty')",
                   "label": "pxtrace.ArgExpr('it.label')", "name": "pxtrace.ArgExpr('name')",
                   "ret": "pxtrace.RetExpr('$0')"}
        for build, proc in (("O0", procs[0]), ("O2", procs[1])):
            wispd.run(upsert(f"compute_{build}", f"compute_{build}", "compute", outputs,
                             f"pxtrace.Process(exe='{d}/compute_{build}')"))
            for r in wait_rows(wispd, f"compute_{build}", proc.pid, 5):
                assert r["qty"] == r["a"] % 7 + 1 and r["label"] == "widget", r
                assert r["name"] == ("order" if r["a"] % 2 else "refund"), r
                assert r["ret"] == r["a"] * r["qty"] + len(r["name"]), r
        wispd.run(upsert("slow_tracer", "slow_table", "slow",
                         {"ms": "pxtrace.ArgExpr('ms')", "latency": "pxtrace.FunctionLatency()"},
                         f"pxtrace.Process(pid={procs[1].pid})"))
        for r in wait_rows(wispd, "slow_table", procs[1].pid, 2):
            assert r["ms"] == 20 and 20_000_000 <= r["latency"] < 1_000_000_000, r

        wispd.run(upsert("cart_tracer", "cart_table", "Cart::add",
                         {"sku": "pxtrace.ArgExpr('sku')", "qty": "pxtrace.ArgExpr('qty')",
                          "ret": "pxtrace.RetExpr('$0')"},
                         f"pxtrace.Process(exe='{d}/cart')"))
        for r in wait_rows(wispd, "cart_table", procs[2].pid, 5):
            assert r["sku"].startswith("sku-") and r["ret"] == len(r["sku"]) * r["qty"], r

        # A process started after the tracepoint is traced too.
        late = subprocess.Popen([f"{d}/compute_O2", "20"])
        procs.append(late)
        wait_rows(wispd, "compute_O2", late.pid, 3)
        print("ok: C -O0 and -O2 (pointer struct members, char*, returns, latency), C++ std::string, "
              "a process started later")

        # The same definition again resets the TTL only; a changed one makes a new table version.
        before = status(wispd)["compute_O2"]
        wispd.run(upsert("compute_O2", "compute_O2", "compute", outputs, f"pxtrace.Process(exe='{d}/compute_O2')"))
        again = status(wispd)["compute_O2"]
        assert again["tracepoint_id"] == before["tracepoint_id"] and again["state"] == "RUNNING", again
        wispd.run(upsert("compute_O2", "compute_O2", "compute", {"a": "pxtrace.ArgExpr('a')"},
                         f"pxtrace.Process(exe='{d}/compute_O2')"))
        new = wait_rows(wispd, "compute_O2", procs[1].pid, 3)
        assert set(new[0]) - {"_tableName_"} == {"time_", "upid", "a", "pid"}, new[0]
        old = [r for r in table_rows(wispd, "compute_O2_v1") if r["pid"] == procs[1].pid]
        assert old and "ret" in old[0], old[:1]
        print("ok: re-upsert keeps the tracepoint; a changed definition writes compute_O2 anew and "
              "keeps the old rows in compute_O2_v1")

        # Delete: gone from the status, the process runs on, no more rows.
        out = subprocess.run([f"{e2e.BUILD}/cluster/wisp", "delete", "tracepoint", "compute_O0",
                              "--endpoint", wispd.endpoint], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0 and "deleted tracepoint compute_O0" in out.stdout, out
        assert "compute_O0" not in status(wispd)
        count = len(table_rows(wispd, "compute_O0"))
        time.sleep(1)
        assert len(table_rows(wispd, "compute_O0")) == count
        listed = subprocess.run([f"{e2e.BUILD}/cluster/wisp", "get", "tracepoints", "--endpoint",
                                 wispd.endpoint], capture_output=True, text=True, timeout=60)
        assert listed.returncode == 0 and "cart_tracer" in listed.stdout and "RUNNING" in listed.stdout, listed
        print("ok: wisp delete tracepoint and wisp get tracepoints")
    finally:
        for p in procs:
            p.kill()
            p.wait()


def check_ttl(wispd, d):
    proc = subprocess.Popen([f"{d}/compute_O2", "10"])
    try:
        wispd.run(upsert("short", "short_table", "compute", {"a": "pxtrace.ArgExpr('a')"},
                         f"pxtrace.Process(pid={proc.pid})", ttl="3s"))
        wait_rows(wispd, "short_table", proc.pid, 1)
        e2e.wait_until(lambda: status(wispd)["short"]["state"] == "TERMINATED", 10, "the TTL to expire")
        assert "TTL expired" in status(wispd)["short"]["status"]
        count = len(table_rows(wispd, "short_table"))
        time.sleep(1)
        assert len(table_rows(wispd, "short_table")) == count, "rows after the TTL expired"
        print("ok: a 3 s TTL expires and detaches")
    finally:
        proc.kill()
        proc.wait()


def upid_of(wispd, pid):
    """The UPID of a process as a UUID string: (asid << 32 | pid, start time in clock ticks)."""
    asid = wispd.rows("import px\npx.display(px.GetAgentStatus())\n")[0]["asid"]
    with open(f"/proc/{pid}/stat") as f:
        ticks = int(f.read().rsplit(")", 1)[1].split()[19])
    h = f"{(asid << 32) | pid:016x}{ticks:016x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def check_upid_and_shared_object(wispd, d):
    procs = [subprocess.Popen([f"{d}/compute_O2", "20"]), subprocess.Popen([f"{d}/greeter", "20"])]
    try:
        wispd.run(upsert("by_upid", "by_upid", "compute", {"a": "pxtrace.ArgExpr('a')", "ret": "pxtrace.RetExpr('$0')"},
                         f"px.uint128('{upid_of(wispd, procs[0].pid)}')"))
        for r in wait_rows(wispd, "by_upid", procs[0].pid, 3):
            assert r["ret"] == r["a"] * (r["a"] % 7 + 1) + len("order" if r["a"] % 2 else "refund"), r
        wispd.run(upsert("in_lib", "in_lib", "greet",
                         {"who": "pxtrace.ArgExpr('who')", "times": "pxtrace.ArgExpr('times')",
                          "ret": "pxtrace.RetExpr('$0')"},
                         f"pxtrace.SharedObject('libgreet', px.uint128('{upid_of(wispd, procs[1].pid)}'))"))
        for r in wait_rows(wispd, "in_lib", procs[1].pid, 3):
            assert r["who"] in ("ada", "grace") and r["ret"] == len(r["who"]) * r["times"], r
        print("ok: a UPID target and a SharedObject target (a library's function in one process)")
    finally:
        for p in procs:
            p.kill()
            p.wait()


def check_bpftrace(wispd):
    program = ('tracepoint:syscalls:sys_enter_clock_nanosleep { '
               'printf(\\"time_:%llu pid:%u comm:%s\\\\n\\", nsecs, pid, comm); }')
    started = time.time_ns()
    wispd.run(f"""import pxtrace
pxtrace.UpsertTracepoint('naps', 'nap_table', "{program}", pxtrace.kprobe(), '5m')
""")
    sleeper = subprocess.Popen(["sleep", "0.2"])
    sleeper.wait()
    rows = e2e.wait_until(lambda: [r for r in wispd.rows("import px\npx.display(px.DataFrame('nap_table'))\n")
                                   if r["pid"] == sleeper.pid], 20, "bpftrace rows of the sleep process")
    assert rows[0]["comm"] == "sleep", rows
    assert started <= e2e.time_ns(rows[0]["time_"]) <= time.time_ns(), (started, rows[0])
    expect_error(wispd, "import pxtrace\npxtrace.UpsertTracepoint('bad_bt', 'bt', "
                 "'tracepoint:syscalls:sys_enter_nope { printf(\"x:%d\\n\", 1); }', pxtrace.kprobe(), '5m')\n",
                 "tracepoint 'bad_bt'", "bpftrace")
    print("ok: a bpftrace program on a syscall tracepoint; a program bpftrace rejects is an error")


def check_bad_input(wispd, d):
    proc = subprocess.Popen([f"{d}/compute_O2", "50"])
    nodebug = subprocess.Popen([f"{d}/compute_nodebug", "50"])
    try:
        target = f"pxtrace.Process(pid={proc.pid})"
        expect_error(wispd, upsert("e1", "e1", "no_such_function", {"a": "pxtrace.ArgExpr('a')"}, target),
                     "tracepoint 'e1'", "no_such_function")
        err = expect_error(wispd, upsert("e2", "e2", "compute", {"a": "pxtrace.ArgExpr('it.qtty')"}, target),
                           "tracepoint 'e2'", "qtty")
        assert "qty" in err, err  # names the members that exist
        expect_error(wispd, upsert("e3", "e3", "compute", {"a": "pxtrace.ArgExpr('a')"},
                                   f"pxtrace.Process(pid={nodebug.pid})"), "tracepoint 'e3'", "DWARF")
        expect_error(wispd, upsert("e4", "e4", "compute", {"a": "pxtrace.ArgExpr('a')"},
                                   "pxtrace.Process(exe='/bin/true')"), "matches no running process")
        expect_error(wispd, upsert("e5", "e5", "compute", {"a": "pxtrace.ArgExpr('a')"}, target, ttl="ten"),
                     "cannot parse the TTL 'ten'")
        # --explain shows the mutations and deploys nothing.
        r = wispd.run(upsert("explained", "explained", "compute", {"a": "pxtrace.ArgExpr('a')"}, target),
                      args=("--explain",))
        assert "mutation UpsertTracepoint('explained', table 'explained', probe 'compute'" in r.stdout, r.stdout
        states = status(wispd)
        assert "explained" not in states
        for name in ("e1", "e2", "e3", "e4"):
            assert states[name]["state"] == "FAILED", states[name]
        assert "e5" not in states  # a compile error deploys nothing
        print("ok: a missing symbol, a typo in an argument, no DWARF, no matching process and a bad "
              "TTL are specific errors, and nothing stays attached; --explain deploys nothing")
    finally:
        for p in (proc, nodebug):
            p.kill()
            p.wait()


def main():
    e2e.require_root_and_tools("go", "gcc", "g++", "bpftrace")
    d = tempfile.mkdtemp(prefix="wisp-tracepoints-")
    build_targets(d)
    wispd = e2e.Wispd()
    try:
        check_go(wispd, d)
        check_c_and_cpp(wispd, d)
        check_ttl(wispd, d)
        check_upid_and_shared_object(wispd, d)
        check_bpftrace(wispd)
        check_bad_input(wispd, d)
    finally:
        wispd.stop()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
