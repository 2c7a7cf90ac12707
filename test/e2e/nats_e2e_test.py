"""End to end: wispd traces a real nats-server driven by the nats.js client (the fixtures'
client.js: subscribe, publish N messages that come back, a request/reply, unsubscribe), once
verbose and once not. `wisp run` returns one server-side nats_events.beta row per message each
way, with its fields as JSON and, for the verbose client, the server's OK."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import wisp_e2e as e2e  # noqa: E402

N = 25
CLIENT = os.path.join(os.path.dirname(__file__), "..", "actors", "protocols", "nats", "client")


def main():
    e2e.require_root_and_tools("nats-server", "node")
    if not os.path.isdir(os.path.join(CLIENT, "node_modules", "nats")):
        e2e.skip("the nats.js client is not installed (deploy/install-deps.sh installs it)")
    nats = e2e.NatsServer()
    wispd = e2e.Wispd()
    try:
        for mode in ("verbose", "quiet"):
            subprocess.run(["node", "client.js", str(nats.port), mode, str(N)], cwd=CLIENT, check=True,
                           capture_output=True, timeout=60)
        script = f"""
import px
df = px.DataFrame(table='nats_events.beta', start_time='-5m')
df = df[df.local_port == {nats.port}]
px.display(df[['time_', 'remote_port', 'cmd', 'body', 'resp', 'trace_role']], 'n')
"""
        def events(rows, cmd):
            return [r for r in rows if r["cmd"] == cmd and json.loads(r["body"]).get("subject") == "wisp.events"]

        def arrived(rows):
            return len(events(rows, "MSG")) >= 2 * N and len([r for r in rows if r["cmd"] == "CONNECT"]) >= 2

        e2e.wait_until(lambda: arrived(wispd.rows(script)), 30, f"{2 * N} MSG rows and 2 CONNECT rows")
        rows = wispd.rows(script)
        assert all(r["trace_role"] == 2 for r in rows), rows[0]
        connects = [r for r in rows if r["cmd"] == "CONNECT"]
        assert len(connects) == 2, connects
        port_of = {json.loads(r["body"])["verbose"]: r["remote_port"] for r in connects}
        for verbose, port in port_of.items():
            mine = [r for r in rows if r["remote_port"] == port]
            pubs, msgs = events(mine, "PUB"), events(mine, "MSG")
            assert len(pubs) == N and len(msgs) == N, (verbose, len(pubs), len(msgs))
            assert sorted(json.loads(r["body"])["payload"] for r in pubs) == \
                sorted(f"event {i}" for i in range(N)), pubs
            assert all(r["resp"] == ("OK" if verbose else "") for r in pubs), pubs
            assert len([r for r in mine if r["cmd"] == "INFO"]) == 1, mine
            assert len(events(mine, "HPUB")) == 1 and len(events(mine, "HMSG")) == 1, mine
        bundled = [r for r in wispd.bundled_rows("px/nats_data", args=["--", "--max_rows", "1000"])
                   if r["local_port"] == nats.port]
        assert len(bundled) == len(rows), (len(bundled), len(rows))
        assert all(r["_tableName_"] == "nats_data" and r["pid"] > 0 for r in bundled), bundled[0]
        print(f"ok: {N} PUB and {N} MSG rows for each of a verbose and a quiet client")
    finally:
        wispd.stop()
        nats.stop()


if __name__ == "__main__":
    main()
