"""A token that any save or delete of a catalogue row changes.

The per-process caches of public catalogue answers (the GraphQL answer cache,
shop/graphql/public_cache.py, and the product page's facts,
storefront/selectors.py) put it in their keys, so a saved change retires
them. It lives in the process's own cache (locmem), so an edit shows at once
in the process that made it and, in the others, when their entries expire
(each cache keeps them only seconds). Rows changed without signals (F()
updates of stock) are never in those caches' facts, or wait for that expiry.
"""
import uuid

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

KEY = "catalogue:generation"
# Saves of these rows change what the public catalogue shows.
WATCHED_APPS = frozenset({"catalog"})
WATCHED_MODELS = frozenset({("shop", "salespoint"), ("shop", "district"), ("shop", "commune"),
                            ("traceability", "batch")})


def current() -> str:
    generation = cache.get(KEY)
    if generation is None:
        cache.add(KEY, uuid.uuid4().hex, None)
        generation = cache.get(KEY)
    return generation


def bump(**_kwargs) -> None:
    """A catalogue row changed: every cached answer built on the old token is retired."""
    cache.set(KEY, uuid.uuid4().hex, None)


def _on_change(sender, **kwargs) -> None:
    meta = sender._meta
    if meta.app_label in WATCHED_APPS or (meta.app_label, meta.model_name) in WATCHED_MODELS:
        bump()


def connect() -> None:
    """Called once from the catalog app's ready()."""
    post_save.connect(_on_change, dispatch_uid="catalogue-generation-save")
    post_delete.connect(_on_change, dispatch_uid="catalogue-generation-delete")
