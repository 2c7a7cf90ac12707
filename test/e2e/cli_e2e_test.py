"""End to end, the failure paths users meet first: a daemon that is not running, a daemon that
cannot start (not root), malformed PxL, and a table that does not exist; and function mode: a
script file with a vis.json beside it, run with `-- --name value`."""
import ipaddress
import json
import os
import shutil
import socket
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
    for name in ("px/http_data", "px/http_request_stats", "px/schemas", "px/agent_status",
                 "px/service_stats", "px/net_flow_graph"):
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


WARNING = "wisp: warning: table '{}' truncated to {} rows (max_output_rows_per_table; set it with #px:set)"


def check_udtfs(wispd, started_at):
    """Table functions answer from the daemon's own state: its catalog, its functions, itself."""
    schemas = wispd.bundled_rows("px/schemas")
    assert schemas and set(schemas[0]) == {"_tableName_", "table_name", "column_name", "column_type",
                                           "pattern_type", "column_desc"}, schemas[:1]
    http = {r["column_name"]: r for r in schemas if r["table_name"] == "http_events"}
    assert {"time_", "upid", "req_path", "latency", "remote_addr"} <= set(http), sorted(http)
    assert http["time_"]["column_type"] == "TIME64NS" and http["latency"]["column_type"] == "INT64", http
    assert http["upid"]["column_type"] == "UINT128" and http["req_path"]["column_type"] == "STRING", http
    # GetTables lists each table of GetSchemas once.
    tables = wispd.rows("import px\npx.display(px.GetTables())\n")
    assert sorted(r["table_name"] for r in tables) == sorted({r["table_name"] for r in schemas}), tables

    (agent,) = wispd.bundled_rows("px/agent_status")
    assert agent["_tableName_"] == "agent_status", agent
    assert agent["hostname"] == socket.gethostname(), agent
    assert agent["agent_state"] == "AGENT_STATE_HEALTHY" and agent["asid"] == 0, agent
    ipaddress.ip_address(agent["ip_address"])
    assert agent["agent_id"].strip("0-:") != "", agent
    # This wispd started during the test: its uptime is positive and shorter than the test's.
    assert 0 < agent["uptime"] <= (time.time() - started_at) * 1e9, (agent, time.time() - started_at)
    # include_kelvin=False keeps the standalone agent (it collects data; it is not merge-only).
    assert len(wispd.rows("import px\npx.display(px.GetAgentStatus(include_kelvin=False))\n")) == 1

    udfs = wispd.rows("import px\ndf = px.GetUDFList()\npx.display(df[df.name == 'substring'])\n")
    assert [(r["return_type"], r["args"]) for r in udfs] == [("STRING", "STRING,INT64,INT64")], udfs
    udas = {r["name"] for r in wispd.rows("import px\npx.display(px.GetUDAList())\n")}
    assert {"count", "sum", "mean", "quantiles"} <= udas, udas
    udtfs = {r["name"]: r for r in wispd.rows("import px\npx.display(px.GetUDTFList())\n")}
    assert set(udtfs) == {"GetTables", "GetSchemas", "GetUDFList", "GetUDAList", "GetUDTFList",
                          "GetAgentStatus", "GetTracepointStatus"}, udtfs
    assert udtfs["GetAgentStatus"]["init_args"] == "include_kelvin BOOLEAN=True", udtfs

    # Bad calls are located compile errors.
    r = wispd.run("import px\npx.display(px.GetAgentStatus('yes'))\n", check=False)
    assert r.returncode == 1 and "<stdin>:2:30:" in r.stderr and "constant BOOLEAN" in r.stderr, r.stderr
    r = wispd.run("import px\npx.display(px.GetCronScriptHistory())\n", check=False)
    assert r.returncode == 1 and "<stdin>:2:15:" in r.stderr and "not implemented in Wisp yet" in r.stderr, r.stderr


def check_truncation_notice(wispd):
    """A result cut by max_output_rows_per_table says so on stderr; one that fits does not."""
    columns = len(wispd.rows("import px\npx.display(px.GetSchemas())\n"))
    assert columns >= 2, columns
    cut = wispd.run("#px:set max_output_rows_per_table=1\nimport px\npx.display(px.GetSchemas(), 'cols')\n")
    assert len([line for line in cut.stdout.splitlines() if line.strip()]) == 1, cut.stdout
    assert WARNING.format("cols", 1) in cut.stderr.splitlines(), cut.stderr
    exact = wispd.run(f"#px:set max_output_rows_per_table={columns}\nimport px\n"
                      "px.display(px.GetSchemas(), 'cols')\n")
    assert len(exact.stdout.splitlines()) == columns, exact.stdout
    assert "truncated" not in exact.stderr, exact.stderr
    # Only the table that was cut is named; df.head() is the script's own choice, not a cut.
    two = wispd.run("#px:set max_output_rows_per_table=2\nimport px\n"
                    "px.display(px.GetSchemas(), 'many')\npx.display(px.GetSchemas().head(2), 'two')\n", fmt="table")
    lines = [line for line in two.stderr.splitlines() if "truncated" in line]
    assert lines == [WARNING.format("many", 2)], two.stderr


def main():
    check_daemon_not_running()
    check_bundled_script_names()
    e2e.require_root_and_tools()
    check_not_root()
    started_at = time.time()
    wispd = e2e.Wispd()
    try:
        check_query_errors(wispd)
        check_function_mode(wispd)
        check_udtfs(wispd, started_at)
        check_truncation_notice(wispd)
    finally:
        wispd.stop()
    print("ok")


if __name__ == "__main__":
    main()
