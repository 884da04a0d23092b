"""The scan log: cheap, private, bounded, and never in the way of the page.

- Private: a scan keeps a salted hash of the client address that changes
  every day (so scans cannot be linked across days), never the address
  (Decree 13/2023); a place only if the visitor shares it, rounded to
  0.1° (about 11 km).
- Bounded: the same client scanning the same code again within
  TRACE_SCAN_REPEAT_MINUTES is the same scan (its row's `hits` goes up);
  past TRACE_SCAN_CLIENT_MAX_ROWS rows in TRACE_SCAN_CLIENT_WINDOW_MINUTES a
  client's scans only raise the counter of its latest row. A flood from
  one client therefore adds at most that many rows per window.
- Never in the way: reads and writes here swallow and log their failures;
  the caller gets an empty history or nothing written, not an exception.
"""
from __future__ import annotations

import contextlib
import datetime
import hashlib
import logging
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Min
from django.utils import timezone

from traceability.models import Scan
from traceability.verdicts import EarlierScan, lookback_hours

logger = logging.getLogger(__name__)

RECENT_LIMIT = 500  # earlier scans looked at for the SUSPICIOUS rules


def client_address(request) -> str:
    if settings.TRACE_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "") or ""


def client_hash(address: str, now: datetime.datetime | None = None) -> str:
    day = timezone.localdate(now or timezone.now()).isoformat()
    raw = f"{settings.TRACE_CLIENT_SALT}|{day}|{address}".encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def coarse(latitude, longitude) -> tuple[Decimal | None, Decimal | None]:
    """A shared position rounded to 0.1°, or (None, None) if absent or nonsense."""
    try:
        lat, lon = Decimal(str(latitude)), Decimal(str(longitude))
    except (InvalidOperation, ValueError, TypeError):
        return None, None
    if not (lat.is_finite() and lon.is_finite() and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    tenth = Decimal("0.1")
    return lat.quantize(tenth, ROUND_HALF_UP), lon.quantize(tenth, ROUND_HALF_UP)


@dataclass
class History:
    """Earlier scans of one code (a serial, or a lot-level code)."""

    count: int = 0
    first_at: datetime.datetime | None = None
    recent: list[EarlierScan] = field(default_factory=list)
    available: bool = True  # False when the log could not be read


@dataclass
class ClientState:
    repeat_id: int | None = None  # this client's row for the same code, within the repeat window
    repeat_at: datetime.datetime | None = None
    latest_id: int | None = None
    over_cap: bool = False


def _guarded():
    """A savepoint when inside a transaction, so a failed read does not poison it
    (PostgreSQL); nothing extra in autocommit mode."""
    return transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()


def _target(batch_id: int | None, serial_id: int | None):
    if serial_id:
        return Scan.objects.filter(serial_id=serial_id)
    return Scan.objects.filter(batch_id=batch_id, serial__isnull=True)


def history(*, batch_id: int | None, serial_id: int | None, now: datetime.datetime,
            before: datetime.datetime | None = None) -> History:
    """Scans of the code before `before` (default: all so far)."""
    if not batch_id and not serial_id:
        return History()
    try:
        scans = _target(batch_id, serial_id)
        if before is not None:
            scans = scans.filter(scanned_at__lt=before)
        with _guarded():
            totals = scans.aggregate(n=Count("id"), first=Min("scanned_at"))
            rows = []
            if totals["n"]:
                since = now - datetime.timedelta(hours=lookback_hours())
                rows = list(scans.filter(scanned_at__gte=since).order_by("-scanned_at").values_list(
                    "scanned_at", "latitude", "longitude"
                )[:RECENT_LIMIT])
        recent = [
            EarlierScan(at, float(lat) if lat is not None else None, float(lon) if lon is not None else None)
            for at, lat, lon in rows
        ]
        return History(count=totals["n"], first_at=totals["first"], recent=recent)
    except Exception:  # noqa: BLE001 - the page must not break on the log
        logger.exception("scan history unavailable")
        return History(available=False)


def client_state(client: str, code: str, now: datetime.datetime) -> ClientState:
    """One query: this client's recent rows, to merge repeats and apply the cap."""
    try:
        repeat_since = now - datetime.timedelta(minutes=settings.TRACE_SCAN_REPEAT_MINUTES)
        window_since = now - datetime.timedelta(minutes=settings.TRACE_SCAN_CLIENT_WINDOW_MINUTES)
        cap = settings.TRACE_SCAN_CLIENT_MAX_ROWS
        with _guarded():
            rows = list(
                Scan.objects.filter(client_hash=client, scanned_at__gte=min(repeat_since, window_since))
                .order_by("-scanned_at", "-id")
                .values_list("id", "code", "scanned_at")[: cap + 1]
            )
    except Exception:  # noqa: BLE001
        logger.exception("scan log unavailable")
        return ClientState()
    state = ClientState(latest_id=rows[0][0] if rows else None)
    for pk, row_code, at in rows:
        if row_code == code and at >= repeat_since:
            state.repeat_id, state.repeat_at = pk, at
            break
    state.over_cap = sum(1 for _, _, at in rows if at >= window_since) >= cap
    return state


def record(*, state: ClientState, code: str, client: str, verdict: str, channel: str, now: datetime.datetime,
           batch_id: int | None = None, serial_id: int | None = None,
           latitude: Decimal | None = None, longitude: Decimal | None = None) -> None:
    """Write the scan: a new row, or a counter on an existing one. Never raises."""
    try:
        with transaction.atomic():
            if state.repeat_id:
                changes = {"hits": F("hits") + 1, "last_seen_at": now}
                if latitude is not None and longitude is not None:
                    changes.update(latitude=latitude, longitude=longitude)
                Scan.objects.filter(pk=state.repeat_id).update(**changes)
            elif state.over_cap and state.latest_id:
                Scan.objects.filter(pk=state.latest_id).update(hits=F("hits") + 1, last_seen_at=now)
            else:
                Scan.objects.create(
                    scanned_at=now, last_seen_at=now, code=code[:64], batch_id=batch_id, serial_id=serial_id,
                    verdict=verdict, channel=channel, client_hash=client, latitude=latitude, longitude=longitude,
                )
    except Exception:  # noqa: BLE001 - logging a scan never breaks the page
        logger.exception("could not log a scan of %s", code[:64])
