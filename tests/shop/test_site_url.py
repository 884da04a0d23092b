"""SITE_URL follows `make run HOST=… PORT=…` unless it is set (issue 15, item 17)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shop.settings import site_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, "http://127.0.0.1:8000"),
    ({"PORT": "8401"}, "http://127.0.0.1:8401"),
    ({"HOST": "localhost", "PORT": "8401"}, "http://localhost:8401"),
    ({"HOST": "0.0.0.0", "PORT": "8401"}, "http://127.0.0.1:8401"),
    ({"HOST": "::1", "PORT": "8401"}, "http://[::1]:8401"),
    ({"HOST": "shop.local", "PORT": "80"}, "http://shop.local"),
    ({"SITE_URL": "https://ocop.dienbien.gov.vn/", "PORT": "8401"}, "https://ocop.dienbien.gov.vn"),
    ({"SITE_URL": "  ", "PORT": "8401"}, "http://127.0.0.1:8401"),
])
def test_site_url(environ, expected):
    assert site_url(environ) == expected


def _settings_site_url(**env) -> str:
    environ = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "HOST", "PORT"}}
    environ.update(env, DJANGO_SETTINGS_MODULE="shop.settings")
    code = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True,
                          timeout=60, check=True).stdout.strip()


def test_settings_read_host_and_port_as_make_run_passes_them():
    assert _settings_site_url(HOST="127.0.0.1", PORT="8401") == "http://127.0.0.1:8401"
    assert _settings_site_url(HOST="127.0.0.1", PORT="8401", SITE_URL="https://shop.example.vn") == "https://shop.example.vn"


def test_make_run_passes_host_and_port_to_the_server():
    makefile = (ROOT / "Makefile").read_text()
    assert "HOST=$(HOST) PORT=$(PORT) $(BIN)/python manage.py runserver" in makefile
