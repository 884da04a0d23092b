"""Shared GraphQL pieces: the error types of mutation payloads, pagination
with a page-size cap, and global IDs."""
import base64
import enum
import logging

import graphene
from django.conf import settings
from graphql import GraphQLError
from graphql_relay import from_global_id, to_global_id

from shop.errors import AccountErrorCode, CommonErrorCode, ErrorCode, ShopError, pick

BIGINT_MAX = 2**63 - 1  # a larger id names no row; the database would refuse it with its own error

logger = logging.getLogger("shop.graphql")

FIELD_DESCRIPTION = "The input field at fault, or null for the whole request."
MESSAGE_DESCRIPTION = "In the request's language, saying what to do."


def error_type(name: str, *enums: type[ErrorCode], description: str) -> type[graphene.ObjectType]:
    """A payload error type `name` {field, code, message} whose `code` is the GraphQL enum `{name}Code`
    of the codes of `enums` and of CommonErrorCode (which any mutation may return).

    The enum's values are named by the codes themselves (`out_of_stock`, not OUT_OF_STOCK): graphene
    sends a value's name, so the JSON stays the lowercase string clients have always read.
    """
    members: dict[str, ErrorCode] = {}
    for codes in (*enums, CommonErrorCode):
        for code in codes:
            members.setdefault(code.value, code)

    def describe(value):
        if value is None:
            return f"The codes of {name}: every one is listed, with when it happens, in the README."
        return members[value.value].doc or None

    code_enum = graphene.Enum.from_enum(
        enum.Enum(f"{name}Code", [(code, code) for code in members]), description=describe,
    )
    return type(name, (graphene.ObjectType,), {
        "__doc__": description,
        "codes": frozenset(members),
        "enums": (*enums, CommonErrorCode),
        "field": graphene.String(description=FIELD_DESCRIPTION),
        "code": graphene.Field(code_enum, required=True),
        "message": graphene.String(required=True, description=MESSAGE_DESCRIPTION),
    })


def error_list(error_cls) -> graphene.List:
    """The `errors` field of a payload: `[error_cls!]!`."""
    return graphene.List(graphene.NonNull(error_cls), required=True)


def errors_from(exc: ShopError, error_cls) -> list:
    """`exc` as the payload's errors, in the request's language.

    A code the payload's enum does not list would fail the whole response, so it is sent as
    `graphql_error` (with its message and field) and logged: add it to the enums `error_cls` is made of.
    """
    code = str(exc.code)  # a member's wire string
    allowed = getattr(error_cls, "codes", None)
    if allowed is not None and code not in allowed:
        logger.error("error code %r is not in %s's enum; sent as graphql_error", code, error_cls.__name__)
        code = CommonErrorCode.GRAPHQL_ERROR.value
    return [error_cls(field=exc.field, code=code, message=exc.message)]


AccountError = error_type("AccountError", AccountErrorCode, description="An error of signing in (tokenCreate).")


class OrderDirection(graphene.Enum):
    ASC = "ASC"
    DESC = "DESC"


class PageInfo(graphene.ObjectType):
    has_next_page = graphene.Boolean(required=True)
    has_previous_page = graphene.Boolean(required=True)
    start_cursor = graphene.String()
    end_cursor = graphene.String()


def offset_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def cursor_offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        kind, _, value = base64.b64decode(cursor.encode(), validate=True).decode().partition(":")
        if kind == "offset" and int(value) >= 0:
            return int(value) + 1
    except (ValueError, UnicodeDecodeError):
        pass
    raise GraphQLError(pick("Con trỏ phân trang không hợp lệ; hãy dùng endCursor của trang trước.",
                            "Invalid pagination cursor; use the endCursor of the previous page."))


def page_size(first: int | None, default: int = 20) -> int:
    cap = settings.GRAPHQL_MAX_PAGE_SIZE
    if first is None:
        return min(default, cap)
    if first < 0 or first > cap:
        raise GraphQLError(pick(f"Tham số first phải từ 0 đến {cap}; hãy lấy từng trang.",
                                f"`first` must be between 0 and {cap}; fetch page by page."))
    return first


class OffsetWindow:
    """Edges and pageInfo of a page that knows its `offset`, `nodes` and `has_next`."""

    offset: int
    nodes: list
    has_next: bool

    def edges(self, edge_type):
        return [edge_type(node=node, cursor=offset_cursor(self.offset + i)) for i, node in enumerate(self.nodes)]

    def page_info(self) -> PageInfo:
        return PageInfo(
            has_next_page=self.has_next,
            has_previous_page=self.offset > 0,
            start_cursor=offset_cursor(self.offset) if self.nodes else None,
            end_cursor=offset_cursor(self.offset + len(self.nodes) - 1) if self.nodes else None,
        )


class Page(OffsetWindow):
    """One page of a queryset or list; totalCount is counted only when asked for."""

    def __init__(self, source, first: int | None, after: str | None, default: int = 20):
        self.source = source
        self.offset = cursor_offset(after)
        size = page_size(first, default)
        rows = list(source[self.offset : self.offset + size + 1])
        self.has_next = len(rows) > size
        self.nodes = rows[:size]

    @property
    def total_count(self) -> int:
        source = self.source
        return source.count() if hasattr(source, "count") and not isinstance(source, list) else len(source)


def countable_connection(node_type, name: str):
    """A Relay connection type with totalCount, built over a `Page`."""

    edge = type(f"{name}Edge", (graphene.ObjectType,), {
        "node": graphene.Field(node_type, required=True),
        "cursor": graphene.String(required=True),
    })

    def resolve_edges(page, info):
        return page.edges(edge)

    return type(name, (graphene.ObjectType,), {
        "total_count": graphene.Int(required=True),
        "edges": graphene.List(graphene.NonNull(edge), required=True),
        "page_info": graphene.Field(PageInfo, required=True),
        "resolve_total_count": staticmethod(lambda page, info: page.total_count),
        "resolve_edges": staticmethod(resolve_edges),
        "resolve_page_info": staticmethod(lambda page, info: page.page_info()),
    })


def global_id(type_name: str, pk) -> str:
    return to_global_id(type_name, pk)


def decode_id(value, expected_type: str, field: str = "id") -> int:
    """Accept a global ID of `expected_type` (or a bare number) and return the pk."""
    value = str(value or "")
    if value.isdigit() and len(value) < 20 and int(value) <= BIGINT_MAX:
        return int(value)
    try:
        type_name, pk = from_global_id(value)
        if type_name == expected_type and pk.isdigit() and len(pk) < 20 and int(pk) <= BIGINT_MAX:
            return int(pk)
    except Exception:  # noqa: BLE001 - any malformed ID is the same user error
        pass
    raise ShopError(
        CommonErrorCode.INVALID_ID,
        f"Mã {field} không hợp lệ (cần một ID {expected_type}).",
        f"Invalid {field}: expected a {expected_type} ID.",
        field=field,
    )
