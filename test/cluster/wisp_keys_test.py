"""`wisp keys NAME --dir DIR`: writes NAME.key (secret, 0600) and NAME.pub (public), one Z85 line
each; prints the public key; refuses to overwrite; bad usage exits 2."""
import os
import stat
import subprocess
import sys
import tempfile

WISP = os.path.join(os.environ["WISP_BINARY_DIR"], "cluster", "wisp")
Z85 = set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")


def keys(*args):
    return subprocess.run([WISP, "keys", *args], capture_output=True, text=True, timeout=30)


def main():
    with tempfile.TemporaryDirectory() as d:
        r = keys("agent-1", "--dir", d)
        if r.returncode != 0 and "no CURVE support" in r.stderr:
            print("skipped: the installed libzmq has no CURVE", file=sys.stderr)
            return 77
        assert r.returncode == 0, r
        secret = open(os.path.join(d, "agent-1.key")).read().strip()
        public = open(os.path.join(d, "agent-1.pub")).read().strip()
        assert r.stdout.strip() == public, (r.stdout, public)
        for k in (secret, public):
            assert len(k) == 40 and set(k) <= Z85, k
        assert secret != public
        assert stat.S_IMODE(os.stat(os.path.join(d, "agent-1.key")).st_mode) == 0o600

        again = keys("agent-1", "--dir", d)
        assert again.returncode == 1 and "not overwritten" in again.stderr, again
        assert open(os.path.join(d, "agent-1.key")).read().strip() == secret

        other = keys("agent-2", "--dir", d)
        assert other.returncode == 0 and other.stdout.strip() != public, other

    for bad in ([], ["a", "b"], ["a", "--dir"], ["a", "--nope"]):
        r = keys(*bad)
        assert r.returncode == 2, (bad, r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
