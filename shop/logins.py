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
- the lockout answer is in the visitor's language and says in how many
  minutes the lockout lifts (the time it really has left, not the whole
  cool-off): a 429 page with Retry-After for the login pages; for GraphQL the request's own
  answer, whose payload already carries the `too_many_attempts` error.

Failures are counted in Redis when REDIS_URL is set (axes' cache handler on
Django's RedisCache: shared by every worker, expired by Redis itself), in
the database otherwise (axes' AccessAttempt rows, listed in the admin, where
a province admin can lift a lockout). `manage.py axes_reset_username` /
`axes_reset_ip` lift one on either.
"""
import datetime
import hashlib
import logging
import math

from axes.backends import AxesStandaloneBackend
from axes.handlers.cache import AxesCacheHandler
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cache_timeout, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.html import escape
from redis.exceptions import RedisError

from shop.errors import pick
from shop.net import client_ip

logger = logging.getLogger("shop.logins")

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


def _scaled(counts) -> int:
    """Axes compares one number (the failures) with one limit (AXES_FAILURE_LIMIT, the
    account's): each parameter's count is scaled to that limit, so an address reaches it
    after LOGIN_FAILURES_PER_ADDRESS failures and an account after LOGIN_FAILURES_PER_ACCOUNT."""
    account_limit = settings.LOGIN_FAILURES_PER_ACCOUNT
    return max([0] + [math.floor(count * account_limit / max(1, limit))
                      for count, limit in zip(counts, _limits(), strict=False)])


class ShopAxesHandler(AxesDatabaseHandler):
    """Axes' database handler, with a limit of its own for the account and for the address."""

    def filter_user_attempts(self, request, credentials=None):
        # No address (a command, or a server that cannot tell the client's) is no one's address:
        # axes would count all such failures together (ip_address IS NULL); the cache handler does not.
        values = [username_of(request, credentials), request.axes_ip_address]
        return [attempts if value else AccessAttempt.objects.none()
                for attempts, value in zip(super().filter_user_attempts(request, credentials), values, strict=True)]

    def get_failures(self, request, credentials=None) -> int:
        return _scaled(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
                       for attempts in self.get_user_attempts(request, credentials))

    def lockout_ends(self, request, credentials=None) -> datetime.datetime | None:
        """When the lockout lifts: each row of failures expires a cool-off after its last one."""
        cool_off, ends = get_cool_off(request), []
        for attempts, limit in zip(self.get_user_attempts(request, credentials), _limits(), strict=True):
            rows = list(attempts.order_by("attempt_time").values_list("attempt_time", "failures_since_start"))
            left = sum(failures for _, failures in rows)
            for time, failures in rows:
                if left < limit:
                    break
                left -= failures
                ends.append(time + cool_off)
        return max(ends, default=None)


class ShopAxesCacheHandler(AxesCacheHandler):
    """Axes' cache handler (Redis), with the same two limits.

    One counter per parameter, named by it (axes' own keys hash the bare value, so an
    account typed as "192.0.2.10" would share the address's counter). Each counter lives
    LOGIN_LOCKOUT_MINUTES after its last failure; failures refused during a lockout are
    not counted, so a lockout ends on time.
    """

    def lockout_ends(self, request, credentials=None) -> datetime.datetime | None:
        """When the lockout lifts: a counter at its limit expires a cool-off after its last failure."""
        try:
            keys = self._keys(request, credentials)
            ends = [self.cache.get(f"{key}-at") for key, limit in zip(keys, _limits(), strict=True)
                    if key and self.cache.get(key, 0) >= limit]
        except RedisError:
            _redis_down()
            return _DATABASE.lockout_ends(request, credentials)
        last = max(filter(None, ends), default=None)
        return datetime.datetime.fromtimestamp(last, datetime.UTC) + get_cool_off(request) if last else None

    def _key(self, parameter: str, value) -> str | None:
        return f"axes-shop-{parameter}-{hashlib.sha256(str(value).encode()).hexdigest()}" if value else None

    def _keys(self, request, credentials) -> list[str | None]:
        return [self._key("username", username_of(request, credentials)), self._key("ip_address", address_of(request))]

    def get_failures(self, request, credentials=None) -> int:
        try:
            return _scaled([self.cache.get(key, 0) if key else 0 for key in self._keys(request, credentials)])
        except RedisError:
            _redis_down()
            return _DATABASE.get_failures(request, credentials)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        try:
            return self._count_failure(sender, credentials, request, **kwargs)
        except RedisError:
            _redis_down()  # the database keeps counting: a lost Redis neither opens the door nor gives a 500
            return _DATABASE.user_login_failed(sender, credentials, request, **kwargs)

    # The database handler's signals, when it counted during an outage.
    def post_save_access_attempt(self, instance, **kwargs):
        return _DATABASE.post_save_access_attempt(instance, **kwargs)

    def post_delete_access_attempt(self, instance, **kwargs):
        return _DATABASE.post_delete_access_attempt(instance, **kwargs)

    def _count_failure(self, sender, credentials, request=None, **kwargs):
        if request is None or request.axes_locked_out:
            return super().user_login_failed(sender, credentials, request, **kwargs)  # axes logs it, counts nothing
        timeout = get_cache_timeout(request)
        for key in filter(None, self._keys(request, credentials)):
            if not self.cache.add(key, 1, timeout):
                self.cache.incr(key)
                self.cache.touch(key, timeout)
            self.cache.set(f"{key}-at", request.axes_attempt_time.timestamp(), timeout)  # for lockout_ends
        request.axes_failures_since_start = self.get_failures(request, credentials)
        if request.axes_failures_since_start >= get_failure_limit(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send("axes", request=request, username=username_of(request, credentials),
                                 ip_address=request.axes_ip_address)

    def reset_attempts(self, *, ip_address=None, username=None, ip_or_username=False) -> int:
        keys = [key for key in (self._key("username", username), self._key("ip_address", ip_address)) if key]
        self.cache.delete_many([f"{key}-at" for key in keys])
        return sum(bool(self.cache.delete(key)) for key in keys)


_DATABASE = ShopAxesHandler()


def _redis_down() -> None:
    logger.warning("login throttling: Redis unreachable, counting failed logins in the database")


class ShopAxesBackend(AxesStandaloneBackend):
    """Axes' lockout check, also for authenticate() called without a request (`Client.login()`
    in tests, a script): such a call has no client address, but a locked account stays locked."""

    def authenticate(self, request=None, username=None, password=None, **kwargs):
        return super().authenticate(request if request is not None else HttpRequest(), username, password, **kwargs)


def is_locked_out(request) -> bool:
    return bool(getattr(request, "axes_locked_out", False))


def seconds_left(request=None, credentials=None) -> int:
    """Seconds until this request's lockout lifts (the whole cool-off when that cannot be told)."""
    credentials = credentials if credentials is not None else getattr(request, "axes_credentials", None)
    now = getattr(request, "axes_attempt_time", None)
    lockout_ends = getattr(AxesProxyHandler.get_implementation(), "lockout_ends", None)
    ends = lockout_ends(request, credentials) if now and lockout_ends else None
    return max(1, math.ceil((ends - now).total_seconds())) if ends else cool_off_minutes() * 60


def lockout_message(seconds: int) -> tuple[str, str]:
    """What a locked-out visitor is told, in both languages, with the minutes left (rounded up)."""
    minutes = math.ceil(seconds / 60)
    return (
        f"Đăng nhập sai quá nhiều lần. Hãy thử lại sau {minutes} phút, hoặc nhờ quản trị tỉnh mở khoá tài khoản.",
        f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes > 1 else ''}, "
        "or ask the province admin to unlock the account.",
    )


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: what a locked-out visitor sees."""
    if request.path.startswith("/graphql") and original_response is not None:
        return original_response  # tokenCreate's payload says it (shop/auth.py)
    seconds = seconds_left(request, credentials)
    message = pick(*lockout_message(seconds))
    language = (translation.get_language() or "vi")[:2]
    response = HttpResponse(
        f'<!doctype html><html lang="{language}"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1"><title>429</title>'
        '<body style="font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem">'
        f'<h1 style="font-size:1.3rem">{escape(pick("Tạm khoá đăng nhập", "Sign-in paused"))}</h1>'
        f"<p>{escape(message)}</p></body></html>",
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response
