"""The GraphQL endpoint, hardened against hostile clients.

In order, before any resolver runs: the envelope (a JSON object with a string
`query`, an object `variables`, a string `operationName`; no batches), the
session's CSRF token and origin, the query's size (before parsing) and
token count (while parsing), the abuse limits (shop/graphql/limits.py, cheap,
so they also shield the standard rules from huge documents), then all of
graphql-core's standard validation rules. Errors carry a stable
`extensions.code`; an unexpected exception's text stays in the log with the
request id and the client gets a generic message.
"""
import json
import logging
import re

from django.conf import settings
from django.db import DataError, InterfaceError, OperationalError, transaction
from django.http import HttpResponse, HttpResponseNotAllowed
from django.middleware.csrf import CsrfViewMiddleware
from graphene_django.settings import graphene_settings
from graphene_django.views import GraphQLView, HttpError
from graphql import (
    ExecutionResult,
    GraphQLError,
    OperationType,
    StringValueNode,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import NoSchemaIntrospectionCustomRule

from shop.errors import ShopError, pick
from shop.graphql import documents, public_cache
from shop.graphql.envelope import NUL_REFUSAL, check_variables
from shop.graphql.execution import SyncExecutionContext
from shop.graphql.limits import check_document

logger = logging.getLogger("shop.graphql")


class Refused(HttpError):
    """The request is refused before execution: an HTTP status, a stable code and a message."""

    def __init__(self, status: int, code: str, vi: str, en: str):
        self.code = code
        response = HttpResponseNotAllowed(["GET", "POST"]) if status == 405 else HttpResponse(status=status)
        super().__init__(response, pick(vi, en))


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason


def _uses_session(request) -> bool:
    """Signed in by the session cookie (a Bearer header replaces the session, see shop/auth.py)?"""
    bearer = request.headers.get("Authorization", "").partition(" ")[0].lower() == "bearer"
    return not bearer and getattr(request, "user", None) is not None and request.user.is_authenticated


def _same_origin(request, origin: str) -> bool:
    return origin == f"{request.scheme}://{request.get_host()}" or origin in settings.CSRF_TRUSTED_ORIGINS


def check_cross_site(request) -> None:
    """A cookie-authenticated request must come from the shop's pages and carry the CSRF token."""
    if not _uses_session(request):
        return  # anonymous or Bearer: no ambient authority to abuse
    fetch_site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    cross = (fetch_site and fetch_site not in ("same-origin", "none")) or (origin and not _same_origin(request, origin))
    reason = "cross-site" if cross else None
    if reason is None:
        check = _CsrfCheck(lambda r: None)
        check.process_request(request)
        reason = check.process_view(request, None, (), {})
    if reason:
        logger.warning("graphql session request refused [%s]: %s", getattr(request, "id", "-"), reason)
        raise Refused(
            403, "csrf_failed",
            "Yêu cầu dùng phiên đăng nhập phải đến từ chính trang của cửa hàng và kèm mã CSRF (tiêu đề "
            "X-CSRFToken, lấy từ cookie csrftoken). Ứng dụng khác hãy dùng tiêu đề Authorization: Bearer "
            "với mã lấy từ tokenCreate.",
            "A request signed in with the session cookie must come from the shop's own pages and carry the "
            "CSRF token (X-CSRFToken header, from the csrftoken cookie). Other clients should send "
            "Authorization: Bearer with a token from tokenCreate.",
        )


# GraphQL's tokens, roughly; counted by the regex engine (C), so an over-long document is refused
# in well under a millisecond instead of after graphql-core's much slower parse.
_TOKEN = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"|#[^\n]*|\.\.\.|[_A-Za-z][_0-9A-Za-z]*'
                    r'|-?\d[\d.eE+-]*|[!$&():=@\[\]{|}]')


def _estimated_tokens(query: str) -> int:
    return sum(1 for m in _TOKEN.finditer(query) if not m.group().startswith("#"))


def _has_nul_literal(document) -> bool:
    stack = list(document.definitions)
    while stack:
        node = stack.pop()
        if isinstance(node, StringValueNode):
            if "\x00" in node.value:
                return True
            continue
        for key in node.keys:
            value = getattr(node, key, None)
            if isinstance(value, (list, tuple)):
                stack.extend(v for v in value if hasattr(v, "keys"))
            elif hasattr(value, "keys") and key != "loc":
                stack.append(value)
    return False


def _coded(error: GraphQLError, code: str) -> GraphQLError:
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": code}
    return error


def _replace(error: GraphQLError, code: str, message: str) -> GraphQLError:
    return GraphQLError(message, error.nodes, error.source, error.positions, error.path, extensions={"code": code})


def mask(request, error: GraphQLError) -> GraphQLError:
    """What the client may see of an execution error: ShopError messages, never Python's or the database's."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return _coded(error, "graphql_error")
    if isinstance(original, ShopError):
        return _replace(error, str(original.code), original.message)  # an ErrorCode's wire string
    request_id = getattr(request, "id", "-")
    if type(original) is Exception and str(original).startswith(("Unable to parse global ID", "Must receive a")):
        # graphene's relay `node` says a malformed or mistyped ID with a bare Exception.
        return _replace(error, "invalid_id", pick("Mã ID không hợp lệ; hãy dùng ID mà API đã trả về.",
                                                  "Invalid ID; use an ID the API returned."))
    if not error.path and error.message.startswith('Variable "$'):
        # A variable the schema's scalars refuse (e.g. a malformed UUID): keep graphql-core's part of the message.
        logger.info("graphql input refused [%s]: %s", request_id, error.message)
        head = error.message.split(";", 1)[0]
        return _replace(error, "invalid_input", f"{head}; " + pick("giá trị không hợp lệ, hãy sửa lại.",
                                                               "the value is not valid; correct it."))
    if isinstance(original, (DataError, OverflowError)):
        logger.warning("graphql input out of range [%s] at %s: %r", request_id, error.path, original)
        return _replace(error, "invalid_input", pick(
            "Một giá trị gửi lên nằm ngoài phạm vi cho phép (số quá lớn hoặc ký tự không hợp lệ); hãy kiểm tra lại.",
            "A value in the request is out of range (a number too large or a forbidden character); check it."))
    logger.error("graphql resolver failed [%s] at %s", request_id, error.path, exc_info=original)
    return _replace(error, "internal_error", pick(
        f"Máy chủ gặp lỗi khi xử lý yêu cầu; hãy thử lại, hoặc báo cho cửa hàng mã yêu cầu {request_id}.",
        f"The server failed to answer this request; try again, or give the shop request id {request_id}."))


class ShopGraphQLView(GraphQLView):
    """The GraphQL endpoint with the shop's abuse limits."""

    execution_context_class = SyncExecutionContext  # every resolver is synchronous (shop/graphql/execution.py)

    def dispatch(self, request, *args, **kwargs):
        try:
            if request.method not in ("GET", "POST"):
                raise Refused(405, "method_not_allowed", "Chỉ nhận GET hoặc POST.", "Only GET and POST are accepted.")
            check_cross_site(request)
        except Refused as refused:
            refused.response["Content-Type"] = "application/json"
            refused.response.content = self.json_encode(request, {"errors": [self.format_error(refused)]})
            return refused.response
        return super().dispatch(request, *args, **kwargs)

    @staticmethod
    def format_error(error):
        if isinstance(error, Refused):
            return {"message": error.message, "extensions": {"code": error.code}}
        if isinstance(error, GraphQLError):
            return error.formatted
        return {"message": pick("Yêu cầu không hợp lệ.", "Bad request."), "extensions": {"code": "bad_request"}}

    def parse_body(self, request):
        if request.method != "POST":
            return {}
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.GRAPHQL_MAX_BODY_BYTES:
            raise Refused(413, "body_too_large",
                          f"Nội dung yêu cầu quá lớn (tối đa {settings.GRAPHQL_MAX_BODY_BYTES} byte).",
                          f"The request body is too large (at most {settings.GRAPHQL_MAX_BODY_BYTES} bytes).")
        content_type = self.get_content_type(request)
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return request.POST
        if content_type not in ("application/json", "application/graphql"):
            raise Refused(415, "unsupported_media_type",
                          "Hãy gửi JSON (Content-Type: application/json).",
                          "Send JSON (Content-Type: application/json).")
        try:
            text = request.body.decode("utf-8")
            if content_type == "application/graphql":
                return {"query": text}
            data = json.loads(text)
        except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise Refused(400, "invalid_json", "Nội dung không phải JSON hợp lệ (UTF-8).",
                          "The body is not valid JSON (UTF-8).") from None
        if not isinstance(data, dict):
            raise Refused(400, "invalid_envelope",
                          'Hãy gửi một đối tượng JSON {"query", "variables", "operationName"}; không nhận gửi theo lô.',
                          'Send one JSON object {"query", "variables", "operationName"}; batches are not accepted.')
        return data

    @staticmethod
    def get_graphql_params(request, data):
        query = request.GET.get("query") or data.get("query")
        variables = request.GET.get("variables") or data.get("variables")
        operation_name = request.GET.get("operationName") or data.get("operationName")
        if isinstance(variables, str):
            try:
                variables = json.loads(variables) if variables.strip() else None
            except (ValueError, RecursionError):
                raise Refused(400, "invalid_variables", "Biến (variables) không phải JSON hợp lệ.",
                              "`variables` is not valid JSON.") from None
        if operation_name in ("null", ""):
            operation_name = None
        if query is not None and not isinstance(query, str):
            raise Refused(400, "invalid_envelope", "Trường query phải là một chuỗi văn bản GraphQL.",
                          "`query` must be a string of GraphQL.")
        if variables is not None and not isinstance(variables, dict):
            raise Refused(400, "invalid_variables", "Trường variables phải là một đối tượng JSON (hoặc null).",
                          "`variables` must be a JSON object (or null).")
        if operation_name is not None and not isinstance(operation_name, str):
            raise Refused(400, "invalid_envelope", "Trường operationName phải là một chuỗi (hoặc null).",
                          "`operationName` must be a string (or null).")
        if query and len(query) > settings.GRAPHQL_MAX_QUERY_CHARS:
            raise Refused(413, "query_too_large",
                          f"Truy vấn quá dài ({len(query)} ký tự, tối đa {settings.GRAPHQL_MAX_QUERY_CHARS}); hãy tách nhỏ.",
                          f"The query is too long ({len(query)} characters, at most {settings.GRAPHQL_MAX_QUERY_CHARS}); split it.")
        if query and len(query) > 500 and _estimated_tokens(query) > settings.GRAPHQL_MAX_TOKENS:
            raise Refused(400, "too_many_tokens",
                          f"Truy vấn có quá nhiều thành phần (tối đa {settings.GRAPHQL_MAX_TOKENS}); hãy tách nhỏ.",
                          f"The query has too many tokens (at most {settings.GRAPHQL_MAX_TOKENS}); split it.")
        problem = check_variables(variables)
        if problem:
            raise Refused(400, *problem)
        return query, variables, operation_name, None

    def get_response(self, request, data, show_graphiql=False):
        key = None
        if not show_graphiql:
            query, variables, operation_name, _id = self.get_graphql_params(request, data)
            key = public_cache.key_for(request, query, variables, operation_name)
            cached = public_cache.get(key) if key else None
            if cached is not None:
                return cached, 200
        body, status = super().get_response(request, data, show_graphiql)
        if key and status == 200 and body and body.startswith('{"data":'):  # compact and without errors
            public_cache.put(key, body)
        return body, status

    def validation_rules_for(self, request):
        if settings.GRAPHQL_INTROSPECTION:
            return specified_rules
        return (*specified_rules, NoSchemaIntrospectionCustomRule)

    def execute_graphql_request(self, request, data, query, variables, operation_name, show_graphiql=False):
        if not query:
            if show_graphiql:
                return None
            raise Refused(400, "query_missing", "Thiếu truy vấn: hãy gửi trường query.",
                          "No query: send the `query` field.")
        schema = self.schema.graphql_schema
        introspection = bool(settings.GRAPHQL_INTROSPECTION)
        document = documents.validated(query, introspection)  # parsed and validated before: same text
        known = document is not None
        if not known:
            try:
                document = parse(query, max_tokens=settings.GRAPHQL_MAX_TOKENS)
            except GraphQLError as error:
                return ExecutionResult(errors=[_coded(error, "graphql_parse_failed")])
            except RecursionError:
                raise Refused(400, "query_too_deep", "Truy vấn lồng quá sâu; hãy tách thành nhiều truy vấn.",
                              "The query is nested too deeply; split it into several queries.") from None
        operation = get_operation_ast(document, operation_name)
        if operation is not None and operation.operation == OperationType.MUTATION and (
                check_variables(variables, refuse_nul=True) or ("\\u" in query and _has_nul_literal(document))):
            raise Refused(400, *NUL_REFUSAL)  # a mutation stores text; NUL would reach the database
        if request.method == "GET" and operation is not None and operation.operation != OperationType.QUERY:
            if show_graphiql:
                return None
            raise Refused(405, "method_not_allowed", "Thao tác thay đổi dữ liệu phải gửi bằng POST.",
                          "Mutations must be sent with POST.")
        # The limits first (they depend on the variables, so they run every time): they are linear, and
        # a refused document never meets the quadratic standard rules.
        errors = check_document(schema, document, variables)
        if not errors and not known:
            errors = validate(schema, document, self.validation_rules_for(request), graphene_settings.MAX_VALIDATION_ERRORS)
            if not errors:
                documents.remember(query, introspection, document)
        if errors:
            return ExecutionResult(errors=[_coded(e, "graphql_validation_failed") for e in errors])
        options = {
            "root_value": self.get_root_value(request), "context_value": self.get_context(request),
            "variable_values": variables, "operation_name": operation_name,
            "middleware": self.get_middleware(request), "execution_context_class": self.execution_context_class,
        }
        try:
            if graphene_settings.ATOMIC_MUTATIONS and operation is not None and operation.operation == OperationType.MUTATION:
                with transaction.atomic():
                    result = execute(schema, document, **options)
            else:
                result = execute(schema, document, **options)
        except (OperationalError, InterfaceError):
            raise
        except Exception as exc:  # noqa: BLE001 - whatever it is, the client gets a code, the log the detail
            result = ExecutionResult(errors=[GraphQLError(str(exc), original_error=exc)])
        for error in result.errors or ():
            if isinstance(error.original_error, (OperationalError, InterfaceError)):
                # The database is gone: a 503 in the client's language (DatabaseUnavailableMiddleware),
                # not the driver's message inside a 200.
                raise error.original_error
        if result.errors:
            result.errors = [mask(request, e) for e in result.errors]
        return result
