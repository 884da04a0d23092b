"""`search` and `suggest` (API.md), thin callers of the `search` package (search/__init__.py).

`products(filter: {search: …})` pages through the same backend
(`search_page`), so the two never disagree about what matches.
"""
import graphene
from graphql import GraphQLError

import search as catalog_search
from catalog import selectors
from catalog.graphql.types import ProductCountableConnection, ProductType, product_queryset
from search import catalogue
from shop.errors import ShopError, pick
from shop.graphql.core import (
    OffsetWindow,
    OrderDirection,
    Page,
    PageInfo,
    cursor_offset,
    decode_id,
    page_size,
)
from shop.graphql.loaders import prime_all

MAX_QUERY_LENGTH = 10_000  # longer input is cut (the backends read only the first 200 characters)


class SearchFacetValue(graphene.ObjectType):
    value = graphene.String(required=True, description="Pass it back in the matching ProductFilterInput field")
    label = graphene.String(required=True, description="In the request's language")
    count = graphene.Int(required=True, description="Products with this value, counting the other filters only")


class SearchFacet(graphene.ObjectType):
    field = graphene.String(required=True, description="group, stars, district, producer, priceBand or salesPoint")
    values = graphene.List(graphene.NonNull(SearchFacetValue), required=True)


class SearchResultEdge(graphene.ObjectType):
    node = graphene.Field(ProductType, required=True)
    cursor = graphene.String(required=True)


class SearchResults(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    edges = graphene.List(graphene.NonNull(SearchResultEdge), required=True)
    page_info = graphene.Field(PageInfo, required=True)
    facets = graphene.List(graphene.NonNull(SearchFacet), required=True)
    backend = graphene.String(required=True, description='"elasticsearch" or "embedded"')
    took_ms = graphene.Float(required=True)

    def resolve_edges(page, info):
        return page.edges(SearchResultEdge)

    def resolve_page_info(page, info):
        return page.page_info()

    def resolve_facets(page, info):
        return [
            SearchFacet(field=f.field, values=[SearchFacetValue(value=v.value, label=v.label, count=v.count) for v in f.values])
            for f in page.result.facets
        ]

    def resolve_backend(page, info):
        return page.result.backend

    def resolve_took_ms(page, info):
        return page.result.took_ms


class SearchSuggestion(graphene.ObjectType):
    text = graphene.String(required=True)
    kind = graphene.String(required=True, description="PRODUCT")
    slug = graphene.String()
    product = graphene.Field(ProductType)

    def resolve_product(s, info):
        if s.product_id is None:
            return None
        products = getattr(info.context, "_suggested_products", None)
        if products is None:
            products = info.context._suggested_products = {}
        if s.product_id not in products:
            ids = getattr(info.context, "_suggestion_ids", None) or [s.product_id]
            products.update({p.pk: p for p in product_queryset().filter(pk__in=ids)})
            prime_all(info.context, "product", list(products))
        return products.get(s.product_id)


class SearchPage(OffsetWindow):
    """One page of search results, shaped like shop.graphql.core.Page."""

    def __init__(self, info, query: str, filters, sort: str, descending: bool, first, after, facets=True):
        self.offset = cursor_offset(after)
        size = page_size(first)
        self.result = catalog_search.search(
            query, filters=filters, sort=sort, descending=descending, offset=self.offset, limit=size + 1, facets=facets,
        )
        ids = self.result.product_ids
        self.has_next = len(ids) > size
        ids = ids[:size]
        found = {p.pk: p for p in product_queryset().filter(pk__in=ids)} if ids else {}
        self.nodes = [found[i] for i in ids if i in found]
        prime_all(info.context, "product", [p.pk for p in self.nodes])

    @property
    def total_count(self) -> int:
        return self.result.total


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
    """ProductFilterInput -> keyword arguments of search.catalogue.filter_products."""
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


def search_filters(filter_input) -> catalog_search.SearchFilters:
    kw = filter_kwargs(filter_input)
    return catalog_search.SearchFilters(
        groups=list(kw["groups"] or []), stars=list(kw["stars"] or []), districts=list(kw["districts"] or []),
        producers=kw["producers"], price_gte=kw["price_gte"], price_lte=kw["price_lte"],
        available_at=kw["available_at"], certified_only=kw["certified_only"],
    )


def search_page(info, query, filter_input, sort_by, first, after, facets=True) -> SearchPage:
    if query is not None and len(query) > MAX_QUERY_LENGTH:
        query = query[:MAX_QUERY_LENGTH]
    sort_by = sort_by or {}
    field, direction = (getattr(v, "value", v) for v in (sort_by.get("field"), sort_by.get("direction")))
    return SearchPage(
        info, query or "", search_filters(filter_input), field or "RELEVANCE", direction == "DESC", first, after,
        facets=facets,
    )


class SearchQuery(graphene.ObjectType):
    """`products` (the filtered, sorted catalogue), `search` and `suggest`."""

    products = graphene.Field(
        ProductCountableConnection, required=True,
        first=graphene.Int(), after=graphene.String(),
        filter=ProductFilterInput(), sort_by=ProductSortInput(),
    )

    search = graphene.Field(
        SearchResults, required=True,
        query=graphene.String(required=True, description="What the visitor typed; accents, typos and English welcome"),
        filter=ProductFilterInput(),
        first=graphene.Int(), after=graphene.String(),
        sort_by=graphene.Argument(ProductSortInput, description="Default RELEVANCE (NAME for an empty query)"),
    )
    suggest = graphene.List(
        graphene.NonNull(SearchSuggestion), required=True,
        prefix=graphene.String(required=True), limit=graphene.Int(description="At most 20; default 8"),
    )

    def resolve_products(root, info, first=None, after=None, filter=None, sort_by=None):
        if ((filter or {}).get("search") or "").strip():
            return search_page(info, filter.get("search"), filter, sort_by, first, after, facets=False)
        products = catalogue.filter_products(product_queryset(), **filter_kwargs(filter))
        sort_by = sort_by or {}
        field = sort_by.get("field") or "NAME"
        products = selectors.sort_products(products, field, descending=sort_by.get("direction") == "DESC")
        return product_page(info, products, first, after)

    def resolve_search(root, info, query, filter=None, first=None, after=None, sort_by=None):
        return search_page(info, query, filter, sort_by, first, after)

    def resolve_suggest(root, info, prefix, limit=None):
        limit = 8 if limit is None else limit
        if limit < 0 or limit > catalog_search.MAX_SUGGESTIONS:
            raise GraphQLError(pick(
                f"limit phải từ 0 đến {catalog_search.MAX_SUGGESTIONS}.",
                f"`limit` must be between 0 and {catalog_search.MAX_SUGGESTIONS}.",
            ))
        found = catalog_search.suggest((prefix or "")[:MAX_QUERY_LENGTH], limit)
        info.context._suggestion_ids = [s.product_id for s in found if s.product_id]
        return [_suggestion(s) for s in found]


def _suggestion(s):
    out = SearchSuggestion(text=s.text, kind=s.kind, slug=s.slug)
    out.product_id = s.product_id
    return out
