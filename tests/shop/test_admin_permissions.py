"""Who can do what in /admin/ (issue 15, item 14): the province officers' group ("Cán bộ tỉnh"), kept
in sync on migrate, given to province assignments; the permission matrix of the demo logins."""
import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from catalog.models import Certification, Producer, Product, ProductVariant
from orders.models import Order, PaymentAccount, ShippingZone
from shop.models import SalesPoint, StaffAssignment
from shop.permissions import PROVINCE_GROUP, province_permission_codenames, sync_province_group
from traceability import services
from traceability.models import Batch

DOMAIN = "ocop-dienbien.example"
ROLES = {"superuser": f"admin@{DOMAIN}", "officer": f"tinh@{DOMAIN}", "manager": f"muong-ang@{DOMAIN}",
         "anonymous": None}


def _lot():
    variant = ProductVariant.objects.filter(gtin__isnull=False, product__producer__isnull=False).order_by("id").first()
    return Batch.objects.filter(variant=variant).first() or services.create_batch(
        variant=variant, lot_code="PERM-1", production_date=datetime.date(2026, 11, 1), quantity=10)


OBJECTS = {
    "catalog/producer": lambda: Producer.objects.order_by("id").first(),
    "catalog/product": lambda: Product.objects.order_by("id").first(),
    "catalog/productvariant": lambda: ProductVariant.objects.order_by("id").first(),
    "catalog/certification": lambda: Certification.objects.order_by("id").first(),
    "traceability/batch": _lot,
    "orders/shippingzone": lambda: ShippingZone.objects.order_by("id").first(),
    "orders/paymentaccount": lambda: PaymentAccount.objects.order_by("id").first(),
    "orders/order": lambda: Order.objects.order_by("id").first(),
    "inventory/stockmovement": lambda: None,
}

OK, LOGIN, NO = 200, 302, 403
# page -> expected status for (superuser, officer, manager, anonymous)
MATRIX = {
    "/admin/": (OK, OK, OK, LOGIN),
    **{f"/admin/{model}/{page}": (OK, OK, NO, LOGIN)
       for model in ["catalog/producer", "catalog/product", "catalog/productvariant", "catalog/certification",
                     "traceability/batch", "orders/shippingzone", "orders/paymentaccount"]
       for page in ["", "add/", "{pk}/change/"]},
    "/admin/catalog/product/{pk}/delete/": (OK, NO, NO, LOGIN),
    "/admin/catalog/certification/{pk}/delete/": (OK, NO, NO, LOGIN),
    "/admin/orders/order/": (OK, OK, NO, LOGIN),
    "/admin/orders/order/add/": (NO, NO, NO, LOGIN),
    "/admin/inventory/stockmovement/": (OK, OK, NO, LOGIN),
    "/admin/inventory/stockmovement/add/": (NO, NO, NO, LOGIN),
    "/admin/inventory/stock/add/": (OK, NO, NO, LOGIN),
    "/admin/auth/user/": (OK, NO, NO, LOGIN),
    "/admin/shop/staffassignment/": (OK, NO, NO, LOGIN),
}
CASES = [(role, path, codes[i]) for path, codes in MATRIX.items() for i, role in enumerate(ROLES)]


@pytest.mark.parametrize(("role", "path", "expected"), CASES, ids=[f"{r}:{p}" for r, p, _ in CASES])
def test_admin_permission_matrix(shop, client, role, path, expected):
    if ROLES[role]:
        client.force_login(get_user_model().objects.get(username=ROLES[role]))
    if "{pk}" in path:
        model = path.split("/")[2] + "/" + path.split("/")[3]
        obj = OBJECTS[model]()
        assert obj is not None, f"the demo has no {model}"
        path = path.format(pk=obj.pk)
    response = client.get(path)
    assert response.status_code == expected, (role, path, response.status_code)
    if expected == LOGIN:
        assert response["Location"].startswith("/admin/login/")


def test_officer_sees_the_sections_of_their_job_on_the_admin_index(shop, client):
    client.force_login(get_user_model().objects.get(username=ROLES["officer"]))
    body = client.get("/admin/").content.decode()
    for section in ["/admin/catalog/product/", "/admin/catalog/certification/", "/admin/traceability/batch/",
                    "/admin/orders/shippingzone/", "/admin/orders/paymentaccount/"]:
        assert section in body
    assert "/admin/auth/user/" not in body


def test_group_is_synced_on_migrate_and_idempotent(db):
    group = Group.objects.get(name=PROVINCE_GROUP)  # made by the test database's migrate
    wanted = province_permission_codenames()
    have = {(p.content_type.app_label, p.codename) for p in group.permissions.select_related("content_type")}
    assert have == wanted
    assert ("catalog", "add_certification") in have and ("orders", "view_order") in have
    assert ("orders", "change_order") not in have and ("inventory", "add_stockmovement") not in have
    # Drift is put right: a permission removed by hand comes back, one added by hand goes.
    group.permissions.remove(Permission.objects.get(codename="add_product"))
    group.permissions.add(Permission.objects.get(codename="delete_producer"))
    sync_province_group()
    sync_province_group()
    assert Group.objects.filter(name=PROVINCE_GROUP).count() == 1
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert "add_product" in codenames and "delete_producer" not in codenames


def test_create_staff_puts_province_officers_in_the_group(db):
    SalesPoint.objects.all()  # no points needed for --province
    out = io.StringIO()
    call_command("create_staff", "--email", "can-bo@example.vn", "--password", "a-Long-pass-2026!", "--province",
                 stdout=out)
    user = get_user_model().objects.get(username="can-bo@example.vn")
    assert user.groups.filter(name=PROVINCE_GROUP).exists()
    assert user.has_perm("catalog.add_certification") and not user.has_perm("catalog.delete_product")
    assert PROVINCE_GROUP in out.getvalue()


def test_removing_the_province_assignment_in_the_admin_takes_the_rights_away(shop, client):
    officer = get_user_model().objects.get(username=ROLES["officer"])
    assert officer.groups.filter(name=PROVINCE_GROUP).exists()  # the demo put them there
    assignment = StaffAssignment.objects.get(user=officer, role=StaffAssignment.Role.PROVINCE)
    client.force_login(get_user_model().objects.get(username=ROLES["superuser"]))
    response = client.post(f"/admin/shop/staffassignment/{assignment.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not officer.groups.filter(name=PROVINCE_GROUP).exists()
    client.force_login(officer)
    assert client.get("/admin/catalog/product/").status_code == 403


def test_officer_adds_a_certificate_through_the_service(shop, client):
    """A recertification typed in the admin supersedes the certificate in force, as certify() does."""
    client.force_login(get_user_model().objects.get(username=ROLES["officer"]))
    product = Product.objects.get(name="Mật ong hoa ban Mường Ảng") if Product.objects.filter(
        name="Mật ong hoa ban Mường Ảng").exists() else Certification.objects.filter(
        superseded_by__isnull=True, revoked_at__isnull=True).order_by("-decision_date").first().product
    current = product.certifications.filter(superseded_by__isnull=True).order_by("-decision_date").first()
    day = current.decision_date + datetime.timedelta(days=400)
    response = client.post("/admin/catalog/certification/add/", {
        "product": product.pk, "stars": 4, "score": 80, "decision_number": "999/QĐ-UBND",
        "decision_date": day.strftime("%d/%m/%Y"), "issuing_body": "UBND tỉnh Điện Biên", "issuing_level": "PROVINCE",
        "kind": "NEW", "revoked_at": "", "revoked_reason": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    new = Certification.objects.get(product=product, decision_number="999/QĐ-UBND")
    assert new.decision_date == day
    current.refresh_from_db()
    assert current.superseded_by_id == new.pk
    assert new.kind != Certification.Kind.NEW  # the service decided: a recertification or an upgrade


def test_every_admin_list_and_add_page_answers_for_the_superuser(shop, client, rf):
    """The Vietnamese columns, filters and labels (shop.admin.VietnameseLabelsMixin) break no page."""
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = get_user_model().objects.get(username=ROLES["superuser"])
    client.force_login(request.user)
    for model, model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(base).status_code == 200, base
        assert client.get(base, {"o": "1"}).status_code == 200, base
        assert client.get(f"{base}add/").status_code == (200 if model_admin.has_add_permission(request) else 403), base
