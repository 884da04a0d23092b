"""The scaled stack's reverse proxy, for real: deploy/nginx/nginx.conf passes `nginx -t`,
and nginx in front of the shop's gunicorn (deploy/gunicorn.conf.py, 2 sync workers
like a small host, DEBUG=0) on the loopback keeps /healthz answering while 200 slow
clients (slowloris headers and slow bodies) hold connections -- which, sent to
gunicorn directly, leave it unable to answer at all. Also: forwarded and request-id
headers, the body-size limit, media files, and the compose wiring (gunicorn not
published, forwarded headers trusted only from the proxy's address)."""
import ipaddress
import os
import re
import time
from pathlib import Path

import pytest
import yaml

from bench.slow_clients import LocalStack, SlowClients, find_nginx, probe, probe_series

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def nginx():
    path = find_nginx()
    if path is None:
        message = "the proxy tests need nginx: `apt-get install -y nginx` (Debian's package; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def stack(nginx):
    with LocalStack(nginx, workers=2) as running:
        yield running


def test_nginx_accepts_the_config(stack):
    checked = stack.check_conf()
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_health_probes_answer_through_the_proxy_under_200_slow_clients(stack):
    began = time.monotonic()
    with SlowClients(stack.proxy_port, 200) as slow:
        time.sleep(1.5)
        probes = probe_series(stack.proxy_port, 6, interval=0.5, timeout=5)
        held = slow.open
    assert held >= 190, f"only {held} slow connections were open: the attack did not happen"
    slowest = max((p.seconds for p in probes if p.seconds is not None), default=None)
    assert all(p.status == 200 for p in probes), [(p.status, p.seconds) for p in probes]
    assert slowest < 2.0, slowest
    # The same attack straight at gunicorn leaves it unable to answer: what the proxy is for.
    with SlowClients(stack.gunicorn_port, 200):
        time.sleep(1)
        direct = probe(stack.gunicorn_port, timeout=3)
    assert direct.seconds is None, "gunicorn answered under the slow clients: this test would prove nothing"
    assert stack.wait_recovered(20)
    assert time.monotonic() - began < 35


def test_proxy_sets_forwarded_headers_and_passes_the_request_id(stack):
    answer = probe(stack.proxy_port, headers={"X-Request-ID": "proxy-test-42"})
    assert answer.status == 200 and answer.headers["x-request-id"] == "proxy-test-42"
    made = probe(stack.proxy_port).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    deadline = time.monotonic() + 3  # nginx writes its log line just after the answer goes out
    while made not in stack.log("nginx") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert made in stack.log("nginx")  # the proxy's log line and the app's carry the same id
    # Scheme headers a client forges never reach gunicorn, which refuses two that disagree.
    forged = {"X-Forwarded-Ssl": "on", "X-Forwarded-Proto": "http"}
    assert probe(stack.gunicorn_port, headers=forged).status == 400
    assert probe(stack.proxy_port, headers=forged).status == 200


def test_proxy_refuses_an_upload_past_the_limit_in_the_shops_languages(stack):
    too_big = probe(stack.proxy_port, "/admin/", method="POST", body=b"",
                    headers={"Content-Length": str(12 * 1024 * 1024), "Content-Type": "multipart/form-data"})
    assert too_big.status == 413
    text = too_big.body.decode()
    assert "10 MB" in text and "quá lớn" in text and "too large" in text


def test_proxy_serves_media_files(stack):
    (stack.media / "products").mkdir(mode=0o755)
    picture = stack.media / "products" / "mat-ong.txt"
    picture.write_text("ảnh")
    picture.chmod(0o644)
    served = probe(stack.proxy_port, "/media/products/mat-ong.txt")
    assert served.status == 200 and served.body == "ảnh".encode()
    assert served.headers["x-content-type-options"] == "nosniff"
    assert probe(stack.proxy_port, "/media/../deploy/nginx/nginx.conf").status in (400, 404)


# -- the compose wiring ---------------------------------------------------------------------

def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_puts_nginx_in_front_and_keeps_gunicorn_inside():
    services = _compose()["services"]
    web, proxy = services["web"], services["proxy"]
    assert "ports" not in web, "gunicorn must not be published: only the proxy is"
    assert proxy["image"].startswith("nginx:") and proxy["ports"]
    assert "./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    assert "nginx-health" in " ".join(proxy["healthcheck"]["test"])


def test_gunicorn_trusts_forwarded_headers_only_from_the_proxy():
    compose = _compose()
    services = compose["services"]
    proxy_address = ipaddress.ip_address(services["proxy"]["networks"]["default"]["ipv4_address"])
    subnet = ipaddress.ip_network(compose["networks"]["default"]["ipam"]["config"][0]["subnet"])
    dynamic = ipaddress.ip_network(compose["networks"]["default"]["ipam"]["config"][0]["ip_range"])
    assert proxy_address in subnet and proxy_address not in dynamic  # no other container can get it
    env = services["web"]["environment"]
    assert env["FORWARDED_ALLOW_IPS"] == str(proxy_address)
    assert env["TRUST_X_FORWARDED_FOR"] == "1" and env["TRUSTED_PROXY_HOPS"] == "1"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "forwarded-allow-ips" not in dockerfile and "deploy/gunicorn.conf.py" in dockerfile
    config = {"os": os}
    exec((ROOT / "deploy" / "gunicorn.conf.py").read_text(), config)  # noqa: S102 - our own config file
    assert config["forwarded_allow_ips"] != "*"
