#!/usr/bin/python3
"""Drives the DataStax Python driver (python3-cassandra, the real client library) against a CQL
server on 127.0.0.1:PORT with protocol v4: connect (control connection: OPTIONS, STARTUP,
REGISTER, system.local/peers queries; then the session's own connection), then on the
session's connection: CREATE KEYSPACE, USE, CREATE TABLE, N INSERTs, a SELECT, a prepared
SELECT and INSERT executed, a BATCH of a prepared and a simple statement, and a query with a
syntax error. Used with peer.py to record the fixtures (see fixtures/README.md).

usage: client.py PORT N
"""
import sys

from cassandra import ConsistencyLevel
from cassandra.cluster import Cluster
from cassandra.policies import RoundRobinPolicy
from cassandra.query import BatchStatement, SimpleStatement

port, n = int(sys.argv[1]), int(sys.argv[2])
cluster = Cluster(["127.0.0.1"], port=port, protocol_version=4, schema_metadata_enabled=False,
                  token_metadata_enabled=False, load_balancing_policy=RoundRobinPolicy(),
                  idle_heartbeat_interval=0, max_schema_agreement_wait=2)
session = cluster.connect()
session.execute("CREATE KEYSPACE IF NOT EXISTS wisp WITH replication = "
                "{'class': 'SimpleStrategy', 'replication_factor': 1}")
session.execute("USE wisp")
session.execute("CREATE TABLE IF NOT EXISTS kv (k text PRIMARY KEY, v int)")
for i in range(n):
    session.execute("INSERT INTO kv (k, v) VALUES ('key%d', %d)" % (i, i))
print(sorted(session.execute("SELECT k, v FROM kv")))
select = session.prepare("SELECT k, v FROM kv WHERE k = ?")
print(list(session.execute(select, ["key0"])))
insert = session.prepare("INSERT INTO kv (k, v) VALUES (?, ?)")
session.execute(insert, ["prepared", 42])
batch = BatchStatement(consistency_level=ConsistencyLevel.ONE)
batch.add(insert, ("batched", 7))
batch.add(SimpleStatement("INSERT INTO kv (k, v) VALUES ('simple', 8)"))
session.execute(batch)
try:
    session.execute("SELEC k FROM kv")
except Exception as e:  # the server's SyntaxException
    print("error:", type(e).__name__)
cluster.shutdown()
