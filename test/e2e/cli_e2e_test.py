"""End to end, the failure paths users meet first: a daemon that is not running, a daemon that
cannot start (not root), malformed PxL, and a table that does not exist; and function mode: a
script file with a vis.json beside it, run with `-- --name value`."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import wisp_e2e as e2e  # noqa: E402


def check_daemon_not_running():
    endpoint = f"tcp://127.0.0.1:{e2e.free_port()}"
    t0 = time.monotonic()
    r = subprocess.run([f"{e2e.BUILD}/cluster/wisp", "run", "-f", "-", "--endpoint", endpoint],
                       input="import px\n", capture_output=True, text=True, timeout=30)
    assert r.returncode == 3, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach wispd" in lines[0] and endpoint in lines[0], r.stderr
    assert time.monotonic() - t0 < 20, "no hang"


def check_bundled_script_names():
    wisp = f"{e2e.BUILD}/cluster/wisp"
    r = subprocess.run([wisp, "run", "-l"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r
    listed = dict(line.split("\t", 1) for line in r.stdout.splitlines())
    for name in ("px/http_data", "px/http_request_stats"):
        assert name in listed and listed[name].strip(), (name, r.stdout)
    r = subprocess.run([wisp, "run", "px/http"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2, r
    assert "'px/http' is not a bundled script" in r.stderr and "px/http_data" in r.stderr, r.stderr
    r = subprocess.run([wisp, "run", "px/http_data", "-f", "x.pxl"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "not both" in r.stderr, r


def check_not_root():
    if shutil.which("setpriv") is None:
        return
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        f"{e2e.BUILD}/cluster/wispd", "--role=standalone",
                        f"--listen=tcp://127.0.0.1:{e2e.free_port()}"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("wispd: cannot") and "root" in lines[0], lines[0]


def check_query_errors(wispd):
    r = wispd.run("import px\ndf = px.DataFrame(table='http_events')\ndf = df[df.nope == 1]\npx.display(df)\n",
                  check=False)
    assert r.returncode == 1, r
    assert "<stdin>:3:" in r.stderr and "nope" in r.stderr, r.stderr

    r = wispd.run("import px\ndf = px.DataFrame(table='no_such_table')\npx.display(df)\n", check=False)
    assert r.returncode == 1, r
    assert "<stdin>:2:" in r.stderr and "no_such_table" in r.stderr and "http_events" in r.stderr, r.stderr

    r = wispd.run("import px\ndf = px.DataFrame(table='http_events'\n", check=False)
    assert r.returncode == 1 and "<stdin>:" in r.stderr, r

    r = wispd.run("import px\nclass A:\n    pass\n", check=False)
    assert r.returncode == 1 and "<stdin>:2:1" in r.stderr and "not supported" in r.stderr, r.stderr

    # Result tables come out in the order the script displays them.
    r = wispd.run("import px\ndf = px.DataFrame(table='http_events')\n"
                  "px.display(df.head(1), 'zz_first')\npx.display(df.head(2), 'aa_second')\n", fmt="table")
    assert 0 <= r.stdout.index("Table ID: zz_first") < r.stdout.index("Table ID: aa_second"), r.stdout

    # The daemon survives all of it.
    wispd.run("import px\npx.display(px.DataFrame(table='http_events').head(1))\n")


FUNCTION_SCRIPT = """# Function mode: the vis.json beside this file runs recent() and totals().
import px

def recent(start_time: str, max_rows: int, label: str):
    df = px.DataFrame(table='http_events', start_time=start_time)
    df.label = label
    return df[['time_', 'label', 'req_path']].head(max_rows)

def totals(start_time: str):
    df = px.DataFrame(table='http_events', start_time=start_time)
    return df.groupby('req_path').agg(n=('latency', px.count))

px.display(px.DataFrame(table='http_events'), 'not_in_function_mode')
"""

FUNCTION_VIS = {
    "variables": [
        {"name": "start_time", "type": "PX_STRING", "defaultValue": "-5m"},
        {"name": "max_rows", "type": "PX_INT64", "defaultValue": "10"},
        {"name": "label", "type": "PX_STRING"},
    ],
    "globalFuncs": [
        {"outputName": "Totals", "func": {"name": "totals", "args": [
            {"name": "start_time", "variable": "start_time"}]}},
    ],
    "widgets": [
        {"name": "Recent requests", "position": {"x": 0, "y": 0, "w": 12, "h": 4},
         "func": {"name": "recent", "args": [
             {"name": "start_time", "variable": "start_time"},
             {"name": "max_rows", "variable": "max_rows"},
             {"name": "label", "variable": "label"}]},
         "displaySpec": {"@type": "types.px.dev/px.vispb.Table"}},
        {"name": "Totals chart", "globalFuncOutputName": "Totals",
         "displaySpec": {"@type": "types.px.dev/px.vispb.BarChart"}},
    ],
}


def check_function_mode(wispd):
    wisp = f"{e2e.BUILD}/cluster/wisp"
    with tempfile.TemporaryDirectory(prefix="wisp-vis-") as d:
        script = os.path.join(d, "recent.pxl")
        with open(script, "w") as f:
            f.write(FUNCTION_SCRIPT)
        with open(os.path.join(d, "vis.json"), "w") as f:
            json.dump(FUNCTION_VIS, f, indent=2)

        def run(*args, fmt="table"):
            return subprocess.run([wisp, "run", "-f", script, "-o", fmt, "--endpoint", wispd.endpoint, *args],
                                  capture_output=True, text=True, timeout=60)

        # Tables are named after the globalFunc and the widget, in that order; px.display is off.
        r = run("--", "--label", "e2e-label", "--max_rows", "3")
        assert r.returncode == 0, r
        ids = [line.split("Table ID: ", 1)[1].strip() for line in r.stdout.splitlines() if "Table ID: " in line]
        assert ids == ["Totals", "Recent requests"], r.stdout

        # The arguments reach the compiled plan: the row cap and the label constant (the table may
        # hold no HTTP rows on this machine, so the plan shows what the arguments did).
        r = run("--explain", "--", "--label", "e2e-label", "--max_rows", "3", "--start_time", "-2m")
        assert r.returncode == 0, r
        assert "label='e2e-label'" in r.stdout and " n=3\n" in r.stdout, r.stdout
        r2 = run("--explain", "--", "--label", "other", "--max_rows", "9")
        assert r2.returncode == 0, r2
        assert "label='other'" in r2.stdout and " n=9\n" in r2.stdout and " n=3\n" not in r2.stdout, r2.stdout

        # Any rows that come back carry the label argument.
        for line in run("--", "--label", "e2e-label", fmt="json").stdout.splitlines():
            row = json.loads(line)
            if row["_tableName_"] == "Recent requests":
                assert row["label"] == "e2e-label", row

        # A bad value: located at the parameter's annotation, naming the argument.
        r = run("--", "--label", "x", "--max_rows", "abc")
        assert r.returncode == 1, r
        assert f"{script}:4:" in r.stderr and "--max_rows" in r.stderr and "'abc'" in r.stderr, r.stderr
        # An unknown argument lists the known ones; a missing required one is named.
        r = run("--", "--label", "x", "--max_row", "3")
        assert r.returncode == 1, r
        assert "vis.json:" in r.stderr and "--max_row" in r.stderr and "--max_rows" in r.stderr, r.stderr
        r = run()
        assert r.returncode == 1 and "missing script argument --label" in r.stderr, r
        # Malformed vis.json: located in it.
        with open(os.path.join(d, "vis.json"), "w") as f:
            f.write('{"widgets": [}')
        r = run("--", "--label", "x")
        assert r.returncode == 1 and "vis.json:1:" in r.stderr and "not valid JSON" in r.stderr, r

    # A script without a vis.json takes no arguments.
    r = wispd.run("import px\npx.display(px.DataFrame(table='http_events').head(1))\n", check=False,
                  args=["--", "--start_time", "-5m"])
    assert r.returncode == 1 and "takes no arguments" in r.stderr, r

    # The bundled px/http_data runs in function mode: its widget names the table, its args work.
    r = subprocess.run([wisp, "run", "px/http_data", "-o", "table", "--endpoint", wispd.endpoint,
                        "--", "--max_rows", "1", "--start_time", "-1h"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "Table ID: http_data" in r.stdout, r
    r = subprocess.run([wisp, "run", "px/http_data", "--endpoint", wispd.endpoint, "--", "--max_rows", "many"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "px/http_data.pxl:" in r.stderr and "'many'" in r.stderr, r


def main():
    check_daemon_not_running()
    check_bundled_script_names()
    e2e.require_root_and_tools()
    check_not_root()
    wispd = e2e.Wispd()
    try:
        check_query_errors(wispd)
        check_function_mode(wispd)
    finally:
        wispd.stop()
    print("ok")


if __name__ == "__main__":
    main()
