"""Labels in the portal: a producer prints lot or serial labels for its own lots, with the same
service as `print_labels`; large runs go to the background with progress and a private PDF."""
import datetime
import re
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from catalog.gtin import make_gtin
from producers import labels
from producers.models import LabelJob
from producers.tasks import run_label_job
from traceability import services
from traceability.models import ItemSerial

pytestmark = pytest.mark.django_db


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def _lot(product, code, prefix):
    variant = product.variants.first()
    variant.gtin = make_gtin(prefix)
    variant.save(update_fields=["gtin"])
    made = timezone.localdate() - datetime.timedelta(days=10)
    return services.create_batch(variant=variant, lot_code=code, production_date=made,
                                 expiry_date=made + datetime.timedelta(days=365), quantity=2000)


@pytest.fixture
def lot_a(producers):
    return _lot(producers[0].products.first(), "MO26-A1", "893123400011")


@pytest.fixture
def lot_b(producers):
    return _lot(producers[1].products.first(), "CHE26-B1", "893123400028")


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_the_page_lists_only_the_producers_own_lots(owner_a, lot_a, lot_b, portal_client,
                                                    django_assert_max_num_queries):
    client = portal_client(owner_a)
    for n in range(2, 8):  # more lots cost no more queries
        _lot(lot_a.variant.product, f"MO26-A{n}", f"89312340{n:03d}1")
    with django_assert_max_num_queries(10):
        page = client.get("/producer/labels/").content.decode()
    assert "MO26-A1" in page and "MO26-A7" in page and "CHE26-B1" not in page


def test_lot_labels_download_at_once(owner_a, lot_a, portal_client):
    response = portal_client(owner_a).post("/producer/labels/", {"lot": lot_a.pk, "kind": "lot", "count": 30})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="tem-MO26-A1.pdf"' in response["Content-Disposition"]
    assert pages(response.content) == 2
    assert not ItemSerial.objects.exists() and not LabelJob.objects.exists()


def test_a_member_mints_and_prints_serial_labels(member_a, lot_a, portal_client):
    response = portal_client(member_a).post("/producer/labels/", {"lot": lot_a.pk, "kind": "serial", "count": 25})
    assert response.status_code == 200 and pages(response.content) == 2
    assert ItemSerial.objects.filter(batch=lot_a).count() == 25


def test_bad_input_is_shown_beside_the_field_and_kept(owner_a, lot_a, portal_client):
    response = portal_client(owner_a).post("/en/producer/labels/", {"lot": lot_a.pk, "kind": "serial", "count": "0"})
    page = response.content.decode()
    assert response.status_code == 400 and "Print at least 1 label." in page
    assert 'value="0"' in page and 'id="label-kind-serial" checked' in page
    assert not ItemSerial.objects.exists()


def test_a_demo_gtin_is_refused_outside_a_demo_before_any_serial_is_minted(owner_a, lot_a, portal_client, settings):
    settings.DEBUG = False
    variant = lot_a.variant
    variant.gtin = make_gtin("952999000001")
    variant.save(update_fields=["gtin"])
    response = portal_client(owner_a).post("/en/producer/labels/", {"lot": lot_a.pk, "kind": "serial", "count": 5})
    assert response.status_code == 400 and "952" in response.content.decode()
    assert not ItemSerial.objects.exists()
    settings.PRODUCER_LABELS_DEMO = True  # a demo site
    response = portal_client(owner_a).post("/en/producer/labels/", {"lot": lot_a.pk, "kind": "serial", "count": 5})
    assert response.status_code == 200 and ItemSerial.objects.count() == 5


def test_a_large_run_goes_to_the_background_and_ends_in_a_private_pdf(
        owner_a, member_a, lot_a, portal_client, media_root, django_capture_on_commit_callbacks):
    client = portal_client(owner_a)
    with django_capture_on_commit_callbacks(execute=True):  # the task runs inline once committed
        response = client.post("/producer/labels/", {"lot": lot_a.pk, "kind": "serial", "count": 600})
    job = LabelJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/producer/labels/jobs/{job.pk}/"
    assert ItemSerial.objects.filter(batch=lot_a).count() == 600
    assert (job.status, job.done, job.total, job.serials) == (LabelJob.Status.DONE, 600, 600, 600)
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page and 'id="job-download"' in page
    pdf = portal_client(member_a).get(f"/producer/labels/jobs/{job.pk}/pdf/")  # any of the producer's people
    body = b"".join(pdf.streaming_content)
    assert pdf.status_code == 200 and body.startswith(b"%PDF") and pages(body) == 25
    assert "private" in pdf["Cache-Control"]
    # The stored name cannot be guessed from the lot or the job.
    assert re.fullmatch(r"labels/\d{4}/\d{2}/MO26-A1-[\w-]{20,}\.pdf", job.file.name)


def test_the_job_page_shows_progress_until_the_pdf_is_ready(owner_a, lot_a, portal_client, media_root):
    client = portal_client(owner_a)
    # Without the commit callbacks run, the job waits in the queue as it would for a worker.
    response = client.post("/en/producer/labels/", {"lot": lot_a.pk, "kind": "lot", "count": 1200})
    job = LabelJob.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in page and "0/1200" in page and 'id="job-download"' not in page
    assert client.get(f"/producer/labels/jobs/{job.pk}/pdf/").status_code == 404  # not ready yet
    seen = []
    real_render = labels.trace_labels.render

    def spying_render(label_list, out, title, progress):
        def spy(done):
            progress(done)
            seen.append(LabelJob.objects.get(pk=job.pk).done)
        return real_render(label_list, out, title=title, progress=spy)

    with mock.patch.object(labels.trace_labels, "render", side_effect=spying_render):
        assert run_label_job(job.pk, None) == 1200
    assert seen[0] == 0 and seen[-1] == 1200 and 0 < len({n for n in seen if 0 < n < 1200})  # it moved as it went
    assert seen == sorted(seen)
    page = client.get(f"/en/producer/labels/jobs/{job.pk}/").content.decode()
    assert 'id="job-download"' in page and 'http-equiv="refresh"' not in page
    stored = LabelJob.objects.get().file.name
    assert run_label_job(job.pk, None) == 1200  # a retry of a finished job changes nothing
    assert LabelJob.objects.get().file.name == stored


def test_b_cannot_print_on_as_lots_nor_see_or_download_as_jobs(owner_a, owner_b, lot_a, lot_b, portal_client,
                                                                 media_root, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        portal_client(owner_a).post("/producer/labels/", {"lot": lot_a.pk, "kind": "lot", "count": 700})
    job = LabelJob.objects.get()
    assert job.status == LabelJob.Status.DONE
    b = portal_client(owner_b)
    assert b.get(f"/producer/labels/?lot={lot_a.pk}").status_code == 404
    response = b.post("/producer/labels/", {"lot": lot_a.pk, "kind": "serial", "count": 600})
    assert response.status_code == 400 and not ItemSerial.objects.exists()
    assert LabelJob.objects.count() == 1
    assert b.get(f"/producer/labels/jobs/{job.pk}/").status_code == 404
    assert b.get(f"/producer/labels/jobs/{job.pk}/pdf/").status_code == 404
    assert "MO26-A1" not in b.get("/producer/labels/").content.decode()
    assert Client().get(f"/producer/labels/jobs/{job.pk}/pdf/").status_code == 302


def test_bad_ids_are_not_found_not_errors(owner_a, portal_client):
    client = portal_client(owner_a)
    assert client.get("/producer/labels/?lot=abc").status_code == 404
    assert client.get("/producer/labels/jobs/999999/").status_code == 404
    assert client.post("/producer/labels/", {"lot": "x", "kind": "nope", "count": "many"}).status_code == 400
