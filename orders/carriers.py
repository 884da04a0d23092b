"""Carriers: who takes a delivery fulfilment's parcel across Vietnam, and how the customer follows it.

    Carrier            the interface a backend implements: book(fulfillment, parcel) -> Booking,
                       tracking_url(tracking_number)
    carriers()         the registry, by code, built from settings.ORDER_CARRIERS (dotted paths of
                       callables that return carriers; default: the manual backend only)
    choices()          (code, name) pairs for the staff console's select
    record_shipment()  the SHIPPED hand-over (orders/fulfilment.update_status calls it): checks the
                       carrier and tracking number, books the parcel, keeps the shipment on the fulfilment
    tracking_required(order)
                       a carrier and tracking number are required for a parcel leaving the province;
                       inside it they are optional (the point's staff may deliver it themselves)

The manual backend books nothing: staff hand the parcel to Viettel Post, GHN, GHTK, VNPost/EMS, J&T or
another carrier at its counter, then type the carrier and the tracking number the counter gave them.
The tracking link is built from the carrier's public tracking page where it has one that takes the
number in its address; else there is no link and the customer gets the number to look up.
docs/carriers.md says how a carrier with an API (GHN, GHTK, Viettel Post, VNPost) plugs in.
"""
from __future__ import annotations

import abc
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from orders import delivery, shipping
from orders.errors import OrderErrorCode
from orders.models import DeliveryKind, Fulfillment, Order
from shop.errors import ShopError
from shop.text import clean_text

DEFAULT_BACKENDS = ["orders.carriers.manual_carriers"]
# Letters, digits and . - _ (GHTK numbers look like S1234567.SG01.A1.123456789); spaces typed are dropped.
_TRACKING_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{3,39}")


@dataclass(frozen=True)
class Parcel:
    """What a carrier's API needs to book a parcel; the manual backend only reads `tracking_number`
    (typed by staff). `cod_vnd`: cash the carrier collects for a cash-on-delivery order."""

    order_number: str
    recipient_name: str
    recipient_phone: str
    street: str
    commune_id: int | None
    cod_vnd: int = 0
    tracking_number: str = ""


@dataclass(frozen=True)
class Booking:
    tracking_number: str
    tracking_url: str  # "" when the carrier has no public page that takes the number
    label_pdf: bytes | None = None  # a printable label, for carriers whose API makes one


class Carrier(abc.ABC):
    code: str
    name: str

    @abc.abstractmethod
    def book(self, fulfillment: Fulfillment, parcel: Parcel) -> Booking:
        """Book the parcel (or, for a manual carrier, record what staff typed); ShopError if refused."""

    @abc.abstractmethod
    def tracking_url(self, tracking_number: str) -> str:
        """The customer's page to follow the parcel; "" if there is none."""


class ManualCarrier(Carrier):
    """A carrier staff hand the parcel to over its counter: nothing to call, the number is typed."""

    def __init__(self, code: str, name: str, url_pattern: str = ""):
        self.code, self.name, self.url_pattern = code, name, url_pattern

    def book(self, fulfillment, parcel):
        return Booking(parcel.tracking_number, self.tracking_url(parcel.tracking_number))

    def tracking_url(self, tracking_number):
        if not self.url_pattern or not tracking_number:
            return ""
        return self.url_pattern.format(quote(tracking_number, safe=""))


OTHER = "OTHER"
# Public tracking pages that take the number in their address. Viettel Post's page asks for the
# number in a form (no stable address with it), so it has no link; nor does "another carrier".
MANUAL_CARRIERS = (
    ("VIETTEL_POST", "Viettel Post", ""),
    ("GHN", "GHN (Giao Hàng Nhanh)", "https://donhang.ghn.vn/?order_code={}"),
    ("GHTK", "GHTK (Giao Hàng Tiết Kiệm)", "https://i.ghtk.vn/{}"),
    ("VNPOST", "VNPost / EMS", "https://www.vnpost.vn/vi-vn/dinh-vi/buu-pham?key={}"),
    ("JT", "J&T Express", "https://jtexpress.vn/vi/tracking?type=track&billcode={}"),
    (OTHER, "Khác / Other", ""),
)


def manual_carriers() -> list[Carrier]:
    """The manual backend (ORDER_CARRIERS' default)."""
    return [ManualCarrier(code, name, pattern) for code, name, pattern in MANUAL_CARRIERS]


@lru_cache(maxsize=8)
def _registry(paths: tuple[str, ...]) -> dict[str, Carrier]:
    found: dict[str, Carrier] = {}
    for path in paths:
        for carrier in import_string(path)():
            found.setdefault(carrier.code, carrier)  # the first backend to name a code wins
    return found


def carriers() -> dict[str, Carrier]:
    """Every carrier of the backends in settings.ORDER_CARRIERS, by code."""
    return _registry(tuple(getattr(settings, "ORDER_CARRIERS", None) or DEFAULT_BACKENDS))


def get(code: str) -> Carrier | None:
    return carriers().get(code)


def choices() -> list[tuple[str, str]]:
    return [(c.code, c.name) for c in carriers().values()]


def tracking_required(order: Order) -> bool:
    """A delivery outside the home province goes through a carrier, so the customer must be able to
    follow it; inside the province the point may deliver it itself."""
    if order.delivery_kind != DeliveryKind.DELIVERY or order.ship_commune_id is None:
        return False
    return delivery.province_of(order.ship_commune) != shipping.home_province()


def _clean_number(value: str) -> str:
    return re.sub(r"\s+", "", clean_text(value or ""))


def record_shipment(fulfillment: Fulfillment, order: Order, *, carrier: str = "", tracking_number: str = "",
                    carrier_name: str = "") -> Fulfillment:
    """Keep on `fulfillment` (locked by the caller, going to SHIPPED) who carries its parcel and its
    tracking number and link. `carrier_name`: what staff typed for "another carrier"."""
    code = (carrier or "").strip().upper()
    number = _clean_number(tracking_number)
    if not code and not number:
        if tracking_required(order):
            raise ShopError(
                OrderErrorCode.CARRIER_REQUIRED,
                "Đơn giao ra ngoài tỉnh: hãy chọn đơn vị vận chuyển và nhập mã vận đơn để khách theo dõi.",
                "A parcel leaving the province: choose the carrier and type the tracking number so the customer "
                "can follow it.", field="carrier",
            )
        fulfillment.shipped_at = timezone.now()
        fulfillment.save(update_fields=["shipped_at"])
        return fulfillment
    chosen = get(code)
    if chosen is None:
        raise ShopError(OrderErrorCode.UNKNOWN_CARRIER, "Hãy chọn đơn vị vận chuyển trong danh sách.",
                        "Choose the carrier from the list.", field="carrier")
    if not _TRACKING_RE.fullmatch(number):
        raise ShopError(
            OrderErrorCode.INVALID_TRACKING_NUMBER,
            "Hãy nhập mã vận đơn (4–40 ký tự: chữ, số, dấu . - _) như trên phiếu gửi.",
            "Type the tracking number (4–40 characters: letters, digits, . - _) as on the consignment note.",
            field="trackingNumber",
        )
    parcel = Parcel(
        order_number=order.number or "", recipient_name=order.ship_name, recipient_phone=order.ship_phone,
        street=order.ship_street, commune_id=order.ship_commune_id, tracking_number=number,
        cod_vnd=order.total_vnd - order.paid_vnd if order.payment_method == "CASH_ON_DELIVERY" else 0,
    )
    booking = chosen.book(fulfillment, parcel)
    name = chosen.name
    if chosen.code == OTHER:
        name = clean_text(carrier_name or "")[:80] or name
    fulfillment.carrier, fulfillment.carrier_name = chosen.code, name
    fulfillment.tracking_number, fulfillment.tracking_url = booking.tracking_number, booking.tracking_url
    fulfillment.shipped_at = timezone.now()
    fulfillment.save(update_fields=["carrier", "carrier_name", "tracking_number", "tracking_url", "shipped_at"])
    return fulfillment
