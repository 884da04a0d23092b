"""The admin's lot form goes through services.check_batch / create_batch: the
same rules, permission and messages as the batchCreate mutation."""
import datetime
import html
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from catalog.models import Producer
from shop.graphql.core import global_id
from traceability import services
from traceability.models import Batch, ProducerMembership

ADD = "/admin/traceability/batch/add/"
CREATE = """mutation($input: BatchInput!) { batchCreate(input: $input) {
  batch { id lotCode } errors { field code message } } }"""


def staff_user(email, *, producer=None):
    """A staff account with the admin's lot permissions, a member of `producer`."""
    user = get_user_model().objects.create_user(username=email, email=email, password=None, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="traceability",
        codename__in=["add_batch", "change_batch", "view_batch", "add_traceevent", "change_traceevent", "view_traceevent"]))
    if producer is not None:
        ProducerMembership.objects.create(user=user, producer=producer)
    return user


def form_data(variant, **overrides):
    made = timezone.localdate() - datetime.timedelta(days=3)
    data = {
        "variant": variant.pk, "lot_code": " cf-admin-1 ", "production_date": made.isoformat(),
        "expiry_date": (made + datetime.timedelta(days=180)).isoformat(), "quantity": 50, "origin_commune": "",
        "raw_materials": "  Cà phê chè  ", "raw_materials_en": "", "recall_reason": "",
        "quality_documents": '[{"title": " Phiếu kiểm nghiệm 7/2026 ", "url": "https://example.vn/7.pdf"}]',
        "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0, "events-MIN_NUM_FORMS": 0, "events-MAX_NUM_FORMS": 1000,
    }
    return {**data, **overrides}


def api_message(gql, user, variant, data) -> str:
    """What batchCreate answers for the same input (in Vietnamese, as the admin)."""
    gql.client.force_login(user)
    body = gql(CREATE, {"input": {
        "variantId": global_id("ProductVariant", variant.pk), "lotCode": data["lot_code"],
        "productionDate": data["production_date"], "expiryDate": data["expiry_date"], "quantity": data["quantity"],
    }})["data"]["batchCreate"]
    assert body["batch"] is None
    return body["errors"][0]["message"]


def errors_of(response) -> str:
    assert response.status_code == 200, response.status_code  # the form again, never a 500 or a redirect
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("field, value", [
    ("expiry_date", "2020-01-01"),  # before the production date
    ("production_date", "2099-01-01"),  # in the future
])
def test_a_bad_date_shows_the_apis_error_on_its_field(client, gql, lot, field, value):
    member = staff_user("htx@example.vn", producer=lot.variant.product.producer)
    data = form_data(lot.variant, **{field: value})
    message = api_message(gql, member, lot.variant, data)
    client.force_login(member)
    page = errors_of(client.post(ADD, data))
    assert message in page
    assert f'<ul class="errorlist" id="id_{field}_error"><li>{message}</li></ul>' in page
    assert not Batch.objects.filter(lot_code="CF-ADMIN-1").exists()


def test_a_variant_the_user_may_not_act_for_is_refused_as_by_the_api(client, gql, lot):
    other = Producer.objects.create(name="HTX khác", slug="htx-khac", kind="COOPERATIVE")
    outsider = staff_user("other-htx@example.vn", producer=other)
    data = form_data(lot.variant)
    message = api_message(gql, outsider, lot.variant, data)
    assert "không quản lý lô hàng của chủ thể này" in message
    client.force_login(outsider)
    with mock.patch.object(services, "create_batch", wraps=services.create_batch) as create:
        page = errors_of(client.post(ADD, data))
    assert message in page and not create.called
    assert not Batch.objects.filter(lot_code="CF-ADMIN-1").exists()


def test_a_valid_lot_is_made_by_the_service(client, lot):
    member = staff_user("htx@example.vn", producer=lot.variant.product.producer)
    client.force_login(member)
    data = form_data(lot.variant, **{
        "events-TOTAL_FORMS": 1, "events-0-biz_step": "commissioning", "events-0-event_time_0": "2026-01-05",
        "events-0-event_time_1": "08:00:00", "events-0-event_timezone_offset": "+07:00", "events-0-disposition": "",
    })
    with mock.patch.object(services, "create_batch", wraps=services.create_batch) as create:
        response = client.post(ADD, data)
    assert response.status_code == 302, errors_of(response)[-3000:]
    assert create.call_count == 1 and create.call_args.kwargs["by"] == member
    made = Batch.objects.get(lot_code="CF-ADMIN-1")  # the service's lot code rule: trimmed, upper case
    assert made.created_by == member and len(made.short_code) == 8
    assert made.raw_materials == "Cà phê chè"
    assert made.quality_documents == [{"title": "Phiếu kiểm nghiệm 7/2026", "url": "https://example.vn/7.pdf"}]
    assert [e.biz_step for e in made.events.all()] == ["commissioning"]  # the inline saved onto the service's lot
    again = errors_of(client.post(ADD, data))  # the same code again: the service's clash rule
    assert "Quy cách này đã có lô CF-ADMIN-1; hãy dùng số lô khác." in again


def test_editing_a_lot_keeps_the_rules(client, lot):
    member = staff_user("htx@example.vn", producer=lot.variant.product.producer)
    client.force_login(member)
    change = f"/admin/traceability/batch/{lot.pk}/change/"
    data = form_data(lot.variant, lot_code=lot.lot_code, production_date=lot.production_date.isoformat(),
                     expiry_date=(lot.production_date - datetime.timedelta(days=1)).isoformat(),
                     **{"events-INITIAL_FORMS": 0})
    page = errors_of(client.post(change, data))
    assert "Hạn sử dụng phải sau ngày sản xuất." in page
    lot.refresh_from_db()
    assert lot.expiry_date > lot.production_date
    response = client.post(change, {**data, "expiry_date": "", "lot_code": "cf-renamed"})
    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.lot_code == "CF-RENAMED" and lot.expiry_date is None
