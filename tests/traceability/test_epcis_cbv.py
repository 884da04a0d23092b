"""EPCIS as a GS1 reviewer reads it: GS1 identifiers (never the shop's own domain),
CBV 2.0 business step / disposition pairs, the harvest as its own lot transformed into
the finished lot, minted serials commissioned, and no production label with the
demonstration prefix 952."""
import datetime
import json
from pathlib import Path

import biip
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from catalog.gtin import make_gtin
from shop.errors import ShopError
from traceability import codes, epcis, labels, services, vocabulary
from traceability.errors import TraceabilityErrorCode
from traceability.models import ItemSerial, TraceEvent

ICT = datetime.timezone(datetime.timedelta(hours=7))
EPCIS_SCHEMA = Path(settings.BASE_DIR).parent / "shared" / "standards" / "epcis" / "EPCIS-JSON-Schema.json"
GS1 = "https://id.gs1.org"

# CBV 2.0 (ref.gs1.org/cbv, each Disp-* definition's business steps), written out here
# independently of traceability.vocabulary: disposition -> the steps it is defined for.
CBV2_PAIRS = {
    "active": {"commissioning"},
    "completeness_verified": {"unpacking", "inspecting"},
    "conformant": {"inspecting", "repairing"},
    "non_conformant": {"inspecting", "repairing"},
    "container_closed": {"staging_outbound"},
    "damaged": {"accepting", "inspecting", "receiving", "removing", "repairing", "replacing"},
    "destroyed": {"destroying"},
    "encoded": {"encoding"},
    "expired": {"holding", "staging_outbound", "storing"},
    "in_transit": {"shipping", "departing"},
    "inactive": {"decommissioning"},
    "no_pedigree_match": {"holding", "staging_outbound", "storing"},
    "non_sellable_other": {"holding", "inspecting", "staging_outbound", "storing"},
    "recalled": {"holding", "staging_outbound", "storing"},
    "reserved": {"reserving"},
    "retail_sold": {"retail_selling"},
    "returned": {"receiving", "holding", "shipping"},
    "sellable_accessible": {"stocking", "receiving"},
    "sellable_not_accessible": {"receiving", "storing", "loading", "holding", "inspecting"},
}


def cbv_allows(step: str, disposition: str | None) -> bool:
    if not disposition:
        return True
    if step == "retail_selling":
        return disposition == "retail_sold"
    return disposition not in CBV2_PAIRS or step in CBV2_PAIRS[disposition]


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=ICT)


def validate(document: dict) -> None:
    if not EPCIS_SCHEMA.exists():
        pytest.skip(f"GS1 EPCIS schema not found at {EPCIS_SCHEMA} (../shared/ is absent)")
    import jsonschema

    schema = json.loads(EPCIS_SCHEMA.read_text("utf-8"))
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER).validate(document)


def uris(value):
    """Every string in an exported document that looks like a URI."""
    if isinstance(value, dict):
        for item in value.values():
            yield from uris(item)
    elif isinstance(value, list):
        for item in value:
            yield from uris(item)
    elif isinstance(value, str) and "://" in value:
        yield value


@pytest.fixture
def full_story(lot_factory, sales_point):
    """A lot from harvest to sale, a sales point with a GLN, a producer without one, two runs of serials."""
    sales_point.gln = make_gtin("893123400001")[1:]  # a 13-digit GLN with its check digit
    sales_point.save(update_fields=["gln"])
    lot = lot_factory()
    TraceEvent.objects.filter(batch=lot, biz_step=vocabulary.harvesting_uri()).update(quantity=250, uom="KGM")
    day = lot.production_date
    for step, disposition, days, point in (
        ("shipping", "in_transit", 4, None),
        ("receiving", "sellable_not_accessible", 5, sales_point),
        ("stocking", "sellable_accessible", 5, sales_point),
        ("retail_selling", "retail_sold", 6, sales_point),
    ):
        services.add_event(batch=lot, biz_step=step, disposition=disposition, event_time=at(day + datetime.timedelta(days=days), 9),
                           sales_point=point)
    # A lot recorded before the pairs were checked said "retail_selling, sellable_accessible" for "on the shelf".
    TraceEvent.objects.create(batch=lot, biz_step="retail_selling", disposition="sellable_accessible",
                              event_time=at(day + datetime.timedelta(days=5), 16), sales_point=sales_point)
    first = services.mint_serials(batch=lot, count=3)
    ItemSerial.objects.filter(serial__in=first).update(created_at=at(day + datetime.timedelta(days=2), 15))
    second = services.mint_serials(batch=lot, count=2)
    return lot, first, second, sales_point


def test_the_cbv_pairs_table_is_cbv_2_0s():
    assert {d: set(steps) for d, steps in vocabulary.DISPOSITION_STEPS.items()} == CBV2_PAIRS
    assert set(CBV2_PAIRS) <= vocabulary.CBV_DISPOSITIONS
    assert set().union(*CBV2_PAIRS.values()) <= vocabulary.CBV_BIZ_STEPS
    assert vocabulary.pair_allowed("retail_selling", "retail_sold")
    assert not vocabulary.pair_allowed("retail_selling", "sellable_accessible")
    assert vocabulary.pair_allowed("stocking", "sellable_accessible")
    assert vocabulary.pair_allowed("storing", "sellable_not_accessible")
    assert not vocabulary.pair_allowed("packing", "active")


def test_every_exported_step_goes_with_a_disposition_cbv_defines_for_it(full_story, tmp_path):
    lot, *_ = full_story
    services.recall_batch(batch=lot, reason="Kiểm tra lại độ ẩm")
    out = tmp_path / "lot.jsonld"
    call_command("export_epcis", "--batch", lot.lot_code, "--out", str(out))
    document = json.loads(out.read_text("utf-8"))
    validate(document)
    events = document["epcisBody"]["eventList"]
    pairs = [(e["bizStep"], e.get("disposition")) for e in events]
    assert all(cbv_allows(step, disposition) for step, disposition in pairs), pairs
    assert ("retail_selling", "retail_sold") in pairs and ("holding", "recalled") in pairs
    assert pairs.count(("stocking", "sellable_accessible")) == 2  # the old "retail_selling" shelf event too
    assert ("retail_selling", "sellable_accessible") not in pairs
    assert all(step in vocabulary.CBV_BIZ_STEPS for step, _ in pairs)  # no private step left in the export
    times = [datetime.datetime.fromisoformat(e["eventTime"]) for e in events]
    assert times == sorted(times)


def test_the_service_refuses_a_pair_cbv_does_not_define(lot):
    when = at(lot.production_date + datetime.timedelta(days=3), 9)
    with pytest.raises(ShopError) as refused:
        services.add_event(batch=lot, biz_step="retail_selling", disposition="sellable_accessible", event_time=when)
    assert refused.value.code == TraceabilityErrorCode.INVALID_DISPOSITION
    assert "retail_sold" in refused.value.message_en and "stocking" in refused.value.message_en
    assert "retail_sold" in refused.value.message_vi
    event = services.add_event(batch=lot, biz_step="stocking", disposition="sellable_accessible", event_time=when)
    assert (event.biz_step, event.disposition) == ("stocking", "sellable_accessible")
    assert vocabulary.step_label("stocking", "en") == "On sale"


def test_lots_items_and_places_have_gs1_identifiers_not_our_domain(full_story, settings):
    lot, first, second, point = full_story
    settings.SITE_URL = "https://ocop.dienbien.example"
    document = epcis.document(lot)
    validate(document)
    assert not [u for u in uris(document) if u.startswith(settings.SITE_URL) or u.startswith("http://")]
    events = document["epcisBody"]["eventList"]
    lot_uri = f"{GS1}/01/{lot.variant.gtin}/10/{lot.lot_code}"
    observed = [e for e in events if e["type"] == "ObjectEvent" and e.get("quantityList")
                and e["bizStep"] != "commissioning"]
    assert observed and {e["quantityList"][0]["epcClass"] for e in observed} == {lot_uri}
    # Serials appear, commissioned in one event per run, as SGTINs in GS1 Digital Link form.
    runs = [e for e in events if e.get("epcList")]
    assert [(e["action"], e["bizStep"], e["disposition"]) for e in runs] == [("ADD", "commissioning", "active")] * 2
    assert [e["epcList"] for e in runs] == [
        [f"{GS1}/01/{lot.variant.gtin}/21/{s}" for s in first], [f"{GS1}/01/{lot.variant.gtin}/21/{s}" for s in second]]
    assert len({e["eventID"] for e in events}) == len(events)
    assert [e["eventID"] for e in runs] == [e["eventID"] for e in epcis.document(lot)["epcisBody"]["eventList"]
                                           if e.get("epcList")]  # stable from one export to the next
    for uri in (lot_uri, runs[0]["epcList"][0]):
        parsed = biip.parse(uri)
        assert parsed.gs1_digital_link_uri_error is None
        assert parsed.gs1_digital_link_uri.element_strings[0].gtin is not None
    # The sales point has a GLN: GS1's form; the producer has none: the shop's private vocabulary.
    at_point = [e for e in events if e.get("ocop:place") == point.name]
    assert at_point and {e["readPoint"]["id"] for e in at_point} == {f"{GS1}/414/{point.gln}"}
    producer = lot.variant.product.producer
    assert runs[0]["readPoint"]["id"] == f"{settings.TRACE_VOCABULARY}location/producer/{producer.slug}"
    producer.gln = point.gln
    producer.save(update_fields=["gln"])
    lot.refresh_from_db()
    again = epcis.document(lot)["epcisBody"]["eventList"]
    assert {e["readPoint"]["id"] for e in again if e.get("epcList")} == {f"{GS1}/414/{point.gln}"}


def test_a_lot_without_gtin_keeps_the_shops_vocabulary_never_its_domain(lot_factory, settings):
    lot = lot_factory(gtin=False)
    serials = services.mint_serials(batch=lot, count=2)
    document = epcis.document(lot)
    validate(document)
    assert not [u for u in uris(document) if u.startswith(settings.SITE_URL)]
    events = document["epcisBody"]["eventList"]
    assert events[-1]["epcList"] == [f"{settings.TRACE_VOCABULARY}item/{s}" for s in serials]
    assert events[2]["quantityList"][0]["epcClass"] == f"{settings.TRACE_VOCABULARY}lot/{lot.short_code}"


def test_harvest_is_the_raw_materials_own_lot_transformed_into_the_finished_lot(full_story):
    lot, *_ = full_story
    events = epcis.document(lot)["epcisBody"]["eventList"]
    harvest, made = events[0], events[1]
    raw = epcis.raw_material_class(lot)
    lot_uri = f"{GS1}/01/{lot.variant.gtin}/10/{lot.lot_code}"
    assert raw != lot_uri and not raw.startswith(GS1)
    assert (harvest["type"], harvest["action"], harvest["bizStep"], harvest["disposition"]) == (
        "ObjectEvent", "ADD", "commissioning", "active")
    assert harvest["quantityList"] == [{"epcClass": raw, "quantity": 250.0, "uom": "KGM"}]
    assert made["type"] == "TransformationEvent" and "action" not in made
    assert made["inputQuantityList"] == [{"epcClass": raw, "quantity": 250.0, "uom": "KGM"}]
    assert made["outputQuantityList"] == [{"epcClass": lot_uri, "quantity": float(lot.quantity), "uom": "H87"}]
    assert made["ilmd"]["cbvmda:lotNumber"] == lot.lot_code
    assert made["ilmd"]["cbvmda:itemExpirationDate"] == lot.expiry_date.isoformat()
    assert [e for e in events if "ilmd" in e] == [made]  # only the finished lot's commissioning


def test_a_lot_without_harvest_is_commissioned_by_an_object_event_with_its_ilmd(lot_factory):
    lot = lot_factory()
    TraceEvent.objects.filter(batch=lot, biz_step=vocabulary.harvesting_uri()).delete()
    events = epcis.document(lot)["epcisBody"]["eventList"]
    assert [e["type"] for e in events] == ["ObjectEvent"] * 3
    assert (events[0]["action"], events[0]["bizStep"], events[0]["disposition"]) == ("ADD", "commissioning", "active")
    assert [e for e in events if "ilmd" in e] == [events[0]]


def test_print_labels_refuses_the_demo_prefix_952_in_production(lot, tmp_path, settings):
    settings.DEBUG = False
    assert lot.variant.gtin.startswith("0952")
    with pytest.raises(CommandError) as refused:
        call_command("print_labels", "--batch", lot.lot_code, "--count", "5", "--out", str(tmp_path / "x.pdf"))
    message = str(refused.value)
    assert "952" in message and "893" in message and "GS1 Việt Nam" in message and "GS1 Vietnam" in message
    assert "--demo" in message
    assert not ItemSerial.objects.filter(batch=lot).exists() and not (tmp_path / "x.pdf").exists()
    call_command("print_labels", "--batch", lot.lot_code, "--count", "5", "--out", str(tmp_path / "x.pdf"), "--demo")
    assert (tmp_path / "x.pdf").read_bytes().startswith(b"%PDF") and ItemSerial.objects.filter(batch=lot).count() == 5
    with pytest.raises(ShopError) as service_refused:
        labels.print_labels(lot, None, tmp_path / "y.pdf", copies=1)
    assert service_refused.value.code == TraceabilityErrorCode.DEMO_GTIN


def test_print_labels_prints_real_gtins_and_demo_ones_while_debugging(lot_factory, tmp_path, settings):
    settings.DEBUG = False
    real = lot_factory()
    real.variant.gtin = make_gtin("893604900001")
    real.variant.save(update_fields=["gtin"])
    call_command("print_labels", "--batch", real.lot_code, "--count", "2", "--out", str(tmp_path / "real.pdf"))
    assert (tmp_path / "real.pdf").read_bytes().startswith(b"%PDF")
    for serial in real.serials.values_list("serial", flat=True):
        parsed = biip.parse(labels.labels_for_batch(real, [serial])[0].url)
        assert parsed.gs1_digital_link_uri_error is None
        assert {e.ai.ai: e.value for e in parsed.gs1_digital_link_uri.element_strings} == {
            "01": real.variant.gtin, "10": real.lot_code, "21": serial}
    settings.DEBUG = True  # `make run`: the demo's 952 GTINs still print
    demo = lot_factory()
    call_command("print_labels", "--batch", demo.lot_code, "--out", str(tmp_path / "demo.pdf"))
    assert (tmp_path / "demo.pdf").read_bytes().startswith(b"%PDF")
    assert labels.is_demo_gtin(demo.variant.gtin) and not labels.is_demo_gtin(real.variant.gtin)
    assert labels.is_demo_gtin("00000095200009") and not labels.is_demo_gtin(None)
    assert codes.link_for_batch(demo).startswith(settings.SITE_URL)  # labels still point at our resolver
