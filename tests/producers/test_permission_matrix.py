"""The portal's permission matrix (issue 17): every URL of producers.urls — pages added later
included, since the patterns are read here, not listed — against every kind of visitor.

- producer A's people (owner, member) get the page (200), or the action done (a redirect back
  to the portal); an owner-only action is refused to a member (403);
- producer B's people get 404 (or 403) for A's objects, and cannot change them by POST; on the
  pages without an object they see their own producer, with nothing of A's;
- sales-point clerks and province officers get 403: they are not producers' people (they work in
  the staff console and the admin);
- anonymous visitors are sent to the portal's login.

A URL that takes arguments needs A's object: OBJECTS maps its name to a factory. A new pattern
missing there fails this test, saying to add it. And producer people get no /admin/ and no staff
console.
"""
import datetime
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, reverse

from catalog.models import Product
from producers import urls as portal_urls
from producers.models import (
    Invitation,
    LabelJob,
    ProductChange,
    RenewalDocument,
    RenewalFile,
    Submission,
)
from traceability import services as trace_services
from traceability.models import Batch, ProducerMembership, TraceEvent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# Open to anyone by design (tested in test_accounts.py and test_portal_frame.py).
PUBLIC = {"login", "logout", "invitation"}
# Actions only an owner may take: a member of A gets 403.
OWNER_ONLY = {"member_remove", "member_role"}


def _lot(w):
    return trace_services.create_batch(variant=w.product_a.variants.first(), lot_code="MATRIX-A",
                                       production_date=datetime.date(2026, 11, 1), quantity=10)


def _label_job(w):
    job = LabelJob.objects.create(producer=w.a, batch=_lot(w), status=LabelJob.Status.DONE, total=1, done=1)
    job.file.save("matrix-a.pdf", ContentFile(PDF))
    return job


def _renewal(w):
    certification = w.product_a.certifications.order_by("-pk").first()
    return RenewalFile.objects.create(producer=w.a, product=w.product_a, certification=certification)


def _document(w):
    renewal = _renewal(w)
    document = RenewalDocument(renewal=renewal, title="Hồ sơ A")
    document.file.save("ho-so-a.pdf", ContentFile(PDF))
    return {"renewal_id": renewal.pk, "document_id": document.pk}


def _third_person(w):
    """Another person of A (so removing them leaves A its owner)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="ba@test.example", email="ba@test.example")
    return ProducerMembership.objects.create(user=user, producer=w.a, role=ProducerMembership.Role.MEMBER)


# URL name -> the URL's arguments, naming an object of producer A (made by the factory).
OBJECTS = {
    "member_remove": lambda w: {"pk": _third_person(w).pk},
    "member_role": lambda w: {"pk": _third_person(w).pk},
    "product": lambda w: {"pk": w.product_a.pk},
    "lot": lambda w: {"pk": _lot(w).pk},
    "lot_event": lambda w: {"pk": _lot(w).pk, "kind": "harvest"},
    "label_job": lambda w: {"pk": _label_job(w).pk},
    "label_job_pdf": lambda w: {"pk": _label_job(w).pk},
    "scans_csv": lambda w: {"report": "places"},  # no object: the report's name
    "renewal_start": lambda w: {"product_id": w.product_a.pk},
    "renewal": lambda w: {"renewal_id": _renewal(w).pk},
    "renewal_submit": lambda w: {"renewal_id": _renewal(w).pk},
    "renewal_document": _document,
    "renewal_document_delete": _document,
}
# Arguments that name no object of A's (B's people get their own producer's answer there).
NOT_OBJECTS = {"scans_csv"}


def _patterns() -> list[URLPattern]:
    return [p for p in portal_urls.urlpatterns if isinstance(p, URLPattern) and p.name]


NAMES = [p.name for p in _patterns() if p.name not in PUBLIC]
ROLES = ["anonymous", "owner_a", "member_a", "owner_b", "clerk", "officer"]


def _takes_arguments(name: str) -> bool:
    return any(p.pattern.converters for p in _patterns() if p.name == name)


def test_every_url_with_arguments_has_a_factory():
    missing = [name for name in NAMES if _takes_arguments(name) and name not in OBJECTS]
    assert missing == [], (f"Portal URLs {missing} take arguments: add a factory for each to OBJECTS in "
                           "tests/producers/test_permission_matrix.py (it makes producer A's object).")


def _snapshot(w) -> tuple:
    """What producer A has, as far as a page could change it."""
    a = w.a
    return (
        sorted(ProducerMembership.objects.filter(producer=a).values_list("pk", "user_id", "role")),
        sorted(Invitation.objects.filter(producer=a).values_list("pk", "email", "accepted_at")),
        sorted(RenewalFile.objects.filter(producer=a).values_list("pk", "status", "outcome")),
        sorted(RenewalDocument.objects.filter(renewal__producer=a).values_list("pk", flat=True)),
        sorted(LabelJob.objects.filter(producer=a).values_list("pk", "status")),
        sorted(Batch.objects.filter(variant__product__producer=a).values_list("pk", "quantity", "status")),
        TraceEvent.objects.filter(batch__variant__product__producer=a).count(),
        sorted(ProductChange.objects.filter(producer=a).values_list("pk", "status", "fields")),
        sorted(Product.objects.filter(producer=a).values_list("pk", "description", "description_en")),
        Submission.objects.filter(producer=a).count(),
    )


@pytest.fixture(autouse=True)
def _quick_password_hashes(settings):
    """The matrix signs people in with force_login: no need for the slow hasher when making them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(producers, owner_a, member_a, owner_b, clerk, officer, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    a, b = producers
    return SimpleNamespace(a=a, b=b, product_a=Product.objects.filter(producer=a).first(),
                           product_b=Product.objects.filter(producer=b).first(),
                           anonymous=None, owner_a=owner_a, member_a=member_a, owner_b=owner_b, clerk=clerk,
                           officer=officer)


def _client(w, role) -> Client:
    client = Client()
    user = getattr(w, role)
    if user is not None:
        client.force_login(user)
    return client


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/producer/login/")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", NAMES)
def test_the_matrix(world, name, role):
    w = world
    if _takes_arguments(name):
        if name not in OBJECTS:
            pytest.fail(f"Portal URL {name!r} takes arguments: add a factory for it to OBJECTS in "
                        "tests/producers/test_permission_matrix.py (it makes producer A's object).")
        kwargs = OBJECTS[name](w)
    else:
        kwargs = {}
    url = reverse(f"producers:{name}", kwargs=kwargs)
    names_of_a = [w.a.name, w.product_a.name]
    client = _client(w, role)
    before = _snapshot(w)

    response = client.get(url)
    method = "GET"
    if response.status_code == 405:  # an action: POST only
        method, response = "POST", client.post(url, {})
    where = f"{method} {url} as {role}: {response.status_code}"
    is_object = bool(kwargs) and name not in NOT_OBJECTS

    if role == "anonymous":
        assert _is_login_redirect(response), where
    elif role in ("clerk", "officer"):
        assert response.status_code == 403, where
    elif role == "owner_b":
        if is_object:
            assert response.status_code in (403, 404), where
        else:
            assert response.status_code in (200, 302) and not _is_login_redirect(response), where
            body = b"".join(response) if response.streaming else response.content
            text = body.decode("utf-8", "replace")
            assert not any(n in text for n in names_of_a), f"{where}: shows producer A's things"
    elif role == "member_a" and name in OWNER_ONLY:
        assert response.status_code == 403, where
    else:  # A's owner, A's member
        expected = (200,) if method == "GET" else (200, 302)
        assert response.status_code in expected and not _is_login_redirect(response), where

    if role not in ("owner_a", "member_a"):
        # Nobody else changes A's things, by GET or by POST (an object page's form included).
        if role != "owner_b" or is_object:
            if method == "GET":
                refused = client.post(url, {})
                assert refused.status_code in (302, 403, 404, 405), f"POST {url} as {role}: {refused.status_code}"
                if role == "anonymous":
                    assert refused.status_code == 405 or _is_login_redirect(refused)
        assert _snapshot(w) == before, f"{where}: changed producer A's things"


# -- no admin, no staff console for producer people -------------------------------------------

@pytest.mark.parametrize("role", ["owner_a", "member_a"])
def test_producer_people_get_no_admin(world, role):
    client = _client(world, role)
    for path in ("/admin/", "/admin/catalog/product/", f"/admin/catalog/product/{world.product_a.pk}/change/",
                 "/admin/producers/invitation/add/", "/admin/traceability/producermembership/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), (path, role)


@pytest.mark.parametrize("role", ["owner_a", "member_a"])
def test_producer_people_get_no_staff_console(world, role, sales_point):
    client = _client(world, role)
    for path in ("/staff/", f"/staff/points/{sales_point.code}/", f"/staff/points/{sales_point.code}/stock/",
                 f"/staff/points/{sales_point.code}/transfers/", "/staff/dashboard/"):
        response = client.get(path)
        assert response.status_code == 403, (path, role, response.status_code)
    assert "not sales-point staff" in client.get("/en/staff/").content.decode()
