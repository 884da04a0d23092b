"""Cross-cutting request handling: request ids, security headers, and a
friendly 503 instead of a traceback when the database is unreachable."""
import contextvars
import logging
import re
import uuid

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

from shop.errors import pick

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
logger = logging.getLogger("shop.request")


class RequestIdMiddleware:
    """Take the proxy's X-Request-ID (if sane) or make one; log lines and the response carry it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request.id
        return response


class SecurityHeadersMiddleware:
    """Content security policy that still lets Stripe Elements load on checkout."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = "; ".join(f"{k} {v}" for k, v in settings.CONTENT_SECURITY_POLICY.items())

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and not response.has_header("Content-Security-Policy"):
            response["Content-Security-Policy"] = self.policy
        response.setdefault("Referrer-Policy", "same-origin")
        response.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        return response


class DatabaseUnavailableMiddleware:
    """The database going away mid-request gives a 503 the user understands."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)) or _is_integrity(exception):
            return None
        logger.error("database unavailable: %s", exception.__class__.__name__, exc_info=exception)
        message = pick(
            "Cửa hàng tạm thời không kết nối được cơ sở dữ liệu. Vui lòng thử lại sau ít phút; đơn hàng đã đặt không bị mất.",
            "The shop cannot reach its database right now. Please try again in a few minutes; orders already placed are safe.",
        )
        if "json" in request.headers.get("Accept", "") or request.path.startswith("/graphql"):
            response = JsonResponse({"errors": [{"message": message, "code": "service_unavailable"}]}, status=503)
        else:
            response = HttpResponse(
                f'<!doctype html><meta charset="utf-8"><title>503</title><p style="font:1.1rem sans-serif;'
                f'max-width:32rem;margin:3rem auto">{message}</p>', status=503,
            )
        response["Retry-After"] = "30"
        return response


def _is_integrity(exc: DatabaseError) -> bool:
    return exc.__class__.__name__ == "IntegrityError"
