"""Stock transfers between sales points and the low-stock list, for staff API clients.

Thin callers of `inventory.transfers`: every mutation payload carries
`errors` (field, code, message in the request's language) instead of raising.
Lists load their transfers with points, people and lines in a fixed number of
queries, whatever their length.
"""
import graphene
from graphql import GraphQLError

from catalog.graphql.types import VariantType
from inventory import transfers as service
from inventory.graphql.schema import StockError
from inventory.models import Stock, Transfer, TransferLine
from shop.errors import ShopError, pick
from shop.graphql.core import Page, countable_connection, decode_id, error_list, errors_from
from shop.graphql.loaders import prime_all
from shop.graphql.types import SalesPointType


def _user(info):
    user = getattr(info.context, "user", None)
    return user if user is not None and user.is_authenticated else None


def _guard(cls, fn):
    try:
        return fn()
    except ShopError as exc:
        return cls(errors=errors_from(exc, StockError))


def _query_error(exc: ShopError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code.upper(), "field": exc.field})


def _person(user) -> str | None:
    return (user.email or user.get_username()) if user is not None else None


class StockTransferStatusEnum(graphene.Enum):
    class Meta:
        name = "StockTransferStatus"

    SENT = "SENT"
    RECEIVED = "RECEIVED"
    CANCELLED = "CANCELLED"


class StockTransferLineType(graphene.ObjectType):
    class Meta:
        name = "StockTransferLine"
        interfaces = (graphene.relay.Node,)

    variant = graphene.Field(VariantType, required=True)
    sku = graphene.String(required=True)
    product_name = graphene.String(required=True)
    quantity_sent = graphene.Int(required=True)
    quantity_received = graphene.Int(description="Counted by the receiving point; null while in transit")
    discrepancy = graphene.Int(required=True, description="Received minus sent (negative: lost on the way); 0 in transit")
    discrepancy_note = graphene.String()

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, TransferLine)

    @classmethod
    def get_node(cls, info, id):
        return None  # reached through its transfer only

    def resolve_sku(line, info):
        return line.variant.sku

    def resolve_product_name(line, info):
        product = line.variant.product
        return pick(product.name, product.name_en)

    def resolve_discrepancy_note(line, info):
        return line.discrepancy_note or None


class StockTransferType(graphene.ObjectType):
    class Meta:
        name = "StockTransfer"
        interfaces = (graphene.relay.Node,)

    number = graphene.String(required=True)
    status = graphene.Field(StockTransferStatusEnum, required=True)
    in_transit = graphene.Boolean(required=True)
    from_point = graphene.Field(SalesPointType, description="The sending point (none for a producer's dispatch)")
    from_producer_name = graphene.String(description="The producer who dispatched it (none for a point's transfer)")
    to_point = graphene.Field(SalesPointType, required=True)
    note = graphene.String()
    lines = graphene.List(graphene.NonNull(StockTransferLineType), required=True)
    created_by = graphene.String(description="Who sent it (e-mail)")
    sent_at = graphene.DateTime(required=True)
    received_by = graphene.String()
    received_at = graphene.DateTime()
    cancelled_by = graphene.String()
    cancelled_at = graphene.DateTime()
    can_receive = graphene.Boolean(required=True, description="The caller may receive it now")
    can_cancel = graphene.Boolean(required=True, description="The caller may cancel it now")

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, Transfer)

    @classmethod
    def get_node(cls, info, id):
        try:
            return service.with_lines(service.visible_transfers(info.context.user)).filter(pk=id).first()
        except ShopError:
            return None

    def resolve_note(t, info):
        return t.note or None

    def resolve_from_producer_name(t, info):
        return t.from_producer.name if t.from_producer_id else None

    def resolve_lines(t, info):
        return list(t.lines.all())  # prefetched by the lists (service.with_lines)

    def resolve_created_by(t, info):
        return _person(t.created_by)

    def resolve_received_by(t, info):
        return _person(t.received_by)

    def resolve_cancelled_by(t, info):
        return _person(t.cancelled_by)

    def resolve_can_receive(t, info):
        return service.may_receive(info.context.user, t)

    def resolve_can_cancel(t, info):
        return service.may_cancel(info.context.user, t)


StockTransferCountableConnection = countable_connection(StockTransferType, "StockTransferCountableConnection")


class LowStockItemType(graphene.ObjectType):
    class Meta:
        name = "LowStockItem"

    sales_point = graphene.Field(SalesPointType, required=True)
    variant = graphene.Field(VariantType, required=True)
    sku = graphene.String(required=True)
    product_name = graphene.String(required=True)
    quantity_on_hand = graphene.Int(required=True)
    quantity_allocated = graphene.Int(required=True)
    quantity_available = graphene.Int(required=True, description="On hand minus allocated")
    low_stock_threshold = graphene.Int(required=True)

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, Stock)

    def resolve_sku(s, info):
        return s.variant.sku

    def resolve_product_name(s, info):
        return pick(s.variant.product.name, s.variant.product.name_en)


def _fetched(transfer: Transfer) -> Transfer:
    """A mutation's transfer read again with everything its type shows."""
    return service.with_lines(Transfer.objects.filter(pk=transfer.pk)).get()


class StockTransferLineInput(graphene.InputObjectType):
    variant_id = graphene.ID(required=True)
    quantity = graphene.Int(required=True)


class StockTransferCreateInput(graphene.InputObjectType):
    from_point_id = graphene.ID(required=True)
    to_point_id = graphene.ID(required=True)
    lines = graphene.List(graphene.NonNull(StockTransferLineInput), required=True)
    note = graphene.String()


class StockTransferReceiveLineInput(graphene.InputObjectType):
    line_id = graphene.ID(required=True)
    quantity_received = graphene.Int(description="Units that arrived; the quantity sent when omitted")
    note = graphene.String(description="Required when the count differs from what was sent")


class StockTransferCreate(graphene.Mutation):
    """Send stock from a point (its staff or a province admin) to another: the units leave at once."""

    class Arguments:
        input = StockTransferCreateInput(required=True)

    transfer = graphene.Field(StockTransferType)
    errors = error_list(StockError)

    @classmethod
    def mutate(cls, root, info, input):
        def run():
            lines = [
                (decode_id(line.get("variant_id"), "ProductVariant", f"lines.{i}.variantId"), line.get("quantity"))
                for i, line in enumerate(input.get("lines") or [])
            ]
            transfer = service.send(
                user=_user(info), from_point_id=decode_id(input.get("from_point_id"), "SalesPoint", "fromPointId"),
                to_point_id=decode_id(input.get("to_point_id"), "SalesPoint", "toPointId"), lines=lines,
                note=input.get("note") or "",
            )
            return cls(transfer=_fetched(transfer), errors=[])

        return _guard(cls, run)


class StockTransferReceive(graphene.Mutation):
    """The receiving point counts what arrived; lines not named arrived in full."""

    class Arguments:
        id = graphene.ID(required=True)
        lines = graphene.List(graphene.NonNull(StockTransferReceiveLineInput))

    transfer = graphene.Field(StockTransferType)
    errors = error_list(StockError)

    @classmethod
    def mutate(cls, root, info, id, lines=None):
        def run():
            counts = [
                service.Count(
                    line_id=decode_id(line.get("line_id"), "StockTransferLine", f"lines.{i}.lineId"),
                    quantity=line.get("quantity_received"), note=line.get("note") or "",
                )
                for i, line in enumerate(lines or [])
            ]
            transfer = service.receive(user=_user(info), transfer_id=decode_id(id, "StockTransfer", "id"), counts=counts)
            return cls(transfer=_fetched(transfer), errors=[])

        return _guard(cls, run)


class StockTransferCancel(graphene.Mutation):
    """Call back a transfer not yet received (the sending point or a province admin): its units go back."""

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String()

    transfer = graphene.Field(StockTransferType)
    errors = error_list(StockError)

    @classmethod
    def mutate(cls, root, info, id, reason=None):
        def run():
            transfer = service.cancel(user=_user(info), transfer_id=decode_id(id, "StockTransfer", "id"),
                                      reason=reason or "")
            return cls(transfer=_fetched(transfer), errors=[])

        return _guard(cls, run)


class Query(graphene.ObjectType):
    stock_transfers = graphene.Field(
        StockTransferCountableConnection, required=True,
        point_id=graphene.ID(description="Only transfers from or to this point (one the caller works at)"),
        status=StockTransferStatusEnum(), first=graphene.Int(), after=graphene.String(),
        description="Staff only: transfers from or to the caller's sales points (every point for a province "
                    "admin), newest first",
    )
    low_stock = graphene.List(
        graphene.NonNull(LowStockItemType), required=True, point_id=graphene.ID(),
        description="Staff only: stock at or below its low-stock threshold at the caller's points (or at one)",
    )

    def resolve_stock_transfers(root, info, point_id=None, status=None, first=None, after=None):
        try:
            point = decode_id(point_id, "SalesPoint", "pointId") if point_id is not None else None
            transfers = service.visible_transfers(_user(info), point_id=point, status=getattr(status, "value", status))
        except ShopError as exc:
            raise _query_error(exc) from exc
        page = Page(service.with_lines(transfers), first, after)
        prime_all(info.context, "variant", {line.variant_id for t in page.nodes for line in t.lines.all()})
        return page

    def resolve_low_stock(root, info, point_id=None):
        try:
            point = decode_id(point_id, "SalesPoint", "pointId") if point_id is not None else None
            rows = service.low_stock_for(_user(info), point)
        except ShopError as exc:
            raise _query_error(exc) from exc
        prime_all(info.context, "variant", {s.variant_id for s in rows})
        return rows


class Mutation(graphene.ObjectType):
    stock_transfer_create = StockTransferCreate.Field()
    stock_transfer_receive = StockTransferReceive.Field()
    stock_transfer_cancel = StockTransferCancel.Field()
