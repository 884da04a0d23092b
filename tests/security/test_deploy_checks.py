"""Production start-up refuses what would break later: with DEBUG=0, a missing
TRACE_SIGNING_KEYS is a system check error (deriving it from SECRET_KEY would
turn every printed QR serial into "not found" when SECRET_KEY is rotated), and
an app whose static files were never collected refuses to start with a clear
message instead of answering 500 on every page."""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"


def _env(**extra) -> dict:
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "s" * 60 + "-deploy-check", "ALLOWED_HOSTS": "127.0.0.1",
           "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING", **extra}
    for name in ("DATABASE_URL", "TRACE_SIGNING_KEYS", "DJANGO_SETTINGS_MODULE"):
        if name not in extra:
            env.pop(name, None)
    return env


def _manage(*args, **env):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=_env(**env), capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("command", [["check", "--deploy"], ["check"]])
def test_production_without_trace_signing_keys_is_a_check_error(command):
    result = _manage(*command)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "ERRORS:" in result.stderr and "TRACE_SIGNING_KEYS" in result.stderr


def test_production_with_trace_signing_keys_passes_the_check():
    result = _manage("check", "--deploy", TRACE_SIGNING_KEYS="k" * 43 + ",an-older-key-still-verifying")
    assert "TRACE_SIGNING_KEYS" not in result.stdout + result.stderr


def test_development_keeps_the_key_derived_from_secret_key():
    result = _manage("check", DEBUG="1")
    assert result.returncode == 0, result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(static_root: Path, port: int) -> subprocess.Popen:
    env = _env(TRACE_SIGNING_KEYS="k" * 43, STATIC_ROOT=str(static_root))
    return subprocess.Popen([str(GUNICORN), "shop.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "1",
                             "--no-control-socket"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def _stop(server: subprocess.Popen) -> str:
    if server.poll() is None:
        os.killpg(server.pid, 15)
    try:
        out, _ = server.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, 9)
        out, _ = server.communicate()
    return out


def test_production_app_without_collected_static_refuses_to_start(tmp_path):
    server = _gunicorn(tmp_path / "empty-static", _free_port())
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    out = _stop(server)
    assert server.returncode not in (None, 0), out
    assert "collectstatic" in out and str(tmp_path / "empty-static") in out, out


def test_production_app_with_collected_static_starts(tmp_path):
    static = tmp_path / "static"
    collected = _manage("collectstatic", "--noinput", "-v0", STATIC_ROOT=str(static))
    assert collected.returncode == 0, collected.stderr
    port = _free_port()
    server = _gunicorn(static, port)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None and time.monotonic() < deadline, _stop(server)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                time.sleep(0.2)
    finally:
        _stop(server)
