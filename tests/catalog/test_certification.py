import datetime

import pytest
from django.db import IntegrityError, transaction

from catalog import certification
from catalog.certification import CertificateStatus, CertificationError, add_months, status_of, validity_end
from catalog.models import Certification, Product

D = datetime.date


def test_a_certificate_is_valid_for_36_months_from_its_decision():
    assert validity_end(D(2022, 3, 15)) == D(2025, 3, 14)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (D(2022, 3, 14), CertificateStatus.PENDING),
        (D(2022, 3, 15), CertificateStatus.VALID),
        (D(2024, 12, 14), CertificateStatus.VALID),
        (D(2024, 12, 15), CertificateStatus.EXPIRING),  # 89 days left
        (D(2025, 3, 14), CertificateStatus.EXPIRING),  # the last valid day
        (D(2025, 3, 15), CertificateStatus.EXPIRED),
    ],
)
def test_status_follows_the_calendar(make_product, day, status):
    product = make_product(stars=None)
    cert = certification.certify(
        product=product, stars=3, decision_number="1/QĐ", decision_date=D(2022, 3, 15), issuing_body="UBND tỉnh"
    )
    assert status_of(cert, day) == status
    assert status.shows_mark == (status in (CertificateStatus.VALID, CertificateStatus.EXPIRING))


def test_a_certificate_reaching_its_36th_month_expires_without_anyone_touching_it(make_product):
    today = certification.today()
    last_day_today = make_product("Còn hạn hôm nay", decided=add_months(today + datetime.timedelta(days=1), -36))
    ended_yesterday = make_product("Hết hạn hôm qua", decided=add_months(today, -36))
    certified = set(Product.objects.certified_on(today))
    assert last_day_today in certified
    assert ended_yesterday not in certified
    assert ended_yesterday in Product.objects.certified_on(today - datetime.timedelta(days=1))


def test_star_upgrade_supersedes_the_old_certificate_and_keeps_history(make_product):
    product = make_product(stars=3, decided=D(2024, 5, 1))
    upgrade = certification.certify(
        product=product, stars=4, decision_number="99/QĐ", decision_date=D(2025, 6, 1), issuing_body="UBND tỉnh"
    )
    old = product.certifications.exclude(pk=upgrade.pk).get()
    assert upgrade.kind == Certification.Kind.UPGRADE
    assert old.superseded_by == upgrade
    assert status_of(old, D(2025, 7, 1)) == CertificateStatus.SUPERSEDED
    assert certification.displayable(product.certifications.all(), D(2025, 7, 1)) == upgrade
    assert product.certifications.count() == 2


def test_recertification_after_expiry_is_a_new_certificate(make_product):
    product = make_product(stars=3, decided=D(2019, 5, 1))
    renewed = certification.certify(
        product=product, stars=3, decision_number="7/QĐ", decision_date=D(2023, 1, 10), issuing_body="UBND tỉnh"
    )
    assert renewed.kind == Certification.Kind.RECERTIFICATION
    assert renewed.valid_until == D(2026, 1, 9)


def test_revoked_certificate_shows_no_mark(make_product):
    product = make_product(stars=4)
    cert = product.certifications.get()
    certification.revoke(certificate=cert, reason="Vi phạm chất lượng")
    assert certification.displayable(product.certifications.all()) is None
    assert product not in Product.objects.certified_on(certification.today())


@pytest.mark.parametrize("stars", [1, 2, 6])
def test_only_three_to_five_stars_are_certificates(make_product, stars):
    product = make_product(stars=None)
    with pytest.raises(CertificationError) as exc:
        certification.certify(product=product, stars=stars, decision_number="x", decision_date=D(2024, 1, 1),
                              issuing_body="UBND")
    assert "3, 4 hoặc 5 sao" in exc.value.message


def test_the_database_refuses_bad_stars_even_past_the_service(make_product):
    product = make_product(stars=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Certification.objects.create(product=product, stars=2, decision_number="x", decision_date=D(2024, 1, 1),
                                     issuing_body="UBND", issuing_level="PROVINCE")


def test_five_stars_are_central_and_three_four_provincial():
    assert certification.issuing_level_for(5, D(2025, 8, 1)) == "CENTRAL"
    assert certification.issuing_level_for(4, D(2025, 8, 1)) == "PROVINCE"
