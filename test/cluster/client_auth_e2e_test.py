"""Authenticated clients end to end: a real `wispd --role=broker` (no BPF, no agents) with CURVE
keys made by `wisp keys`, and the real `wisp` CLI. An allowlisted client runs
px.GetAgentStatus(); a client with an unlisted key and a client without keys are refused at once
with their own errors (exit 3), and wispd logs the refusals; only a client on
--tracepoint_clients may deploy or delete tracepoints; wispd without keys refuses a
non-loopback --listen at start (before any BPF: the standalone role says so without root)."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

BUILD = os.environ["WISP_BINARY_DIR"]
WISP = os.path.join(BUILD, "cluster", "wisp")
WISPD = os.path.join(BUILD, "cluster", "wispd")
AGENT_STATUS = "import px\npx.display(px.GetAgentStatus())\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wisp(*args, env_extra=None, script=AGENT_STATUS):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WISP_")}
    env.update(env_extra or {})
    start = time.monotonic()
    r = subprocess.run([WISP, *args], input=script, capture_output=True, text=True, timeout=60, env=env)
    return r, time.monotonic() - start


def wispd_start_error(*args):
    """Runs a wispd that must refuse to start; returns its exit status and output."""
    r = subprocess.run([WISPD, *args], capture_output=True, text=True, timeout=30)
    return r.returncode, r.stderr.strip()


def main():
    if not (os.access(WISP, os.X_OK) and os.access(WISPD, os.X_OK)):
        sys.exit(f"FAIL: build the wisp and wispd targets first (looked in {BUILD})")
    failures = []

    def check(ok, what):
        if not ok:
            failures.append(what)

    with tempfile.TemporaryDirectory() as d:
        for name in ("broker", "agent", "alice", "mallory", "tracer"):
            r, _ = wisp("keys", name, "--dir", d)
            if r.returncode != 0 and "CURVE" in r.stderr:
                print(f"SKIP: {r.stderr.strip()}")
                return 77
            assert r.returncode == 0, r.stderr
        pub = {n: open(os.path.join(d, n + ".pub")).read().strip() for n in ("agent", "alice", "mallory", "tracer")}
        with open(os.path.join(d, "clients.allow"), "w") as f:
            f.write(f"# the clients\n{pub['alice']} # alice\n")
        with open(os.path.join(d, "agents.allow"), "w") as f:
            f.write(pub["agent"] + "\n")

        listen = f"tcp://127.0.0.1:{free_port()}"
        with open(os.path.join(d, "clients.allow"), "a") as f:
            f.write(f"{pub['tracer']} # tracer\n")
        with open(os.path.join(d, "tracers.allow"), "w") as f:
            f.write(f"{pub['tracer']}\n")
        keyed = [f"--key_file={d}/broker", f"--allowed_keys={d}/agents.allow",
                 f"--allowed_clients={d}/clients.allow", f"--tracepoint_clients={d}/tracers.allow"]
        cluster = f"--cluster_listen=tcp://127.0.0.1:{free_port()}"
        log = open(os.path.join(d, "wispd.log"), "w+")
        proc = subprocess.Popen([WISPD, "--role=broker", f"--listen={listen}", cluster, *keyed],
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            alice = ["--key", f"{d}/alice", "--server_key", f"{d}/broker.pub"]
            deadline = time.monotonic() + 30
            while True:
                r, _ = wisp("run", "-f", "-", "-o", "json", "--endpoint", listen, *alice)
                if r.returncode == 0 or time.monotonic() > deadline or proc.poll() is not None:
                    break
                time.sleep(0.2)
            check(r.returncode == 0, f"allowlisted client: exit {r.returncode}: {r.stderr}")
            # No agents are registered: the table is empty, but it is the broker's answer.
            check(all(json.loads(line) is not None for line in r.stdout.splitlines() if line.strip()),
                  f"allowlisted client: bad json {r.stdout!r}")

            r, _ = wisp("run", "-f", "-", "--endpoint", listen,
                        env_extra={"WISP_KEY": f"{d}/alice", "WISP_SERVER_KEY": f"{d}/broker.pub"})
            check(r.returncode == 0, f"keys from WISP_KEY/WISP_SERVER_KEY: exit {r.returncode}: {r.stderr}")

            # Deploying tracepoints is a permission apart: alice may query but not trace; the
            # tracer may (this broker has no agents, so the deployment itself fails, clearly).
            r, _ = wisp("delete", "tracepoint", "probe", "--endpoint", listen, *alice, script="")
            check(r.returncode != 0 and "may not deploy or delete tracepoints" in r.stderr
                  and "--tracepoint_clients" in r.stderr, f"alice deleting a tracepoint: {r.returncode}: {r.stderr!r}")
            r, _ = wisp("delete", "tracepoint", "probe", "--endpoint", listen, "--key", f"{d}/tracer",
                        "--server_key", f"{d}/broker.pub", script="")
            check(r.returncode != 0 and "no healthy agent to delete it from" in r.stderr,
                  f"the tracer deleting a tracepoint: {r.returncode}: {r.stderr!r}")

            r, took = wisp("run", "-f", "-", "--endpoint", listen, "--key", f"{d}/mallory",
                           "--server_key", f"{d}/broker.pub")
            check(r.returncode == 3 and "refused this client's key" in r.stderr and took < 3,
                  f"unlisted key: exit {r.returncode} after {took:.1f}s: {r.stderr!r}")

            r, took = wisp("run", "-f", "-", "--endpoint", listen)
            check(r.returncode == 3 and "handshake failed" in r.stderr and "keys" in r.stderr and took < 3,
                  f"key-less client: exit {r.returncode} after {took:.1f}s: {r.stderr!r}")

            r, _ = wisp("get", "tracepoints", "--endpoint", listen, "--key", f"{d}/mallory",
                        "--server_key", f"{d}/broker.pub")
            check(r.returncode == 3 and "refused this client's key" in r.stderr,
                  f"wisp get with an unlisted key: exit {r.returncode}: {r.stderr!r}")

            r, _ = wisp("run", "-f", "-", "--endpoint", listen, "--key", f"{d}/alice")
            check(r.returncode == 2 and "--server_key" in r.stderr, f"--key alone: exit {r.returncode}: {r.stderr!r}")
            r, _ = wisp("run", "-f", "-", "--endpoint", listen, "--key", f"{d}/nobody", "--server_key",
                        f"{d}/broker.pub")
            check(r.returncode == 2 and f"{d}/nobody" in r.stderr, f"missing key pair: exit {r.returncode}: {r.stderr!r}")

            # The refusals are in wispd's log (at 1, 2, 4, ... of them).
            deadline = time.monotonic() + 10
            text = ""
            while time.monotonic() < deadline and ": 2 so far" not in text:
                log.seek(0)
                text = log.read()
                time.sleep(0.2)
            check(f"refused clients on {listen}: 1 so far" in text and ": 2 so far" in text,
                  f"wispd log lacks the refusals:\n{text}")
        finally:
            proc.terminate()
            proc.wait(timeout=15)

        # Start-up refusals: one line, exit 1.
        open_listen = f"--listen=tcp://0.0.0.0:{free_port()}"
        for role in ("broker", "standalone"):
            rc, err = wispd_start_error(f"--role={role}", open_listen, cluster)
            check(rc == 1 and err.startswith("wispd: cannot listen on tcp://0.0.0.0:") and "without CURVE keys" in err
                  and "\n" not in err, f"{role} without keys on 0.0.0.0: exit {rc}: {err!r}")
        rc, err = wispd_start_error("--role=broker", open_listen, cluster, f"--key_file={d}/broker",
                                    f"--allowed_keys={d}/agents.allow")
        check(rc == 1 and "--allowed_clients" in err, f"--key_file without --allowed_clients: exit {rc}: {err!r}")
        with open(os.path.join(d, "bad.allow"), "w") as f:
            f.write("not-a-key\n")
        rc, err = wispd_start_error("--role=broker", open_listen, cluster, f"--key_file={d}/broker",
                                    f"--allowed_keys={d}/agents.allow", f"--allowed_clients={d}/bad.allow")
        check(rc == 1 and f"{d}/bad.allow:1" in err, f"bad --allowed_clients: exit {rc}: {err!r}")

    for f in failures:
        print("FAIL:", f)
    if failures:
        return 1
    print("ok: allowlisted client served; unlisted and key-less clients refused and logged; start-up refusals")
    return 0


if __name__ == "__main__":
    sys.exit(main())
