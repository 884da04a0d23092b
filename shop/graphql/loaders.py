"""Synchronous batch loaders: the DataLoader idea without an event loop.

A list resolver *primes* a loader with every key of the page; the first
`load(key)` then fetches all primed keys in one query and caches them for
the request. So the number of SQL queries of a list does not grow with its
length, and nothing needs asyncio around Django's synchronous ORM.

Loaders are registered by the kind of key they take ("product", "variant",
…), so a list of products primes every product-keyed loader at once,
including those other apps add (traceability's batches, say).
"""
from collections import defaultdict

_KEYED: dict[str, list[type["BatchLoader"]]] = defaultdict(list)
_PROVIDED: dict[str, type["BatchLoader"]] = {}


class BatchLoader:
    key_kind: str | None = None  # set on subclasses to take part in prime_all()
    # A name a lower app's resolver asks for (`provided`) when the data belongs to an app above
    # it: catalog's variant type shows stock that inventory loads, without importing inventory.
    provides: str | None = None
    many = False  # batch_load returns a list per key (default []) instead of one value (default None)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.key_kind:
            _KEYED[cls.key_kind].append(cls)
        if cls.provides:
            _PROVIDED[cls.provides] = cls

    def __init__(self, context):
        self.context = context
        self.cache: dict = {}
        self.pending: set = set()

    @classmethod
    def of(cls, context) -> "BatchLoader":
        loaders = getattr(context, "_batch_loaders", None)
        if loaders is None:
            loaders = context._batch_loaders = {}
        if cls not in loaders:
            loaders[cls] = cls(context)
        return loaders[cls]

    def prime(self, keys) -> None:
        self.pending.update(k for k in keys if k not in self.cache)

    def load(self, key):
        if key not in self.cache:
            keys = self.pending | {key}
            self.pending = set()
            found = self.batch_load(sorted(keys))
            for k in keys:
                self.cache[k] = found.get(k, [] if self.many else None)
        return self.cache[key]

    def batch_load(self, keys: list) -> dict:
        raise NotImplementedError


def provided(name: str) -> type[BatchLoader]:
    """The loader an app above registered under `name` (see BatchLoader.provides)."""
    return _PROVIDED[name]


def prime_all(context, key_kind: str, keys) -> None:
    """Prime every loader keyed by `key_kind` with `keys` (cheap: no query yet)."""
    keys = list(keys)
    for loader_cls in _KEYED[key_kind]:
        loader_cls.of(context).prime(keys)


def group_by(rows, attr: str) -> dict:
    """{row.<attr>: [rows…]} — the usual shape of a `many` loader's result."""
    found = defaultdict(list)
    for row in rows:
        found[getattr(row, attr)].append(row)
    return found
