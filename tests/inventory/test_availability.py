"""One availability policy: the same sale hold, or the same closed fair stall, makes the same
variant unsellable on every surface that shows or sells stock. Each surface is also checked
without the hold, so none of these checks can pass by showing nothing."""
import datetime

import pytest
from django.db import transaction

import search
from catalog.models import Product
from inventory import availability, holds
from orders import checkout, reports
from search.catalogue import filter_products
from shop.errors import ShopError
from storefront import selectors as pages

PRODUCT_QUERY = """query($slug: String!) { product(slug: $slug) { variants { stock { quantityAvailable } } } }"""


def sells_at_checkout(variant, point, **_):
    try:
        checkout.sellable_variants([variant.pk])
    except ShopError as exc:
        assert exc.code == "variant_on_hold"
        return False
    return True


def sells_on_product_page(variant, point, **_):
    page = pages.product_page(variant.product.slug)
    line = next(line for line in page.variants if line.variant.pk == variant.pk)
    return line.available > 0 and line.hold is None and any(a.point.pk == point.pk for a in page.availability)


def listed_by_catalogue_filter(variant, point, **_):
    products = filter_products(Product.objects.published(), available_at=[point.pk])
    return products.filter(pk=variant.product_id).exists()


def counted_by_catalogue_facet(variant, point, **_):
    ref = pages.Reference.load()
    counts = pages.catalogue_counts(pages.Filters(), ref)
    return counts["point"].get(point.code, 0) == 1


def found_by_search_index(variant, point, **_):
    result = search.search("", filters=search.SearchFilters(available_at=[point.pk]))
    return variant.product_id in result.product_ids


def shown_by_api_stock_field(variant, point, gql, **_):
    product = gql(PRODUCT_QUERY, {"slug": variant.product.slug})["data"]["product"]
    return product["variants"][0]["stock"] == [{"quantityAvailable": 5}]


def sellable_in_staff_console(variant, point, admin_user, **_):
    row = next(r for r in reports.point_stock(user=admin_user, point=point) if r.variant_id == variant.pk)
    return row.quantity_sellable == 5 and not row.is_held


def sellable_in_admin(variant, point, admin_client, **_):
    html = admin_client.get("/admin/inventory/stock/").content.decode()
    assert "Mật ong hoa ban" in html
    return '<td class="field-available">5</td>' in html


def where_to_buy_on_the_trace_page(variant, point, **_):
    from traceability import page

    points = page._sales_points(variant, "vi")
    return any(p["in_stock"] and p["name"] == point.name for p in points)


SURFACES = [sells_at_checkout, where_to_buy_on_the_trace_page, sells_on_product_page, listed_by_catalogue_filter, counted_by_catalogue_facet,
            found_by_search_index, shown_by_api_stock_field, sellable_in_staff_console, sellable_in_admin]


@pytest.fixture
def on_sale(make_product, sales_point, settings, django_capture_on_commit_callbacks):
    settings.STOREFRONT_PRODUCT_CACHE_SECONDS = 0
    settings.GRAPHQL_PUBLIC_CACHE_SECONDS = 0
    product = make_product("Mật ong hoa ban", stars=4, stock={sales_point: 5})
    search.rebuild()
    return product.variants.get()


@pytest.mark.parametrize("surface", SURFACES, ids=lambda f: f.__name__)
def test_a_sale_hold_stops_the_variant_on_every_surface(surface, on_sale, sales_point, gql, admin_user, admin_client,
                                                        django_capture_on_commit_callbacks):
    context = {"gql": gql, "admin_user": admin_user, "admin_client": admin_client}
    assert surface(on_sale, sales_point, **context) is True  # on sale before the hold
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        holds.place_hold(variant_id=on_sale.pk, source="recall:1", reason="Lô bị thu hồi")
    assert surface(on_sale, sales_point, **context) is False


@pytest.mark.parametrize("surface", [s for s in SURFACES if s is not sells_at_checkout], ids=lambda f: f.__name__)
def test_a_fair_stall_outside_its_dates_is_closed_on_every_surface(surface, on_sale, sales_point, gql, admin_user,
                                                                  admin_client, django_capture_on_commit_callbacks):
    """Checkout is left out: with the stall closed it routes to no point, which the routing tests cover."""
    context = {"gql": gql, "admin_user": admin_user, "admin_client": admin_client}
    assert surface(on_sale, sales_point, **context) is True
    yesterday = availability.today() - datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        sales_point.kind, sales_point.starts_on, sales_point.ends_on = "FAIR", yesterday - datetime.timedelta(days=3), yesterday
        sales_point.save()
        search.sync.sweep()  # a stall closing at midnight changes no row: the periodic sweep re-indexes
    assert surface(on_sale, sales_point, **context) is False


def test_a_point_is_open_when_active_and_within_its_dates(sales_point):
    today = availability.today()
    day = datetime.timedelta(days=1)
    for starts, ends, active, is_open in [(None, None, True, True), (today, today, True, True),
                                          (today + day, None, True, False), (None, today - day, True, False),
                                          (None, None, False, False)]:
        sales_point.starts_on, sales_point.ends_on, sales_point.is_active = starts, ends, active
        sales_point.save()
        assert availability.open_points(today).filter(pk=sales_point.pk).exists() is is_open


def test_the_hand_written_sellable_rows_are_the_orm_rule_in_every_case(make_product, sales_point):
    """availability.sellable_rows (one SQL statement, for the API's stock field) against sellable_stock
    (the ORM's version of the rule) over each way a row stops being sellable, and some that stay."""
    from django.utils import timezone

    from catalog.models import ProductVariant
    from inventory import ledger
    from inventory.models import SaleHold, StockMovement
    from shop.models import SalesPoint

    today = availability.today()
    day = datetime.timedelta(days=1)
    fair = SalesPoint.objects.create(code="hoi-cho", name="Hội chợ", kind="FAIR", district=sales_point.district,
                                     address="Sân vận động", latitude=21.4, longitude=103.0,
                                     starts_on=today - day, ends_on=today + day)
    closed = SalesPoint.objects.create(code="dong-cua", name="Đã đóng", kind="DISTRICT", district=sales_point.district,
                                       address="x", latitude=21.4, longitude=103.0, is_active=False)
    products = [make_product(f"Sản phẩm {i}", stock={sales_point: i + 1, fair: 2, closed: 3}) for i in range(6)]
    variants = [p.variants.get() for p in products]
    ProductVariant.objects.filter(pk=variants[1].pk).update(is_published=False)
    Product.objects.filter(pk=products[2].pk).update(is_published=False)
    holds.place_hold(variant_id=variants[3].pk, source="recall:9", reason="Thu hồi")
    released = holds.place_hold(variant_id=variants[4].pk, source="recall:10", reason="Thu hồi")
    SaleHold.objects.filter(pk=released.pk).update(released_at=timezone.now())
    with transaction.atomic():  # every unit of variant 5 at the point allocated: none left to sell there
        stock = ledger.lock([variants[5].pk], [sales_point.pk])[(sales_point.pk, variants[5].pk)]
        ledger.apply([ledger.Change(stock, StockMovement.Kind.ALLOCATE, allocated=stock.quantity_on_hand)],
                     reason="Đơn thử")

    ids = [v.pk for v in variants]
    for when in (today, today + 2 * day, today - 2 * day):
        orm = sorted(availability.sellable_stock(when).filter(variant_id__in=ids).values_list(
            "variant_id", "sales_point_id", "quantity_on_hand", "quantity_allocated"))
        expected = [(v, p, on_hand - allocated) for v, p, on_hand, allocated in orm]
        assert sorted(availability.sellable_rows(ids, when)) == expected
    rows = availability.sellable_rows(ids, today)
    assert {v for v, _, _ in rows} >= {variants[0].pk, variants[4].pk}  # not everything was filtered out
    assert not {variants[1].pk, variants[2].pk, variants[3].pk} & {v for v, _, _ in rows}
    assert {p for _, p, _ in rows} == {sales_point.pk, fair.pk}
    assert availability.sellable_rows([]) == []
