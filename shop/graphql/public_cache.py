"""A short-lived cache of the anonymous catalogue answers of the GraphQL API.

Browsing is most of the traffic and the same few queries (the first page of
products, a popular search) come again and again; answering them costs tens
of milliseconds of resolving, and a cached answer under one. Only what is
the same for every visitor is cached: an anonymous request, a query (not a
mutation) whose root fields are all in PUBLIC_FIELDS, answered without
errors. The key holds the query, its variables, the language and the date
(certificates lapse at midnight), and the catalogue's generation
(shop/generation.py), which any save of a catalogue row changes. The cache
is the process's own (no network hop, and nothing to fail when Redis is
down), so an edit shows at once in the process that made it and within
GRAPHQL_PUBLIC_CACHE_SECONDS in the others; stock moved by orders (F()
updates, no signal) shows within that time too. Checkout checks stock
itself, so a stale count never sells what is gone.
"""
import functools
import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from graphql import GraphQLError, OperationType, parse
from graphql.language import FieldNode

from shop import generation

# Root fields whose answers are the same for every visitor (`trace` logs a scan; the rest are private).
PUBLIC_FIELDS = frozenset({"products", "product", "search", "suggest", "producers", "salesPoints", "__typename"})
# Real catalogue queries are a few hundred characters; longer texts are not parsed
# into the lru_cache below, so a client cannot fill memory with huge queries.
MAX_QUERY_CHARS = 8_000


@functools.lru_cache(maxsize=512)
def is_public_query(query: str, operation_name: str | None) -> bool:
    """Does the operation only read public root fields? (Parsed once per query text.)"""
    try:
        document = parse(query, max_tokens=settings.GRAPHQL_MAX_TOKENS)
    except (GraphQLError, RecursionError):
        return False
    operations = [d for d in document.definitions if hasattr(d, "operation")]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    if len(chosen) != 1 or chosen[0].operation != OperationType.QUERY:
        return False
    selections = chosen[0].selection_set.selections
    return all(isinstance(s, FieldNode) and s.name.value in PUBLIC_FIELDS for s in selections)


def key_for(request, query, variables, operation_name) -> str | None:
    """The cache key of this request's answer, or None when it must not be cached."""
    seconds = settings.GRAPHQL_PUBLIC_CACHE_SECONDS
    if not seconds or not query or len(query) > MAX_QUERY_CHARS or getattr(request.user, "is_authenticated", False):
        return None
    if not is_public_query(query, operation_name):
        return None
    try:
        variables_text = json.dumps(variables or {}, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return None
    raw = "\n".join((generation.current(), translation.get_language() or "", timezone.localdate().isoformat(),
                     operation_name or "", query, variables_text))
    return "graphql-public:" + hashlib.sha256(raw.encode()).hexdigest()


def get(key: str):
    return cache.get(key)


def put(key: str, body: str) -> None:
    cache.set(key, body, settings.GRAPHQL_PUBLIC_CACHE_SECONDS)
