"""`shippingQuote(province, lines)`: the delivery fee and time to a province before any address, and
the lines that may not go there. A thin caller of orders/delivery.quote_for_province.

Bad input (an unknown province, a variant not on sale, a quantity outside the caps) is a GraphQL
error whose extensions carry `code` and `field`, as `communes` does; a province no zone covers is
an answer: `zone` null and `reason` saying why.
"""
import graphene
from graphql import GraphQLError

from orders import delivery
from orders.graphql.schema import CheckoutLineInput, _lines
from orders.models import ShippingZone
from shop.errors import ShopError, pick
from shop.graphql.addresses import ProvinceType
from shop.graphql.core import global_id


class ShippingZoneKindEnum(graphene.Enum):
    HOME = "HOME"
    NORTH = "NORTH"
    CENTRE = "CENTRE"
    SOUTH = "SOUTH"
    REMOTE = "REMOTE"


class ShippingZoneType(graphene.ObjectType):
    class Meta:
        name = "ShippingZone"
        description = "Where a parcel goes, for its fee and time (edited by province officers in the admin)."

    code = graphene.String(required=True, description="'mien-bac', 'dien-bien-noi-thanh', 'hai-dao'…")
    name = graphene.String(required=True, description="In the request's language")
    kind = graphene.Field(ShippingZoneKindEnum, required=True)
    days_min = graphene.Int(required=True)
    days_max = graphene.Int(required=True)

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, ShippingZone)

    def resolve_name(zone, info):
        return pick(zone.name, zone.name_en)


class ShippingRefusalType(graphene.ObjectType):
    class Meta:
        name = "ShippingRefusal"
        description = "A line whose product may not travel to the destination, and why."

    variant_id = graphene.ID(required=True)
    message = graphene.String(required=True, description="In the request's language, naming the product")

    def resolve_variant_id(refusal, info):
        return global_id("ProductVariant", refusal.variant_id)


class ShippingQuoteType(graphene.ObjectType):
    class Meta:
        name = "ShippingQuote"
        description = ("The fee and time of delivering the lines to a province (its fastest zone: inside Điện Biên "
                       "the commune's district may cost more), or, with `zone` null, why it cannot be delivered.")

    province = graphene.Field(ProvinceType, required=True)
    zone = graphene.Field(ShippingZoneType)
    fee_vnd = graphene.Int(description="Whole đồng; 0 when free")
    days_min = graphene.Int()
    days_max = graphene.Int()
    grams = graphene.Int(description="The parcel's packed weight")
    free = graphene.Boolean(required=True, description="The goods reach the free-delivery threshold")
    deliverable = graphene.Boolean(required=True, description="A zone covers the province and every line may go")
    refusals = graphene.List(graphene.NonNull(ShippingRefusalType), required=True)
    reason = graphene.String(description="Why there is no zone, in the request's language")

    def resolve_fee_vnd(answer, info):
        return answer.quote.fee_vnd if answer.quote else None

    def resolve_days_min(answer, info):
        return answer.quote.days_min if answer.quote else None

    def resolve_days_max(answer, info):
        return answer.quote.days_max if answer.quote else None

    def resolve_grams(answer, info):
        return answer.quote.grams if answer.quote else None

    def resolve_free(answer, info):
        return bool(answer.quote and answer.quote.free)

    def resolve_deliverable(answer, info):
        return bool(answer.quote and answer.quote.deliverable)

    def resolve_reason(answer, info):
        return answer.reason or None


class Query(graphene.ObjectType):
    shipping_quote = graphene.Field(
        ShippingQuoteType, province=graphene.String(required=True, description="GSO code, e.g. '01' (Hà Nội)"),
        lines=graphene.List(graphene.NonNull(CheckoutLineInput), required=True),
        description="The delivery fee and time to a province for these lines, and the lines that may not go there",
    )

    def resolve_shipping_quote(root, info, province, lines):
        try:
            return delivery.quote_for_province(province, _lines(lines))
        except ShopError as exc:
            raise GraphQLError(exc.message, extensions={"code": exc.code.upper(), "field": exc.field}) from None
