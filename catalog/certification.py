"""The OCOP certificate rules, in one place.

- A certificate is valid for 36 months from its decision date (the last
  valid day is the day before the same date 36 months later).
- Its status is derived from the dates, never stored, so it expires without
  anyone touching it.
- The OCOP mark (the stars) may be shown only while a 3★+ certificate is
  valid: expiring-soon still counts as valid; expired, revoked, superseded
  and not-yet-in-force do not.
- Recertification and star upgrades add a new certificate and supersede the
  old one, so the history stays.
"""
import calendar
import datetime
import enum
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone


class CertificateStatus(enum.StrEnum):
    VALID = "VALID"
    EXPIRING = "EXPIRING"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"
    SUPERSEDED = "SUPERSEDED"
    PENDING = "PENDING"  # decision dated in the future

    @property
    def shows_mark(self) -> bool:
        return self in (CertificateStatus.VALID, CertificateStatus.EXPIRING)

    @property
    def label(self) -> str:
        return STATUS_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return STATUS_LABELS[self][1]


STATUS_LABELS = {
    CertificateStatus.VALID: ("còn hiệu lực", "valid"),
    CertificateStatus.EXPIRING: ("sắp hết hạn", "expiring soon"),
    CertificateStatus.EXPIRED: ("hết hạn", "expired"),
    CertificateStatus.REVOKED: ("bị thu hồi", "revoked"),
    CertificateStatus.SUPERSEDED: ("đã được thay thế", "superseded"),
    CertificateStatus.PENDING: ("chưa có hiệu lực", "not yet in force"),
}


def today() -> datetime.date:
    """Today in the shop's time zone (Asia/Ho_Chi_Minh), not the server's."""
    return timezone.localdate()


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def validity_end(decision_date: datetime.date) -> datetime.date:
    """The last day a certificate decided on `decision_date` is valid."""
    return add_months(decision_date, settings.OCOP_VALIDITY_MONTHS) - datetime.timedelta(days=1)


def status_of(cert, day: datetime.date | None = None) -> CertificateStatus:
    day = day or today()
    if cert.revoked_at and cert.revoked_at <= day:
        return CertificateStatus.REVOKED
    if cert.superseded_by_id:
        return CertificateStatus.SUPERSEDED
    if cert.decision_date > day:
        return CertificateStatus.PENDING
    if cert.valid_until < day:
        return CertificateStatus.EXPIRED
    if (cert.valid_until - day).days < settings.OCOP_EXPIRING_WITHIN_DAYS:
        return CertificateStatus.EXPIRING
    return CertificateStatus.VALID


def displayable(certs: Iterable, day: datetime.date | None = None):
    """The certificate whose stars may be shown on `day`, or None.

    With several in force (there should not be), the most stars, then the
    newest decision wins.
    """
    day = day or today()
    valid = [c for c in certs if status_of(c, day).shows_mark]
    return max(valid, key=lambda c: (c.stars, c.decision_date), default=None)


class CertificationError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def issuing_level_for(stars: int, decision_date: datetime.date) -> str:
    """Who may certify: since Decision 1489/QĐ-TTg (July 2025) the province
    for 3–4★ and the central level for 5★; before it, districts could too."""
    return "CENTRAL" if stars == 5 else "PROVINCE"


def _check_stars_and_score(stars: int, score: int | None) -> None:
    if stars not in (3, 4, 5):
        raise CertificationError("stars", "Chứng nhận OCOP chỉ có 3, 4 hoặc 5 sao (1–2 sao là điểm đánh giá, không phải chứng nhận).")
    if score is not None and not 0 <= score <= 100:
        raise CertificationError("score", "Điểm đánh giá phải từ 0 đến 100.")


@transaction.atomic
def certify(*, product, stars: int, decision_number: str, decision_date: datetime.date, issuing_body: str,
            issuing_level: str | None = None, score: int | None = None, kind: str | None = None):
    """Record a new certificate for `product`; a certificate still in force
    on that date is superseded by it (recertification or star upgrade)."""
    from catalog.models import Certification

    _check_stars_and_score(stars, score)
    previous = displayable(
        Certification.objects.select_for_update().filter(product=product, superseded_by__isnull=True, revoked_at__isnull=True),
        decision_date,
    )
    last = previous or product.certifications.filter(superseded_by__isnull=True).order_by("-decision_date").first()
    if kind is None:
        if last is None:
            kind = Certification.Kind.NEW
        elif stars > last.stars:
            kind = Certification.Kind.UPGRADE
        else:
            kind = Certification.Kind.RECERTIFICATION
    cert = Certification.objects.create(
        product=product, stars=stars, score=score, decision_number=decision_number, decision_date=decision_date,
        issuing_body=issuing_body, issuing_level=issuing_level or issuing_level_for(stars, decision_date), kind=kind,
    )
    if previous is not None:
        previous.superseded_by = cert
        previous.save(update_fields=["superseded_by"])
    _mark_product_dirty(product)
    return cert


@transaction.atomic
def revoke(*, certificate, on: datetime.date | None = None, reason: str):
    if not reason.strip():
        raise CertificationError("reason", "Hãy ghi lý do thu hồi chứng nhận.")
    certificate.revoked_at = on or today()
    certificate.revoked_reason = reason.strip()
    certificate.save(update_fields=["revoked_at", "revoked_reason"])
    _mark_product_dirty(certificate.product)
    return certificate


def _mark_product_dirty(product) -> None:
    from catalog.models import Product

    Product.objects.filter(pk=product.pk).update(search_dirty=True)


def report(day: datetime.date | None = None, within_days: int | None = None):
    """Certificates expiring within `within_days` and those already expired
    (and not replaced), for the recertification work of the province."""
    from django.db.models import Exists, OuterRef

    from catalog.models import Certification, Product

    day = day or today()
    within_days = settings.OCOP_EXPIRING_WITHIN_DAYS if within_days is None else within_days
    current = Certification.objects.filter(superseded_by__isnull=True, revoked_at__isnull=True).select_related(
        "product", "product__producer", "product__district"
    )
    expiring = current.filter(valid_until__gte=day, valid_until__lt=day + datetime.timedelta(days=within_days)).order_by(
        "valid_until"
    )
    # Expired and not renewed: the product's newest certificate, and nothing valid today.
    newer = Certification.objects.filter(product=OuterRef("product"), decision_date__gt=OuterRef("decision_date"))
    expired = (
        current.filter(valid_until__lt=day)
        .exclude(product__in=Product.objects.certified_on(day))
        .exclude(Exists(newer))
        .order_by("-valid_until")
    )
    return list(expiring), list(expired)
