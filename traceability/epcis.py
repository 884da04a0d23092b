"""A lot's trace events as an EPCIS 2.0 document (JSON-LD).

Every event is an ObjectEvent about the lot's class (a quantityList with
the lot's Digital Link, or its /q/ URL when the variant has no GTIN).
Commissioning and harvesting ADD the lot and carry its master data (ILMD:
lot number, expiry); the rest OBSERVE it. Places are GLN Digital Links when
the producer has a GLN, otherwise URIs in the shop's own vocabulary.
"""
from __future__ import annotations

import json

from django.conf import settings
from django.utils import timezone

from traceability import codes
from traceability.models import Batch, TraceEvent

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"


def _iso(dt, offset: str) -> str:
    """The time in its own offset: '2026-03-01T08:00:00+07:00'."""
    sign = 1 if offset[0] == "+" else -1
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    tz = timezone.get_fixed_timezone(sign * (hours * 60 + minutes))
    return dt.astimezone(tz).isoformat(timespec="seconds")


def _location(event: TraceEvent, batch: Batch) -> str | None:
    vocab = settings.TRACE_VOCABULARY
    if event.sales_point_id:
        return f"{vocab}location/sales-point/{event.sales_point.code}"
    if event.commune_id:
        return f"{vocab}location/commune/{event.commune.slug}"
    producer = batch.variant.product.producer
    if producer is not None:
        if producer.gln:
            return f"{settings.SITE_URL}/414/{producer.gln}"
        return f"{vocab}location/producer/{producer.slug}"
    return None


def event_document(event: TraceEvent, batch: Batch) -> dict:
    lot_class = codes.link_for_batch(batch)
    quantity = {"epcClass": lot_class}
    if event.quantity is not None:
        quantity["quantity"] = float(event.quantity)
        if event.uom:
            quantity["uom"] = event.uom
    else:
        quantity.update(quantity=float(batch.quantity), uom="H87")
    doc = {
        "type": "ObjectEvent",
        "eventTime": _iso(event.event_time, event.event_timezone_offset),
        "eventTimeZoneOffset": event.event_timezone_offset,
        "recordTime": event.record_time.astimezone(timezone.get_fixed_timezone(0)).isoformat(timespec="seconds")
        if event.record_time else None,
        "eventID": f"urn:uuid:{event.event_id}",
        "action": event.action,
        "quantityList": [quantity],
        "bizStep": event.biz_step,
    }
    if doc["recordTime"] is None:
        del doc["recordTime"]
    if event.disposition:
        doc["disposition"] = event.disposition
    location = _location(event, batch)
    if location:
        doc["readPoint"] = {"id": location}
        doc["bizLocation"] = {"id": location}
    if event.action == "ADD":
        ilmd = {"cbvmda:lotNumber": batch.lot_code, "ocop:productionDate": batch.production_date.isoformat()}
        if batch.expiry_date:
            ilmd["cbvmda:itemExpirationDate"] = batch.expiry_date.isoformat()
        if batch.origin_commune_id:
            ilmd["ocop:originCommune"] = str(batch.origin_commune)
        doc["ilmd"] = ilmd
    if event.description:
        doc["ocop:description"] = event.description
    if event.description_en:
        doc["ocop:descriptionEn"] = event.description_en
    place = event.place or (event.sales_point.name if event.sales_point_id else "")
    if place:
        doc["ocop:place"] = place
    return doc


def document(batch: Batch, now=None) -> dict:
    """The EPCISDocument of `batch`'s events, oldest first."""
    events = batch.events.select_related("sales_point", "commune").order_by("event_time", "id")
    return {
        "@context": [
            EPCIS_CONTEXT,
            {"ocop": settings.TRACE_VOCABULARY, "cbvmda": "urn:epcglobal:cbv:mda:"},
        ],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": (now or timezone.now()).astimezone(timezone.get_fixed_timezone(0)).isoformat(timespec="seconds"),
        "epcisBody": {"eventList": [event_document(e, batch) for e in events]},
    }


def dumps(batch: Batch, now=None) -> str:
    return json.dumps(document(batch, now), ensure_ascii=False, indent=2)
