"""The demo shop's lots: stories, codes of both kinds, recalls (the trace demo's and the producers' portal's)."""
from catalog.demo.loader import DemoLoader
from traceability import codes
from traceability.models import Batch, ItemSerial, TraceEvent
from traceability.vocabulary import harvesting_uri


def test_demo_lots_have_stories_codes_of_both_kinds_and_recalls(demo, client):
    lots = list(Batch.objects.select_related("variant__product"))
    assert len(lots) >= 40
    recalled = [b for b in lots if b.is_recalled]
    assert recalled and all(b.recall_reason for b in recalled)
    steps = set(TraceEvent.objects.values_list("biz_step", flat=True))
    assert {harvesting_uri(), "commissioning", "inspecting", "packing", "shipping", "receiving",
            "stocking"} <= steps
    with_gtin = [b for b in lots if b.variant.gtin]
    without = [b for b in lots if not b.variant.gtin]
    assert with_gtin and without
    assert all(b.variant.gtin.startswith("0952") for b in with_gtin)
    assert "/01/" in codes.link_for_batch(with_gtin[0]) and "/q/" in codes.link_for_batch(without[0])
    serials = ItemSerial.objects.select_related("batch__variant")
    assert {bool(s.batch.variant.gtin) for s in serials} == {True, False}
    page = client.get(f"/q/{recalled[0].short_code}")
    assert page.context["verdict"] == "RECALLED"
    ordered = list(recalled[0].events.order_by("event_time").values_list("event_time", flat=True))
    assert ordered == sorted(ordered)


def test_loading_the_demo_again_changes_no_lot(demo):
    before = (Batch.objects.count(), TraceEvent.objects.count(), ItemSerial.objects.count())
    DemoLoader(with_images=False).run()
    assert (Batch.objects.count(), TraceEvent.objects.count(), ItemSerial.objects.count()) == before


def test_the_province_admin_of_the_demo_may_manage_lots(demo):
    from django.contrib.auth import get_user_model

    from traceability.permissions import can_manage

    province = get_user_model().objects.get(username="tinh@ocop-dienbien.example")
    clerk = get_user_model().objects.get(username="muong-ang@ocop-dienbien.example")
    producer_id = Batch.objects.filter(variant__product__producer__isnull=False).values_list(
        "variant__product__producer_id", flat=True).first()
    assert can_manage(province, producer_id) and not can_manage(clerk, producer_id)
