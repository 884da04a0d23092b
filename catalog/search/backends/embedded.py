"""The embedded backend: search with no service beside the database.

Where the work happens:
- the database finds the matching products: SQLite through the FTS5 table
  `catalog_search_fts` (words folded in Python), PostgreSQL through a trigram
  index on the column `folded`, generated as `ocop_fold(document)` (unaccent
  behind an IMMUTABLE wrapper; migrations 0003 and 0004);
- this process ranks them, applies the filters and counts the facets, from
  an in-memory copy of `SearchEntry` that is reloaded when the index's
  generation token changes (one tiny query per search tells).

Ranking prefers, in this order of weight: words in the name, in the English
name and keywords, in the producer and place names, in the description;
original words over synonyms over typo corrections; whole words over
prefixes. Bonuses for the whole query in the name, for words typed with the
accents the name has (so "dưa" is dưa mèo, not dứa), and a small one for
short names.
"""
import datetime
import functools
import heapq
import logging
import threading
import time
import uuid

from django.conf import settings
from django.db import connections, transaction
from django.utils import translation

from catalog import certification
from catalog.models import Product, SearchEntry, SearchIndexState
from catalog.search import analysis
from catalog.search.documents import FIELDS, build_documents
from catalog.search.types import (
    Facet,
    FacetValue,
    IndexReport,
    SearchRequest,
    SearchResult,
    Suggestion,
)
from shop.errors import pick
from shop.money import format_vnd
from shop.text import fold

log = logging.getLogger(__name__)

WEIGHTS = {"name": 10.0, "en": 7.0, "place": 5.0, "body": 1.5}
KIND = {analysis.ORIGINAL: 1.0, analysis.SYNONYM: 0.85, analysis.FUZZY: 0.6}
PREFIX_MATCH = 0.75
BATCH = 500
RESULT_CACHE_SIZE = 256
FACET_VALUES = 50  # producers: the most frequent this many (the other facets are short lists)
STATE_KEY = "embedded"


class Doc:
    """A product as ranked and filtered in memory. Each field is one string of
    words with a space at both ends, so matching a word, a prefix or a phrase
    is one substring test in C."""

    __slots__ = (
        "id", "slug", "name", "folded_texts", "exact_texts", "word_count", "folded_name", "stars", "certified_from",
        "certified_until", "groups", "group_label", "district", "district_label", "producer", "producer_label",
        "prices", "min_price", "points", "created_at", "bands",
    )

    def __init__(self, product_id: int, data: dict, bands):
        self.id = product_id
        self.slug = data["slug"]
        self.name = data["name"]
        words = data["words"]
        folded = data.get("folded") or {k: fold(words.get(k, "")) for k in FIELDS}
        self.exact_texts = tuple(f" {words.get(k, '')} " for k in FIELDS)
        self.folded_texts = tuple(f" {folded.get(k, '')} " for k in FIELDS)
        self.word_count = len(folded.get("name", "").split())
        self.folded_name = folded.get("name", "")
        self.stars = data.get("stars")
        self.certified_from = _date(data.get("certified_from"))
        self.certified_until = _date(data.get("certified_until"))
        self.groups = tuple(data.get("groups") or ())
        self.group_label = tuple(data.get("group_label") or ("", ""))
        self.district = data.get("district") or ""
        self.district_label = tuple(data.get("district_label") or ("", ""))
        self.producer = data.get("producer")
        self.producer_label = data.get("producer_label") or ""
        self.prices = tuple(data.get("prices") or ())
        self.min_price = data.get("min_price")
        self.points = tuple(data.get("points") or ())
        self.created_at = data.get("created_at") or ""
        self.bands = tuple(band_key(lo, hi) for lo, hi in bands if _in_band(self.prices, lo, hi))

    def stars_on(self, day: datetime.date):
        if self.stars and self.certified_from and self.certified_from <= day <= self.certified_until:
            return self.stars
        return None


def _date(value):
    return datetime.date.fromisoformat(value) if value else None


class MemoryIndex:
    def __init__(self, generation: str, docs: dict[int, Doc]):
        self.generation = generation
        self.docs = docs
        self.vocabulary = analysis.Vocabulary(w for d in docs.values() for f in d.folded_texts for w in f.split())
        self.vocabulary.near("")  # build the typo map now, not during somebody's search
        self.cache: dict = {}  # (query, filters, sort, day, language) -> ordered hits and facets


_memory: dict[str, MemoryIndex] = {}
_memory_lock = threading.Lock()


def _document_text(data: dict) -> str:
    """' name words | english words | place words | body words ' (accents kept)."""
    return " " + " | ".join(data["words"].get(k, "") for k in FIELDS) + " "


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, using: str = "default"):
        self.using = using

    # -- writing -------------------------------------------------------------------
    def index(self, product_ids) -> IndexReport:
        started = time.perf_counter()
        ids = sorted(set(product_ids))
        report = IndexReport()
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            docs = build_documents(chunk)
            found = {d["id"] for d in docs}
            with transaction.atomic(using=self.using):
                self._delete_rows(chunk)
                self._write(docs)
                self._bump()
            report.indexed += len(docs)
            report.deleted += len(set(chunk) - found)
        report.seconds = time.perf_counter() - started
        return report

    def delete(self, product_ids) -> IndexReport:
        ids = sorted(set(product_ids))
        with transaction.atomic(using=self.using):
            self._delete_rows(ids)
            self._bump()
        return IndexReport(deleted=len(ids))

    def rebuild(self, progress=None) -> IndexReport:
        """Re-index every published product (in batches; `progress(n)` after each)."""
        started = time.perf_counter()
        ids = list(Product.objects.published().order_by("pk").values_list("pk", flat=True))
        report = IndexReport()
        with transaction.atomic(using=self.using):
            SearchEntry.objects.using(self.using).all().delete()
            if self._vendor == "sqlite":
                with connections[self.using].cursor() as cursor:
                    cursor.execute("DELETE FROM catalog_search_fts")
            for start in range(0, len(ids), BATCH):
                docs = build_documents(ids[start : start + BATCH])
                self._write(docs)
                report.indexed += len(docs)
                if progress:
                    progress(len(ids[start : start + BATCH]))
            self._bump()
        report.seconds = time.perf_counter() - started
        return report

    @property
    def _vendor(self) -> str:
        return connections[self.using].vendor

    def _delete_rows(self, ids):
        if not ids:
            return
        SearchEntry.objects.using(self.using).filter(product_id__in=ids).delete()
        if self._vendor == "sqlite":
            with connections[self.using].cursor() as cursor:
                for start in range(0, len(ids), BATCH):
                    chunk = ids[start : start + BATCH]
                    cursor.execute(
                        f"DELETE FROM catalog_search_fts WHERE rowid IN ({','.join(['%s'] * len(chunk))})", chunk
                    )

    def _write(self, docs):
        if not docs:
            return
        SearchEntry.objects.using(self.using).bulk_create([
            SearchEntry(
                product_id=d["id"], document=_document_text(d), folded_name=fold(d["name"])[:300], stars=d["stars"],
                certified_until=d["certified_until"], points=" ".join(map(str, d["points"])), data=d,
            )
            for d in docs
        ])
        if self._vendor == "sqlite":
            rows = [(d["id"], *(fold(d["words"][k]) for k in FIELDS)) for d in docs]
            with connections[self.using].cursor() as cursor:
                for start in range(0, len(rows), 100):
                    chunk = rows[start : start + 100]
                    cursor.execute(
                        "INSERT INTO catalog_search_fts (rowid, name, en, place, body) VALUES "
                        + ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk)),
                        [value for row in chunk for value in row],
                    )

    def _bump(self):
        SearchIndexState.objects.using(self.using).update_or_create(
            key=STATE_KEY, defaults={"generation": uuid.uuid4().hex}
        )

    # -- reading -------------------------------------------------------------------
    def memory(self) -> MemoryIndex:
        generation = (
            SearchIndexState.objects.using(self.using).filter(key=STATE_KEY).values_list("generation", flat=True).first()
            or ""
        )
        key = f"{self.using}:{connections[self.using].settings_dict.get('NAME')}"
        current = _memory.get(key)
        if current is not None and current.generation == generation:
            return current
        with _memory_lock:
            bands = price_bands()
            docs = {
                pk: Doc(pk, data, bands)
                for pk, data in SearchEntry.objects.using(self.using).values_list("product_id", "data").iterator(2000)
            }
            current = _memory[key] = MemoryIndex(generation, docs)
        return current

    def matching_ids(self, parsed: analysis.ParsedQuery, require_all: bool = True) -> set[int]:
        """Products whose words match the query, found by the database's own index."""
        if not parsed.groups:
            return set()
        if self._vendor == "sqlite":
            return self._match_fts(parsed, require_all)
        if self._vendor == "postgresql":
            return self._match_trigram(parsed, require_all)
        raise NotImplementedError(f"the embedded search backend does not support {self._vendor}")

    def _match_fts(self, parsed, require_all) -> set[int]:
        def alternative(alt):
            phrase = '"' + " ".join(alt.words) + '"'
            return phrase + "*" if alt.prefix else phrase

        groups = ["(" + " OR ".join(alternative(a) for a in g.alternatives) + ")" for g in parsed.groups]
        expression = (" AND " if require_all else " OR ").join(groups)
        with connections[self.using].cursor() as cursor:
            cursor.execute("SELECT rowid FROM catalog_search_fts WHERE catalog_search_fts MATCH %s", [expression])
            return {row[0] for row in cursor.fetchall()}

    def _match_trigram(self, parsed, require_all) -> set[int]:
        clauses, params = [], []
        for group in parsed.groups:
            ors = []
            for alt in group.alternatives:
                ors.append("folded LIKE %s")
                params.append("% " + " ".join(alt.words) + ("%" if alt.prefix else " %"))
            clauses.append("(" + " OR ".join(ors) + ")")
        where = (" AND " if require_all else " OR ").join(clauses)
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"SELECT product_id FROM catalog_searchentry WHERE {where}", params)
            return {row[0] for row in cursor.fetchall()}

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        memory = self.memory()
        day = request.day or certification.today()
        f = request.filters
        key = (
            request.query, request.sort, request.descending, request.facets, day, translation.get_language(),
            tuple(sorted(f.groups or ())), tuple(sorted(f.stars or ())), tuple(sorted(f.districts or ())),
            tuple(sorted(f.producers or ())), f.price_gte, f.price_lte, tuple(sorted(f.available_at or ())),
            f.certified_only,
        )
        cached = memory.cache.get(key)
        if cached is None:
            cached = self._run(memory, request, day)
            if len(memory.cache) >= RESULT_CACHE_SIZE:
                memory.cache.pop(next(iter(memory.cache)))
            memory.cache[key] = cached
        ordered, facets = cached
        page = ordered[request.offset : request.offset + request.limit]
        return SearchResult(
            product_ids=[d.id for d in page], total=len(ordered), facets=facets if request.facets else [],
            backend=self.name, took_ms=round((time.perf_counter() - started) * 1000, 2), offset=request.offset,
        )

    def _run(self, memory: MemoryIndex, request: SearchRequest, day):
        """Every hit in order, and the facets (cached per index generation: the next page is free)."""
        parsed = analysis.parse_query(request.query, vocabulary=memory.vocabulary)
        if parsed.is_empty:
            candidates = list(memory.docs.values())
        else:
            ids = self.matching_ids(parsed, require_all=True)
            if not ids and len(parsed.groups) > 1:
                ids = self.matching_ids(parsed, require_all=False)
            candidates = [memory.docs[i] for i in ids if i in memory.docs]
        scores = {}
        if not parsed.is_empty:
            compiled = _Compiled(parsed)
            scores = {d.id: _score(d, parsed, compiled) for d in candidates}
            candidates = [d for d in candidates if scores[d.id] > 0]
        hits, facets = _filter_and_count(candidates, request, day)
        return _order(hits, scores, parsed, request, day), facets

    def suggest(self, prefix: str, limit: int = 8, day=None) -> list[Suggestion]:
        memory = self.memory()
        day = day or certification.today()
        parsed = analysis.parse_query(prefix, vocabulary=memory.vocabulary)
        if parsed.is_empty:
            return []
        ids = self.matching_ids(parsed, require_all=True)
        compiled = _Compiled(parsed)
        docs = [memory.docs[i] for i in ids if i in memory.docs]
        if len(docs) > limit * 20:  # many matches: names that contain the typed words first
            in_name = [d for d in docs if all(any(w in d.folded_texts[0] or (p and p in d.folded_texts[0])
                                                  for w, p, _, _ in alts) for alts in compiled.groups)]
            docs = in_name if len(in_name) >= limit else docs
            docs = sorted(docs, key=lambda d: (d.word_count, d.id))[: limit * 20]
        scored = [(_score(d, parsed, compiled), d) for d in docs]
        scored = [(s, d) for s, d in scored if s > 0 and d.stars_on(day)]
        ranked = [d for _, d in sorted(scored, key=lambda sd: (-sd[0], sd[1].folded_name, sd[1].id))[:limit]]
        return [Suggestion(text=d.name, kind="PRODUCT", slug=d.slug, product_id=d.id) for d in ranked]

    def status(self) -> str:
        try:
            count = SearchEntry.objects.using(self.using).count()
        except Exception as exc:  # noqa: BLE001 - readiness reports, never raises
            return f"embedded ({self._vendor}): error {exc.__class__.__name__}"
        return f"embedded ({self._vendor}, {count} products)"


# -- filters and facets ---------------------------------------------------------------

def price_bands():
    return list(settings.SEARCH_PRICE_BANDS)


def band_key(low, high) -> str:
    return f"{low or 0}-{high or ''}"


@functools.lru_cache(maxsize=64)
def _band_label(low, high, language) -> str:
    with translation.override(language):
        return _band_text(low, high)


def band_label(low, high) -> str:
    return _band_label(low, high, (translation.get_language() or "vi")[:2])


def _band_text(low, high) -> str:
    if low is None:
        return pick(f"Dưới {format_vnd(high)}", f"Under {format_vnd(high)}")
    if high is None:
        return pick(f"Từ {format_vnd(low)}", f"{format_vnd(low)} and up")
    return f"{format_vnd(low)} – {format_vnd(high)}"


def _in_band(prices, low, high) -> bool:
    return any((low is None or p >= low) and (high is None or p < high) for p in prices)


def _filter_and_count(candidates, request: SearchRequest, day):
    """Apply the filters; count every facet over the products that pass all the
    *other* filters (disjunctive counts: choosing 4★ leaves the 3★ count)."""
    f = request.filters
    groups, stars, districts = set(f.groups or ()), set(f.stars or ()), set(f.districts or ())
    producers, points = set(f.producers or ()), set(f.available_at or ())
    price_on = f.price_gte is not None or f.price_lte is not None
    low, high = f.price_gte, f.price_lte
    names = ("group", "stars", "district", "producer", "priceBand", "salesPoint")
    counts = {name: {} for name in names}
    c_group, c_stars, c_district = counts["group"], counts["stars"], counts["district"]
    c_producer, c_band, c_point = counts["producer"], counts["priceBand"], counts["salesPoint"]
    labels: dict = {"group": {}, "district": {}, "producer": {}}
    with_facets = request.facets
    hits = []
    for doc in candidates:
        current = doc.stars_on(day)
        if f.certified_only and current is None:
            continue
        failed = None
        if groups and groups.isdisjoint(doc.groups):
            failed = "group"
        if stars and current not in stars:
            if failed:
                continue
            failed = "stars"
        if districts and doc.district not in districts:
            if failed:
                continue
            failed = "district"
        if producers and doc.producer not in producers:
            if failed:
                continue
            failed = "producer"
        if price_on and not any((low is None or p >= low) and (high is None or p <= high) for p in doc.prices):
            if failed:
                continue
            failed = "priceBand"
        if points and points.isdisjoint(doc.points):
            if failed:
                continue
            failed = "salesPoint"
        if failed is None:
            hits.append(doc)
        if not with_facets:
            continue
        if doc.groups and (failed is None or failed == "group"):
            c_group[doc.groups[0]] = c_group.get(doc.groups[0], 0) + 1
            labels["group"][doc.groups[0]] = doc.group_label
        if current and (failed is None or failed == "stars"):
            c_stars[str(current)] = c_stars.get(str(current), 0) + 1
        if doc.district and (failed is None or failed == "district"):
            c_district[doc.district] = c_district.get(doc.district, 0) + 1
            labels["district"][doc.district] = doc.district_label
        if doc.producer and (failed is None or failed == "producer"):
            c_producer[doc.producer] = c_producer.get(doc.producer, 0) + 1
            labels["producer"][doc.producer] = doc.producer_label
        if failed is None or failed == "priceBand":
            for key in doc.bands:
                c_band[key] = c_band.get(key, 0) + 1
        if failed is None or failed == "salesPoint":
            for point in doc.points:
                c_point[point] = c_point.get(point, 0) + 1
    facets = _facets(counts, labels, price_bands()) if with_facets else []
    return hits, facets


def _facets(counts, labels, bands) -> list[Facet]:
    from shop.graphql.core import global_id
    from shop.models import SalesPoint

    def by_count(values):
        return sorted(values, key=lambda v: (-v.count, v.label))

    vi_en = lambda pair: pick(pair[0], pair[1])  # noqa: E731
    point_names = {}
    if counts["salesPoint"]:
        point_names = {
            p.pk: pick(p.name, p.name_en or p.name)
            for p in SalesPoint.objects.filter(pk__in=list(counts["salesPoint"])).only("name", "name_en")
        }
    return [
        Facet("group", by_count(FacetValue(k, vi_en(labels["group"][k]), n) for k, n in counts["group"].items())),
        Facet("stars", [FacetValue(k, f"{k}★", counts["stars"][k]) for k in ("5", "4", "3") if k in counts["stars"]]),
        Facet("district", by_count(
            FacetValue(k, vi_en(labels["district"][k]), n) for k, n in counts["district"].items()
        )),
        Facet("producer", by_count(
            FacetValue(global_id("Producer", k), labels["producer"][k], n)
            for k, n in heapq.nlargest(FACET_VALUES, counts["producer"].items(), key=lambda kv: (kv[1], -kv[0]))
        )),
        Facet("priceBand", [
            FacetValue(band_key(lo, hi), band_label(lo, hi), counts["priceBand"][band_key(lo, hi)])
            for lo, hi in bands if band_key(lo, hi) in counts["priceBand"]
        ]),
        Facet("salesPoint", by_count(
            FacetValue(global_id("SalesPoint", k), point_names.get(k, str(k)), n)
            for k, n in counts["salesPoint"].items() if k in point_names
        )),
    ]


# -- ranking ----------------------------------------------------------------------------

class _Compiled:
    """What ranking needs from a query, worked out once rather than per product."""

    def __init__(self, parsed: analysis.ParsedQuery):
        self.groups = []
        for group in parsed.groups:
            alts = []
            for alt in group.alternatives:
                words = " ".join(alt.exact or alt.words)
                alts.append((f" {words} ", f" {words}" if alt.prefix else None, KIND[alt.kind], bool(alt.exact)))
            self.groups.append(alts)
        folded = " ".join(parsed.folded)
        self.phrase = f" {folded}" if folded else None
        self.phrase_whole = f" {folded} " if len(parsed.folded) > 1 else None
        self.starts = [whole for whole, _, _, exact in (self.groups[0] if self.groups else []) if not exact]
        self.marked = [(f" {w} ", f" {fold(w)} ") for w in parsed.typed if analysis.has_marks(w)]


_FIELD_WEIGHTS = tuple(WEIGHTS[k] for k in FIELDS)  # name, en, place, body: heaviest first


def _score(doc: Doc, parsed: analysis.ParsedQuery, compiled: _Compiled | None = None) -> float:
    """The relevance of `doc`; 0 when no group of the query matches it at all."""
    q = compiled or _Compiled(parsed)
    total, matched, in_name = 0.0, 0, 0
    folded_texts, exact_texts = doc.folded_texts, doc.exact_texts
    for alts in q.groups:
        best, name_hit = 0.0, False
        for whole, prefix, kind, exact in alts:
            texts = exact_texts if exact else folded_texts
            for i, weight in enumerate(_FIELD_WEIGHTS):
                text = texts[i]
                if whole in text:
                    m = 1.0
                elif prefix is not None and prefix in text:
                    m = PREFIX_MATCH
                else:
                    continue
                if weight * kind * m > best:
                    best = weight * kind * m
                if i == 0:
                    name_hit = True
                if m == 1.0:
                    break  # the other fields weigh less
        if best:
            matched += 1
            total += best
            in_name += name_hit
    if not matched:
        return 0.0
    score = total * (matched / len(q.groups)) ** 2
    if matched == len(q.groups) and in_name == matched:
        score += 8.0
    name = folded_texts[0]
    if q.phrase and q.phrase in name:
        score += 6.0
        if name.startswith(q.phrase):
            score += 2.0
    elif q.phrase_whole:
        # the words side by side elsewhere: "muong nhe" is the district, not "mường … nhẹ"
        for i in (1, 2, 3):
            if q.phrase_whole in folded_texts[i]:
                score += 0.6 * _FIELD_WEIGHTS[i]
                break
    for whole in q.starts:
        if name.startswith(whole):
            score += 2.0
            break
    for padded, padded_folded in q.marked:
        if padded in exact_texts[0]:
            score += 4.0
        elif padded in exact_texts[1] or padded in exact_texts[2] or padded in exact_texts[3]:
            score += 1.5
        elif padded_folded in name:
            score -= 2.0  # same letters, other accents: "dưa" is not "dứa"
    return score + 1.5 / (1 + doc.word_count)


def _order(hits, scores, parsed, request: SearchRequest, day):
    sort = request.sort if request.sort in ("NAME", "PRICE", "STARS", "NEWEST", "RELEVANCE") else "RELEVANCE"
    if sort == "RELEVANCE" and parsed.is_empty:
        sort = "NAME"
    desc = request.descending
    if sort == "RELEVANCE":
        scored = [(scores[d.id], d) for d in hits]
        scored.sort(key=lambda s: (-s[0], s[1].folded_name, s[1].id))
        return [d for _, d in scored]
    if sort == "NAME":
        key = lambda d: (d.folded_name, d.id)  # noqa: E731
    elif sort == "PRICE":
        key = lambda d: (d.min_price if d.min_price is not None else 0, d.id)  # noqa: E731
    elif sort == "STARS":
        key = lambda d: (d.stars_on(day) or 0, d.id)  # noqa: E731
    else:
        key = lambda d: (d.created_at, d.id)  # noqa: E731
    return sorted(hits, key=key, reverse=desc)
