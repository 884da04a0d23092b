import graphene
from graphql import GraphQLError

from catalog import selectors
from catalog.graphql.types import (
    ProducerCountableConnection,
    ProductCountableConnection,
    ProductType,
    product_queryset,
)
from catalog.models import Producer
from shop.errors import ShopError
from shop.graphql.core import OrderDirection, Page, decode_id
from shop.graphql.loaders import prime_all
from shop.graphql.types import SalesPointType
from shop.models import SalesPoint


class ProductFilterInput(graphene.InputObjectType):
    search = graphene.String()
    groups = graphene.List(graphene.NonNull(graphene.String), description="Group, sub-group or product-set codes")
    stars = graphene.List(graphene.NonNull(graphene.Int), description="3, 4 or 5 (valid certificates only)")
    districts = graphene.List(graphene.NonNull(graphene.String), description="2022 district codes, e.g. 102")
    producers = graphene.List(graphene.NonNull(graphene.ID))
    price_gte = graphene.Int()
    price_lte = graphene.Int()
    available_at = graphene.List(graphene.NonNull(graphene.ID), description="Sales point IDs with stock")
    certified_only = graphene.Boolean(default_value=True)


class ProductSortField(graphene.Enum):
    RELEVANCE = "RELEVANCE"
    NAME = "NAME"
    PRICE = "PRICE"
    STARS = "STARS"
    NEWEST = "NEWEST"


class ProductSortInput(graphene.InputObjectType):
    field = graphene.Field(ProductSortField, required=True)
    direction = graphene.Field(OrderDirection, default_value="ASC")


def _ids(values, type_name, field):
    try:
        return [decode_id(v, type_name, field) for v in values or []]
    except ShopError as exc:
        raise GraphQLError(exc.message) from exc


def filter_kwargs(filter_input) -> dict:
    """ProductFilterInput -> keyword arguments of catalog.selectors.filter_products."""
    f = filter_input or {}
    stars = f.get("stars") or []
    if any(s not in (3, 4, 5) for s in stars):
        raise GraphQLError("stars chỉ nhận 3, 4 hoặc 5. / stars takes 3, 4 or 5.")
    return {
        "search": f.get("search"),
        "groups": f.get("groups"),
        "stars": stars,
        "districts": f.get("districts"),
        "producers": _ids(f.get("producers"), "Producer", "producers"),
        "price_gte": f.get("price_gte"),
        "price_lte": f.get("price_lte"),
        "available_at": _ids(f.get("available_at"), "SalesPoint", "availableAt"),
        "certified_only": f.get("certified_only", True) is not False,
    }


def product_page(info, queryset, first, after) -> Page:
    page = Page(queryset, first, after)
    prime_all(info.context, "product", [p.pk for p in page.nodes])
    return page


class Query(graphene.ObjectType):
    products = graphene.Field(
        ProductCountableConnection, required=True,
        first=graphene.Int(), after=graphene.String(),
        filter=ProductFilterInput(), sort_by=ProductSortInput(),
    )
    product = graphene.Field(ProductType, id=graphene.ID(), slug=graphene.String())
    producers = graphene.Field(
        ProducerCountableConnection, required=True, first=graphene.Int(), after=graphene.String(), district=graphene.String()
    )
    sales_points = graphene.List(graphene.NonNull(SalesPointType), required=True, include_inactive=graphene.Boolean())

    def resolve_products(root, info, first=None, after=None, filter=None, sort_by=None):
        if ((filter or {}).get("search") or "").strip():
            from catalog.graphql.search_schema import search_page  # the same backend as `search`

            return search_page(info, filter.get("search"), filter, sort_by, first, after, facets=False)
        products = selectors.filter_products(product_queryset(), **filter_kwargs(filter))
        sort_by = sort_by or {}
        field = sort_by.get("field") or "NAME"
        products = selectors.sort_products(products, field, descending=sort_by.get("direction") == "DESC")
        return product_page(info, products, first, after)

    def resolve_product(root, info, id=None, slug=None):
        if id:
            try:
                pk = decode_id(id, "Product")
            except ShopError:
                return None
            return product_queryset().filter(pk=pk).first()
        if slug:
            return product_queryset().filter(slug=slug).first()
        raise GraphQLError("Hãy cho id hoặc slug của sản phẩm. / Give the product's id or slug.")

    def resolve_producers(root, info, first=None, after=None, district=None):
        producers = Producer.objects.order_by("name", "id")
        if district:
            producers = producers.filter(district__code=district)
        return Page(producers, first, after)

    def resolve_sales_points(root, info, include_inactive=False):
        points = SalesPoint.objects.select_related("district").order_by("priority", "code")
        return list(points if include_inactive else points.active())
