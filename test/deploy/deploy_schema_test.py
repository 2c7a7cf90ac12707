"""The manifests `wisp deploy` renders are valid Kubernetes objects, checked offline by
validate.mjs against the Kubernetes OpenAPI schema (kubernetes-models) with unknown fields as
errors. And the validator really refuses: the same manifests with one field misspelled, of a
wrong type, or missing where required must fail at that field's path."""
import os
import shutil
import subprocess
import tempfile

from deploy_testlib import HERE, require_wisp, skip, wisp_deploy

require_wisp()
if shutil.which("node") is None:
    skip("node is not installed (deploy/install-deps.sh installs nodejs)")
if not os.path.isdir(os.path.join(HERE, "node_modules", "kubernetes-models")):
    skip(f"the validator's npm packages are missing (deploy/install-deps.sh runs npm ci in {HERE})")


def validate(*files):
    return subprocess.run(["node", os.path.join(HERE, "validate.mjs"), *files],
                          capture_output=True, text=True, timeout=120)


# (file, text to replace, replacement, the path the error must name)
BROKEN = [
    ("40-agent.yaml", "      hostPID: true\n", "      hostPid: true\n", "/spec/template/spec/hostPid"),
    ("40-agent.yaml", "              drop: [\"ALL\"]\n", "              dropp: [\"ALL\"]\n",
     "/spec/template/spec/containers/0/securityContext/capabilities/dropp"),
    ("40-agent.yaml", "              readOnly: true\n", "              readonly: true\n",
     "/spec/template/spec/containers/0/volumeMounts/0/readonly"),
    ("30-broker.yaml", "  replicas: 1\n", "  replicas: one\n", "/spec/replicas"),
    ("30-broker.yaml", "      targetPort: client\n", "      targetPorts: client\n", "/spec/ports/0/targetPorts"),
    ("20-configmap.yaml", "kind: ConfigMap\n", "kind: ConfigMapp\n", "ConfigMapp"),
    ("10-rbac.yaml", "    verbs: [\"list\", \"watch\"]\n", "    verb: [\"list\", \"watch\"]\n", "/rules/0"),
    ("00-namespace.yaml", "metadata:\n", "metdata:\n", "/metdata"),
]

failures = []
with tempfile.TemporaryDirectory() as tmp:
    for ns in ("wisp", "observability-2"):
        out = os.path.join(tmp, ns)
        r = wisp_deploy("--image", "registry.example.org:5000/wisp/wispd:0.1.0", "--namespace", ns,
                        "--output-dir", out)
        if r.returncode != 0:
            raise SystemExit(f"FAIL: wisp deploy: exit {r.returncode}: {r.stderr}")
        files = sorted(os.path.join(out, n) for n in os.listdir(out))
        v = validate(*files)
        if v.returncode != 0:
            failures.append(f"rendered manifests ({ns}) invalid:\n{v.stdout}{v.stderr}")
        else:
            print(f"{ns}: {v.stdout.strip()}")

    out = os.path.join(tmp, "wisp")
    for name, old, new, path in BROKEN:
        with open(os.path.join(out, name)) as f:
            text = f.read()
        if text.count(old) < 1:
            failures.append(f"{name}: the test's anchor {old.strip()!r} is not in the manifest")
            continue
        broken = os.path.join(tmp, "broken-" + name)
        with open(broken, "w") as f:
            f.write(text.replace(old, new, 1))
        v = validate(broken)
        if v.returncode != 1 or path not in v.stdout:
            failures.append(f"{name} with {new.strip()!r}: want exit 1 naming {path}, got {v.returncode}:\n{v.stdout}{v.stderr}")

    v = validate(os.path.join(HERE, "bad", "misspelled_field.yaml"))
    if v.returncode != 1 or "/spec/template/spec/hostPid" not in v.stdout:
        failures.append(f"bad/misspelled_field.yaml: want exit 1 naming hostPid, got {v.returncode}: {v.stdout}{v.stderr}")
    v = validate()
    if v.returncode != 2:
        failures.append(f"validate.mjs without files: want exit 2, got {v.returncode}")

for f in failures:
    print("FAIL:", f)
if failures:
    raise SystemExit(1)
print(f"ok: rendered manifests valid; {len(BROKEN) + 1} broken manifests refused at the right path")
