"""Brute force on the three doors (/staff/login/, /admin/login/, tokenCreate):
the audit saw 25 wrong passwords followed by an accepted login. Now an
account locks after LOGIN_FAILURES_PER_ACCOUNT failures and an address after
LOGIN_FAILURES_PER_ADDRESS, a right password included, for LOGIN_LOCKOUT_MINUTES."""
import datetime
import json
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from shop import auth
from shop.errors import ShopError
from shop.models import District, SalesPoint, StaffAssignment

PASSWORD = "a-long-pass-2026"
TOKEN_CREATE = "mutation($e: String!, $p: String!) { tokenCreate(email: $e, password: $p) { token errors { code message } } }"


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
def test_guessing_a_page_login_then_the_right_password_is_refused(client, staff, path):
    for _ in range(25):
        assert staff_login(client, "wrong-guess", path=path).status_code in (200, 429)
    response = staff_login(client, PASSWORD, path=path)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "15 phút" in response.content.decode()


def test_guessing_through_token_create_then_the_right_password_is_refused(client, staff):
    for _ in range(25):
        payload = token_create(client, "wrong-guess")
        assert payload["token"] is None
    payload = token_create(client, PASSWORD)
    assert payload["token"] is None
    assert payload["errors"][0]["code"] == "too_many_attempts"


def test_the_account_locks_from_anywhere(client, staff, settings):
    for n in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        staff_login(client, "wrong-guess", ip=f"203.0.113.{n + 1}")
    assert staff_login(client, PASSWORD, ip="203.0.113.200").status_code == 429
    # … and the same account typed in other letter case and with spaces is the same account.
    assert staff_login(client, PASSWORD, username=" CLERK@example.com ", ip="203.0.113.201").status_code == 429


def test_an_address_spraying_many_accounts_locks(client, staff, settings):
    for n in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        staff_login(client, "wrong-guess", username=f"someone{n}@example.com", ip="192.0.2.66")
    assert staff_login(client, PASSWORD, ip="192.0.2.66").status_code == 429
    # Another address is not locked out of the (untouched) account.
    response = staff_login(client, PASSWORD, ip="192.0.2.67")
    assert response.status_code == 302


def test_a_few_typos_do_not_lock_anyone_out(client, staff, settings):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT - 1):
        assert staff_login(client, "typo").status_code == 200
    assert staff_login(client, PASSWORD).status_code == 302
    assert token_create(client, PASSWORD, ip="198.51.100.2")["token"].startswith("ocop_")


def test_the_lockout_speaks_the_visitors_language(client, staff, settings):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        staff_login(client, "wrong-guess")
    page = staff_login(client, PASSWORD, path="/en/staff/login/").content.decode()
    assert "Too many failed sign-ins" in page and "15 minutes" in page
    english = token_create(client, PASSWORD, language="en")["errors"][0]["message"]
    assert english.startswith("Too many failed sign-ins")


def test_the_lockout_ends_after_the_cool_off(client, staff, settings):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        staff_login(client, "wrong-guess")
    assert staff_login(client, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16))
    assert staff_login(client, PASSWORD).status_code == 302


def test_an_unknown_email_costs_one_password_hash_like_a_wrong_password(staff):
    """No account enumeration by timing: both paths run the password hasher exactly once."""
    hashed = []
    real_encode = PBKDF2PasswordHasher.encode

    def counting(self, password, salt, iterations=None):
        hashed.append(password)
        return real_encode(self, password, salt, iterations)

    with mock.patch.object(PBKDF2PasswordHasher, "encode", counting):
        for email in ("clerk@example.com", "nobody@example.com"):
            hashed.clear()
            with pytest.raises(ShopError) as refused:
                auth.create_token(email=email, password="wrong-guess")
            assert refused.value.code == "invalid_credentials"
            assert len(hashed) == 1, email
