"""A token that any save or delete of a catalogue row changes.

Each app says which of its models the public catalogue shows (`watch`, from
its AppConfig.ready), so this module, below them all, names none of them.

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
# Saves of these rows change what the public catalogue shows: app labels, and (app label, model name).
_watched_apps: set[str] = set()
_watched_models: set[tuple[str, str]] = {("shop", "salespoint"), ("shop", "district"), ("shop", "commune")}


def watch(app_label: str, *model_names: str) -> None:
    """Saves of these models (all of the app's when none are named) retire the cached answers."""
    if model_names:
        _watched_models.update((app_label, name.lower()) for name in model_names)
    else:
        _watched_apps.add(app_label)


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
    if meta.app_label in _watched_apps or (meta.app_label, meta.model_name) in _watched_models:
        bump()


def connect() -> None:
    """Called once from the shop app's ready()."""
    post_save.connect(_on_change, dispatch_uid="catalogue-generation-save")
    post_delete.connect(_on_change, dispatch_uid="catalogue-generation-delete")
