"""print_labels --list: where the lot codes to print come from (issue 15, item 18)."""
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from traceability import services


def _list(*args) -> str:
    out = io.StringIO()
    call_command("print_labels", "--list", *args, stdout=out)
    return out.getvalue()


def test_list_shows_each_lot_with_product_gtin_quantity_and_serials(lot_factory):
    first = lot_factory(quantity=120)
    second = lot_factory(quantity=40)
    services.mint_serials(batch=second, count=3)
    lines = _list().splitlines()
    assert lines[0].split()[:5] == ["LOT", "GTIN", "QTY", "SERIALS", "STATUS"]
    row = next(line for line in lines if line.startswith(second.lot_code))
    assert second.variant.gtin in row and " 40 " in row and " 3 " in row and second.variant.product.name in row
    row = next(line for line in lines if line.startswith(first.lot_code))
    assert " 120 " in row and " 0 " in row
    assert "2 lot(s)" in lines[-1] and "--batch LOT" in lines[-1]


def test_list_narrows_by_gtin(lot_factory):
    first, second = lot_factory(), lot_factory()
    text = _list("--gtin", second.variant.gtin)
    assert second.lot_code in text and first.lot_code not in text


def test_list_without_lots_says_where_to_make_one(db):
    assert "No lots yet" in _list()


def test_printing_without_a_lot_points_at_list(db):
    with pytest.raises(CommandError, match="--list"):
        call_command("print_labels", "--out", "x.pdf")
