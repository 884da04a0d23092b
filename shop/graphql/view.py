from graphene_django.views import GraphQLView

from shop.graphql.limits import QueryLimitsRule


class ShopGraphQLView(GraphQLView):
    """The GraphQL endpoint with the shop's abuse limits."""

    validation_rules = (QueryLimitsRule,)
