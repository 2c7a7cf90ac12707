"""End to end: wispd traces the real DataStax Python driver (python3-cassandra) talking CQL v4.
No Cassandra server can run here: the peer is the scripted one of the fixtures
(test/actors/protocols/cql/peer.py), which answers with protocol-correct frames. `wisp run`
returns one server-side cql_events row per request the driver sent (pushed EVENTs are rows too)."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import wisp_e2e as e2e  # noqa: E402

N = 20
CQL = os.path.join(os.path.dirname(__file__), "..", "actors", "protocols", "cql")
PYTHON = "/usr/bin/python3"  # Debian's python, which has python3-cassandra


def main():
    e2e.require_root_and_tools(PYTHON)
    if subprocess.run([PYTHON, "-c", "import cassandra"], capture_output=True).returncode != 0:
        e2e.skip("python3-cassandra is not installed (deploy/install-deps.sh installs it)")
    port = e2e.free_port()
    peer = subprocess.Popen([PYTHON, os.path.join(CQL, "peer.py"), str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wispd = None
    try:
        e2e.wait_until(lambda: e2e.port_open(port), 10, "the scripted CQL peer to listen")
        wispd = e2e.Wispd()
        subprocess.run([PYTHON, os.path.join(CQL, "client.py"), str(port), str(N)], check=True,
                       capture_output=True, timeout=120)
        script = f"""
import px
df = px.DataFrame(table='cql_events', start_time='-5m')
df = df[df.local_port == {port}]
px.display(df[['time_', 'req_op', 'req_body', 'resp_op', 'resp_body', 'latency', 'trace_role']], 'c')
"""
        def inserts(rows):
            return [r for r in rows if r["req_op"] == 7 and "INSERT INTO kv" in r["req_body"]]

        e2e.wait_until(lambda: len(inserts(wispd.rows(script))) >= N, 30, f"{N} INSERT rows")
        rows = wispd.rows(script)
        assert all(r["trace_role"] == 2 for r in rows), rows[0]
        ins = inserts(rows)
        assert len(ins) == N, len(ins)
        assert sorted(int(r["req_body"].split("VALUES ('key")[1].split("'")[0]) for r in ins) == list(range(N)), ins
        assert all(r["resp_op"] == 8 and r["latency"] > 0 for r in ins), ins  # RESULT
        ops = {r["req_op"] for r in rows}
        assert {5, 1, 7, 9, 10, 13} <= ops, ops  # OPTIONS STARTUP QUERY PREPARE EXECUTE BATCH
        errors = [r for r in rows if r["resp_op"] == 0]
        assert errors, rows  # the syntax error the client sends
        bundled = [r for r in wispd.bundled_rows("px/cql_data", args=["--", "--max_rows", "1000"])
                   if r["local_port"] == port]
        assert len(bundled) == len(rows), (len(bundled), len(rows))
        assert all(r["_tableName_"] == "cql_data" and r["pid"] > 0 for r in bundled), bundled[0]
        print(f"ok: {len(rows)} cql_events rows, {N} INSERTs one row each")
    finally:
        if wispd:
            wispd.stop()
        peer.terminate()
        peer.wait(timeout=15)


if __name__ == "__main__":
    main()
