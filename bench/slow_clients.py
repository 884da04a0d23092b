"""Health probes under slow clients: gunicorn alone (before) and behind nginx (after).

    .venv/bin/python bench/slow_clients.py [--connections 200] [--workers 2] [--threads 1] [--seconds 15]

Starts the shop on the loopback as the scaled stack runs it: gunicorn with
deploy/gunicorn.conf.py (DEBUG=0, static files collected, 2 sync workers like a
small host) and nginx with deploy/nginx/nginx.conf rendered for the loopback in
front of it. Then, once against gunicorn directly and once through nginx, it keeps
N slow connections open (half send their headers a few bytes a second and never end
them, half send whole headers and then a body a byte a second; any the server
drops is opened again) and probes /healthz twice a second, each probe on a new
connection given 5 s. Prints the probes' latency: p50, p95, max and how many got
no answer. Needs nginx (Debian's: apt-get install nginx). Loopback only.

tests/security/test_proxy.py uses the same pieces (LocalStack, SlowClients, probe).
"""
from __future__ import annotations

import argparse
import http.client
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx" / "nginx.conf"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
HOST = "127.0.0.1"


def find_nginx() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# -- the proxy's config, for the loopback --------------------------------------------------

def render_nginx_conf(workdir: Path, upstream: str, port: int, media: Path) -> Path:
    """deploy/nginx/nginx.conf with the stack's names swapped for the loopback's: the
    upstream, the listen address, the media folder; temp files in `workdir`."""
    text = NGINX_CONF.read_text()
    swaps = {"server web:8000;": f"server {upstream};",
             "listen 8080 default_server;": f"listen {HOST}:{port} default_server;",
             "alias /srv/media/;": f"alias {media}/;"}
    for old, new in swaps.items():
        if text.count(old) != 1:
            raise ValueError(f"{NGINX_CONF} should hold {old!r} once")
        text = text.replace(old, new)
    temp = "".join(f"    {kind}_temp_path {workdir / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    text = text.replace("http {\n", "http {\n" + temp, 1)
    conf = workdir / "nginx.conf"
    conf.write_text(text)
    return conf


def nginx_command(nginx: str, conf: Path, *extra: str) -> list[str]:
    workdir = conf.parent
    return [nginx, "-p", f"{workdir}/", "-c", str(conf), "-g", f"daemon off; pid {workdir / 'nginx.pid'};", *extra]


# -- probes ------------------------------------------------------------------------------

@dataclass
class Probe:
    seconds: float | None  # None: no answer in time
    status: int = 0
    headers: dict = field(default_factory=dict)
    body: bytes = b""


def probe(port: int, path: str = "/healthz", *, timeout: float = 5.0, method: str = "GET",
          headers: dict | None = None, body: bytes | None = None) -> Probe:
    """One request on a new connection; the time to its whole answer."""
    began = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        return Probe(time.perf_counter() - began, response.status, {k.lower(): v for k, v in response.getheaders()},
                     data)
    except OSError:
        return Probe(None)
    finally:
        conn.close()


def probe_series(port: int, seconds: float, *, interval: float = 0.5, timeout: float = 5.0) -> list[Probe]:
    probes, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        began = time.monotonic()
        probes.append(probe(port, timeout=timeout))
        time.sleep(max(0.0, interval - (time.monotonic() - began)))
    return probes


def summary(probes: list[Probe]) -> dict:
    ok = sorted(p.seconds * 1000 for p in probes if p.seconds is not None and p.status == 200)
    return {"probes": len(probes), "answered": len(ok), "no_answer": len(probes) - len(ok),
            "p50_ms": round(statistics.median(ok), 1) if ok else None,
            "p95_ms": round(ok[min(len(ok) - 1, int(len(ok) * 0.95))], 1) if ok else None,
            "max_ms": round(ok[-1], 1) if ok else None}


# -- slow clients ------------------------------------------------------------------------

class SlowClients:
    """`count` connections that never finish their request: the even ones trickle
    header lines, the odd ones a body, every `interval` seconds; a connection the
    server drops is opened again, so `count` stay open (a slowloris)."""

    def __init__(self, port: int, count: int, interval: float = 1.0):
        self.port, self.count, self.interval = port, count, interval
        self.sockets: list[socket.socket | None] = [None] * count
        self.reopened = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _open(self, i: int) -> socket.socket | None:
        try:
            s = socket.create_connection((HOST, self.port), timeout=2)
            if i % 2 == 0:
                s.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n".encode())
            else:
                s.sendall(f"POST /graphql/ HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
                          "Content-Length: 1000000\r\n\r\n{".encode())
            return s
        except OSError:
            return None

    def _tick(self) -> None:
        for i, s in enumerate(self.sockets):
            if self._stop.is_set():
                return
            try:
                if s is None:
                    raise OSError
                s.send(b"X-Slow: 1\r\n" if i % 2 == 0 else b" ")
            except OSError:
                if s is not None:
                    s.close()
                    self.reopened += 1
                self.sockets[i] = self._open(i)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._tick()

    def __enter__(self) -> SlowClients:
        self.sockets = [self._open(i) for i in range(self.count)]
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for s in self.sockets:
            if s is not None:
                s.close()

    @property
    def open(self) -> int:
        return sum(s is not None for s in self.sockets)


# -- the shop and its proxy on the loopback ------------------------------------------------

def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # its own session: gunicorn's or nginx's workers too
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


class LocalStack:
    """gunicorn (deploy/gunicorn.conf.py, DEBUG=0) and nginx (deploy/nginx/nginx.conf) on
    loopback ports, in a temporary folder; everything stopped and removed on exit."""

    def __init__(self, nginx: str, workers: int = 2, threads: int = 1):
        self.nginx, self.workers, self.threads = nginx, workers, threads
        self.gunicorn = self.proxy = None
        self.workdir = Path(tempfile.mkdtemp(prefix="ocop-proxy-"))
        self.workdir.chmod(0o755)  # nginx's workers (nobody) use the temp folders inside
        self.media = self.workdir / "media"
        self.gunicorn_port, self.proxy_port = free_port(), free_port()
        self.conf = render_nginx_conf(self.workdir, f"{HOST}:{self.gunicorn_port}", self.proxy_port, self.media)

    def check_conf(self) -> subprocess.CompletedProcess:
        return subprocess.run(nginx_command(self.nginx, self.conf, "-t"), capture_output=True, text=True, timeout=30)

    def env(self) -> dict:
        return {**os.environ, "DJANGO_SETTINGS_MODULE": "shop.settings", "DEBUG": "0",
                "SECRET_KEY": secrets.token_urlsafe(50), "TRACE_SIGNING_KEYS": secrets.token_urlsafe(32),
                "ALLOWED_HOSTS": HOST, "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING",
                "DATABASE_URL": f"sqlite:///{self.workdir / 'db.sqlite3'}", "STATIC_ROOT": str(self.workdir / "static"),
                "MEDIA_ROOT": str(self.media), "TRUST_X_FORWARDED_FOR": "1", "TRUSTED_PROXY_HOPS": "1",
                "GUNICORN_BIND": f"{HOST}:{self.gunicorn_port}", "GUNICORN_WORKERS": str(self.workers),
                "GUNICORN_THREADS": str(self.threads),
                "GUNICORN_ACCESS_LOG": str(self.workdir / "gunicorn-access.log"), "FORWARDED_ALLOW_IPS": HOST}

    def __enter__(self) -> LocalStack:
        try:
            self.media.mkdir(mode=0o755)
            checked = self.check_conf()
            if checked.returncode != 0:
                raise RuntimeError(f"nginx -t failed:\n{checked.stderr}")
            env = self.env()
            subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
                           check=True, capture_output=True, timeout=120)
            with open(self.workdir / "gunicorn.log", "wb") as log:
                self.gunicorn = subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "--no-control-socket",
                     "shop.wsgi:application"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True)
            with open(self.workdir / "nginx.log", "wb") as log:
                self.proxy = subprocess.Popen(nginx_command(self.nginx, self.conf), stdout=log,
                                              stderr=subprocess.STDOUT, start_new_session=True)
            self._wait_up()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_up(self) -> None:
        deadline = time.monotonic() + 30
        for port, path in ((self.gunicorn_port, "/healthz"), (self.proxy_port, "/healthz")):
            while probe(port, path, timeout=2).status != 200:
                for name, process in (("gunicorn", self.gunicorn), ("nginx", self.proxy)):
                    if process.poll() is not None:
                        raise RuntimeError(f"{name} stopped: {self.log(name)[-2000:]}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no answer on port {port}: {self.log('gunicorn')[-2000:]}")
                time.sleep(0.2)

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_recovered(self, seconds: float = 45) -> bool:
        """True once gunicorn answers directly within a second again, to as many probes in
        a row as it has workers (after an attack on it: each worker is free again)."""
        deadline, streak = time.monotonic() + seconds, 0
        while time.monotonic() < deadline and streak < self.workers + 1:
            streak = streak + 1 if probe(self.gunicorn_port, timeout=1).status == 200 else 0
        return streak > self.workers

    def __exit__(self, *exc) -> None:
        _stop(self.proxy)
        _stop(self.gunicorn)
        shutil.rmtree(self.workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=200, help="slow connections held open")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (the old Dockerfile: 5 x 2)")
    parser.add_argument("--seconds", type=float, default=15, help="probing time per side")
    args = parser.parse_args()
    nginx = find_nginx()
    if nginx is None:
        raise SystemExit("nginx is missing: apt-get install nginx")
    print(f"{args.connections} slow connections, gunicorn {args.workers} workers x {args.threads} thread(s), "
          "/healthz probed every "
          f"0.5 s for {args.seconds:g} s (5 s allowed per probe)", flush=True)
    with LocalStack(nginx, args.workers, args.threads) as stack:
        for label, port in (("gunicorn directly (before)", stack.gunicorn_port),
                            ("through nginx (after)", stack.proxy_port)):
            with SlowClients(port, args.connections) as slow:
                time.sleep(2)
                result = summary(probe_series(port, args.seconds))
                held = slow.open
            print(f"  {label:28s} answered {result['answered']}/{result['probes']}, p50 {result['p50_ms']} ms, "
                  f"p95 {result['p95_ms']} ms, max {result['max_ms']} ms; slow connections open at the end {held}, "
                  f"dropped by the server and reopened {slow.reopened}", flush=True)
            if not stack.wait_recovered():
                print("  gunicorn did not recover within 45 s")
        print(f"  quiet again: /healthz directly {summary(probe_series(stack.gunicorn_port, 2))['p50_ms']} ms, "
              f"through nginx {summary(probe_series(stack.proxy_port, 2))['p50_ms']} ms (p50)")


if __name__ == "__main__":
    main()
