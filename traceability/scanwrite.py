"""Scans into the table: written at once, or buffered in Redis and flushed in bulk.

traceability/scans.py decides what a scan means and where it waits; this
module writes it, under the log's caps (a client's repeats within
TRACE_SCAN_REPEAT_MINUTES are one row, at most TRACE_SCAN_CLIENT_MAX_ROWS
rows per TRACE_SCAN_CLIENT_WINDOW_MINUTES). `flush()` is the work of the task
traceability.tasks.flush_scans: it moves the Redis buffer to the table a
chunk per transaction. It sits below scans.py and the task, which both use
it, so neither has to import the other late.
"""
from __future__ import annotations

import datetime
import json
import logging
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from traceability import shared
from traceability.models import Scan

logger = logging.getLogger(__name__)

BUFFER_KEY = "trace:scans:buffer"
FLUSH_LOCK_KEY = "trace:scans:flush-lock"
FLUSH_PENDING_KEY = "trace:scans:flush-pending"  # set while a flush is scheduled
FLUSH_CHUNK = 2_000  # scans per transaction
FLUSH_LOCK_SECONDS = 120
FLUSH_TIME_BUDGET = 60  # seconds; a longer backlog goes on in the next flush

_RELEASE_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class PendingScan:
    """A scan to write, now or from the buffer."""

    at: datetime.datetime
    code: str
    client: str
    verdict: str
    channel: str
    batch_id: int | None = None
    serial_id: int | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None

    def dumps(self) -> str:
        place = [None if v is None else str(v) for v in (self.latitude, self.longitude)]
        return json.dumps([self.at.isoformat(), self.code, self.client, self.verdict, self.channel,
                           self.batch_id, self.serial_id, *place])

    @classmethod
    def loads(cls, raw: bytes | str) -> PendingScan:
        at, code, client, verdict, channel, batch_id, serial_id, lat, lon = json.loads(raw)
        return cls(datetime.datetime.fromisoformat(at), code, client, verdict, channel, batch_id, serial_id,
                   None if lat is None else Decimal(lat), None if lon is None else Decimal(lon))


def script(redis, source: str):
    """A Lua script run by its hash (EVALSHA), loaded again should Redis have forgotten it."""
    if source not in _scripts:
        _scripts[source] = redis.register_script(source)
    return _scripts[source]


_scripts: dict = {}


@dataclass
class _Row:
    """A client's scan row while a bulk write decides where each scan goes."""

    code: str
    at: datetime.datetime
    pk: int | None = None  # an existing row…
    new: dict | None = None  # …or the fields of one this write adds
    hits: int = 0  # hits to add to an existing row
    last_seen_at: datetime.datetime | None = None
    place: tuple | None = None


COLUMNS = ("scanned_at", "last_seen_at", "code", "batch_id", "serial_id", "verdict", "channel", "client_hash", "hits",
           "latitude", "longitude")


def write(pending: list[PendingScan]) -> int:
    """Write scans with the log's caps: one read of the clients' recent rows, one
    INSERT of the new rows, one UPDATE per existing row that gained hits. Raises
    on failure (the buffer keeps its scans). Returns the number of new rows."""
    if not pending:
        return 0
    pending = sorted(pending, key=lambda p: p.at)
    repeat = datetime.timedelta(minutes=settings.TRACE_SCAN_REPEAT_MINUTES)
    window = datetime.timedelta(minutes=settings.TRACE_SCAN_CLIENT_WINDOW_MINUTES)
    cap = settings.TRACE_SCAN_CLIENT_MAX_ROWS
    rows: dict[str, list[_Row]] = defaultdict(list)
    existing = (Scan.objects.filter(client_hash__in={p.client for p in pending},
                                    scanned_at__gte=pending[0].at - max(repeat, window))
                .order_by("scanned_at", "id").values_list("pk", "client_hash", "code", "scanned_at"))
    with transaction.atomic():
        for pk, client, code, at in existing:
            rows[client].append(_Row(code=code, at=at, pk=pk))
        for scan in pending:
            mine = rows[scan.client]
            place = (scan.latitude, scan.longitude) if scan.latitude is not None else None
            row = next((r for r in reversed(mine) if r.code == scan.code and r.at >= scan.at - repeat), None)
            if row is None and mine and sum(1 for r in mine if r.at >= scan.at - window) >= cap:
                row, place = mine[-1], None  # over the cap: only the latest row's counter goes up
            if row is None:
                mine.append(_Row(code=scan.code, at=scan.at, new={
                    "scanned_at": scan.at, "last_seen_at": scan.at, "code": scan.code, "batch_id": scan.batch_id,
                    "serial_id": scan.serial_id, "verdict": scan.verdict, "channel": scan.channel,
                    "client_hash": scan.client, "hits": 1, "latitude": scan.latitude, "longitude": scan.longitude}))
            elif row.new is not None:
                row.new["hits"] += 1
                row.new["last_seen_at"] = scan.at
                if place:
                    row.new["latitude"], row.new["longitude"] = place
            else:
                row.hits += 1
                row.last_seen_at = scan.at
                row.place = place or row.place
        added = [r.new for mine in rows.values() for r in mine if r.new is not None]
        _insert(added)
        for row in (r for mine in rows.values() for r in mine if r.hits):
            changes = {"hits": F("hits") + row.hits, "last_seen_at": row.last_seen_at}
            if row.place:
                changes["latitude"], changes["longitude"] = row.place
            Scan.objects.filter(pk=row.pk).update(**changes)
    return len(added)


def _insert(rows: list[dict]) -> None:
    if connection.vendor == "postgresql":  # COPY: a tenth of bulk_create's cost per row, on the worker and the server
        names = ", ".join(f'"{c}"' for c in COLUMNS)
        with connection.cursor() as cursor, cursor.cursor.copy(
                f'COPY "{Scan._meta.db_table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[c] for c in COLUMNS])
    else:
        Scan.objects.bulk_create(Scan(**row) for row in rows)


class Flushed(NamedTuple):
    moved: int  # scans written
    backlog: bool = False  # the time budget ran out with scans left: flush again at once


def flush() -> Flushed:
    """Write the buffered scans to the database, oldest first, a chunk per
    transaction. One flusher at a time; a chunk leaves the buffer only once it
    is committed, so a failure keeps it for the retry."""
    redis = shared.client()
    if redis is None:
        return Flushed(0)
    token = secrets.token_hex(8)
    if not redis.set(FLUSH_LOCK_KEY, token, nx=True, ex=FLUSH_LOCK_SECONDS):
        return Flushed(0)  # another flusher is at it
    moved, started = 0, time.monotonic()
    try:
        redis.delete(FLUSH_PENDING_KEY)  # scans from now on schedule the next flush
        while time.monotonic() - started < FLUSH_TIME_BUDGET:
            raw = redis.lrange(BUFFER_KEY, 0, FLUSH_CHUNK - 1)
            if not raw:
                return Flushed(moved)
            write(decode(raw))
            redis.ltrim(BUFFER_KEY, len(raw), -1)
            moved += len(raw)
        return Flushed(moved, backlog=True)  # longer than one run: the caller schedules the next
    finally:
        try:
            script(redis, _RELEASE_LOCK)(keys=[FLUSH_LOCK_KEY], args=[token], client=redis)
        except shared.Error:
            pass  # the lock expires on its own


def decode(raw: list[bytes]) -> list[PendingScan]:
    scans = []
    for item in raw:
        try:
            scans.append(PendingScan.loads(item))
        except (ValueError, TypeError, InvalidOperation):
            logger.error("dropping an unreadable buffered scan: %r", item[:200])
    return scans
