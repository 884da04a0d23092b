"""The embedded backend: search with no service beside the database.

Where the work happens:
- on SQLite, the database finds the products whose folded words match,
  through the FTS5 table `catalog_search_fts` (words folded in Python;
  migration 0003). On PostgreSQL the in-memory word index does (see
  `matching_ids`): a pg_trgm index had to recheck every candidate row and
  was 20-60 ms slower on broad words (migration 0006 dropped it);
- this process checks accents where the query asks for them, applies the
  filters and counts the facets as set operations, and ranks the hits
  (search/ranking.py), from an in-memory copy of `SearchEntry`
  (search/memory.py) that is reloaded when the index's generation
  token changes (one tiny query per search tells).
"""
import threading
import time
import uuid

from django.db import connections, transaction
from django.utils import translation

from catalog import certification
from catalog.models import Product
from search import analysis, ranking
from search.documents import FIELDS, build_documents
from search.facets import filter_and_count, price_bands
from search.memory import MemoryIndex
from search.models import SearchEntry, SearchIndexState
from search.types import IndexReport, SearchRequest, SearchResult, Suggestion
from shop.models import SalesPoint
from shop.text import fold

BATCH = 500
RESULT_CACHE_SIZE = 256
STATE_KEY = "embedded"

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
                self.new_generation()
            report.indexed += len(docs)
            report.deleted += len(set(chunk) - found)
        report.seconds = time.perf_counter() - started
        return report

    def delete(self, product_ids) -> IndexReport:
        ids = sorted(set(product_ids))
        with transaction.atomic(using=self.using):
            self._delete_rows(ids)
            self.new_generation()
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
            self.new_generation()
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

    def new_generation(self):
        """Tell every process that its in-memory copy is out of date."""
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
            current = _memory.get(key)
            if current is None or current.generation != generation:  # another thread may have loaded it
                rows = SearchEntry.objects.using(self.using).values_list("product_id", "data").iterator(2000)
                points = {pk: (name, name_en) for pk, name, name_en in
                          SalesPoint.objects.using(self.using).values_list("pk", "name", "name_en")}
                current = _memory[key] = MemoryIndex(generation, rows, price_bands(), points)
        return current

    def matching_ids(self, memory: MemoryIndex, parsed: analysis.ParsedQuery, require_all: bool = True) -> set[int]:
        """Products whose folded words match the query. SQLite's FTS5 index finds
        them in a millisecond or two. PostgreSQL's trigram index must recheck
        every candidate row: 20-60 ms for a broad word on 10,000 products, so
        there the in-memory word index answers (the same products, ~1 ms)."""
        if not parsed.groups:
            return set()
        if self._vendor == "sqlite":
            return self._match_fts(parsed, require_all)
        return memory.matching(parsed, require_all)

    def _match_fts(self, parsed, require_all) -> set[int]:
        def alternative(alt):
            phrase = '"' + " ".join(alt.words) + '"'
            return phrase + "*" if alt.prefix else phrase

        groups = ["(" + " OR ".join(alternative(a) for a in g.alternatives) + ")" for g in parsed.groups]
        expression = (" AND " if require_all else " OR ").join(groups)
        with connections[self.using].cursor() as cursor:
            cursor.execute("SELECT rowid FROM catalog_search_fts WHERE catalog_search_fts MATCH %s", [expression])
            return {row[0] for row in cursor.fetchall()}

    def _hits(self, memory: MemoryIndex, parsed: analysis.ParsedQuery, compiled: ranking.Compiled) -> set[int]:
        """The products the query matches: all its groups if any product has them all, else any group."""
        ids = self.matching_ids(memory, parsed, require_all=True)
        if ids:
            return ranking.matching(memory, ids & memory.ids, compiled, require_all=True)
        if len(parsed.groups) > 1:
            ids = self.matching_ids(memory, parsed, require_all=False)
            return ranking.matching(memory, ids & memory.ids, compiled, require_all=False)
        return set()

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
        return SearchResult(
            product_ids=ordered[request.offset : request.offset + request.limit], total=len(ordered),
            facets=facets if request.facets else [], backend=self.name,
            took_ms=round((time.perf_counter() - started) * 1000, 2), offset=request.offset,
        )

    def _run(self, memory: MemoryIndex, request: SearchRequest, day):
        """Every hit in order, and the facets (cached per index generation: the next page is free)."""
        parsed = analysis.parse_query(request.query, vocabulary=memory.vocabulary)
        compiled = ranking.Compiled(parsed)
        pool = memory.ids if parsed.is_empty else self._hits(memory, parsed, compiled)
        hits, facets = filter_and_count(memory, pool, request.filters, day, request.facets)
        return _order(memory, hits, compiled, request, day), facets

    def suggest(self, prefix: str, limit: int = 8, day=None) -> list[Suggestion]:
        """Names of certified products, best first (the same ranking as search, all words required)."""
        memory = self.memory()
        day = day or certification.today()
        parsed = analysis.parse_query(prefix, vocabulary=memory.vocabulary)
        if parsed.is_empty:
            return []
        compiled = ranking.Compiled(parsed)
        ids = self.matching_ids(memory, parsed, require_all=True) & memory.certified(day).stars.keys()
        hits = memory.ids_in(memory.mask(ranking.matching(memory, ids, compiled, require_all=True)))
        found = [memory.docs[i] for i in ranking.rank(memory, hits, compiled)[:limit]]
        return [Suggestion(text=d.name, kind="PRODUCT", slug=d.slug, product_id=d.id) for d in found]

    def status(self) -> str:
        try:
            count = SearchEntry.objects.using(self.using).count()
        except Exception as exc:  # noqa: BLE001 - readiness reports, never raises
            return f"embedded ({self._vendor}): error {exc.__class__.__name__}"
        return f"embedded ({self._vendor}, {count} products)"


def _order(memory: MemoryIndex, hits: list[int], compiled: ranking.Compiled, request: SearchRequest, day):
    """`hits` (in position order) in the order asked for."""
    sort = request.sort if request.sort in ("NAME", "PRICE", "STARS", "NEWEST", "RELEVANCE") else "RELEVANCE"
    if sort == "RELEVANCE":
        if compiled.groups:
            return ranking.rank(memory, hits, compiled)
        sort = "NAME"
    if sort == "STARS":
        stars = memory.certified(day).stars
        return sorted(hits, key=lambda i: (stars.get(i, 0), i), reverse=request.descending)
    wanted = set(hits)
    ordered = [i for i in memory.orders[sort] if i in wanted]
    return ordered[::-1] if request.descending else ordered
