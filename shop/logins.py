"""Failed logins are throttled, on every door: /staff/login/, /admin/login/ and tokenCreate.

django-axes counts the failures (AxesStandaloneBackend in front of the
model backend, AxesMiddleware turning a lockout into a response). The shop
adds three things to it:

- two limits instead of one: an account is locked after
  LOGIN_FAILURES_PER_ACCOUNT failures from anywhere (a guessed password),
  a client address after LOGIN_FAILURES_PER_ADDRESS failures on any
  accounts (password spraying); a district point's staff share one address,
  so its limit is higher;
- the account is the e-mail or username as typed, case and spaces folded,
  so "Admin@…" and "admin@… " are the same account to the counter;
- the lockout answer is in the visitor's language and says when to try
  again: a 429 page for the login pages; for GraphQL the request's own
  answer, whose payload already carries the `too_many_attempts` error.

Failures live in the database (axes' AccessAttempt rows): shared by every
worker, kept across a Redis restart, and listed in the admin, where a
province admin can lift a lockout.
"""
import math

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import HttpResponse
from django.utils import translation
from django.utils.html import escape

from shop.errors import pick
from shop.net import client_ip

# Axes counts by each of these, in this order (settings.AXES_LOCKOUT_PARAMETERS).
LOCKOUT_PARAMETERS = ["username", "ip_address"]


def username_of(request, credentials) -> str | None:
    """The account a login names, as the counter sees it."""
    value = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD)
    if value is None and request is not None:
        value = request.POST.get(settings.AXES_USERNAME_FORM_FIELD) if request.method == "POST" else None
    return str(value).strip().lower()[:150] if value is not None else None


def address_of(request) -> str | None:
    return client_ip(request) or None  # none: a command or a test, not a client


def cool_off_minutes() -> int:
    return settings.LOGIN_LOCKOUT_MINUTES


def _limits() -> list[int]:
    return [settings.LOGIN_FAILURES_PER_ACCOUNT, settings.LOGIN_FAILURES_PER_ADDRESS]


class ShopAxesHandler(AxesDatabaseHandler):
    """Axes' database handler, with a limit of its own for the account and for the address.

    Axes compares one number (the failures) with one limit (AXES_FAILURE_LIMIT,
    the account's); each parameter's count is scaled to that limit, so an
    address reaches it after LOGIN_FAILURES_PER_ADDRESS failures.
    """

    def get_failures(self, request, credentials=None) -> int:
        account_limit = settings.LOGIN_FAILURES_PER_ACCOUNT
        scaled = [0]
        for attempts, limit in zip(self.get_user_attempts(request, credentials), _limits(), strict=False):
            count = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            scaled.append(math.floor(count * account_limit / max(1, limit)))
        return max(scaled)


def is_locked_out(request) -> bool:
    return bool(getattr(request, "axes_locked_out", False))


def lockout_message() -> tuple[str, str]:
    minutes = cool_off_minutes()
    return (
        f"Đăng nhập sai quá nhiều lần. Hãy thử lại sau {minutes} phút, hoặc nhờ quản trị tỉnh mở khoá tài khoản.",
        f"Too many failed sign-ins. Try again in {minutes} minutes, or ask the province admin to unlock the account.",
    )


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: what a locked-out visitor sees."""
    if request.path.startswith("/graphql") and original_response is not None:
        return original_response  # tokenCreate's payload says it (shop/auth.py)
    vi, en = lockout_message()
    message = pick(vi, en)
    language = (translation.get_language() or "vi")[:2]
    response = HttpResponse(
        f'<!doctype html><html lang="{language}"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1"><title>429</title>'
        '<body style="font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem">'
        f'<h1 style="font-size:1.3rem">{escape(pick("Tạm khoá đăng nhập", "Sign-in paused"))}</h1>'
        f"<p>{escape(message)}</p></body></html>",
        status=429,
    )
    response["Retry-After"] = str(cool_off_minutes() * 60)
    return response
