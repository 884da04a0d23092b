"""Product search: one interface, two backends.

    import search
    result = search.search("mat ong", filters=search.SearchFilters(stars=[4]), limit=20)
    result.product_ids, result.total, result.facets, result.backend, result.took_ms
    search.suggest("tra sh")

Callers never import a backend. The embedded backend (the database plus an
in-memory copy of its index, search/backends/embedded.py) is the
default and is always kept up to date, because it is also the fallback:
when Elasticsearch is configured (ELASTICSEARCH_URL) but unreachable or
slower than SEARCH_ES_TIMEOUT, search answers from the embedded index, logs
it once, and leaves Elasticsearch alone for SEARCH_ES_RETRY_AFTER seconds.

Keeping the index in sync is search/sync.py.
"""
import contextlib
import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, transaction

from search.types import (
    FACET_FIELDS,
    SORT_FIELDS,
    Facet,
    FacetValue,
    IndexReport,
    SearchBackend,
    SearchFilters,
    SearchRequest,
    SearchResult,
    Suggestion,
)

__all__ = [
    "FACET_FIELDS", "SORT_FIELDS", "Facet", "FacetValue", "IndexReport", "SearchBackend", "SearchFilters",
    "SearchRequest", "SearchResult", "Suggestion", "search", "suggest", "index_products", "delete_products",
    "rebuild", "backend_name", "status", "active_backends", "matching_ids",
]

log = logging.getLogger("search")
MAX_SUGGESTIONS = 20


class _Health:
    """Whether Elasticsearch answered lately; shared by the threads of a process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down_until = 0.0
        self.logged = False

    def usable(self) -> bool:
        return time.monotonic() >= self.down_until

    def failed(self, exc: Exception) -> None:
        with self.lock:
            self.down_until = time.monotonic() + settings.SEARCH_ES_RETRY_AFTER
            if not self.logged:
                self.logged = True
                log.warning(
                    "Elasticsearch did not answer (%s: %s); searching the embedded index until it does.",
                    exc.__class__.__name__, str(exc)[:200],
                )

    def answered(self) -> None:
        if self.logged:
            with self.lock:
                self.logged = False
                self.down_until = 0.0
            log.warning("Elasticsearch answers again; searching it.")


health = _Health()


def embedded() -> SearchBackend:
    from search.backends.embedded import EmbeddedBackend

    return EmbeddedBackend()


def elasticsearch() -> SearchBackend | None:
    """The Elasticsearch backend when configured, else None."""
    if settings.SEARCH_BACKEND != "elasticsearch" or not settings.ELASTICSEARCH_URL:
        return None
    from search.backends.elasticsearch import ElasticsearchBackend

    return ElasticsearchBackend.configured()


def active_backends() -> list[SearchBackend]:
    """Every backend that must hold the catalogue (the embedded one always: it is the fallback)."""
    es = elasticsearch()
    return [embedded(), es] if es else [embedded()]


def backend_name() -> str:
    """The backend that answers searches right now."""
    return "elasticsearch" if elasticsearch() is not None and health.usable() else "embedded"


def _request(query, filters, sort, descending, offset, limit, facets, day) -> SearchRequest:
    return SearchRequest(
        query=query or "", filters=filters or SearchFilters(), sort=(sort or "RELEVANCE").upper(),
        descending=bool(descending), offset=max(0, int(offset or 0)), limit=max(0, int(limit or 0)), facets=facets,
        day=day,
    )


def _guarded():
    """A savepoint when the caller is in a transaction, so a failed statement of the index does not
    poison it; nothing in autocommit, where a failed statement poisons nothing (and BEGIN and COMMIT
    were two round trips of each search's seven)."""
    return transaction.atomic() if transaction.get_connection().in_atomic_block else contextlib.nullcontext()


def search(query: str = "", *, filters: SearchFilters | None = None, sort: str = "RELEVANCE", descending=False,
           offset: int = 0, limit: int = 20, facets: bool = True, day=None) -> SearchResult:
    """Search the catalogue. Never raises for what a visitor typed; if no
    backend can answer, the result is empty (and the failure is logged)."""
    from search import sync

    request = _request(query, filters, sort, descending, offset, limit, facets, day)
    es = elasticsearch()
    if es is not None and health.usable():
        try:
            result = es.search(request)
            health.answered()
            return result
        except Exception as exc:  # noqa: BLE001 - any failure of the service means: answer from the embedded index
            health.failed(exc)
    else:
        sync.catch_up()
    started = time.perf_counter()
    try:
        with _guarded():
            result = embedded().search(request)
    except DatabaseError:
        log.exception("The embedded search index failed; answering with no results.")
        result = SearchResult([], 0, [], "embedded", round((time.perf_counter() - started) * 1000, 2))
    result.fallback = es is not None
    return result


def suggest(prefix: str, limit: int = 8) -> list[Suggestion]:
    """Product names for a search box, as the visitor types (certified products only)."""
    from search import sync

    limit = max(0, min(int(limit or 0), MAX_SUGGESTIONS))
    if not limit or not (prefix or "").strip():
        return []
    es = elasticsearch()
    if es is not None and health.usable():
        try:
            found = es.suggest(prefix, limit)
            health.answered()
            return found
        except Exception as exc:  # noqa: BLE001
            health.failed(exc)
    else:
        sync.catch_up()
    try:
        with _guarded():
            return embedded().suggest(prefix, limit)
    except DatabaseError:
        log.exception("The embedded search index failed; no suggestions.")
        return []


def index_products(product_ids) -> list[IndexReport]:
    """(Re-)index these products in every backend; unpublished or deleted ones leave the index."""
    reports = []
    for backend in active_backends():
        reports.append(backend.index(list(product_ids)))
    return reports


def delete_products(product_ids) -> list[IndexReport]:
    return [backend.delete(list(product_ids)) for backend in active_backends()]


def rebuild(progress=None) -> list[IndexReport]:
    from catalog.models import Product

    Product.objects.filter(search_dirty=True).update(search_dirty=False)
    return [backend.rebuild(progress=progress) for backend in active_backends()]


def status() -> str:
    """For /readyz: which backend answers, and why."""
    es = elasticsearch()
    if es is None:
        return embedded().status()
    if es.status().startswith("elasticsearch") and health.usable():
        return es.status()
    return f"embedded (fallback: Elasticsearch at {settings.ELASTICSEARCH_URL} does not answer)"


def matching_ids(query: str, limit: int = 5000) -> list[int]:
    """Ids of the published products matching `query`, best first (no other
    filter: for callers that filter and sort in SQL, e.g. catalog.selectors)."""
    result = search(query, filters=SearchFilters(certified_only=False), limit=limit, facets=False)
    return result.product_ids
