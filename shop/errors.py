"""Errors a user may see: a code for programs, a message for people.

Every service raises `ShopError` (or a subclass) with a code from one of the
apps' `ErrorCode` enums and the message in both of the shop's languages;
whoever shows it (GraphQL payload, form, admin) picks the language of the
request. Messages say what to do, not only what failed.

Each app lists its codes in its `errors.py` (shop: `CommonErrorCode`,
`AccountErrorCode`; catalog, inventory, orders, traceability: their own). A
member *is* its code, the lowercase string API clients receive
(`StockErrorCode.OUT_OF_STOCK == "out_of_stock"`), and carries `doc`, when it
happens, for the README and the GraphQL schema. No raise site writes a code
as a bare string (tests/shop/test_error_codes.py).
"""
import importlib
import importlib.util
from enum import StrEnum

from django.utils import translation


def pick(vi: str, en: str | None = None, language: str | None = None) -> str:
    """The Vietnamese or English text, by the active (or given) language."""
    language = (language or translation.get_language() or "vi")[:2]
    return en if language == "en" and en else vi


class ErrorCode(StrEnum):
    """The base of every app's error codes. A member is defined as
    `NAME = "wire_string", "when it happens"`; its value is the wire string."""

    doc: str

    def __new__(cls, value: str, doc: str = ""):
        member = str.__new__(cls, value)
        member._value_ = value
        member.doc = doc
        return member


class CommonErrorCode(ErrorCode):
    """Codes that any part of the API may return."""

    PERMISSION_DENIED = "permission_denied", (
        "The account may not do this: not signed in as staff, not assigned to that sales point, "
        "or the action is for province admins.")
    NOT_FOUND = "not_found", "What was acted on no longer exists or is no longer in force (e.g. a sale hold already lifted)."
    INVALID_ID = "invalid_id", "An ID is malformed or names another type; `field` is the argument."
    SALES_POINT_NOT_FOUND = "sales_point_not_found", "No sales point has this ID."
    VARIANT_NOT_FOUND = "variant_not_found", "No product variant has this ID (or GTIN, or SKU)."
    COMMUNE_NOT_FOUND = "commune_not_found", "No commune has this ID (or slug)."
    UNKNOWN_PROVINCE = "unknown_province", "No province has this code."
    INVALID_PERIOD = "invalid_period", "A report grouped other than by day or by week."
    RANGE_REVERSED = "range_reversed", "A date range that starts after it ends."
    RANGE_TOO_LONG = "range_too_long", "A date range longer than a report covers at once."
    GRAPHQL_ERROR = "graphql_error", (
        "An error whose code the payload's enum does not list: a bug, logged on the server; the message still "
        "says what to do.")


class AccountErrorCode(ErrorCode):
    """Signing in (`tokenCreate`)."""

    TOO_MANY_ATTEMPTS = "too_many_attempts", (
        "Too many failed sign-ins for this account or from this address; the message says how many minutes "
        "are left.")
    INVALID_CREDENTIALS = "invalid_credentials", "Wrong e-mail or password, or the account is disabled."
    NOT_STAFF = "not_staff", "The account exists but is not sales-point staff."


def error_code_enums() -> list[type[ErrorCode]]:
    """Every ErrorCode enum of the project's apps (each app's `errors` module), in INSTALLED_APPS order.

    Found by name, like the admin's autodiscovery, so shop imports no app above it."""
    from django.apps import apps
    from django.conf import settings

    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.errors"
        if not config.path.startswith(str(settings.BASE_DIR)) or importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        found += [value for value in vars(module).values() if isinstance(value, type) and issubclass(value, ErrorCode)
                  and value is not ErrorCode and value.__module__ == name]
    return found


class ShopError(Exception):
    def __init__(self, code: ErrorCode, message_vi: str, message_en: str | None = None, *, field: str | None = None):
        super().__init__(message_vi)
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en or message_vi
        self.field = field

    @property
    def message(self) -> str:
        return pick(self.message_vi, self.message_en)

    def __str__(self) -> str:
        return self.message_vi
