import graphene

from catalog.graphql.types import VariantType
from orders import checkout as checkout_service
from orders import delivery
from orders import fulfilment as fulfilment_service
from orders.graphql.bank import VietQRType, resolve_vietqr
from orders.graphql.loaders import (
    EventsByOrder,
    FulfillmentsByOrder,
    LinesByFulfillment,
    OrderById,
    OrderLinesByOrder,
    SalesPointById,
)
from orders.models import Checkout, DeliveryKind, Fulfillment, Order, OrderLine
from shop.errors import pick
from shop.graphql.core import countable_connection
from shop.graphql.types import SalesPointType
from shop.permissions import can_act_on, is_staff_member, point_ids_for


def _v(value):
    """A model choice as the plain string graphene enums expect."""
    return getattr(value, "value", value)


class OrderStatusEnum(graphene.Enum):
    UNCONFIRMED = "UNCONFIRMED"
    CONFIRMED = "CONFIRMED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class PaymentStatusEnum(graphene.Enum):
    NOT_PAID = "NOT_PAID"
    AWAITING = "AWAITING"
    FAILED = "FAILED"
    PAID = "PAID"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUND_PENDING = "REFUND_PENDING"
    REFUNDED = "REFUNDED"
    VOIDED = "VOIDED"
    REVIEW = "REVIEW"


class PaymentMethodEnum(graphene.Enum):
    CARD = "CARD"
    CASH_ON_DELIVERY = "CASH_ON_DELIVERY"
    PAY_AT_PICKUP = "PAY_AT_PICKUP"
    BANK_TRANSFER = "BANK_TRANSFER"


class DeliveryMethodEnum(graphene.Enum):
    PICKUP = "PICKUP"
    DELIVERY = "DELIVERY"


class FulfillmentStatusEnum(graphene.Enum):
    NEW = "NEW"
    PICKING = "PICKING"
    PACKED = "PACKED"
    READY_FOR_PICKUP = "READY_FOR_PICKUP"
    PICKED_UP = "PICKED_UP"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


class Address(graphene.ObjectType):
    full_name = graphene.String(required=True)
    phone = graphene.String()
    street_address = graphene.String(required=True)
    commune = graphene.String(description="The commune or ward, e.g. 'xã Quài Nưa'")
    commune_id = graphene.ID()
    district = graphene.String(description="The 2022 district (inside Điện Biên only)")
    province_code = graphene.String(description="GSO code of the province since 1 July 2025, e.g. '01'")
    province = graphene.String(description="In the request's language: 'thành phố Hà Nội' / 'Ha Noi City'")

    @staticmethod
    def of(obj):
        if obj.delivery_kind != DeliveryKind.DELIVERY or not obj.ship_commune_id:
            return None
        commune = obj.ship_commune
        where = delivery.destination(commune, zones=[])  # no zone needed here
        return Address(
            full_name=obj.ship_name, phone=obj.ship_phone, street_address=obj.ship_street, commune=str(commune),
            commune_id=commune.pk, district=where.district.name if where.district else None,
            province_code=where.province_code, province=where.place(),
        )


class CheckoutLineType(graphene.ObjectType):
    class Meta:
        name = "CheckoutLine"
        interfaces = (graphene.relay.Node,)

    variant = graphene.Field(VariantType, required=True)
    quantity = graphene.Int(required=True)
    unit_price_vnd = graphene.Int(required=True)
    total_vnd = graphene.Int(required=True)

    @classmethod
    def get_node(cls, info, id):
        return None  # reached through its checkout only

    def resolve_unit_price_vnd(line, info):
        return line.variant.price_vnd

    def resolve_total_vnd(line, info):
        return line.variant.price_vnd * line.quantity


class CheckoutType(graphene.ObjectType):
    class Meta:
        name = "Checkout"

    token = graphene.UUID(required=True)
    email = graphene.String()
    phone = graphene.String()
    language = graphene.String(required=True)
    lines = graphene.List(graphene.NonNull(CheckoutLineType), required=True)
    delivery_method = graphene.Field(DeliveryMethodEnum)
    pickup_point = graphene.Field(SalesPointType)
    shipping_address = graphene.Field(Address)
    subtotal_vnd = graphene.Int(required=True)
    shipping_vnd = graphene.Int(required=True)
    total_vnd = graphene.Int(required=True)
    available_payment_methods = graphene.List(graphene.NonNull(PaymentMethodEnum), required=True)
    order = graphene.Field(lambda: OrderType, description="Set once the checkout is complete")

    @staticmethod
    def _lines(c, info):
        if not hasattr(c, "_lines_cache"):
            c._lines_cache = list(c.lines.select_related("variant__product").order_by("id"))
        return c._lines_cache

    def resolve_lines(c, info):
        return CheckoutType._lines(c, info)

    def resolve_delivery_method(c, info):
        return _v(c.delivery_kind) or None

    def resolve_shipping_address(c, info):
        return Address.of(c)

    def resolve_subtotal_vnd(c, info):
        return checkout_service.totals(c, CheckoutType._lines(c, info)).subtotal_vnd

    def resolve_shipping_vnd(c, info):
        return checkout_service.totals(c, CheckoutType._lines(c, info)).shipping_vnd

    def resolve_total_vnd(c, info):
        return checkout_service.totals(c, CheckoutType._lines(c, info)).total_vnd

    def resolve_available_payment_methods(c, info):
        return checkout_service.payment_methods_for(c, CheckoutType._lines(c, info))

    def resolve_order(c, info):
        return c.order if c.order_id else None

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, Checkout)


class OrderLineType(graphene.ObjectType):
    class Meta:
        name = "OrderLine"

    id = graphene.ID(required=True)
    product_name = graphene.String(required=True)
    variant_name = graphene.String(required=True)
    sku = graphene.String(required=True)
    ocop_stars = graphene.Int(description="OCOP stars when sold; null if the certificate had lapsed")
    unit_price_vnd = graphene.Int(required=True)
    quantity = graphene.Int(required=True)
    total_vnd = graphene.Int(required=True)

    def resolve_product_name(line, info):
        return pick(line.product_name, line.product_name_en)

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, OrderLine)


class FulfillmentLineType(graphene.ObjectType):
    class Meta:
        name = "FulfillmentLine"

    order_line = graphene.Field(OrderLineType, required=True)
    quantity = graphene.Int(required=True)


class OrderEventType(graphene.ObjectType):
    class Meta:
        name = "OrderEvent"

    kind = graphene.String(required=True)
    message = graphene.String(required=True)
    actor = graphene.String(required=True, description="Who: customer, stripe, system, or staff (e-mail for staff viewers)")
    fulfillment_number = graphene.String()
    created_at = graphene.DateTime(required=True)

    def resolve_message(e, info):
        return pick(e.message, e.message_en)

    def resolve_actor(e, info):
        if e.user_id and not is_staff_member(info.context.user):
            return "staff"
        return e.actor

    def resolve_fulfillment_number(e, info):
        return e.fulfillment.number if e.fulfillment_id else None


class ShipmentType(graphene.ObjectType):
    class Meta:
        name = "Shipment"
        description = "A delivery fulfilment's parcel, kept when it was handed to its carrier (SHIPPED)."

    carrier = graphene.String(description="The carrier's name, e.g. 'GHN (Giao Hàng Nhanh)'")
    carrier_code = graphene.String(description="A code of ORDER_CARRIERS: VIETTEL_POST, GHN, GHTK, VNPOST, JT, OTHER")
    tracking_number = graphene.String()
    tracking_url = graphene.String(description="The carrier's public tracking page; null when it has none")
    shipped_at = graphene.DateTime()

    @staticmethod
    def of(f):
        """None until shipped; a parcel the point delivers itself has a shippedAt and no carrier."""
        if f.shipped_at is None and not f.tracking_number:
            return None
        return ShipmentType(carrier=f.carrier_name or None, carrier_code=f.carrier or None,
                            tracking_number=f.tracking_number or None, tracking_url=f.tracking_url or None,
                            shipped_at=f.shipped_at)


class FulfillmentType(graphene.ObjectType):
    class Meta:
        name = "Fulfillment"
        interfaces = (graphene.relay.Node,)

    number = graphene.String(required=True)
    status = graphene.Field(FulfillmentStatusEnum, required=True)
    sales_point = graphene.Field(SalesPointType, required=True)
    lines = graphene.List(graphene.NonNull(FulfillmentLineType), required=True)
    order = graphene.Field(lambda: OrderType, required=True)
    allowed_next_statuses = graphene.List(graphene.NonNull(FulfillmentStatusEnum), required=True)
    shipment = graphene.Field(ShipmentType, description="Delivery fulfilments once SHIPPED: carrier and tracking")
    created_at = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, Fulfillment)

    @classmethod
    def get_node(cls, info, id):
        f = Fulfillment.objects.filter(pk=id).first()
        return f if f is not None and can_act_on(info.context.user, f.sales_point_id) else None

    def resolve_status(f, info):
        return _v(f.status)

    def resolve_sales_point(f, info):
        return SalesPointById.of(info.context).load(f.sales_point_id)

    def resolve_lines(f, info):
        return LinesByFulfillment.of(info.context).load(f.pk)

    def resolve_order(f, info):
        return OrderById.of(info.context).load(f.order_id)

    def resolve_allowed_next_statuses(f, info):
        order = OrderById.of(info.context).load(f.order_id)
        return fulfilment_service.allowed_next(f, order.delivery_kind)

    def resolve_shipment(f, info):
        return ShipmentType.of(f)


class OrderType(graphene.ObjectType):
    class Meta:
        name = "Order"
        interfaces = (graphene.relay.Node,)

    number = graphene.String(required=True)
    token = graphene.UUID(required=True, description="The customer's secret key to this order's status page")
    status = graphene.Field(OrderStatusEnum, required=True)
    payment_status = graphene.Field(PaymentStatusEnum, required=True)
    payment_method = graphene.Field(PaymentMethodEnum, required=True)
    delivery_method = graphene.Field(DeliveryMethodEnum, required=True)
    pickup_point = graphene.Field(SalesPointType)
    shipping_address = graphene.Field(Address)
    email = graphene.String()
    phone = graphene.String()
    subtotal_vnd = graphene.Int(required=True)
    shipping_vnd = graphene.Int(required=True)
    total_vnd = graphene.Int(required=True)
    paid_vnd = graphene.Int(required=True)
    refunded_vnd = graphene.Int(required=True)
    lines = graphene.List(graphene.NonNull(OrderLineType), required=True)
    routing_reason = graphene.String(required=True, description="Why these sales points serve the order")
    fulfillments = graphene.List(graphene.NonNull(FulfillmentType), required=True)
    events = graphene.List(graphene.NonNull(OrderEventType), required=True)
    reserved_until = graphene.DateTime(description="Unpaid card orders: the stock is held until then")
    hold_until = graphene.DateTime(
        description="Unpaid cash orders: cancelled, and the stock released, if not collected (pickup) or sent out "
                    "(delivery) by then; BANK_TRANSFER orders: if the transfer has not arrived by then; null once "
                    "paid, sent out or cancelled"
    )
    can_cancel = graphene.Boolean(required=True)
    shipment = graphene.Field(
        ShipmentType, description="The parcel's carrier and tracking once shipped (the first shipped fulfilment's; "
                                  "an order served by several points has one per fulfilment: fulfillments.shipment)"
    )
    vietqr = graphene.Field(
        VietQRType, description="BANK_TRANSFER orders not paid yet: what to transfer, where, by when; else null"
    )
    created_at = graphene.DateTime(required=True)

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, Order)

    @classmethod
    def get_node(cls, info, id):
        """By global ID only for staff of a point serving it; customers use order(token:)."""
        ids = point_ids_for(info.context.user)
        order = Order.objects.filter(pk=id).first() if (ids is None or ids) else None
        if order is None:
            return None
        if ids is None or order.fulfillments.filter(sales_point_id__in=ids).exists():
            return order
        return None

    def resolve_status(o, info):
        return _v(o.status)

    def resolve_payment_status(o, info):
        return _v(o.payment_status)

    def resolve_payment_method(o, info):
        return _v(o.payment_method)

    def resolve_delivery_method(o, info):
        return _v(o.delivery_kind)

    def resolve_pickup_point(o, info):
        return SalesPointById.of(info.context).load(o.pickup_point_id) if o.pickup_point_id else None

    def resolve_shipping_address(o, info):
        return Address.of(o)

    def resolve_lines(o, info):
        return OrderLinesByOrder.of(info.context).load(o.pk)

    def resolve_routing_reason(o, info):
        return pick(o.routing_reason, o.routing_reason_en)

    def resolve_fulfillments(o, info):
        return FulfillmentsByOrder.of(info.context).load(o.pk)

    def resolve_events(o, info):
        return EventsByOrder.of(info.context).load(o.pk)

    def resolve_hold_until(o, info):
        from orders.unpaid import holds_stock

        statuses = [f.status for f in FulfillmentsByOrder.of(info.context).load(o.pk)] if o.hold_until else []
        return o.hold_until if o.hold_until and holds_stock(o, statuses) else None

    def resolve_can_cancel(o, info):
        from orders.services import customer_can_cancel

        return customer_can_cancel(o, [f.status for f in FulfillmentsByOrder.of(info.context).load(o.pk)])

    def resolve_shipment(o, info):
        shipped = [ShipmentType.of(f) for f in FulfillmentsByOrder.of(info.context).load(o.pk)]
        shipped = [s for s in shipped if s is not None]
        return min(shipped, key=lambda s: s.shipped_at or o.created_at) if shipped else None

    def resolve_vietqr(o, info):
        return resolve_vietqr(o, info)


class StaffAssignmentType(graphene.ObjectType):
    class Meta:
        name = "StaffAssignment"

    sales_point = graphene.Field(SalesPointType, description="Null for a province-wide admin")
    role = graphene.String(required=True, description="clerk, manager or province")


class UserType(graphene.ObjectType):
    class Meta:
        name = "User"

    email = graphene.String(required=True)
    is_staff = graphene.Boolean(required=True, description="Works at a sales point (or province-wide)")
    is_province_admin = graphene.Boolean(required=True)
    assignments = graphene.List(graphene.NonNull(StaffAssignmentType), required=True)

    def resolve_email(u, info):
        return u.email or u.get_username()

    def resolve_is_staff(u, info):
        return is_staff_member(u)

    def resolve_is_province_admin(u, info):
        return point_ids_for(u) is None

    def resolve_assignments(u, info):
        return [StaffAssignmentType(sales_point=a.sales_point, role=a.role)
                for a in u.staff_assignments.select_related("sales_point__district")]


FulfillmentCountableConnection = countable_connection(FulfillmentType, "FulfillmentCountableConnection")
