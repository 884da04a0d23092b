"""Reads of the public catalogue from a PostgreSQL read replica (docs/scaling.md).

Installed only when DATABASE_REPLICA_URL is set (shop/settings.py adds the "replica" alias,
this router and ReplicaReadsMiddleware). The rules, in the order they are applied:

- Every write goes to "default" (the primary), and so does every read that is part of one
  (`select_for_update()`, `get_or_create()`: Django routes those through `db_for_write`).
- Only the models of the catalogue, search and traceability apps (READ_APPS) are ever read
  from the replica; orders, inventory, accounts, sessions and everything else read the
  primary, so stock decisions, orders and sign-ins never see a lagging copy.
- Replica reads are opt-in: they happen only where they were allowed, by the middleware
  (an anonymous GET or HEAD request outside the paths that write, shop/db/middleware.py) or
  by `replica_reads()`. Celery tasks, management commands, migrations and the shell read the
  primary, so an index rebuild or a certificate notice never works from a stale copy.
- Inside a transaction opened since the reads were allowed (`transaction.atomic()` on
  "default") every read goes to the primary: what a transaction reads is what it may write.
- Inside `primary()` every read goes to the primary.

A replica lags the primary by its replication delay (usually well under a second with
streaming replication, more under load), so a page read from it may show stock or a scan
count that much late; checkout re-reads stock on the primary under row locks, and every
scan is written to the primary.
"""
from __future__ import annotations

import contextlib
import contextvars

from celery import current_task
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
# App labels whose models a permitted read may take from the replica.
READ_APPS = frozenset({"catalog", "search", "traceability"})

# The depth of "default"'s atomic blocks when replica reads were allowed (None: not allowed).
# Blocks opened before (only ever a test's enclosing transaction) do not count; one opened since does.
_replica_from: contextvars.ContextVar[int | None] = contextvars.ContextVar("replica_from", default=None)
_pinned: contextvars.ContextVar[bool] = contextvars.ContextVar("pinned_to_primary", default=False)


@contextlib.contextmanager
def replica_reads():
    """Let reads of READ_APPS' models inside this block go to the replica (when one is configured).

    For read-only work that may show data a replication delay old: the middleware wraps anonymous
    GET requests in it. Never wrap code that reads something and then writes because of it."""
    token = _replica_from.set(len(connections[DEFAULT_DB_ALIAS].atomic_blocks))
    try:
        yield
    finally:
        _replica_from.reset(token)


@contextlib.contextmanager
def primary():
    """Every read inside this block goes to the primary (read-your-writes), whatever allowed the replica."""
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


def replica_configured() -> bool:
    """A "replica" alias that is another database than the primary. One naming the primary's own
    database (DATABASE_REPLICA_URL = DATABASE_URL, or the test mirror of the primary in a test run,
    TEST["MIRROR"]) is the primary: reading it through a second connection would only miss the
    current transaction's rows."""
    replica = connections.settings.get(REPLICA)
    return replica is not None and _target(replica) != _target(connections.settings[DEFAULT_DB_ALIAS])


def _target(config: dict) -> tuple:
    return config["ENGINE"], config.get("HOST") or "", str(config.get("PORT") or ""), str(config["NAME"])


def reads_replica() -> bool:
    """Would a read of a READ_APPS model go to the replica here and now?"""
    allowed_from = _replica_from.get()
    if allowed_from is None or _pinned.get() or not replica_configured():
        return False
    if len(connections[DEFAULT_DB_ALIAS].atomic_blocks) > allowed_from:
        return False  # a transaction opened since: it reads what it may write
    return not _in_task()


def _in_task() -> bool:
    """Inside a Celery task, also one run inline within a request (CELERY_TASK_ALWAYS_EAGER)."""
    return current_task._get_current_object() is not None


class ReplicaRouter:
    """DATABASE_ROUTERS entry of the read replica (see the module docstring)."""

    def db_for_read(self, model, **hints):
        if model._meta.app_label in READ_APPS and reads_replica():
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: a row read from either relates to a row of the other.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The schema reaches the replica by replication, never by `migrate --database=replica`.
        if db == REPLICA:
            return False
        return None  # "default" (and any other alias) as without this router
