"""A producer on a phone prints labels for one of its lots (issue 17, item 5): a sheet of serial
labels downloaded at once, then a large run in the background whose page ends with the PDF."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "e2e-tem@ocop-dienbien.example", "ocop-e2e-2026"


def _owner_of_a_lot() -> dict:
    from django.contrib.auth import get_user_model

    from traceability.models import Batch, ProducerMembership

    lot = (Batch.objects.select_related("variant__product__producer").filter(status="ACTIVE")
           .order_by("pk").first())
    user, _ = get_user_model().objects.get_or_create(username=EMAIL, defaults={"email": EMAIL})
    user.set_password(PASSWORD)
    user.save()
    ProducerMembership.objects.get_or_create(user=user, producer=lot.variant.product.producer,
                                             defaults={"role": ProducerMembership.Role.OWNER})
    return {"lot": lot.pk, "lot_code": lot.lot_code, "serials": lot.serials.count()}


def test_a_producer_prints_labels_for_a_lot_and_downloads_the_pdf(page, live_url, shop_db, screenshot, settings,
                                                                   tmp_path):
    settings.PRODUCER_LABELS_DEMO = True  # the demo's GTINs carry GS1's demonstration prefix 952
    settings.MEDIA_ROOT = tmp_path
    facts = shop_db(_owner_of_a_lot)
    page.goto(live_url("producers:login"))
    page.locator("#id_username").fill(EMAIL)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-submit").click()
    page.wait_for_url(re.compile(r"/producer/$"))
    page.locator("#portal-menu").get_by_role("link", name="In tem").click()
    expect(page.get_by_role("heading", name="In tem truy xuất")).to_be_visible()
    page.locator("#label-lot").select_option(str(facts["lot"]))
    page.locator("#label-kind-serial").check()
    page.locator("#label-count").fill("30")
    screenshot(page, "producer-labels-phone")
    with page.expect_download() as download_info:
        page.locator("#label-submit").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert open(download.path(), "rb").read(4) == b"%PDF"
    assert shop_db(lambda: __import__("traceability.models").models.ItemSerial.objects.filter(
        batch_id=facts["lot"]).count()) == facts["serials"] + 30

    # A large run: the background job's page shows the progress, then the download button.
    page.locator("#label-kind-lot").check()
    page.locator("#label-count").fill("600")
    page.locator("#label-submit").click()
    page.wait_for_url(re.compile(r"/producer/labels/jobs/\d+/$"))
    download_link = page.locator("#job-download")
    expect(download_link).to_be_visible(timeout=60_000)  # the page reloads itself until the PDF is ready
    screenshot(page, "producer-label-job-phone")
    with page.expect_download() as download_info:
        download_link.click()
    pdf = open(download_info.value.path(), "rb").read()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type /Page\b(?!s)", pdf)) == 25
    page.goto(live_url("producers:labels"))
    expect(page.locator("#label-jobs")).to_contain_text(facts["lot_code"])
