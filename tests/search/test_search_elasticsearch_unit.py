"""The Elasticsearch backend without a server: mapping, analyzers, query
bodies, aggregations, the alias swap, and the fallback when the server is
down or slow."""
import logging
import socket
import threading
import time

import pytest

import search
from catalog import certification
from search import analysis
from search.backends import elasticsearch as es
from search.types import SearchFilters, SearchRequest


def test_mapping_has_exact_and_folded_fields_search_as_you_type_and_keyword_facets():
    mapping = es.index_definition("products-x").to_dict()
    props = mapping["mappings"]["properties"]
    assert props["name"]["analyzer"] == "vi_folded" and props["name"]["search_analyzer"] == "vi_folded_search"
    assert props["name"]["fields"]["exact"]["analyzer"] == "vi_exact"
    assert props["name"]["fields"]["sort"] == {"type": "keyword", "normalizer": "vi_sort"}
    assert props["name_sayt"]["type"] == "search_as_you_type"
    for field in ("name_en", "keywords_en", "place"):
        assert props[field]["fields"]["exact"]["analyzer"] == "vi_exact"
    for facet in ("groups", "group", "district", "producer", "points"):
        assert props[facet]["type"] == "keyword"
    assert props["stock"]["type"] == "nested" and props["stock"]["properties"]["quantity"]["type"] == "integer"
    assert props["prices"]["type"] == "long" and props["certified_until"]["type"] == "date"


def test_analyzers_fold_then_apply_synonyms_at_search_time_only():
    analysis_settings = es.index_definition("products-x").to_dict()["settings"]["analysis"]
    analyzers = analysis_settings["analyzer"]
    assert analyzers["vi_folded"]["filter"] == ["lowercase", "asciifolding"]
    assert analyzers["vi_folded_search"]["filter"] == ["lowercase", "asciifolding", "vi_synonyms"]
    assert analyzers["vi_exact"]["filter"] == ["lowercase"]
    assert analysis_settings["normalizer"]["vi_sort"]["filter"] == ["lowercase", "asciifolding"]
    synonyms = analysis_settings["filter"]["vi_synonyms"]
    assert synonyms["type"] == "synonym_graph"
    # after asciifolding the filter sees folded words, so the synonyms are written folded
    assert "honey, mat ong" in synonyms["synonyms"] and "pineapple, dua" in synonyms["synonyms"]
    assert all(line == analysis.fold(line) for line in synonyms["synonyms"])


def clauses(body):
    return body["query"]["bool"]["must"][0]["bool"]["should"]


def test_fuzziness_only_on_folded_fields_and_exact_accents_weigh_most():
    body = es.build_body(SearchRequest(query="mật ong"))
    fuzzy = [c["multi_match"] for c in clauses(body) if "fuzziness" in c.get("multi_match", {})]
    assert fuzzy and all(".exact" not in f for c in fuzzy for f in c["fields"])
    assert fuzzy[0]["analyzer"] == "vi_folded"  # no synonym graph under fuzzy queries
    exact = next(c["multi_match"] for c in clauses(body) if "name.exact^4" in c.get("multi_match", {}).get("fields", []))
    assert "fuzziness" not in exact
    assert any(c.get("multi_match", {}).get("type") == "bool_prefix" for c in clauses(body))
    assert body["query"]["bool"]["filter"][0] == {"term": {"published": True}}
    today = certification.today().isoformat()
    assert {"range": {"certified_until": {"gte": today}}} in body["query"]["bool"]["filter"]


def test_an_empty_or_symbol_only_query_matches_all_and_sorts_by_name():
    for text in ("", '" * - \' ~ ^', "🍯"):
        body = es.build_body(SearchRequest(query=text))
        assert body["query"]["bool"]["must"] == [{"match_all": {}}]
        assert body["sort"][0] == {"name.sort": {"order": "asc", "missing": "_last"}}
    assert "certified_from" not in str(es.build_body(SearchRequest(filters=SearchFilters(certified_only=False)))["query"])


def test_facet_filters_are_post_filters_and_each_aggregation_skips_its_own():
    request = SearchRequest(query="tea", filters=SearchFilters(stars=[4], districts=["102"], price_lte=100_000))
    body = es.build_body(request)
    post = body["post_filter"]["bool"]["filter"]
    assert {"terms": {"district": ["102"]}} in post and {"range": {"prices": {"lte": 100_000}}} in post
    stars_agg = body["aggs"]["stars"]["filter"]["bool"]["filter"]
    assert {"terms": {"district": ["102"]}} in stars_agg
    assert "'stars': [4]" not in str(stars_agg)  # its own filter is left out
    assert "'stars': [4]" in str(body["aggs"]["district"]["filter"])
    ranges = body["aggs"]["priceBand"]["aggs"]["values"]["range"]["ranges"]
    assert ranges[0] == {"key": "0-100000", "to": 100_000} and ranges[-1] == {"key": "500000-", "from": 500_000}
    assert body["aggs"]["salesPoint"]["aggs"]["values"]["terms"]["field"] == "points"


def test_responses_become_the_same_result_type_as_the_embedded_backend(make_product, sales_point):
    product = make_product("Mật ong hoa ban", district_code="102", stock={sales_point: 3})
    response = {
        "took": 3,
        "hits": {"total": {"value": 1, "relation": "eq"}, "hits": [{"_id": str(product.pk), "_score": 2.0}]},
        "aggregations": {
            "group": {"doc_count": 1, "values": {"buckets": [{"key": "test-group", "doc_count": 1}]}},
            "stars": {"doc_count": 1, "values": {"buckets": [{"key": 3, "doc_count": 1}]}},
            "district": {"doc_count": 1, "values": {"buckets": [{"key": "102", "doc_count": 1}]}},
            "producer": {"doc_count": 1, "values": {"buckets": [{"key": str(product.producer_id), "doc_count": 1}]}},
            "priceBand": {"doc_count": 1, "values": {"buckets": [
                {"key": "0-100000", "doc_count": 0}, {"key": "100000-200000", "doc_count": 1}]}},
            "salesPoint": {"doc_count": 1, "values": {"buckets": [{"key": str(sales_point.pk), "doc_count": 1}]}},
        },
    }
    result = es.parse_response(response, SearchRequest(query="mat ong"))
    assert result.product_ids == [product.pk] and result.total == 1 and result.backend == "elasticsearch"
    facets = {f.field: [(v.label, v.count) for v in f.values] for f in result.facets}
    assert facets["stars"] == [("3★", 1)]
    assert facets["district"] == [("Huyện Mường Ảng", 1)]
    assert facets["priceBand"] == [("100.000\xa0₫ – 200.000\xa0₫", 1)]
    assert facets["salesPoint"] == [("Điểm bán Mường Ảng", 1)]
    assert facets["producer"][0][0] == product.producer.name


class FakeIndices:
    def __init__(self, aliases):
        self.aliases = aliases  # index -> set of aliases
        self.calls = []

    def create(self, index, body):
        self.calls.append(("create", index))
        self.aliases[index] = set()

    def refresh(self, index):
        self.calls.append(("refresh", index))

    def exists_alias(self, name):
        return any(name in a for a in self.aliases.values())

    def exists(self, index):
        return index in self.aliases

    def get_alias(self, name):
        return {i: {} for i, a in self.aliases.items() if name in a}

    def update_aliases(self, actions):
        self.calls.append(("update_aliases", actions))

    def delete(self, index, ignore_unavailable=False):
        self.calls.append(("delete", index))


class FakeClient:
    def __init__(self, aliases):
        self.indices = FakeIndices(aliases)

    def options(self, **kwargs):
        return self


def test_rebuild_fills_a_new_index_then_swaps_the_alias_atomically(make_product, monkeypatch):
    products = [make_product(f"Mật ong {i}") for i in range(3)]
    client = FakeClient({"ocop-test-old": {"ocop-test"}})
    sent = []

    def fake_bulk(client, actions, **kwargs):
        for action in actions:
            sent.append(action)
            ok = action["_id"] != str(products[1].pk)
            yield ok, {action["_op_type"]: {"_id": action["_id"], "status": 201 if ok else 400}}

    monkeypatch.setattr(es, "streaming_bulk", fake_bulk)
    backend = es.ElasticsearchBackend("http://127.0.0.1:9", "ocop-test", 0.2, client=client)
    report = backend.rebuild()
    new_index = client.indices.calls[0][1]
    assert new_index.startswith("ocop-test-") and {a["_index"] for a in sent} == {new_index}
    assert report.indexed == 2 and len(report.failures) == 1  # failures are collected, not raised
    swap = next(c[1] for c in client.indices.calls if c[0] == "update_aliases")
    assert swap == [{"remove": {"index": "ocop-test-old", "alias": "ocop-test"}},
                    {"add": {"index": new_index, "alias": "ocop-test"}}]  # one request: atomic
    assert ("delete", "ocop-test-old") in client.indices.calls
    assert sent[0]["_source"]["name"] == "Mật ong 0" and sent[0]["_source"]["stars"] == 3


@pytest.fixture
def es_configured(settings):
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.SEARCH_ES_TIMEOUT = 0.3
    settings.SEARCH_ES_RETRY_AFTER = 30
    return settings


def test_unreachable_elasticsearch_falls_back_to_embedded_and_logs_once(es_configured, make_product, caplog, gql):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    es_configured.ELASTICSEARCH_URL = f"http://127.0.0.1:{port}"
    make_product("Mật ong hoa ban")
    search.embedded().rebuild()
    with caplog.at_level(logging.WARNING, logger="search"):
        first = search.search("mat ong")
        second = search.search("mat ong")
    assert first.backend == second.backend == "embedded" and first.fallback and len(first.product_ids) == 1
    assert len([r for r in caplog.records if "Elasticsearch did not answer" in r.getMessage()]) == 1
    assert search.suggest("mat")[0].text == "Mật ong hoa ban"
    body = gql("""query { search(query: "mat ong") { backend totalCount } }""")["data"]["search"]
    assert body == {"backend": "embedded", "totalCount": 1}
    assert "fallback" in search.status()


def test_a_slow_elasticsearch_times_out_quickly_and_the_page_still_answers(es_configured, make_product):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    accepted, stop = [], threading.Event()

    def accept_and_stall():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                accepted.append(conn)  # never answer
            except OSError:
                pass

    thread = threading.Thread(target=accept_and_stall, daemon=True)
    thread.start()
    try:
        es_configured.ELASTICSEARCH_URL = f"http://127.0.0.1:{server.getsockname()[1]}"
        make_product("Mật ong hoa ban")
        search.embedded().rebuild()
        started = time.monotonic()
        result = search.search("mat ong")
        assert result.backend == "embedded" and len(result.product_ids) == 1
        assert time.monotonic() - started < 3
        started = time.monotonic()
        assert search.search("mat ong").backend == "embedded"
        assert time.monotonic() - started < 0.3  # not retried until SEARCH_ES_RETRY_AFTER
    finally:
        stop.set()
        thread.join(2)
        for conn in accepted:
            conn.close()
        server.close()
