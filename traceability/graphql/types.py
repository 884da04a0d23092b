import graphene

from catalog.graphql.types import ProductType, VariantType
from shop.errors import pick
from shop.graphql.core import page_size
from traceability import codes, vocabulary
from traceability.graphql.loaders import BatchesByProduct, EventsByBatch
from traceability.models import Batch
from traceability.texts import VERDICT_TEXT
from traceability.verdicts import Verdict


class BatchStatus(graphene.Enum):
    ACTIVE = "ACTIVE"
    RECALLED = "RECALLED"


TraceVerdict = graphene.Enum.from_enum(Verdict, description="What a scan of a code means")


def commune_text(commune) -> str | None:
    if commune is None:
        return None
    text = str(commune)
    if commune.successor_id and commune.successor_id != commune.pk:
        text += pick(f" (nay là {commune.successor})", f" (now {commune.successor})")
    return text


class TraceEventType(graphene.ObjectType):
    """One EPCIS 2.0 ObjectEvent of a lot."""

    class Meta:
        name = "TraceEvent"

    biz_step = graphene.String(required=True, description="CBV step name (packing, shipping…) or 'harvesting'")
    biz_step_uri = graphene.String(required=True, description="As written in EPCIS (the extension URI for harvesting)")
    biz_step_label = graphene.String(required=True, description="In the request's language")
    event_time = graphene.DateTime(required=True)
    event_time_zone_offset = graphene.String(required=True)
    disposition = graphene.String()
    place = graphene.String()
    description = graphene.String()

    def resolve_biz_step(e, info):
        return vocabulary.short_name(e.biz_step)

    def resolve_biz_step_uri(e, info):
        return e.biz_step

    def resolve_biz_step_label(e, info):
        return vocabulary.step_label(e.biz_step)

    def resolve_event_time_zone_offset(e, info):
        return e.event_timezone_offset

    def resolve_place(e, info):
        if e.place or e.place_en:
            return pick(e.place, e.place_en)
        if e.sales_point_id:
            return pick(e.sales_point.name, e.sales_point.name_en)
        return str(e.commune) if e.commune_id else None

    def resolve_description(e, info):
        return pick(e.description, e.description_en) or None


class BatchType(graphene.ObjectType):
    """A lot. Lot codes are printed on packages, so lots are public."""

    class Meta:
        name = "Batch"
        interfaces = (graphene.relay.Node,)

    lot_code = graphene.String(required=True)
    short_code = graphene.String(required=True, description="The signed /q/ code of the lot")
    production_date = graphene.Date(required=True)
    expiry_date = graphene.Date()
    quantity = graphene.Int(required=True)
    origin_commune = graphene.String(description="With its 2025 successor, if it merged")
    origin_district = graphene.String()
    status = graphene.Field(BatchStatus, required=True)
    recall_reason = graphene.String()
    recalled_at = graphene.DateTime()
    digital_link = graphene.String(required=True, description="GS1 Digital Link URI, or the /q/ URL without a GTIN")
    variant = graphene.Field(VariantType, required=True)
    events = graphene.List(graphene.NonNull(TraceEventType), required=True)

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, Batch)

    @classmethod
    def get_node(cls, info, id):
        return Batch.objects.select_related("variant", "origin_commune__district", "origin_commune__successor").filter(
            pk=id).first()

    def resolve_status(b, info):
        return Batch.Status(b.status).value

    def resolve_origin_commune(b, info):
        return commune_text(b.origin_commune)

    def resolve_origin_district(b, info):
        commune = b.origin_commune
        return commune.district.name if commune and commune.district_id else None

    def resolve_recall_reason(b, info):
        return b.recall_reason or None

    def resolve_digital_link(b, info):
        return codes.link_for_batch(b)

    def resolve_events(b, info):
        return EventsByBatch.of(info.context).load(b.pk)


class TraceResult(graphene.ObjectType):
    verdict = graphene.Field(TraceVerdict, required=True)
    reason = graphene.String(description="Why SUSPICIOUS or NOT_AUTHENTIC: many_scans, far_apart, bad_signature…")
    message = graphene.String(required=True, description="The verdict in plain words, in the request's language")
    scan_count = graphene.Int(description="Scans of this code, this one included (null if unknown)")
    first_scanned_at = graphene.DateTime()
    product = graphene.Field(ProductType)
    batch = graphene.Field(BatchType)
    serial = graphene.String()
    events = graphene.List(graphene.NonNull(TraceEventType), required=True)
    digital_link = graphene.String()

    def resolve_verdict(o, info):
        return o.verdict.value

    def resolve_reason(o, info):
        return o.reason or None

    def resolve_message(o, info):
        (title_vi, title_en), _ = VERDICT_TEXT[o.verdict]
        return pick(title_vi, title_en)

    def resolve_serial(o, info):
        return o.serial.serial if o.serial else None

    def resolve_events(o, info):
        return EventsByBatch.of(info.context).load(o.batch.pk) if o.batch else []


def resolve_product_batches(product, info, first=None):
    return BatchesByProduct.of(info.context).load(product.pk)[: page_size(first, default=10)]


def add_batches_to_product() -> None:
    """`Product.batches(first:)`: catalog must not import traceability, so the
    field is added here, before the root schema is built (shop/schema.py
    imports this module first). BatchesByProduct is keyed "product", so
    product lists prime it and the field costs one query per page."""
    if "batches" in ProductType._meta.fields:
        return
    ProductType._meta.fields["batches"] = graphene.Field(
        graphene.NonNull(graphene.List(graphene.NonNull(BatchType))),
        first=graphene.Int(description="At most this many, newest first (default 10)"),
        resolver=resolve_product_batches,
        description="The product's lots, newest first",
    )
