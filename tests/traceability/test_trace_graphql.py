"""GraphQL: trace(code:), Product.batches, and the staff mutations."""
import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.graphql.core import global_id
from shop.models import StaffAssignment
from traceability import codes, services
from traceability.models import Batch, ProducerMembership, Scan

TRACE = """query($code: String!) { trace(code: $code) {
  verdict reason message scanCount firstScannedAt digitalLink serial
  product { name slug ocop { stars } }
  batch { lotCode productionDate expiryDate originCommune status }
  events { bizStep bizStepLabel eventTime place description }
} }"""

BATCHES = """{ products(first: 50) { edges { node { name batches(first: 2) { lotCode productionDate expiryDate status
  digitalLink events { bizStep } } } } } }"""

CREATE = """mutation($input: BatchInput!) { batchCreate(input: $input) {
  batch { id lotCode status digitalLink } errors { field code message } } }"""
EVENT = """mutation($id: ID!, $input: TraceEventInput!) { traceEventAdd(batchId: $id, input: $input) {
  event { bizStep bizStepUri eventTime eventTimeZoneOffset } errors { field code message } } }"""
RECALL = """mutation($id: ID!, $reason: String!) { batchRecall(batchId: $id, reason: $reason) {
  batch { status recallReason } errors { field code message } } }"""


def user(email, **kwargs):
    return get_user_model().objects.create_user(username=email, email=email, password=None, **kwargs)


def test_trace_query_is_a_scan_with_a_verdict(gql, lot):
    serial = services.mint_serials(batch=lot, count=1)[0]
    url = codes.link_for_serial(lot, serial)
    first = gql(TRACE, {"code": url})["data"]["trace"]
    assert first["verdict"] == "AUTHENTIC_FIRST_SCAN" and first["scanCount"] == 1
    assert first["digitalLink"] == url and first["serial"] == serial
    assert first["batch"]["lotCode"] == lot.lot_code and first["batch"]["status"] == "ACTIVE"
    assert first["product"]["ocop"]["stars"] == 4
    assert [e["bizStep"] for e in first["events"]] == ["harvesting", "commissioning", "inspecting", "packing"]
    assert Scan.objects.get().channel == "api"
    # A typed short code names the same package.
    gql.client.defaults["REMOTE_ADDR"] = "203.0.113.50"
    again = gql(TRACE, {"code": codes.pretty(serial)})["data"]["trace"]
    assert again["verdict"] == "AUTHENTIC_SEEN_BEFORE" and again["scanCount"] == 2 and again["firstScannedAt"]
    unknown = gql(TRACE, {"code": "/q/ZZZZZZZZ"})["data"]["trace"]
    assert unknown["verdict"] in ("NOT_AUTHENTIC", "UNKNOWN") and unknown["batch"] is None and unknown["message"]


def test_trace_query_rejects_junk_politely(gql, db):
    for junk in ["", "x" * 1000, "/01/09520000000012/10/A", "javascript:alert(1)", "ĐĐĐ"]:
        result = gql(TRACE, {"code": junk})["data"]["trace"]
        assert result["verdict"] in ("NOT_AUTHENTIC", "UNKNOWN") and result["product"] is None


def test_product_batches_cost_the_same_queries_for_any_number_of_products(gql, lot_factory):
    lot_factory()

    def count():
        with CaptureQueriesContext(connection) as ctx:
            body = gql(BATCHES)
        return len(ctx.captured_queries), body

    few, body = count()
    for _ in range(4):
        lot_factory()
    many, body = count()
    nodes = [e["node"] for e in body["data"]["products"]["edges"]]
    assert len(nodes) == 5 and all(len(n["batches"]) == 1 and len(n["batches"][0]["events"]) == 4 for n in nodes)
    assert many == few


def test_product_batches_are_newest_first_and_limited(gql, lot_factory):
    first = lot_factory()
    product = first.variant.product
    for n in range(3):
        batch = lot_factory(product=product, lot_code=f"NEWER-{n}")
        Batch.objects.filter(pk=batch.pk).update(production_date=first.production_date + datetime.timedelta(days=n + 1))
    lots = gql(BATCHES)["data"]["products"]["edges"][0]["node"]["batches"]
    assert [b["lotCode"] for b in lots] == ["NEWER-2", "NEWER-1"]


@pytest.fixture
def staff(db, lot):
    producer = lot.variant.product.producer
    province = user("tinh@ocop-dienbien.example", is_staff=True)
    StaffAssignment.objects.create(user=province, role="province")
    member = user("htx@example.vn")
    ProducerMembership.objects.create(user=member, producer=producer)
    outsider = user("other-htx@example.vn")
    from catalog.models import Producer

    ProducerMembership.objects.create(user=outsider, producer=Producer.objects.create(
        name="HTX khác", slug="htx-khac", kind="COOPERATIVE"))
    return {"province": province, "member": member, "outsider": outsider}


def create_input(lot, **overrides):
    return {"variantId": global_id("ProductVariant", lot.variant_id), "lotCode": "new-lot-1",
            "productionDate": "2026-01-10", "expiryDate": "2027-01-10", "quantity": 120, **overrides}


def test_anonymous_users_and_other_producers_cannot_manage_lots(gql, lot, staff):
    body = gql(CREATE, {"input": create_input(lot)})["data"]["batchCreate"]
    assert body["batch"] is None and body["errors"][0]["code"] == "login_required"
    gql.client.force_login(staff["outsider"])
    assert gql(CREATE, {"input": create_input(lot)})["data"]["batchCreate"]["errors"][0]["code"] == "forbidden"
    batch_id = global_id("Batch", lot.pk)
    assert gql(RECALL, {"id": batch_id, "reason": "thử thu hồi"})["data"]["batchRecall"]["errors"][0]["code"] == "forbidden"
    event = {"bizStep": "shipping", "eventTime": "2026-02-01T08:00:00+07:00"}
    assert gql(EVENT, {"id": batch_id, "input": event})["data"]["traceEventAdd"]["errors"][0]["code"] == "forbidden"
    lot.refresh_from_db()
    assert lot.status == "ACTIVE" and lot.events.count() == 4


def test_clerks_of_a_sales_point_cannot_manage_lots(gql, lot, sales_point):
    clerk = user("clerk@example.vn", is_staff=True)
    StaffAssignment.objects.create(user=clerk, sales_point=sales_point, role="clerk")
    gql.client.force_login(clerk)
    assert gql(CREATE, {"input": create_input(lot)})["data"]["batchCreate"]["errors"][0]["code"] == "forbidden"


def test_a_producer_member_creates_a_lot_adds_events_and_recalls_it(gql, lot, staff):
    gql.client.force_login(staff["member"])
    created = gql(CREATE, {"input": create_input(lot)})["data"]["batchCreate"]
    assert created["errors"] == [] and created["batch"]["lotCode"] == "NEW-LOT-1"
    assert created["batch"]["digitalLink"].endswith(f"/01/{lot.variant.gtin}/10/NEW-LOT-1")
    batch_id = created["batch"]["id"]
    added = gql(EVENT, {"id": batch_id, "input": {"bizStep": "harvesting", "eventTime": "2026-01-05T06:30:00+07:00"}})
    event = added["data"]["traceEventAdd"]
    assert event["errors"] == [] and event["event"]["bizStep"] == "harvesting"
    assert event["event"]["bizStepUri"].endswith("/bizstep-harvesting") and event["event"]["eventTimeZoneOffset"] == "+07:00"
    recalled = gql(RECALL, {"id": batch_id, "reason": "Phát hiện nấm mốc"})["data"]["batchRecall"]
    assert recalled["errors"] == [] and recalled["batch"] == {"status": "RECALLED", "recallReason": "Phát hiện nấm mốc"}
    again = gql(RECALL, {"id": batch_id, "reason": "Phát hiện nấm mốc"})["data"]["batchRecall"]
    assert again["errors"][0]["code"] == "already_recalled"


def test_province_staff_manage_every_producer_and_get_clear_validation_errors(gql, lot, staff):
    gql.client.force_login(staff["province"])
    cases = [
        ({"variantId": None, "gtin": "09520000000012"}, "gtin_check_digit"),
        ({"variantId": None, "gtin": "12345"}, "gtin_length"),
        ({"lotCode": "lô số 1"}, "lot_code"),
        ({"quantity": 0}, "quantity"),
        ({"expiryDate": "2025-01-01"}, "expiry_date"),
        ({"lotCode": lot.lot_code}, "lot_exists"),
        ({"variantId": "UHJvZHVjdDox"}, "invalid_id"),
    ]
    for overrides, code in cases:
        body = gql(CREATE, {"input": create_input(lot, **overrides)}, language="en")["data"]["batchCreate"]
        assert body["batch"] is None and body["errors"][0]["code"] == code, (overrides, body)
        assert body["errors"][0]["message"]
    by_gtin = gql(CREATE, {"input": create_input(lot, variantId=None, gtin=lot.variant.gtin[1:])})["data"]["batchCreate"]
    assert by_gtin["errors"] == []
    bad_event = gql(EVENT, {"id": global_id("Batch", lot.pk),
                            "input": {"bizStep": "dancing", "eventTime": "2026-01-05T06:30:00+07:00"}})
    assert bad_event["data"]["traceEventAdd"]["errors"][0]["field"] == "bizStep"
    future = gql(EVENT, {"id": global_id("Batch", lot.pk),
                         "input": {"bizStep": "packing", "eventTime": "2099-01-05T06:30:00+07:00"}})
    assert future["data"]["traceEventAdd"]["errors"][0]["code"] == "event_time"
