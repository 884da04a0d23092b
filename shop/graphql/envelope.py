"""Checks of a request's JSON variables before GraphQL sees them: how deeply
they nest, integers past the database's 64-bit range and, for mutations
(which store text), NUL characters that PostgreSQL text cannot hold. A
query may carry NUL: search ignores it and a lookup finds nothing.
Iterative, so hostile nesting cannot exhaust the stack."""
from django.conf import settings

BIGINT_MAX = 2**63 - 1
NUL_REFUSAL = ("nul_character", "Văn bản gửi lên chứa ký tự NUL (\\u0000); hãy bỏ ký tự đó.",
               "The request contains a NUL character (\\u0000); remove it.")


def check_variables(variables, *, refuse_nul: bool = False) -> tuple[str, str, str] | None:
    """(code, message_vi, message_en) of the first problem, or None."""
    limit = settings.GRAPHQL_MAX_INPUT_DEPTH
    stack = [(variables, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return ("input_too_deep", f"Biến (variables) lồng quá sâu (tối đa {limit} cấp).",
                    f"`variables` is nested too deeply (at most {limit} levels).")
        if isinstance(value, dict):
            stack.extend((k, depth + 1) for k in value)
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, str):
            if refuse_nul and "\x00" in value:
                return NUL_REFUSAL
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > BIGINT_MAX:
            return ("number_out_of_range", "Một số trong biến (variables) quá lớn; hãy kiểm tra lại.",
                    "A number in `variables` is too large; check it.")
    return None
