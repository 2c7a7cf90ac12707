"""`systemd-analyze verify` accepts the unit `wisp deploy --systemd` renders without a single
warning (a warning, such as an unknown key, fails the test: systemd ignores such keys and still
exits 0, so the output is checked too); a misspelled key and a missing binary are caught."""
import os
import shutil
import subprocess
import tempfile

from deploy_testlib import require_wisp, skip, wisp_deploy

require_wisp()
if shutil.which("systemd-analyze") is None:
    skip("systemd-analyze is not installed (Debian package systemd)")


def verify(unit):
    r = subprocess.run(["systemd-analyze", "verify", unit], capture_output=True, text=True, timeout=60,
                       cwd=os.path.dirname(unit))
    return r.returncode, (r.stdout + r.stderr).strip()


failures = []
with tempfile.TemporaryDirectory() as tmp:
    # verify checks that ExecStart's binary exists: a stand-in wispd (the unit does not run it).
    wispd = os.path.join(tmp, "bin", "wispd")
    os.makedirs(os.path.dirname(wispd))
    shutil.copy("/bin/true", wispd)
    r = wisp_deploy("--systemd", "--wispd-path", wispd, "--output-dir", os.path.join(tmp, "unit"))
    if r.returncode != 0:
        raise SystemExit(f"FAIL: wisp deploy --systemd: exit {r.returncode}: {r.stderr}")
    unit = os.path.join(tmp, "unit", "wispd.service")
    rc, out = verify(unit)
    if rc != 0 or out:
        failures.append(f"the rendered unit: exit {rc}, output {out!r}")
    with open(unit) as f:
        text = f.read()

    cases = [("Restart=on-failure\n", "Restrat=on-failure\n", "Restrat"),
             (f"ExecStart={wispd}\n", f"ExecStart={tmp}/missing/wispd\n", "missing/wispd")]
    for old, new, named in cases:
        if old not in text:
            failures.append(f"the test's anchor {old.strip()!r} is not in the unit")
            continue
        bad = os.path.join(tmp, "unit", "bad.service")
        with open(bad, "w") as f:
            f.write(text.replace(old, new, 1))
        rc, out = verify(bad)
        if named not in out:
            failures.append(f"{new.strip()!r}: want verify to name {named!r}, got exit {rc}: {out!r}")

for f in failures:
    print("FAIL:", f)
if failures:
    raise SystemExit(1)
print("ok: the unit verifies cleanly; a misspelled key and a missing binary are reported")
