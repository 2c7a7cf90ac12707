"""End to end: wispd captures real nginx traffic made by curl; `wisp run -o json` returns exactly
one http_events row per request with the right method, path, status, body sizes and latency, and
the parser's losses reach the user as one line per counter, summed over its shards."""
import csv
import io
import os
import socket
import subprocess
import sys
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import wisp_e2e as e2e  # noqa: E402

N_GET = 20
BODY = b'{"wisp": "e2e", "pad": "' + b"x" * 700 + b'"}\n'  # > 512 bytes: truncated in the table


def check_bundled_scripts(wispd, tag, rows):
    """The bundled scripts see the same requests (this wispd started with the test, so the only
    HTTP traffic it has traced is the test's, both nginx's side and, unless skipped as a local
    client, curl's)."""
    data = [r for r in wispd.bundled_rows("px/http_data") if f"/{tag}/" in r["req_path"] or tag in r["req_path"]]
    server_side = [r for r in data if r["trace_role"] == 2]
    assert len(server_side) == len(rows), (len(server_side), len(rows))
    for r in server_side:
        assert r["_tableName_"] == "http_data", r
        assert abs(r["latency_ms"] - r["latency"] / 1e6) < 1e-9, r
        assert r["pid"] > 0, r
    # Function mode: the vis.json's max_rows variable caps the widget's table.
    capped = wispd.bundled_rows("px/http_data", args=["--", "--max_rows", "2"])
    assert len(capped) == 2 and all(r["_tableName_"] == "http_data" for r in capped), capped

    stats = {r["req_path"]: r for r in wispd.bundled_rows("px/http_request_stats")
             if tag in r["req_path"]}
    missing = stats[f"/{tag}/missing"]
    assert (missing["requests"], missing["errors"], missing["error_rate"]) == (1, 1, 1.0), missing
    assert missing["latency_p50"] > 0 and missing["latency_p99"] >= missing["latency_p50"], missing
    first = stats[f"/{tag}/page.json?i=0"]
    assert (first["requests"], first["errors"], first["error_rate"]) == (1, 0, 0.0), first
    assert first["resp_bytes"] == len(BODY), first


def check_service_and_flow_scripts(wispd, nginx, rows, post_len):
    """px/service_stats and px/net_flow_graph summarise exactly the test's requests to nginx."""
    expected = len(rows)
    served = [r for r in wispd.bundled_rows("px/service_stats") if r["local_port"] == nginx.port]
    assert served and all(r["_tableName_"] == "service_stats" for r in served), served
    # No Kubernetes here: the service is "" and the serving pid splits the rows.
    assert all(r["service"] == "" and r["pid"] > 0 for r in served), served
    assert sum(r["requests"] for r in served) == expected, served
    assert sum(r["errors"] for r in served) == 1, served  # the one 404
    assert sum(r["resp_bytes"] for r in served) == sum(r["resp_body_size"] for r in rows), served
    assert sum(r["req_bytes"] for r in served) == post_len, served
    for r in served:
        assert 0 < r["latency_p50"] <= r["latency_p99"], r

    # px/net_flow_graph (from conn_stats): nginx's edge from 127.0.0.1 holds the four client
    # connections (one keep-alive for the GETs, three single requests), and the bytes on the
    # wire include at least the bodies each way.
    workers = nginx.worker_pids()
    edges = e2e.wait_until(
        lambda: [e for e in wispd.bundled_rows("px/net_flow_graph")
                 if e["trace_role"] == 2 and e["pid"] in workers and e["conn_close"] == 4], 30,
        "net_flow_graph edges of nginx")
    assert len(edges) == 1, edges
    assert all(e["_tableName_"] == "net_flow_graph" for e in edges), edges
    assert all(e["from_entity"] == "127.0.0.1" and e["protocol"] == "HTTP"
               and e["to_entity"] == f"pid:{e['pid']}" and e["conn_open"] == 4 for e in edges), edges
    assert sum(e["bytes_sent"] for e in edges) >= sum(r["resp_body_size"] for r in rows), edges
    assert sum(e["bytes_recv"] for e in edges) >= post_len, edges


def check_losses_are_summed_over_parsers(wispd, nginx):
    """Unreadable requests (a header line without a colon) on several connections land on both of
    the HTTP parser shards (--parsers=2); the query's warnings count them once, as one sum."""
    unreadable = 8
    for _ in range(unreadable):
        with socket.create_connection(("127.0.0.1", nginx.port)) as s:
            s.sendall(b"GET /unreadable HTTP/1.1\r\nno colon here\r\n\r\n")
            s.recv(65536)
    def lines():
        err = wispd.run("import px\npx.display(px.DataFrame(table='http_events').head(1))\n").stderr
        found = [l for l in err.splitlines() if "lost at http parser (parse_errors)" in l]
        return found if found and int(found[0].split()[2]) >= unreadable else None
    found = e2e.wait_until(lines, 30, f"{unreadable} parse errors in the warnings")
    assert found == [f"wisp: warning: {unreadable} lost at http parser (parse_errors)"], found


def main():
    e2e.require_root_and_tools("nginx", "curl")
    tag = uuid.uuid4().hex[:12]
    nginx = e2e.Nginx({f"/{tag}/page.json": BODY})
    wispd = e2e.Wispd("--conn_stats_period_s=1", "--parsers=2")
    try:
        # One curl process, one keep-alive connection, N_GET requests.
        urls = [nginx.url(f"/{tag}/page.json?i={i}") for i in range(N_GET)]
        subprocess.run(["curl", "-sf", "-o", "/dev/null", *urls], check=True, stdout=subprocess.DEVNULL)
        # Errors, HEAD, and a POST with a body on separate connections.
        subprocess.run(["curl", "-s", "-o", "/dev/null", nginx.url(f"/{tag}/missing")], check=True)
        subprocess.run(["curl", "-sf", "-o", "/dev/null", "-I", nginx.url(f"/{tag}/page.json?head=1")], check=True)
        post = b"a=1&b=" + b"y" * 100
        subprocess.run(["curl", "-s", "-o", "/dev/null", "--data-binary", post,
                        "-H", "Content-Type: application/x-www-form-urlencoded", nginx.url("/echo?" + tag)],
                       check=True)
        expected = N_GET + 3

        # nginx listens on a port of its own: its server-side rows are exactly this test's requests.
        script = f"""
import px
df = px.DataFrame(table='http_events', start_time='-5m')
df = df[df.local_port == {nginx.port}]
df = df[['time_', 'req_method', 'req_path', 'resp_status', 'resp_message', 'req_body_size',
         'resp_body_size', 'resp_body', 'latency', 'trace_role', 'local_port', 'remote_addr',
         'major_version', 'minor_version', 'content_type']]
px.display(df, 'tagged')
"""
        rows = e2e.wait_until(lambda: (lambda r: r if len(r) >= expected else None)(wispd.rows(script)),
                              30, f"{expected} http_events rows")
        # Everything has arrived; nothing may be counted twice.
        rows = wispd.rows(script)
        assert len(rows) == expected, f"expected exactly {expected} rows, got {len(rows)}: {rows}"

        gets = [r for r in rows if r["req_method"] == "GET" and "page.json?i=" in r["req_path"]]
        assert len(gets) == N_GET, gets
        for r in gets:
            assert r["_tableName_"] == "tagged"
            assert r["resp_status"] == 200 and r["resp_message"] == "OK", r
            assert r["req_body_size"] == 0, r
            assert r["resp_body_size"] == len(BODY), r
            assert r["resp_body"].endswith("... [TRUNCATED]"), r["resp_body"][-40:]
            assert r["latency"] > 0, r
            assert r["trace_role"] == 2, r  # nginx, the server side
            assert r["local_port"] == nginx.port, r
            assert r["remote_addr"] == "127.0.0.1", r
            assert (r["major_version"], r["minor_version"]) == (1, 1), r
            assert r["content_type"] == 1, r  # application/json
        assert sorted(int(r["req_path"].rsplit("=", 1)[1]) for r in gets) == list(range(N_GET))

        (missing,) = [r for r in rows if r["req_path"].endswith("/missing")]
        assert missing["resp_status"] == 404 and missing["latency"] > 0, missing
        (head,) = [r for r in rows if r["req_method"] == "HEAD"]
        assert head["resp_status"] == 200 and head["resp_body_size"] == 0, head
        (p,) = [r for r in rows if r["req_method"] == "POST"]
        assert p["resp_status"] == 201 and p["req_body_size"] == len(post), p

        # The same data through the other two formats.
        records = list(csv.reader(io.StringIO(wispd.run(script, fmt="csv").stdout)))
        assert len(records) == expected + 1, records[:3]
        assert records[0][:3] == ["time_", "req_method", "req_path"], records[0]
        assert sorted(r[2] for r in records[1:]) == sorted(r["req_path"] for r in rows)
        table = wispd.run(script, fmt="table").stdout
        assert table.count(f"/{tag}/page.json?i=") == N_GET, table
        check_bundled_scripts(wispd, tag, rows)
        check_service_and_flow_scripts(wispd, nginx, rows, len(post))
        check_losses_are_summed_over_parsers(wispd, nginx)
        print(f"ok: {expected} requests, {len(rows)} rows")
    finally:
        wispd.stop()
        nginx.stop()


if __name__ == "__main__":
    main()
