"""Traceability's part of the root schema: `trace(code:)`, `Product.batches`,
and the producer / province staff mutations. Resolvers are thin: the rules
are in traceability.services."""
import graphene

from catalog.errors import CatalogErrorCode
from shop.errors import CommonErrorCode, ShopError
from shop.graphql.core import decode_id, error_list, error_type, errors_from
from shop.models import Commune, SalesPoint
from traceability import scans, services
from traceability.errors import TraceabilityErrorCode
from traceability.graphql.types import BatchType, TraceEventType, TraceResult, add_batches_to_product
from traceability.models import Batch

add_batches_to_product()

TraceabilityError = error_type(
    "TraceabilityError", TraceabilityErrorCode, CatalogErrorCode,
    description="An error of a lot, trace event or recall mutation (GTIN errors included).",
)


class QualityDocumentInput(graphene.InputObjectType):
    title = graphene.String(required=True)
    url = graphene.String()


class BatchInput(graphene.InputObjectType):
    variant_id = graphene.ID(description="The ProductVariant; or give gtin or sku instead")
    gtin = graphene.String(description="GTIN-8/12/13/14 with a valid check digit")
    sku = graphene.String()
    lot_code = graphene.String(required=True)
    production_date = graphene.Date(required=True)
    expiry_date = graphene.Date()
    quantity = graphene.Int(required=True)
    origin_commune = graphene.String(description="The commune's slug")
    raw_materials = graphene.String()
    raw_materials_en = graphene.String()
    quality_documents = graphene.List(graphene.NonNull(QualityDocumentInput))


class TraceEventInput(graphene.InputObjectType):
    biz_step = graphene.String(required=True, description="CBV step (commissioning, inspecting, packing, shipping, "
                                                           "receiving, retail_selling…) or harvesting")
    event_time = graphene.DateTime(required=True, description="With its time-zone offset")
    description = graphene.String()
    description_en = graphene.String()
    place = graphene.String()
    place_en = graphene.String()
    sales_point_id = graphene.ID()
    commune = graphene.String(description="The commune's slug")
    disposition = graphene.String()
    quantity = graphene.Float()
    uom = graphene.String(description="UN/CEFACT unit code: KGM, LTR, H87…")


def _user(info):
    return info.context.user


def _commune(slug, field):
    if not slug:
        return None
    commune = Commune.objects.filter(slug=slug).first()
    if commune is None:
        raise ShopError(CommonErrorCode.COMMUNE_NOT_FOUND, f"Không có xã có mã {slug}.", f"There is no commune {slug}.", field=field)
    return commune


def _batch(batch_id) -> Batch:
    pk = decode_id(batch_id, "Batch", "batchId")
    batch = Batch.objects.select_related("variant__product").filter(pk=pk).first()
    if batch is None:
        raise ShopError(TraceabilityErrorCode.BATCH_NOT_FOUND, "Không tìm thấy lô hàng.", "No such lot.", field="batchId")
    return batch


class BatchCreate(graphene.Mutation):
    class Arguments:
        input = BatchInput(required=True)

    batch = graphene.Field(BatchType)
    errors = error_list(TraceabilityError)

    @staticmethod
    def mutate(root, info, input):
        try:
            variant_id = decode_id(input.variant_id, "ProductVariant", "variantId") if input.get("variant_id") else None
            variant = services.find_variant(variant_id=variant_id, gtin=input.get("gtin"), sku=input.get("sku"))
            batch = services.create_batch(
                variant=variant, lot_code=input.lot_code, production_date=input.production_date,
                expiry_date=input.get("expiry_date"), quantity=input.quantity,
                origin_commune=_commune(input.get("origin_commune"), "originCommune"),
                raw_materials=input.get("raw_materials") or "", raw_materials_en=input.get("raw_materials_en") or "",
                quality_documents=[dict(d) for d in input.get("quality_documents") or []], by=_user(info),
            )
        except ShopError as exc:
            return BatchCreate(batch=None, errors=errors_from(exc, TraceabilityError))
        return BatchCreate(batch=batch, errors=[])


class TraceEventAdd(graphene.Mutation):
    class Arguments:
        batch_id = graphene.ID(required=True)
        input = TraceEventInput(required=True)

    event = graphene.Field(TraceEventType)
    batch = graphene.Field(BatchType)
    errors = error_list(TraceabilityError)

    @staticmethod
    def mutate(root, info, batch_id, input):
        try:
            batch = _batch(batch_id)
            point = None
            if input.get("sales_point_id"):
                point = SalesPoint.objects.filter(pk=decode_id(input.sales_point_id, "SalesPoint", "salesPointId")).first()
                if point is None:
                    raise ShopError(CommonErrorCode.SALES_POINT_NOT_FOUND, "Không có điểm bán này.", "No such sales point.",
                                    field="salesPointId")
            event = services.add_event(
                batch=batch, biz_step=input.biz_step, event_time=input.event_time,
                description=input.get("description") or "", description_en=input.get("description_en") or "",
                place=input.get("place") or "", place_en=input.get("place_en") or "", sales_point=point,
                commune=_commune(input.get("commune"), "commune"), disposition=input.get("disposition") or "",
                quantity=input.get("quantity"), uom=input.get("uom") or "", by=_user(info),
            )
        except ShopError as exc:
            return TraceEventAdd(event=None, batch=None, errors=errors_from(exc, TraceabilityError))
        return TraceEventAdd(event=event, batch=batch, errors=[])


class BatchRecall(graphene.Mutation):
    class Arguments:
        batch_id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    batch = graphene.Field(BatchType)
    errors = error_list(TraceabilityError)

    @staticmethod
    def mutate(root, info, batch_id, reason):
        try:
            batch = services.recall_batch(batch=_batch(batch_id), reason=reason, by=_user(info))
        except ShopError as exc:
            return BatchRecall(batch=None, errors=errors_from(exc, TraceabilityError))
        return BatchRecall(batch=batch, errors=[])


class Query(graphene.ObjectType):
    trace = graphene.Field(
        TraceResult, code=graphene.String(required=True,
                                          description="A /q/ code, a serial code, or a Digital Link path or URL"),
        latitude=graphene.Float(description="Shared by the user; stored rounded to 0.1°"),
        longitude=graphene.Float(),
        description="Resolve a code like a scan (it is logged as one) and say whether it is genuine",
    )

    def resolve_trace(root, info, code, latitude=None, longitude=None):
        client = scans.client_hash(scans.client_address(info.context))
        return services.trace_code(code, client=client, channel="api", latitude=latitude, longitude=longitude)


class Mutation(graphene.ObjectType):
    batch_create = BatchCreate.Field()
    trace_event_add = TraceEventAdd.Field()
    batch_recall = BatchRecall.Field()
