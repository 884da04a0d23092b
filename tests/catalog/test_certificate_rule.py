"""One certificate rule (catalog/certification.py), asked by every surface.

A revocation takes effect on its date: the certificate is in force until the
day before (if otherwise valid) and REVOKED from that day on. The Python
rule (status_of / displayable), its SQL twin (valid_on, with_current_stars,
status_q, filter_standing), the search index window and the rendered badge
must agree on every day.
"""
import contextlib
import datetime
import re
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Case, CharField, Value, When
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

import search
from catalog import certification
from catalog.certification import CertificateStatus, CertificationError
from catalog.gtin import make_gtin
from catalog.models import Certification, Product
from catalog.selectors import with_current_stars
from orders import checkout
from search import documents, sync
from search.backends import elasticsearch as es_backend
from search.catalogue import filter_products
from search.types import SearchFilters, SearchRequest
from shop.errors import ShopError
from traceability import codes, labels, services

D = datetime.date
ONE = datetime.timedelta(days=1)
BASE = D(2023, 1, 1)
_real_localdate = timezone.localdate


@contextlib.contextmanager
def frozen(day: datetime.date):
    """Today is `day` for everything that asks timezone.localdate() (certification.today() does)."""
    def localdate(value=None, timezone=None):
        return day if value is None else _real_localdate(value, timezone)

    with mock.patch("django.utils.timezone.localdate", side_effect=localdate):
        yield


BADGE = re.compile(r'<span class="ocop-stars" aria-hidden="true">(★*)</span>.*?Giấy chứng nhận số ([^ ]+) ngày', re.S)


def badge(client, product, day) -> tuple[int, str] | None:
    """(stars, decision number) of the badge on the real product page on `day`, or None."""
    with frozen(day):
        response = client.get(f"/san-pham/{product.slug}/")
    assert response.status_code == 200
    found = BADGE.search(response.content.decode())
    return (len(found.group(1)), found.group(2)) if found else None


def python_stars(certs, day):
    shown = certification.displayable(certs, day)
    return shown.stars if shown else None


def sql_statuses(product, day) -> dict[int, str]:
    """status_q for every status, in one query: {certificate id: status}."""
    whens = [When(certification.status_q(s, day), then=Value(s.value)) for s in CertificateStatus]
    rows = Certification.objects.filter(product=product).annotate(s=Case(*whens, output_field=CharField()))
    return dict(rows.values_list("pk", "s"))


# -- histories -----------------------------------------------------------------------

certificate_specs = st.fixed_dictionaries({
    "decided": st.integers(0, 1500),  # days after BASE
    "stars": st.integers(3, 5),
    "revoked": st.none() | st.integers(0, 1300),  # days after its decision (past or future of any checked day)
    "how": st.sampled_from(["certify", "direct"]),  # certify() supersedes what is in force; direct does not
    "supersedes": st.none() | st.integers(0, 3),  # direct only: point an earlier certificate at this one
})
histories = st.lists(certificate_specs, min_size=1, max_size=4)


def make_history(product, specs) -> list[Certification]:
    made = []
    for n, spec in enumerate(specs):
        decided = BASE + datetime.timedelta(days=spec["decided"])
        fields = {"stars": spec["stars"], "decision_number": f"{n + 1}/QĐ", "decision_date": decided,
                  "issuing_body": "UBND tỉnh"}
        if spec["how"] == "certify":
            cert = certification.certify(product=product, **fields)
        else:
            cert = Certification.objects.create(product=product, issuing_level="PROVINCE", **fields)
            target = spec["supersedes"]
            if target is not None and target < len(made):
                old = Certification.objects.get(pk=made[target].pk)
                if old.superseded_by_id is None:
                    old.superseded_by = cert
                    old.save(update_fields=["superseded_by"])
        made.append(cert)
        if spec["revoked"] is not None:
            certification.revoke(certificate=cert, on=decided + datetime.timedelta(days=spec["revoked"]), reason="vi phạm")
    return list(Certification.objects.filter(product=product))


def boundary_days(certs) -> list[datetime.date]:
    days = {BASE - ONE}
    for c in certs:
        days |= {c.decision_date - ONE, c.decision_date, c.valid_until, c.valid_until + ONE}
        if c.revoked_at:
            days |= {c.revoked_at - ONE, c.revoked_at}
    return sorted(days)


def test_python_sql_index_and_badge_agree_on_every_day(client, make_product, settings):
    settings.STOREFRONT_PRODUCT_CACHE_SECONDS = 0
    product = make_product("Mật ong thử luật", stars=None)
    products = Product.objects.filter(pk=product.pk)

    @given(specs=histories, rendered=st.lists(st.integers(0, 40), min_size=1, max_size=3))
    @examples(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def check(specs, rendered):
        with transaction.atomic():
            certs = make_history(product, specs)
            days = boundary_days(certs)
            for day in days:
                # (a) Python: every certificate's status, and what is shown.
                statuses = {c.pk: certification.status_of(c, day).value for c in certs}
                stars = python_stars(certs, day)
                in_force = {pk for pk, s in statuses.items() if CertificateStatus(s).shows_mark}
                # (b) SQL: the same statuses, the same certificates in force, the same stars.
                assert sql_statuses(product, day) == statuses, day
                assert set(Certification.objects.valid_on(day).values_list("pk", flat=True)) == in_force, day
                assert with_current_stars(products, day).get().current_stars == stars, day
                assert products.certified_on(day).exists() == (stars is not None), day
                for s in (3, 4, 5):
                    assert filter_products(products, stars=[s], day=day).exists() == (stars == s), (day, s)
                status, _ = certification.standing(certs, day)
                for each in (None, *CertificateStatus):
                    assert certification.filter_standing(products, each, day).exists() == (status == each), (day, each)
                # Between the days certification.change_days names, nothing changes.
                for c in certs:
                    if day + ONE not in certification.change_days(c):
                        assert certification.status_of(c, day) == certification.status_of(c, day + ONE), (c, day)
                # The sale follows the same rule.
                state, sold_stars = checkout.ocop_sale_state(certs, day)
                assert sold_stars == stars and (state == "CERTIFIED") == (stars is not None)
            # The search window, built on one day, agrees with the rule on every later day
            # until it ends (then the sweep re-indexes the product: certified_until < day).
            for index_day in (days[0], days[len(days) // 2]):
                doc = documents.build_documents([product.pk], day=index_day)[0]
                start = doc["certified_from"] and D.fromisoformat(doc["certified_from"])
                end = doc["certified_until"] and D.fromisoformat(doc["certified_until"])
                for day in days:
                    if day < index_day:
                        continue
                    indexed = doc["stars"] if doc["stars"] and start <= day <= end else None
                    stale = end is not None and end < day
                    assert indexed == python_stars(certs, day) or (indexed is None and stale), (index_day, day, doc)
            # (c) The real product page, on a few of those days.
            for i in rendered:
                day = days[i % len(days)]
                shown = certification.displayable(certs, day)
                assert badge(client, product, day) == ((shown.stars, shown.decision_number) if shown else None), day
            transaction.set_rollback(True)

    check()


# -- a 4★ certificate revoked with a future date ---------------------------------------------

@pytest.fixture
def revoked_later(make_product, sales_point):
    """A 4★ product in stock, whose certificate is revoked from ten days after today."""
    today = certification.today()
    product = make_product("Mật ong hoa ban thu hồi", stars=4, stock={sales_point: 5})
    cert = product.certifications.get()
    certification.revoke(certificate=cert, on=today + 10 * ONE, reason="Vi phạm chất lượng")
    return product, today, today + 10 * ONE


def test_a_future_revocation_takes_effect_on_its_date_in_python_and_sql(revoked_later):
    product, today, revoked = revoked_later
    cert = product.certifications.get()
    products = Product.objects.filter(pk=product.pk)
    for day, shown in ((today, True), (revoked - ONE, True), (revoked, False), (revoked + ONE, False)):
        assert certification.status_of(cert, day) == (CertificateStatus.VALID if shown else CertificateStatus.REVOKED)
        assert (certification.displayable([cert], day) == cert) is shown
        assert Certification.objects.valid_on(day).filter(pk=cert.pk).exists() is shown
        assert with_current_stars(products, day).get().current_stars == (4 if shown else None)


def test_product_page_shows_the_stars_until_the_revocation(client, revoked_later, settings):
    settings.STOREFRONT_PRODUCT_CACHE_SECONDS = 0
    product, today, revoked = revoked_later
    number = product.certifications.get().decision_number
    assert badge(client, product, today) == (4, number)
    assert badge(client, product, revoked - ONE) == (4, number)
    assert badge(client, product, revoked) is None
    assert badge(client, product, revoked + 30 * ONE) is None


def test_catalogue_list_filter_counts_the_product_until_the_revocation(client, revoked_later, settings):
    product, today, revoked = revoked_later
    published = Product.objects.published()
    assert product in filter_products(published, stars=[4], day=revoked - ONE)
    assert product not in filter_products(published, stars=[4], day=revoked)
    assert product not in filter_products(published, day=revoked)  # certified only
    for day, listed in ((revoked - ONE, True), (revoked, False)):
        with frozen(day):
            page = client.get("/san-pham/?stars=4").content.decode()
        # The cards come first; a note under them names products left out for their certificate.
        cards, _, note = page.partition('id="lapsed-note"')
        assert (f'href="/san-pham/{product.slug}/"' in cards) is listed, day
        assert (f'href="/san-pham/{product.slug}/"' in note) is not listed, day


def test_search_index_ends_the_window_the_day_before_without_reindexing(revoked_later):
    product, today, revoked = revoked_later
    sync.process_dirty()
    assert not Product.objects.get(pk=product.pk).search_dirty
    assert product.pk not in sync.stale_ids(day=revoked - ONE, check_stock=False)
    four = SearchFilters(stars=[4])

    def found(day, filters=four):
        return search.search("", filters=filters, day=day, facets=False).product_ids

    assert found(today) == [product.pk]
    assert found(revoked - ONE) == [product.pk]
    assert found(revoked) == []
    assert found(revoked, SearchFilters()) == []
    assert found(revoked, SearchFilters(certified_only=False)) == [product.pk]
    assert not Product.objects.get(pk=product.pk).search_dirty  # the same entry answered every day
    assert product.pk in sync.stale_ids(day=revoked, check_stock=False)  # the sweep refreshes it afterwards
    # Both backends read the same window: the Elasticsearch document and its date filter.
    doc = documents.build_documents([product.pk], day=today)[0]
    source = es_backend.source_of(doc)
    assert (source["stars"], source["certified_until"]) == (4, (revoked - ONE).isoformat())
    for day, shown in ((revoked - ONE, True), (revoked, False)):
        body = es_backend.build_body(SearchRequest(filters=four), day)
        ranges = [f["range"] for f in body["query"]["bool"]["filter"] if "range" in f]
        assert ranges and all(
            all(_compare(source[field], op, value) for op, value in test.items())
            for r in ranges for field, test in r.items()
        ) is shown


def _compare(value, op, bound):
    return {"lte": value <= bound, "gte": value >= bound, "lt": value < bound, "gt": value > bound}[op]


def test_checkout_sells_until_the_revocation_and_refuses_from_it(revoked_later):
    product, today, revoked = revoked_later
    variant = product.variants.get()
    assert checkout.sellable_variants([variant.pk], day=revoked - ONE)[variant.pk].stars == 4
    with pytest.raises(ShopError) as refused:
        checkout.sellable_variants([variant.pk], day=revoked)
    assert refused.value.code == "variant_not_sellable"


def test_trace_labels_and_trace_page_follow_the_revocation(revoked_later, client):
    product, today, revoked = revoked_later
    variant = product.variants.get()
    variant.gtin = make_gtin("952999000417")
    variant.save(update_fields=["gtin"])
    batch = services.create_batch(variant=variant, lot_code="MO26-001", production_date=today - 30 * ONE,
                                  expiry_date=today + 300 * ONE, quantity=50, raw_materials="Mật ong hoa ban")
    assert labels.labels_for_batch(batch, copies=1, day=revoked - ONE)[0].stars == 4
    assert labels.labels_for_batch(batch, copies=1, day=revoked)[0].stars is None
    url = urlsplit(codes.link_for_batch(batch)).path
    for day, shown in ((revoked - ONE, True), (revoked, False)):
        with frozen(day):
            response = client.get(url)
        assert response.status_code == 200
        assert ('<div id="ocop">' in response.content.decode()) is shown, day


def test_admin_filter_follows_the_revocation(client, revoked_later):
    product, today, revoked = revoked_later
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x-Very-long-1")
    client.force_login(admin)
    link = f"/admin/catalog/product/{product.pk}/change/"
    for day, valid in ((revoked - ONE, True), (revoked, False)):
        with frozen(day):
            as_valid = client.get("/admin/catalog/product/?cert_status=valid").content.decode()
            as_revoked = client.get("/admin/catalog/product/?cert_status=revoked").content.decode()
            four = client.get("/admin/catalog/product/?stars=4").content.decode()
        assert (link in as_valid) is valid and (link in four) is valid, day
        assert (link in as_revoked) is not valid, day


def test_report_lists_a_certificate_until_its_revocation(make_product, django_assert_num_queries):
    today = certification.today()
    product = make_product("Sắp hết hạn", stars=3, decided=certification.add_months(today, -36) + 20 * ONE)
    make_product("Hết hạn", stars=4, decided=certification.add_months(today, -37))
    cert = product.certifications.get()
    certification.revoke(certificate=cert, on=today + 5 * ONE, reason="vi phạm")
    with django_assert_num_queries(2):
        expiring, expired = certification.report(today)
        assert [(c.product.name, c.product.producer.name) for c in expired] == [("Hết hạn", "HTX thử 2")]
    assert expiring == [cert]
    with django_assert_num_queries(1):
        assert list(certification.filter_standing(Product.objects.all(), CertificateStatus.EXPIRED, today)) == [
            expired[0].product
        ]
    assert cert not in certification.report(today + 5 * ONE)[0]
    assert cert not in certification.report(today + 40 * ONE)[1]  # revoked, not expired


# -- entry -------------------------------------------------------------------------------------

def test_a_revocation_cannot_predate_the_decision_and_defaults_to_today(make_product):
    product = make_product(stars=3, decided=D(2024, 5, 1))
    cert = product.certifications.get()
    with pytest.raises(CertificationError) as exc:
        certification.revoke(certificate=cert, on=D(2024, 4, 30), reason="vi phạm")
    assert exc.value.code == "revoked_at"
    cert.refresh_from_db()
    assert cert.revoked_at is None
    certification.revoke(certificate=cert, reason="vi phạm")
    assert cert.revoked_at == certification.today()
    # Brought forward, never pushed back (that would restore the days in between).
    with pytest.raises(CertificationError):
        certification.revoke(certificate=cert, on=certification.today() + ONE, reason="lần hai")
    certification.revoke(certificate=cert, on=D(2024, 6, 1), reason="sớm hơn")
    assert Certification.objects.get(pk=cert.pk).revoked_at == D(2024, 6, 1)


def test_the_admin_form_refuses_a_revocation_before_the_decision(make_product):
    from django.core.exceptions import ValidationError

    cert = make_product(stars=3, decided=D(2024, 5, 1)).certifications.get()
    cert.revoked_at = D(2024, 4, 1)
    with pytest.raises(ValidationError) as exc:
        cert.full_clean()
    assert "revoked_at" in exc.value.message_dict
