import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Product

PRODUCTS = """
query($first: Int, $after: String, $filter: ProductFilterInput, $sort: ProductSortInput) {
  products(first: $first, after: $after, filter: $filter, sortBy: $sort) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id slug name nameEn description group
      producer { name kind district commune }
      ocop { stars certificateNumber decisionDate validUntil status }
      variants { id sku name priceVnd gtin stock { salesPoint { id name } quantityAvailable } }
      thumbnail(size: 320) { url width height }
      images { url }
      priceRange { min max }
    } }
  }
}"""


def names(body):
    return [e["node"]["name"] for e in body["data"]["products"]["edges"]]


def test_products_without_a_valid_certificate_are_hidden_unless_asked(gql, make_product):
    make_product("Có sao", stars=4)
    make_product("Không sao", stars=None)
    assert names(gql(PRODUCTS)) == ["Có sao"]
    every = gql(PRODUCTS, {"filter": {"certifiedOnly": False}})
    assert sorted(names(every)) == ["Có sao", "Không sao"]
    ocop = {e["node"]["name"]: e["node"]["ocop"] for e in every["data"]["products"]["edges"]}
    assert ocop["Không sao"] is None
    assert ocop["Có sao"]["stars"] == 4 and ocop["Có sao"]["status"] == "VALID"


def test_filters_by_stars_district_price_and_availability(gql, make_product, sales_point):
    make_product("Ba sao Mường Ảng", stars=3, price=50_000, district_code="102", stock={sales_point: 3})
    make_product("Bốn sao Tuần Giáo", stars=4, price=300_000, district_code="099")
    assert names(gql(PRODUCTS, {"filter": {"stars": [4]}})) == ["Bốn sao Tuần Giáo"]
    assert names(gql(PRODUCTS, {"filter": {"districts": ["102"]}})) == ["Ba sao Mường Ảng"]
    assert names(gql(PRODUCTS, {"filter": {"priceGte": 100_000}})) == ["Bốn sao Tuần Giáo"]
    assert names(gql(PRODUCTS, {"filter": {"priceLte": 100_000}})) == ["Ba sao Mường Ảng"]
    assert names(gql(PRODUCTS, {"filter": {"availableAt": [str(sales_point.pk)]}})) == ["Ba sao Mường Ảng"]
    assert names(gql(PRODUCTS, {"filter": {"search": "tuần"}})) == ["Bốn sao Tuần Giáo"]


def test_sorting_and_cursor_pagination_visit_every_product_once(gql, make_product):
    for i, price in enumerate([300_000, 100_000, 200_000]):
        make_product(f"Sản phẩm {i}", price=price)
    by_price = gql(PRODUCTS, {"sort": {"field": "PRICE", "direction": "DESC"}})
    assert [e["node"]["priceRange"]["min"] for e in by_price["data"]["products"]["edges"]] == [300_000, 200_000, 100_000]
    seen, after = [], None
    while True:
        page = gql(PRODUCTS, {"first": 1, "after": after, "sort": {"field": "NAME"}})["data"]["products"]
        seen += [e["node"]["name"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["Sản phẩm 0", "Sản phẩm 1", "Sản phẩm 2"]
    assert page["totalCount"] == 3


def test_page_size_is_capped_at_100(gql, make_product):
    body = gql(PRODUCTS, {"first": 101}, expect_errors=True)
    assert "100" in body["errors"][0]["message"]


def test_a_bad_cursor_gets_a_clear_error_not_a_500(gql, make_product):
    body = gql(PRODUCTS, {"after": "not-a-cursor"}, expect_errors=True)
    assert "con trỏ" in body["errors"][0]["message"].lower()


def test_too_deep_queries_are_refused_before_running(gql, settings):
    settings.GRAPHQL_MAX_DEPTH = 3
    body = gql(PRODUCTS, expect_errors=True)
    assert "quá sâu" in body["errors"][0]["message"]


def test_too_expensive_queries_are_refused(gql, settings):
    settings.GRAPHQL_MAX_COST = 500
    body = gql(PRODUCTS, {"first": 100}, expect_errors=True, language="en")
    assert "too expensive" in body["errors"][0]["message"]


def count_queries(gql, first):
    with CaptureQueriesContext(connection) as ctx:
        body = gql(PRODUCTS, {"first": first, "filter": {"certifiedOnly": False}})
    assert len(body["data"]["products"]["edges"]) == first
    return len(ctx.captured_queries)


def test_product_list_query_count_does_not_grow_with_the_page(gql, make_product, sales_point):
    for i in range(30):
        make_product(f"SP {i:02d}", stock={sales_point: i})
    small, large = count_queries(gql, 3), count_queries(gql, 30)
    assert small == large, f"{small} queries for 3 products, {large} for 30"
    assert large <= 8


def test_product_by_slug_and_by_id(gql, make_product):
    product = make_product("Trà Shan tuyết thử")
    query = "query($slug: String, $id: ID) { product(slug: $slug, id: $id) { id name variants { priceVnd } } }"
    by_slug = gql(query, {"slug": product.slug})["data"]["product"]
    assert by_slug["name"] == "Trà Shan tuyết thử"
    assert gql(query, {"id": by_slug["id"]})["data"]["product"]["name"] == "Trà Shan tuyết thử"
    assert gql(query, {"slug": "khong-co"})["data"]["product"] is None
    assert gql(query, {"id": "rác"})["data"]["product"] is None


SALES_POINTS = "{ salesPoints { id code name kind district address openingHours pickupEnabled latitude longitude } }"
PRODUCERS = "query($d: String) { producers(first: 50, district: $d) { totalCount edges { node { name kind district commune } } } }"


def test_sales_points_and_producers(gql, make_product, sales_point):
    make_product(district_code="102")
    make_product(district_code="099")
    points = gql(SALES_POINTS)["data"]["salesPoints"]
    assert [p["code"] for p in points] == ["muong-ang"] and points[0]["kind"] == "DISTRICT"
    producers = gql(PRODUCERS, {"d": "099"})["data"]["producers"]
    assert producers["totalCount"] == 1


@pytest.mark.parametrize(("query", "n_items"), [(SALES_POINTS, None), (PRODUCERS, None)])
def test_other_list_fields_have_constant_query_counts(gql, make_product, sales_point, query, n_items):
    from shop.models import SalesPoint

    def run():
        with CaptureQueriesContext(connection) as ctx:
            gql(query)
        return len(ctx.captured_queries)

    make_product()
    before = run()
    for i in range(10):
        make_product(district_code="102")
        SalesPoint.objects.create(code=f"p{i}", name=f"P{i}", kind="FAIR", district=sales_point.district,
                                  address="x", latitude=21, longitude=103)
    assert run() == before
    assert Product.objects.count() == 11
