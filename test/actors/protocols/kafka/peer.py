#!/usr/bin/env python3
"""A scripted single-broker Kafka peer for recording fixtures (no real Kafka broker runs here).

usage: peer.py PORT ADVERTISE_FILE

Listens on 127.0.0.1:PORT and answers, protocol-correctly, the requests librdkafka (kcat) sends
to produce to and consume from one topic with one partition: ApiVersions v0-v3 (v3 is a flexible
request; the response header stays v0 as the protocol says), Metadata v0-v1, Produce v3, ListOffsets
v1 and Fetch v4. It advertises exactly those versions, so the client uses nothing else. Record
batches produced are stored in memory with their base offsets rewritten and returned by Fetch.

Metadata advertises one broker, 127.0.0.1 at the port written in ADVERTISE_FILE when the first
Metadata request arrives (record.py's proxy port, written by the client command), so that the client
keeps talking to the broker through the recording proxy on its bootstrap connection.
"""
import socket, struct, sys, threading, time

SUPPORTED = {0: (0, 3), 1: (0, 4), 2: (0, 1), 3: (0, 1), 18: (0, 3)}
LOG = []  # topic -> list of (base_offset, batch bytes); one partition
LOG_LOCK = threading.Lock()

class Reader:
    def __init__(self, b): self.b, self.i = b, 0
    def take(self, n):
        v = self.b[self.i:self.i + n]; self.i += n; return v
    def i8(self): return struct.unpack(">b", self.take(1))[0]
    def i16(self): return struct.unpack(">h", self.take(2))[0]
    def i32(self): return struct.unpack(">i", self.take(4))[0]
    def i64(self): return struct.unpack(">q", self.take(8))[0]
    def string(self):
        n = self.i16(); return None if n < 0 else self.take(n).decode()
    def bytes_(self):
        n = self.i32(); return None if n < 0 else self.take(n)
    def array(self, f):
        n = self.i32(); return [] if n < 0 else [f() for _ in range(n)]

def i16(v): return struct.pack(">h", v)
def i32(v): return struct.pack(">i", v)
def i64(v): return struct.pack(">q", v)
def string(s): b = s.encode(); return i16(len(b)) + b
def array(items): return i32(len(items)) + b"".join(items)

def uvarint(v):
    out = b""
    while True:
        if v < 0x80: return out + bytes([v])
        out += bytes([(v & 0x7F) | 0x80]); v >>= 7

def next_offset():
    if not LOG: return 0
    base, batch = LOG[-1]
    last_delta = struct.unpack(">i", batch[23:27])[0]  # RecordBatch lastOffsetDelta
    return base + last_delta + 1

def api_versions(version, r):
    if version >= 3:
        keys = b"".join(i16(k) + i16(lo) + i16(hi) + b"\x00" for k, (lo, hi) in sorted(SUPPORTED.items()))
        return i16(0) + uvarint(len(SUPPORTED) + 1) + keys + i32(0) + b"\x00"
    keys = array([i16(k) + i16(lo) + i16(hi) for k, (lo, hi) in sorted(SUPPORTED.items())])
    return i16(0) + keys + (i32(0) if version >= 1 else b"")

def metadata(version, r, adv_file):
    topics = r.array(r.string)
    port = int(open(adv_file).read().strip())
    broker = i32(1) + string("127.0.0.1") + i32(port) + (i16(-1) if version >= 1 else b"")
    body = array([broker]) + (i32(1) if version >= 1 else b"")
    out = []
    for t in topics or ["wisp"]:
        part = i16(0) + i32(0) + i32(1) + array([i32(1)]) + array([i32(1)])
        out.append(i16(0) + string(t) + (b"\x00" if version >= 1 else b"") + array([part]))
    return body + array(out)

def produce(version, r):
    r.string(); r.i16(); r.i32()
    responses = []
    for _ in range(r.i32()):
        name = r.string(); parts = []
        for _ in range(r.i32()):
            index = r.i32(); records = r.bytes_() or b""
            with LOG_LOCK:
                base = next_offset(); i = 0
                while i + 12 <= len(records):
                    n = struct.unpack(">i", records[i + 8:i + 12])[0]
                    batch = bytearray(records[i:i + 12 + n]); batch[0:8] = i64(next_offset())
                    LOG.append((next_offset(), bytes(batch))); i += 12 + n
            parts.append(i32(index) + i16(0) + i64(base) + i64(-1))
        responses.append(string(name) + array(parts))
    return array(responses) + i32(0)

def list_offsets(version, r):
    r.i32(); out = []
    for _ in range(r.i32()):
        name = r.string(); parts = []
        for _ in range(r.i32()):
            index = r.i32(); ts = r.i64()
            with LOG_LOCK: off = 0 if ts == -2 else next_offset()
            parts.append(i32(index) + i16(0) + i64(-1) + i64(off))
        out.append(string(name) + array(parts))
    return array(out)

def fetch(version, r):
    r.i32(); max_wait = r.i32(); r.i32(); r.i32(); r.i8()
    wanted = []
    for _ in range(r.i32()):
        name = r.string()
        wanted.append((name, [(r.i32(), r.i64(), r.i32()) for _ in range(r.i32())]))
    out, any_data = [], False
    for name, parts in wanted:
        ps = []
        for index, offset, _max in parts:
            with LOG_LOCK:
                hw = next_offset()
                data = b"".join(b for base, b in LOG if base + struct.unpack(">i", b[23:27])[0] >= offset)
            any_data |= bool(data)
            ps.append(i32(index) + i16(0) + i64(hw) + i64(hw) + i32(-1) + i32(len(data)) + data)
        out.append(string(name) + array(ps))
    if not any_data:
        time.sleep(min(max_wait, 100) / 1000)
    return i32(0) + array(out)

def serve(conn, adv_file):
    buf = b""
    while True:
        while len(buf) < 4 or len(buf) < 4 + struct.unpack(">i", buf[:4])[0]:
            data = conn.recv(65536)
            if not data: conn.close(); return
            buf += data
        n = struct.unpack(">i", buf[:4])[0]
        r = Reader(buf[4:4 + n]); buf = buf[4 + n:]
        key, version, corr = r.i16(), r.i16(), r.i32()
        r.string()  # client_id
        flexible = key == 18 and version >= 3
        if flexible:
            for _ in range(r.take(1)[0]): pass  # tagged fields count (librdkafka sends none)
        if key not in SUPPORTED:
            print(f"peer: unsupported api {key} v{version}", file=sys.stderr); conn.close(); return
        handler = {0: produce, 1: fetch, 2: list_offsets, 18: api_versions}.get(key)
        body = metadata(version, r, adv_file) if key == 3 else handler(version, r)
        resp = i32(corr) + body
        conn.sendall(i32(len(resp)) + resp)

def main():
    port, adv_file = int(sys.argv[1]), sys.argv[2]
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(8)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c, adv_file), daemon=True).start()

if __name__ == "__main__":
    main()
