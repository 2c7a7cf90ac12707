"""End to end, the failure paths users meet first: a daemon that is not running, a daemon that
cannot start (not root), malformed PxL, and a table that does not exist."""
import os
import shutil
import subprocess
import sys
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


def main():
    check_daemon_not_running()
    check_bundled_script_names()
    e2e.require_root_and_tools()
    check_not_root()
    wispd = e2e.Wispd()
    try:
        check_query_errors(wispd)
    finally:
        wispd.stop()
    print("ok")


if __name__ == "__main__":
    main()
