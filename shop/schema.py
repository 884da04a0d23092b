"""The root GraphQL schema: the only place that assembles every app's part."""
import graphene

from catalog.graphql.schema import Query as CatalogQuery


class Query(CatalogQuery, graphene.ObjectType):
    node = graphene.relay.Node.Field()


schema = graphene.Schema(query=Query)
