"""End to end: wispd traces a real redis-server driven by redis-cli (one connection, one
command per line) and by redis-benchmark (pipelined, 16 commands per write). `wisp run` returns
exactly one redis_events row per command, on the server side, with the command, its arguments,
the reply and a latency."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import wisp_e2e as e2e  # noqa: E402

N_BENCH = 320  # redis-benchmark SETs, pipelined 16 per write

COMMANDS = [
    ("SET wisp:k hello", "SET", "OK"),
    ("GET wisp:k", "GET", "hello"),
    ("INCR wisp:n", "INCR", "1"),
    ("INCR wisp:n", "INCR", "2"),
    ("RPUSH wisp:l a b c", "RPUSH", "3"),
    ("LRANGE wisp:l 0 -1", "LRANGE", '["a","b","c"]'),
    ("HSET wisp:h f 1", "HSET", "1"),
    ("DEL wisp:k", "DEL", "1"),
    ("GET wisp:k", "GET", "<NULL>"),
    # An error reply. Not a Redis command: no command name, the words as a JSON array (Pixie's
    # rule for commands it does not know).
    ("NOSUCHCOMMAND x", "", None),
]


def check_conn_stats(wispd, redis, server_upids):
    """conn_stats sees the same connections from both ends: what the clients (redis-cli,
    redis-benchmark) sent to the server's port is what redis-server received, and every
    connection opened was closed."""
    script = """
import px
px.display(px.DataFrame(table='conn_stats', start_time='-5m'), 'c')
"""
    def latest():
        last = {}
        for r in wispd.rows(script):
            k = (r["upid"], r["remote_addr"], r["remote_port"], r["trace_role"])
            if k not in last or r["time_"] >= last[k]["time_"]:
                last[k] = r
        clients = [r for r in last.values() if r["trace_role"] == 1 and r["remote_port"] == redis.port]
        servers = [r for r in last.values() if r["trace_role"] == 2 and r["upid"] in server_upids]
        return clients, servers

    def settled():
        clients, servers = latest()
        if not clients or len(servers) != 1 or servers[0]["conn_active"] != 0:
            return None
        if servers[0]["bytes_recv"] != sum(c["bytes_sent"] for c in clients):
            return None
        return clients, servers[0]

    clients, server = e2e.wait_until(settled, 30, "conn_stats rows of both ends to agree")
    assert server["remote_port"] == 0 and server["remote_addr"] == "127.0.0.1", server
    assert server["protocol"] == 7, server  # Redis
    assert server["conn_open"] == server["conn_close"] == sum(c["conn_open"] for c in clients), (server, clients)
    assert server["bytes_sent"] == sum(c["bytes_recv"] for c in clients), (server, clients)
    assert server["bytes_recv"] > N_BENCH * 30, server  # 320 SETs of ~40 bytes each at least
    assert all(c["conn_active"] == 0 and c["addr_family"] == 1 for c in clients), clients

    # The bundled conn_stats scripts show the same totals.
    inbound = [r for r in wispd.bundled_rows("px/inbound_conns") if r["protocol"] == "Redis" and
               r["bytes_recv"] == server["bytes_recv"]]
    assert len(inbound) == 1 and inbound[0]["conn_open"] == server["conn_open"], inbound
    assert inbound[0]["conn_active"] == 0 and inbound[0]["pid"] > 0, inbound
    outbound = [r for r in wispd.bundled_rows("px/outbound_conns") if r["remote_port"] == redis.port]
    assert sum(r["conn_open"] for r in outbound) == server["conn_open"], outbound
    assert sum(r["bytes_sent"] for r in outbound) == server["bytes_recv"], outbound
    assert all(r["protocol"] == "Redis" for r in outbound), outbound


def main():
    e2e.require_root_and_tools("redis-server", "redis-cli", "redis-benchmark")
    redis = e2e.RedisServer()
    wispd = e2e.Wispd("--conn_stats_period_s=1")
    try:
        redis.cli("".join(c + "\n" for c, _, _ in COMMANDS))
        subprocess.run(["redis-benchmark", "-p", str(redis.port), "-n", str(N_BENCH), "-P", "16",
                        "-c", "1", "-t", "set", "-q"], check=True, capture_output=True, timeout=60)

        script = f"""
import px
df = px.DataFrame(table='redis_events', start_time='-5m')
df = df[df.local_port == {redis.port}]
px.display(df[['time_', 'upid', 'req_cmd', 'req_args', 'resp', 'latency', 'trace_role', 'remote_addr']], 'r')
"""
        def ours(rows):
            return [r for r in rows if "wisp:" in r["req_args"] or "NOSUCHCOMMAND" in r["req_args"]]

        def bench(rows):
            return [r for r in rows if r["req_cmd"] == "SET" and "key:__rand_int__" in r["req_args"]]

        def counts():
            rows = wispd.rows(script)
            return len(ours(rows)), len(bench(rows)), len(rows)

        e2e.wait_until(lambda: (lambda c: c if c[0] >= len(COMMANDS) and c[1] >= N_BENCH else None)(counts()),
                       30, f"{len(COMMANDS)} redis-cli and {N_BENCH} benchmark rows (ours, benchmark, all)")
        rows = wispd.rows(script)
        mine, benched = ours(rows), bench(rows)
        assert len(mine) == len(COMMANDS), f"expected {len(COMMANDS)} rows, got {len(mine)}: {mine}"
        assert len(benched) == N_BENCH, f"expected {N_BENCH} benchmark SETs, got {len(benched)}"
        mine.sort(key=lambda r: r["time_"])
        for r, (line, cmd, resp) in zip(mine, COMMANDS):
            assert r["req_cmd"] == cmd, (line, r)
            assert r["trace_role"] == 2 and r["remote_addr"] == "127.0.0.1", r
            assert r["latency"] > 0, r
            if resp is None:
                assert r["resp"].startswith("-ERR unknown command"), r
            else:
                assert r["resp"] == resp, (line, r)
            args = r["req_args"]
            json.loads(args)  # always JSON
            for word in line.split()[1:]:
                assert word in args, (line, args)
        for r in benched:
            assert r["resp"] == "OK" and r["latency"] > 0 and r["trace_role"] == 2, r
        check_conn_stats(wispd, redis, {r["upid"] for r in rows})

        # The bundled script sees the same commands.
        bundled = [r for r in wispd.bundled_rows("px/redis_data", args=["--", "--max_rows", "1000"])
                   if r["local_port"] == redis.port]
        assert len(ours(bundled)) == len(COMMANDS) and len(bench(bundled)) == N_BENCH, len(bundled)
        assert all(r["_tableName_"] == "redis_data" and r["pid"] > 0 for r in bundled), bundled[0]
        print(f"ok: {len(mine)} redis-cli commands and {len(benched)} pipelined SETs, one row each")
    finally:
        wispd.stop()
        redis.stop()


if __name__ == "__main__":
    main()
