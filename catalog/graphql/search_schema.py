import graphene


class SearchQuery(graphene.ObjectType):
    """`search` and `suggest` (catalog/search/)."""
