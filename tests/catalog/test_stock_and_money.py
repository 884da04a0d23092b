import pytest
from django.core.exceptions import ValidationError

from catalog.gtin import make_gtin, validate_gtin
from shop.money import format_vnd


def test_money_is_formatted_the_vietnamese_and_the_english_way():
    assert format_vnd(125000, "vi") == "125.000\xa0₫"
    assert format_vnd(125000, "en") == "₫125,000"
    with pytest.raises(TypeError):
        format_vnd(125000.0, "vi")


def test_gtin_check_digit_and_length():
    body = "952000100001"
    gtin = make_gtin(body)
    assert len(gtin) == 14 and validate_gtin(gtin[1:]) == gtin
    wrong = gtin[:-1] + str((int(gtin[-1]) + 1) % 10)
    with pytest.raises(ValidationError) as exc:
        validate_gtin(wrong)
    assert exc.value.code == "gtin_check_digit"
    with pytest.raises(ValidationError) as exc:
        validate_gtin("12345")
    assert exc.value.code == "gtin_length"
    # A known real-world GTIN-13 (GS1's example) validates.
    assert validate_gtin("4006381333931") == "04006381333931"
