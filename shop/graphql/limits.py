"""Abuse limits of the GraphQL endpoint, checked before any resolver runs.

A field's cost is its weight times the number of times it can run. Reading an
attribute weighs 1; a root field that queries the database or the search
engine weighs what it really costs (FIELD_WEIGHTS, in "attribute reads").
Inside a list asked with `first: N` (or `limit`) everything below counts N
times (N at most the page-size cap, which the resolvers enforce); a variable
counts with its value, and a missing `first` as the default page. Besides the cost, an operation has a maximum depth, a maximum
number of root fields, and one field may be repeated (aliases included) only
so often in one selection set; a document holds at most one `tokenCreate`.

Fragments are summed once each (memoised) and a fragment that spreads itself
counts as empty (the standard rules report the cycle), so the walk is linear
in the document's size whatever its shape.
"""
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from graphql import GraphQLError, ValidationRule, get_named_type
from graphql.language import (
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
)

from shop.errors import pick

PAGINATED_ARGS = ("first", "limit")
DEFAULT_PAGE = 20  # what Page() and the search resolvers return without `first`
# The work of one call, in attribute reads (~15 µs each): measured order of magnitude, rounded up.
FIELD_WEIGHTS = {
    "Query.search": 200, "Query.suggest": 100, "Query.trace": 200, "Query.products": 100,
    "Query.fulfillments": 100, "Query.producers": 50, "Query.salesPoints": 20, "Query.product": 20,
    "Query.node": 20, "Query.checkout": 20, "Query.order": 20, "Query.me": 5,
    "Mutation.tokenCreate": 500, "Mutation.checkoutComplete": 500,
    "Product.batches": 20, "Product.thumbnail": 5,
    # The country's 34 provinces, each listing up to ~170 communes; a commune search is one indexed query.
    "Query.provinces": 50, "Province.communes": 20, "Query.communes": 50,
    "Query.stockTransfers": 100, "Query.lowStock": 50, "Mutation.stockTransferCreate": 100,
    "Mutation.stockTransferReceive": 100,
    # The producers' portal (producers/graphql): scoped reads of one producer's rows.
    "Query.myProducer": 5, "Query.myProducts": 100, "Query.myCertificates": 50, "Query.myLots": 100,
    "Query.myScans": 200, "Query.mySales": 200, "MyProduct.stock": 5,
    "Mutation.producerLotCreate": 100, "Mutation.producerLotEventAdd": 100,
    "Mutation.producerProductChangeSave": 50, "Mutation.producerProductChangeSubmit": 50,
}
ROOT_WEIGHT = 20  # any other root field (a mutation writes): at least one query
ONE_PER_DOCUMENT = ("tokenCreate",)


@dataclass
class Tally:
    cost: int = 0
    depth: int = 0
    names: Counter = field(default_factory=Counter)  # field name -> times asked in this selection set
    repeats: int = 0  # the most times one field is asked in any one selection set at or below

    def add(self, other: "Tally", multiplier: int = 1) -> None:
        self.cost += multiplier * other.cost
        self.depth = max(self.depth, other.depth)
        self.names.update({name: multiplier * n for name, n in other.names.items()})
        self.repeats = max(self.repeats, other.repeats)


class _Walker:
    def __init__(self, schema, fragments, variables=None):
        self.schema = schema
        self.fragments = fragments
        self.variables = variables or {}
        self.memo: dict[str, Tally] = {}
        self.active: set[str] = set()

    def selection_set(self, parent, selection_set) -> Tally:
        tally = Tally()
        for sel in selection_set.selections if selection_set else ():
            if isinstance(sel, FieldNode):
                self.field(parent, sel, tally)
            elif isinstance(sel, InlineFragmentNode):
                kind = self.schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
                tally.add(self.selection_set(kind, sel.selection_set))
            elif isinstance(sel, FragmentSpreadNode):
                tally.add(self.fragment(sel.name.value))
        if tally.names:
            tally.repeats = max(tally.repeats, max(tally.names.values()))
        return tally

    def fragment(self, name: str) -> Tally:
        if name not in self.memo:
            definition = self.fragments.get(name)
            if definition is None or name in self.active:
                return Tally()  # unknown or cyclic: the standard rules say so
            self.active.add(name)
            kind = self.schema.get_type(definition.type_condition.name.value)
            self.memo[name] = self.selection_set(kind, definition.selection_set)
            self.active.discard(name)
        return self.memo[name]

    def field(self, parent, node: FieldNode, tally: Tally) -> None:
        name = node.name.value
        if name.startswith("__"):
            return  # introspection: bounded by the schema, and off in production
        tally.names[name] += 1
        definition = getattr(parent, "fields", {}).get(name)
        parent_name = getattr(parent, "name", "")
        root = parent is not None and parent in (self.schema.query_type, self.schema.mutation_type)
        tally.cost += FIELD_WEIGHTS.get(f"{parent_name}.{name}", ROOT_WEIGHT if root else 1)
        if node.selection_set and definition is not None:
            child = self.selection_set(get_named_type(definition.type), node.selection_set)
            tally.cost += self.page_factor(node, definition) * child.cost
            tally.depth = max(tally.depth, child.depth + 1)
            tally.repeats = max(tally.repeats, child.repeats)


    def page_factor(self, node: FieldNode, definition) -> int:
        """How many rows the field's list may hold: its `first`, the variable's value, or the default page."""
        cap = settings.GRAPHQL_MAX_PAGE_SIZE
        for arg in node.arguments or ():
            if arg.name.value in PAGINATED_ARGS:
                value = arg.value
                if isinstance(value, VariableNode):
                    given = self.variables.get(value.name.value)
                    if given is None:
                        return DEFAULT_PAGE
                    return max(1, min(given, cap)) if isinstance(given, int) else cap
                if isinstance(value, IntValueNode):
                    return max(1, min(int(value.value), cap)) if len(value.value) < 10 else cap
                return DEFAULT_PAGE  # null
        if any(name in definition.args for name in PAGINATED_ARGS):
            return DEFAULT_PAGE
        return 1


def _refusal(code: str, vi: str, en: str, node=None) -> GraphQLError:
    return GraphQLError(pick(vi, en), node, extensions={"code": code})


def check_document(schema, document, variables=None) -> list[GraphQLError]:
    """The limit errors of a parsed document (empty when it may run)."""
    fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}
    walker = _Walker(schema, fragments, variables)
    errors, once = [], Counter()
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        root_type = schema.get_root_type(definition.operation)
        tally = walker.selection_set(root_type, definition.selection_set)
        if definition.operation == OperationType.MUTATION:
            once.update({name: tally.names[name] for name in ONE_PER_DOCUMENT})
        errors += _operation_errors(tally, definition)
    for name, count in once.items():
        if count > 1:
            errors.append(_refusal(
                "one_per_request",
                f"Mỗi yêu cầu chỉ được gọi {name} một lần; hãy gửi từng lần đăng nhập riêng.",
                f"Call {name} at most once per request; send each sign-in on its own.",
            ))
    return errors


def _operation_errors(tally: Tally, node) -> list[GraphQLError]:
    errors = []
    roots = sum(tally.names.values())
    if roots > settings.GRAPHQL_MAX_ROOT_FIELDS:
        errors.append(_refusal(
            "too_many_root_fields",
            f"Truy vấn có {roots} trường gốc, tối đa {settings.GRAPHQL_MAX_ROOT_FIELDS}; hãy tách thành nhiều truy vấn.",
            f"The operation asks {roots} root fields, at most {settings.GRAPHQL_MAX_ROOT_FIELDS}; split it into several requests.",
            node,
        ))
    if tally.repeats > settings.GRAPHQL_MAX_FIELD_REPEATS:
        errors.append(_refusal(
            "too_many_aliases",
            f"Một trường được hỏi {tally.repeats} lần (kể cả bí danh), tối đa {settings.GRAPHQL_MAX_FIELD_REPEATS}; hãy tách thành nhiều truy vấn.",
            f"One field is asked {tally.repeats} times (aliases included), at most {settings.GRAPHQL_MAX_FIELD_REPEATS}; split it into several requests.",
            node,
        ))
    if tally.depth > settings.GRAPHQL_MAX_DEPTH:
        errors.append(_refusal(
            "query_too_deep",
            f"Truy vấn lồng quá sâu ({tally.depth} cấp, tối đa {settings.GRAPHQL_MAX_DEPTH}); hãy tách thành nhiều truy vấn.",
            f"Query is too deep ({tally.depth} levels, at most {settings.GRAPHQL_MAX_DEPTH}); split it into several queries.",
            node,
        ))
    if tally.cost > settings.GRAPHQL_MAX_COST:
        errors.append(_refusal(
            "query_too_expensive",
            f"Truy vấn quá tốn kém (ước tính {tally.cost}, tối đa {settings.GRAPHQL_MAX_COST}); hãy giảm `first` hoặc số trường.",
            f"Query is too expensive (estimated cost {tally.cost}, at most {settings.GRAPHQL_MAX_COST}); lower `first` or ask for fewer fields.",
            node,
        ))
    return errors


def operation_cost(schema, document, variables=None) -> int:
    """The highest cost of the document's operations (for tests and the README's figures)."""
    fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}
    walker = _Walker(schema, fragments, variables)
    return max((walker.selection_set(schema.get_root_type(d.operation), d.selection_set).cost
                for d in document.definitions if isinstance(d, OperationDefinitionNode)), default=0)


class QueryLimitsRule(ValidationRule):
    """The limits as a validation rule, for callers of graphql.validate()."""

    def enter_document(self, node, *args):
        for error in check_document(self.context.schema, node):
            self.report_error(error)
