"""Abuse limits: a maximum query depth and a maximum estimated cost.

The cost of a field is 1 times the number of times it can run: inside a
list asked with `first: N` everything counts N times (a variable or a
missing `first` counts as the page-size cap). Both are validation rules,
so an abusive query is refused before any resolver runs.
"""
from django.conf import settings
from graphql import GraphQLError, ValidationRule
from graphql.language import (
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
)

from shop.errors import pick

PAGINATED_ARGS = ("first", "limit")


class _Walker:
    def __init__(self, fragments):
        self.fragments = fragments

    def fields(self, selection_set, seen=()):
        for sel in selection_set.selections if selection_set else ():
            if isinstance(sel, FieldNode):
                yield sel
            elif isinstance(sel, InlineFragmentNode):
                yield from self.fields(sel.selection_set, seen)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                fragment = self.fragments.get(sel.name.value)
                if fragment:
                    yield from self.fields(fragment.selection_set, (*seen, sel.name.value))

    def depth(self, selection_set, level=0) -> int:
        deepest = level
        for field in self.fields(selection_set):
            if field.name.value.startswith("__"):
                continue
            if field.selection_set:
                deepest = max(deepest, self.depth(field.selection_set, level + 1))
        return deepest

    def cost(self, selection_set, multiplier=1) -> int:
        total = 0
        for field in self.fields(selection_set):
            if field.name.value.startswith("__"):
                continue
            total += multiplier
            if field.selection_set:
                total += self.cost(field.selection_set, multiplier * _page_factor(field))
        return total


def _page_factor(field: FieldNode) -> int:
    for arg in field.arguments or ():
        if arg.name.value in PAGINATED_ARGS:
            if isinstance(arg.value, IntValueNode):
                return max(1, int(arg.value.value))
            return settings.GRAPHQL_MAX_PAGE_SIZE
    return 1


class QueryLimitsRule(ValidationRule):
    def enter_document(self, node, *args):
        fragments = {d.name.value: d for d in node.definitions if d.kind == "fragment_definition"}
        walker = _Walker(fragments)
        for definition in node.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            depth = walker.depth(definition.selection_set)
            if depth > settings.GRAPHQL_MAX_DEPTH:
                self.report_error(GraphQLError(pick(
                    f"Truy vấn lồng quá sâu ({depth} cấp, tối đa {settings.GRAPHQL_MAX_DEPTH}); hãy tách thành nhiều truy vấn.",
                    f"Query is too deep ({depth} levels, at most {settings.GRAPHQL_MAX_DEPTH}); split it into several queries.",
                ), definition))
            cost = walker.cost(definition.selection_set)
            if cost > settings.GRAPHQL_MAX_COST:
                self.report_error(GraphQLError(pick(
                    f"Truy vấn quá tốn kém (ước tính {cost}, tối đa {settings.GRAPHQL_MAX_COST}); hãy giảm `first` hoặc số trường.",
                    f"Query is too expensive (estimated cost {cost}, at most {settings.GRAPHQL_MAX_COST}); lower `first` or ask for fewer fields.",
                ), definition))
