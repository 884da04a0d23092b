"""A lot's trace events as an EPCIS 2.0 document (JSON-LD), as GS1 reads it.

Identifiers are GS1's, never the shop's own domain (which follows SITE_URL):

- the lot is the class `https://id.gs1.org/01/{gtin}/10/{lot}` (an LGTIN in
  canonical GS1 Digital Link form; the EPC URN form needs the GS1 company
  prefix length, which the shop does not know); a package is
  `https://id.gs1.org/01/{gtin}/21/{serial}` (an SGTIN). Variants without a
  GTIN have no GS1 identifier: their lots and packages are URIs in the shop's
  own vocabulary (settings.TRACE_VOCABULARY), like its private places;
- places with a valid GLN (producers, sales points) are
  `https://id.gs1.org/414/{gln}`; others are URIs in the shop's vocabulary.

The story of a lot, in CBV 2.0 terms:

- harvesting is the commissioning (ObjectEvent ADD, `active`) of the raw
  material's own lot, a class in the shop's vocabulary;
- production is a TransformationEvent from the raw material lots to the
  finished lot (bizStep `commissioning`), the only event carrying the lot's
  master data (ILMD); a lot without harvest is commissioned by an ObjectEvent
  ADD carrying it;
- each run of minted serials is an ObjectEvent ADD `commissioning` of those
  packages (epcList), at the time they were minted (cases are not modelled, so
  there is no AggregationEvent);
- every other step OBSERVEs the lot, its disposition checked against CBV 2.0
  (vocabulary.export_pair): `retail_selling` only with `retail_sold`, "on the
  shelf" is `stocking` with `sellable_accessible`.
"""
from __future__ import annotations

import json
import uuid
from itertools import groupby
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone

from catalog.gtin import check_digit
from traceability import vocabulary
from traceability.models import Batch, TraceEvent

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
GS1_RESOLVER = "https://id.gs1.org"
DEMO_OFFSET = "+07:00"


def _iso(dt, offset: str) -> str:
    """The time in its own offset: '2026-03-01T08:00:00+07:00'."""
    sign = 1 if offset[0] == "+" else -1
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    tz = timezone.get_fixed_timezone(sign * (hours * 60 + minutes))
    return dt.astimezone(tz).isoformat(timespec="seconds")


def _utc(dt) -> str:
    return dt.astimezone(timezone.get_fixed_timezone(0)).isoformat(timespec="seconds")


# -- identifiers ------------------------------------------------------------------------

def _ai(value: str) -> str:
    """An AI value in a Digital Link path: percent-encoded as GS1 Digital Link 1.4 says."""
    return quote(value, safe="")


def lot_class(batch: Batch) -> str:
    """The lot as an EPC class: https://id.gs1.org/01/{gtin}/10/{lot}, or the shop's own URI."""
    gtin = batch.variant.gtin
    if gtin:
        return f"{GS1_RESOLVER}/01/{gtin}/10/{_ai(batch.lot_code)}"
    return f"{settings.TRACE_VOCABULARY}lot/{batch.short_code}"


def item_id(batch: Batch, serial: str) -> str:
    """One package: https://id.gs1.org/01/{gtin}/21/{serial} (an SGTIN), or the shop's own URI."""
    gtin = batch.variant.gtin
    if gtin:
        return f"{GS1_RESOLVER}/01/{gtin}/21/{_ai(serial)}"
    return f"{settings.TRACE_VOCABULARY}item/{serial}"


def raw_material_class(batch: Batch) -> str:
    """The raw material harvested for a lot: its own lot, a class in the shop's vocabulary
    (the raw material has no GTIN)."""
    return f"{settings.TRACE_VOCABULARY}raw-material/lot/{batch.short_code}"


def valid_gln(gln: str | None) -> bool:
    gln = (gln or "").strip()
    return len(gln) == 13 and gln.isascii() and gln.isdigit() and check_digit(gln[:12]) == int(gln[12])


def gln_location(gln: str) -> str:
    return f"{GS1_RESOLVER}/414/{gln}"


def _location(event: TraceEvent, batch: Batch) -> str | None:
    vocab = settings.TRACE_VOCABULARY
    if event.sales_point_id:
        point = event.sales_point
        if valid_gln(getattr(point, "gln", "")):
            return gln_location(point.gln)
        return f"{vocab}location/sales-point/{point.code}"
    if event.commune_id:
        return f"{vocab}location/commune/{event.commune.slug}"
    return _producer_location(batch)


def _producer_location(batch: Batch) -> str | None:
    producer = batch.variant.product.producer
    if producer is None:
        return None
    if valid_gln(producer.gln):
        return gln_location(producer.gln)
    return f"{settings.TRACE_VOCABULARY}location/producer/{producer.slug}"


# -- events -----------------------------------------------------------------------------

def _quantity(epc_class: str, quantity=None, uom: str = "") -> dict:
    element = {"epcClass": epc_class}
    if quantity is not None:
        element["quantity"] = float(quantity)
        if uom:
            element["uom"] = uom
    return element


def _lot_quantity(event: TraceEvent, batch: Batch) -> dict:
    if event.quantity is not None:
        return _quantity(lot_class(batch), event.quantity, event.uom)
    return _quantity(lot_class(batch), batch.quantity, "H87")


def _ilmd(batch: Batch) -> dict:
    ilmd = {"cbvmda:lotNumber": batch.lot_code, "ocop:productionDate": batch.production_date.isoformat()}
    if batch.expiry_date:
        ilmd["cbvmda:itemExpirationDate"] = batch.expiry_date.isoformat()
    if batch.origin_commune_id:
        ilmd["ocop:originCommune"] = str(batch.origin_commune)
    return ilmd


def _common(event: TraceEvent, kind: str) -> dict:
    doc = {
        "type": kind,
        "eventTime": _iso(event.event_time, event.event_timezone_offset),
        "eventTimeZoneOffset": event.event_timezone_offset,
    }
    if event.record_time:
        doc["recordTime"] = _utc(event.record_time)
    doc["eventID"] = f"urn:uuid:{event.event_id}"
    return doc


def _why_where(doc: dict, event: TraceEvent, batch: Batch, biz_step: str, disposition: str) -> dict:
    doc["bizStep"] = biz_step
    if disposition:
        doc["disposition"] = disposition
    location = _location(event, batch)
    if location:
        doc["readPoint"] = {"id": location}
        doc["bizLocation"] = {"id": location}
    return doc


def _extensions(doc: dict, event: TraceEvent) -> dict:
    if event.description:
        doc["ocop:description"] = event.description
    if event.description_en:
        doc["ocop:descriptionEn"] = event.description_en
    place = event.place or (event.sales_point.name if event.sales_point_id else "")
    if place:
        doc["ocop:place"] = place
    return doc


def harvest_document(event: TraceEvent, batch: Batch) -> dict:
    """The harvest: the raw material's own lot commissioned (ObjectEvent ADD, active)."""
    doc = _common(event, "ObjectEvent")
    doc["action"] = "ADD"
    doc["quantityList"] = [_quantity(raw_material_class(batch), event.quantity, event.uom)]
    _why_where(doc, event, batch, "commissioning", "active")
    doc["ocop:activity"] = "harvesting"
    return _extensions(doc, event)


def transformation_document(event: TraceEvent, batch: Batch, harvests: list[TraceEvent]) -> dict:
    """Production: the harvested raw material in, the finished lot out, with the lot's ILMD."""
    doc = _common(event, "TransformationEvent")
    measured = [h for h in harvests if h.quantity is not None]
    uom = measured[0].uom if measured else ""
    total = sum(h.quantity for h in measured if h.uom == uom) if measured else None
    doc["inputQuantityList"] = [_quantity(raw_material_class(batch), total, uom)]
    doc["outputQuantityList"] = [_lot_quantity(event, batch)]
    _why_where(doc, event, batch, "commissioning", "active")
    doc["ilmd"] = _ilmd(batch)
    return _extensions(doc, event)


def event_document(event: TraceEvent, batch: Batch, *, ilmd: bool | None = None) -> dict:
    """A stored event about the lot as an ObjectEvent. `ilmd`: whether it carries the lot's
    master data (by default, when it is a commissioning that ADDs the lot)."""
    biz_step, disposition = vocabulary.export_pair(event.biz_step, event.disposition)
    doc = _common(event, "ObjectEvent")
    doc["action"] = event.action
    doc["quantityList"] = [_lot_quantity(event, batch)]
    _why_where(doc, event, batch, biz_step, disposition)
    if ilmd if ilmd is not None else (event.action == "ADD" and biz_step == "commissioning"):
        doc["ilmd"] = _ilmd(batch)
    return _extensions(doc, event)


def serial_runs(batch: Batch) -> list[tuple]:
    """[(minted_at, [serial, …])], one per call of services.mint_serials, oldest first."""
    rows = batch.serials.order_by("created_at", "id").values_list("created_at", "serial")
    return [(at, [serial for _, serial in run]) for at, run in groupby(rows, key=lambda row: row[0])]


def serial_commissioning_document(batch: Batch, minted_at, serials: list[str], offset: str = DEMO_OFFSET) -> dict:
    """A run of minted serials: the packages commissioned (ObjectEvent ADD, epcList).
    Its eventID is a name-based UUID of the lot and the run, the same at every export."""
    name = f"{settings.TRACE_VOCABULARY}serials/{batch.pk}/{_utc(minted_at)}"
    doc = {
        "type": "ObjectEvent",
        "eventTime": _iso(minted_at, offset),
        "eventTimeZoneOffset": offset,
        "recordTime": _utc(minted_at),
        "eventID": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}",
        "action": "ADD",
        "epcList": [item_id(batch, s) for s in serials],
        "bizStep": "commissioning",
        "disposition": "active",
    }
    location = _producer_location(batch)
    if location:
        doc["readPoint"] = {"id": location}
        doc["bizLocation"] = {"id": location}
    return doc


def event_list(batch: Batch, *, serials: bool = True) -> list[dict]:
    events = list(batch.events.select_related("sales_point", "commune").order_by("event_time", "id"))
    harvests = [e for e in events if vocabulary.short_name(e.biz_step) == "harvesting"]
    offset = events[0].event_timezone_offset if events else DEMO_OFFSET
    timed = []
    lot_commissioned = False
    for event in events:
        if event in harvests:
            doc = harvest_document(event, batch)
        elif event.biz_step == "commissioning" and not lot_commissioned:
            lot_commissioned = True
            doc = transformation_document(event, batch, harvests) if harvests else event_document(event, batch, ilmd=True)
        else:
            doc = event_document(event, batch, ilmd=False)
        timed.append((event.event_time, doc))
    if serials:
        timed += [(at, serial_commissioning_document(batch, at, run, offset)) for at, run in serial_runs(batch)]
    timed.sort(key=lambda pair: pair[0])
    return [doc for _, doc in timed]


def document(batch: Batch, now=None, *, serials: bool = True) -> dict:
    """The EPCISDocument of `batch`'s events (and its minted serials), oldest first."""
    return {
        "@context": [
            EPCIS_CONTEXT,
            {"ocop": settings.TRACE_VOCABULARY, "cbvmda": "urn:epcglobal:cbv:mda:"},
        ],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _utc(now or timezone.now()),
        "epcisBody": {"eventList": event_list(batch, serials=serials)},
    }


def dumps(batch: Batch, now=None) -> str:
    return json.dumps(document(batch, now), ensure_ascii=False, indent=2)
