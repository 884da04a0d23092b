"""A producer, on a phone, proposes a new description and photo for a product (issue 17, item 2):
a file that is not a photo is refused with a clear message and the typed text kept; the draft is
saved, sent for review and frozen; buyers keep seeing the published description meanwhile."""
import io
import re
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PASSWORD = "ocop-san-pham-2026"


def a_producer_owner(email: str) -> dict:
    from django.contrib.auth import get_user_model

    from catalog.models import Product
    from traceability.models import ProducerMembership

    product = Product.objects.filter(producer__isnull=False, is_published=True).exclude(
        changes__status__in=["DRAFT", "PENDING"]).order_by("pk").first()
    user = get_user_model().objects.create_user(username=email, email=email, password=PASSWORD)
    ProducerMembership.objects.create(user=user, producer=product.producer, role=ProducerMembership.Role.OWNER)
    return {"product": product.pk, "name": product.name, "slug": product.slug, "description": product.description,
            "email": email}


def change_state(pk: int) -> dict:
    from catalog.models import Product

    product = Product.objects.get(pk=pk)
    change = product.changes.order_by("-pk").first()
    return {"description": product.description, "status": change.status if change else None,
            "proposed": change.fields.get("description") if change else None}


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), (180, 110, 30)).save(out, "PNG")
    return out.getvalue()


def test_a_producer_proposes_a_description_and_photo_and_sends_it_for_review(
        page, live_url, shop_db, axe_check, screenshot):
    facts = shop_db(a_producer_owner, f"sp-{uuid.uuid4().hex[:8]}@htx.example")

    page.goto(live_url("producers:login"))
    page.locator("#id_username").fill(facts["email"])
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-submit").click()
    page.wait_for_url(re.compile(r"/producer/$"))

    page.locator("#menu-products").click()
    page.wait_for_url(re.compile(r"/producer/products/$"))
    expect(page.locator("#my-products")).to_contain_text(facts["name"])
    axe_check(page)
    screenshot(page, "producer-products-phone")

    page.locator(f'[data-product="{facts["product"]}"] a.onum').click()
    page.wait_for_url(re.compile(rf"/producer/products/{facts['product']}/$"))
    text = "Mật ong hoa ban thu hoạch tháng 3, không pha đường."
    page.locator("#id_description").fill(text)
    page.locator("#id_photo").set_input_files(
        {"name": "anh.jpg", "mimeType": "image/jpeg", "buffer": b"%PDF-1.4 not a photo"})
    page.locator("#change-save").click()
    expect(page.locator("#photo-error")).to_contain_text("PDF")
    expect(page.locator("#id_description")).to_have_value(text)  # what was typed is kept

    page.locator("#id_photo").set_input_files({"name": "hu.png", "mimeType": "image/png", "buffer": png()})
    page.locator("#id_photo_alt").fill("Hũ mật ong 500 g")
    page.locator("#change-save").click()
    page.wait_for_url(re.compile(rf"/producer/products/{facts['product']}/$"))
    expect(page.locator(".notice").first).to_contain_text("Đã lưu bản nháp")
    expect(page.locator("#proposed")).to_contain_text(text)
    axe_check(page)
    screenshot(page, "producer-product-draft-phone")

    page.locator("#change-submit").click()
    expect(page.locator("#change-status")).to_contain_text("Đang chờ tỉnh duyệt")
    expect(page.locator("#change-form")).to_have_count(0)  # frozen until reviewed
    screenshot(page, "producer-product-pending-phone")

    state = shop_db(change_state, facts["product"])
    assert state["status"] == "PENDING" and state["proposed"] == text
    assert state["description"] == facts["description"]  # buyers still see the published text
    page.goto(live_url("storefront:product", "vi", facts["slug"]))
    expect(page.locator("main")).not_to_contain_text(text)
