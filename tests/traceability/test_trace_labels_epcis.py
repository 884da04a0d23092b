"""Label sheets, the admin action, and the EPCIS export."""
import datetime
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from catalog.gtin import make_gtin
from traceability import codes, labels
from traceability.models import ItemSerial

EPCIS_SCHEMA = Path(settings.BASE_DIR).parent / "shared" / "standards" / "epcis" / "EPCIS-JSON-Schema.json"


def test_print_labels_mints_serials_and_lays_them_out_on_a4_sheets(lot, tmp_path, capsys):
    out = tmp_path / "tem.pdf"
    call_command("print_labels", "--batch", lot.lot_code.lower(), "--count", "30", "--out", str(out), "--demo")
    assert out.read_bytes().startswith(b"%PDF")
    assert ItemSerial.objects.filter(batch=lot).count() == 30
    printed = capsys.readouterr().out
    assert "30 serial labels" in printed and "2 A4 page" in printed
    assert all(codes.verify_serial(s) for s in ItemSerial.objects.values_list("serial", flat=True))


def test_labels_carry_the_code_lot_expiry_and_stars_only_while_valid(lot_factory):
    valid, lapsed = lot_factory(), lot_factory(decided=datetime.date(2019, 1, 1))
    label = labels.labels_for_batch(valid, ["ABC"])[0]
    assert (label.lot, label.expiry, label.stars) == (valid.lot_code, valid.expiry_date, 4)
    assert label.url == codes.link_for_serial(valid, "ABC") and label.code == "ABC"
    assert labels.labels_for_batch(lapsed, ["ABC"])[0].stars is None
    lot_level = labels.labels_for_batch(valid, copies=24)
    assert len(lot_level) == 24 and {x.url for x in lot_level} == {codes.link_for_batch(valid)}
    assert lot_level[0].code == codes.pretty(valid.short_code)


def test_print_labels_without_count_prints_lot_level_labels(lot, tmp_path):
    out = tmp_path / "lo.pdf"
    call_command("print_labels", "--batch", lot.lot_code, "--out", str(out), "--demo")
    assert out.read_bytes().startswith(b"%PDF") and not ItemSerial.objects.exists()


def test_print_labels_explains_a_missing_or_recalled_lot(lot, tmp_path):
    with pytest.raises(CommandError, match="NOPE"):
        call_command("print_labels", "--batch", "NOPE", "--out", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="GTIN"):
        call_command("print_labels", "--batch", lot.lot_code, "--gtin", "123", "--out", str(tmp_path / "x.pdf"))
    from traceability import services

    services.recall_batch(batch=lot, reason="Hỏng bao bì")
    with pytest.raises(CommandError):
        call_command("print_labels", "--batch", lot.lot_code, "--count", "5", "--out", str(tmp_path / "x.pdf"), "--demo")


def test_staff_print_serial_labels_from_the_admin(client, lot):
    admin = get_user_model().objects.create_superuser("boss@example.vn", "boss@example.vn", None)
    client.force_login(admin)
    action = {"action": "print_serial_labels", "_selected_action": [lot.pk]}
    # GS1's demonstration prefix 952 prints no production labels (DEBUG is off in tests), and mints nothing.
    refused = client.post("/admin/traceability/batch/", action, follow=True)
    assert refused["Content-Type"].startswith("text/html") and "952" in refused.content.decode()
    assert not ItemSerial.objects.filter(batch=lot).exists()

    lot.variant.gtin = make_gtin("893999000001")
    lot.variant.save(update_fields=["gtin"])
    response = client.post("/admin/traceability/batch/", action)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and ItemSerial.objects.filter(batch=lot).count() == 24


def test_export_epcis_is_valid_against_gs1_schema(lot, tmp_path):
    if not EPCIS_SCHEMA.exists():
        pytest.skip(f"GS1 EPCIS schema not found at {EPCIS_SCHEMA} (../shared/ is absent)")
    import jsonschema

    from traceability import services

    services.recall_batch(batch=lot, reason="Kiểm tra lại độ ẩm")
    out = tmp_path / "lot.jsonld"
    call_command("export_epcis", "--batch", lot.lot_code, "--out", str(out))
    document = json.loads(out.read_text("utf-8"))
    schema = json.loads(EPCIS_SCHEMA.read_text("utf-8"))
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER).validate(document)
    events = document["epcisBody"]["eventList"]
    assert [(e["type"], e["bizStep"]) for e in events] == [
        ("ObjectEvent", "commissioning"), ("TransformationEvent", "commissioning"), ("ObjectEvent", "inspecting"),
        ("ObjectEvent", "packing"), ("ObjectEvent", "holding")]
    assert events[-1]["disposition"] == "recalled"
    assert all(e["eventTimeZoneOffset"] == "+07:00" and e["eventTime"].endswith("+07:00") for e in events)
    assert events[1]["ilmd"]["cbvmda:lotNumber"] == lot.lot_code
    assert events[2]["quantityList"][0]["epcClass"] == f"https://id.gs1.org/01/{lot.variant.gtin}/10/{lot.lot_code}"


def test_minting_is_a_bulk_insert_not_a_query_per_serial(lot):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from traceability import services

    with CaptureQueriesContext(connection) as ctx:
        serials = services.mint_serials(batch=lot, count=20_000)
    assert len(ctx.captured_queries) <= 10
    assert len(set(serials)) == 20_000 == ItemSerial.objects.filter(batch=lot).count()
