"""Documents already parsed and validated, kept per process by their text.

Clients send the same few query texts again and again with different variables (a page
cursor, a search term, a product's slug). Parsing a text and running graphql-core's standard
validation rules on it depend only on the text and the schema, yet took 10–25 % of a cold
answer (bench/README.md, "Cold GraphQL"); the abuse limits depend on the variables too and
still run for every request (shop/graphql/view.py). Only documents that passed validation are
kept, only short ones (real catalogue queries are a few hundred characters), and only so many:
a client sending endless distinct texts gets no further than parsing each, as before.
"""
import threading
from collections import OrderedDict

from graphql.language import DocumentNode

MAX_CHARS = 2_000
MAX_DOCUMENTS = 128

_documents: OrderedDict[tuple[str, bool], DocumentNode] = OrderedDict()
_lock = threading.Lock()


def validated(query: str, introspection: bool) -> DocumentNode | None:
    """The document of `query` if it was parsed and passed validation under the same rules."""
    key = (query, introspection)
    with _lock:
        document = _documents.get(key)
        if document is not None:
            _documents.move_to_end(key)
        return document


def remember(query: str, introspection: bool, document: DocumentNode) -> None:
    if len(query) > MAX_CHARS:
        return
    with _lock:
        _documents[(query, introspection)] = document
        _documents.move_to_end((query, introspection))
        while len(_documents) > MAX_DOCUMENTS:
            _documents.popitem(last=False)


def forget() -> None:
    with _lock:
        _documents.clear()
