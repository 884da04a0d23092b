"""Production settings, health, request ids, security headers, failure pages,
background tasks and the compose file."""
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_SCHEMA = ROOT.parent / "shared" / "standards" / "compose" / "compose-spec.json"


def _raise_operational_error(request):
    raise OperationalError("connection to server at 127.0.0.1 failed")


def _ok(request):
    logging.getLogger("shop.test").info("handled")
    return HttpResponse("ok")


urlpatterns = [path("db-down/", _raise_operational_error), path("ok/", _ok)]


def test_check_deploy_is_clean_in_production_mode():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "x" * 60 + "-real-secret-for-the-check",
           "ALLOWED_HOSTS": "shop.example", "TRACE_SIGNING_KEYS": "t" * 43}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_the_development_secret_key():
    env = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "shop.example"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_healthz_and_readyz(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"


def test_readyz_is_503_when_the_database_does_not_answer(client, db):
    from unittest import mock

    from django.db import connection

    with mock.patch.object(connection, "cursor", side_effect=OperationalError("down")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("error")


@override_settings(ROOT_URLCONF=__name__)
def test_database_going_away_mid_request_gives_a_503_page_not_a_traceback(client):
    client.raise_request_exception = False
    response = client.get("/db-down/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert "try again" in response.content.decode()
    assert "Traceback" not in response.content.decode()
    vi = client.get("/db-down/", HTTP_ACCEPT_LANGUAGE="vi")
    assert "thử lại" in vi.content.decode()


@override_settings(ROOT_URLCONF=__name__)
def test_every_response_has_a_request_id_and_security_headers(client):
    response = client.get("/ok/")
    assert len(response["X-Request-ID"]) == 32
    assert "https://js.stripe.com" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert client.get("/ok/", HTTP_X_REQUEST_ID="proxy-42")["X-Request-ID"] == "proxy-42"
    assert client.get("/ok/", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"] != "bad id\nwith newline"


def test_json_logs_carry_the_request_id():
    from shop.logging import JsonFormatter, RequestIdFilter
    from shop.middleware import request_id_var

    token = request_id_var.set("abc123")
    try:
        record = logging.LogRecord("shop", logging.INFO, __file__, 1, "đơn hàng %s", ("DB-1",), None)
        RequestIdFilter().filter(record)
        entry = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert entry["request_id"] == "abc123" and entry["message"] == "đơn hàng DB-1" and entry["level"] == "INFO"


# -- background tasks --------------------------------------------------------------------

calls = []


def _record(value):
    calls.append(value)


@pytest.fixture
def recording_task():
    from shop.celery import app
    from shop.tasks import ShopTask

    calls.clear()
    return app.task(name="tests.record", base=ShopTask)(_record)


@pytest.mark.django_db(transaction=True)
def test_tasks_run_only_after_commit_and_never_after_a_rollback(recording_task):
    from django.db import transaction

    from shop.tasks import enqueue

    with transaction.atomic():
        enqueue(recording_task, "kept")
        assert calls == []  # not inside the transaction
    assert calls == ["kept"]
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(recording_task, "rolled back")
        raise RuntimeError
    assert calls == ["kept"]


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_does_not_lose_the_task(settings):
    from celery import Celery

    from shop.tasks import ShopTask, enqueue

    # A real Redis transport pointed at a port where nothing listens.
    down = Celery("down", broker="redis://127.0.0.1:1/0")
    down.conf.broker_connection_timeout = 1
    down.conf.broker_transport_options = {"socket_connect_timeout": 1}
    task = down.task(name="tests.record_down", base=ShopTask)(_record)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    calls.clear()
    enqueue(task, "inline instead")
    assert calls == ["inline instead"]


# -- the scaled stack --------------------------------------------------------------------

def _compose():
    import yaml

    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_file_validates_against_the_compose_specification():
    if not COMPOSE_SCHEMA.exists():
        pytest.skip(f"compose schema not found at {COMPOSE_SCHEMA}")
    import jsonschema

    jsonschema.Draft7Validator(json.loads(COMPOSE_SCHEMA.read_text())).validate(_compose())


def test_compose_declares_every_service_the_settings_expect():
    compose = _compose()
    services = compose["services"]
    assert {"postgres", "elasticsearch", "redis", "web", "worker", "beat"} <= set(services)
    env = services["web"]["environment"]
    assert env["DATABASE_URL"].split("@")[1].startswith("pgbouncer:")  # then PostgreSQL (tests/shop/test_replica_router.py)
    assert env["ELASTICSEARCH_URL"].startswith("http://elasticsearch:")
    assert env["REDIS_URL"].startswith("redis://redis:")
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
    for name in ("web", "worker", "beat"):
        conditions = {dep: spec["condition"] for dep, spec in services[name]["depends_on"].items()}
        assert conditions["postgres"] == conditions["redis"] == conditions["elasticsearch"] == "service_healthy"
    assert services["postgres"]["image"].startswith("postgres:16")
    # Elasticsearch server major = the pinned client major.
    pinned = next(line for line in (ROOT / "pyproject.toml").read_text().splitlines() if '"elasticsearch==' in line)
    client_major = pinned.split("==")[1].split(".")[0]
    assert services["elasticsearch"]["image"].rsplit(":", 1)[1].split(".")[0] == client_major
    assert set(compose["volumes"]) >= {"pgdata", "esdata", "redisdata", "media"}


def test_beat_schedule_names_tasks_that_exist():
    from django.conf import settings

    from shop.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_certificate_expiry_notice_mails_the_province(demo, mailoutbox):
    from catalog.tasks import notify_expiring_certificates

    assert notify_expiring_certificates() >= 4
    assert mailoutbox and "tinh@ocop-dienbien.example" in mailoutbox[0].to
    assert "Chẳm chéo M'Then" in mailoutbox[0].body
