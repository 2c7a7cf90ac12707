"""End to end: upid_to_* and ctx[...] on a UPID resolve a real containerized process to its pod.
runc starts a container (one static binary) whose cgroup path has the kubelet's shape for the
recorded frontend pod and its container id; wispd (--kube_api) reads the process's
/proc/PID/cgroup and answers from the recorded API responses that
test/cluster/metadata/replay_api.py serves (no Kubernetes API server can run here). Exits 77
where runc cannot start a container."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cluster", "metadata"))
import wisp_e2e as e2e  # noqa: E402
from replay_api import FRONTEND, ReplayApi  # noqa: E402

PAUSE = os.path.join(e2e.BUILD, "test", "cluster", "metadata", "wisp_test_pause")


class RuncContainer:
    """A runc container running PAUSE under cgroup `cgroups_path` (below /<top>)."""

    def __init__(self, cgroups_path, top):
        self.dir = tempfile.mkdtemp(prefix="wisp-runc-")
        self.top = top
        self.id = f"wisp-e2e-{os.getpid()}"
        bundle = os.path.join(self.dir, "bundle")
        os.makedirs(os.path.join(bundle, "rootfs"))
        shutil.copy(PAUSE, os.path.join(bundle, "rootfs", "pause"))
        config = {
            "ociVersion": "1.0.2",
            "process": {"terminal": False, "user": {"uid": 0, "gid": 0}, "args": ["/pause"],
                        "env": ["PATH=/"], "cwd": "/", "noNewPrivileges": True},
            "root": {"path": "rootfs", "readonly": True},
            "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
            "linux": {"cgroupsPath": cgroups_path,
                      "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}]},
        }
        with open(os.path.join(bundle, "config.json"), "w") as f:
            json.dump(config, f)
        # runc's output goes to a file: the detached container keeps inherited pipes open.
        log = os.path.join(self.dir, "runc.log")
        with open(log, "w") as out:
            r = subprocess.run(self._runc("run", "-d", "--bundle", bundle, "--pid-file",
                                          os.path.join(self.dir, "pid"), self.id),
                               stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, timeout=30)
        self.started = r.returncode == 0
        with open(log) as f:
            self.error = "" if self.started else f.read().strip()

    def _runc(self, *args):
        return ["runc", "--root", os.path.join(self.dir, "state"), *args]

    def pid(self):
        with open(os.path.join(self.dir, "pid")) as f:
            return int(f.read())

    def stop(self):
        if self.started:
            subprocess.run(self._runc("kill", self.id, "KILL"), capture_output=True)
            subprocess.run(self._runc("delete", "-f", self.id), capture_output=True)
        for root in ["/sys/fs/cgroup"] + [e.path for e in os.scandir("/sys/fs/cgroup") if e.is_dir()]:
            top = os.path.join(root, self.top)
            if os.path.isdir(top):
                for d in sorted((p for p, _, _ in os.walk(top)), key=len, reverse=True):
                    try:
                        os.rmdir(d)
                    except OSError:
                        pass
        shutil.rmtree(self.dir, ignore_errors=True)


def start_ticks(pid):
    """Field 22 of /proc/PID/stat (clock ticks since boot), the start time a UPID carries."""
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[19])


def main():
    e2e.require_root_and_tools("runc", "nginx", "curl")
    assert os.path.exists(PAUSE), f"no {PAUSE}: build the wisp_test_pause target"
    top = f"wisp-e2e-{os.getpid()}"
    container = RuncContainer(f"/{top}/kubepods/burstable/pod{FRONTEND['uid']}/{FRONTEND['container_id']}", top)
    if not container.started:
        container.stop()
        e2e.skip(f"runc cannot start a container here: {container.error}")
    api = ReplayApi().start()
    nginx = e2e.Nginx({"index.html": b"hello\n"})
    wispd = None
    try:
        wispd = e2e.Wispd(f"--kube_api=http://127.0.0.1:{api.port}")
        subprocess.run(["curl", "-sf", "-o", "/dev/null", nginx.url("/index.html")], check=True)
        pid = container.pid()
        script = f"""
import px
df = px.DataFrame(table='http_events', start_time='-5m')
df = df[df.local_port == {nginx.port} and df.trace_role == 2]
df.upid = px.make_upid(0, {pid}, {start_ticks(pid)})
df.pod = df.ctx['pod']
df.namespace = df.ctx['namespace']
df.service = df.ctx['service']
df.container = df.ctx['container']
df.container_id = df.ctx['container_id']
df.node = df.ctx['node']
df.cmd = px.upid_to_cmdline(df.upid)
df.other_start = px.upid_to_pod_name(px.make_upid(0, {pid}, {start_ticks(pid) + 1}))
px.display(df[['pod', 'namespace', 'service', 'container', 'container_id', 'node', 'cmd', 'other_start']])
"""
        want = {"pod": FRONTEND["name"], "namespace": "default", "service": FRONTEND["services"],
                "container": FRONTEND["container_name"], "container_id": FRONTEND["container_id"],
                "node": FRONTEND["node"], "cmd": "/pause", "other_start": ""}
        # The watch threads LIST after start-up: wait until the pod is known.
        rows = e2e.wait_until(lambda: [r for r in wispd.rows(script) if r["pod"] == FRONTEND["name"]],
                              30, "upid_to_pod_name to know the container's pod")
        for r in rows:
            got = {k: r[k] for k in want}
            assert got == want, (got, want)
        print(f"ok: pid {pid} in a runc container under pod{FRONTEND['uid']} -> {FRONTEND['name']}")
    finally:
        if wispd:
            wispd.stop()
        nginx.stop()
        api.stop()
        container.stop()


if __name__ == "__main__":
    main()
