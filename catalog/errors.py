"""Catalogue error codes (see shop.errors). GTIN checks reach the API through
traceability's `batchCreate`; certification (catalog/certification.py) is
admin-only and shows its message, not a code."""
from shop.errors import ErrorCode


class CatalogErrorCode(ErrorCode):
    GTIN_LENGTH = "gtin_length", "A GTIN that is not 8, 12, 13 or 14 digits."
    GTIN_CHECK_DIGIT = "gtin_check_digit", "A GTIN whose GS1 check digit is wrong (a mistyped barcode)."
