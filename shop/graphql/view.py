from django.db import InterfaceError, OperationalError
from graphene_django.views import GraphQLView

from shop.graphql import public_cache
from shop.graphql.limits import QueryLimitsRule


class ShopGraphQLView(GraphQLView):
    """The GraphQL endpoint with the shop's abuse limits."""

    validation_rules = (QueryLimitsRule,)

    def get_response(self, request, data, show_graphiql=False):
        key = None
        if not self.batch and not show_graphiql:
            query, variables, operation_name, _id = self.get_graphql_params(request, data)
            key = public_cache.key_for(request, query, variables, operation_name)
            cached = public_cache.get(key) if key else None
            if cached is not None:
                return cached, 200
        body, status = super().get_response(request, data, show_graphiql)
        if key and status == 200 and body and body.startswith('{"data":'):  # compact and without errors
            public_cache.put(key, body)
        return body, status

    def execute_graphql_request(self, *args, **kwargs):
        result = super().execute_graphql_request(*args, **kwargs)
        for error in (result.errors or []) if result is not None else []:
            if isinstance(error.original_error, (OperationalError, InterfaceError)):
                # The database is gone: a 503 in the client's language (DatabaseUnavailableMiddleware),
                # not the driver's message inside a 200.
                raise error.original_error
        return result
