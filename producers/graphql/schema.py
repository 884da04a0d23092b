"""The producers' part of the root schema: `myProducer`, `myProducts`, `myCertificates`,
`myLots`, `myScans`, `mySales` and the lot and product-change mutations.

Who may see what is decided once, by producers.access (the pages ask the same function): a
token's person sees only the producer they belong to (`producerId` picks one when they belong
to several). Resolvers are thin; the rules live in the portal's service modules. Query errors
(not signed in, not a member) are GraphQL errors with the code in `extensions`; mutation errors
are the payload's `errors` (ProducerError)."""
from __future__ import annotations

import graphene
from graphql import GraphQLError

from catalog.errors import CatalogErrorCode
from inventory.errors import StockErrorCode
from producers import access
from producers import api as service
from producers.errors import ProducerErrorCode
from producers.graphql.types import (
    CountRow,
    MyCertificateType,
    MyLotCountableConnection,
    MyProducer,
    MyProductType,
    MySalesRow,
    MyScansSummary,
    ProductChangeType,
)
from shop.errors import ShopError
from shop.graphql.core import Page, decode_id, error_list, error_type, errors_from
from shop.graphql.loaders import prime_all
from traceability.errors import TraceabilityErrorCode
from traceability.graphql.types import BatchType, TraceEventType

ProducerError = error_type(
    "ProducerError", ProducerErrorCode, TraceabilityErrorCode, CatalogErrorCode, StockErrorCode,
    description="An error of a producer's own request: not a member, another producer's object, a lot or event "
                "the rules refuse, a change that cannot be submitted.",
)


def _acting(info, producer_id) -> access.Acting:
    pk = decode_id(producer_id, "Producer", "producerId") if producer_id is not None else None
    return access.acting_for(getattr(info.context, "user", None), pk)


def _query_error(exc: ShopError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": str(exc.code), "field": exc.field})


def _read(fn):
    try:
        return fn()
    except ShopError as exc:
        raise _query_error(exc) from exc


PRODUCER_ID = "The producer to act for (a Producer ID); needed only by people who belong to several"


class LotStatusFilter(graphene.Enum):
    class Meta:
        name = "MyLotStatus"

    ACTIVE = "ACTIVE"
    RECALLED = "RECALLED"


class Query(graphene.ObjectType):
    my_producer = graphene.Field(MyProducer, required=True, producer_id=graphene.ID(description=PRODUCER_ID),
                                 description="Producers' people: the producer the caller acts for and their role")
    my_products = graphene.List(
        graphene.NonNull(MyProductType), required=True, producer_id=graphene.ID(description=PRODUCER_ID),
        description="Producers' people: their producer's products, stock per sales point (read-only) and the "
                    "change waiting for the province's review",
    )
    my_certificates = graphene.List(
        graphene.NonNull(MyCertificateType), required=True, producer_id=graphene.ID(description=PRODUCER_ID),
        description="Producers' people: every OCOP certificate of their products, newest first, with countdowns",
    )
    my_lots = graphene.Field(
        MyLotCountableConnection, required=True, producer_id=graphene.ID(description=PRODUCER_ID),
        status=LotStatusFilter(), first=graphene.Int(), after=graphene.String(),
        description="Producers' people: their producer's lots, newest first",
    )
    my_scans = graphene.Field(
        MyScansSummary, required=True, producer_id=graphene.ID(description=PRODUCER_ID),
        start=graphene.Date(description="First day (default: 30 days before end)"),
        end=graphene.Date(description="Last day, included (default: today)"),
        description="Producers' people: scans of their codes and buyers' reports in a range (at most 366 days)",
    )
    my_sales = graphene.List(
        graphene.NonNull(MySalesRow), required=True, producer_id=graphene.ID(description=PRODUCER_ID),
        start=graphene.Date(), end=graphene.Date(),
        description="Producers' people: units of their products sold per sales point and month, from orders",
    )

    def resolve_my_producer(root, info, producer_id=None):
        return _read(lambda: _acting(info, producer_id))

    def resolve_my_products(root, info, producer_id=None):
        rows = _read(lambda: service.my_products(_acting(info, producer_id)))
        prime_all(info.context, "product", {row.product.pk for row in rows})
        prime_all(info.context, "variant", {s.variant.pk for row in rows for s in row.stock})
        return rows

    def resolve_my_certificates(root, info, producer_id=None):
        return _read(lambda: service.my_certificates(_acting(info, producer_id)))

    def resolve_my_lots(root, info, producer_id=None, status=None, first=None, after=None):
        lots = _read(lambda: service.my_lots(_acting(info, producer_id), status=getattr(status, "value", status)))
        page = Page(lots, first, after)
        prime_all(info.context, "batch", {b.pk for b in page.nodes})
        prime_all(info.context, "variant", {b.variant_id for b in page.nodes})
        return page

    def resolve_my_scans(root, info, producer_id=None, start=None, end=None):
        summary = _read(lambda: service.my_scans(_acting(info, producer_id), start=start, end=end))
        return MyScansSummary(
            start=summary.start, end=summary.end, scans=summary.scans, hits=summary.hits,
            suspicious=summary.suspicious, reports=summary.reports,
            by_verdict=[CountRow(key=k, count=n) for k, n in summary.by_verdict],
            by_month=[CountRow(key=k, count=n) for k, n in summary.by_month],
            by_place=[CountRow(key=k, count=n) for k, n in summary.by_place],
        )

    def resolve_my_sales(root, info, producer_id=None, start=None, end=None):
        rows = _read(lambda: service.my_sales(_acting(info, producer_id), start=start, end=end))
        return [MySalesRow(sales_point=row.sales_point, month=row.month, units=row.units) for row in rows]


IDEMPOTENCY_KEY = ("A UUID your software makes once per record; sending it again (after a dropped connection) "
                   "returns what the first call made instead of recording twice")


class ProducerLotInput(graphene.InputObjectType):
    variant_id = graphene.ID(required=True, description="One of the producer's ProductVariants")
    lot_code = graphene.String(description="Printed on the packages; L<yymmdd>-<n> when omitted")
    production_date = graphene.Date(required=True)
    expiry_date = graphene.Date()
    quantity = graphene.Int(required=True)
    origin_commune = graphene.String(description="The raw materials' commune in the province (its slug)")
    raw_materials = graphene.String()


class ProducerLotEventKind(graphene.Enum):
    class Meta:
        name = "ProducerLotEventKind"

    HARVEST = "harvest"
    PROCESSING = "processing"
    QUALITY = "quality"
    PACKING = "packing"
    DISPATCH = "dispatch"


class ProducerLotEventInput(graphene.InputObjectType):
    kind = ProducerLotEventKind(required=True, description="What happened; DISPATCH sends units to a sales point "
                                                           "(an incoming transfer its staff receive)")
    event_time = graphene.DateTime(description="With its time-zone offset; now when omitted")
    note = graphene.String()
    quantity = graphene.Float(description="HARVEST: kilograms; PROCESSING, PACKING, DISPATCH: units (DISPATCH: "
                                          "required)")
    passed = graphene.Boolean(description="QUALITY: the test passed (default true)")
    report_pdf_base64 = graphene.String(description="QUALITY: the test report, a PDF, base64-encoded (required; "
                                                    "the request body is limited, so large reports go through "
                                                    "the portal's page)")
    report_title = graphene.String()
    sales_point_id = graphene.ID(description="DISPATCH: the sales point that receives the units")


class ProductVariantChangeInput(graphene.InputObjectType):
    variant_id = graphene.ID(required=True)
    pack_size = graphene.String()
    weight_grams = graphene.Int()


class ProductChangeInput(graphene.InputObjectType):
    description = graphene.String()
    description_en = graphene.String()
    ingredients = graphene.String()
    ingredients_en = graphene.String()
    usage = graphene.String()
    usage_en = graphene.String()
    storage = graphene.String()
    storage_en = graphene.String()
    variants = graphene.List(graphene.NonNull(ProductVariantChangeInput), description="Pack sizes and weights")


def _payload(cls, fn):
    try:
        return fn()
    except ShopError as exc:
        return cls(errors=errors_from(exc, ProducerError))


class ProducerLotCreate(graphene.Mutation):
    """Create a lot of one of the caller's producer's products."""

    class Arguments:
        producer_id = graphene.ID(description=PRODUCER_ID)
        idempotency_key = graphene.UUID(description=IDEMPOTENCY_KEY)
        input = ProducerLotInput(required=True)

    batch = graphene.Field(BatchType)
    errors = error_list(ProducerError)

    @classmethod
    def mutate(cls, root, info, input, producer_id=None, idempotency_key=None):
        def run():
            acting = _acting(info, producer_id)
            batch = service.lot_create(
                acting, key=idempotency_key, variant_id=decode_id(input.variant_id, "ProductVariant", "variantId"),
                lot_code=input.get("lot_code") or "", production_date=input.production_date,
                expiry_date=input.get("expiry_date"), quantity=input.quantity,
                origin_commune=input.get("origin_commune") or "", raw_materials=input.get("raw_materials") or "",
            )
            return cls(batch=batch, errors=[])

        return _payload(cls, run)


class ProducerLotEventAdd(graphene.Mutation):
    """Record what happened to one of the caller's lots (harvest … dispatch); it feeds the trace page."""

    class Arguments:
        producer_id = graphene.ID(description=PRODUCER_ID)
        batch_id = graphene.ID(required=True)
        idempotency_key = graphene.UUID(description=IDEMPOTENCY_KEY)
        input = ProducerLotEventInput(required=True)

    event = graphene.Field(TraceEventType)
    batch = graphene.Field(BatchType)
    errors = error_list(ProducerError)

    @classmethod
    def mutate(cls, root, info, batch_id, input, producer_id=None, idempotency_key=None):
        def run():
            acting = _acting(info, producer_id)
            point_id = input.get("sales_point_id")
            event = service.lot_event_add(
                acting, key=idempotency_key, batch_id=decode_id(batch_id, "Batch", "batchId"),
                kind=getattr(input.kind, "value", input.kind), event_time=input.get("event_time"),
                note=input.get("note") or "", quantity=input.get("quantity"),
                passed=input.get("passed") is not False, report_pdf_base64=input.get("report_pdf_base64") or "",
                report_title=input.get("report_title") or "",
                sales_point_id=decode_id(point_id, "SalesPoint", "salesPointId") if point_id else None,
                site_url=info.context.build_absolute_uri("/"),
            )
            return cls(event=event, batch=event.batch, errors=[])

        return _payload(cls, run)


class ProducerProductChangeSave(graphene.Mutation):
    """Save (or start) the draft of what buyers should see of a product; prices stay with the province."""

    class Arguments:
        producer_id = graphene.ID(description=PRODUCER_ID)
        product_id = graphene.ID(required=True)
        input = ProductChangeInput(required=True)

    change = graphene.Field(ProductChangeType)
    errors = error_list(ProducerError)

    @classmethod
    def mutate(cls, root, info, product_id, input, producer_id=None):
        def run():
            acting = _acting(info, producer_id)
            fields = {name: value for name, value in input.items() if value is not None and name != "variants"}
            variants = [{"variant_id": decode_id(v.variant_id, "ProductVariant", f"variants.{i}.variantId"),
                         "pack_size": v.get("pack_size"), "weight_grams": v.get("weight_grams")}
                        for i, v in enumerate(input.get("variants") or [])]
            change = service.change_save(acting, product_id=decode_id(product_id, "Product", "productId"),
                                         fields=fields, variants=variants)
            return cls(change=change, errors=[])

        return _payload(cls, run)


class ProducerProductChangeSubmit(graphene.Mutation):
    """Send a product's draft to the province's review queue (published only once approved)."""

    class Arguments:
        producer_id = graphene.ID(description=PRODUCER_ID)
        product_id = graphene.ID(required=True)
        idempotency_key = graphene.UUID(description=IDEMPOTENCY_KEY)

    change = graphene.Field(ProductChangeType)
    errors = error_list(ProducerError)

    @classmethod
    def mutate(cls, root, info, product_id, producer_id=None, idempotency_key=None):
        def run():
            acting = _acting(info, producer_id)
            change = service.change_submit(acting, product_id=decode_id(product_id, "Product", "productId"),
                                           key=idempotency_key)
            return cls(change=change, errors=[])

        return _payload(cls, run)


class Mutation(graphene.ObjectType):
    producer_lot_create = ProducerLotCreate.Field()
    producer_lot_event_add = ProducerLotEventAdd.Field()
    producer_product_change_save = ProducerProductChangeSave.Field()
    producer_product_change_submit = ProducerProductChangeSubmit.Field()

