"""VietQR bank transfers: the payload of a dynamic VietQR code, its image, and which account
receives the money.

The payload is NAPAS's VietQR format for a NAPAS 247 transfer to an account: an EMVCo
merchant-presented QR code, a string of data objects each written ID (2 digits), length
(2 digits) and value, in this order —

    00 payload format indicator   "01"
    01 point of initiation        "12": dynamic, one use, one amount ("11" would be static)
    38 merchant account information (NAPAS's template)
       00 GUID                    "A000000727" (NAPAS)
       01 beneficiary organisation
          00 acquirer id          the receiving bank's BIN (6 digits, orders/data/banks.json)
          01 merchant id          the account number
       02 service code            "QRIBFTTA": inter-bank fund transfer 24/7 to an account
    53 currency                   "704" (VND, ISO 4217)
    54 amount                     whole đồng, no decimals
    58 country                    "VN"
    62 additional data
       08 purpose of transaction  the transfer content: the order code
    63 CRC                        CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) of the whole
                                  payload up to and including "6304", 4 uppercase hex digits

The transfer content is what the buyer's bank puts in the statement line that a bank feed
sends back, so it must survive every bank app unchanged: uppercase ASCII letters and digits
only (no spaces, no punctuation, no diacritics), at most 25 characters (EMVCo's limit for a
sub-field of 62). With the shop's order numbers (DB000123) the content is the order number.

The whole payload then uses only characters of the QR alphanumeric mode, so the symbol
stays small; error correction M (15 %) with the standard 4-module quiet zone, which is what
screens and phone cameras need — a QR on a screen is not smudged like a printed label.
"""
import io
import re
from dataclasses import dataclass

import segno
from django.db.models import F, Q

from orders import banks
from orders.errors import PaymentErrorCode
from shop.errors import ShopError
from shop.money import format_vnd
from shop.text import fold

PAYLOAD_FORMAT = "01"
DYNAMIC = "12"
NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY = "VN"

# NAPAS 247's limit for one transfer (500 million đồng); above it no bank app will send.
MAX_AMOUNT_VND = 500_000_000
MAX_CONTENT = 25
MAX_ACCOUNT = 19

QR_ERROR = "m"
QUIET_ZONE = 4

_BIN = re.compile(r"[0-9]{6}")
_ACCOUNT = re.compile(r"[0-9A-Z]{1,19}")
_CONTENT = re.compile(r"[0-9A-Z]{1,25}")


# -- checksum and data objects ---------------------------------------------------------------
def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def _tlv(tag: str, value: str) -> str:
    assert len(tag) == 2 and 0 < len(value) <= 99, (tag, value)
    return f"{tag}{len(value):02d}{value}"


# -- input checks ------------------------------------------------------------------------------
def check_bin(bin_code) -> str:
    value = bin_code.strip() if isinstance(bin_code, str) else ""
    if not _BIN.fullmatch(value):
        raise ShopError(
            PaymentErrorCode.VIETQR_BAD_BIN, f"Mã BIN ngân hàng phải gồm đúng 6 chữ số (nhận được “{bin_code}”).",
            f"The bank's BIN must be exactly 6 digits (got “{bin_code}”).", field="bank_bin",
        )
    return value


def check_account_number(account_number) -> str:
    """Digits and letters (some banks give named accounts), at most 19; spaces and dashes people
    type between groups are dropped, letters are made uppercase."""
    value = re.sub(r"[\s.-]", "", account_number).upper() if isinstance(account_number, str) else ""
    if not _ACCOUNT.fullmatch(value):
        raise ShopError(
            PaymentErrorCode.VIETQR_BAD_ACCOUNT,
            f"Số tài khoản chỉ gồm chữ số và chữ cái không dấu, tối đa {MAX_ACCOUNT} ký tự (nhận được “{account_number}”).",
            f"The account number is digits and plain letters only, at most {MAX_ACCOUNT} characters "
            f"(got “{account_number}”).", field="account_number",
        )
    return value


def check_amount(amount_vnd) -> int:
    if isinstance(amount_vnd, bool) or not isinstance(amount_vnd, int) or not 1 <= amount_vnd <= MAX_AMOUNT_VND:
        raise ShopError(
            PaymentErrorCode.VIETQR_BAD_AMOUNT,
            f"Số tiền chuyển khoản phải là số đồng nguyên từ 1 ₫ đến {format_vnd(MAX_AMOUNT_VND, 'vi')} "
            f"(nhận được {amount_vnd!r}).",
            f"A transfer amount is a whole number of đồng from ₫1 to {format_vnd(MAX_AMOUNT_VND, 'en')} "
            f"(got {amount_vnd!r}).", field="amount",
        )
    return amount_vnd


def check_content(content) -> str:
    value = content if isinstance(content, str) else ""
    if not _CONTENT.fullmatch(value):
        raise ShopError(
            PaymentErrorCode.VIETQR_BAD_CONTENT,
            f"Nội dung chuyển khoản chỉ gồm chữ in hoa không dấu và chữ số, 1–{MAX_CONTENT} ký tự (nhận được “{content}”).",
            f"The transfer content is uppercase plain letters and digits only, 1–{MAX_CONTENT} characters "
            f"(got “{content}”).", field="content",
        )
    return value


def transfer_content(order_number: str) -> str:
    """The transfer content for an order: its number with diacritics, spaces and punctuation
    removed, in uppercase ('DB000123' stays 'DB000123'; 'db-000123' becomes 'DB000123')."""
    return check_content(re.sub(r"[^0-9A-Z]", "", fold(order_number or "").upper()))


def account_name_as_printed(name: str) -> str:
    """A holder's name as banks print it: no diacritics, uppercase, single spaces
    ('Trung tâm Xúc tiến Điện Biên' -> 'TRUNG TAM XUC TIEN DIEN BIEN')."""
    value = " ".join(re.sub(r"[^0-9A-Z .,&()/-]", " ", fold(name or "").upper()).split())
    if not value:
        raise ShopError(
            PaymentErrorCode.VIETQR_BAD_ACCOUNT_NAME, "Hãy nhập tên chủ tài khoản như ngân hàng in (chữ không dấu).",
            "Enter the account holder's name as the bank prints it (plain letters).", field="account_name",
        )
    return value


# -- the payload and its image -------------------------------------------------------------------
def payload(*, bank_bin: str, account_number: str, amount_vnd: int, content: str) -> str:
    """The VietQR string for a one-time transfer of `amount_vnd` to the account, with `content`
    (see transfer_content) as the transfer's purpose. Raises ShopError on a bad input."""
    beneficiary = _tlv("00", check_bin(bank_bin)) + _tlv("01", check_account_number(account_number))
    merchant = _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_TO_ACCOUNT)
    body = (
        _tlv("00", PAYLOAD_FORMAT)
        + _tlv("01", DYNAMIC)
        + _tlv("38", merchant)
        + _tlv("53", CURRENCY_VND)
        + _tlv("54", str(check_amount(amount_vnd)))
        + _tlv("58", COUNTRY)
        + _tlv("62", _tlv("08", check_content(content)))
        + "6304"
    )
    return body + f"{crc16(body.encode('ascii')):04X}"


def qr_code(data: str) -> segno.QRCode:
    # boost_error=False keeps level M, so the symbol's size depends only on the payload.
    return segno.make_qr(data, error=QR_ERROR, boost_error=False)


def svg(data: str, *, scale: int = 6, title: str | None = None) -> str:
    """An inline <svg> element (no XML declaration) for an HTML page."""
    return qr_code(data).svg_inline(scale=scale, border=QUIET_ZONE, title=title, dark="#000", light="#fff")


def png(data: str, *, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    qr_code(data).save(buffer, kind="png", scale=scale, border=QUIET_ZONE)
    return buffer.getvalue()


# -- what the buyer sees ---------------------------------------------------------------------
@dataclass(frozen=True)
class Transfer:
    """Everything the order page shows for a transfer: the QR's payload and the same facts as text."""

    bank: banks.Bank
    account_number: str
    account_name: str
    amount_vnd: int
    content: str
    payload: str

    def svg(self, *, scale: int = 6, title: str | None = None) -> str:
        return svg(self.payload, scale=scale, title=title)

    def png(self, *, scale: int = 8) -> bytes:
        return png(self.payload, scale=scale)


def transfer_for(account, *, amount_vnd: int, order_number: str) -> Transfer:
    """The transfer of `amount_vnd` for order `order_number` into `account` (a PaymentAccount)."""
    bank = banks.bank(account.bank_bin)
    if bank is None:
        raise ShopError(
            PaymentErrorCode.VIETQR_UNKNOWN_BANK,
            f"Ngân hàng có mã BIN {account.bank_bin} không còn trong danh sách NAPAS; quản trị tỉnh cần sửa tài khoản nhận tiền.",
            f"The bank with BIN {account.bank_bin} is no longer on NAPAS's list; the province admin must fix "
            f"the receiving account.",
        )
    content = transfer_content(order_number)
    data = payload(bank_bin=account.bank_bin, account_number=account.account_number, amount_vnd=amount_vnd,
                   content=content)
    return Transfer(bank=bank, account_number=check_account_number(account.account_number),
                    account_name=account.account_name, amount_vnd=amount_vnd, content=content, payload=data)


# -- which account receives the money -----------------------------------------------------------
def account_for(point_id: int | None):
    """The active receiving account of sales point `point_id`, else the province's active default
    account; None when there is neither (then transfer is not offered). One query."""
    from orders.models import PaymentAccount

    accounts = PaymentAccount.objects.filter(is_active=True)
    if point_id is None:
        return accounts.filter(sales_point__isnull=True).first()
    return (accounts.filter(Q(sales_point_id=point_id) | Q(sales_point__isnull=True))
            .order_by(F("sales_point_id").asc(nulls_last=True)).first())


def account_for_points(point_ids):
    """The account for an order served by `point_ids`: the point's own when one point serves it
    all, the province's default when several do (one transfer, one account). One query."""
    distinct = set(point_ids)
    return account_for(distinct.pop() if len(distinct) == 1 else None)


def require_account(point_id: int | None):
    account = account_for(point_id)
    if account is None:
        raise ShopError(
            PaymentErrorCode.VIETQR_NO_ACCOUNT, "Chưa có tài khoản nhận chuyển khoản; hãy chọn cách thanh toán khác.",
            "No account receives bank transfers yet; choose another way to pay.", field="payment_method",
        )
    return account


# -- reading the content back from a bank feed ------------------------------------------------
def order_codes_in(text: str, prefix: str | None = None) -> list[str]:
    """The order codes (transfer contents as transfer_content makes them) found in a bank
    statement line, in order, once each. Banks add their own words around the content
    ('MBVCB.3412.DB000123.CT tu 0123 ...', 'DB000123 FT25091...'), sometimes lowercase it or
    glue it to other text, so the code is looked for, not compared."""
    from django.conf import settings

    head = re.sub(r"[^0-9A-Z]", "", fold(prefix if prefix is not None else settings.ORDER_NUMBER_PREFIX).upper())
    # Bank feeds may drop separators inside the code ('DB 000123', 'DB-000123'): allow them there.
    pattern = re.compile(rf"{re.escape(head)}[ .\-]?([0-9]{{6,{MAX_CONTENT - len(head)}}})(?![0-9])")
    found = [head + digits for digits in pattern.findall(fold(text or "").upper())]
    return list(dict.fromkeys(found))
