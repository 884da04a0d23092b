"""The banks a VietQR transfer can go to: BIN (NAPAS's bank identification number), a short code,
the short name people know and the full name — read from orders/data/banks.json, whose "about"
says where the BINs come from and when to edit it.

No maintained package on the registry carries this list (the one Python package with a bank
table had a single release and no upkeep), so the shop ships it as data.
"""
import functools
import json
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "banks.json"


@dataclass(frozen=True)
class Bank:
    bin: str
    code: str
    short_name: str
    name: str
    formerly: str = ""

    def __str__(self) -> str:
        return f"{self.short_name} — {self.name}"


@functools.cache
def _banks() -> dict[str, Bank]:
    rows = json.loads(DATA.read_text("utf-8"))["banks"]
    return {row["bin"]: Bank(**row) for row in rows}


def banks() -> list[Bank]:
    """Every bank, by short name."""
    return sorted(_banks().values(), key=lambda b: b.short_name.casefold())


def bank(bin_code: str) -> Bank | None:
    return _banks().get(bin_code)


def bank_choices() -> list[tuple[str, str]]:
    """(BIN, "short name — full name") for a model field's choices (a callable, so a change of the
    list needs no migration)."""
    return [(b.bin, str(b)) for b in banks()]
