"""Paying by bank transfer in the browser (without JavaScript): the method on the payment step, the
status page's VietQR code (read back from the page's own SVG by a real QR decoder), the page
turning to paid when the bank feed reports the transfer, and the staff console's queue."""
import html
import io
import json
import re

import pytest
import zxingcpp
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image, ImageDraw

from catalog.models import ProductVariant
from orders.models import BankTransaction, Order

KEY = "page-feed-key"


@pytest.fixture
def honey(demo_shop, db):
    """A demo honey with units at Mường Ảng (which has its own receiving account in the demo)."""
    return (
        ProductVariant.objects.filter(product__slug__startswith="mat-ong", stocks__sales_point__code="muong-ang",
                                      stocks__quantity_on_hand__gte=3).order_by("id").first()
    )


@pytest.fixture
def feed(settings):
    settings.BANK_WEBHOOK_API_KEY = KEY
    return settings


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def order_by_transfer(client, variant, quantity=2, email="khach@example.com"):
    assert client.post("/gio-hang/them/", {"variant": str(variant.pk), "quantity": str(quantity)}).status_code == 302
    details = {"email": email, "phone": "0912 345 678", "delivery_method": "PICKUP", "pickup_point": "muong-ang"}
    assert client.post("/thanh-toan/", details).status_code == 302
    form = page(client.get("/thanh-toan/dat-hang/"))
    assert 'value="BANK_TRANSFER"' in form and "quét mã VietQR" in form
    placed = client.post("/thanh-toan/dat-hang/", {"payment_method": "BANK_TRANSFER", "idempotency_key": "k-1"})
    assert placed.status_code == 302 and placed["Location"].endswith("#vietqr")
    return Order.objects.get(), placed["Location"].split("#")[0]


# -- reading the QR code back from the page ------------------------------------------------------------

def svg_modules(svg: str) -> tuple[int, set]:
    """The dark modules of segno's SVG path (`M x y`, `m dx dy`, `h n`; each line one module high)."""
    size = int(re.search(r'width="(\d+)"', svg).group(1))
    scale = int(re.search(r'scale\((\d+)\)', svg).group(1))
    path = re.search(r'class="qrline"[^>]*\sd="([^"]+)"', svg).group(1)  # (the first path is the white background)
    x = y = 0.0
    dark = set()
    for op, args in re.findall(r"([MmHh])([^MmHh]*)", path):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", args)]
        if op == "M":
            x, y = numbers
        elif op == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            length = numbers[0] if op == "h" else numbers[0] - x
            for column in range(int(x), int(x + length)):
                dark.add((column, int(y)))
            x += length
    return size // scale, dark


def scan_svg(svg: str) -> str:
    modules, dark = svg_modules(svg)
    image = Image.new("L", (modules * 4, modules * 4), 255)
    draw = ImageDraw.Draw(image)
    for column, row in dark:
        draw.rectangle([column * 4, row * 4, column * 4 + 3, row * 4 + 3], fill=0)
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1 and found[0].format == zxingcpp.BarcodeFormat.QRCode
    return found[0].text


def crc16(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def fields(text: str) -> dict:
    found, i = {}, 0
    while i < len(text):
        size = int(text[i + 2:i + 4])
        found[text[i:i + 2]] = text[i + 4:i + 4 + size]
        i += 4 + size
    return found


def text_of(html_text: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html_text)
    return html.unescape(match.group(1)) if match else ""


# -- the pages -----------------------------------------------------------------------------------------------

def test_the_status_page_shows_the_code_and_turns_to_paid(client, honey, feed):
    order, status_url = order_by_transfer(client, honey)
    shown = page(client.get(status_url))
    assert 'id="vietqr"' in shown and "Chuyển khoản bằng mã VietQR" in shown
    assert text_of(shown, "order-status") == "Chờ chuyển khoản"
    # The QR code on the page, decoded from its own SVG: the account, the amount and the content.
    svg = re.search(r'<figure class="vietqr-code" id="vietqr-code">(<svg.*?</svg>)', shown, re.S).group(1)
    assert 'viewBox="0 0 ' in svg
    payload = scan_svg(svg)
    assert int(payload[-4:], 16) == crc16(payload[:-4].encode())
    top = fields(payload)
    assert top["54"] == str(order.total_vnd) and top["53"] == "704" and top["58"] == "VN" and top["01"] == "12"
    assert fields(top["62"]) == {"08": order.number}
    assert fields(fields(top["38"])["01"]) == {"00": "970418", "01": "8000000000002"}
    # The same facts as text, with copy buttons that only JavaScript shows; the deadline.
    assert text_of(shown, "transfer-account") == "8000000000002"
    assert text_of(shown, "transfer-name") == "DIEM BAN OCOP MUONG ANG DEMO"
    assert text_of(shown, "transfer-content") == order.number
    assert text_of(shown, "transfer-amount").replace("\xa0", " ") == f"{order.total_vnd:,}".replace(",", ".") + " ₫"
    assert f'data-copy="{order.total_vnd}"' in shown and f'data-copy="{order.number}"' in shown
    assert all(" hidden>" in button for button in re.findall(r"<button[^>]*class=\"copy\"[^>]*>", shown))
    assert "storefront/copy.js" in shown and "<script>" not in shown  # the policy allows no inline script
    assert "Hãy chuyển khoản trước" in text_of(shown, "vietqr-deadline")
    assert f'href="/vietqr/{order.token}.png"' in shown

    english = page(client.get(f"/en/orders/{order.token}/"))
    assert "Pay by bank transfer (VietQR)" in english and "Please make the transfer by" in english
    assert text_of(english, "transfer-amount") == f"₫{order.total_vnd:,}"

    # The bank feed reports the transfer: the page says paid, and shows no code any more.
    body = {"id": 1, "gateway": "BIDV", "transactionDate": "2026-12-05 10:00:00", "accountNumber": "8000000000002",
            "content": f"{order.number} chuyen khoan", "transferType": "in", "transferAmount": order.total_vnd,
            "referenceCode": "FT1"}
    assert client.post("/webhooks/bank-transfer/", json.dumps(body), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Apikey {KEY}").status_code == 200
    paid = page(client.get(status_url))
    assert 'data-status="PAID"' in paid and 'id="vietqr"' not in paid
    assert "Đã nhận tiền chuyển khoản của bạn." in paid


def test_the_staff_console_lists_and_resolves_waiting_transfers(client, honey, feed, django_user_model):
    order, _ = order_by_transfer(client, honey)
    short = {"id": 7, "transferType": "in", "transferAmount": 1_000, "content": f"{order.number}", "referenceCode": "FT7"}
    client.post("/webhooks/bank-transfer/", json.dumps(short), content_type="application/json",
                HTTP_AUTHORIZATION=f"Apikey {KEY}")
    tx = BankTransaction.objects.get()
    assert tx.reason == "PARTIAL"

    # A customer gets the refusal page; the point's manager sees the transfer and why it waits.
    customer = django_user_model.objects.create_user("k@example.com", "k@example.com", "a-long-pass-2026")
    client.force_login(customer)
    assert client.get("/staff/bank-transfers/").status_code == 403
    manager = django_user_model.objects.get(email="muong-ang@ocop-dienbien.example")
    client.force_login(manager)
    listed = page(client.get("/staff/bank-transfers/"))
    assert f'id="tx-{tx.pk}"' in listed and "chuyển thiếu" in listed and order.number in listed

    # Accepting less than owed is for the province: refused beside the transfer (400), then sent back.
    refused = client.post("/staff/bank-transfers/", {"action": "accept", "transaction": tx.pk, "note": "khách xin"})
    assert refused.status_code == 400 and f'id="tx-{tx.pk}-error"' in refused.content.decode()
    done = client.post("/staff/bank-transfers/", {"action": "refund", "transaction": tx.pk, "note": "đã hoàn FT9"})
    assert done.status_code == 302
    tx.refresh_from_db()
    assert (tx.status, tx.resolution, tx.resolved_by) == ("RESOLVED", "REFUNDED", manager)
    assert Order.objects.get().payment_status == "AWAITING"

    # Recording the right amount from the statement pays the order.
    recorded = client.post("/staff/bank-transfers/", {"action": "record", "order": order.number,
                                                      "amount": f"{order.total_vnd:,}".replace(",", "."),
                                                      "reference": "FT 100"})
    assert recorded.status_code == 302
    assert Order.objects.get().payment_status == "PAID"
    wrong = client.post("/staff/bank-transfers/", {"action": "record", "order": "DB999999", "amount": "1",
                                                   "reference": "FT101"})
    assert wrong.status_code == 400 and "record-error" in wrong.content.decode()


def test_the_console_page_costs_the_same_whatever_the_queue(client, honey, feed, django_user_model):
    province = django_user_model.objects.get(email="tinh@ocop-dienbien.example")
    client.force_login(province)

    def unmatched(n):
        for i in range(n):
            body = {"id": f"u{n}-{i}", "transferType": "in", "transferAmount": 1_000 + i, "content": "khong ro"}
            client.post("/webhooks/bank-transfer/", json.dumps(body), content_type="application/json",
                        HTTP_AUTHORIZATION=f"Apikey {KEY}")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            listed = page(client.get("/staff/bank-transfers/"))
        return len(ctx.captured_queries), listed.count('class="fcard"')

    unmatched(1)
    count()
    small, n_small = count()
    unmatched(4)
    large, n_large = count()
    assert (n_small, n_large) == (1, 5) and small == large, (small, large)


def test_a_png_to_save_is_served_only_while_the_transfer_is_awaited(client, honey):
    order, _ = order_by_transfer(client, honey)
    png = client.get(f"/vietqr/{order.token}.png")
    assert png.status_code == 200 and Image.open(io.BytesIO(png.content)).format == "PNG"
    Order.objects.filter(pk=order.pk).update(status="CANCELLED")
    assert client.get(f"/vietqr/{order.token}.png").status_code == 404
    assert client.get("/vietqr/00000000-0000-0000-0000-000000000000.png").status_code == 404
