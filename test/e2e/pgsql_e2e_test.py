"""End to end: wispd traces a real PostgreSQL server driven by psql (simple queries, one an error)
and pgbench (the extended protocol). `wisp run` returns exactly one server-side pgsql_events row
per statement, with the statement, the response text and a latency."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import wisp_e2e as e2e  # noqa: E402

TRANSACTIONS = 5
TPCB_STATEMENTS = 7  # BEGIN, 3 UPDATEs, SELECT, INSERT, END per pgbench transaction

STATEMENTS = [
    ("CREATE TABLE wisp_e2e (id int, name text)", "CREATE TABLE"),
    ("INSERT INTO wisp_e2e VALUES (1, 'one'), (2, 'two')", "INSERT 0 2"),
    ("SELECT name FROM wisp_e2e ORDER BY id", "SELECT 2"),
    ("SELECT * FROM wisp_missing_table", "ERROR"),
    ("DROP TABLE wisp_e2e", "DROP TABLE"),
]


def main():
    e2e.require_root_and_tools("psql", "pgbench", "runuser")
    pg = e2e.PostgresServer()
    wispd = None
    try:
        subprocess.run(["pgbench", "-i", "-s", "1", "-q", pg.conn()], check=True, capture_output=True,
                       timeout=120)
        wispd = e2e.Wispd()
        pg.psql(*(s for s, _ in STATEMENTS), check=False)  # the error ends psql's run with 1
        subprocess.run(["pgbench", "-n", "-M", "extended", "-t", str(TRANSACTIONS), "-c", "1", pg.conn()],
                       check=True, capture_output=True, timeout=120)

        script = f"""
import px
df = px.DataFrame(table='pgsql_events', start_time='-5m')
df = df[df.local_port == {pg.port}]
px.display(df[['time_', 'req_cmd', 'req', 'resp', 'latency', 'trace_role', 'remote_addr']], 'p')
"""
        def ours(rows):
            return [r for r in rows if r["req_cmd"] == "Query" and "wisp_" in r["req"]]

        want_exec = TRANSACTIONS * TPCB_STATEMENTS
        e2e.wait_until(lambda: (lambda r: len(ours(r)) >= len(STATEMENTS) and
                                len([x for x in r if x["req_cmd"] == "Execute"]) >= want_exec)(wispd.rows(script)),
                       30, f"{len(STATEMENTS)} psql and {want_exec} pgbench rows")
        rows = wispd.rows(script)
        mine = sorted(ours(rows), key=lambda r: r["time_"])
        assert len(mine) == len(STATEMENTS), f"expected {len(STATEMENTS)} Query rows, got {len(mine)}: {mine}"
        for r, (sql, resp) in zip(mine, STATEMENTS):
            assert sql in r["req"], (sql, r)
            assert resp in r["resp"], (resp, r)
            assert r["trace_role"] == 2 and r["remote_addr"] == "127.0.0.1" and r["latency"] > 0, r
        execs = [r for r in rows if r["req_cmd"] == "Execute"]
        assert len(execs) == want_exec, f"expected {want_exec} Execute rows, got {len(execs)}"
        assert all(r["latency"] > 0 and r["trace_role"] == 2 for r in execs), execs[0]
        updates = [r for r in execs if "UPDATE pgbench_accounts" in r["req"]]
        assert len(updates) == TRANSACTIONS, updates
        # The bundled script sees the same statements.
        bundled = [r for r in wispd.bundled_rows("px/pgsql_data", args=["--", "--max_rows", "1000"])
                   if r["local_port"] == pg.port]
        assert len(ours(bundled)) == len(STATEMENTS), bundled
        assert len([r for r in bundled if r["req_cmd"] == "Execute"]) == want_exec, len(bundled)
        assert all(r["_tableName_"] == "pgsql_data" and r["pid"] > 0 for r in bundled), bundled[0]
        # Normalized statements: the INSERT once; pgbench's SELECT executed once per transaction.
        sql = {r["query"]: r for r in wispd.bundled_rows("px/sql_queries") if r["protocol"] == "pgsql"}
        assert sql["INSERT INTO wisp_e2e VALUES ($1, $2), ($3, $4)"]["calls"] == 1, sql
        selects = [r for q, r in sql.items() if q.startswith("SELECT abalance FROM pgbench_accounts")]
        assert len(selects) == 1 and selects[0]["calls"] == TRANSACTIONS, sql
        print(f"ok: {len(mine)} psql queries and {len(execs)} pgbench statements, one row each")
    finally:
        if wispd:
            wispd.stop()
        pg.stop()


if __name__ == "__main__":
    main()
