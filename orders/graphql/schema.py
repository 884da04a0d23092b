"""Orders' part of the GraphQL API: thin callers of the services.

Every mutation payload carries `errors` (field, code, message in the
request's language) instead of raising; the code is an enum of its app's
codes: CheckoutError, OrderError, StockError, AccountError.
"""
import graphene
from graphql import GraphQLError

from inventory.graphql.schema import StockError
from orders import bank_transfers, fulfilment, payments, services
from orders import checkout as checkout_service
from orders.errors import CheckoutErrorCode, OrderErrorCode, PaymentErrorCode
from orders.graphql.bank import BankTransactionType
from orders.graphql.types import (
    CheckoutType,
    FulfillmentCountableConnection,
    FulfillmentStatusEnum,
    FulfillmentType,
    OrderType,
    PaymentMethodEnum,
    UserType,
)
from orders.models import Fulfillment
from shop import auth
from shop.errors import ShopError, pick
from shop.graphql.core import AccountError, Page, decode_id, error_list, error_type, errors_from
from shop.graphql.loaders import prime_all
from shop.net import client_ip
from shop.permissions import is_staff_member, point_ids_for, require_point


def _user(info):
    user = getattr(info.context, "user", None)
    return user if user is not None and user.is_authenticated else None


def _enum_value(value):
    return getattr(value, "value", value)


CheckoutError = error_type(
    "CheckoutError", CheckoutErrorCode, PaymentErrorCode,
    description="An error of a checkout mutation (checkoutComplete's payment errors included).",
)
OrderError = error_type(
    "OrderError", OrderErrorCode, PaymentErrorCode,
    description="An error of an order, fulfilment or payment mutation.",
)


def _guard(cls, fn):
    """Run `fn()`; a ShopError becomes the payload's errors (of the type `cls.error_cls`), and nothing is
    half-saved."""
    try:
        return fn()
    except ShopError as exc:
        return cls(errors=errors_from(exc, cls.error_cls))


def _lines(lines, field="lines"):
    result = []
    for i, line in enumerate(lines or []):
        vid = decode_id(line.get("variant_id"), "ProductVariant", f"{field}.{i}.variantId")
        result.append((vid, line.get("quantity")))
    return result


class CheckoutLineInput(graphene.InputObjectType):
    variant_id = graphene.ID(required=True)
    quantity = graphene.Int(required=True)


class CheckoutCreateInput(graphene.InputObjectType):
    lines = graphene.List(graphene.NonNull(CheckoutLineInput), required=True)
    email = graphene.String()
    phone = graphene.String(description="A Vietnamese number, e.g. 0912 345 678")
    language = graphene.String(description="vi (default) or en")


class AddressInput(graphene.InputObjectType):
    full_name = graphene.String(required=True)
    phone = graphene.String()
    street_address = graphene.String(required=True)
    commune_id = graphene.ID(required=True, description=(
        "A Commune's global id (from `communes(province:)`): any commune, ward or special zone of Vietnam since "
        "1 July 2025, or an old Điện Biên commune"))


class CheckoutCreate(graphene.Mutation):
    class Arguments:
        input = CheckoutCreateInput(required=True)

    checkout = graphene.Field(CheckoutType)
    errors = error_list(CheckoutError)
    error_cls = CheckoutError

    @classmethod
    def mutate(cls, root, info, input):
        def run():
            checkout = checkout_service.create_checkout(
                lines=_lines(input.get("lines")), email=input.get("email") or "", phone=input.get("phone") or "",
                language=input.get("language") or (getattr(info.context, "LANGUAGE_CODE", "vi") or "vi")[:2],
                user=_user(info),
            )
            return cls(checkout=checkout, errors=[])

        return _guard(cls, run)


class _CheckoutLinesMutation(graphene.Mutation):
    """checkoutLinesAdd and checkoutLinesUpdate: one shape, each calling its own service."""

    class Meta:
        abstract = True

    class Arguments:
        token = graphene.UUID(required=True)
        lines = graphene.List(graphene.NonNull(CheckoutLineInput), required=True)

    checkout = graphene.Field(CheckoutType)
    errors = error_list(CheckoutError)
    error_cls = CheckoutError
    service = None

    @classmethod
    def mutate(cls, root, info, token, lines):
        return _guard(cls, lambda: cls(
            checkout=cls.service(token=token, lines=_lines(lines), user=_user(info)), errors=[]
        ))


class CheckoutLinesAdd(_CheckoutLinesMutation):
    service = staticmethod(checkout_service.add_lines)


class CheckoutLinesUpdate(_CheckoutLinesMutation):
    service = staticmethod(checkout_service.update_lines)


class CheckoutLineDelete(graphene.Mutation):
    class Arguments:
        token = graphene.UUID(required=True)
        line_id = graphene.ID(required=True)

    checkout = graphene.Field(CheckoutType)
    errors = error_list(CheckoutError)
    error_cls = CheckoutError

    @classmethod
    def mutate(cls, root, info, token, line_id):
        return _guard(cls, lambda: cls(
            checkout=checkout_service.delete_line(
                token=token, line_id=decode_id(line_id, "CheckoutLine", "lineId"), user=_user(info)
            ),
            errors=[],
        ))


class CheckoutContactUpdate(graphene.Mutation):
    class Arguments:
        token = graphene.UUID(required=True)
        email = graphene.String()
        phone = graphene.String()

    checkout = graphene.Field(CheckoutType)
    errors = error_list(CheckoutError)
    error_cls = CheckoutError

    @classmethod
    def mutate(cls, root, info, token, email=None, phone=None):
        return _guard(cls, lambda: cls(
            checkout=checkout_service.update_contact(token=token, email=email, phone=phone, user=_user(info)), errors=[]
        ))


class CheckoutDeliveryMethodUpdate(graphene.Mutation):
    class Arguments:
        token = graphene.UUID(required=True)
        pickup_point_id = graphene.ID()
        shipping_address = AddressInput()

    checkout = graphene.Field(CheckoutType)
    errors = error_list(CheckoutError)
    error_cls = CheckoutError

    @classmethod
    def mutate(cls, root, info, token, pickup_point_id=None, shipping_address=None):
        def run():
            point = decode_id(pickup_point_id, "SalesPoint", "pickupPointId") if pickup_point_id is not None else None
            address = None
            if shipping_address is not None:
                address = dict(shipping_address)
                address["commune_id"] = decode_id(address.get("commune_id"), "Commune", "shippingAddress.communeId")
            checkout = checkout_service.set_delivery(token=token, pickup_point_id=point, address=address, user=_user(info))
            return cls(checkout=checkout, errors=[])

        return _guard(cls, run)


class CheckoutComplete(graphene.Mutation):
    class Arguments:
        token = graphene.UUID(required=True)
        payment_method = PaymentMethodEnum(required=True)
        idempotency_key = graphene.String()

    order = graphene.Field(OrderType)
    client_secret = graphene.String(description="CARD: the Stripe PaymentIntent's client secret, for Stripe.js")
    payment_intent_id = graphene.String()
    errors = error_list(CheckoutError)
    error_cls = CheckoutError

    @classmethod
    def mutate(cls, root, info, token, payment_method, idempotency_key=None):
        def run():
            done = checkout_service.complete_checkout(
                token=token, payment_method=_enum_value(payment_method), idempotency_key=idempotency_key,
                user=_user(info), client_ip=client_ip(info.context),
            )
            return cls(
                order=done.order, client_secret=done.client_secret or None,
                payment_intent_id=done.order.stripe_payment_intent or None,
                errors=errors_from(done.payment_error, CheckoutError) if done.payment_error else [],
            )

        return _guard(cls, run)


class OrderCancel(graphene.Mutation):
    class Arguments:
        token = graphene.UUID(required=True)

    order = graphene.Field(OrderType)
    errors = error_list(OrderError)
    error_cls = OrderError

    @classmethod
    def mutate(cls, root, info, token):
        def run():
            order = services.cancel_by_customer(token=token)
            order.refresh_from_db()
            return cls(order=order, errors=[])

        return _guard(cls, run)


class FulfillmentUpdateStatus(graphene.Mutation):
    class Arguments:
        id = graphene.ID(required=True)
        status = FulfillmentStatusEnum(required=True)
        note = graphene.String()
        carrier = graphene.String(description="SHIPPED: the carrier's code (VIETTEL_POST, GHN, GHTK, VNPOST, JT, "
                                              "OTHER); required with trackingNumber outside the province")
        tracking_number = graphene.String(description="SHIPPED: the carrier's tracking number")
        carrier_name = graphene.String(description="SHIPPED with carrier OTHER: the carrier's name")

    fulfillment = graphene.Field(FulfillmentType)
    errors = error_list(OrderError)
    error_cls = OrderError

    @classmethod
    def mutate(cls, root, info, id, status, note=None, carrier=None, tracking_number=None, carrier_name=None):
        return _guard(cls, lambda: cls(
            fulfillment=fulfilment.update_status(
                fulfillment_id=decode_id(id, "Fulfillment", "id"), status=_enum_value(status), user=_user(info),
                note=note or "", carrier=carrier or "", tracking_number=tracking_number or "",
                carrier_name=carrier_name or "",
            ),
            errors=[],
        ))


class StockLevelType(graphene.ObjectType):
    class Meta:
        name = "StockRecord"

    quantity_on_hand = graphene.Int(required=True)
    quantity_allocated = graphene.Int(required=True)
    quantity_available = graphene.Int(required=True)


class StockUpdate(graphene.Mutation):
    class Arguments:
        sales_point_id = graphene.ID(required=True)
        variant_id = graphene.ID(required=True)
        quantity_on_hand = graphene.Int(required=True)
        reason = graphene.String(required=True)

    stock = graphene.Field(StockLevelType)
    errors = error_list(StockError)
    error_cls = StockError

    @classmethod
    def mutate(cls, root, info, sales_point_id, variant_id, quantity_on_hand, reason):
        def run():
            stock = services.update_stock(
                sales_point_id=decode_id(sales_point_id, "SalesPoint", "salesPointId"),
                variant_id=decode_id(variant_id, "ProductVariant", "variantId"),
                quantity_on_hand=quantity_on_hand, reason=reason, user=_user(info),
            )
            return cls(stock=StockLevelType(
                quantity_on_hand=stock.quantity_on_hand, quantity_allocated=stock.quantity_allocated,
                quantity_available=stock.quantity_available,
            ), errors=[])

        return _guard(cls, run)


class PaymentMarkCollected(graphene.Mutation):
    class Arguments:
        order_id = graphene.ID(required=True)
        amount_vnd = graphene.Int(required=True)

    order = graphene.Field(OrderType)
    errors = error_list(OrderError)
    error_cls = OrderError

    @classmethod
    def mutate(cls, root, info, order_id, amount_vnd):
        return _guard(cls, lambda: cls(
            order=payments.mark_collected(
                order_id=decode_id(order_id, "Order", "orderId"), amount_vnd=amount_vnd, user=_user(info)
            ),
            errors=[],
        ))


class BankTransferConfirm(graphene.Mutation):
    class Meta:
        description = ("Staff of a point serving the order (or a province admin) record a bank transfer seen on the "
                       "statement. The order's amount pays it; any other amount waits in the console's queue "
                       "(`transaction.status` NEEDS_REVIEW). The same reference, order and amount again changes nothing.")

    class Arguments:
        order_id = graphene.ID(required=True)
        amount_vnd = graphene.Int(required=True)
        reference = graphene.String(required=True, description="The bank's reference of the transfer")

    order = graphene.Field(OrderType)
    transaction = graphene.Field(BankTransactionType)
    errors = error_list(OrderError)
    error_cls = OrderError

    @classmethod
    def mutate(cls, root, info, order_id, amount_vnd, reference):
        def run():
            order, tx = bank_transfers.confirm_received(
                order_id=decode_id(order_id, "Order", "orderId"), amount_vnd=amount_vnd, reference=reference,
                user=_user(info),
            )
            return cls(order=order, transaction=tx, errors=[])

        return _guard(cls, run)


class TokenCreate(graphene.Mutation):
    class Arguments:
        email = graphene.String(required=True)
        password = graphene.String(required=True)

    token = graphene.String(description="Send as `Authorization: Bearer {token}`; shown only once")
    expires_at = graphene.DateTime()
    user = graphene.Field(UserType)
    errors = error_list(AccountError)
    error_cls = AccountError

    @classmethod
    def mutate(cls, root, info, email, password):
        def run():
            row, raw = auth.create_token(email=email, password=password, request=info.context)
            return cls(token=raw, expires_at=row.expires_at, user=row.user, errors=[])

        return _guard(cls, run)


def _denied():
    return GraphQLError(
        pick("Chỉ nhân viên điểm bán mới xem được; hãy đăng nhập bằng tài khoản nhân viên.",
             "Staff only; sign in with a sales-point staff account."),
        extensions={"code": "PERMISSION_DENIED"},
    )


class Query(graphene.ObjectType):
    checkout = graphene.Field(CheckoutType, token=graphene.UUID(required=True))
    order = graphene.Field(OrderType, token=graphene.UUID(required=True), description="By the customer's secret token")
    me = graphene.Field(UserType)
    fulfillments = graphene.Field(
        FulfillmentCountableConnection, required=True,
        sales_point=graphene.ID(), status=graphene.List(graphene.NonNull(FulfillmentStatusEnum)),
        first=graphene.Int(), after=graphene.String(),
        description="Staff only: the fulfilments of the caller's sales points, newest first",
    )

    def resolve_checkout(root, info, token):
        try:
            return checkout_service.get_checkout(token, user=_user(info), for_update=False)
        except ShopError:
            return None

    def resolve_order(root, info, token):
        from orders.models import Order

        return Order.objects.filter(token=token).first()

    def resolve_me(root, info):
        return _user(info)

    def resolve_fulfillments(root, info, sales_point=None, status=None, first=None, after=None):
        user = _user(info)
        if not is_staff_member(user):
            raise _denied()
        qs = Fulfillment.objects.order_by("-created_at", "-id")
        ids = point_ids_for(user)
        if ids is not None:
            qs = qs.filter(sales_point_id__in=ids)
        if sales_point is not None:
            try:
                point_id = decode_id(sales_point, "SalesPoint", "salesPoint")
                require_point(user, point_id, field="salesPoint")
            except ShopError as exc:
                raise GraphQLError(exc.message, extensions={"code": exc.code.upper()}) from exc
            qs = qs.filter(sales_point_id=point_id)
        if status:
            qs = qs.filter(status__in=[_enum_value(s) for s in status])
        page = Page(qs, first, after)
        prime_all(info.context, "fulfillment", [f.pk for f in page.nodes])
        from orders.graphql.loaders import OrderById, SalesPointById

        OrderById.of(info.context).prime([f.order_id for f in page.nodes])
        SalesPointById.of(info.context).prime([f.sales_point_id for f in page.nodes])
        orders = {f.order_id for f in page.nodes}
        prime_all(info.context, "order", orders)
        return page


class Mutation(graphene.ObjectType):
    checkout_create = CheckoutCreate.Field()
    checkout_lines_add = CheckoutLinesAdd.Field()
    checkout_lines_update = CheckoutLinesUpdate.Field()
    checkout_line_delete = CheckoutLineDelete.Field()
    checkout_contact_update = CheckoutContactUpdate.Field()
    checkout_delivery_method_update = CheckoutDeliveryMethodUpdate.Field()
    checkout_complete = CheckoutComplete.Field()
    order_cancel = OrderCancel.Field()
    fulfillment_update_status = FulfillmentUpdateStatus.Field()
    stock_update = StockUpdate.Field()
    payment_mark_collected = PaymentMarkCollected.Field()
    bank_transfer_confirm = BankTransferConfirm.Field()
    token_create = TokenCreate.Field()
