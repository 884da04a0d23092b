"""API tokens for staff clients: `tokenCreate` hands one out, and
`Authorization: Bearer {token}` signs a request in as that user.

The pages keep Django's session; a request carrying a bearer header is
authenticated by the header alone (a bad or revoked token is anonymous, it
never falls back to a session), so an API client cannot be confused by a
cookie it happens to carry.
"""
import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone

from shop import logins
from shop.errors import AccountErrorCode, ShopError
from shop.models import ApiToken

TOKEN_PREFIX = "ocop_"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(*, email: str, password: str, request=None) -> tuple[ApiToken, str]:
    """Check the staff user's password and return (token row, the raw token, shown once).

    The login is throttled like the pages' (shop/logins.py): pass the request so the
    failure is counted against the account and the client's address.
    """
    email = (email or "").strip()
    request = request if request is not None else HttpRequest()  # a command or a test: no client address
    User = get_user_model()
    # Users created with a username different from their e-mail sign in with the e-mail. The name is
    # looked up first so that every attempt, known account or not, costs one password hash: an
    # unknown e-mail takes as long as a wrong password (no account enumeration by timing).
    match = User.objects.filter(email__iexact=email).only(User.USERNAME_FIELD).first() if email else None
    username = match.get_username() if match else email
    user = authenticate(request, username=username, password=password or "")
    if logins.is_locked_out(request):
        vi, en = logins.lockout_message(logins.seconds_left(request))
        raise ShopError(AccountErrorCode.TOO_MANY_ATTEMPTS, vi, en, field="password")
    if user is None or not user.is_active:
        raise ShopError(
            AccountErrorCode.INVALID_CREDENTIALS, "E-mail hoặc mật khẩu không đúng; hãy kiểm tra lại.",
            "Wrong e-mail or password; check them and try again.", field="password",
        )
    # Staff, and the people of an OCOP producer (traceability.ProducerMembership, by its related name:
    # shop does not import the apps above it) for their own software (producers/graphql).
    if not (user.is_superuser or user.staff_assignments.exists() or user.producer_memberships.exists()):
        raise ShopError(
            AccountErrorCode.NOT_STAFF, "Tài khoản này không phải nhân viên điểm bán; hãy nhờ quản trị tỉnh phân công.",
            "This account is not sales-point staff; ask the province admin to assign you.", field="email",
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    lifetime = getattr(settings, "API_TOKEN_LIFETIME_DAYS", 90)
    token = ApiToken.objects.create(
        user=user, digest=_digest(raw), prefix=raw[len(TOKEN_PREFIX):][:8],
        expires_at=timezone.now() + datetime.timedelta(days=lifetime) if lifetime else None,
    )
    return token, raw


def user_for_token(raw: str):
    """The active user of a valid token, or None."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=_digest(raw), revoked=False).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.expires_at and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class BearerTokenMiddleware:
    """After AuthenticationMiddleware: `Authorization: Bearer …` replaces the session user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            request.user = user_for_token(value.strip()) or AnonymousUser()
            request._dont_enforce_csrf_checks = True  # no cookie, no CSRF
        return self.get_response(request)
