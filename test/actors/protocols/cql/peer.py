#!/usr/bin/python3
"""A scripted Cassandra peer: answers the CQL native protocol v4 well enough for the DataStax
Python driver (python3-cassandra) to connect and run queries. No Cassandra server can run on
this machine, so the CQL fixtures are recorded between the REAL driver and this peer; every
frame it writes follows the protocol spec (native_protocol_v4.spec), and the driver decodes
them with its own parser.

usage: peer.py PORT        (serves until killed; one thread per connection)

What it answers:
  OPTIONS -> SUPPORTED; STARTUP -> READY; REGISTER -> READY, then pushes one EVENT
  (SCHEMA_CHANGE CREATED TABLE wisp.kv, stream -1);
  QUERY: system.local (one row describing this node), system.peers (no rows),
         system.peers_v2 (ERROR 0x2200 Invalid, so the driver falls back to system.peers),
         CREATE KEYSPACE/TABLE (RESULT SCHEMA_CHANGE), USE (RESULT SET_KEYSPACE),
         INSERT INTO kv (RESULT VOID, the row kept), SELECT ... kv (RESULT ROWS k text, v int),
         anything else not starting with a CQL verb (ERROR 0x2000 Syntax error);
  PREPARE -> RESULT PREPARED (ids 0x01.. per statement); EXECUTE -> ROWS or VOID as the
  prepared statement's kind; BATCH -> VOID (its inserts kept).
"""
import re, socket, struct, sys, threading, uuid

VERSION = 0x84  # v4 response
OP = dict(ERROR=0, STARTUP=1, READY=2, OPTIONS=5, SUPPORTED=6, QUERY=7, RESULT=8, PREPARE=9,
          EXECUTE=10, REGISTER=11, EVENT=12, BATCH=13)
VARCHAR, INT, UUID, INET, SET = 0x000D, 0x0009, 0x000C, 0x0010, 0x0022

def short(n): return struct.pack(">H", n)
def int_(n): return struct.pack(">i", n)
def string(s): b = s.encode(); return short(len(b)) + b
def long_string(s): b = s.encode(); return int_(len(b)) + b
def bytes_(b): return int_(-1) if b is None else int_(len(b)) + b
def string_list(l): return short(len(l)) + b"".join(string(s) for s in l)
def multimap(m): return short(len(m)) + b"".join(string(k) + string_list(v) for k, v in m.items())

def col_type(t):
    return short(t[0]) + short(t[1]) if isinstance(t, tuple) else short(t)

def rows(ks, table, cols, data, metadata=True):
    """RESULT Rows: cols = [(name, type)], data = [[cell bytes]]."""
    if metadata:
        meta = int_(0x0001) + int_(len(cols)) + string(ks) + string(table)
        meta += b"".join(string(n) + col_type(t) for n, t in cols)
    else:
        meta = int_(0x0004) + int_(len(cols))
    body = int_(2) + meta + int_(len(data))
    for r in data:
        body += b"".join(bytes_(c) for c in r)
    return body

def schema_change(change, target, ks, name=None):
    return string(change) + string(target) + string(ks) + (string(name) if name else b"")

def error(code, msg): return int_(code) + string(msg)

KV_COLS = [("k", VARCHAR), ("v", INT)]
LOCAL_COLS = [("key", VARCHAR), ("cluster_name", VARCHAR), ("data_center", VARCHAR),
              ("rack", VARCHAR), ("release_version", VARCHAR), ("partitioner", VARCHAR),
              ("host_id", UUID), ("schema_version", UUID), ("rpc_address", INET),
              ("tokens", (SET, VARCHAR))]
PEER_COLS = [("peer", INET), ("data_center", VARCHAR), ("host_id", UUID), ("rack", VARCHAR),
             ("release_version", VARCHAR), ("rpc_address", INET), ("schema_version", UUID),
             ("tokens", (SET, VARCHAR))]
HOST_ID = uuid.UUID("6b1d1e2a-52c6-4d53-9d3c-3a1f1e0c0a01").bytes
SCHEMA_ID = uuid.UUID("0d6c9b3e-5f0a-4e6b-8c3d-2b1a09f8e7d6").bytes

store = {}  # k -> v, what INSERTs wrote
prepared = {}  # id -> query
lock = threading.Lock()

def local_row():
    tokens = int_(1) + int_(1) + b"0"
    return [b"local", b"wisp", b"datacenter1", b"rack1", b"4.0.0",
            b"org.apache.cassandra.dht.Murmur3Partitioner", HOST_ID, SCHEMA_ID,
            socket.inet_aton("127.0.0.1"), tokens]

def kv_rows(where=None, metadata=True):
    with lock:
        items = sorted(store.items()) if where is None else [(where, store[where])] if where in store else []
    return rows("wisp", "kv", KV_COLS, [[k.encode(), int_(v)] for k, v in items], metadata)

INSERT = re.compile(r"INSERT INTO (?:wisp\.)?kv \(k, v\) VALUES \('([^']*)', (-?\d+)\)", re.I)

def answer_query(q):
    low = q.strip().lower()
    if "system.peers_v2" in low:
        return OP["ERROR"], error(0x2200, "unconfigured table peers_v2")
    if "system.local" in low:
        return OP["RESULT"], rows("system", "local", LOCAL_COLS, [local_row()])
    if "system.peers" in low:
        return OP["RESULT"], rows("system", "peers", PEER_COLS, [])
    if low.startswith("create keyspace"):
        return OP["RESULT"], int_(5) + schema_change("CREATED", "KEYSPACE", "wisp")
    if low.startswith("create table"):
        return OP["RESULT"], int_(5) + schema_change("CREATED", "TABLE", "wisp", "kv")
    if low.startswith("use "):
        return OP["RESULT"], int_(3) + string(q.strip()[4:].strip('"'))
    m = INSERT.match(q.strip())
    if m:
        with lock:
            store[m.group(1)] = int(m.group(2))
        return OP["RESULT"], int_(1)
    if low.startswith("select") and " kv" in low:
        return OP["RESULT"], kv_rows()
    if re.match(r"(select|insert|update|delete|create|drop|alter|truncate|begin)\b", low):
        return OP["RESULT"], int_(1)
    return OP["ERROR"], error(0x2000, "line 1:0 no viable alternative at input '%s'" % q.split()[0])

def prepared_result(pid, q):
    low = q.lower()
    params = [("k", VARCHAR)] if "where k = ?" in low else KV_COLS if low.startswith("insert") else []
    meta = int_(0x0001) + int_(len(params)) + int_(1) + short(0) + string("wisp") + string("kv")
    meta += b"".join(string(n) + col_type(t) for n, t in params)
    if low.startswith("select"):
        result = int_(0x0001) + int_(2) + string("wisp") + string("kv") + b"".join(string(n) + col_type(t) for n, t in KV_COLS)
    else:
        result = int_(0x0004) + int_(0)
    return int_(4) + short(len(pid)) + pid + meta + result

class reader:
    def __init__(self, b): self.b, self.i = b, 0
    def take(self, n): v = self.b[self.i:self.i + n]; self.i += n; return v
    def short(self): return struct.unpack(">H", self.take(2))[0]
    def int_(self): return struct.unpack(">i", self.take(4))[0]
    def bytes_(self):
        n = self.int_(); return None if n < 0 else self.take(n)

def execute(body):
    r = reader(body)
    pid = r.take(r.short())
    r.short()  # consistency
    flags = r.take(1)[0]
    values = [r.bytes_() for _ in range(r.short())] if flags & 0x01 else []
    q = prepared.get(pid, "")
    low = q.lower()
    if low.startswith("insert"):
        with lock:
            store[values[0].decode()] = struct.unpack(">i", values[1])[0]
        return int_(1)
    if low.startswith("select"):
        return kv_rows(values[0].decode() if values else None, metadata=not flags & 0x02)
    return int_(1)

def batch(body):
    r = reader(body)
    r.take(1)
    for _ in range(r.short()):
        kind = r.take(1)[0]
        if kind == 0:
            q = r.take(r.int_()).decode()
            m = INSERT.match(q)
            values = [r.bytes_() for _ in range(r.short())]
            if m:
                with lock:
                    store[m.group(1)] = int(m.group(2))
        else:
            pid = r.take(r.short())
            values = [r.bytes_() for _ in range(r.short())]
            if prepared.get(pid, "").lower().startswith("insert"):
                with lock:
                    store[values[0].decode()] = struct.unpack(">i", values[1])[0]
    return int_(1)

def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf

def send(sock, stream, op, body):
    sock.sendall(struct.pack(">BBhBi", VERSION, 0, stream, op, len(body)) + body)

def serve(sock):
    with sock:
        while True:
            hdr = recv_exact(sock, 9)
            if hdr is None:
                return
            version, flags, stream, op, length = struct.unpack(">BBhBi", hdr)
            body = recv_exact(sock, length) if length else b""
            if body is None:
                return
            if version & 0x7f != 4:
                send(sock, stream, OP["ERROR"], error(0x000A, "Invalid or unsupported protocol version (%d); supported versions are (3/v3, 4/v4)" % (version & 0x7f)))
                continue
            if op == OP["OPTIONS"]:
                send(sock, stream, OP["SUPPORTED"], multimap({"CQL_VERSION": ["3.4.5"], "COMPRESSION": [],
                                                              "PROTOCOL_VERSIONS": ["3/v3", "4/v4"]}))
            elif op == OP["STARTUP"]:
                send(sock, stream, OP["READY"], b"")
            elif op == OP["REGISTER"]:
                send(sock, stream, OP["READY"], b"")
                send(sock, -1, OP["EVENT"], string("SCHEMA_CHANGE") + schema_change("CREATED", "TABLE", "wisp", "kv"))
            elif op == OP["QUERY"]:
                q = reader(body).take(struct.unpack(">i", body[:4])[0] + 4)[4:].decode()
                send(sock, stream, *answer_query(q))
            elif op == OP["PREPARE"]:
                q = body[4:4 + struct.unpack(">i", body[:4])[0]].decode()
                with lock:
                    pid = next((k for k, v in prepared.items() if v == q), None)
                    if pid is None:
                        pid = bytes([len(prepared) + 1]) * 16
                        prepared[pid] = q
                send(sock, stream, OP["RESULT"], prepared_result(pid, q))
            elif op == OP["EXECUTE"]:
                send(sock, stream, OP["RESULT"], execute(body))
            elif op == OP["BATCH"]:
                send(sock, stream, OP["RESULT"], batch(body))
            else:
                send(sock, stream, OP["ERROR"], error(0x000A, "unsupported opcode %d" % op))

def main():
    listener = socket.create_server(("127.0.0.1", int(sys.argv[1])))
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()

if __name__ == "__main__":
    main()
