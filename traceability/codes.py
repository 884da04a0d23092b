"""Trace codes: the only place that signs and verifies them.

Two families of codes reach the resolver:

- GS1 Digital Link paths for variants with a GTIN:
  `/01/{gtin14}` (the product), `/01/{gtin14}/10/{lot}` (a lot),
  `/01/{gtin14}/10/{lot}/21/{serial}` (one package);
- short codes for everything (most small producers have no GTIN): `/q/{code}`,
  where the code is a lot's 8-character short code or a 18-character serial.

Codes are written in Crockford's base 32 (no I, L, O, U: nothing to confuse
when typed from a label), and each carries a keyed signature: the last 3
characters of a lot short code and the last 8 of a serial are an HMAC-SHA256
of the rest. So a forged or mistyped code is told apart from an unknown one
without trusting the database alone. The first key of
`settings.TRACE_SIGNING_KEYS` signs; every key verifies (key rotation).
Comparisons are constant-time (`hmac.compare_digest`).
"""
from __future__ import annotations

import base64
import hmac
import re
import secrets
from dataclasses import dataclass
from hashlib import sha256
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from catalog.gtin import validate_gtin

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32
_TYPO = str.maketrans({"I": "1", "L": "1", "O": "0"})
_FROM_B32 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET)
_VALID = frozenset(ALPHABET)

LOT_BODY, LOT_SIG = 5, 3  # 8 characters: 25 random bits, 15 signature bits
SERIAL_BODY, SERIAL_SIG = 10, 8  # 18 characters: 50 random bits, 40 signature bits
LOT_CODE_LEN = LOT_BODY + LOT_SIG
SERIAL_LEN = SERIAL_BODY + SERIAL_SIG

# Lot codes printed on packages (GS1 AI 10 allows 20 characters).
LOT_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")
MAX_INPUT = 300  # anything longer is not a code of ours


class Kind:
    PRODUCT = "product"  # /01/{gtin}
    LOT = "lot"  # /01/{gtin}/10/{lot}
    SERIAL = "serial"  # /01/{gtin}/10/{lot}/21/{serial}, or /q/{serial}
    SHORT_LOT = "short_lot"  # /q/{short code}
    INVALID = "invalid"


@dataclass(frozen=True)
class Parsed:
    """What a piece of text names. `signature_ok` is None when nothing was signed."""

    kind: str
    gtin: str | None = None
    lot: str | None = None
    serial: str | None = None
    short: str | None = None
    signature_ok: bool | None = None
    error: str = ""  # why the text is not a code, for logs and the 404 page

    @property
    def code(self) -> str:
        """A compact form for the scan log."""
        if self.kind == Kind.SHORT_LOT:
            return self.short or ""
        if self.serial and not self.gtin:
            return self.serial
        parts = [p for p in (self.gtin, self.lot, self.serial) if p]
        return "/".join(parts)[:64]


# -- keys and signatures --------------------------------------------------------------

def _keys() -> list[bytes]:
    keys = [k.encode() if isinstance(k, str) else bytes(k) for k in settings.TRACE_SIGNING_KEYS if k]
    if not keys:
        raise RuntimeError("settings.TRACE_SIGNING_KEYS is empty: set at least one signing key")
    return keys


def _b32(data: bytes) -> str:
    """Bytes in Crockford base 32, most significant bits first."""
    return base64.b32encode(data).decode("ascii").translate(_FROM_B32)


def _mac(key: bytes, purpose: bytes, body: str, length: int) -> str:
    """The first `length` characters (5 bits each, at most 8) of HMAC-SHA256(key, purpose + body)."""
    return _b32(hmac.new(key, purpose + body.encode("ascii"), sha256).digest()[:5])[:length]


def _verify(purpose: bytes, code: str, body_len: int, sig_len: int) -> bool:
    body, sig = code[:body_len], code[body_len:]
    ok = False
    for key in _keys():  # every key, no early exit: the time does not tell which key matched
        ok |= hmac.compare_digest(_mac(key, purpose, body, sig_len), sig)
    return ok


def new_lot_short_code() -> str:
    body = _b32(secrets.token_bytes(5))[:LOT_BODY]
    return body + _mac(_keys()[0], b"lot:", body, LOT_SIG)


def new_serials(count: int, exclude: set[str] | frozenset = frozenset()) -> list[str]:
    """`count` new signed serials, distinct from each other and from `exclude`.
    Made in bulk: one random buffer, and an HMAC state copied per serial."""
    signer = hmac.new(_keys()[0], b"serial:", sha256)
    seen = set(exclude)
    out: list[str] = []
    while len(out) < count:
        need = count - len(out)
        raw = secrets.token_bytes(7 * need)
        for i in range(0, 7 * need, 7):
            body = _b32(raw[i : i + 7])[:SERIAL_BODY]  # 50 random bits
            mac = signer.copy()
            mac.update(body.encode("ascii"))
            serial = body + _b32(mac.digest()[:5])
            if serial not in seen:
                seen.add(serial)
                out.append(serial)
    return out


def verify_serial(serial: str) -> bool:
    return len(serial) == SERIAL_LEN and set(serial) <= _VALID and _verify(b"serial:", serial, SERIAL_BODY, SERIAL_SIG)


def verify_lot_short_code(code: str) -> bool:
    return len(code) == LOT_CODE_LEN and set(code) <= _VALID and _verify(b"lot:", code, LOT_BODY, LOT_SIG)


# -- text forms -----------------------------------------------------------------------

def normalize_short(text: str) -> str:
    """What a person typed -> the canonical code: upper case, no dashes or
    spaces, and the letters Crockford reads as digits (I, L -> 1; O -> 0)."""
    return re.sub(r"[\s-]+", "", text).upper().translate(_TYPO)


def pretty(code: str) -> str:
    """A code grouped for reading aloud: 'ABCD-EFGH', 'ABCDEF-GHJKMN-PQRSTV'."""
    size = 4 if len(code) <= LOT_CODE_LEN else 6
    return "-".join(code[i : i + size] for i in range(0, len(code), size))


def normalize_lot_code(text: str) -> str:
    """A lot code as stored and printed: trimmed, upper case; raises ValidationError."""
    value = (text or "").strip().upper()
    if not LOT_CODE_RE.match(value):
        raise ValidationError(
            "Số lô chỉ gồm chữ cái không dấu, chữ số và dấu gạch ngang, tối đa 20 ký tự.",
            code="lot_code",
        )
    return value


# -- links ----------------------------------------------------------------------------

def _base(base: str | None) -> str:
    return (base if base is not None else settings.SITE_URL).rstrip("/")


def digital_link(gtin: str, lot: str | None = None, serial: str | None = None, base: str | None = None) -> str:
    """The GS1 Digital Link URI on the shop's own domain."""
    path = f"/01/{gtin}"
    if lot:
        path += f"/10/{lot}"
    if serial:  # a serial under its GTIN alone is a valid Digital Link too (/01/{gtin}/21/{serial})
        path += f"/21/{serial}"
    return _base(base) + path


def canonical_path(parsed: Parsed) -> str:
    """The one path a parsed code is known by, percent-encoded ('' when it names
    nothing): the only form of a code that goes into headers and links, whatever
    was typed (lower case, spaces, control characters)."""
    if parsed.kind == Kind.SHORT_LOT:
        path = f"/q/{parsed.short}"
    elif parsed.kind in (Kind.PRODUCT, Kind.LOT, Kind.SERIAL) and parsed.gtin:
        path = digital_link(parsed.gtin, parsed.lot, parsed.serial, base="")
    elif parsed.kind == Kind.SERIAL:
        path = f"/q/{parsed.serial}"
    else:
        return ""
    return quote(path, safe="/")


def short_link(code: str, base: str | None = None) -> str:
    return f"{_base(base)}/q/{code}"


def link_for_batch(batch, base: str | None = None) -> str:
    gtin = batch.variant.gtin
    return digital_link(gtin, batch.lot_code, base=base) if gtin else short_link(batch.short_code, base)


def link_for_serial(batch, serial: str, base: str | None = None) -> str:
    gtin = batch.variant.gtin
    return digital_link(gtin, batch.lot_code, serial, base=base) if gtin else short_link(serial, base)


# -- parsing --------------------------------------------------------------------------

def _invalid(error: str) -> Parsed:
    return Parsed(kind=Kind.INVALID, error=error)


def parse_short(text: str) -> Parsed:
    """A /q/ code (or a code typed from a label)."""
    if not text or len(text) > 64 or not text.isascii():
        return _invalid("not a short code")
    code = normalize_short(text)
    if not code or not set(code) <= _VALID:
        return _invalid("characters outside the code alphabet")
    if len(code) == LOT_CODE_LEN:
        return Parsed(kind=Kind.SHORT_LOT, short=code, signature_ok=verify_lot_short_code(code))
    if len(code) == SERIAL_LEN:
        return Parsed(kind=Kind.SERIAL, serial=code, signature_ok=verify_serial(code))
    return _invalid("wrong length for a short code")


def parse_digital_link(path: str) -> Parsed:
    """'01/{gtin}[/10/{lot}[/21/{serial}]]' (leading slash optional)."""
    parts = path.strip("/").split("/")
    if len(parts) not in (2, 4, 6) or parts[0] != "01" or parts[2:3] not in ([], ["10"]) or parts[4:5] not in ([], ["21"]):
        return _invalid("not a GS1 Digital Link path")
    raw_gtin = parts[1]
    if not raw_gtin.isascii() or not raw_gtin.isdigit() or len(raw_gtin) > 14:
        return _invalid("GTIN must be digits")
    try:
        gtin = validate_gtin(raw_gtin)
    except ValidationError as exc:
        if exc.code == "gtin_check_digit":  # a well-formed GTIN with a wrong check digit cannot be genuine
            return Parsed(kind=Kind.INVALID, gtin=raw_gtin, signature_ok=False, error="bad_check_digit")
        return _invalid(exc.messages[0])
    if len(parts) == 2:
        return Parsed(kind=Kind.PRODUCT, gtin=gtin)
    lot = parts[3]
    if not lot.isascii() or not LOT_CODE_RE.match(lot.upper()):
        return _invalid("malformed lot")
    lot = lot.upper()
    if len(parts) == 4:
        return Parsed(kind=Kind.LOT, gtin=gtin, lot=lot)
    raw_serial = parts[5]
    if not raw_serial.isascii() or len(raw_serial) > 20:
        return _invalid("malformed serial")
    serial = normalize_short(raw_serial)
    if not serial or not set(serial) <= _VALID:  # not a serial of ours, whatever its signature
        return _invalid("malformed serial")
    return Parsed(kind=Kind.SERIAL, gtin=gtin, lot=lot, serial=serial, signature_ok=verify_serial(serial))


def parse(text: str) -> Parsed:
    """Anything a client may hand the `trace` query: a full URL, a Digital
    Link or /q/ path, or a bare short code."""
    text = (text or "").strip()
    if not text or len(text) > MAX_INPUT:
        return _invalid("empty or too long")
    if not text.isascii():
        return _invalid("non-ASCII input")
    if "://" in text:
        try:
            text = urlsplit(text).path
        except ValueError:
            return _invalid("malformed URL")
    path = text.strip("/")
    if path.startswith("01/"):
        return parse_digital_link(path)
    if path.startswith("q/"):
        return parse_short(path[2:])
    if "/" in path:
        return _invalid("unknown path")
    return parse_short(path)
