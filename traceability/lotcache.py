"""Lot-level codes resolved from a shared cache, and the generation that retires it.

A lot's code (/01/{gtin}/10/{lot}, /q/{short code}) is on every package of
the lot, so its trace page is asked for far more often than the lot
changes. With Redis (TRACE_CACHE_LOTS) the lot, its variant and product are
kept there and in each web process, tagged with a generation. Saving or
deleting a lot, a trace event, a variant, product, producer, image or
certificate sets a new generation once the transaction commits, which
retires every cached lot and every cached trace page: a recall shows on the
next scan in the process that made it, and within GENERATION_SECONDS (a
quarter of a second: each process reads the generation at most that often)
everywhere else. Should that bump fail (Redis down at that moment), entries
still expire after LOT_SECONDS. Without Redis every scan asks the database,
and the generation is a number of this process (for the page's per-process
cache).
"""
from __future__ import annotations

import logging
import pickle
import secrets
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

from catalog.models import Certification, Producer, Product, ProductImage, ProductVariant
from traceability import shared
from traceability.models import Batch, TraceEvent

logger = logging.getLogger(__name__)

GENERATION_KEY = "trace:lots:generation"
LOT_SECONDS = 60
GENERATION_SECONDS = 0.25  # how stale another process's change may look: a quarter of a second
HELD_MAX = 1_000  # lots this process keeps (read-only) between scans

_process_generation = 0
_held: dict[str, tuple[str, float, object]] = {}  # key -> (generation, expires, lot)
_generation_read = ("", 0.0)  # (generation, until when it is taken as current)


def _redis():
    return shared.client() if settings.TRACE_CACHE_LOTS else None


def _shared_generation(redis) -> str:
    """A random token rather than a counter: should Redis lose it, the new one matches nothing
    held. Read at most every GENERATION_SECONDS by a process (a bump in this process at once)."""
    global _generation_read
    if _generation_read[1] > time.monotonic():
        return _generation_read[0]
    value = redis.get(GENERATION_KEY)
    if value is None:
        redis.set(GENERATION_KEY, secrets.token_hex(8), nx=True)
        value = redis.get(GENERATION_KEY)
    _generation_read = (f"r{value.decode()}", time.monotonic() + GENERATION_SECONDS)
    return _generation_read[0]


def generation() -> str:
    """The current generation: shared through Redis, else this process's."""
    redis = _redis()
    if redis is not None:
        try:
            return _shared_generation(redis)
        except shared.Error as exc:
            shared.failed(exc)
    return f"p{_process_generation}"


def lot(key: str, load: Callable[[], object | None]):
    """The lot a lot-level code names: while the generation stands, this process's
    copy or Redis's, else `load()` (then kept in both). `key` names the code. The lot
    carries `trace_generation` for the caches built on it."""
    redis = _redis()
    if redis is None:
        return load()
    key = f"trace:lots:{key}"
    try:
        current = _shared_generation(redis)
        held = _held.get(key)
        if held and held[0] == current and held[1] > time.monotonic():
            return held[2]
        entry = redis.get(key)
    except shared.Error as exc:
        shared.failed(exc)
        return load()
    batch = None
    if entry:
        entry_generation, batch = pickle.loads(entry)
        batch = batch if entry_generation == current else None
    if batch is None:
        batch = load()
        if batch is None:
            return None
        try:
            # Tagged with the generation read before the database was: a change
            # committed meanwhile has bumped it, so this entry is never taken for current.
            redis.set(key, pickle.dumps((current, batch)), ex=LOT_SECONDS)
        except shared.Error as exc:
            shared.failed(exc)
    batch.trace_generation = current
    if len(_held) >= HELD_MAX:
        _held.clear()
    _held[key] = (current, time.monotonic() + LOT_SECONDS, batch)
    return batch


def _bump() -> None:
    global _process_generation, _generation_read
    _process_generation += 1
    redis = _redis()
    if redis is not None:
        token = secrets.token_hex(8)
        _generation_read = (f"r{token}", time.monotonic() + GENERATION_SECONDS)
        try:
            redis.set(GENERATION_KEY, token)
        except shared.Error as exc:
            shared.failed(exc)
            logger.error("could not retire the cached lots; a change shows within %s s", LOT_SECONDS)


def forget() -> None:
    """Drop this process's copies and generation (tests, whose Redis is emptied between them)."""
    global _generation_read
    _held.clear()
    _generation_read = ("", 0.0)


def _changed(sender, **kwargs) -> None:
    """One bump per transaction (per savepoint level), however many rows changed."""
    if connection.in_atomic_block:
        current = set(connection.savepoint_ids)
        if any(sids == current and func is _bump for sids, func, *_ in connection.run_on_commit):
            return
    transaction.on_commit(_bump)


def connect() -> None:
    """Called once from the app's ready()."""
    for model in (Batch, TraceEvent, ProductVariant, Product, Producer, ProductImage, Certification):
        uid = f"trace-lots-{model._meta.label_lower}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}-delete")
