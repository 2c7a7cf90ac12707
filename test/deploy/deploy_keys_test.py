"""`wisp deploy --keys DIR` and the wiring of the manifests. With --keys, missing key pairs are
made in DIR (`wisp keys` files), existing ones are reused (rendering twice gives the same
Secrets), and each key lands in the right Secret: the broker's pair and the allowlists in
wisp-broker-keys, the agents' pair and the broker's public key in wisp-agent-keys, never a secret
key in the other workload's Secret. Without --keys the Secrets hold placeholders and say how to
make keys. wiring.mjs checks ports, the broker endpoint, the key mounts and the API access of
both renderings, and really refuses: a mismatched port, a missing Secret entry, a writable mount,
an agent whose ServiceAccount is unknown or unbound, or a WISP_KUBE_NODE that is not the node's
name fail it."""
import os
import shutil
import subprocess
import tempfile

from deploy_testlib import HERE, WISP, require_wisp, skip, wisp_deploy

require_wisp()
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def read(path):
    with open(path) as f:
        return f.read().strip()


with tempfile.TemporaryDirectory() as tmp:
    keys = os.path.join(tmp, "keys")
    r1 = wisp_deploy("--image", "wisp:1", "--namespace", "obs", "--keys", keys)
    check(r1.returncode == 0, f"--keys: exit {r1.returncode}: {r1.stderr}")
    made = sorted(os.listdir(keys)) if os.path.isdir(keys) else []
    check(made == ["agent.key", "agent.pub", "broker.key", "broker.pub", "client.key", "client.pub"],
          f"--keys made {made}")
    check(r1.stderr.count("made the key pair") == 3, f"--keys did not report the pairs it made: {r1.stderr!r}")
    if made:
        check(oct(os.stat(os.path.join(keys, "broker.key")).st_mode & 0o777) == "0o600", "broker.key is not 0600")
        k = {n: read(os.path.join(keys, n)) for n in made}
        out = r1.stdout
        broker_secret, agent_secret = out.split("name: wisp-broker-keys")[1].split("---")[0], out.split("name: wisp-agent-keys")[1]
        # Each key where it belongs, and nowhere else.
        check(broker_secret.count(k["broker.key"]) == 1 and out.count(k["broker.key"]) == 1, "broker.key placement")
        check(agent_secret.count(k["agent.key"]) == 1 and out.count(k["agent.key"]) == 1, "agent.key placement")
        check(broker_secret.count(k["broker.pub"]) == 1 and agent_secret.count(k["broker.pub"]) == 1, "broker.pub placement")
        check(f"allowed_agents: |\n    {k['agent.pub']}\n" in broker_secret, "agent.pub is not the agents' allowlist")
        check(f"allowed_clients: |\n    {k['client.pub']}  # client\n" in broker_secret, "client.pub is not allowed")
        check(k["client.key"] not in out, "a client's secret key was rendered")
        check("REPLACE-ME" not in out, "placeholders left with --keys")

        # A second client, and a second rendering: same pairs, both clients allowed.
        subprocess.run([WISP, "keys", "bob", "--dir", keys], check=True, capture_output=True)
        r2 = wisp_deploy("--image", "wisp:1", "--namespace", "obs", "--keys", keys)
        check(r2.returncode == 0 and "made the key pair" not in r2.stderr, f"second --keys: {r2.returncode} {r2.stderr!r}")
        check(k["broker.key"] in r2.stdout and read(os.path.join(keys, "bob.pub")) + "  # bob\n" in r2.stdout,
              "second rendering lost the pairs or the new client")

    # Half a pair is an error naming the file, not a new pair over an old one.
    half = os.path.join(tmp, "half")
    os.makedirs(half)
    shutil.copy(os.path.join(keys, "broker.key"), half)
    r = wisp_deploy("--image", "wisp:1", "--keys", half)
    check(r.returncode == 1 and os.path.join(half, "broker.pub") in r.stderr and not r.stdout,
          f"half a pair: exit {r.returncode}: {r.stderr!r}")

    r = wisp_deploy("--image", "wisp:1")
    check(r.returncode == 0 and r.stdout.count("REPLACE-ME") == 7 and "wisp deploy --image IMAGE --keys DIR" in r.stdout,
          f"placeholders without --keys: exit {r.returncode}")

    # The wiring (needs node and the validator's yaml package).
    if shutil.which("node") is None or not os.path.isdir(os.path.join(HERE, "node_modules", "yaml")):
        for f in failures:
            print("FAIL:", f)
        if failures:
            raise SystemExit(1)
        skip("node or the npm packages are missing (deploy/install-deps.sh); the key checks passed")

    def wiring(directory):
        files = sorted(os.path.join(directory, n) for n in os.listdir(directory))
        return subprocess.run(["node", os.path.join(HERE, "wiring.mjs"), *files], capture_output=True, text=True, timeout=60)

    def validate(directory):
        files = sorted(os.path.join(directory, n) for n in os.listdir(directory))
        return subprocess.run(["node", os.path.join(HERE, "validate.mjs"), *files], capture_output=True, text=True, timeout=120)

    for name, extra in (("plain", []), ("keyed", ["--keys", keys])):
        out = os.path.join(tmp, name)
        r = wisp_deploy("--image", "wisp:1", "--namespace", "obs-3", "--output-dir", out, *extra)
        check(r.returncode == 0, f"{name}: exit {r.returncode}: {r.stderr}")
        w = wiring(out)
        check(w.returncode == 0, f"{name} wiring:\n{w.stdout}{w.stderr}")
        v = validate(out)
        check(v.returncode == 0, f"{name} schema:\n{v.stdout}{v.stderr}")

    # (file, text, replacement, what the problem line must say)
    BROKEN = [
        ("30-broker.yaml", "value: \"tcp://0.0.0.0:50400\"", "value: \"tcp://0.0.0.0:50401\"", "WISP_CLUSTER_LISTEN"),
        ("30-broker.yaml", "    - name: cluster\n      port: 50400", "    - name: clusterx\n      port: 50400", "no port named cluster"),
        ("40-agent.yaml", "wisp-broker.obs-3.svc:50400", "wisp-broker.obs-3:50400", "WISP_BROKER"),
        ("25-keys.yaml", "  agent.key:", "  agent.secret:", "agent.key"),
        ("25-keys.yaml", "  allowed_clients:", "  allowed-clients:", "allowed_clients"),
        ("40-agent.yaml", "              mountPath: /etc/wisp/keys\n              readOnly: true",
         "              mountPath: /etc/wisp/keys", "not read-only"),
        ("30-broker.yaml", "secretName: wisp-broker-keys", "secretName: wisp-keys", "Secret wisp-keys"),
        ("30-broker.yaml", "value: /etc/wisp/keys/allowed_agents", "value: /etc/wisp/allowed_agents", "nothing is mounted"),
        ("40-agent.yaml", "serviceAccountName: wisp-agent", "serviceAccountName: wisp-agnt", "ServiceAccount wisp-agnt"),
        ("10-rbac.yaml", "    name: wisp-agent\n    namespace: obs-3", "    name: wisp-other\n    namespace: obs-3",
         "may not list and watch pods"),
        ("40-agent.yaml", "fieldPath: spec.nodeName", "fieldPath: metadata.name", "WISP_KUBE_NODE"),
    ]
    plain = os.path.join(tmp, "plain")
    for name, old, new, want in BROKEN:
        broken = os.path.join(tmp, "broken")
        shutil.rmtree(broken, ignore_errors=True)
        shutil.copytree(plain, broken)
        path = os.path.join(broken, name)
        text = open(path).read()
        if old not in text:
            failures.append(f"{name}: the test's anchor {old!r} is not in the manifest")
            continue
        with open(path, "w") as f:
            f.write(text.replace(old, new, 1))
        w = wiring(broken)
        check(w.returncode == 1 and want in w.stdout, f"{name} with {new!r}: want exit 1 naming {want!r}, got {w.returncode}:\n{w.stdout}{w.stderr}")

for f in failures:
    print("FAIL:", f)
if failures:
    raise SystemExit(1)
print(f"ok: --keys makes, reuses and places the keys; placeholders without it; wiring checked and its {len(BROKEN)} breakages refused")
