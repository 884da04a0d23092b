"""My lots (issue 17, item 4): a producer creates lots and records their events from a phone, each
submit idempotent; a dispatch becomes an incoming transfer the point's staff receive; the events
reach the trace page and the EPCIS export unchanged; producer B sees none of A's lots."""
import datetime
import json
import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from catalog.gtin import make_gtin
from inventory import audit
from inventory.models import StockMovement, Transfer
from producers import lots as service
from producers.access import acting_for
from producers.models import Submission
from shop.errors import ShopError
from shop.models import Commune, StaffAssignment
from traceability.models import Batch, TraceEvent

EPCIS_SCHEMA = Path(settings.BASE_DIR).parent / "shared" / "standards" / "epcis" / "EPCIS-JSON-Schema.json"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_and_language(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    translation.activate("vi")  # a test's /en/ request leaves English active in this thread
    yield
    translation.activate("vi")


@pytest.fixture
def commune(producers):
    return Commune.objects.create(slug="xa-muong-ang-thu", name="Xã Mường Ảng", era=Commune.Era.Y2025,
                                  district=producers[0].district)


@pytest.fixture
def variant_a(producers):
    variant = producers[0].products.get().variants.get()
    variant.gtin = make_gtin("952999017001")
    variant.save(update_fields=["gtin"])
    return variant


@pytest.fixture
def clerk(sales_point):
    user = get_user_model().objects.create_user(username="nv@test.example", email="nv@test.example", password="x")
    StaffAssignment.objects.create(user=user, sales_point=sales_point, role="clerk")
    return user


def lot_post(variant, commune=None, *, key=None, **extra):
    data = {"key": key or str(uuid.uuid4()), "variant": variant.pk, "production_date": "2026-11-20",
            "expiry_date": "2027-11-20", "quantity": "120", "origin_commune": commune.pk if commune else "",
            "lot_code": "", "raw_materials": "Mật ong hoa ban rừng"}
    data.update(extra)
    return data


def event_post(*, key=None, **extra):
    data = {"key": key or str(uuid.uuid4()), "event_time": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "note": ""}
    data.update(extra)
    return data


def make_lot(owner, variant, commune=None, **kwargs):
    acting = acting_for(owner)
    return service.create_lot(acting, key=uuid.uuid4(), variant_id=variant.pk,
                              production_date=datetime.date(2026, 11, 20), quantity=kwargs.pop("quantity", 100),
                              origin_commune_id=commune.pk if commune else None, **kwargs)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# -- creating a lot ---------------------------------------------------------------------------

def test_a_producer_creates_a_lot_and_sees_it_newest_first(portal_client, owner_a, variant_a, commune):
    client = portal_client(owner_a)
    form = client.get(reverse("producers:lot_new"))
    assert form.status_code == 200
    key = re.search(r'name="key" value="([0-9a-f-]{36})"', form.content.decode())[1]
    assert 'data-draft="lot-new"' in form.content.decode() and "producers/drafts.js" in form.content.decode()

    response = client.post(reverse("producers:lot_new"), lot_post(variant_a, commune, key=key))
    batch = Batch.objects.get(variant=variant_a)
    assert response.status_code == 302
    assert response["Location"] == reverse("producers:lot", args=[batch.pk]) + "?saved=lot-new"
    assert (batch.lot_code, batch.quantity, batch.origin_commune, batch.created_by) == (
        "L261120-1", 120, commune, owner_a)
    assert batch.expiry_date == datetime.date(2027, 11, 20)
    page = text(client.get(response["Location"]))
    assert 'data-clear-draft="lot-new"' in page and "L261120-1" in page and "Xã Mường Ảng" in page

    newer = make_lot(owner_a, variant_a, lot_code="MO-02")
    listing = text(client.get(reverse("producers:lots")))
    assert listing.index("MO-02") < listing.index("L261120-1")
    assert f'id="lot-{newer.pk}"' in listing and "Đang lưu hành" in listing


def test_a_retried_post_with_the_same_key_creates_the_lot_once(portal_client, owner_a, variant_a):
    client = portal_client(owner_a)
    data = lot_post(variant_a, lot_code="MO-01")
    first = client.post(reverse("producers:lot_new"), data)
    again = client.post(reverse("producers:lot_new"), data)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Batch.objects.filter(variant=variant_a).count() == 1
    assert Submission.objects.filter(key=data["key"], kind="lot").count() == 1


def test_a_refused_lot_keeps_what_was_typed_and_says_why(portal_client, owner_a, variant_a):
    client = portal_client(owner_a)
    response = client.post(reverse("producers:lot_new"), lot_post(
        variant_a, lot_code="MO-09", expiry_date="2026-01-01", raw_materials="Hoa ban Mường Phăng"))
    assert response.status_code == 400
    page = text(response)
    assert "Hạn sử dụng phải sau ngày sản xuất." in page
    assert 'value="MO-09"' in page and "Hoa ban Mường Phăng" in page and 'data-bound="1"' in page
    assert not Batch.objects.exists()
    english = text(client.post("/en" + reverse("producers:lot_new"), lot_post(variant_a, quantity="0")))
    assert "Ensure this value is greater than or equal to 1." in english or "greater than" in english


def test_a_producer_cannot_make_a_lot_of_another_producers_product(portal_client, owner_a, producers):
    b_variant = producers[1].products.get().variants.get()
    response = portal_client(owner_a).post(reverse("producers:lot_new"), lot_post(b_variant))
    assert response.status_code == 400 and not Batch.objects.exists()
    with pytest.raises(ShopError) as caught:
        make_lot(owner_a, b_variant)
    assert caught.value.code == "lot_input"


# -- events ------------------------------------------------------------------------------------

def test_harvest_to_dispatch_in_a_few_taps_then_the_point_receives(portal_client, owner_a, variant_a, commune,
                                                                    sales_point, clerk, client):
    batch = make_lot(owner_a, variant_a, commune)
    portal = portal_client(owner_a)
    url = lambda kind: reverse("producers:lot_event", args=[batch.pk, kind])  # noqa: E731

    form = portal.get(url("harvest"))
    assert form.status_code == 200 and f'data-draft="lot-{batch.pk}-harvest"' in form.content.decode()
    steps = [
        ("harvest", {"quantity": "35.5"}),
        ("processing", {"quantity": "120", "note": "Lọc và cô đặc"}),
        ("quality", {"passed": "1", "report_title": "Phiếu kiểm nghiệm 12/2026",
                     "report": SimpleUploadedFile("kq.pdf", PDF, content_type="application/pdf")}),
        ("packing", {"quantity": "120"}),
        ("dispatch", {"point": sales_point.pk, "quantity": "40", "note": "Xe chiều thứ Bảy"}),
    ]
    for kind, extra in steps:
        response = portal.post(url(kind), event_post(**extra))
        assert response.status_code == 302, (kind, text(response)[-1500:])
        assert response["Location"].endswith(f"?saved=lot-{batch.pk}-{kind}")

    events = list(batch.events.order_by("event_time", "id"))
    assert [e.biz_step.rsplit("/", 1)[-1] for e in events] == [
        "bizstep-harvesting", "commissioning", "inspecting", "packing", "shipping"]
    harvest, _, quality, _, shipping = events
    assert (harvest.commune, harvest.quantity, harvest.uom) == (commune, 35.5, "KGM")
    assert quality.disposition == "conformant" and "Phiếu kiểm nghiệm 12/2026: đạt" in quality.description
    assert shipping.disposition == "in_transit" and shipping.quantity == 40
    batch.refresh_from_db()
    (document,) = batch.quality_documents
    assert document["title"] == "Phiếu kiểm nghiệm 12/2026" and document["url"].startswith("http://testserver/media/")
    stored = Path(settings.MEDIA_ROOT) / document["url"].split("/media/", 1)[1]
    assert stored.read_bytes() == PDF

    # The dispatch is an incoming transfer at the point; no stock moved anywhere yet.
    transfer = Transfer.objects.get()
    assert (transfer.from_producer, transfer.from_point, transfer.to_point, transfer.status) == (
        variant_a.product.producer, None, sales_point, "SENT")
    assert transfer.number in shipping.description and transfer.reference == f"batch:{batch.pk}"
    assert not StockMovement.objects.exists()
    lot_page = text(portal.get(reverse("producers:lot", args=[batch.pk])))
    assert "Đã xuất 40 (điểm bán đã nhận 0, 1 đang chuyển)" in lot_page
    for label in ("Thu hoạch nguyên liệu", "Kiểm tra chất lượng", "Đóng gói", "Xuất hàng"):
        assert label in lot_page

    # The point's staff see the producer as the sender, and receive it.
    client.force_login(clerk)
    staff = text(client.get(reverse("storefront:staff:transfers", args=[sales_point.code])))
    assert f"Chủ thể {variant_a.product.producer.name}" in staff and transfer.number in staff
    line = transfer.lines.get()
    received = client.post(reverse("storefront:staff:receive_transfer", args=[transfer.pk]),
                           {"point": sales_point.code, f"received_{line.pk}": "40"})
    assert received.status_code == 302
    movement = StockMovement.objects.get()
    assert (movement.kind, movement.on_hand_change, movement.stock.sales_point) == ("TRANSFER_IN", 40, sales_point)
    assert variant_a.product.producer.name in movement.reason
    assert audit.audit().clean
    listing = text(portal.get(reverse("producers:lots")))
    assert "Đã xuất 40 (điểm bán đã nhận 40)" in listing
    # The receipt is on the lot too: it arrived at the point (CBV receiving, sellable_accessible).
    arrival = batch.events.order_by("event_time", "id").last()
    assert (arrival.biz_step, arrival.disposition, arrival.sales_point, arrival.quantity) == (
        "receiving", "sellable_accessible", sales_point, 40)
    assert "Nhận tại điểm bán" in text(portal.get(reverse("producers:lot", args=[batch.pk])))


def test_a_retried_event_post_records_one_event_and_one_transfer(portal_client, owner_a, variant_a, sales_point):
    batch = make_lot(owner_a, variant_a)
    portal = portal_client(owner_a)
    data = event_post(point=sales_point.pk, quantity="10")
    url = reverse("producers:lot_event", args=[batch.pk, "dispatch"])
    first, again = portal.post(url, data), portal.post(url, data)
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert batch.events.count() == 1 and Transfer.objects.count() == 1
    # The same key on another kind of form is refused, not recorded.
    refused = portal.post(reverse("producers:lot_event", args=[batch.pk, "packing"]), data)
    assert refused.status_code == 400 and "tải lại trang" in text(refused)
    assert batch.events.count() == 1


def test_a_report_that_is_not_a_pdf_is_refused(portal_client, owner_a, variant_a):
    batch = make_lot(owner_a, variant_a)
    response = portal_client(owner_a).post(reverse("producers:lot_event", args=[batch.pk, "quality"]), event_post(
        passed="0", report=SimpleUploadedFile("kq.pdf", b"<html>not a pdf</html>", content_type="application/pdf")))
    assert response.status_code == 400
    assert "Tệp này không phải PDF" in text(response)
    assert not batch.events.exists()
    batch.refresh_from_db()
    assert batch.quality_documents == []


def test_a_recalled_lot_takes_no_more_events(portal_client, owner_a, variant_a):
    from traceability import services as trace

    batch = make_lot(owner_a, variant_a)
    trace.recall_batch(batch=batch, reason="Độ ẩm vượt ngưỡng")
    portal = portal_client(owner_a)
    response = portal.post(reverse("producers:lot_event", args=[batch.pk, "packing"]), event_post())
    assert response.status_code == 400 and "Lô đã bị thu hồi" in text(response)
    assert "Đã thu hồi" in text(portal.get(reverse("producers:lots")))


def test_bad_input_is_a_form_error_not_a_500(portal_client, owner_a, variant_a):
    batch = make_lot(owner_a, variant_a)
    portal = portal_client(owner_a)
    for kind, data in (("dispatch", event_post(point="abc", quantity="-1")), ("packing", event_post(event_time="x")),
                       ("harvest", event_post(key="not-a-uuid", quantity="1e99"))):
        response = portal.post(reverse("producers:lot_event", args=[batch.pk, kind]), data)
        assert response.status_code == 400, kind
    future = event_post(event_time=(timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    response = portal.post(reverse("producers:lot_event", args=[batch.pk, "packing"]), future)
    assert response.status_code == 400 and "không thể ở tương lai" in text(response)
    assert portal.get(reverse("producers:lot_event", args=[batch.pk, "nope"])).status_code == 404


# -- who sees what ---------------------------------------------------------------------------

def test_producer_b_cannot_see_or_add_events_to_a_lot_of_a(portal_client, owner_a, owner_b, member_a, variant_a,
                                                           sales_point):
    batch = make_lot(owner_a, variant_a, lot_code="A-LOT-1")
    b = portal_client(owner_b)
    assert "A-LOT-1" not in text(b.get(reverse("producers:lots")))
    assert b.get(reverse("producers:lot", args=[batch.pk])).status_code == 404
    for kind in service.KINDS:
        url = reverse("producers:lot_event", args=[batch.pk, kind])
        assert b.get(url).status_code == 404
        assert b.post(url, event_post(point=sales_point.pk, quantity="5")).status_code == 404
    assert not batch.events.exists() and not Transfer.objects.exists()
    with pytest.raises(ShopError):
        service.record_event(acting_for(owner_b), batch, "packing",
                             service.EventInput(event_time=timezone.now()), key=uuid.uuid4())
    # A's member may record (members manage lots too).
    response = portal_client(member_a).post(reverse("producers:lot_event", args=[batch.pk, "packing"]), event_post())
    assert response.status_code == 302 and batch.events.count() == 1


def test_the_lot_list_costs_the_same_queries_for_many_lots(portal_client, owner_a, variant_a, sales_point,
                                                            django_assert_max_num_queries):
    acting = acting_for(owner_a)
    for n in range(12):
        batch = make_lot(owner_a, variant_a, lot_code=f"Q-{n:02d}")
        service.record_event(acting, batch, "dispatch", service.EventInput(
            event_time=timezone.now(), quantity=2, point_id=sales_point.pk), key=uuid.uuid4())
    portal = portal_client(owner_a)
    with django_assert_max_num_queries(12):
        page = text(portal.get(reverse("producers:lots")))
    assert page.count('class="fcard lot"') == 12 and page.count("Đã xuất 2") == 12


# -- the trace page and EPCIS, unchanged ---------------------------------------------------------

def recorded_lot(owner, variant, commune, point):
    acting = acting_for(owner)
    batch = make_lot(owner, variant, commune, lot_code="TR-01")
    start = timezone.now() - datetime.timedelta(days=3)
    for i, (kind, extra) in enumerate((("harvest", {"quantity": 30}), ("processing", {}), ("packing", {"quantity": 90}),
                                       ("dispatch", {"quantity": 20, "point_id": point.pk}))):
        service.record_event(acting, batch, kind, service.EventInput(
            event_time=start + datetime.timedelta(hours=i), **extra), key=uuid.uuid4())
    report = SimpleUploadedFile("kq.pdf", PDF, content_type="application/pdf")
    service.record_event(acting, batch, "quality", service.EventInput(
        event_time=start + datetime.timedelta(hours=1, minutes=30), report=report, report_title="KN 7/2026"),
        key=uuid.uuid4(), site_url="https://ocop.example/")
    return batch


def test_the_trace_page_of_the_lot_shows_its_events(client, owner_a, variant_a, commune, sales_point):
    batch = recorded_lot(owner_a, variant_a, commune, sales_point)
    page = text(client.get(f"/q/{batch.short_code}", follow=True))
    for label in ("Thu hoạch nguyên liệu", "Sản xuất, đặt mã lô", "Kiểm tra chất lượng", "Đóng gói", "Xuất hàng"):
        assert label in page
    assert "KN 7/2026: đạt" in page


def test_the_epcis_export_of_a_portal_lot_validates(owner_a, variant_a, commune, sales_point, tmp_path):
    if not EPCIS_SCHEMA.exists():
        pytest.skip(f"GS1 EPCIS schema not found at {EPCIS_SCHEMA}")
    import jsonschema

    batch = recorded_lot(owner_a, variant_a, commune, sales_point)
    out = tmp_path / "lot.jsonld"
    call_command("export_epcis", "--batch", batch.lot_code, "--out", str(out))
    document = json.loads(out.read_text("utf-8"))
    schema = json.loads(EPCIS_SCHEMA.read_text("utf-8"))
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER).validate(document)
    events = document["epcisBody"]["eventList"]
    steps = [(e["type"], e["bizStep"], e.get("disposition")) for e in events]
    assert steps == [("ObjectEvent", "commissioning", "active"), ("TransformationEvent", "commissioning", "active"),
                     ("ObjectEvent", "inspecting", "conformant"), ("ObjectEvent", "packing", None),
                     ("ObjectEvent", "shipping", "in_transit")]
    assert TraceEvent.objects.filter(batch=batch).count() == 5
