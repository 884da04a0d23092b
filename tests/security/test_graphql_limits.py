"""Issue 12 #1 and #6: one request cannot tie up a worker. Expensive fields cost
what they do, aliases/root fields/size are capped, at most one tokenCreate per
document; all refused before any resolver runs."""
import json
from unittest import mock

import pytest
from graphql import parse

from shop.schema import schema

pytestmark = pytest.mark.django_db


def post(client, query, variables=None, **extra):
    return client.post("/graphql/", json.dumps({"query": query, "variables": variables or {}}),
                       content_type="application/json", **extra)


def codes(response):
    return [e.get("extensions", {}).get("code") for e in response.json()["errors"]]


def aliases(field, n):
    return "query {" + " ".join(f"a{i}: {field}" for i in range(n)) + "}"


@pytest.fixture
def no_resolver():
    """Fails the test if any search resolver runs: refusals happen before execution."""
    with mock.patch("search.schema.search_page",
                    side_effect=AssertionError("resolver ran")) as resolver:
        yield resolver


def test_alias_bomb_of_searches_is_refused_before_running(client, no_resolver):
    response = post(client, aliases('search(query: "mat ong") { totalCount }', 5000))
    assert response.status_code == 413
    assert codes(response)[0] in ("body_too_large", "query_too_large")
    no_resolver.assert_not_called()


def test_alias_bomb_that_fits_the_size_cap_is_refused_by_the_alias_cap(client, no_resolver):
    response = post(client, aliases('search(query: "x") { totalCount }', 40))
    assert response.status_code == 400
    assert "too_many_aliases" in codes(response)
    no_resolver.assert_not_called()


def test_distinct_expensive_root_fields_are_capped(client):
    query = "query {" + " ".join(f"a{i}: search(query: \"x\") {{ totalCount }} b{i}: suggest(prefix: \"x\") {{ text }}"
                                 for i in range(6)) + "}"
    response = post(client, query)
    assert response.status_code == 400
    assert "too_many_root_fields" in codes(response)


def test_search_costs_far_more_than_an_attribute_read():
    from shop.graphql.limits import operation_cost
    cheap = operation_cost(schema.graphql_schema, parse("{ salesPoints { name code } }"))
    search = operation_cost(schema.graphql_schema, parse('{ search(query: "x", first: 1) { totalCount } }'))
    assert search >= 100 * 2 and search > 5 * cheap


def test_a_few_aliased_searches_with_full_pages_exceed_the_cost(client, no_resolver):
    page = ('search(query: "x", first: 100) { totalCount edges { cursor node { id name nameEn slug description '
            'group ocop { stars status } variants { id sku name priceVnd gtin } } } }')
    response = post(client, "query {" + " ".join(f"a{i}: {page}" for i in range(9)) + "}")
    assert response.status_code == 400
    assert codes(response) == ["query_too_expensive"]
    no_resolver.assert_not_called()


def test_page_variable_counts_with_its_value():
    from shop.graphql.limits import operation_cost
    document = parse("query($n: Int) { products(first: $n) { edges { node { id name } } } }")
    small = operation_cost(schema.graphql_schema, document, {"n": 5})
    large = operation_cost(schema.graphql_schema, document, {"n": 100})
    assert large > 3 * small


def test_too_many_tokens_is_refused_while_parsing(client):
    query = "{ products(first: 1) { edges { node { " + "id " * 3000 + "} } } }"
    response = post(client, query)
    assert response.status_code == 400
    assert codes(response) == ["too_many_tokens"]


def test_the_parser_stops_at_the_token_cap_too(client, settings):
    settings.GRAPHQL_MAX_TOKENS = 40  # the parser's own max_tokens, behind the pre-parse estimate
    from shop.graphql import view
    with mock.patch.object(view, "_estimated_tokens", return_value=0):
        response = post(client, "{ products(first: 1) { edges { node { " + "id " * 100 + "} } } }")
    assert response.status_code == 400
    assert codes(response) == ["graphql_parse_failed"]


def test_deep_nesting_is_refused_not_a_crash(client):
    response = post(client, "{" + "products { edges { node { " * 300 + "id" + " } } }" * 300 + "}")
    assert response.status_code in (400, 413)


def test_fragment_fan_out_is_counted_without_blowing_up(client):
    # Each fragment spreads the previous one twice: 2^40 searches on paper, walked in linear time.
    fragments = ['fragment F0 on Query { search(query: "x") { totalCount } }']
    fragments += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 41)]
    response = post(client, "query { ...F40 } " + " ".join(fragments))
    assert response.status_code == 400
    assert set(codes(response)) & {"too_many_aliases", "too_many_root_fields", "query_too_expensive"}


@pytest.mark.parametrize("query", [
    'mutation { a: tokenCreate(email: "a@x.vn", password: "1") { token } b: tokenCreate(email: "a@x.vn", password: "2") { token } }',
    'mutation { ...T ...U } fragment T on Mutation { tokenCreate(email: "a@x.vn", password: "1") { token } } '
    'fragment U on Mutation { x: tokenCreate(email: "a@x.vn", password: "2") { token } }',
    'mutation A { tokenCreate(email: "a@x.vn", password: "1") { token } } '
    'mutation B { tokenCreate(email: "a@x.vn", password: "2") { token } }',
])
def test_one_token_create_per_document(client, query):
    with mock.patch("shop.auth.create_token", side_effect=AssertionError("password checked")) as create:
        response = post(client, query)
    assert response.status_code == 400
    assert "one_per_request" in codes(response)
    create.assert_not_called()


def test_refusals_speak_english_when_asked(client):
    response = post(client, aliases('search(query: "x") { totalCount }', 50), HTTP_ACCEPT_LANGUAGE="en")
    assert any("aliases included" in e["message"] for e in response.json()["errors"])


def test_the_storefront_queries_still_pass(gql, make_product):
    make_product("Mật ong hoa ban")
    from bench.run import PRODUCT_LIST, SEARCH  # the queries the load test sends
    assert gql(PRODUCT_LIST)["data"]["products"]["totalCount"] == 1
    assert gql(SEARCH, {"q": "mat ong"})["data"]["search"] is not None
    assert gql(PRODUCT_LIST.replace("first: 20", "first: 100"))["data"]["products"]
