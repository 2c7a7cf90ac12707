"""What the deploy tests share: the `wisp` binary of the build tree and a skip that ctest shows."""
import os
import subprocess
import sys

BUILD = os.environ.get("WISP_BINARY_DIR", "")
WISP = os.path.join(BUILD, "cluster", "wisp")
HERE = os.path.dirname(os.path.abspath(__file__))


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(77)


def require_wisp():
    if not os.access(WISP, os.X_OK):
        sys.exit(f"FAIL: no wisp binary at {WISP} (build the wisp target; WISP_BINARY_DIR={BUILD!r})")


def wisp_deploy(*args):
    return subprocess.run([WISP, "deploy", *args], capture_output=True, text=True, timeout=60)
