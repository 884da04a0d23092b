"""Liveness and readiness. Apps add readiness facts with `register_check`
(search names its backend), so shop never imports the apps above it."""
from collections.abc import Callable

from django.db import connection
from django.http import JsonResponse

_CHECKS: dict[str, Callable[[], str]] = {}


def register_check(name: str, check: Callable[[], str]) -> None:
    """`check()` returns a short status string; it must not raise and must be quick."""
    _CHECKS[name] = check


def healthz(request):
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Readiness: 503 unless the database answers; other checks only inform."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"error: {exc.__class__.__name__}"
    for name, check in _CHECKS.items():
        try:
            checks[name] = check()
        except Exception as exc:  # noqa: BLE001 - a broken check must not break readiness
            checks[name] = f"error: {exc.__class__.__name__}"
    ready = checks["database"] == "ok"
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
