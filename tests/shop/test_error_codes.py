"""Error codes: one enum per app, no bare-string code at any raise site, the GraphQL error types'
enums carry the very strings clients read, and the README lists them all."""
import ast
import json
import logging
import re
from pathlib import Path

import pytest
from django.utils import translation
from graphql import GraphQLEnumType, GraphQLNonNull, get_named_type

from shop.errors import CommonErrorCode, ErrorCode, ShopError, error_code_enums
from shop.graphql.core import errors_from

ROOT = Path(__file__).resolve().parent.parent.parent
APPS = ("shop", "catalog", "inventory", "search", "orders", "traceability", "storefront")
# Payloads whose `errors` are still the untyped `Error` (code: String). Empty it when transfers use StockError.
UNTYPED_PAYLOADS_ALLOWED: set[str] = set()


# -- raise sites ----------------------------------------------------------------------------------

def _sources(root: Path):
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text("utf-8"), str(path))


def _error_classes(trees) -> set[str]:
    """ShopError and every class deriving from it (by name, through any number of steps)."""
    bases = {}
    for _, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
    found, grew = {"ShopError"}, True
    while grew:
        more = {name for name, parents in bases.items() if parents & found} - found
        found, grew = found | more, bool(more)
    return found


def bare_string_codes(root: Path = ROOT) -> list[str]:
    """`path:line` of every ShopError(...) (or subclass) whose code is, or contains, a string literal."""
    trees = list(_sources(root))
    names = _error_classes(trees)
    out = []
    for path, tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if func not in names:
                continue
            code = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "code"), None)
            literal = code is None or any(
                isinstance(n, ast.JoinedStr) or (isinstance(n, ast.Constant) and isinstance(n.value, str))
                for n in ast.walk(code)
            )
            if literal:
                out.append(f"{path.relative_to(root).as_posix()}:{node.lineno}")
    return out


def test_every_raise_site_names_an_enum_member():
    assert bare_string_codes() == []


def test_the_raise_site_check_can_fail(tmp_path):
    module = tmp_path / "orders" / "sneaky.py"
    module.parent.mkdir()
    module.write_text(
        "from shop.errors import ShopError\n"
        "class Mine(ShopError):\n    pass\n"
        "class Deeper(Mine):\n    pass\n"
        "def f(exc, x):\n"
        "    raise ShopError('made_up', 'vi', 'en')\n"          # 7
        "def g(exc, x):\n"
        "    raise Deeper(exc.code or 'fallback', 'vi')\n"      # 9
        "def h(exc, x):\n"
        "    raise ShopError(code=f'x_{x}', message_vi='vi')\n"  # 11
        "def ok(exc, x):\n"
        "    raise Mine(OrderErrorCode.ORDER_NOT_FOUND, 'vi', field='id')\n",
        "utf-8",
    )
    assert bare_string_codes(tmp_path) == ["orders/sneaky.py:7", "orders/sneaky.py:9", "orders/sneaky.py:11"]


# -- the enums ------------------------------------------------------------------------------------

def test_each_app_has_its_enums():
    names = {enum.__name__: enum.__module__ for enum in error_code_enums()}
    assert names == {
        "CommonErrorCode": "shop.errors", "AccountErrorCode": "shop.errors", "CatalogErrorCode": "catalog.errors",
        "StockErrorCode": "inventory.errors", "CheckoutErrorCode": "orders.errors", "OrderErrorCode": "orders.errors",
        "PaymentErrorCode": "orders.errors", "TraceabilityErrorCode": "traceability.errors",
        "ProducerErrorCode": "producers.errors",
    }


@pytest.mark.parametrize("enum", error_code_enums(), ids=lambda e: e.__name__)
def test_codes_are_unique_snake_case_and_documented(enum):
    assert issubclass(enum, ErrorCode)
    values = [code.value for code in enum]
    # Two members with one value would make the second an alias, hidden from iteration.
    assert len(enum.__members__) == len(values) == len(set(values)), enum.__name__
    for name, code in enum.__members__.items():
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", code.value), code.value
        assert re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", name), name
        assert code.doc and code.doc == code.doc.strip() and code.doc.endswith("."), (name, code.doc)


def test_a_member_is_its_wire_string():
    from inventory.errors import StockErrorCode

    code = StockErrorCode.OUT_OF_STOCK
    assert code == "out_of_stock" and str(code) == f"{code}" == "out_of_stock"
    assert json.dumps({"code": code}) == '{"code": "out_of_stock"}'
    exc = ShopError(code, "Hết hàng.", "Sold out.", field="lines")
    assert exc.code == "out_of_stock" and exc.code is StockErrorCode.OUT_OF_STOCK


# -- GraphQL --------------------------------------------------------------------------------------

def _payload_error_types():
    from shop.schema import schema

    mutation = schema.graphql_schema.mutation_type
    return {name: field.type.fields["errors"].type for name, field in mutation.fields.items()}


def test_payload_errors_have_their_apps_enum():
    untyped = set()
    for mutation, errors in _payload_error_types().items():
        error = get_named_type(errors)
        code = error.fields["code"].type
        if error.name == "Error":
            untyped.add(mutation)
            continue
        assert isinstance(code, GraphQLNonNull) and isinstance(code.of_type, GraphQLEnumType), mutation
        assert code.of_type.name == f"{error.name}Code"
        wanted = {c.value for enum in error.graphene_type.enums for c in enum}
        # The enum's names are the wire strings themselves: what graphene puts in the JSON.
        assert set(code.of_type.values) == wanted == error.graphene_type.codes
        assert set(error.fields) == {"field", "code", "message"}
    assert untyped <= UNTYPED_PAYLOADS_ALLOWED
    expected = {"checkoutCreate": "CheckoutError", "checkoutComplete": "CheckoutError", "orderCancel": "OrderError",
                "fulfillmentUpdateStatus": "OrderError", "paymentMarkCollected": "OrderError",
                "stockUpdate": "StockError", "tokenCreate": "AccountError", "batchCreate": "TraceabilityError",
                "traceEventAdd": "TraceabilityError", "batchRecall": "TraceabilityError"}
    types = _payload_error_types()
    assert {m: get_named_type(types[m]).name for m in expected} == expected


def test_a_payload_error_code_is_the_lowercase_string(gql, db):
    query = """mutation($lines: [CheckoutLineInput!]!) { checkoutCreate(input: {lines: $lines}) {
      checkout { token } errors { __typename field code message } } }"""
    body = gql(query, {"lines": [{"variantId": "UHJvZHVjdDox", "quantity": 1}]}, language="en")
    assert body["data"]["checkoutCreate"] == {"checkout": None, "errors": [{
        "__typename": "CheckoutError", "field": "lines.0.variantId", "code": "invalid_id",
        "message": "Invalid lines.0.variantId: expected a ProductVariant ID.",
    }]}


def test_a_code_missing_from_the_payloads_enum_is_logged_not_fatal(caplog):
    from inventory.errors import StockErrorCode
    from orders.graphql.schema import CheckoutError

    assert "same_point" not in CheckoutError.codes
    exc = ShopError(StockErrorCode.SAME_POINT, "Điểm nhận phải khác điểm gửi.", "Send to a different sales point.",
                    field="toPointId")
    with caplog.at_level(logging.ERROR, logger="shop.graphql"), translation.override("vi"):
        [error] = errors_from(exc, CheckoutError)
    assert (error.code, error.field, error.message) == (CommonErrorCode.GRAPHQL_ERROR, "toPointId",
                                                        "Điểm nhận phải khác điểm gửi.")
    assert "'same_point' is not in CheckoutError's enum" in caplog.text


# -- README ---------------------------------------------------------------------------------------

def test_readme_lists_every_code():
    from shop.management.commands.error_codes import markdown, readme_path, readme_section

    section = readme_section(readme_path().read_text("utf-8"))
    assert section is not None, "README.md lost its error-codes markers"
    for enum in error_code_enums():
        assert f"**{enum.__name__}**" in section
        for code in enum:
            assert f"| `{code.value}` | {code.doc} |" in section, f"{enum.__name__}.{code.name}"
    assert section == markdown(), "README.md's error codes are stale: run `manage.py error_codes --write`"
