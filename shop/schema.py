"""The root GraphQL schema: the only place that assembles every app's part."""
import graphene

from catalog.graphql.schema import Query as CatalogQuery
from inventory.graphql.schema import Query as InventoryQuery
from inventory.graphql.transfers import Mutation as TransfersMutation
from inventory.graphql.transfers import Query as TransfersQuery
from orders.graphql.schema import Mutation as OrdersMutation
from orders.graphql.schema import Query as OrdersQuery
from orders.graphql.shipping import Query as ShippingQuery
from producers.graphql.schema import Mutation as ProducersMutation
from producers.graphql.schema import Query as ProducersQuery
from search.schema import SearchQuery
from shop.graphql.addresses import Query as AddressesQuery
from traceability.graphql.schema import Mutation as TraceabilityMutation
from traceability.graphql.schema import Query as TraceabilityQuery


class Query(CatalogQuery, InventoryQuery, TransfersQuery, SearchQuery, OrdersQuery, ShippingQuery, TraceabilityQuery,
            AddressesQuery, ProducersQuery, graphene.ObjectType):
    node = graphene.relay.Node.Field()


class Mutation(OrdersMutation, TransfersMutation, TraceabilityMutation, ProducersMutation, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation if Mutation._meta.fields else None)
