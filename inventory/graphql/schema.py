import graphene

from inventory import availability
from inventory.errors import StockErrorCode
from inventory.graphql import loaders  # noqa: F401 - registers the stock loader catalog's types ask for
from shop.graphql.core import error_type
from shop.graphql.types import SalesPointType
from shop.models import SalesPoint

StockError = error_type(
    "StockError", StockErrorCode, description="An error of a stock mutation: a count, an adjustment, a transfer.",
)


class Query(graphene.ObjectType):
    sales_points = graphene.List(
        graphene.NonNull(SalesPointType), required=True,
        include_inactive=graphene.Boolean(description="Also closed points and fair stalls outside their dates"),
    )

    def resolve_sales_points(root, info, include_inactive=False):
        points = SalesPoint.objects.all() if include_inactive else availability.open_points()
        return list(points.select_related("district").order_by("priority", "code"))
