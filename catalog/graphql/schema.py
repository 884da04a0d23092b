import graphene
from graphql import GraphQLError

from catalog.graphql.types import (
    ProducerCountableConnection,
    ProductType,
    product_queryset,
)
from catalog.models import Producer
from shop.errors import ShopError
from shop.graphql.core import Page, decode_id


class Query(graphene.ObjectType):
    product = graphene.Field(ProductType, id=graphene.ID(), slug=graphene.String())
    producers = graphene.Field(
        ProducerCountableConnection, required=True, first=graphene.Int(), after=graphene.String(), district=graphene.String()
    )

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
