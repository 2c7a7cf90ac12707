"""End to end: wispd traces a real MariaDB server driven by the mariadb client (text queries, one
an error) and by a libmariadb program using prepared statements (the recorded fixture's
stmt_client.c). MySQL is recorded on both sides (Pixie's rule): `wisp run` returns exactly one
mysql_events row per command on the server's side and one on the client's."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import wisp_e2e as e2e  # noqa: E402

COM_QUERY, COM_STMT_PREPARE, COM_STMT_EXECUTE = 3, 22, 23
STMT_CLIENT = os.path.join(os.path.dirname(__file__), "..", "actors", "protocols", "mysql", "fixtures",
                           "stmt_client.c")

STATEMENTS = [
    "CREATE TABLE wisp_e2e (id INT, name TEXT)",
    "INSERT INTO wisp_e2e VALUES (1, 'one'), (2, 'two')",
    "SELECT name FROM wisp_e2e ORDER BY id",
    "SELECT * FROM wisp_missing_table",
    "DROP TABLE wisp_e2e",
]


def main():
    e2e.require_root_and_tools("mariadbd", "mariadb", "mariadb-install-db", "mariadb_config", "cc")
    tmp = tempfile.mkdtemp(prefix="wisp-stmt-")
    client = os.path.join(tmp, "stmt_client")
    flags = subprocess.run(["mariadb_config", "--cflags", "--libs"], capture_output=True, text=True,
                           check=True).stdout.split()
    subprocess.run(["cc", "-o", client, STMT_CLIENT, *flags], check=True)
    db = e2e.Mariadb()
    wispd = None
    try:
        db.sql("CREATE USER 'wisp'@'127.0.0.1' IDENTIFIED BY 'wisppw'",
               "GRANT ALL ON wisp.* TO 'wisp'@'127.0.0.1'", db="")
        wispd = e2e.Wispd()
        db.sql(*STATEMENTS)
        subprocess.run([client, str(db.port)], check=True, capture_output=True, timeout=60)

        script = f"""
import px
df = px.DataFrame(table='mysql_events', start_time='-5m')
df = df[df.remote_port == {db.port} or df.local_port == {db.port}]
px.display(df[['time_', 'req_cmd', 'req_body', 'resp_status', 'resp_body', 'latency', 'trace_role']], 'm')
"""
        def mine(rows, role):
            return [r for r in rows if r["trace_role"] == role and r["req_cmd"] == COM_QUERY and
                    any(s == r["req_body"] for s in STATEMENTS)]

        def executes(rows, role):
            return [r for r in rows if r["trace_role"] == role and r["req_cmd"] == COM_STMT_EXECUTE]

        def enough(rows):
            return all(len(mine(rows, role)) >= len(STATEMENTS) and executes(rows, role) for role in (1, 2))

        e2e.wait_until(lambda: enough(wispd.rows(script)), 30, "mysql_events rows of both sides")
        rows = wispd.rows(script)
        for role in (1, 2):
            got = sorted(mine(rows, role), key=lambda r: r["time_"])
            assert [r["req_body"] for r in got] == STATEMENTS, (role, got)
            (error,) = [r for r in got if "wisp_missing_table" in r["req_body"]]
            assert "doesn't exist" in error["resp_body"], error
            assert all(r["latency"] > 0 for r in got), got
            select = [r for r in got if r["req_body"].startswith("SELECT name")][0]
            assert "2 rows" in select["resp_body"] or "Resultset rows = 2" in select["resp_body"], select
            ex = executes(rows, role)
            # stmt_client: three executions of the INSERT and one of the SELECT.
            assert len(ex) == 4, (role, ex)
            assert sum("INSERT INTO fruit" in r["req_body"] for r in ex) == 3, ex
            assert all("?" not in r["req_body"] for r in ex), ex  # parameters substituted
        bundled = [r for r in wispd.bundled_rows("px/mysql_data", args=["--", "--max_rows", "1000"])
                   if db.port in (r["local_port"], r["remote_port"]) and r["cmd"] == "Query" and
                   r["req_body"] in STATEMENTS]
        assert len(bundled) == 2 * len(STATEMENTS), bundled
        assert all(r["_tableName_"] == "mysql_data" and r["pid"] > 0 for r in bundled), bundled[0]
        # Normalized: both sides' INSERT with its literals as placeholders, in one row.
        sql = [r for r in wispd.bundled_rows("px/sql_queries") if r["protocol"] == "mysql" and
               r["query"] == "INSERT INTO wisp_e2e VALUES (?, ?), (?, ?)"]
        assert len(sql) == 1 and sql[0]["calls"] == 2, sql
        print(f"ok: {len(STATEMENTS)} queries and 4 prepared executions, one row on each side for each")
    finally:
        if wispd:
            wispd.stop()
        db.stop()


if __name__ == "__main__":
    main()
