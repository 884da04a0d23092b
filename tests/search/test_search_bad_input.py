"""Whatever a visitor types, search answers with results or an empty list."""
import pytest

BAD = [
    "", " ", "\t\n", "x" * 10_000, "mật ong " * 2_000,
    '" * NEAR - \'', "NEAR(mat ong, 2)", "mat* OR ong -", '"unterminated', "a AND OR NOT b", "^2 ~ : ( ) { } [ ]",
    'name:"mật ong"~2 AND (tea OR rice)^3 [a TO z] /re.*gex/ \\', "*:*", "'; DROP TABLE catalog_product; --",
    "%_%", "🍯🐃☕", "mật ong 蜂蜜 мёд عسل", "\u0000\u0001", "ﬁ Ǆ İ ß", "\u202e gnỏ tậm",
]

SEARCH = """query($q: String!) { search(query: $q, first: 5) { totalCount edges { node { name } } facets { field } } }"""
SUGGEST = """query($q: String!) { suggest(prefix: $q) { text } }"""
PRODUCTS = """query($q: String!) { products(filter: {search: $q}, first: 5) { totalCount edges { node { name } } } }"""


@pytest.mark.parametrize("text", BAD)
def test_bad_input_gives_results_or_nothing_never_an_error(gql, make_product, text):
    make_product("Mật ong hoa ban")
    for query, field in ((SEARCH, "search"), (SUGGEST, "suggest"), (PRODUCTS, "products")):
        body = gql(query, {"q": text})  # the client asserts there is no error
        assert body["data"][field] is not None


def test_mixed_scripts_and_emoji_still_find_the_words_that_exist(gql, make_product):
    make_product("Mật ong hoa ban")
    body = gql(SEARCH, {"q": "🍯 mật ong 蜂蜜"})["data"]["search"]
    assert [e["node"]["name"] for e in body["edges"]] == ["Mật ong hoa ban"]
