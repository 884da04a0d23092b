"""The OCOP certificate rules, in one place.

- A certificate is valid for 36 months from its decision date (the last
  valid day is the day before the same date 36 months later).
- Its status is derived from the dates, never stored, so it expires without
  anyone touching it.
- The OCOP mark (the stars) may be shown only while a 3★+ certificate is
  valid: expiring-soon still counts as valid; expired, revoked, superseded
  and not-yet-in-force do not.
- A revocation takes effect on its date: the certificate is in force until
  the day before and REVOKED from that day on. It cannot predate the decision.
- The rule is written once (`RULES`): `status_of`/`displayable` read it in
  Python, `in_force_q`/`status_q` (and `Certification.objects.valid_on`) in
  SQL. Every page, filter, index, label and checkout asks these.
- Recertification and star upgrades add a new certificate and supersede the
  old one, so the history stays.
"""
import calendar
import datetime
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
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


# -- the rule ------------------------------------------------------------------------
#
# A certificate's status on a day is the first of these tests that holds
# (VALID when none does). Python (`status_of`) and SQL (`status_q`,
# `in_force_q`) both read this one table, so they cannot disagree.
#
# A revocation takes effect on its date: before it the certificate is in force
# (if otherwise valid), from it on it is REVOKED. Supersession (`certify`)
# takes effect when it is recorded.

_FLIPPED = {"lt": "gte", "lte": "gt", "gt": "lte", "gte": "lt"}
_COMPARE = {
    "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b, "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
}


@dataclass(frozen=True)
class Condition:
    """One test of a certificate against a day, read as Python (`holds`) or as SQL (`q`, `fails_q`).

    `op` compares the field with the day (plus `plus_days()` days); "set"
    tests that a nullable field has a value. A missing value never passes,
    in Python as in SQL."""

    field: str  # the model field, as in a query
    attr: str  # the attribute on an instance
    op: str  # "lt" | "lte" | "gt" | "gte" | "set"
    nullable: bool = False
    plus_days: Callable[[], int] | None = None

    def _bound(self, day: datetime.date) -> datetime.date:
        return day + datetime.timedelta(days=self.plus_days()) if self.plus_days else day

    def holds(self, cert, day: datetime.date) -> bool:
        value = getattr(cert, self.attr)
        if value is None:
            return False
        return self.op == "set" or _COMPARE[self.op](value, self._bound(day))

    def flips_on(self, cert) -> datetime.date | None:
        """The day from which `holds` gives the other answer (None: it never changes with the day)."""
        value = getattr(cert, self.attr)
        if value is None or self.op == "set":
            return None
        day = value - datetime.timedelta(days=self.plus_days() if self.plus_days else 0)
        return day + datetime.timedelta(days=1) if self.op in ("lt", "gte") else day

    def q(self, day: datetime.date) -> Q:
        if self.op == "set":
            return Q(**{f"{self.field}__isnull": False})
        return Q(**{f"{self.field}__{self.op}": self._bound(day)})

    def fails_q(self, day: datetime.date) -> Q:
        if self.op == "set":
            return Q(**{f"{self.field}__isnull": True})
        flipped = Q(**{f"{self.field}__{_FLIPPED[self.op]}": self._bound(day)})
        return flipped | Q(**{f"{self.field}__isnull": True}) if self.nullable else flipped


REVOKED_BY = Condition("revoked_at", "revoked_at", "lte", nullable=True)  # revoked on or before the day
SUPERSEDED_BY = Condition("superseded_by", "superseded_by_id", "set", nullable=True)
PENDING_ON = Condition("decision_date", "decision_date", "gt")  # decided after the day
EXPIRED_ON = Condition("valid_until", "valid_until", "lt")  # its last valid day is behind
EXPIRING_ON = Condition("valid_until", "valid_until", "lt", plus_days=lambda: settings.OCOP_EXPIRING_WITHIN_DAYS)

RULES = (
    (CertificateStatus.REVOKED, REVOKED_BY),
    (CertificateStatus.SUPERSEDED, SUPERSEDED_BY),
    (CertificateStatus.PENDING, PENDING_ON),
    (CertificateStatus.EXPIRED, EXPIRED_ON),
    (CertificateStatus.EXPIRING, EXPIRING_ON),
)
# Every status without the mark comes before those with it: in force = none of those tests.
_NOT_IN_FORCE = tuple(test for status, test in RULES if not status.shows_mark)
assert [s for s, _ in RULES][: len(_NOT_IN_FORCE)] == [s for s, _ in RULES if not s.shows_mark]

# With several certificates in force (there should not be), the most stars, then the newest decision wins.
DISPLAY_ORDER = ("-stars", "-decision_date", "-pk")


def _display_key(cert):
    return cert.stars, cert.decision_date, cert.pk or 0


def status_of(cert, day: datetime.date | None = None) -> CertificateStatus:
    day = day or today()
    for status, test in RULES:
        if test.holds(cert, day):
            return status
    return CertificateStatus.VALID


def change_days(cert) -> set[datetime.date]:
    """The days on which the status of `cert` may change: between them it stays the same."""
    return {d for _, test in RULES if (d := test.flips_on(cert)) is not None}


def in_force(cert, day: datetime.date | None = None) -> bool:
    """May this certificate's stars be shown on `day`? (`in_force_q` in SQL.)"""
    return status_of(cert, day).shows_mark


def displayable(certs: Iterable, day: datetime.date | None = None):
    """The certificate whose stars may be shown on `day`, or None (`shown_certificates` in SQL)."""
    day = day or today()
    return max((c for c in certs if in_force(c, day)), key=_display_key, default=None)


def standing(certs: Iterable, day: datetime.date | None = None):
    """(status, certificate) of a product on `day`: its displayable certificate
    (VALID or EXPIRING), else its newest decided and not superseded one
    (EXPIRED or REVOKED), else (None, None): nothing, or only a decision to come.
    `with_standing` is the SQL twin."""
    day = day or today()
    certs = list(certs)
    cert = displayable(certs, day)
    if cert is None:
        on_record = [c for c in certs if not SUPERSEDED_BY.holds(c, day) and not PENDING_ON.holds(c, day)]
        cert = max(on_record, key=lambda c: (c.decision_date, c.pk or 0), default=None)
    return (status_of(cert, day), cert) if cert is not None else (None, None)


# -- the same rule in SQL -----------------------------------------------------------------

def in_force_q(day: datetime.date) -> Q:
    """Certificates whose stars may be shown on `day`: decided on or before it, last valid day
    not behind it, not superseded, and not revoked or revoked only after it."""
    q = Q()
    for test in _NOT_IN_FORCE:
        q &= test.fails_q(day)
    return q


def status_q(status: CertificateStatus, day: datetime.date) -> Q:
    """Certificates whose `status_of(cert, day)` is `status`."""
    q = Q()
    for rule_status, test in RULES:
        if rule_status == status:
            return q & test.q(day)
        q &= test.fails_q(day)
    return q  # VALID: none of the tests


def shown_certificates(day: datetime.date):
    """Certificates in force on `day`, the one `displayable` picks first for each product."""
    from catalog.models import Certification

    return Certification.objects.valid_on(day).order_by(*DISPLAY_ORDER)


def shown_stars(day: datetime.date) -> Subquery:
    """Per product (OuterRef("pk")): the stars `displayable` shows on `day`, else NULL."""
    best = shown_certificates(day).filter(product=OuterRef("pk"))
    return Subquery(best.values("stars")[:1], output_field=IntegerField())


def with_standing(products, day: datetime.date):
    """Annotate `ocop_standing_id`: the certificate `standing` picks for each product on `day`."""
    from catalog.models import Certification

    on_record = (
        Certification.objects.filter(SUPERSEDED_BY.fails_q(day), PENDING_ON.fails_q(day), product=OuterRef("pk"))
        .order_by("-decision_date", "-pk")
    )
    shown = shown_certificates(day).filter(product=OuterRef("pk"))
    return products.annotate(ocop_standing_id=Coalesce(Subquery(shown.values("pk")[:1]),
                                                       Subquery(on_record.values("pk")[:1])))


def filter_standing(products, status: CertificateStatus | None, day: datetime.date):
    """Products whose `standing(...)[0]` on `day` is `status` (None: no standing)."""
    from catalog.models import Certification

    products = with_standing(products, day)
    if status is None:
        return products.filter(ocop_standing_id__isnull=True)
    return products.filter(Exists(Certification.objects.filter(status_q(status, day), pk=OuterRef("ocop_standing_id"))))


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
    previous = displayable(Certification.objects.select_for_update().filter(product=product), decision_date)
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


def check_revocation(decision_date: datetime.date | None, revoked_at: datetime.date | None) -> None:
    """A certificate cannot be revoked before it was decided."""
    if revoked_at is not None and decision_date is not None and revoked_at < decision_date:
        raise CertificationError(
            "revoked_at",
            f"Ngày thu hồi ({revoked_at:%d/%m/%Y}) không thể trước ngày quyết định ({decision_date:%d/%m/%Y}).",
        )


@transaction.atomic
def revoke(*, certificate, on: datetime.date | None = None, reason: str):
    """Revoke `certificate` from `on` (today when not given): it stays in force
    until the day before, and is REVOKED from that day on. A revocation can
    be brought forward, never pushed back (that would restore days it took)."""
    if not reason.strip():
        raise CertificationError("reason", "Hãy ghi lý do thu hồi chứng nhận.")
    on = on or today()
    check_revocation(certificate.decision_date, on)
    if certificate.revoked_at is not None and certificate.revoked_at <= on:
        raise CertificationError(
            "revoked_at", f"Chứng nhận {certificate.decision_number} đã bị thu hồi từ ngày {certificate.revoked_at:%d/%m/%Y}."
        )
    certificate.revoked_at = on
    certificate.revoked_reason = reason.strip()
    certificate.save(update_fields=["revoked_at", "revoked_reason"])
    _mark_product_dirty(certificate.product)
    return certificate


def _mark_product_dirty(product) -> None:
    from catalog.models import Product

    Product.objects.filter(pk=product.pk).update(search_dirty=True)


def report(day: datetime.date | None = None, within_days: int | None = None):
    """Certificates in force on `day` whose last valid day is within `within_days`,
    and those EXPIRED on `day` (and not replaced), for the recertification
    work of the province. A revoked certificate is in neither list from the
    day its revocation takes effect."""
    from catalog.models import Certification

    day = day or today()
    within_days = settings.OCOP_EXPIRING_WITHIN_DAYS if within_days is None else within_days
    certs = Certification.objects.select_related("product", "product__producer", "product__district")
    expiring = certs.filter(
        in_force_q(day), valid_until__lt=day + datetime.timedelta(days=within_days)
    ).order_by("valid_until")
    # Expired and not renewed: the product's newest certificate, and nothing valid today.
    newer = Certification.objects.filter(product=OuterRef("product"), decision_date__gt=OuterRef("decision_date"))
    expired = (
        certs.filter(status_q(CertificateStatus.EXPIRED, day))
        .exclude(Exists(Certification.objects.valid_on(day).filter(product=OuterRef("product"))))
        .exclude(Exists(newer))
        .order_by("-valid_until")
    )
    return list(expiring), list(expired)
