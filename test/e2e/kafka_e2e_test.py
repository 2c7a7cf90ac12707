"""End to end: wispd traces real kcat (librdkafka) producing N messages and consuming them back.
No Kafka broker can run here: the broker is the scripted one of the fixtures
(test/actors/protocols/kafka/peer.py), which answers ApiVersions, Metadata, Produce, ListOffsets
and Fetch protocol-correctly. `wisp run` returns one server-side kafka_events.beta row per
request kcat sent, with the API key, client id and request/response JSON."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import wisp_e2e as e2e  # noqa: E402

N = 10
PEER = os.path.join(os.path.dirname(__file__), "..", "actors", "protocols", "kafka", "peer.py")
PRODUCE, FETCH, METADATA, API_VERSIONS = 0, 1, 3, 18


def main():
    e2e.require_root_and_tools("kcat")
    port = e2e.free_port()
    advertise = tempfile.NamedTemporaryFile("w", suffix=".port", delete=False)
    advertise.write(str(port))
    advertise.close()
    peer = subprocess.Popen([sys.executable, PEER, str(port), advertise.name],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wispd = None
    try:
        e2e.wait_until(lambda: e2e.port_open(port), 10, "the scripted Kafka broker to listen")
        wispd = e2e.Wispd()
        broker = f"127.0.0.1:{port}"
        subprocess.run(["kcat", "-P", "-b", broker, "-t", "wisp", "-X", "linger.ms=0", "-X",
                        "batch.num.messages=1"], input="".join(f"m{i}\n" for i in range(N)),
                       text=True, check=True, capture_output=True, timeout=60)
        out = subprocess.run(["kcat", "-C", "-b", broker, "-t", "wisp", "-p", "0", "-o", "beginning",
                              "-e"], text=True, check=True, capture_output=True, timeout=60).stdout
        assert out.split() == [f"m{i}" for i in range(N)], out
        script = f"""
import px
df = px.DataFrame(table='kafka_events.beta', start_time='-5m')
df = df[df.local_port == {port}]
px.display(df[['time_', 'req_cmd', 'client_id', 'req_body', 'resp', 'latency', 'trace_role']], 'k')
"""
        def of(rows, key):
            return [r for r in rows if r["req_cmd"] == key]

        e2e.wait_until(lambda: len(of(wispd.rows(script), PRODUCE)) >= N and of(wispd.rows(script), FETCH),
                       30, f"{N} Produce rows and a Fetch")
        rows = wispd.rows(script)
        assert all(r["trace_role"] == 2 for r in rows), rows[0]
        produce = of(rows, PRODUCE)
        assert len(produce) == N, len(produce)  # batch.num.messages=1: one request per message
        assert all(r["latency"] > 0 and r["client_id"] == "rdkafka" and '"wisp"' in r["req_body"]
                   for r in produce), produce[0]
        assert len(of(rows, API_VERSIONS)) >= 2 and of(rows, METADATA), rows  # both kcat runs
        bundled = [r for r in wispd.bundled_rows("px/kafka_data", args=["--", "--max_rows", "1000"])
                   if r["local_port"] == port]
        assert len(bundled) == len(rows), (len(bundled), len(rows))
        assert len([r for r in bundled if r["api"] == "Produce"]) == N, bundled
        print(f"ok: {len(rows)} kafka_events rows, {N} Produce requests one row each")
    finally:
        if wispd:
            wispd.stop()
        peer.terminate()
        peer.wait(timeout=15)
        os.unlink(advertise.name)


if __name__ == "__main__":
    main()
