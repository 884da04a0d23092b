"""My certificates: history with countdowns, reminders at 90 and 30 days, renewal files and the
province's outcome, the dashboard's plan figures, and producer B kept out of producer A's."""
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from catalog import certification
from catalog.certification import CertificateStatus
from catalog.models import Certification
from producers import certificates as service
from producers.access import acting_for
from producers.errors import ProducerErrorCode
from producers.models import CertificateReminder, RenewalDocument, RenewalFile
from shop.errors import ShopError

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def certify(product, decided, stars=3, number=None):
    return certification.certify(product=product, stars=stars, decision_number=number or f"{decided:%Y%m%d}/QĐ",
                                 decision_date=decided, issuing_body="UBND tỉnh Điện Biên")


def current_cert(product):
    return certification.standing(product.certifications.all())[1]


def pdf(name="ho-so.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def a_product(producers):
    return producers[0].products.get()


@pytest.fixture
def b_product(producers):
    return producers[1].products.get()


# -- countdowns -------------------------------------------------------------------------------------

def test_countdown_in_words_across_dates(a_product):
    cert = certify(a_product, datetime.date(2024, 3, 1), number="A-2024")
    end = cert.valid_until
    assert end == datetime.date(2027, 2, 28)

    def words(day, language="vi"):
        with translation.override(language):
            return service.countdown(cert, day)

    assert words(end - datetime.timedelta(days=45)) == "còn 45 ngày"
    assert words(end - datetime.timedelta(days=45), "en") == "45 days left"
    assert words(end - datetime.timedelta(days=1), "en") == "1 day left"
    assert words(end) == "hôm nay là ngày hiệu lực cuối cùng"
    assert words(end, "en") == "today is its last valid day"
    assert words(end + datetime.timedelta(days=1)) == "đã hết hạn 1 ngày (hiệu lực đến 28/02/2027)"
    assert words(end + datetime.timedelta(days=10), "en") == "expired 10 days ago (valid until 28/02/2027)"
    assert words(datetime.date(2024, 2, 1), "en") == "in force from 01/03/2024"
    certification.revoke(certificate=cert, on=datetime.date(2025, 5, 1), reason="vi phạm")
    cert.refresh_from_db()
    assert words(datetime.date(2025, 4, 30)) == f"còn {(end - datetime.date(2025, 4, 30)).days} ngày"
    assert words(datetime.date(2025, 5, 1)) == "bị thu hồi từ ngày 01/05/2025"
    assert words(datetime.date(2025, 5, 1), "en") == "revoked from 01/05/2025"


def test_certificate_page_shows_history_countdown_and_status(a_product, owner_a, portal_client):
    today = certification.today()
    old = current_cert(a_product)  # make_product's: decided 100 days ago
    new = certify(a_product, today - datetime.timedelta(days=10), stars=4, number="NEW-4")
    old.refresh_from_db()
    assert old.superseded_by_id == new.pk
    left = (new.valid_until - today).days
    client = portal_client(owner_a)
    page = client.get("/producer/certificates/").content.decode()
    assert a_product.name in page and "NEW-4" in page and old.decision_number in page
    assert f"còn {left} ngày" in page and "đã được thay bằng chứng nhận mới" in page
    assert f'id="renew-{a_product.pk}"' in page  # a certificate on record: a renewal can start
    english = client.get("/en/producer/certificates/").content.decode()
    assert f"{left} days left" in english and "replaced by a newer certificate" in english
    assert "Start a renewal file" in english and "OCOP certificates" in english and "Lập hồ sơ" not in english
    assert "superseded" in english and "đã được thay thế" not in english


def test_expired_certificate_is_said_in_words(a_product, owner_a, portal_client):
    Certification.objects.filter(product=a_product).update(
        decision_date=datetime.date(2020, 1, 10), valid_until=datetime.date(2023, 1, 9))
    page = portal_client(owner_a).get("/en/producer/certificates/").content.decode()
    assert "expired" in page and "valid until 09/01/2023" in page
    assert "days left" not in page


def test_history_page_query_count_does_not_grow(producers, make_product, owner_a, portal_client,
                                               django_assert_max_num_queries):
    client = portal_client(owner_a)
    client.get("/producer/certificates/")
    a = producers[0]
    for i in range(5):
        product = make_product(f"Sản phẩm thêm {i}")
        product.producer = a
        product.save(update_fields=["producer"])
        certify(product, certification.today() - datetime.timedelta(days=5), stars=4, number=f"X-{i}")
        service.start_renewal(acting_for(owner_a, a.pk), product.pk)
    with django_assert_max_num_queries(12):
        response = client.get("/producer/certificates/")
    assert response.status_code == 200 and response.content.decode().count('class="panel cert-product"') == 6


# -- reminders ----------------------------------------------------------------------------------------

@pytest.fixture
def expiring(a_product):
    """A's certificate, with a known last valid day (28/02/2027)."""
    Certification.objects.filter(product=a_product).delete()
    return certify(a_product, datetime.date(2024, 3, 1), number="A-2024")


def _days_before(cert, n):
    return cert.valid_until - datetime.timedelta(days=n)


def test_reminders_go_once_at_90_and_once_at_30(expiring, owner_a, member_a, officer, mailoutbox,
                                                django_capture_on_commit_callbacks):
    def run(n):
        with django_capture_on_commit_callbacks(execute=True):
            return service.send_reminders(_days_before(expiring, n))

    assert run(91) == 0 and mailoutbox == []
    assert run(90) == 1
    assert len(mailoutbox) == 2  # the producer's people, the province officers
    to_producer = next(m for m in mailoutbox if owner_a.email in m.to)
    assert sorted(to_producer.to) == sorted([owner_a.email, member_a.email])
    assert "còn 90 ngày" in to_producer.body and "90 days left" in to_producer.body
    assert "/producer/certificates/" in to_producer.body and "/en/producer/certificates/" in to_producer.body
    assert next(m for m in mailoutbox if m.to == [officer.email])
    assert run(90) == 0 and run(89) == 0 and run(31) == 0 and len(mailoutbox) == 2
    assert run(30) == 1 and len(mailoutbox) == 4
    assert run(30) == 0 and run(5) == 0 and run(0) == 0 and len(mailoutbox) == 4
    assert sorted(CertificateReminder.objects.values_list("days_before", flat=True)) == [30, 90]


def test_a_late_first_run_sends_only_the_nearest_reminder(expiring, owner_a, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert service.send_reminders(_days_before(expiring, 20)) == 1
    assert list(CertificateReminder.objects.values_list("days_before", flat=True)) == [30]
    assert len(mailoutbox) == 1 and "còn 20 ngày" in mailoutbox[0].body  # no officer in this test: one mail


def test_no_reminder_for_lapsed_revoked_or_superseded(a_product, make_product, producers, owner_a, mailoutbox,
                                                      django_capture_on_commit_callbacks):
    Certification.objects.filter(product=a_product).delete()
    superseded = certify(a_product, datetime.date(2024, 3, 1), number="OLD")
    day = _days_before(superseded, 30)
    certify(a_product, day - datetime.timedelta(days=2), stars=4, number="NEWER")  # renewed early
    revoked_product = make_product("Rượu thu hồi", stars=0)
    revoked = certify(revoked_product, datetime.date(2024, 3, 1), number="REV")
    certification.revoke(certificate=revoked, on=day - datetime.timedelta(days=1), reason="vi phạm")
    lapsed_product = make_product("Gạo hết hạn", stars=0)
    certify(lapsed_product, datetime.date(2023, 3, 1), number="LAPSED")  # expired 28/02/2026
    with django_capture_on_commit_callbacks(execute=True):
        assert service.send_reminders(day) == 0
        assert service.send_reminders(day + datetime.timedelta(days=400)) == 0
    assert mailoutbox == [] and not CertificateReminder.objects.exists()


def test_reminders_sent_show_on_the_certificate_page(expiring, owner_a, portal_client,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        service.send_reminders(_days_before(expiring, 90))
    page = portal_client(owner_a).get("/producer/certificates/").content.decode()
    assert "Đã nhắc hạn 90 ngày trước" in page
    assert "Reminded 90 days before" in portal_client(owner_a).get("/en/producer/certificates/").content.decode()


def test_command_sends_for_the_given_day(expiring, owner_a, mailoutbox):
    out = io.StringIO()
    call_command("send_certificate_reminders", "--date", _days_before(expiring, 30).isoformat(), stdout=out)
    assert out.getvalue().strip() == "1 reminder(s) sent"
    assert CertificateReminder.objects.get().days_before == 30
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_certificate_reminders", "--date", "30/02/2027")


def test_daily_beat_runs_the_reminders(settings):
    from shop.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["producer-certificate-reminders"]
    assert entry["schedule"] == 24 * 3600.0
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (real concurrency)")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_reminder_once(expiring, owner_a, officer, mailoutbox):
    from tests.concurrency import run_together

    day = _days_before(expiring, 90)
    results = run_together(4, lambda i: service.send_reminders(day))
    assert all(r[0] == "ok" for r in results), results
    assert sum(r[1] for r in results) == 1
    assert CertificateReminder.objects.count() == 1
    assert len(mailoutbox) == 2


# -- renewal files ------------------------------------------------------------------------------------

def test_renewal_flow_from_start_to_upgrade(a_product, owner_a, officer, portal_client, mailoutbox,
                                           django_capture_on_commit_callbacks):
    client = portal_client(owner_a)
    old = current_cert(a_product)
    response = client.post(f"/producer/certificates/renewals/start/{a_product.pk}/")
    renewal = RenewalFile.objects.get(product=a_product)
    assert response.status_code == 302 and response["Location"] == f"/producer/certificates/renewals/{renewal.pk}/"
    assert renewal.status == "OPEN" and renewal.certification_id == old.pk and renewal.producer_id == a_product.producer_id

    again = client.post(f"/producer/certificates/renewals/start/{a_product.pk}/", follow=True)
    assert "đã có một hồ sơ đánh giá lại" in again.content.decode() and RenewalFile.objects.count() == 1

    url = f"/producer/certificates/renewals/{renewal.pk}/"
    bad = client.post(url, {"title": "Phiếu tự đánh giá", "file": pdf("anh.pdf", b"\x89PNG\r\n\x1a\n....")})
    page = bad.content.decode()
    assert bad.status_code == 400 and "không phải PDF" in page and 'value="Phiếu tự đánh giá"' in page
    bad_en = client.post(f"/en{url}", {"title": "Self-assessment", "file": pdf("x.pdf", b"hello")})
    assert bad_en.status_code == 400 and "This file is not a PDF" in bad_en.content.decode()
    untitled = client.post(url, {"title": "  ", "file": pdf()})
    assert untitled.status_code == 400 and "Hãy ghi tên tài liệu" in untitled.content.decode()
    assert not RenewalDocument.objects.exists()

    good = client.post(url, {"title": "Phiếu tự đánh giá", "file": pdf()})
    assert good.status_code == 302
    doc = RenewalDocument.objects.get()
    assert doc.file.name.startswith("renewals/") and "ho-so" not in doc.file.name  # a random stored name
    page = client.get(url).content.decode()
    assert "Phiếu tự đánh giá" in page
    download = client.get(f"{url}documents/{doc.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{url}submit/").status_code == 302
    renewal.refresh_from_db()
    assert renewal.status == "SUBMITTED" and renewal.submitted_at is not None
    assert [m.to for m in mailoutbox] == [[officer.email]]
    late = client.post(url, {"title": "Bổ sung", "file": pdf()})
    assert late.status_code == 400 and "Hồ sơ đã nộp" in late.content.decode()
    assert client.post(f"{url}documents/{doc.pk}/delete/").status_code == 302 and RenewalDocument.objects.count() == 1

    # The province officer records an upgrade in the admin: a new 4★ certificate through certify.
    admin_client = portal_client(officer)
    admin_url = f"/admin/producers/renewalfile/{renewal.pk}/change/"
    form = admin_client.get(admin_url)
    assert form.status_code == 200 and "Phiếu tự đánh giá" in form.content.decode()
    upgrade = {"outcome": "UPGRADED", "stars": "3", "decision_number": "99/QĐ-UBND",
               "decision_date": certification.today().isoformat(), "issuing_body": "UBND tỉnh Điện Biên", "note": "",
               "documents-TOTAL_FORMS": "1", "documents-INITIAL_FORMS": "1", "documents-MIN_NUM_FORMS": "0",
               "documents-MAX_NUM_FORMS": "0", "documents-0-id": str(doc.pk), "documents-0-renewal": str(renewal.pk)}
    refused = admin_client.post(admin_url, upgrade)
    assert refused.status_code == 200 and "Nâng hạng phải có nhiều hơn 3 sao" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(admin_url, {**upgrade, "stars": "4", "note": "Đạt 72 điểm"})
    assert done.status_code == 302, done.content.decode()[:2000]
    renewal.refresh_from_db()
    new = renewal.new_certification
    assert renewal.status == "DECIDED" and renewal.outcome == "UPGRADED" and renewal.decided_by == officer
    assert new.stars == 4 and new.kind == Certification.Kind.UPGRADE and new.decision_number == "99/QĐ-UBND"
    old.refresh_from_db()
    assert old.superseded_by_id == new.pk
    assert owner_a.email in mailoutbox[-1].to

    producer_page = client.get(url).content.decode()
    assert "Kết quả: nâng hạng sao" in producer_page and "99/QĐ-UBND" in producer_page and "Đạt 72 điểm" in producer_page
    assert "Result: upgraded" in client.get(f"/en{url}").content.decode()
    # decided: a new file may start for the next round
    assert client.post(f"/producer/certificates/renewals/start/{a_product.pk}/").status_code == 302
    assert RenewalFile.objects.filter(product=a_product).count() == 2


def test_outcome_none_needs_a_note_and_makes_no_certificate(a_product, owner_a, officer):
    acting = acting_for(owner_a)
    renewal = service.start_renewal(acting, a_product.pk)
    with pytest.raises(ShopError) as empty:
        service.submit_renewal(acting, renewal.pk)
    assert empty.value.code == ProducerErrorCode.RENEWAL_EMPTY
    service.add_document(acting, renewal.pk, title="Hồ sơ", upload=pdf())
    with pytest.raises(ShopError) as early:
        service.decide_renewal(officer, renewal.pk, service.Outcome("NONE", note="thiếu"))
    assert early.value.code == ProducerErrorCode.RENEWAL_NOT_SUBMITTED
    service.submit_renewal(acting, renewal.pk)
    with pytest.raises(ShopError) as no_note:
        service.decide_renewal(officer, renewal.pk, service.Outcome("NONE"))
    assert no_note.value.code == ProducerErrorCode.OUTCOME_INVALID and no_note.value.field == "note"
    with pytest.raises(ShopError) as not_officer:
        service.decide_renewal(owner_a, renewal.pk, service.Outcome("NONE", note="x"))
    assert not_officer.value.code == "permission_denied"
    before = Certification.objects.count()
    decided = service.decide_renewal(officer, renewal.pk, service.Outcome("NONE", note="Chưa đủ điểm"))
    assert decided.outcome == "NONE" and decided.new_certification is None and Certification.objects.count() == before


def test_renewed_keeps_the_stars(a_product, owner_a, officer):
    acting = acting_for(owner_a)
    renewal = service.start_renewal(acting, a_product.pk)
    service.add_document(acting, renewal.pk, title="Hồ sơ", upload=pdf())
    service.submit_renewal(acting, renewal.pk)
    outcome = service.Outcome("RENEWED", stars=3, decision_number="R-1", decision_date=certification.today())
    new = service.decide_renewal(officer, renewal.pk, outcome).new_certification
    assert new.kind == Certification.Kind.RECERTIFICATION and new.stars == 3
    assert certification.status_of(new) in (CertificateStatus.VALID, CertificateStatus.EXPIRING)


def test_document_size_limit(a_product, owner_a, portal_client, monkeypatch):
    monkeypatch.setattr(service, "DOCUMENT_MAX_BYTES", 1024 * 1024)
    renewal = service.start_renewal(acting_for(owner_a), a_product.pk)
    big = pdf(content=PDF + b"0" * (1024 * 1024))
    response = portal_client(owner_a).post(f"/en/producer/certificates/renewals/{renewal.pk}/",
                                           {"title": "Scan", "file": big})
    page = response.content.decode()
    assert response.status_code == 400 and "too large (at most 1 MB)" in page and 'value="Scan"' in page
    assert not RenewalDocument.objects.exists()


def test_no_renewal_without_a_certificate(make_product, producers, owner_a):
    product = make_product("Chưa chứng nhận", stars=0)
    product.producer = producers[0]
    product.save(update_fields=["producer"])
    with pytest.raises(ShopError) as refused:
        service.start_renewal(acting_for(owner_a), product.pk)
    assert refused.value.code == ProducerErrorCode.NO_CERTIFICATE


# -- producer B and producer A ----------------------------------------------------------------------

def test_b_cannot_see_or_change_a_certificates_renewals_or_documents(a_product, b_product, owner_a, owner_b,
                                                                   portal_client):
    acting = acting_for(owner_a)
    renewal = service.start_renewal(acting, a_product.pk)
    doc = service.add_document(acting, renewal.pk, title="Tài liệu bí mật của A", upload=pdf())
    a_cert = current_cert(a_product)
    b = portal_client(owner_b)

    page = b.get("/producer/certificates/").content.decode()
    assert b_product.name in page and a_product.name not in page and a_cert.decision_number not in page
    base = f"/producer/certificates/renewals/{renewal.pk}/"
    assert b.get(base).status_code == 404
    assert b.get(f"{base}documents/{doc.pk}/").status_code == 404
    assert b.post(base, {"title": "chen", "file": pdf()}).status_code == 404
    assert b.post(f"{base}documents/{doc.pk}/delete/").status_code == 404
    assert b.post(f"{base}submit/").status_code == 404
    assert b.post(f"/producer/certificates/renewals/start/{a_product.pk}/").status_code == 404
    # B's own file does not open A's document either
    b_renewal = service.start_renewal(acting_for(owner_b), b_product.pk)
    assert b.get(f"/producer/certificates/renewals/{b_renewal.pk}/documents/{doc.pk}/").status_code == 404
    renewal.refresh_from_db()
    assert renewal.status == "OPEN" and RenewalDocument.objects.filter(renewal=renewal).count() == 1
    assert RenewalFile.objects.filter(product=a_product).count() == 1
    # and A's own person does see them
    assert portal_client(owner_a).get(f"{base}documents/{doc.pk}/").status_code == 200


def test_pages_need_a_producer_login(a_product, client, officer, portal_client):
    assert client.get("/producer/certificates/").status_code == 302
    assert portal_client(officer).get("/producer/certificates/").status_code == 403


# -- the province dashboard -----------------------------------------------------------------------------

def test_province_figures_against_hand_counts(make_product):
    day = datetime.date(2026, 6, 15)
    Certification.objects.all().delete()
    p = [make_product(f"Sản phẩm {i}", stars=0) for i in range(6)]
    certify(p[0], datetime.date(2026, 2, 1), number="new-this-year")  # NEW this year, in force
    certify(p[1], datetime.date(2023, 1, 5), number="p1-old")  # NEW in 2023, expired 04/01/2026
    certify(p[1], datetime.date(2026, 3, 1), number="p1-renewed")  # RECERTIFICATION this year
    certify(p[2], datetime.date(2024, 5, 1), number="p2-3")  # in force
    certify(p[2], datetime.date(2026, 4, 1), stars=4, number="p2-4")  # UPGRADE this year, supersedes
    certify(p[3], datetime.date(2023, 8, 1), number="p3-due")  # valid until 31/07/2026: due within 90 days
    certify(p[4], datetime.date(2023, 9, 20), number="p4-due")  # valid until 19/09/2026: 96 days, not due
    revoked = certify(p[5], datetime.date(2025, 1, 1), number="p5-revoked")
    certification.revoke(certificate=revoked, on=datetime.date(2026, 1, 1), reason="vi phạm")
    certify(p[5], datetime.date(2026, 7, 1), number="p5-future")  # decided after the day: not counted
    figures = service.province_figures(day)
    # in force on the day: p0, p1 (renewed), p2 (4★), p3, p4 — p5's is revoked, its next one to come
    assert figures.certified_products == 5
    assert figures.renewals_due == 1
    assert figures.renewals_done == 1
    assert figures.upgrades == 1
    assert figures.new_certifications == 1  # p0 only (p5-future is after the day, the others before the year)
    assert figures.files_waiting == 0


def test_dashboard_shows_the_plan_figures_to_province_officers(a_product, owner_a, officer, portal_client,
                                                               django_assert_max_num_queries):
    acting = acting_for(owner_a)
    renewal = service.start_renewal(acting, a_product.pk)
    service.add_document(acting, renewal.pk, title="Hồ sơ", upload=pdf())
    service.submit_renewal(acting, renewal.pk)
    client = portal_client(officer)
    client.get("/staff/dashboard/")
    with django_assert_max_num_queries(16):
        response = client.get("/staff/dashboard/")
    page = response.content.decode()
    figures = service.province_figures()
    assert response.status_code == 200 and 'id="plan-figures"' in page
    assert f'<tr id="plan-certified"><th scope="row">Sản phẩm đang có chứng nhận</th><td class="num">{figures.certified_products}</td>' in page
    assert figures.certified_products == Certification.objects.valid_on(certification.today()).values("product").distinct().count()
    assert "1 hồ sơ đánh giá lại chờ ghi kết quả" in page
    english = client.get("/en/staff/dashboard/").content.decode()
    assert "Products certified now" in english and "1 renewal file waiting for an outcome" in english
