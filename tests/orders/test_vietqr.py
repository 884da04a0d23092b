"""VietQR transfers: the payload as a bank app reads it, and which account receives the money.

The QR images are decoded by a real decoder (zxing-cpp) and the payload is read by a parser
written here from the specification (EMVCo merchant-presented QR as NAPAS's VietQR profile uses
it), not by importing the generator: a mistake in orders/vietqr.py cannot hide in both.
"""
import io
import string

import pytest
import zxingcpp
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from PIL import Image

from orders import banks, vietqr
from orders.models import PaymentAccount
from shop.errors import ShopError
from shop.models import District, SalesPoint, StaffAssignment
from tests.vietqr_reader import crc_ccitt_false


# -- an independent reader of the payload ------------------------------------------------------
def read_objects(text: str) -> list[tuple[str, str]]:
    """ID (2 digits) + length (2 digits) + value, repeated to the end, nothing left over."""
    objects, i = [], 0
    while i < len(text):
        assert i + 4 <= len(text), f"truncated header at {i}: {text[i:]!r}"
        tag, size = text[i:i + 2], text[i + 2:i + 4]
        assert tag.isdigit() and size.isdigit(), f"bad header {text[i:i + 4]!r} at {i}"
        value = text[i + 4:i + 4 + int(size)]
        assert int(size) >= 1 and len(value) == int(size), f"object {tag} runs past the end"
        objects.append((tag, value))
        i += 4 + int(size)
    return objects


def as_dict(objects: list[tuple[str, str]]) -> dict[str, str]:
    tags = [t for t, _ in objects]
    assert len(tags) == len(set(tags)), f"repeated IDs {tags}"
    return dict(objects)


def parse_vietqr(text: str) -> dict:
    """The payload's fields, nested templates as dicts; checks the framing rules and the CRC."""
    assert text.isascii()
    top = read_objects(text)
    assert top[0] == ("00", "01"), "the payload format indicator comes first"
    assert top[-1][0] == "63" and len(top[-1][1]) == 4, "the CRC comes last, 4 characters"
    crc = top[-1][1]
    assert crc == crc.upper() and all(c in string.hexdigits for c in crc)
    assert int(crc, 16) == crc_ccitt_false(text[:-4].encode("ascii")), "CRC mismatch"
    fields = as_dict(top)
    fields["38"] = as_dict(read_objects(fields["38"]))
    fields["38"]["01"] = as_dict(read_objects(fields["38"]["01"]))
    fields["62"] = as_dict(read_objects(fields["62"]))
    return fields


def decode_png(png: bytes):
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1 and found[0].format == zxingcpp.BarcodeFormat.QRCode
    return found[0]


def expected_fields(bin_code, account, amount, content) -> dict:
    return {
        "00": "01", "01": "12",
        "38": {"00": "A000000727", "01": {"00": bin_code, "01": account}, "02": "QRIBFTTA"},
        "53": "704", "54": str(amount), "58": "VN", "62": {"08": content},
    }


def without_crc(fields: dict) -> dict:
    return {k: v for k, v in fields.items() if k != "63"}


# -- the checksum --------------------------------------------------------------------------------
def test_crc_matches_the_published_check_value():
    # CRC-16/CCITT-FALSE's check value (the CRC catalogue's "123456789" vector).
    assert crc_ccitt_false(b"123456789") == 0x29B1
    assert vietqr.crc16(b"123456789") == 0x29B1
    assert vietqr.crc16(b"") == 0xFFFF


def test_the_reader_refuses_a_damaged_payload():
    text = vietqr.payload(bank_bin="970436", account_number="0011001234567", amount_vnd=250_000, content="DB000042")
    parse_vietqr(text)
    changed = text.replace("250000", "950000")
    with pytest.raises(AssertionError, match="CRC mismatch"):
        parse_vietqr(changed)
    with pytest.raises(AssertionError):
        parse_vietqr(text[:-1])


# -- the QR code as a banking app scans it -----------------------------------------------------
def test_png_decodes_to_the_payload_field_by_field():
    png = vietqr.png(vietqr.payload(bank_bin="970436", account_number="0011001234567", amount_vnd=185_000,
                                    content="DB000123"))
    assert png.startswith(b"\x89PNG")
    scanned = decode_png(png)
    assert scanned.ec_level == "M"
    fields = parse_vietqr(scanned.text)
    assert list(fields) == ["00", "01", "38", "53", "54", "58", "62", "63"], "IDs in ascending order, CRC last"
    assert fields["00"] == "01"                      # payload format indicator
    assert fields["01"] == "12"                      # dynamic: one transfer, one amount
    assert fields["38"]["00"] == "A000000727"        # NAPAS
    assert fields["38"]["01"]["00"] == "970436"      # Vietcombank's BIN
    assert fields["38"]["01"]["01"] == "0011001234567"
    assert fields["38"]["02"] == "QRIBFTTA"          # transfer to an account
    assert fields["53"] == "704"                     # VND
    assert fields["54"] == "185000"                  # whole đồng
    assert fields["58"] == "VN"
    assert fields["62"] == {"08": "DB000123"}        # the purpose: the order code
    assert scanned.text.endswith("6304" + fields["63"])


def test_png_keeps_the_quiet_zone_and_svg_is_an_inline_element():
    data = vietqr.payload(bank_bin="970418", account_number="8000000000002", amount_vnd=1, content="A")
    image = Image.open(io.BytesIO(vietqr.png(data, scale=2))).convert("L")
    modules = vietqr.qr_code(data).symbol_size(scale=1, border=0)[0]
    assert image.size == ((modules + 2 * 4) * 2,) * 2
    border = [image.getpixel((x, y)) for x in range(8) for y in range(image.size[1])]
    assert min(border) == 255, "4 white modules around the symbol"
    svg = vietqr.svg(data, title="VietQR DB000001")
    assert svg.startswith("<svg") and "<title>VietQR DB000001</title>" in svg and "<?xml" not in svg


@examples(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(amount=st.integers(1, vietqr.MAX_AMOUNT_VND),
       content=st.text(string.ascii_uppercase + string.digits, min_size=1, max_size=25))
def test_scanned_amounts_and_order_codes_round_trip(amount, content):
    png = vietqr.png(vietqr.payload(bank_bin="970405", account_number="8000000000001", amount_vnd=amount,
                                    content=content), scale=3)
    fields = parse_vietqr(decode_png(png).text)
    assert without_crc(fields) == expected_fields("970405", "8000000000001", amount, content)


@examples(max_examples=300, deadline=None)
@given(amount=st.integers(1, vietqr.MAX_AMOUNT_VND),
       content=st.text(string.ascii_uppercase + string.digits, min_size=1, max_size=25),
       bin_code=st.text(string.digits, min_size=6, max_size=6),
       account=st.text(string.ascii_uppercase + string.digits, min_size=1, max_size=19))
def test_any_valid_transfer_round_trips_through_the_reader(amount, content, bin_code, account):
    text = vietqr.payload(bank_bin=bin_code, account_number=account, amount_vnd=amount, content=content)
    assert without_crc(parse_vietqr(text)) == expected_fields(bin_code, account, amount, content)
    # Only characters of the QR alphanumeric mode: the smallest symbol for the data.
    assert set(text) <= set(string.digits + string.ascii_uppercase)


@examples(max_examples=200, deadline=None)
@given(number=st.from_regex(r"[A-Za-zĐđ -]{0,4}[0-9]{1,12}", fullmatch=True))
def test_transfer_content_of_an_order_number_is_uppercase_letters_and_digits(number):
    content = vietqr.transfer_content(number)
    assert content.isascii() and content.isalnum() and content == content.upper() and len(content) <= 25
    assert content.endswith("".join(c for c in number if c.isdigit()))
    assert parse_vietqr(vietqr.payload(bank_bin="970436", account_number="1", amount_vnd=1, content=content))["62"]["08"] == content


def test_transfer_content_examples():
    assert vietqr.transfer_content("DB000123") == "DB000123"
    assert vietqr.transfer_content("db-000123") == "DB000123"
    assert vietqr.transfer_content("Đơn 12") == "DON12"
    with pytest.raises(ShopError) as too_long:
        vietqr.transfer_content("DB" + "1" * 24)
    assert too_long.value.code == "vietqr_bad_content"


# -- bad inputs -----------------------------------------------------------------------------------
GOOD = {"bank_bin": "970436", "account_number": "0011001234567", "amount_vnd": 100_000, "content": "DB000001"}


@pytest.mark.parametrize(("change", "code", "field"), [
    ({"bank_bin": "97043"}, "vietqr_bad_bin", "bank_bin"),
    ({"bank_bin": "9704366"}, "vietqr_bad_bin", "bank_bin"),
    ({"bank_bin": "97O436"}, "vietqr_bad_bin", "bank_bin"),
    ({"bank_bin": 970436}, "vietqr_bad_bin", "bank_bin"),
    ({"account_number": ""}, "vietqr_bad_account", "account_number"),
    ({"account_number": "1" * 20}, "vietqr_bad_account", "account_number"),
    ({"account_number": "SỐ123"}, "vietqr_bad_account", "account_number"),
    ({"account_number": "12/34"}, "vietqr_bad_account", "account_number"),
    ({"amount_vnd": 0}, "vietqr_bad_amount", "amount"),
    ({"amount_vnd": -5}, "vietqr_bad_amount", "amount"),
    ({"amount_vnd": vietqr.MAX_AMOUNT_VND + 1}, "vietqr_bad_amount", "amount"),
    ({"amount_vnd": 1500.5}, "vietqr_bad_amount", "amount"),
    ({"amount_vnd": "100000"}, "vietqr_bad_amount", "amount"),
    ({"amount_vnd": True}, "vietqr_bad_amount", "amount"),
    ({"content": ""}, "vietqr_bad_content", "content"),
    ({"content": "db000001"}, "vietqr_bad_content", "content"),
    ({"content": "DB 000001"}, "vietqr_bad_content", "content"),
    ({"content": "ĐB000001"}, "vietqr_bad_content", "content"),
    ({"content": "X" * 26}, "vietqr_bad_content", "content"),
    ({"content": None}, "vietqr_bad_content", "content"),
])
def test_bad_inputs_give_clear_bilingual_errors(change, code, field):
    with pytest.raises(ShopError) as error:
        vietqr.payload(**{**GOOD, **change})
    assert error.value.code == code and error.value.field == field
    assert error.value.message_vi != error.value.message_en
    assert str(next(iter(change.values()))) in error.value.message_en, "the message names the bad value"


def test_accepted_inputs_at_the_limits():
    text = vietqr.payload(bank_bin=" 970436 ", account_number="0011 0012-3456.7", amount_vnd=vietqr.MAX_AMOUNT_VND,
                          content="Z" * 25)
    fields = parse_vietqr(text)
    assert fields["38"]["01"] == {"00": "970436", "01": "0011001234567"}
    assert fields["54"] == "500000000" and fields["62"]["08"] == "Z" * 25
    assert parse_vietqr(vietqr.payload(**{**GOOD, "account_number": "dienbienocop"}))["38"]["01"]["01"] == "DIENBIENOCOP"


# -- reading the code back from a bank's statement line ---------------------------------------------
@pytest.mark.parametrize(("line", "codes"), [
    ("DB000123", ["DB000123"]),
    ("MBVCB.3412345.DB000123.CT tu 0011001234567 NGUYEN VAN A", ["DB000123"]),
    ("db000123 FT25091234567", ["DB000123"]),
    ("IBFTDB000123", ["DB000123"]),
    ("DB 000123 va DB-000124 DB000123", ["DB000123", "DB000124"]),
    ("chuyen tien DB123 hang", []),
    ("NGUYEN VAN A chuyen tien", []),
])
def test_order_codes_are_found_in_statement_lines(line, codes, settings):
    settings.ORDER_NUMBER_PREFIX = "DB"
    assert vietqr.order_codes_in(line) == codes


# -- the bank list ---------------------------------------------------------------------------------
def test_bank_list_has_the_major_banks_with_napas_bins():
    expected = {"970436": "Vietcombank", "970415": "VietinBank", "970418": "BIDV", "970405": "Agribank",
                "970422": "MB Bank", "970407": "Techcombank", "970416": "ACB", "970432": "VPBank",
                "970423": "TPBank", "970403": "Sacombank", "970449": "LPBank"}
    for bin_code, short in expected.items():
        assert banks.bank(bin_code).short_name == short
    every = banks.banks()
    assert len({b.bin for b in every}) == len(every) == len({b.code for b in every}) >= 30
    assert all(len(b.bin) == 6 and b.bin.isdigit() and b.name.startswith("Ngân hàng") for b in every)
    assert "LienVietPostBank" in banks.bank("970449").formerly
    choices = banks.bank_choices()
    labels = [label for _, label in choices]
    assert labels == sorted(labels, key=str.casefold) and labels[0].startswith("ABBANK — ")
    assert dict(choices)["970405"] == "Agribank — Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam"
    assert banks.bank("123456") is None


# -- receiving accounts ----------------------------------------------------------------------------
@pytest.fixture
def points(db):
    district, _ = District.objects.get_or_create(code="102", defaults={"name": "Huyện Mường Ảng"})

    def point(code):
        return SalesPoint.objects.create(code=code, name=f"Điểm {code}", kind="DISTRICT", district=district,
                                         address="Chợ", latitude=21.5, longitude=103.2)

    return {code: point(code) for code in ("tinh", "muong-ang", "tuan-giao")}


def account(point=None, number="8000000000001", *, active=True, bin_code="970405", name="Trung tâm OCOP"):
    return PaymentAccount.objects.create(sales_point=point, bank_bin=bin_code, account_number=number,
                                         account_name=name, is_active=active)


def test_a_point_uses_its_own_active_account_else_the_default(points, django_assert_num_queries):
    default = account()
    own = account(points["muong-ang"], "8000000000002", bin_code="970418")
    account(points["tuan-giao"], "8000000000003", active=False)
    with django_assert_num_queries(1):
        assert vietqr.account_for(points["muong-ang"].pk) == own
    with django_assert_num_queries(1):
        assert vietqr.account_for(points["tuan-giao"].pk) == default, "an inactive account is ignored"
    assert vietqr.account_for(points["tinh"].pk) == default
    assert vietqr.account_for(None) == default
    with django_assert_num_queries(1):
        assert vietqr.account_for_points([points["muong-ang"].pk, points["muong-ang"].pk]) == own
    assert vietqr.account_for_points([points["muong-ang"].pk, points["tinh"].pk]) == default


def test_without_a_default_only_points_with_accounts_take_transfers(points):
    own = account(points["muong-ang"], "8000000000002")
    account(None, "8000000000009", active=False)
    assert vietqr.account_for(points["muong-ang"].pk) == own
    assert vietqr.account_for(points["tinh"].pk) is None and vietqr.account_for(None) is None
    with pytest.raises(ShopError) as error:
        vietqr.require_account(points["tinh"].pk)
    assert error.value.code == "vietqr_no_account" and error.value.field == "payment_method"
    assert vietqr.require_account(points["muong-ang"].pk) == own


def test_one_active_default_and_one_active_account_per_point(points):
    account()
    account(points["muong-ang"], "8000000000002")
    with pytest.raises(IntegrityError), transaction.atomic():
        account(None, "8000000000003")
    with pytest.raises(IntegrityError), transaction.atomic():
        account(points["muong-ang"], "8000000000004")
    # Retired accounts may pile up beside the active ones.
    account(None, "8000000000005", active=False)
    account(None, "8000000000006", active=False)
    account(points["muong-ang"], "8000000000007", active=False)
    duplicate = PaymentAccount(sales_point=points["muong-ang"], bank_bin="970405", account_number="1",
                               account_name="X")
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "đã có một tài khoản đang dùng" in str(error.value)
    assert PaymentAccount.objects.filter(is_active=True).count() == 2


def test_the_account_is_stored_as_banks_print_it(points):
    saved = account(points["muong-ang"], " 0011-0012 3456 ", name="  Hợp tác xã   Chè Tủa Chùa  ")
    saved.refresh_from_db()
    assert saved.account_number == "001100123456" and saved.account_name == "HOP TAC XA CHE TUA CHUA"
    unknown = PaymentAccount(bank_bin="123456", account_number="1", account_name="A")
    with pytest.raises(ValidationError) as error:
        unknown.full_clean()
    assert set(error.value.message_dict) == {"bank_bin"}
    bad = PaymentAccount(bank_bin="970436", account_number="12/34", account_name="!!!")
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert set(error.value.message_dict) == {"account_number", "account_name"}
    with pytest.raises(ShopError):
        account(None, "12/34")
    assert not PaymentAccount.objects.filter(account_number="12/34").exists()


def test_transfer_for_an_order_shows_what_the_qr_holds(points):
    own = account(points["muong-ang"], "8000000000002", bin_code="970418", name="Điểm bán Mường Ảng")
    transfer = vietqr.transfer_for(own, amount_vnd=356_000, order_number="DB000777")
    assert (transfer.bank.short_name, transfer.account_number, transfer.account_name) == (
        "BIDV", "8000000000002", "DIEM BAN MUONG ANG")
    assert (transfer.amount_vnd, transfer.content) == (356_000, "DB000777")
    assert without_crc(parse_vietqr(decode_png(transfer.png()).text)) == expected_fields(
        "970418", "8000000000002", 356_000, "DB000777")
    assert transfer.svg().startswith("<svg")
    PaymentAccount.objects.filter(pk=own.pk).update(bank_bin="999999")  # a bank that left NAPAS's list
    own.refresh_from_db()
    with pytest.raises(ShopError) as error:
        vietqr.transfer_for(own, amount_vnd=1, order_number="DB000777")
    assert error.value.code == "vietqr_unknown_bank"


def test_demo_shop_has_an_illustrative_default_and_a_muong_ang_account(db, demo_without_lots):
    from catalog.demo.loader import DemoLoader

    with demo_without_lots():
        DemoLoader(with_images=False).run()
    accounts = {a.sales_point.code if a.sales_point else None: a for a in PaymentAccount.objects.select_related("sales_point")}
    assert set(accounts) == {None, "muong-ang"}
    assert all(a.is_active and a.account_name.endswith("DEMO") for a in accounts.values())
    muong_ang = SalesPoint.objects.get(code="muong-ang")
    assert vietqr.account_for(muong_ang.pk) == accounts["muong-ang"]
    assert vietqr.account_for(SalesPoint.objects.get(code="tinh").pk) == accounts[None]
    # Loading the demo again adds nothing.
    with demo_without_lots():
        DemoLoader(with_images=False).run()
    assert PaymentAccount.objects.count() == 2


# -- the admin ---------------------------------------------------------------------------------------
def test_province_admins_edit_accounts_and_point_staff_do_not(points, client):
    User = get_user_model()
    province = User.objects.create_user("tinh@example.test", password="x", is_staff=True)
    StaffAssignment.objects.create(user=province, sales_point=None, role="province")
    clerk = User.objects.create_user("ma@example.test", password="x", is_staff=True)
    StaffAssignment.objects.create(user=clerk, sales_point=points["muong-ang"], role="manager")

    client.force_login(province)
    response = client.post("/admin/orders/paymentaccount/add/", {
        "sales_point": points["muong-ang"].pk, "bank_bin": "970436", "account_number": "0011 0012 34",
        "account_name": "Điểm bán Mường Ảng", "is_active": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = PaymentAccount.objects.get()
    assert (saved.account_number, saved.account_name) == ("0011001234", "DIEM BAN MUONG ANG")
    listing = client.get("/admin/orders/paymentaccount/")
    assert listing.status_code == 200 and "DIEM BAN MUONG ANG" in listing.content.decode()
    refused = client.post("/admin/orders/paymentaccount/add/", {
        "sales_point": points["muong-ang"].pk, "bank_bin": "970436", "account_number": "1",
        "account_name": "B", "is_active": "on",
    })
    assert refused.status_code == 200 and "đã có một tài khoản đang dùng" in refused.content.decode()

    client.force_login(clerk)
    assert client.get("/admin/orders/paymentaccount/").status_code == 403
    assert client.get(f"/admin/orders/paymentaccount/{saved.pk}/change/").status_code == 403
