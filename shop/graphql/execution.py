"""graphql-core's executor, without the per-field work a synchronous Django API never needs.

graphql-core executes every field of every object the same general way: look the field up in
the schema, build a `GraphQLResolveInfo` and a `Path`, coerce its arguments from the AST, call
its resolver, ask whether the result is awaitable (three times), then walk the type wrappers to
complete it. A list of 20 products with their variants and stock runs ~900 fields, and that
machinery was most of the answer's time (bench/README.md, "Cold GraphQL").

`SyncExecutionContext` keeps the spec's semantics and error handling and cuts:
- awaitables: every resolver here is synchronous (Django's ORM), so nothing is awaited;
- per-field lookups: the field definition, its resolver and its coerced arguments depend only
  on (parent type, field node) and the operation's variables, so they are worked out once per
  request, not once per object;
- default-resolved leaves (a plain attribute or dict key, serialized as a scalar or enum):
  read and serialized inline, without info, path or resolver call. If anything is unusual
  (an exception, a null for a non-null field, a value the scalar refuses) the field is run
  again the general way, so errors are exactly graphql-core's.
With field middleware (graphene-django's debug middleware) every field takes the general way.
A field's coerced arguments are shared by its calls on every object of a list: a resolver must
not change them in place (none does; a mutation's root field runs once).
"""
from functools import lru_cache, partial

from graphene.relay.node import GlobalID
from graphene.types.resolver import dict_or_attr_resolver
from graphql import (
    ExecutionContext,
    GraphQLNonNull,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
    located_error,
)
from graphql.execution.execute import get_field_def
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined

_MISSING = object()
NON_NULL, LIST, LEAF, OBJECT, OTHER = range(5)
# output type -> its kind. Keyed by the type itself (hashed by identity), not by id(): a schema
# built and dropped (tests build several) could hand its ids to other types.
_kinds: dict = {}


def _kind(return_type) -> int:
    kind = _kinds.get(return_type)
    if kind is None:
        kind = _kinds[return_type] = (
            NON_NULL if is_non_null_type(return_type) else LIST if is_list_type(return_type)
            else LEAF if is_leaf_type(return_type) else OBJECT if is_object_type(return_type) else OTHER)
    return kind


class _Plan:
    __slots__ = ("field_def", "resolve", "args", "attname", "default", "serialize", "non_null")

    def __init__(self, field_def, resolve, args, leaf=None):
        self.field_def = field_def
        self.resolve = resolve
        self.args = args
        self.attname = self.default = self.serialize = None
        self.non_null = False
        if leaf is not None:
            self.attname, self.default, self.serialize, self.non_null = leaf


def _is_default(resolve) -> bool:
    return isinstance(resolve, partial) and resolve.func is dict_or_attr_resolver and not resolve.keywords


def _leaf_reader(field_def, parent_type):
    """(attribute name, default, serialize, non-null) of a default-resolved leaf field, else None.

    A Relay `id` (graphene's GlobalID around the default resolver) counts: its serializer also
    makes the global ID of the parent type's name and the attribute."""
    resolve = field_def.resolve
    if field_def.args or not isinstance(resolve, partial):
        return None
    field_type = field_def.type
    non_null = isinstance(field_type, GraphQLNonNull)
    if non_null:
        field_type = field_type.of_type
    if not is_leaf_type(field_type):
        return None
    if _is_default(resolve):
        attname, default = resolve.args
        return attname, default, field_type.serialize, non_null
    if resolve.func is GlobalID.id_resolver and len(resolve.args) == 2 and _is_default(resolve.args[0]):
        parent_resolver, node = resolve.args
        type_name = resolve.keywords.get("parent_type_name") or parent_type.name
        attname, default = parent_resolver.args
        serialize = field_type.serialize
        return attname, default, lambda value: serialize(_global_id(node, type_name, value)), non_null
    return None


@lru_cache(maxsize=20_000)
def _global_id(node, type_name: str, value) -> str:
    # base64 per object added up over a page's ~250 ids; the same few thousand recur.
    return node.to_global_id(type_name, value)


class SyncExecutionContext(ExecutionContext):
    """See the module's docstring. Use only with synchronous resolvers."""

    is_awaitable = staticmethod(lambda value: False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._plans: dict = {}
        # graphql-core makes a manager even for an empty middleware list; only a real one counts.
        self._field_middleware = bool(self.middleware_manager and self.middleware_manager.middlewares)

    def _plan(self, parent_type, field_nodes) -> _Plan | None:
        key = (parent_type, id(field_nodes[0]))  # as graphql-core's own subfield cache
        plan = self._plans.get(key, _MISSING)
        if plan is _MISSING:
            field_def = get_field_def(self.schema, parent_type, field_nodes[0])
            if field_def is None:
                plan = None
            else:
                try:
                    args = get_argument_values(field_def, field_nodes[0], self.variable_values)
                except Exception:  # noqa: BLE001 - the general path raises it where graphql-core would
                    args = None
                leaf = _leaf_reader(field_def, parent_type) if args is not None and not self._field_middleware else None
                plan = _Plan(field_def, field_def.resolve or self.field_resolver, args, leaf)
            self._plans[key] = plan
        return plan

    def execute_fields(self, parent_type, source_value, path, fields):
        results = {}
        for response_name, field_nodes in fields.items():
            plan = self._plan(parent_type, field_nodes)
            if plan is None:
                continue
            if plan.attname is not None:
                value = _read_leaf(plan, source_value)
                if value is not Undefined:
                    results[response_name] = value
                    continue
            results[response_name] = self._execute_planned(
                plan, parent_type, source_value, field_nodes, Path(path, response_name, parent_type.name))
        return results

    def execute_field(self, parent_type, source, field_nodes, path):
        plan = self._plan(parent_type, field_nodes)
        if plan is None:
            return Undefined
        return self._execute_planned(plan, parent_type, source, field_nodes, path)

    def complete_value(self, return_type, field_nodes, info, path, result):
        """graphql-core's, with the type's kind looked up once instead of five type tests a value
        (py-spy: a fifth of a worker's own time on the product list was those tests)."""
        if isinstance(result, Exception):
            raise result
        kind = _kind(return_type)
        if kind == NON_NULL:
            completed = self.complete_value(return_type.of_type, field_nodes, info, path, result)
            if completed is None:
                raise TypeError(
                    f"Cannot return null for non-nullable field {info.parent_type.name}.{info.field_name}.")
            return completed
        if result is None or result is Undefined:
            return None
        if kind == LIST:
            return self.complete_list_value(return_type, field_nodes, info, path, result)
        if kind == LEAF:
            return self.complete_leaf_value(return_type, result)
        if kind == OBJECT:
            return self.complete_object_value(return_type, field_nodes, info, path, result)
        return super().complete_value(return_type, field_nodes, info, path, result)  # interfaces, unions

    def _execute_planned(self, plan, parent_type, source, field_nodes, path):
        field_def = plan.field_def
        if plan.args is None or self._field_middleware:
            return super().execute_field(parent_type, source, field_nodes, path)
        return_type = field_def.type
        info = self.build_resolve_info(field_def, field_nodes, parent_type, path)
        try:
            result = plan.resolve(source, info, **plan.args)
            return self.complete_value(return_type, field_nodes, info, path, result)
        except Exception as raw_error:  # as graphql-core's execute_field
            error = located_error(raw_error, field_nodes, path.as_list())
            self.handle_field_error(error, return_type, path)
            return None


def _read_leaf(plan: _Plan, source):
    """The serialized value of a default-resolved leaf, or Undefined to run it the general way."""
    try:
        if isinstance(source, dict):
            value = source.get(plan.attname, plan.default)
        else:
            value = getattr(source, plan.attname, plan.default)
        if value is None or value is Undefined:
            return Undefined if plan.non_null else None
        serialized = plan.serialize(value)
    except Exception:  # noqa: BLE001 - the general path reports it as graphql-core would
        return Undefined
    if serialized is None or serialized is Undefined:
        return Undefined
    return serialized
