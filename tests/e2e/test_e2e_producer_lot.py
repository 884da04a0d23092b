"""A producer, on a phone, records a lot from harvest to dispatch (issue 17, item 4): signs in to
the portal, creates the lot, records harvest, processing, a quality test with its PDF report,
packing (a draft that survives a reload) and the dispatch to a sales point; the point's staff
receive it in the console (the receipt is recorded on the lot); the lot's trace page shows the
events."""
import re
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PASSWORD = "ocop-lo-hang-2026"
STAFF_PASSWORD = "ocop-demo-2026"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def a_producer_owner(email: str) -> dict:
    """An owner login for the demo producer of the first product that has variants."""
    from django.contrib.auth import get_user_model

    from catalog.models import ProductVariant
    from shop.models import SalesPoint
    from traceability.models import ProducerMembership

    variant = ProductVariant.objects.select_related("product__producer").filter(
        product__producer__isnull=False).order_by("pk").first()
    user = get_user_model().objects.create_user(username=email, email=email, password=PASSWORD)
    ProducerMembership.objects.create(user=user, producer=variant.product.producer, role=ProducerMembership.Role.OWNER)
    point = SalesPoint.objects.get(code="muong-ang")
    return {"producer": variant.product.producer.name, "variant": variant.pk, "point": point.pk, "email": email}


def lot_facts(pk: int) -> dict:
    from inventory.models import Transfer
    from traceability.models import Batch

    batch = Batch.objects.get(pk=pk)
    transfer = Transfer.objects.get(reference=f"batch:{pk}")
    return {"short": batch.short_code, "transfer": transfer.number, "status": transfer.status,
            "events": batch.events.count()}


def test_a_producer_records_a_lot_from_harvest_to_dispatch_and_the_point_receives_it(
        page, new_page, live_url, shop_db, axe_check, screenshot):
    facts = shop_db(a_producer_owner, f"lo-{uuid.uuid4().hex[:8]}@htx.example")

    page.goto(live_url("producers:login"))
    page.locator("#id_username").fill(facts["email"])
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-submit").click()
    page.wait_for_url(re.compile(r"/producer/$"))

    # My lots → a new lot: the product, today's date (filled in), the quantity.
    page.locator("#menu-lots").click()
    page.wait_for_url(re.compile(r"/producer/lots/$"))
    page.locator("#lot-new").click()
    page.locator("#id_variant").select_option(str(facts["variant"]))
    page.locator("#id_quantity").fill("150")
    if page.locator("#id_origin_commune option").count() > 1:
        page.locator("#id_origin_commune").select_option(index=1)
    axe_check(page)
    screenshot(page, "producer-lot-new-phone")
    page.locator("#lot-submit").click()
    page.wait_for_url(re.compile(r"/producer/lots/(\d+)/\?saved=lot-new$"))
    lot_pk = int(re.search(r"/lots/(\d+)/", page.url)[1])
    lot_code = page.locator("#lot-code").inner_text().strip()
    expect(page.locator(".notice")).to_contain_text(f"Đã tạo lô {lot_code}")

    def record(kind: str, fill) -> None:
        page.locator(f"#event-{kind}").click()
        page.wait_for_url(re.compile(rf"/lots/{lot_pk}/events/{kind}/$"))
        fill()
        page.locator("#event-submit").click()
        page.wait_for_url(re.compile(rf"/lots/{lot_pk}/\?saved=lot-{lot_pk}-{kind}$"))

    record("harvest", lambda: page.locator("#id_quantity").fill("42.5"))
    record("processing", lambda: page.locator("#id_note").fill("Lọc, cô đặc"))

    def quality():
        page.locator("#id_report").set_input_files({"name": "ket-qua.pdf", "mimeType": "application/pdf",
                                                    "buffer": PDF})
        page.locator("#id_report_title").fill("Phiếu kiểm nghiệm 21/2026")
        axe_check(page)

    record("quality", quality)
    expect(page.locator("#lot-documents")).to_contain_text("Phiếu kiểm nghiệm 21/2026")

    # Packing: the connection drops after typing; the reopened form has the draft back.
    page.locator("#event-packing").click()
    page.locator("#id_quantity").fill("148")
    page.locator("#id_note").fill("Hũ thuỷ tinh 500 g")
    page.reload()
    expect(page.locator("#id_note")).to_have_value("Hũ thuỷ tinh 500 g")
    expect(page.locator("#id_quantity")).to_have_value("148")
    draft = f"ocop-draft:lot-{lot_pk}-packing"
    assert page.evaluate("k => JSON.parse(localStorage.getItem(k)).note", draft) == "Hũ thuỷ tinh 500 g"
    page.locator("#event-submit").click()
    page.wait_for_url(re.compile(rf"/lots/{lot_pk}/\?saved=lot-{lot_pk}-packing$"))
    assert page.evaluate("k => localStorage.getItem(k)", draft) is None  # cleared on success

    def dispatch():
        page.locator("#id_point").select_option(str(facts["point"]))
        page.locator("#id_quantity").fill("100")
        screenshot(page, "producer-lot-dispatch-phone")

    record("dispatch", dispatch)
    expect(page.locator("#lot-events li")).to_have_count(5)
    expect(page.locator("#lot-status")).to_contain_text("Đã xuất 100")
    axe_check(page)
    screenshot(page, "producer-lot-events-phone")
    lot = shop_db(lot_facts, lot_pk)
    assert (lot["status"], lot["events"]) == ("SENT", 5)

    # The point's staff receive it in the console: the producer is the sender.
    staff = new_page()
    staff.goto(live_url("storefront:staff:login"))
    staff.locator("#id_username").fill("muong-ang@ocop-dienbien.example")
    staff.locator("#id_password").fill(STAFF_PASSWORD)
    staff.locator("#login-submit").click()
    staff.wait_for_url(re.compile(r"/staff/(?!login)"))
    staff.goto(live_url("storefront:staff:transfers", "vi", "muong-ang"))
    card = staff.locator(f"#t-{lot['transfer']}")
    expect(card).to_contain_text(f"Chủ thể {facts['producer']}")
    expect(card).to_contain_text(f"Lô {lot_code}")
    screenshot(staff, "producer-lot-staff-receive-phone")
    card.locator("button[type=submit]").click()
    staff.wait_for_url(re.compile(rf"#t-{lot['transfer']}$"))
    expect(staff.locator(f"#history #t-{lot['transfer']}")).to_have_attribute("data-status", "RECEIVED")
    assert shop_db(lot_facts, lot_pk)["status"] == "RECEIVED"

    # The tourist's scan: the lot's trace page shows the events.
    page.goto(live_url("trace-short", "vi", lot["short"]))
    for label in ("Thu hoạch nguyên liệu", "Kiểm tra chất lượng", "Đóng gói", "Xuất hàng", "Nhận tại điểm bán"):
        expect(page.get_by_text(label).first).to_be_visible()
    expect(page.get_by_text("Phiếu kiểm nghiệm 21/2026: đạt").first).to_be_visible()
    screenshot(page, "producer-lot-trace-phone")
