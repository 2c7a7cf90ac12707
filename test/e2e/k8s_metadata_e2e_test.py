"""End to end: wispd --kube_api watches a Kubernetes API server and the PxL metadata functions
answer from it. No Kubernetes API server can run on this machine: the server is
test/cluster/metadata/replay_api.py, which serves recorded API responses (replay/*_list.json:
pods frontend-7d4b9c6f5-x2x9q at 10.244.1.17 and backend-5f6d7c8b9-qwert, services frontend,
web, backend, ...). The rows are real (curl -> nginx, traced by wispd); since no traffic to a pod
IP can exist here, the script sets remote_addr to the recorded pod IP before resolving it.
wispd starts while the API server is still down (start-up must not wait for it) and answers ""
until the server comes up and the watch client's retry lists the cluster."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cluster", "metadata"))
import wisp_e2e as e2e  # noqa: E402
from replay_api import FRONTEND, ReplayApi  # noqa: E402

POD_IP, POD_UID, POD_NAME = FRONTEND["ip"], FRONTEND["uid"], FRONTEND["name"]


def main():
    e2e.require_root_and_tools("nginx", "curl")
    api_port = e2e.free_port()
    api = None
    nginx = e2e.Nginx({"index.html": b"hello\n"})
    wispd = e2e.Wispd(f"--kube_api=http://127.0.0.1:{api_port}")
    try:
        subprocess.run(["curl", "-sf", "-o", "/dev/null", nginx.url("/index.html")], check=True)
        rows_of = f"""
import px
df = px.DataFrame(table='http_events', start_time='-5m')
df = df[df.local_port == {nginx.port} and df.trace_role == 2]
df.remote_addr = '{POD_IP}'
df.pod_id = px.ip_to_pod_id(df.remote_addr)
"""
        pod_ids = lambda: [r["pod_id"] for r in wispd.rows(rows_of + "px.display(df[['pod_id']])")]
        before = e2e.wait_until(pod_ids, 30, "rows of the curl request")
        assert before == [""] * len(before), before  # no API server yet: nothing is known
        api = ReplayApi(api_port).start()
        # The watch threads retry with backoff (up to 30 s), then LIST.
        e2e.wait_until(lambda: POD_UID in pod_ids(), 60, "ip_to_pod_id to know the recorded pod")

        rows = wispd.rows(rows_of + """
peers = df[['remote_addr', 'pod_id']]
peers.pod = peers.ctx['pod']
peers.namespace = peers.ctx['namespace']
peers.ns_of_name = px.pod_name_to_namespace(peers.pod)
peers.services = px.pod_id_to_service_name(peers.pod_id)
peers.node = px.pod_id_to_node_name(peers.pod_id)
peers.backend_id = px.service_name_to_service_id('default/backend')
peers.web_ns = px.service_name_to_namespace('default/web')
peers.by_cluster_ip = px.ip_to_service_id('10.96.77.8')
peers.cluster_ip = px.service_id_to_cluster_ip(peers.backend_id)
peers.status = px.pod_name_to_status(peers.pod)
peers.unknown = px.pod_id_to_pod_name(px.ip_to_pod_id('10.9.9.9'))
px.display(peers, 'peers')
""")
        assert rows, "no rows"
        want = {
            "pod_id": POD_UID, "pod": POD_NAME, "namespace": "default", "ns_of_name": "default",
            "services": FRONTEND["services"], "node": FRONTEND["node"],
            "backend_id": "bbbbbbbb-cccc-4ddd-8eee-ffffffffffff", "web_ns": "default",
            "by_cluster_ip": "bbbbbbbb-cccc-4ddd-8eee-ffffffffffff", "cluster_ip": "10.96.77.8",
            "status": '{"phase":"Running","message":"","reason":"","ready":true}', "unknown": "",
        }
        for r in rows:
            got = {k: r[k] for k in want}
            assert got == want, (got, want)

        # UPIDs resolve through /proc: nginx is a host process (no pod), with its command line.
        workers = nginx.worker_pids()
        procs = wispd.rows(f"""
import px
df = px.DataFrame(table='http_events', start_time='-5m')
df = df[df.local_port == {nginx.port} and df.trace_role == 2]
df.pid = px.upid_to_pid(df.upid)
df.cmd = px.upid_to_cmdline(df.upid)
df.pod = df.ctx['pod']
px.display(df[['pid', 'cmd', 'pod']])
""")
        assert procs, "no server rows"
        for r in procs:
            assert r["pid"] in workers, (r, workers)
            assert r["cmd"].startswith("nginx: worker process"), r
            assert r["pod"] == "", r
        lists = [p for p in api.requests() if "limit=" in p]
        assert any(p.startswith("/api/v1/pods") for p in lists), lists
        print(f"ok: {len(rows)} row(s) resolved through the recorded API: {POD_IP} -> {POD_NAME}")
    finally:
        wispd.stop()
        nginx.stop()
        if api:
            api.stop()


if __name__ == "__main__":
    main()
