"""Helpers for Wisp's end-to-end tests: start a real wispd, real servers, run `wisp`.

Every test here needs root (BPF) and exits 77 (ctest: skipped) when it cannot run on this
machine. Nothing here sleeps for a fixed time to assert on: waits poll for a condition with a
generous deadline.
"""
import calendar
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77
BUILD = os.environ.get("WISP_BINARY_DIR", "")


def skip(reason):
    print(f"SKIPPED: {reason}")
    sys.exit(SKIP)


def time_ns(text):
    """Nanoseconds since the epoch of a time_ as `wisp run -o json` prints it
    (2026-11-30T06:32:13.209419240Z)."""
    whole, _, frac = text.rstrip("Z").partition(".")
    secs = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S"))
    return secs * 1_000_000_000 + int((frac + "000000000")[:9])


def require_root_and_tools(*tools):
    if os.geteuid() != 0:
        skip("needs root to load BPF programs")
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        skip("kernel has no BTF (/sys/kernel/btf/vmlinux)")
    for t in tools:
        if shutil.which(t) is None:
            skip(f"{t} is not installed")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout_s, what):
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what} (last: {last!r})")


class Wispd:
    """A wispd --role=standalone on a private client endpoint."""

    def __init__(self, *extra_args):
        self.endpoint = f"tcp://127.0.0.1:{free_port()}"
        self.log = tempfile.NamedTemporaryFile(prefix="wispd-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [f"{BUILD}/cluster/wispd", "--role=standalone", f"--listen={self.endpoint}", *extra_args],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(self.ready, 30, "wispd to answer queries")

    def ready(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"wispd exited with {self.proc.returncode}: {self.read_log()}")
        r = self.run("import px\npx.display(px.DataFrame(table='http_events').head(1))\n", check=False)
        return r.returncode == 0

    def run(self, script, fmt="json", check=True, args=()):
        r = subprocess.run([f"{BUILD}/cluster/wisp", "run", "-f", "-", "-o", fmt,
                            "--endpoint", self.endpoint, *args],
                           input=script, capture_output=True, text=True, timeout=60)
        if check and r.returncode != 0:
            raise AssertionError(f"wisp run failed ({r.returncode}): {r.stderr}\nwispd log: {self.read_log()}")
        return r

    def rows(self, script):
        out = self.run(script).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def bundled_rows(self, name, args=()):
        """Rows of a bundled script (`wisp run px/NAME -o json`)."""
        r = subprocess.run([f"{BUILD}/cluster/wisp", "run", name, "-o", "json",
                            "--endpoint", self.endpoint, *args],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise AssertionError(f"wisp run {name} failed ({r.returncode}): {r.stderr}")
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def read_log(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()[-4000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise AssertionError("wispd did not stop within 15 s of SIGTERM")
        os.unlink(self.log.name)


class Nginx:
    """nginx on 127.0.0.1:<free port> serving a temp directory; POST /echo answers 201."""

    def __init__(self, files):
        self.dir = tempfile.mkdtemp(prefix="wisp-nginx-")
        os.chmod(self.dir, 0o755)  # nginx workers run as nobody
        self.port = free_port()
        www = os.path.join(self.dir, "www")
        os.makedirs(os.path.join(self.dir, "tmp"))
        for name, body in files.items():
            path = os.path.join(www, name.lstrip("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(body)
            os.chmod(path, 0o644)
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""
daemon on; pid {self.dir}/nginx.pid; error_log {self.dir}/error.log; worker_processes 1;
events {{ worker_connections 64; }}
http {{
  access_log off; client_body_temp_path {self.dir}/tmp; proxy_temp_path {self.dir}/tmp;
  fastcgi_temp_path {self.dir}/tmp; uwsgi_temp_path {self.dir}/tmp; scgi_temp_path {self.dir}/tmp;
  types {{ text/html html; application/json json; text/plain txt; }}
  server {{
    listen 127.0.0.1:{self.port}; root {www};
    location = /echo {{ return 201 '{{"created":true}}'; }}
  }}
}}
""")
        subprocess.run(["nginx", "-c", conf, "-p", self.dir], check=True)
        wait_until(self.listening, 10, "nginx to listen")

    def listening(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def worker_pids(self):
        with open(os.path.join(self.dir, "nginx.pid")) as f:
            master = int(f.read())
        with open(f"/proc/{master}/task/{master}/children") as f:
            return {int(p) for p in f.read().split()}

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        try:
            with open(f"{self.dir}/nginx.pid") as f:
                os.kill(int(f.read()), 15)
        except (OSError, ValueError):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisServer:
    """redis-server on 127.0.0.1:<free port>, no persistence, in a temp directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="wisp-redis-")
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir, "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.listening, 10, "redis-server to listen")

    def listening(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"redis-server exited with {self.proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def cli(self, commands, *args):
        """Runs redis-cli once (one connection), the commands one per line on its stdin."""
        return subprocess.run(["redis-cli", "-p", str(self.port), *args], input=commands,
                              capture_output=True, text=True, timeout=60, check=True).stdout

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresServer:
    """A throw-away PostgreSQL cluster (initdb as the postgres user) on 127.0.0.1:<free port>,
    trust authentication, TLS off, with a database `wisp`."""

    def __init__(self):
        bins = sorted(d for d in os.listdir("/usr/lib/postgresql") if d.isdigit()) \
            if os.path.isdir("/usr/lib/postgresql") else []
        if not bins:
            skip("PostgreSQL server binaries are not installed (/usr/lib/postgresql/*/bin)")
        self.bin = f"/usr/lib/postgresql/{bins[-1]}/bin"
        self.dir = tempfile.mkdtemp(prefix="wisp-pg-")
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        shutil.chown(self.dir, "postgres", "postgres")
        data = os.path.join(self.dir, "data")
        self._as_postgres([f"{self.bin}/initdb", "-D", data, "-A", "trust", "-U", "postgres"])
        with open(os.path.join(data, "postgresql.conf"), "a") as f:
            f.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                    f"unix_socket_directories = '{self.dir}'\nssl = off\nfsync = off\n")
        self._as_postgres([f"{self.bin}/pg_ctl", "-D", data, "-l", os.path.join(self.dir, "server.log"),
                           "-w", "start"])
        self.data = data
        self.psql("CREATE DATABASE wisp", db="postgres")

    def _as_postgres(self, cmd):
        subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True, capture_output=True,
                       timeout=120)

    def conn(self, db="wisp"):
        return f"host=127.0.0.1 port={self.port} dbname={db} user=postgres"

    def psql(self, *sql, db="wisp", check=True):
        """One psql connection; each statement is one -c (one simple Query)."""
        args = []
        for s in sql:
            args += ["-c", s]
        return subprocess.run(["psql", "-X", "-q", self.conn(db), *args], capture_output=True,
                              text=True, timeout=60, check=check)

    def stop(self):
        try:
            self._as_postgres([f"{self.bin}/pg_ctl", "-D", self.data, "-m", "immediate", "stop"])
        except (subprocess.CalledProcessError, AttributeError):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class Dnsmasq:
    """dnsmasq on 127.0.0.1:<free port> (UDP and TCP), answering only from its command line:
    *.wisp.test A 10.1.2.3; both.wisp.lan A 10.9.8.7 and AAAA fd00::7; alias.wisp.lan a CNAME to
    it; any other name under wisp.lan NXDOMAIN."""

    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
             "--pid-file=", "--user=root", "--bind-interfaces", "--listen-address=127.0.0.1",
             f"--port={self.port}", "--address=/wisp.test/10.1.2.3", "--local=/wisp.lan/",
             "--host-record=both.wisp.lan,10.9.8.7,fd00::7", "--cname=alias.wisp.lan,both.wisp.lan"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: self.dig("ready.wisp.test", check=False).returncode == 0, 10,
                   "dnsmasq to answer")

    def dig(self, *args, check=True):
        if self.proc.poll() is not None:
            raise AssertionError(f"dnsmasq exited with {self.proc.returncode}")
        return subprocess.run(["dig", "@127.0.0.1", "-p", str(self.port), "+tries=1", "+time=2", *args],
                              capture_output=True, text=True, timeout=30, check=check)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)


class Mariadb:
    """A throw-away MariaDB server (mariadb-install-db into a temp dir) on 127.0.0.1:<free
    port>, TLS off, with a database `wisp`; clients log in as root over TCP."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="wisp-mariadb-")
        self.port = free_port()
        data = os.path.join(self.dir, "data")
        subprocess.run(["mariadb-install-db", f"--datadir={data}", "--user=root",
                        "--auth-root-authentication-method=normal"], check=True, capture_output=True,
                       timeout=300)
        self.proc = subprocess.Popen(
            ["mariadbd", f"--datadir={data}", f"--socket={self.dir}/s", f"--port={self.port}",
             "--bind-address=127.0.0.1", "--user=root", "--skip-ssl", "--skip-log-bin",
             f"--pid-file={self.dir}/pid", "--innodb-buffer-pool-size=16M"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: self.sql("SELECT 1", db="", check=False).returncode == 0, 60,
                   "mariadbd to accept connections")
        self.sql("CREATE DATABASE wisp", db="")

    def sql(self, *statements, db="wisp", check=True):
        """One client connection; the statements in order (the client stops at an error unless
        the caller passes --force through statements of its own)."""
        if self.proc.poll() is not None:
            raise AssertionError(f"mariadbd exited with {self.proc.returncode}")
        args = ["mariadb", "-h", "127.0.0.1", "-P", str(self.port), "--protocol=TCP", "--skip-ssl",
                "-uroot", "--force"] + ([db] if db else [])
        return subprocess.run(args, input="".join(s + ";\n" for s in statements), capture_output=True,
                              text=True, timeout=60, check=check)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class NatsServer:
    """nats-server on 127.0.0.1:<free port>."""

    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(["nats-server", "-a", "127.0.0.1", "-p", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.listening, 10, "nats-server to listen")

    def listening(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"nats-server exited with {self.proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)


def port_open(port):
    """True if something accepts TCP connections on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
