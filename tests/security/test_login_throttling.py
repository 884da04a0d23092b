"""Brute force on the three doors (/staff/login/, /admin/login/, tokenCreate):
the audit saw 25 wrong passwords followed by an accepted login. Now an
account locks after LOGIN_FAILURES_PER_ACCOUNT failures and an address after
LOGIN_FAILURES_PER_ADDRESS, a right password included, for LOGIN_LOCKOUT_MINUTES.
The failures are counted in the database, or in Redis when REDIS_URL is set: the
tests taking the `storage` fixture run on both."""
import contextlib
import datetime
import json
import os
import uuid
from unittest import mock

import pytest
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils.timezone import now as django_now

from shop import auth
from shop.errors import ShopError
from shop.models import District, SalesPoint, StaffAssignment

PASSWORD = "a-long-pass-2026"
TOKEN_CREATE = "mutation($e: String!, $p: String!) { tokenCreate(email: $e, password: $p) { token errors { code message } } }"


def _redis_url() -> str | None:
    """The Redis the tests may use (a database of its own), or None when none answers."""
    import redis

    url = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/13")  # 14 is emptied by the scan-buffer tests
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return None
    return url


@pytest.fixture(params=["database", "cache"])
def storage(request, settings):
    """Where failures are counted: the database handler, or the cache handler on Redis
    (Django's RedisCache; a process-local cache when no Redis answers, same handler)."""
    url, prefix = _redis_url(), f"test-login-{uuid.uuid4().hex}"
    if request.param == "cache":
        backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url} if url else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        settings.CACHES = {**settings.CACHES, "axes": {**backend, "KEY_PREFIX": prefix}}
        settings.AXES_CACHE = "axes"
        settings.AXES_HANDLER = "shop.logins.ShopAxesCacheHandler"
    AxesProxyHandler.get_implementation(force=True)
    yield request.param
    if request.param == "cache" and url:  # only this test's keys: the Redis may be shared
        import redis

        client = redis.Redis.from_url(url)
        client.delete(*client.scan_iter(f"{prefix}:*"), "-")
    settings.AXES_HANDLER = "shop.logins.ShopAxesHandler"
    AxesProxyHandler.get_implementation(force=True)


@pytest.fixture
def staff(db):
    user = get_user_model().objects.create_user("clerk@example.com", "clerk@example.com", PASSWORD,
                                                is_staff=True, is_superuser=True)
    district = District.objects.create(code="102", name="Mường Ảng")
    point = SalesPoint.objects.create(code="p1", name="Điểm thử", kind=SalesPoint.Kind.DISTRICT, district=district,
                                     latitude=21.38, longitude=103.02)
    StaffAssignment.objects.create(user=user, sales_point=point, role=StaffAssignment.Role.MANAGER)
    return user


def staff_login(client, password, *, username="clerk@example.com", ip="198.51.100.1", path="/staff/login/", **extra):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def token_create(client, password, *, email="clerk@example.com", ip="198.51.100.1", language="vi"):
    response = client.post("/graphql/", json.dumps({"query": TOKEN_CREATE, "variables": {"e": email, "p": password}}),
                           content_type="application/json", REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.json()["data"]["tokenCreate"]


@pytest.mark.parametrize("path", ["/staff/login/", "/admin/login/"])
def test_guessing_a_page_login_then_the_right_password_is_refused(client, storage, staff, path):
    for _ in range(25):
        assert staff_login(client, "wrong-guess", path=path).status_code in (200, 429)
    response = staff_login(client, PASSWORD, path=path)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "15 phút" in response.content.decode()


def test_guessing_through_token_create_then_the_right_password_is_refused(client, storage, staff):
    for _ in range(25):
        payload = token_create(client, "wrong-guess")
        assert payload["token"] is None
    payload = token_create(client, PASSWORD)
    assert payload["token"] is None
    assert payload["errors"][0]["code"] == "too_many_attempts"


def test_the_account_locks_from_anywhere(client, storage, staff, settings):
    for n in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        staff_login(client, "wrong-guess", ip=f"203.0.113.{n + 1}")
    assert staff_login(client, PASSWORD, ip="203.0.113.200").status_code == 429
    # … and the same account typed in other letter case and with spaces is the same account.
    assert staff_login(client, PASSWORD, username=" CLERK@example.com ", ip="203.0.113.201").status_code == 429


def test_an_address_spraying_many_accounts_locks(client, storage, staff, settings):
    for n in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        staff_login(client, "wrong-guess", username=f"someone{n}@example.com", ip="192.0.2.66")
    assert staff_login(client, PASSWORD, ip="192.0.2.66").status_code == 429
    # Another address is not locked out of the (untouched) account.
    response = staff_login(client, PASSWORD, ip="192.0.2.67")
    assert response.status_code == 302


def test_a_few_typos_do_not_lock_anyone_out(client, storage, staff, settings):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT - 1):
        assert staff_login(client, "typo").status_code == 200
    assert staff_login(client, PASSWORD).status_code == 302
    assert token_create(client, PASSWORD, ip="198.51.100.2")["token"].startswith("ocop_")


def test_the_lockout_speaks_the_visitors_language(client, storage, staff, settings):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        staff_login(client, "wrong-guess")
    page = staff_login(client, PASSWORD, path="/en/staff/login/").content.decode()
    assert "Too many failed sign-ins" in page and "15 minutes" in page
    admin = staff_login(client, PASSWORD, path="/admin/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert admin.status_code == 429 and "Try again in 15 minutes" in admin.content.decode()
    assert "Hãy thử lại sau 15 phút" in staff_login(client, PASSWORD, path="/admin/login/").content.decode()
    english = token_create(client, PASSWORD, language="en")["errors"][0]["message"]
    assert english.startswith("Too many failed sign-ins")


def test_the_lockout_ends_after_the_cool_off(client, staff, settings):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        staff_login(client, "wrong-guess")
    assert staff_login(client, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16))
    assert staff_login(client, PASSWORD).status_code == 302


class HashCounter:
    """Counts the password hashes run (the costly part of a login), instead of timing them."""

    def __init__(self):
        self.count = 0
        real_encode = PBKDF2PasswordHasher.encode

        def counting(hasher, password, salt, iterations=None):
            self.count += 1
            return real_encode(hasher, password, salt, iterations)

        self.patch = mock.patch.object(PBKDF2PasswordHasher, "encode", counting)

    def __call__(self, attempt) -> int:
        self.count = 0
        with self.patch:
            attempt()
        return self.count


def test_an_unknown_email_costs_one_password_hash_like_a_wrong_password(staff):
    """No account enumeration by timing: both paths run the password hasher exactly once."""
    hashes = HashCounter()

    def attempt(email):
        with pytest.raises(ShopError) as refused:
            auth.create_token(email=email, password="wrong-guess")
        assert refused.value.code == "invalid_credentials"

    for email in ("clerk@example.com", "nobody@example.com", "CLERK@example.com "):
        assert hashes(lambda email=email: attempt(email)) == 1, email


@pytest.mark.parametrize("door", ["/staff/login/", "/admin/login/", "tokenCreate"])
def test_every_door_costs_the_same_for_an_unknown_email_and_a_wrong_password(client, staff, door):
    def attempt(email):
        if door == "tokenCreate":
            return lambda: token_create(client, "wrong-guess", email=email)
        return lambda: staff_login(client, "wrong-guess", username=email, path=door)

    hashes = HashCounter()
    assert hashes(attempt("clerk@example.com")) == hashes(attempt("nobody@example.com")) == 1


def test_a_locked_account_costs_no_hash(client, staff, settings):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        staff_login(client, "wrong-guess")
    assert HashCounter()(lambda: staff_login(client, PASSWORD)) == 0


def test_a_username_that_looks_like_an_address_is_not_that_address(client, storage, staff, settings):
    """The account and the address are counted apart, even when the typed name is an address."""
    settings.LOGIN_FAILURES_PER_ADDRESS = settings.LOGIN_FAILURES_PER_ACCOUNT
    for n in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        staff_login(client, "wrong-guess", username="192.0.2.10", ip=f"203.0.113.{n + 1}")
    assert staff_login(client, PASSWORD, ip="192.0.2.10").status_code == 302


def test_a_success_resets_no_one_elses_failures(client, storage, staff, settings):
    """A sprayer who also owns an account cannot wipe the address's count by signing in to it."""
    get_user_model().objects.create_superuser("mallory@example.com", "mallory@example.com", PASSWORD)
    sprayer = "192.0.2.99"
    for n in range(settings.LOGIN_FAILURES_PER_ADDRESS - 1):
        staff_login(client, "wrong-guess", username=f"someone{n}@example.com", ip=sprayer)
    assert staff_login(client, PASSWORD, username="mallory@example.com", ip=sprayer).status_code == 302
    client.logout()
    staff_login(client, "wrong-guess", username="someone-else@example.com", ip=sprayer)
    assert staff_login(client, PASSWORD, ip=sprayer).status_code == 429
    # The clerk, from their own counter, still signs in.
    assert staff_login(client, PASSWORD, ip="198.51.100.7").status_code == 302


def test_client_login_in_tests_and_scripts_still_works_and_is_throttled(client, storage, staff, settings):
    """`Client.login()` (and any authenticate() without a request) passes through the same lockout."""
    assert client.login(username="clerk@example.com", password=PASSWORD)
    client.logout()
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        staff_login(client, "wrong-guess")
    assert not client.login(username="clerk@example.com", password=PASSWORD)


def test_a_lost_redis_still_counts_failures_in_the_database(client, staff, settings):
    """REDIS_URL set but nothing answers: no 500, and the lockout still holds (the database counts)."""
    settings.CACHES = {**settings.CACHES, "axes": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2}}}
    settings.AXES_CACHE = "axes"
    settings.AXES_HANDLER = "shop.logins.ShopAxesCacheHandler"
    AxesProxyHandler.get_implementation(force=True)
    try:
        for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
            assert staff_login(client, "wrong-guess").status_code in (200, 429)
        assert staff_login(client, PASSWORD).status_code == 429
        assert AccessAttempt.objects.exists()
    finally:
        settings.AXES_HANDLER = "shop.logins.ShopAxesHandler"
        AxesProxyHandler.get_implementation(force=True)


@contextlib.contextmanager
def later(minutes):
    """Axes' clock (the time it stamps on each request) moved on by this many minutes."""
    moved = django_now() + datetime.timedelta(minutes=minutes)
    with mock.patch("axes.handlers.proxy.now", return_value=moved):
        yield


def test_the_lockout_says_how_long_is_left(client, storage, staff, settings):
    """Ten minutes into a 15-minute lockout the visitor is told 5 minutes, not 15 again."""
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        staff_login(client, "wrong-guess")
    with later(minutes=10):
        page = staff_login(client, PASSWORD, path="/en/staff/login/")
        assert page.status_code == 429 and "Try again in 5 minutes" in page.content.decode()
        assert 240 < int(page["Retry-After"]) <= 300
        assert "Hãy thử lại sau 5 phút" in token_create(client, PASSWORD)["errors"][0]["message"]
        assert "Hãy thử lại sau 5 phút" in staff_login(client, PASSWORD, path="/admin/login/").content.decode()


def test_logins_without_a_client_address_do_not_share_one(storage, staff, settings):
    """A command (or a server that cannot tell the client's address) has no address: failures on
    other accounts there must not add up to one shared address that locks everyone out."""
    for n in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        with pytest.raises(ShopError):
            auth.create_token(email=f"someone{n}@example.com", password="wrong-guess")
    assert auth.create_token(email="clerk@example.com", password=PASSWORD)[1].startswith("ocop_")
