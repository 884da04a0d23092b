"""The Elasticsearch backend (elasticsearch-py and its DSL, major version 8 =
the server's major version).

- `ProductDocument`: Vietnamese text analysed as lowercase → asciifolding
  (which also maps đ→d; Python NFC-normalises first), with the synonyms of
  search/synonyms.txt applied at search time by a synonym_graph
  filter placed after the folding; every text field has an `exact`
  sub-field that keeps the accents, the name a search-as-you-type twin and
  a folded keyword for sorting; facets are keywords; stock per sales point
  is a nested list.
- The index lives behind an alias (settings.SEARCH_INDEX_ALIAS); `rebuild()`
  fills a new index and swaps the alias atomically, then drops the old one.
- Bulk writes go through `streaming_bulk`, collecting failures instead of
  stopping at the first.
- Queries: exact-accent and phrase matches on the name weigh most, then the
  folded fields with synonyms, then fuzzy matches on folded fields only, then
  prefixes of the name; filters that are facets go in `post_filter`, and each
  facet's aggregation applies every other facet filter, so counts are
  disjunctive.

`build_body()` and `parse_response()` are plain functions, tested without a
server; tests/search/test_search_elasticsearch_live.py runs the relevance
suite against a real one when ELASTICSEARCH_URL is set.
"""
import datetime
import logging
import threading
import time

from django.conf import settings
from elasticsearch import Elasticsearch
from elasticsearch.dsl import (
    Boolean,
    Date,
    Document,
    Index,
    InnerDoc,
    Integer,
    Keyword,
    Long,
    Nested,
    SearchAsYouType,
    Text,
    analyzer,
    normalizer,
    token_filter,
)
from elasticsearch.helpers import streaming_bulk

from catalog import certification
from catalog.models import Product
from search import analysis
from search.bands import band_key, band_label, price_bands
from search.documents import build_documents
from search.types import (
    Facet,
    FacetValue,
    IndexReport,
    SearchRequest,
    SearchResult,
    Suggestion,
)
from shop.text import nfc

log = logging.getLogger("search")
BULK_CHUNK = 500

# -- analysis -------------------------------------------------------------------------

vi_synonyms = token_filter(
    "vi_synonyms", type="synonym_graph", synonyms=analysis.folded_synonym_lines(), lenient=True
)
# Index time: fold only. Search time: fold, then synonyms (the synonyms are written folded).
vi_folded = analyzer("vi_folded", tokenizer="standard", filter=["lowercase", "asciifolding"])
vi_folded_search = analyzer("vi_folded_search", tokenizer="standard", filter=["lowercase", "asciifolding", vi_synonyms])
vi_exact = analyzer("vi_exact", tokenizer="standard", filter=["lowercase"])
vi_sort = normalizer("vi_sort", filter=["lowercase", "asciifolding"])


def _text(**extra):
    return Text(analyzer=vi_folded, search_analyzer=vi_folded_search, fields={"exact": Text(analyzer=vi_exact)}, **extra)


class StockLevel(InnerDoc):
    sales_point = Keyword()
    quantity = Integer()


class ProductDocument(Document):
    name = Text(
        analyzer=vi_folded, search_analyzer=vi_folded_search,
        fields={"exact": Text(analyzer=vi_exact), "sort": Keyword(normalizer=vi_sort)},
    )
    name_sayt = SearchAsYouType(analyzer=vi_folded)
    name_en = _text()
    keywords_en = _text()
    place = _text()
    body = Text(analyzer=vi_folded, search_analyzer=vi_folded_search)
    slug = Keyword()
    published = Boolean()
    stars = Integer()
    certified_from = Date()
    certified_until = Date()
    groups = Keyword()  # the product set and the levels above it
    group = Keyword()  # the product set (the facet)
    district = Keyword()
    producer = Keyword()
    prices = Long()
    min_price = Long()
    points = Keyword()  # sales points with stock
    stock = Nested(StockLevel)
    created_at = Date()


def index_definition(name: str) -> Index:
    index = Index(name)
    index.settings(number_of_shards=1, number_of_replicas=0)
    index.document(ProductDocument)
    return index


def source_of(doc: dict) -> dict:
    """documents.build_documents() output -> the Elasticsearch document."""
    texts = doc["texts"]
    return {
        "name": nfc(doc["name"]),
        "name_sayt": nfc(doc["name"]),
        "name_en": nfc(doc["name_en"]),
        "keywords_en": nfc(texts["en"]),
        "place": nfc(texts["place"]),
        "body": nfc(texts["body"]),
        "slug": doc["slug"],
        "published": True,
        "stars": doc["stars"],
        "certified_from": doc["certified_from"],
        "certified_until": doc["certified_until"],
        "groups": doc["groups"],
        "group": doc["groups"][0] if doc["groups"] else None,
        "district": doc["district"] or None,
        "producer": str(doc["producer"]) if doc["producer"] else None,
        "prices": doc["prices"],
        "min_price": doc["min_price"],
        "points": [str(p) for p in doc["points"]],
        "stock": [{"sales_point": k, "quantity": v} for k, v in doc["stock"].items()],
        "created_at": doc["created_at"],
    }


# -- queries --------------------------------------------------------------------------

def _certified(day: datetime.date) -> list[dict]:
    iso = day.isoformat()
    return [{"range": {"certified_from": {"lte": iso}}}, {"range": {"certified_until": {"gte": iso}}}]


def text_query(text: str) -> dict:
    """Relevance: exact accents and the name first, synonyms, then typos and prefixes."""
    folded_fields = ["name^5", "name_en^4", "keywords_en^4", "place^3", "body"]
    return {"bool": {"minimum_should_match": 1, "should": [
        {"multi_match": {"query": text, "type": "best_fields", "operator": "and", "boost": 3,
                         "fields": ["name.exact^4", "name_en.exact^2", "keywords_en.exact^2", "place.exact^2"]}},
        {"match_phrase": {"name": {"query": text, "boost": 8}}},
        {"multi_match": {"query": text, "type": "cross_fields", "operator": "and", "fields": folded_fields}},
        # Typos: fuzzy on the folded fields only, without synonyms (fuzzy graph queries are not allowed).
        {"multi_match": {"query": text, "type": "best_fields", "operator": "and", "analyzer": "vi_folded",
                         "fuzziness": "AUTO", "prefix_length": 1, "boost": 0.5,
                         "fields": ["name^2", "name_en^2", "keywords_en^2", "place"]}},
        {"multi_match": {"query": text, "type": "bool_prefix", "operator": "and", "boost": 1.5,
                         "fields": ["name_sayt", "name_sayt._2gram", "name_sayt._3gram"]}},
    ]}}


def facet_filters(request: SearchRequest, day: datetime.date) -> dict[str, dict]:
    """The facet-shaped filters, by facet name."""
    f = request.filters
    out = {}
    if f.groups:
        out["group"] = {"terms": {"groups": list(f.groups)}}
    if f.stars:
        out["stars"] = {"bool": {"filter": [{"terms": {"stars": list(f.stars)}}, *_certified(day)]}}
    if f.districts:
        out["district"] = {"terms": {"district": list(f.districts)}}
    if f.producers:
        out["producer"] = {"terms": {"producer": [str(p) for p in f.producers]}}
    if f.price_gte is not None or f.price_lte is not None:
        bounds = {}
        if f.price_gte is not None:
            bounds["gte"] = f.price_gte
        if f.price_lte is not None:
            bounds["lte"] = f.price_lte
        out["priceBand"] = {"range": {"prices": bounds}}
    if f.available_at:
        out["salesPoint"] = {"terms": {"points": [str(p) for p in f.available_at]}}
    return out


def _bucket_agg(name: str, day: datetime.date) -> dict:
    if name == "priceBand":
        ranges = []
        for low, high in price_bands():
            r = {"key": band_key(low, high)}
            if low is not None:
                r["from"] = low
            if high is not None:
                r["to"] = high
            ranges.append(r)
        return {"range": {"field": "prices", "ranges": ranges}}
    field = {"group": "group", "stars": "stars", "district": "district", "producer": "producer",
             "salesPoint": "points"}[name]
    return {"terms": {"field": field, "size": 100}}


def build_body(request: SearchRequest, day: datetime.date | None = None) -> dict:
    day = day or request.day or certification.today()
    text = nfc(request.query or "")[: analysis.MAX_QUERY_CHARS]
    has_words = bool(analysis.words(text))
    hard = [{"term": {"published": True}}]
    if request.filters.certified_only:
        hard += _certified(day)
    body: dict = {
        "query": {"bool": {"must": [text_query(text)] if has_words else [{"match_all": {}}], "filter": hard}},
        "from": request.offset,
        "size": request.limit,
        "track_total_hits": True,
        "_source": False,
        "sort": _sort(request, has_words),
    }
    filters = facet_filters(request, day)
    if filters:
        body["post_filter"] = {"bool": {"filter": list(filters.values())}}
    if request.facets:
        aggs = {}
        for name in ("group", "stars", "district", "producer", "priceBand", "salesPoint"):
            others = [q for n, q in filters.items() if n != name]
            if name == "stars":
                others = others + _certified(day)  # expired stars are never shown, not even as a count
            aggs[name] = {"filter": {"bool": {"filter": others}} if others else {"match_all": {}},
                          "aggs": {"values": _bucket_agg(name, day)}}
        body["aggs"] = aggs
    return body


def _sort(request: SearchRequest, has_words: bool) -> list:
    order = "desc" if request.descending else "asc"
    sort = request.sort
    if sort == "RELEVANCE" and not has_words:
        sort = "NAME"
    field = {"NAME": "name.sort", "PRICE": "min_price", "STARS": "stars", "NEWEST": "created_at"}.get(sort)
    if field is None:
        return ["_score", {"name.sort": "asc"}, {"slug": "asc"}]
    return [{field: {"order": order, "missing": "_last"}}, {"slug": "asc"}]


def parse_response(response: dict, request: SearchRequest, took_ms: float | None = None) -> SearchResult:
    hits = response.get("hits", {})
    total = hits.get("total", {})
    total = total.get("value", 0) if isinstance(total, dict) else int(total or 0)
    ids = [int(h["_id"]) for h in hits.get("hits", [])]
    facets = []
    if request.facets:
        raw = {}
        for name, agg in (response.get("aggregations") or {}).items():
            raw[name] = [(str(b["key"]), b["doc_count"]) for b in agg.get("values", {}).get("buckets", [])
                         if b.get("doc_count")]
        facets = labelled_facets(raw)
    return SearchResult(
        product_ids=ids, total=total, facets=facets, backend="elasticsearch",
        took_ms=took_ms if took_ms is not None else float(response.get("took", 0)), offset=request.offset,
    )


def labelled_facets(raw: dict[str, list[tuple[str, int]]]) -> list[Facet]:
    """Bucket keys -> the same facet values and labels the embedded backend gives."""
    from catalog.models import Producer, ProductGroup
    from shop.errors import pick
    from shop.graphql.core import global_id
    from shop.models import District, SalesPoint

    def keys(name):
        return [k for k, _ in raw.get(name, [])]

    groups = {g.code: pick(g.name, g.name_en or g.name) for g in ProductGroup.objects.filter(code__in=keys("group"))}
    districts = {d.code: pick(d.name, d.name_en or d.name) for d in District.objects.filter(code__in=keys("district"))}
    producer_ids = [int(k) for k in keys("producer") if k.isdigit()]
    producers = {str(p.pk): p.name for p in Producer.objects.filter(pk__in=producer_ids)}
    point_ids = [int(k) for k in keys("salesPoint") if k.isdigit()]
    points = {str(p.pk): pick(p.name, p.name_en or p.name) for p in SalesPoint.objects.filter(pk__in=point_ids)}
    bands = {band_key(lo, hi): band_label(lo, hi) for lo, hi in price_bands()}
    stars = dict(raw.get("stars", []))
    return [
        Facet("group", [FacetValue(k, groups[k], n) for k, n in raw.get("group", []) if k in groups]),
        Facet("stars", [FacetValue(k, f"{k}★", stars[k]) for k in ("5", "4", "3") if k in stars]),
        Facet("district", [FacetValue(k, districts[k], n) for k, n in raw.get("district", []) if k in districts]),
        Facet("producer", [
            FacetValue(global_id("Producer", k), producers[k], n) for k, n in raw.get("producer", []) if k in producers
        ]),
        Facet("priceBand", [FacetValue(k, bands[k], n) for k, n in raw.get("priceBand", []) if k in bands]),
        Facet("salesPoint", [
            FacetValue(global_id("SalesPoint", k), points[k], n) for k, n in raw.get("salesPoint", []) if k in points
        ]),
    ]


def suggest_body(prefix: str, limit: int, day: datetime.date) -> dict:
    text = nfc(prefix or "")[: analysis.MAX_QUERY_CHARS]
    return {
        "query": {"bool": {
            "must": [{"multi_match": {"query": text, "type": "bool_prefix", "operator": "and",
                                      "fields": ["name_sayt", "name_sayt._2gram", "name_sayt._3gram"]}}],
            "should": [{"match_phrase_prefix": {"name.exact": {"query": text, "boost": 2}}}],
            "filter": [{"term": {"published": True}}, *_certified(day)],
        }},
        "size": limit,
        "_source": ["name", "slug"],
    }


# -- the backend ------------------------------------------------------------------------

_clients: dict[str, "ElasticsearchBackend"] = {}
_clients_lock = threading.Lock()


class ElasticsearchBackend:
    name = "elasticsearch"

    def __init__(self, url: str, alias: str, timeout: float, client: Elasticsearch | None = None):
        self.url = url
        self.alias = alias
        self.timeout = timeout
        self.client = client or Elasticsearch(url, request_timeout=timeout, max_retries=0, retry_on_timeout=False)
        self._status: tuple[float, str] | None = None

    @classmethod
    def configured(cls) -> "ElasticsearchBackend":
        key = f"{settings.ELASTICSEARCH_URL}|{settings.SEARCH_INDEX_ALIAS}|{settings.SEARCH_ES_TIMEOUT}"
        with _clients_lock:
            if key not in _clients:
                _clients[key] = cls(settings.ELASTICSEARCH_URL, settings.SEARCH_INDEX_ALIAS, settings.SEARCH_ES_TIMEOUT)
            return _clients[key]

    @property
    def writer(self) -> Elasticsearch:
        """The client for small writes (a few products, after a commit)."""
        return self.client.options(request_timeout=max(5.0, self.timeout * 10))

    @property
    def slow(self) -> Elasticsearch:
        """The client for maintenance work, which may take longer than a search."""
        return self.client.options(request_timeout=120)

    # -- writing -------------------------------------------------------------------
    def _actions(self, index: str, ids, progress=None):
        for start in range(0, len(ids), BULK_CHUNK):
            chunk = ids[start : start + BULK_CHUNK]
            docs = build_documents(chunk)
            for doc in docs:
                yield {"_op_type": "index", "_index": index, "_id": str(doc["id"]), "_source": source_of(doc)}
            for missing in set(chunk) - {d["id"] for d in docs}:
                yield {"_op_type": "delete", "_index": index, "_id": str(missing)}
            if progress:
                progress(len(chunk))

    def _bulk(self, actions, client=None) -> IndexReport:
        report = IndexReport()
        for ok, item in streaming_bulk(
            client or self.writer, actions, chunk_size=BULK_CHUNK, raise_on_error=False, raise_on_exception=False, max_retries=2
        ):
            op, result = next(iter(item.items()))
            if ok:
                if op == "delete":
                    report.deleted += 1
                else:
                    report.indexed += 1
            elif op == "delete" and result.get("status") == 404:
                report.deleted += 1  # already gone
            else:
                report.failures.append(item)
        if report.failures:
            log.error("Elasticsearch refused %d documents; first: %s", len(report.failures), report.failures[0])
        return report

    def ensure_index(self) -> None:
        if not self.writer.indices.exists_alias(name=self.alias):
            self.rebuild()

    def index(self, product_ids) -> IndexReport:
        started = time.perf_counter()
        self.ensure_index()
        report = self._bulk(self._actions(self.alias, sorted(set(product_ids))))
        report.seconds = time.perf_counter() - started
        return report

    def delete(self, product_ids) -> IndexReport:
        actions = ({"_op_type": "delete", "_index": self.alias, "_id": str(pk)} for pk in product_ids)
        return self._bulk(actions)

    def rebuild(self, progress=None) -> IndexReport:
        """Fill a fresh index, then point the alias at it in one atomic step."""
        started = time.perf_counter()
        client = self.slow
        new = f"{self.alias}-{datetime.datetime.now(datetime.UTC):%Y%m%d%H%M%S%f}"
        client.indices.create(index=new, body=index_definition(new).to_dict())
        ids = list(Product.objects.published().order_by("pk").values_list("pk", flat=True))
        report = self._bulk(self._actions(new, ids, progress), client)
        client.indices.refresh(index=new)
        actions = [{"add": {"index": new, "alias": self.alias}}]
        old = []
        if client.indices.exists_alias(name=self.alias):
            old = list(client.indices.get_alias(name=self.alias).keys())
            actions = [{"remove": {"index": i, "alias": self.alias}} for i in old] + actions
        elif client.indices.exists(index=self.alias):
            actions.append({"remove_index": {"index": self.alias}})  # a concrete index squatting the alias name
        client.indices.update_aliases(actions=actions)
        for name in old:
            client.indices.delete(index=name, ignore_unavailable=True)
        report.seconds = time.perf_counter() - started
        return report

    # -- reading -------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        body = build_body(request)
        response = self.client.search(index=self.alias, body=body)
        return parse_response(dict(response), request, round((time.perf_counter() - started) * 1000, 2))

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        if not analysis.words(prefix):
            return []
        response = self.client.search(index=self.alias, body=suggest_body(prefix, limit, certification.today()))
        return [
            Suggestion(text=h["_source"]["name"], kind="PRODUCT", slug=h["_source"].get("slug"), product_id=int(h["_id"]))
            for h in response["hits"]["hits"]
        ]

    def status(self) -> str:
        """Cached for 15 s; a ping never waits longer than the search timeout."""
        now = time.monotonic()
        if self._status and now - self._status[0] < 15:
            return self._status[1]
        try:
            alive = self.client.options(request_timeout=self.timeout).ping()
        except Exception:  # noqa: BLE001
            alive = False
        text = f"elasticsearch (alias {self.alias})" if alive else "unreachable"
        self._status = (now, text)
        return text
