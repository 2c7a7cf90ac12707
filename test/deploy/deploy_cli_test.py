"""`wisp deploy` flag handling: each bad flag is a usage error (exit 2) that names the flag and
prints nothing on stdout; good flags print the manifests (or write them, one file each) with the
namespace and image given, or the systemd unit."""
import os
import tempfile

from deploy_testlib import require_wisp, wisp_deploy

require_wisp()

USAGE_ERRORS = [
    ([], "--image"),
    (["--image"], "--image"),
    (["--image", ""], "--image"),
    (["--image", "wisp latest"], "--image"),
    (["--image", "a", "--image", "b"], "--image"),
    (["--image", "wisp:1", "--namespace", "Bad_NS"], "--namespace"),
    (["--image", "wisp:1", "-n"], "-n"),
    (["--image", "wisp:1", "--namespace", "x" * 64], "--namespace"),
    (["--image", "wisp:1", "--bogus"], "--bogus"),
    (["--image", "wisp:1", "extra"], "extra"),
    (["--image", "wisp:1", "--output-dir"], "--output-dir"),
    (["--image", "wisp:1", "--wispd-path", "/usr/bin/wispd"], "--wispd-path"),
    (["--systemd", "--image", "wisp:1"], "--image"),
    (["--systemd", "--namespace", "obs"], "--namespace"),
    (["--systemd", "--wispd-path", "bin/wispd"], "--wispd-path"),
    (["--systemd", "--keys", "/tmp"], "--keys"),
    (["--image", "wisp:1", "--keys"], "--keys"),
]

failures = []
for args, flag in USAGE_ERRORS:
    r = wisp_deploy(*args)
    if r.returncode != 2 or flag not in r.stderr or r.stdout:
        failures.append(f"wisp deploy {args}: want exit 2 naming {flag}, got {r.returncode}: {r.stderr.strip()!r}")


def documents(text):
    return [d for d in text.split("\n---\n") if d.strip()]


def field_values(text, key):
    """The values of every `key:` line (stripped of quotes), wherever it is indented."""
    out = []
    for line in text.splitlines():
        s = line.strip()
        if s.startswith(key + ":"):
            out.append(s[len(key) + 1:].strip().strip('"'))
    return out


r = wisp_deploy("--image", "example.org/wisp:9", "--namespace", "obs-7")
if r.returncode != 0:
    failures.append(f"good flags: exit {r.returncode}: {r.stderr}")
else:
    docs = documents(r.stdout)
    kinds = sorted(line[len("kind:"):].strip() for d in docs for line in d.splitlines()
                   if line.startswith("kind:"))
    want = sorted(["Namespace", "ServiceAccount", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap",
                   "Secret", "Secret", "Deployment", "Service", "DaemonSet"])
    if kinds != want:
        failures.append(f"kinds printed: {kinds}, want {want}")
    namespaces = set(field_values(r.stdout, "namespace"))
    if namespaces != {"obs-7"}:
        failures.append(f"namespace fields: {namespaces}")
    images = field_values(r.stdout, "image")
    if images != ["example.org/wisp:9"] * 2:
        failures.append(f"image fields: {images}")
    if "{{" in r.stdout:
        failures.append("a placeholder was left unfilled")

    # --output-dir writes the same documents, one file per template.
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = os.path.join(tmp, "new", "dir")
        w = wisp_deploy("--image", "example.org/wisp:9", "--namespace", "obs-7", "--output-dir", out_dir)
        names = sorted(os.listdir(out_dir)) if os.path.isdir(out_dir) else []
        if w.returncode != 0 or len(names) < 5 or not all(n.endswith(".yaml") for n in names):
            failures.append(f"--output-dir: exit {w.returncode}, files {names}: {w.stderr}")
        else:
            written = []
            for n in names:
                with open(os.path.join(out_dir, n)) as f:
                    written += documents(f.read())
            if [d.strip() for d in written] != [d.strip() for d in docs]:
                failures.append("--output-dir files differ from the printed manifests")
            listed = w.stdout.split()
            if listed != [os.path.join(out_dir, n) for n in names]:
                failures.append(f"--output-dir printed {listed}")
        # A directory that cannot be made: the write failure is exit 1 with the path, not a crash.
        blocker = os.path.join(tmp, "file")
        open(blocker, "w").close()
        b = wisp_deploy("--image", "wisp:1", "--output-dir", os.path.join(blocker, "sub"))
        if b.returncode != 1 or blocker not in b.stderr:
            failures.append(f"--output-dir under a file: exit {b.returncode}: {b.stderr!r}")

r = wisp_deploy("--systemd")
if r.returncode != 0 or "\nExecStart=/usr/local/bin/wispd\n" not in r.stdout:
    failures.append(f"--systemd: exit {r.returncode}: {r.stdout[:200]!r} {r.stderr!r}")
r = wisp_deploy("--systemd", "--wispd-path", "/opt/wisp/wispd")
if r.returncode != 0 or "\nExecStart=/opt/wisp/wispd\n" not in r.stdout:
    failures.append(f"--systemd --wispd-path: exit {r.returncode}: {r.stderr!r}")

for f in failures:
    print("FAIL:", f)
if failures:
    raise SystemExit(1)
print(f"ok: {len(USAGE_ERRORS)} usage errors, printed and written manifests, systemd unit")
