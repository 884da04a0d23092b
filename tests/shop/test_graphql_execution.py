"""The shop's GraphQL executor (shop/graphql/execution.py) and document cache (shop/graphql/documents.py)
answer exactly what graphql-core's own executor and a fresh parse and validation would."""
import gc
import json

import graphene
import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from graphql import ExecutionContext, execute, parse

from shop.graphql import documents
from shop.graphql import view as graphql_view
from shop.graphql.execution import SyncExecutionContext
from shop.schema import schema as shop_schema


class Color(graphene.Enum):
    RED = "red"
    BLUE = "blue"


class Thing(graphene.ObjectType):
    class Meta:
        interfaces = (graphene.relay.Node,)

    name = graphene.String(required=True)
    label = graphene.String()
    color = graphene.Field(Color)
    count = graphene.Int()
    tags = graphene.List(graphene.NonNull(graphene.String))
    broken = graphene.String()

    def resolve_broken(thing, info):
        raise ValueError("resolver failed")


class Box:
    """An object source whose attribute raises."""

    def __init__(self, **values):
        self.__dict__.update(values)

    @property
    def label(self):
        raise RuntimeError("property failed")


class Query(graphene.ObjectType):
    things = graphene.List(Thing)
    boxes = graphene.List(Thing)

    def resolve_things(root, info):
        return [
            {"id": 1, "name": "một", "label": "a", "color": "red", "count": 3, "tags": ["x", "y"]},
            {"id": 2, "name": None, "label": None, "color": "blue", "count": None, "tags": None},  # name is non-null
            {"id": 3, "name": "ba", "color": "green", "count": "không phải số", "tags": ["z", None]},  # bad values
        ]

    def resolve_boxes(root, info):
        return [Box(id=7, name="hộp", color=Color.BLUE, count=1, tags=[])]


toy_schema = graphene.Schema(query=Query, types=[Thing])

TOY_QUERIES = [
    "{ things { id name label color count tags } }",
    "{ things { id name } }",
    "{ things { color count } }",
    "{ things { tags } }",
    "{ things { broken } boxes { id name label color count tags broken } }",
    "{ a: things { id } b: things { name } }",
    "{ things { ...F } } fragment F on Thing { id label }",
]


def _run(schema, query, context_class, variables=None, context=None):
    result = execute(schema, parse(query), context_value=context, variable_values=variables,
                     execution_context_class=context_class)
    return {"data": result.data, "errors": [e.formatted for e in result.errors or ()]}


@pytest.mark.parametrize("query", TOY_QUERIES)
def test_the_fast_executor_answers_what_graphql_core_answers_even_on_errors(query):
    ours = _run(toy_schema.graphql_schema, query, SyncExecutionContext)
    theirs = _run(toy_schema.graphql_schema, query, ExecutionContext)
    assert ours == theirs
    assert ours["data"] is not None


def test_errors_of_default_resolved_leaves_are_graphql_cores():
    answer = _run(toy_schema.graphql_schema, "{ things { name count } boxes { label } }", SyncExecutionContext)
    messages = sorted(e["message"] for e in answer["errors"])
    assert "Cannot return null for non-nullable field Thing.name." in messages
    assert any("Int cannot represent non-integer value" in m for m in messages)
    assert "property failed" in messages
    assert answer["data"]["things"][1] is None  # the non-null error nulls the whole item, as the spec says
    assert answer["data"]["things"][0] == {"name": "một", "count": 3}


def test_relay_ids_are_graphenes():
    answer = _run(toy_schema.graphql_schema, "{ things { id } boxes { id } }", SyncExecutionContext)
    assert answer["data"]["things"][0]["id"] == graphene.relay.Node.to_global_id("Thing", 1)
    assert answer["data"]["boxes"][0]["id"] == graphene.relay.Node.to_global_id("Thing", 7)


def test_with_field_middleware_every_field_goes_through_it():
    seen = []

    def spy(next_, root, info, **args):
        seen.append(info.field_name)
        return next_(root, info, **args)

    result = execute(toy_schema.graphql_schema, parse("{ things { id name } }"), middleware=[spy],
                     execution_context_class=SyncExecutionContext)
    assert seen.count("name") == 3 and seen.count("id") == 3 and "things" in seen
    assert result.data["things"][0]["name"] == "một"


SHOP_QUERY = """query($first: Int) { products(first: $first) { totalCount edges { cursor node {
  id name nameEn slug group groupCode district ocop { stars status validUntil certificateNumber }
  producer { id name kind district commune formerCommune }
  thumbnail(size: 256) { url width height } priceRange { min max }
  variants { id sku name priceVnd gtin stock { salesPoint { id code name kind } quantityAvailable } } } }
  pageInfo { hasNextPage endCursor } } salesPoints { id code name kind district openingHours } }"""


def test_the_shop_schema_answers_the_same_with_both_executors(make_product, sales_point):
    for i in range(4):
        make_product(f"Mật ong {i}", stars=3 + i % 3, stock={sales_point: i})
    request = RequestFactory().post("/graphql/")
    request.user = AnonymousUser()

    def answer(context_class):
        request._batch_loaders = {}  # each run loads afresh
        return _run(shop_schema.graphql_schema, SHOP_QUERY, context_class, {"first": 10}, request)

    ours, theirs = answer(SyncExecutionContext), answer(ExecutionContext)
    assert ours == theirs
    assert ours["errors"] == []
    edges = ours["data"]["products"]["edges"]
    assert len(edges) == 4
    stocked = [s for e in edges for v in e["node"]["variants"] for s in v["stock"]]
    assert {s["quantityAvailable"] for s in stocked} == {1, 2, 3}
    assert all(s["salesPoint"]["code"] == sales_point.code for s in stocked)


# -- the documents kept by their text -----------------------------------------------------------

@pytest.fixture
def validations(monkeypatch):
    documents.forget()
    calls = []
    original = graphql_view.validate

    def counting(*args, **kwargs):
        calls.append(args[1])
        return original(*args, **kwargs)

    monkeypatch.setattr(graphql_view, "validate", counting)
    yield calls
    documents.forget()


def _post(client, query, variables=None):
    response = client.post("/graphql/", json.dumps({"query": query, "variables": variables or {}}),
                           content_type="application/json")
    return response.json()


def test_a_document_is_parsed_and_validated_once_for_every_request_with_its_text(client, validations, make_product):
    make_product("Trà Shan tuyết thử")
    query = "query($first: Int) { products(first: $first) { edges { node { name } } } }"
    for first in (1, 2, 1):
        assert _post(client, query, {"first": first})["data"]["products"]["edges"][0]["node"]["name"]
    assert len(validations) == 1


def test_the_limits_still_read_each_requests_variables(client, validations, make_product, settings):
    make_product()
    query = "query($first: Int) { products(first: $first) { edges { node { name variants { sku } } } } }"
    assert "errors" not in _post(client, query, {"first": 2})
    settings.GRAPHQL_MAX_COST = 300
    refused = _post(client, query, {"first": 100})
    assert refused["errors"][0]["extensions"]["code"] == "query_too_expensive"
    assert len(validations) == 1  # the limit refused it, from the document kept


def test_an_invalid_document_is_never_kept(client, validations):
    query = "{ products { edges { node { noSuchField } } } }"
    for _ in range(2):
        assert _post(client, query)["errors"][0]["extensions"]["code"] == "graphql_validation_failed"
    assert len(validations) == 2


def test_long_documents_are_not_kept_and_the_kept_ones_are_bounded(client, validations, make_product):
    make_product()
    padding = "#" + "x" * documents.MAX_CHARS + "\n"
    long_query = padding + "{ products { totalCount } }"
    for _ in range(2):
        assert _post(client, long_query)["data"]["products"]["totalCount"] == 1
    assert len(validations) == 2
    for i in range(documents.MAX_DOCUMENTS + 5):
        _post(client, f"{{ products(first: {i % 50 + 1}) {{ totalCount }} }} # {i}")
    assert len(documents._documents) == documents.MAX_DOCUMENTS


def test_the_warm_up_loads_the_index_and_freezes_what_it_loaded(make_product, settings):
    from search.backends import embedded
    from storefront.warmup import warm_worker

    make_product("Mật ong hoa ban")
    embedded._memory.clear()
    try:
        warm_worker()
        assert gc.get_freeze_count() > 0
        assert embedded._memory, "the embedded index was not loaded"
    finally:
        gc.unfreeze()
