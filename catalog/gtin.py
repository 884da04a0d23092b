"""GTIN validation (GS1 General Specifications, section 7.9)."""
from django.core.exceptions import ValidationError

from catalog.errors import CatalogErrorCode

GTIN_LENGTHS = (8, 12, 13, 14)


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for the digits before it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def is_valid_gtin(value: str) -> bool:
    return value.isdigit() and len(value) in GTIN_LENGTHS and check_digit(value[:-1]) == int(value[-1])


def validate_gtin(value: str) -> str:
    """Return the GTIN as 14 digits (GTIN-14, the Digital Link form), or raise."""
    value = (value or "").strip().replace(" ", "")
    if not value.isdigit() or len(value) not in GTIN_LENGTHS:
        raise ValidationError(
            "GTIN phải gồm 8, 12, 13 hoặc 14 chữ số.", code=CatalogErrorCode.GTIN_LENGTH
        )
    if check_digit(value[:-1]) != int(value[-1]):
        raise ValidationError(
            "Số kiểm tra của GTIN không đúng; hãy đối chiếu lại mã in trên bao bì.", code=CatalogErrorCode.GTIN_CHECK_DIGIT
        )
    return value.zfill(14)


def make_gtin(body: str) -> str:
    """Append the check digit to a 12- or 13-digit body (demo GTINs under prefix 952)."""
    return (body + str(check_digit(body))).zfill(14)
