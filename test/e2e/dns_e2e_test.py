"""End to end: wispd traces real dig queries to a real dnsmasq, over UDP and TCP. `wisp run`
returns one dns_events row per query on each side that is traced (Pixie records DNS on both
sides: dig's and dnsmasq's), with the question and the answers as JSON."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import wisp_e2e as e2e  # noqa: E402

# (dig arguments, name, type, expected answer addresses or CNAME targets, rcode)
QUERIES = [
    (["a1.wisp.test", "A"], "a1.wisp.test", "A", ["10.1.2.3"], 0),
    (["both.wisp.lan", "AAAA"], "both.wisp.lan", "AAAA", ["fd00::7"], 0),
    (["alias.wisp.lan", "A"], "alias.wisp.lan", "A", ["both.wisp.lan", "10.9.8.7"], 0),
    (["missing.wisp.lan", "A"], "missing.wisp.lan", "A", [], 3),  # NXDOMAIN
    (["+tcp", "a2.wisp.test", "A"], "a2.wisp.test", "A", ["10.1.2.3"], 0),
]


def main():
    e2e.require_root_and_tools("dnsmasq", "dig")
    dns = e2e.Dnsmasq()
    wispd = e2e.Wispd()
    try:
        for args, *_ in QUERIES:
            dns.dig(*args)
        script = f"""
import px
df = px.DataFrame(table='dns_events', start_time='-5m')
df = df[df.remote_port == {dns.port} or df.local_port == {dns.port}]
px.display(df[['time_', 'upid', 'req_header', 'req_body', 'resp_header', 'resp_body', 'latency',
               'trace_role', 'local_port', 'remote_addr', 'remote_port']], 'd')
"""
        def names(rows):
            out = {}
            for r in rows:
                for q in json.loads(r["req_body"]).get("queries", []):
                    out.setdefault(q["name"], []).append(r)
            return out

        want = {q[1] for q in QUERIES}
        e2e.wait_until(lambda: want <= set(names(wispd.rows(script))), 30, f"dns_events rows for {sorted(want)}")
        rows = wispd.rows(script)
        by_name = names(rows)
        for args, name, qtype, answers, rcode in QUERIES:
            got = by_name[name]
            server = [r for r in got if r["trace_role"] == 2]
            client = [r for r in got if r["trace_role"] == 1]
            assert len(server) == 1, (name, got)  # dnsmasq's side: exactly one row per query
            assert len(client) == 1, (name, got)  # dig's side
            # dnsmasq answers every client on one unconnected UDP socket: its row names the
            # client of that datagram, dig's port, as a TCP server row does.
            assert server[0]["remote_addr"] == "127.0.0.1", server[0]
            assert server[0]["remote_port"] == client[0]["local_port"], (server[0], client[0])
            for r in server + client:
                header = json.loads(r["resp_header"])
                body = json.loads(r["resp_body"])
                assert header["rcode"] == rcode, (name, header)
                assert json.loads(r["req_body"])["queries"][0]["type"] == qtype, r
                seen = [a.get("addr") or a.get("cname") for a in body.get("answers", [])]
                assert seen == answers, (name, seen)
                assert r["latency"] > 0, r
        bundled = [r for r in wispd.bundled_rows("px/dns_data", args=["--", "--max_rows", "1000"])
                   if dns.port in (r["local_port"], r["remote_port"])]
        assert len(bundled) == 2 * len(QUERIES), bundled
        assert all(r["_tableName_"] == "dns_data" and r["pid"] > 0 for r in bundled), bundled[0]
        print(f"ok: {len(QUERIES)} dig queries (UDP and TCP), one row on each side for each")
    finally:
        wispd.stop()
        dns.stop()


if __name__ == "__main__":
    main()
