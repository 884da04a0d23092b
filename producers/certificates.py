"""My certificates: each product's certificate history with countdowns, the reminders 90 and 30 days
before a certificate expires, renewal files (dossier PDFs, submitted to the province, which records
the outcome) and the province dashboard's certificate figures.

Validity is never decided here: every status comes from catalog.certification (status_of,
standing, in_force_q), and a renewal's new certificate is made by its certify service, which
supersedes the old one and keeps the history.
"""
from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from catalog import certification
from catalog.certification import CertificateStatus
from catalog.models import Certification, Product
from producers.errors import ProducerErrorCode
from producers.models import CertificateReminder, RenewalDocument, RenewalFile
from shop.errors import CommonErrorCode, ShopError
from shop.models import StaffAssignment
from shop.permissions import is_province_admin
from shop.tasks import enqueue, send_email
from traceability.models import ProducerMembership

logger = logging.getLogger("producers.certificates")

REMINDER_DAYS = (90, 30)  # days before the last valid day; each sent once per certificate
DOCUMENT_MAX_BYTES = getattr(settings, "PRODUCER_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)
PDF_MAGIC = b"%PDF-"
DUE_WITHIN_DAYS = 90  # the dashboard's "renewals due", as catalog.certification.report counts them


# -- countdowns ------------------------------------------------------------------------------

def days_left(cert, day: datetime.date) -> int:
    """Days from `day` to the certificate's last valid day (0: today is the last one)."""
    return (cert.valid_until - day).days


def countdown(cert, day: datetime.date | None = None) -> str:
    """The certificate's standing on `day` in words, in the active language: "còn 45 ngày" /
    "45 days left" while in force; expired, revoked, replaced or not yet in force otherwise."""
    day = day or certification.today()
    status = certification.status_of(cert, day)
    if status in (CertificateStatus.VALID, CertificateStatus.EXPIRING):
        n = days_left(cert, day)
        if n == 0:
            return gettext("hôm nay là ngày hiệu lực cuối cùng")
        return ngettext("còn %(n)d ngày", "còn %(n)d ngày", n) % {"n": n}
    if status == CertificateStatus.EXPIRED:
        n = (day - cert.valid_until).days
        return ngettext("đã hết hạn %(n)d ngày (hiệu lực đến %(date)s)",
                        "đã hết hạn %(n)d ngày (hiệu lực đến %(date)s)", n) % {
            "n": n, "date": f"{cert.valid_until:%d/%m/%Y}"}
    if status == CertificateStatus.REVOKED:
        return gettext("bị thu hồi từ ngày %(date)s") % {"date": f"{cert.revoked_at:%d/%m/%Y}"}
    if status == CertificateStatus.SUPERSEDED:
        return gettext("đã được thay bằng chứng nhận mới")
    return gettext("có hiệu lực từ ngày %(date)s") % {"date": f"{cert.decision_date:%d/%m/%Y}"}


def status_words(status: CertificateStatus | None) -> str:
    if status is None:
        return gettext("chưa có chứng nhận")
    return {
        CertificateStatus.VALID: gettext("còn hiệu lực"),
        CertificateStatus.EXPIRING: gettext("sắp hết hạn"),
        CertificateStatus.EXPIRED: gettext("hết hạn"),
        CertificateStatus.REVOKED: gettext("bị thu hồi"),
        CertificateStatus.SUPERSEDED: gettext("đã được thay thế"),
        CertificateStatus.PENDING: gettext("chưa có hiệu lực"),
    }[status]


# -- the history page ---------------------------------------------------------------------------

@dataclass
class CertificateRow:
    cert: Certification
    status: CertificateStatus
    countdown: str
    reminders: list = field(default_factory=list)

    @property
    def status_words(self) -> str:
        return status_words(self.status)


@dataclass
class ProductCertificates:
    product: Product
    status: CertificateStatus | None
    current: Certification | None
    rows: list[CertificateRow]
    open_renewal: RenewalFile | None
    renewals: list[RenewalFile]

    @property
    def status_words(self) -> str:
        return status_words(self.status)

    @property
    def can_renew(self) -> bool:
        return self.current is not None and self.open_renewal is None


def certificate_history(acting, day: datetime.date | None = None) -> list[ProductCertificates]:
    """Every product of the producer acted for, its certificates newest first (with the reminders
    sent for each) and its renewal files. A fixed number of queries whatever the counts."""
    day = day or certification.today()
    certs = Certification.objects.order_by("-decision_date", "-pk").prefetch_related(
        Prefetch("reminders", queryset=CertificateReminder.objects.order_by("sent_at")))
    renewals = RenewalFile.objects.order_by("-created_at", "-pk").select_related("new_certification").annotate(
        document_count=Count("documents"))
    products = (
        Product.objects.filter(producer=acting.producer).order_by("name", "pk")
        .prefetch_related(Prefetch("certifications", queryset=certs), Prefetch("renewals", queryset=renewals))
    )
    result = []
    for product in products:
        all_certs = list(product.certifications.all())
        status, current = certification.standing(all_certs, day)
        rows = [CertificateRow(c, certification.status_of(c, day), countdown(c, day), list(c.reminders.all()))
                for c in all_certs]
        files = list(product.renewals.all())
        open_file = next((f for f in files if f.status != RenewalFile.Status.DECIDED), None)
        result.append(ProductCertificates(product, status, current, rows, open_file, files))
    return result


# -- reminders -------------------------------------------------------------------------------------

def due_reminders(day: datetime.date) -> list[tuple[Certification, int]]:
    """(certificate, days_before) of the reminders to send on `day`: certificates in force whose last
    valid day is within 90 days, at the nearest threshold reached, when not sent yet. Lapsed,
    revoked and superseded certificates are not in force, so they get none."""
    horizon = day + datetime.timedelta(days=max(REMINDER_DAYS))
    certs = (
        Certification.objects.valid_on(day).filter(valid_until__lte=horizon)
        .select_related("product", "product__producer").prefetch_related("reminders").order_by("valid_until", "pk")
    )
    due = []
    for cert in certs:
        left = days_left(cert, day)
        threshold = min(t for t in REMINDER_DAYS if left <= t)
        if threshold not in {r.days_before for r in cert.reminders.all()}:
            due.append((cert, threshold))
    return due


def send_reminders(day: datetime.date | None = None) -> int:
    """Send the reminders due on `day` (today): the producer's people and the province officers are
    e-mailed through the task queue. The reminder's row is inserted first, in its own transaction;
    the mails go only when it commits, so two runs at once (or a run repeated) send each once."""
    day = day or certification.today()
    officers = _officer_emails()
    sent = 0
    for cert, threshold in due_reminders(day):
        try:
            with transaction.atomic():
                CertificateReminder.objects.create(certification=cert, days_before=threshold)
                _mail_reminder(cert, threshold, day, officers)
        except IntegrityError:
            continue  # another run sent this one
        sent += 1
    return sent


def _officer_emails() -> list[str]:
    return sorted(set(
        StaffAssignment.objects.filter(role=StaffAssignment.Role.PROVINCE, user__is_active=True)
        .exclude(user__email="").values_list("user__email", flat=True)))


def _member_emails(producer_id: int) -> list[str]:
    return sorted(set(
        ProducerMembership.objects.filter(producer_id=producer_id, user__is_active=True)
        .exclude(user__email="").values_list("user__email", flat=True)))


def _portal_url(name: str, language: str, **kwargs) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse(name, kwargs=kwargs or None)


def _both(make) -> str:
    """A mail body in Vietnamese, then English (the recipients' language is not known)."""
    parts = []
    for language in ("vi", "en"):
        with translation.override(language):
            parts.append(make(language))
    return "\n\n———\n\n".join(parts)


def _mail(subject: str, body: str, recipients) -> None:
    recipients = sorted({r for r in recipients if r})
    if recipients:
        enqueue(send_email, subject, body, recipients)


def _mail_reminder(cert, threshold: int, day: datetime.date, officers: list[str]) -> None:
    product, producer = cert.product, cert.product.producer

    def body(language, for_producer):
        text = gettext(
            "Chứng nhận OCOP %(stars)d★ của sản phẩm “%(product)s” (quyết định %(number)s) hết hiệu lực sau ngày "
            "%(until)s: %(left)s.") % {
            "stars": cert.stars, "product": product.name_en if language == "en" and product.name_en else product.name,
            "number": cert.decision_number, "until": f"{cert.valid_until:%d/%m/%Y}", "left": countdown(cert, day)}
        if for_producer:
            text += "\n" + gettext("Hãy lập hồ sơ đánh giá lại trên cổng chủ thể: %(url)s") % {
                "url": _portal_url("producers:certificates", language)}
        else:
            text += "\n" + gettext("Chủ thể: %(producer)s. Hãy hướng dẫn chủ thể nộp hồ sơ đánh giá lại.") % {
                "producer": producer.name if producer else "—"}
        return text

    subject = (f"OCOP: còn {days_left(cert, day)} ngày, chứng nhận {cert.decision_number} hết hạn / "
               f"{days_left(cert, day)} days until certificate {cert.decision_number} expires")
    if producer is not None:
        _mail(subject, _both(lambda lang: body(lang, True)), _member_emails(producer.pk))
    _mail(subject, _both(lambda lang: body(lang, False)), officers)


# -- renewal files ---------------------------------------------------------------------------------

def _not_found() -> ShopError:
    return ShopError(CommonErrorCode.NOT_FOUND, "Không tìm thấy hồ sơ hoặc sản phẩm này trong cơ sở của bạn.",
                     "No such file or product at your producer.")


def renewal_for(acting, renewal_id) -> RenewalFile:
    """The producer's own renewal file (NOT_FOUND for another producer's, as for a missing one)."""
    try:
        return (RenewalFile.objects.select_related("product", "certification", "new_certification")
                .get(pk=int(renewal_id), producer=acting.producer))
    except (RenewalFile.DoesNotExist, TypeError, ValueError):
        raise _not_found() from None


def renewal_documents(renewal) -> list[RenewalDocument]:
    return list(renewal.documents.order_by("uploaded_at", "pk"))


def document_for(acting, renewal_id, document_id) -> RenewalDocument:
    renewal = renewal_for(acting, renewal_id)
    try:
        return renewal.documents.get(pk=int(document_id))
    except (RenewalDocument.DoesNotExist, TypeError, ValueError):
        raise _not_found() from None


def start_renewal(acting, product_id) -> RenewalFile:
    """Open a renewal file for one of the producer's products that has a certificate on record;
    one open file per product (a second start returns RENEWAL_OPEN)."""
    try:
        product = Product.objects.get(pk=int(product_id), producer=acting.producer)
    except (Product.DoesNotExist, TypeError, ValueError):
        raise _not_found() from None
    _status, current = certification.standing(product.certifications.all())
    if current is None:
        raise ShopError(ProducerErrorCode.NO_CERTIFICATE,
                        "Sản phẩm này chưa có chứng nhận OCOP để đánh giá lại; hãy liên hệ cán bộ tỉnh để đăng ký mới.",
                        "This product has no OCOP certificate to renew; contact the province to apply for a new one.")
    try:
        with transaction.atomic():
            return RenewalFile.objects.create(producer=acting.producer, product=product, certification=current,
                                              created_by=acting.user)
    except IntegrityError:
        raise ShopError(ProducerErrorCode.RENEWAL_OPEN,
                        "Sản phẩm này đã có một hồ sơ đánh giá lại đang chuẩn bị hoặc đã nộp; hãy mở hồ sơ đó.",
                        "This product already has a renewal file in preparation or submitted; open that one.") from None


def _require_open(renewal) -> None:
    if renewal.status != RenewalFile.Status.OPEN:
        raise ShopError(ProducerErrorCode.RENEWAL_NOT_OPEN,
                        "Hồ sơ đã nộp nên không sửa được nữa; nếu cần bổ sung, hãy liên hệ cán bộ tỉnh.",
                        "The file has been submitted and can no longer be changed; contact the province to add to it.")


def check_pdf(upload) -> None:
    """A dossier document: present, a PDF by its first bytes (not its name), within the size limit."""
    if upload is None or not getattr(upload, "size", 0):
        raise ShopError(ProducerErrorCode.DOCUMENT_INVALID, "Hãy chọn một tệp PDF để tải lên.",
                        "Choose a PDF file to upload.", field="file")
    if upload.size > DOCUMENT_MAX_BYTES:
        mb = DOCUMENT_MAX_BYTES // (1024 * 1024)
        raise ShopError(ProducerErrorCode.DOCUMENT_INVALID,
                        f"Tệp quá lớn (tối đa {mb} MB); hãy quét lại với độ phân giải thấp hơn hoặc chia thành nhiều tệp.",
                        f"The file is too large (at most {mb} MB); scan it at a lower resolution or split it.",
                        field="file")
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head != PDF_MAGIC:
        raise ShopError(ProducerErrorCode.DOCUMENT_INVALID,
                        "Tệp này không phải PDF; hãy lưu (hoặc in) tài liệu thành PDF rồi tải lên lại.",
                        "This file is not a PDF; save (or print) the document as PDF and upload it again.",
                        field="file")


def add_document(acting, renewal_id, *, title: str, upload) -> RenewalDocument:
    """Add a dossier PDF to an open file. Stored under a random name: the file's own name is not kept
    in the storage path, so a document cannot be found by guessing."""
    title = (title or "").strip()
    if not title:
        raise ShopError(ProducerErrorCode.DOCUMENT_INVALID, "Hãy ghi tên tài liệu (ví dụ: Phiếu đánh giá).",
                        "Give the document a title (e.g. Assessment form).", field="title")
    if len(title) > 200:
        raise ShopError(ProducerErrorCode.DOCUMENT_INVALID, "Tên tài liệu dài quá 200 ký tự; hãy rút gọn.",
                        "The title is longer than 200 characters; shorten it.", field="title")
    check_pdf(upload)
    with transaction.atomic():
        renewal = RenewalFile.objects.select_for_update().get(pk=renewal_for(acting, renewal_id).pk)
        _require_open(renewal)
        document = RenewalDocument(renewal=renewal, title=title, uploaded_by=acting.user)
        upload.seek(0)
        document.file.save(f"{uuid.uuid4().hex}.pdf", upload, save=False)
        document.save()
    return document


def remove_document(acting, renewal_id, document_id) -> None:
    document = document_for(acting, renewal_id, document_id)
    with transaction.atomic():
        renewal = RenewalFile.objects.select_for_update().get(pk=document.renewal_id)
        _require_open(renewal)
        document.delete()
    document.file.delete(save=False)


def submit_renewal(acting, renewal_id) -> RenewalFile:
    """Hand the file to the province: no more changes; the officers are e-mailed."""
    with transaction.atomic():
        renewal = RenewalFile.objects.select_for_update(of=("self",)).select_related("product").get(
            pk=renewal_for(acting, renewal_id).pk)
        _require_open(renewal)
        if not renewal.documents.exists():
            raise ShopError(ProducerErrorCode.RENEWAL_EMPTY,
                            "Hồ sơ chưa có tài liệu nào; hãy tải lên các tệp PDF của hồ sơ rồi nộp.",
                            "The file has no documents yet; upload the dossier PDFs, then submit.")
        renewal.status = RenewalFile.Status.SUBMITTED
        renewal.submitted_at = timezone.now()
        renewal.save(update_fields=["status", "submitted_at"])
        _mail(f"OCOP: hồ sơ đánh giá lại “{renewal.product.name}” đã nộp / renewal file submitted",
              f"{acting.producer.name} — {renewal.product.name}\n"
              "Hãy xem hồ sơ và ghi kết quả trong trang quản trị. / Review it and record the outcome in the admin.\n"
              f"{settings.SITE_URL}{reverse('admin:producers_renewalfile_change', args=[renewal.pk])}",
              _officer_emails())
    return renewal


@dataclass(frozen=True)
class Outcome:
    outcome: str
    note: str = ""
    stars: int | None = None
    decision_number: str = ""
    decision_date: datetime.date | None = None
    issuing_body: str = ""


def _outcome_error(vi: str, en: str, field_name: str | None = None) -> ShopError:
    return ShopError(ProducerErrorCode.OUTCOME_INVALID, vi, en, field=field_name)


def check_outcome(renewal, outcome: Outcome) -> None:
    """Whether `outcome` may be recorded for `renewal` (the admin's form asks before saving)."""
    if renewal.status != RenewalFile.Status.SUBMITTED:
        raise ShopError(ProducerErrorCode.RENEWAL_NOT_SUBMITTED,
                        "Chỉ ghi kết quả cho hồ sơ đã nộp (hồ sơ này đang chuẩn bị hoặc đã có kết quả).",
                        "Record an outcome only for a submitted file (this one is in preparation or decided).")
    if outcome.outcome not in RenewalFile.Outcome.values:
        raise _outcome_error("Hãy chọn kết quả: công nhận lại, nâng hạng sao hoặc không công nhận.",
                             "Choose the outcome: renewed, upgraded or none.", "outcome")
    if outcome.outcome == RenewalFile.Outcome.NONE:
        if not outcome.note.strip():
            raise _outcome_error("Hãy ghi lý do không công nhận để chủ thể biết cần làm gì.",
                                 "Write why it was not renewed, so the producer knows what to do.", "note")
        return
    if not outcome.decision_number.strip() or outcome.decision_date is None:
        raise _outcome_error("Hãy ghi số và ngày quyết định công nhận.",
                             "Enter the decision's number and date.", "decision_number")
    if outcome.stars not in (3, 4, 5):
        raise _outcome_error("Số sao phải là 3, 4 hoặc 5.", "Stars must be 3, 4 or 5.", "stars")
    old = renewal.certification.stars if renewal.certification else None
    if outcome.outcome == RenewalFile.Outcome.UPGRADED and old is not None and outcome.stars <= old:
        raise _outcome_error(f"Nâng hạng phải có nhiều hơn {old} sao; nếu giữ số sao, hãy chọn “công nhận lại”.",
                             f"An upgrade needs more than {old} stars; with the same stars choose “renewed”.", "stars")
    if outcome.outcome == RenewalFile.Outcome.RENEWED and old is not None and outcome.stars > old:
        raise _outcome_error("Có thêm sao thì hãy chọn “nâng hạng sao”.", "With more stars choose “upgraded”.",
                             "outcome")


def decide_renewal(user, renewal_id, outcome: Outcome) -> RenewalFile:
    """A province officer records the outcome of a submitted file: RENEWED or UPGRADED make a new
    certificate through catalog.certification.certify (which supersedes the old one); NONE only
    records the note. The producer's people are e-mailed."""
    if not is_province_admin(user):
        raise ShopError(CommonErrorCode.PERMISSION_DENIED, "Chỉ cán bộ tỉnh mới ghi được kết quả đánh giá lại.",
                        "Only province officers can record a renewal's outcome.")
    with transaction.atomic():
        try:
            renewal = RenewalFile.objects.select_for_update(of=("self",)).select_related("product", "certification").get(
                pk=int(renewal_id))
        except (RenewalFile.DoesNotExist, TypeError, ValueError):
            raise ShopError(CommonErrorCode.NOT_FOUND, "Không có hồ sơ này.", "No such renewal file.") from None
        check_outcome(renewal, outcome)
        if outcome.outcome != RenewalFile.Outcome.NONE:
            kind = (Certification.Kind.UPGRADE if outcome.outcome == RenewalFile.Outcome.UPGRADED
                    else Certification.Kind.RECERTIFICATION)
            try:
                renewal.new_certification = certification.certify(
                    product=renewal.product, stars=outcome.stars, decision_number=outcome.decision_number.strip(),
                    decision_date=outcome.decision_date, issuing_body=outcome.issuing_body.strip() or "UBND tỉnh Điện Biên",
                    kind=kind)
            except certification.CertificationError as exc:
                raise _outcome_error(exc.message, exc.message, exc.code) from None
            except IntegrityError:
                raise _outcome_error("Sản phẩm đã có quyết định mang số này; hãy kiểm tra lại số quyết định.",
                                     "The product already has a decision with this number; check it.",
                                     "decision_number") from None
        renewal.outcome = outcome.outcome
        renewal.note = outcome.note.strip()
        renewal.status = RenewalFile.Status.DECIDED
        renewal.decided_by = user
        renewal.decided_at = timezone.now()
        renewal.save(update_fields=["outcome", "note", "status", "decided_by", "decided_at", "new_certification"])
        _mail(f"OCOP: kết quả đánh giá lại “{renewal.product.name}” / renewal outcome",
              _both(lambda language: gettext("Hồ sơ đánh giá lại sản phẩm “%(product)s”: %(outcome)s.") % {
                  "product": renewal.product.name, "outcome": outcome_words(renewal.outcome)}
                  + (f"\n{renewal.note}" if renewal.note else "")
                  + "\n" + _portal_url("producers:renewal", language, renewal_id=renewal.pk)),
              _member_emails(renewal.producer_id))
    return renewal


def outcome_words(outcome: str) -> str:
    return {
        RenewalFile.Outcome.RENEWED: gettext("công nhận lại"),
        RenewalFile.Outcome.UPGRADED: gettext("nâng hạng sao"),
        RenewalFile.Outcome.NONE: gettext("không công nhận"),
    }.get(outcome, "")


def renewal_status_words(status: str) -> str:
    return {
        RenewalFile.Status.OPEN: gettext("đang chuẩn bị"),
        RenewalFile.Status.SUBMITTED: gettext("đã nộp, chờ tỉnh xét"),
        RenewalFile.Status.DECIDED: gettext("đã có kết quả"),
    }.get(status, "")


# -- the province dashboard's figures ------------------------------------------------------------

@dataclass(frozen=True)
class ProvinceFigures:
    day: datetime.date
    certified_products: int  # products with a certificate in force today
    renewals_due: int  # certificates in force whose last valid day is within 90 days
    renewals_done: int  # recertifications decided this year (up to today)
    upgrades: int  # star upgrades decided this year
    new_certifications: int  # first certifications decided this year
    files_waiting: int  # renewal files submitted, no outcome yet


def province_figures(day: datetime.date | None = None) -> ProvinceFigures:
    """The plan's certificate figures on `day`, in two queries."""
    day = day or certification.today()
    year = Q(decision_date__gte=datetime.date(day.year, 1, 1), decision_date__lte=day)
    in_force = certification.in_force_q(day)
    horizon = day + datetime.timedelta(days=DUE_WITHIN_DAYS)
    figures = Certification.objects.aggregate(
        certified=Count("product", distinct=True, filter=in_force),
        due=Count("pk", filter=in_force & Q(valid_until__lt=horizon)),
        done=Count("pk", filter=year & Q(kind=Certification.Kind.RECERTIFICATION)),
        upgrades=Count("pk", filter=year & Q(kind=Certification.Kind.UPGRADE)),
        new=Count("pk", filter=year & Q(kind=Certification.Kind.NEW)),
    )
    waiting = RenewalFile.objects.filter(status=RenewalFile.Status.SUBMITTED).count()
    return ProvinceFigures(day, figures["certified"], figures["due"], figures["done"], figures["upgrades"],
                           figures["new"], waiting)
