"""The cluster on one machine: a broker and three agents, each in its own network namespace
(`ip netns` + veth pairs on a bridge) and its own UTS namespace (its own host name), talking
over CURVE-encrypted ZeroMQ on the bridge's addresses. Each agent traces only its namespace
(--trace_netns=self), where a real HTTP server (python3 -m http.server) answers real curl
requests of its own.

Checks, in order:
1. every agent registers (px/agent_status: three healthy agents with their host names);
2. a query that aggregates across the agents returns the same rows as the same query run by a
   standalone wispd that traces the whole host, i.e. the union of the three agents' data in
   one process; `--explain` shows the distributed plan (partial aggregates on the agents);
   an agent's loss counters reach the user with the results, named after it;
3. pxtrace through the broker: a tracepoint on a UPID goes to the agent the UPID names, its
   table is queryable at once, px/tracepoint_status shows it, it is deleted; bad targets are
   errors naming the agent;
4. an agent killed right before a query (the broker still thinks it healthy) and one stopped
   (SIGSTOP: it stalls) give partial results with a warning naming them, within a bounded
   time, with exactly the surviving agents' rows;
5. after a broker restart the live agents register again with their ASIDs and queries work;
and a client without keys or with a key the broker does not list is refused, as is an agent
whose key is not listed (its log says why).

Needs root, BPF, ip, unshare, curl, gcc; exits 77 otherwise.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import wisp_e2e as e2e  # noqa: E402

PREFIX = f"wn{os.getpid() % 10000}"
BRIDGE = f"{PREFIX}br"
SUBNET = "10.231.7"
BROKER_IP = f"{SUBNET}.10"
CLUSTER_PORT = 50400
CLIENT_ENDPOINT = f"tcp://{BROKER_IP}:50300"  # reached from the root namespace, over the bridge
KEYS = {}  # set in main: the key directory
AGENTS = [("a1", 7), ("a2", 11), ("a3", 5)]  # (name, requests per path)
PATHS = ["/wispnet/alpha", "/wispnet/beta"]

QUERY = """
import px
df = px.DataFrame('http_events', start_time='-10m')
df = df[px.contains(df.req_path, '/wispnet/')]
df = df.groupby(['req_path', 'resp_status']).agg(
    n=('latency', px.count), body=('resp_body_size', px.sum), slowest=('latency', px.max))
px.display(df)
"""


def sh(*cmd, check=True, **kw):
    return subprocess.run(list(cmd), check=check, capture_output=True, text=True, **kw)


def ns_name(node):
    return f"{PREFIX}-{node}"


class Net:
    """A bridge in the root namespace and one namespace per node, each on a veth pair."""

    def __init__(self, nodes):
        self.nodes = nodes
        sh("ip", "link", "add", BRIDGE, "type", "bridge")
        sh("ip", "addr", "add", f"{SUBNET}.1/24", "dev", BRIDGE)
        sh("ip", "link", "set", BRIDGE, "up")
        for i, node in enumerate(nodes):
            ns, host_if = ns_name(node), f"{PREFIX}v{i}"
            sh("ip", "netns", "add", ns)
            sh("ip", "link", "add", host_if, "type", "veth", "peer", "name", "eth0", "netns", ns)
            sh("ip", "link", "set", host_if, "master", BRIDGE, "up")
            sh("ip", "-n", ns, "addr", "add", f"{SUBNET}.{10 + i}/24", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")

    def destroy(self):
        for i, node in enumerate(self.nodes):
            sh("ip", "netns", "del", ns_name(node), check=False)
            sh("ip", "link", "del", f"{PREFIX}v{i}", check=False)
        sh("ip", "link", "del", BRIDGE, check=False)


class Node:
    """A wispd in a node's namespaces: `ip netns exec` for the network, `unshare --uts` for a
    host name of its own."""

    def __init__(self, node, args, log_dir):
        self.node = node
        self.log_path = os.path.join(log_dir, f"{node}.log")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", ns_name(node), "unshare", "--uts", "sh", "-c",
             f'hostname {node} && exec "$0" "$@"', f"{e2e.BUILD}/cluster/wispd", *args],
            stdout=self.log, stderr=subprocess.STDOUT)

    def read_log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()[-3000:]

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def wisp(*args, script=None, timeout=60, keys=True):
    """The CLI in the root namespace, with the client key pair (keys=False: none)."""
    cmd = [f"{e2e.BUILD}/cluster/wisp", *args, "--endpoint", CLIENT_ENDPOINT]
    if keys:
        cmd += ["--key", f"{KEYS['dir']}/client", "--server_key", f"{KEYS['dir']}/broker.pub"]
    return subprocess.run(cmd, input=script, capture_output=True, text=True, timeout=timeout)


def rows_of(out):
    import json
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def query_rows(script, expect_ok=True):
    r = wisp("run", "-f", "-", "-o", "json", script=script)
    if expect_ok and r.returncode != 0:
        raise AssertionError(f"wisp run failed ({r.returncode}): {r.stderr}")
    return rows_of(r.stdout), r.stderr


def agent_status():
    r = wisp("get", "agents", "-o", "json")
    return rows_of(r.stdout) if r.returncode == 0 else []


def key_rows(rows):
    """Comparable rows: group keys, count and body sum, exactly."""
    return sorted((r["req_path"], r["resp_status"], r["n"], r["body"]) for r in rows)


def make_keys(key_dir):
    for name in ("broker", "agent", "client", "stranger"):
        e2e_run = subprocess.run([f"{e2e.BUILD}/cluster/wisp", "keys", name, "--dir", key_dir],
                                 capture_output=True, text=True)
        if e2e_run.returncode != 0:
            raise AssertionError(f"wisp keys failed: {e2e_run.stderr}")
    for pub, allowlist in (("agent", "allowed_agents"), ("client", "allowed_clients")):
        with open(os.path.join(key_dir, f"{pub}.pub")) as f, open(os.path.join(key_dir, allowlist), "w") as out:
            out.write(f.read())


def start_broker(log_dir, key_dir):
    return Node("broker", ["--role=broker", f"--listen={CLIENT_ENDPOINT}",
                           f"--cluster_listen=tcp://{BROKER_IP}:{CLUSTER_PORT}",
                           f"--key_file={key_dir}/broker", f"--allowed_keys={key_dir}/allowed_agents",
                           f"--allowed_clients={key_dir}/allowed_clients",
                           "--agent_lost_s=4", "--agent_forget_s=600"], log_dir)


def serve_and_request(node, www, count):
    """A real HTTP server in the node's namespace and `count` curl requests per path."""
    server = subprocess.Popen(["ip", "netns", "exec", ns_name(node), "python3", "-m", "http.server", "8000",
                               "--bind", "127.0.0.1", "--directory", www],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    def up():
        return sh("ip", "netns", "exec", ns_name(node), "curl", "-s", "-o", "/dev/null",
                  "http://127.0.0.1:8000/", check=False).returncode == 0
    e2e.wait_until(up, 20, f"the HTTP server in {node}")
    urls = [f"http://127.0.0.1:8000{p}" for p in PATHS for _ in range(count)]
    sh("ip", "netns", "exec", ns_name(node), "curl", "-s", "-o", "/dev/null", *urls)
    return server


def main():
    e2e.require_root_and_tools("ip", "unshare", "curl", "gcc")
    if not e2e.BUILD:
        e2e.skip("WISP_BINARY_DIR is not set")
    if sh("ip", "netns", "list", check=False).returncode != 0:
        e2e.skip("ip netns does not work here")
    tmp = tempfile.mkdtemp(prefix="wisp-netns-")
    www = os.path.join(tmp, "www")
    for p in PATHS:
        os.makedirs(os.path.dirname(os.path.join(www, p.lstrip("/"))), exist_ok=True)
        with open(os.path.join(www, p.lstrip("/")), "w") as f:
            f.write(p * 40)
    key_dir = os.path.join(tmp, "keys")
    os.makedirs(key_dir)
    KEYS["dir"] = key_dir
    make_keys(key_dir)
    net = Net(["broker"] + [a for a, _ in AGENTS] + ["intruder"])
    nodes, servers, standalone = {}, [], None
    try:
        # A standalone wispd in the root namespace traces the whole host: the union of the
        # agents' data in one process.
        standalone = e2e.Wispd()
        nodes["broker"] = start_broker(tmp, key_dir)
        for name, _ in AGENTS:
            nodes[name] = Node(name, ["--role=agent", f"--broker=tcp://{BROKER_IP}:{CLUSTER_PORT}",
                                      f"--key_file={key_dir}/agent", f"--broker_key={key_dir}/broker.pub",
                                      "--trace_netns=self", "--heartbeat_ms=500"], tmp)
        e2e.wait_until(lambda: len([a for a in agent_status() if a["agent_state"] == "AGENT_STATE_HEALTHY"]) == 3,
                       90, "three healthy agents")
        hosts = {a["hostname"]: a["asid"] for a in agent_status()}
        assert set(hosts) == {a for a, _ in AGENTS}, hosts

        for name, count in AGENTS:
            servers.append(serve_and_request(name, www, count))

        # Clients without keys, or with a key the broker does not list, are refused, clearly
        # and at once; the allowlisted one got the agents above.
        started = time.monotonic()
        keyless = wisp("get", "agents", keys=False)
        assert keyless.returncode != 0 and keyless.stdout == "", keyless
        assert "handshake" in keyless.stderr or "refused" in keyless.stderr, keyless.stderr
        stranger = subprocess.run([f"{e2e.BUILD}/cluster/wisp", "get", "agents", "--endpoint", CLIENT_ENDPOINT,
                                   "--key", f"{key_dir}/stranger", "--server_key", f"{key_dir}/broker.pub"],
                                  capture_output=True, text=True, timeout=60)
        assert stranger.returncode != 0 and "refused this client's key" in stranger.stderr, stranger
        assert time.monotonic() - started < 30
        print(f"unauthenticated clients refused: {keyless.stderr.strip()!r}; {stranger.stderr.strip()!r}")

        # An agent whose key the broker does not list is refused, and says so in its log.
        nodes["intruder"] = Node("intruder", ["--role=agent", f"--broker=tcp://{BROKER_IP}:{CLUSTER_PORT}",
                                              f"--key_file={key_dir}/stranger", f"--broker_key={key_dir}/broker.pub",
                                              "--trace_netns=self", "--heartbeat_ms=500"], tmp)
        e2e.wait_until(lambda: "refused this agent's key" in nodes["intruder"].read_log(), 60,
                       "the refused agent to say so")
        assert "intruder" not in {a["hostname"] for a in agent_status()}
        nodes.pop("intruder").stop()
        print("an agent with an unlisted key is refused and logs: "
              + next(l for l in open(os.path.join(tmp, "intruder.log")).read().splitlines() if "refused" in l))

        # 2. Same rows as one process over the union.
        def complete():
            rows, _ = query_rows(QUERY)
            return rows if sum(r["n"] for r in rows) == len(PATHS) * sum(c for _, c in AGENTS) else None
        cluster_rows = e2e.wait_until(complete, 30, "every agent's requests in the cluster result")
        whole = e2e.wait_until(
            lambda: (lambda rs: rs if sum(r["n"] for r in rs) == len(PATHS) * sum(c for _, c in AGENTS) else None)(
                standalone.rows(QUERY)), 30, "every request in the standalone result")
        assert key_rows(cluster_rows) == key_rows(whole), (cluster_rows, whole)
        # Latencies: each process's BPF programs stamp the same syscalls themselves, a few
        # microseconds apart at most.
        for a, b in zip(sorted(cluster_rows, key=lambda r: r["req_path"]), sorted(whole, key=lambda r: r["req_path"])):
            assert abs(a["slowest"] - b["slowest"]) <= 50_000 + 0.05 * b["slowest"], (a, b)
        per_path = {r["req_path"]: r["n"] for r in cluster_rows}
        assert per_path == {p: sum(c for _, c in AGENTS) for p in PATHS}, per_path
        explain = wisp("run", "-f", "-", "--explain", script=QUERY).stdout
        assert "mode=partial" in explain and "mode=final" in explain, explain
        agents_line = next((l for l in explain.splitlines() if l.startswith("agents:")), "")
        assert all(f"{a} (asid {hosts[a]})" in agents_line for a, _ in AGENTS), explain
        print(f"aggregate across 3 agents == standalone union: {key_rows(cluster_rows)}")

        # Each agent saw only its own namespace's requests.
        # Each row's UPID carries its agent's ASID, and px.asid() answers it there.
        # upid_to_cmdline runs on the agents (no API server: /proc answers it).
        per_agent = QUERY.replace("['req_path', 'resp_status']",
                                  "['req_path', 'resp_status', 'hostname', 'asid', 'upid_asid', 'cmd']").replace(
            "df = df.groupby", "df.hostname = px._exec_hostname()\ndf.asid = px.asid()\n"
            "df.upid_asid = px.upid_to_asid(df.upid)\ndf.cmd = px.upid_to_cmdline(df.upid)\ndf = df.groupby")
        rows, _ = query_rows(per_agent)
        for name, count in AGENTS:
            assert sorted(r["n"] for r in rows if r["hostname"] == name) == [count] * len(PATHS), (name, rows)
        for r in rows:
            assert r["asid"] == r["upid_asid"] == hosts[r["hostname"]], (r, hosts)
            assert "http.server" in r["cmd"], r

        # Loss counters reach the user with the results, named after the agent that counted
        # them: a request a1's HTTP parser cannot read (a header line without a colon).
        sh("ip", "netns", "exec", ns_name("a1"), "python3", "-c",
           "import socket; s = socket.create_connection(('127.0.0.1', 8000)); "
           "s.sendall(b'GET /unreadable HTTP/1.0\\r\\nno colon here\\r\\n\\r\\n'); s.recv(65536)")
        def a1_losses():
            _, warnings = query_rows(QUERY)
            return [l for l in warnings.splitlines() if f"lost at agent a1 (asid {hosts['a1']}) http parser" in l]
        print(f"a1's losses reach the user: {e2e.wait_until(a1_losses, 30, 'a1 HTTP parser losses in the warnings')}")

        # 3. pxtrace through the broker.
        check_pxtrace(tmp, hosts)

        # 4. A killed agent and a stopped one: partial results, warnings naming them, bounded time.
        nodes["a2"].stop(signal.SIGKILL)
        # ip netns exec, unshare and sh all exec: the process is wispd itself.
        a3_target = nodes["a3"].proc.pid
        os.kill(a3_target, signal.SIGSTOP)
        started = time.monotonic()
        rows, warnings = query_rows(QUERY)
        took = time.monotonic() - started
        os.kill(a3_target, signal.SIGCONT)
        assert "a2" in warnings and "a3" in warnings, warnings
        assert took < 30, f"partial result took {took:.1f} s"
        assert per_path_counts(rows) == {p: 7 for p in PATHS}, rows
        print(f"a2 killed, a3 stopped: partial result in {took:.1f} s; warnings: {warnings.strip()}")

        # 5. Broker restart: a1 and a3 (alive again) register with their ASIDs.
        nodes["broker"].stop()
        nodes["broker"] = start_broker(tmp, key_dir)
        def back():
            st = {a["hostname"]: a["asid"] for a in agent_status() if a["agent_state"] == "AGENT_STATE_HEALTHY"}
            return st if set(st) == {"a1", "a3"} else None
        again = e2e.wait_until(back, 60, "a1 and a3 to register with the new broker")
        assert again == {"a1": hosts["a1"], "a3": hosts["a3"]}, (again, hosts)
        rows, warnings = query_rows(QUERY)
        assert per_path_counts(rows) == {p: 7 + 5 for p in PATHS}, (rows, warnings)
        print(f"broker restarted: agents back with ASIDs {again}; query ok")
    except BaseException:
        for n in nodes.values():
            print(f"--- {n.node} log ---\n{n.read_log()}", file=sys.stderr)
        raise
    finally:
        for s in servers:
            s.terminate()
        for n in nodes.values():
            if n.proc.poll() is None:
                os.kill(n.proc.pid, signal.SIGCONT)
            n.stop()
        if standalone:
            standalone.stop()
        net.destroy()
    print("PASS")


def make_upid(asid, pid, ticks):
    """A UPID as a UUID string: (asid << 32 | pid, start time in clock ticks)."""
    h = f"{(asid << 32) | pid:016x}{ticks:016x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def start_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[19])


def upsert_compute(upid):
    return f"""import pxtrace
import px

@pxtrace.probe('compute')
def probe_fn():
    return [{{'a': pxtrace.ArgExpr('a')}}, {{'ret': pxtrace.RetExpr('$0')}}]

pxtrace.UpsertTracepoint('netns_compute', 'netns_compute', probe_fn, px.uint128('{upid}'), '10m')
"""


def tracepoint_status():
    r = wisp("run", "px/tracepoint_status", "-o", "json")
    assert r.returncode == 0, r.stderr
    return {row["name"]: row for row in rows_of(r.stdout)}


def check_pxtrace(tmp, hosts):
    """pxtrace through the broker: a tracepoint on a UPID goes to the agent that the UPID names
    (a C program built here with DWARF, run in a1's namespace), its table is queryable through
    the broker at once, px.GetTracepointStatus shows it, and it is deleted; bad targets are
    clear errors naming the agent."""
    target = os.path.join(tmp, "compute")
    sh("gcc", "-g", "-O0", "-o", target, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                        "..", "e2e", "tracepoint_targets", "compute.c"))
    proc = subprocess.Popen(["ip", "netns", "exec", ns_name("a1"), target, "20"])
    try:
        upid = make_upid(hosts["a1"], proc.pid, start_ticks(proc.pid))
        r = wisp("run", "-f", "-", script=upsert_compute(upid) + "px.display(px.DataFrame('netns_compute'))\n")
        assert r.returncode == 0, r.stderr
        def traced():
            rows, _ = query_rows("import px\ndf = px.DataFrame('netns_compute')\n"
                                 "df.pid = px.upid_to_pid(df.upid)\ndf.host = px._exec_hostname()\npx.display(df)\n")
            return rows if len(rows) >= 3 else None
        rows = e2e.wait_until(traced, 30, "rows of the tracepoint deployed through the broker")
        for row in rows:
            assert row["host"] == "a1" and row["pid"] == proc.pid, row
            assert row["ret"] == row["a"] * (row["a"] % 7 + 1) + len("order" if row["a"] % 2 else "refund"), row
        st = tracepoint_status()["netns_compute"]
        assert st["state"] == "RUNNING" and "a1: attached to 1 process" in st["status"], st
        print(f"pxtrace through the broker: {len(rows)} rows from a1; status {st['state']}: {st['status']}")

        # A UPID naming a process a1 does not have, and an ASID no agent holds.
        gone = make_upid(hosts["a1"], 0x7ffffffe, 1)
        r = wisp("run", "-f", "-", script=upsert_compute(gone).replace("netns_compute", "netns_gone"))
        assert r.returncode != 0 and "no agent deployed it" in r.stderr and "a1 (ASID" in r.stderr, r.stderr
        r = wisp("run", "-f", "-", script=upsert_compute(make_upid(999, proc.pid, start_ticks(proc.pid))))
        assert r.returncode != 0 and "no healthy agent has ASID 999" in r.stderr, r.stderr
        print(f"bad targets: {r.stderr.strip()!r}")

        r = wisp("run", "-f", "-", script="import pxtrace\npxtrace.DeleteTracepoint('netns_compute')\n")
        assert r.returncode == 0, r.stderr
        assert "netns_compute" not in tracepoint_status(), tracepoint_status()
        print("deleted through the broker")
    finally:
        proc.kill()
        proc.wait()


def per_path_counts(rows):
    return {r["req_path"]: r["n"] for r in rows}


if __name__ == "__main__":
    main()
