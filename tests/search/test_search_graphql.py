"""`search`, `suggest` and `products(filter: {search})` over GraphQL."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import certification

SEARCH = """
query($q: String!, $filter: ProductFilterInput, $first: Int, $after: String, $sort: ProductSortInput) {
  search(query: $q, filter: $filter, first: $first, after: $after, sortBy: $sort) {
    totalCount backend tookMs
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id name ocop { stars } priceRange { min }
      variants { sku stock { salesPoint { name } quantityAvailable } } } }
    facets { field values { value label count } }
  }
}"""

SUGGEST = """query($p: String!, $limit: Int) { suggest(prefix: $p, limit: $limit) { text kind slug product { name } } }"""


def run(gql, q, **variables):
    return gql(SEARCH, {"q": q, **variables})["data"]["search"]


def names(body):
    return [e["node"]["name"] for e in body["edges"]]


def facet(body, field):
    return {v["label"]: v["count"] for f in body["facets"] if f["field"] == field for v in f["values"]}


@pytest.fixture
def shelf(make_product, sales_point):
    return {
        "honey3": make_product("Mật ong hoa ban", stars=3, price=150_000, district_code="100", stock={sales_point: 5}),
        "honey4": make_product("Mật ong rừng", stars=4, price=450_000, district_code="102"),
        "tea4": make_product("Trà Shan tuyết", stars=4, price=90_000, district_code="102", name_en="Shan tuyet tea"),
        "plain": make_product("Mật ong chưa chứng nhận", stars=None, price=80_000),
    }


def test_search_answers_with_relay_edges_facets_backend_and_time(gql, shelf):
    body = run(gql, "mat ong")
    assert sorted(names(body)) == ["Mật ong hoa ban", "Mật ong rừng"]  # the uncertified one is hidden
    assert body["totalCount"] == 2 and body["backend"] == "embedded" and body["tookMs"] >= 0
    assert {f["field"] for f in body["facets"]} == {"group", "stars", "district", "producer", "priceBand", "salesPoint"}
    assert facet(body, "stars") == {"4★": 1, "3★": 1}
    every = run(gql, "mat ong", filter={"certifiedOnly": False})
    assert "Mật ong chưa chứng nhận" in names(every) and every["totalCount"] == 3


def test_facet_counts_are_disjunctive(gql, shelf):
    body = run(gql, "", filter={"stars": [4]})
    assert sorted(names(body)) == ["Mật ong rừng", "Trà Shan tuyết"]
    assert facet(body, "stars") == {"4★": 2, "3★": 1}  # choosing 4★ does not zero the 3★ count
    assert facet(body, "district") == {"Huyện Mường Ảng": 2}  # other facets count within the choice
    both = run(gql, "", filter={"stars": [4], "districts": ["102"], "priceLte": 100_000})
    assert names(both) == ["Trà Shan tuyết"]
    bands = {v["value"]: v["count"] for f in both["facets"] if f["field"] == "priceBand" for v in f["values"]}
    assert bands == {"0-100000": 1, "200000-500000": 1}


def test_filters_by_sales_point_group_and_producer_use_the_facet_values(gql, shelf):
    body = run(gql, "")
    point = next(f for f in body["facets"] if f["field"] == "salesPoint")["values"][0]
    assert point["count"] == 1
    assert names(run(gql, "", filter={"availableAt": [point["value"]]})) == ["Mật ong hoa ban"]
    producer = next(f for f in body["facets"] if f["field"] == "producer")["values"][0]
    assert run(gql, "", filter={"producers": [producer["value"]]})["totalCount"] == 1
    assert run(gql, "", filter={"groups": ["test-group"]})["totalCount"] == 3


def test_an_expired_certificate_hides_the_product_and_its_stars(gql, make_product):
    long_ago = certification.today() - datetime.timedelta(days=365 * 3 + 30)
    make_product("Mật ong hết hạn", stars=5, decided=long_ago)
    make_product("Mật ong còn hạn", stars=3)
    body = run(gql, "mat ong")
    assert names(body) == ["Mật ong còn hạn"]
    assert facet(body, "stars") == {"3★": 1}
    every = run(gql, "mat ong", filter={"certifiedOnly": False})
    assert len(every["edges"]) == 2 and facet(every, "stars") == {"3★": 1}  # the lapsed 5★ is not counted


def test_pages_visit_every_result_once_and_sort_by_price(gql, shelf):
    seen, after = [], None
    while True:
        page = run(gql, "", first=1, after=after, filter={"certifiedOnly": False})
        seen += names(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 4
    by_price = run(gql, "mat ong", sort={"field": "PRICE", "direction": "DESC"})
    assert [e["node"]["priceRange"]["min"] for e in by_price["edges"]] == [450_000, 150_000]


def test_products_filter_search_uses_the_same_backend_and_relevance(gql, shelf):
    products = gql("""query { products(filter: {search: "shan tuyet"}) { totalCount edges { node { name } } } }""")
    assert [e["node"]["name"] for e in products["data"]["products"]["edges"]] == ["Trà Shan tuyết"]
    typo = gql("""query { products(filter: {search: "mat onng"}, sortBy: {field: RELEVANCE}) { edges { node { name } } } }""")
    assert len(typo["data"]["products"]["edges"]) == 2  # typo-tolerant, like `search`


def test_suggest_completes_product_names(gql, shelf):
    found = gql(SUGGEST, {"p": "tra sh"})["data"]["suggest"]
    assert found[0]["text"] == "Trà Shan tuyết" and found[0]["product"]["name"] == "Trà Shan tuyết"
    assert found[0]["kind"] == "PRODUCT"
    assert gql(SUGGEST, {"p": "mat", "limit": 1})["data"]["suggest"][0]["text"].startswith("Mật ong")
    assert gql(SUGGEST, {"p": ""})["data"]["suggest"] == []
    assert "20" in gql(SUGGEST, {"p": "mat", "limit": 500}, expect_errors=True)["errors"][0]["message"]


def count_queries(gql, first):
    with CaptureQueriesContext(connection) as ctx:
        body = run(gql, "san pham", first=first)
    assert len(body["edges"]) == first
    return len(ctx.captured_queries)


def test_search_query_count_does_not_grow_with_the_page(gql, make_product, sales_point):
    for i in range(25):
        make_product(f"Sản phẩm {i:02d}", stock={sales_point: i + 1})
    run(gql, "san pham")  # index the new products and warm the in-memory copy
    assert count_queries(gql, 20) == count_queries(gql, 3)


def test_readyz_names_the_search_backend(client, make_product):
    body = client.get("/readyz").json()
    assert body["checks"]["search"].startswith("embedded")
