"""Delivery to an address anywhere in Vietnam: the glue between the address (shop.addresses), the
zones and fees (orders.shipping) and who sends the parcel (orders.routing).

    district_of(commune)                   the 2022 district a commune is (or, for a 2025 one, was) in
    address_commune(address)               the commune an address names: its id, or an old
                                           district-era hint converted (addresses.convert_legacy)
    destination(commune)                   Destination: province, home province or not, 2022 district
                                           (home only), zone
    check_destination(destination, lines)  commune_not_served (no zone covers it), cannot_ship_there
                                           (the lines whose products may not travel there, named)
    checkout_quote(checkout, lines, subtotal)
                                           the fee and time of a checkout's delivery (None: pickup)
    routing_destination(commune)           routing.Delivery: by 2022 district inside the province,
                                           out_of_province (with the place named) outside it
    ships_nationwide(point)                whether a sales point is designated to send parcels outside
                                           the province (SHIPPING_NATIONWIDE_POINTS; none: the
                                           provincial centre, routing.senders)
    quote_for_province(province, lines)    shippingQuote: (variant id, quantity) lines -> ProvinceQuote
    travel_notes(lines, province_code)     the cart's note per line that may not go to a province

Each costs a fixed number of queries whatever the number of lines (lines come with their variant
and product).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q

from catalog.models import ProductVariant
from orders import routing, shipping
from orders.errors import CheckoutErrorCode
from orders.models import DeliveryKind, ShippingZone
from shop import addresses
from shop.errors import CommonErrorCode, ShopError, pick
from shop.models import Commune, District, Province

COMMUNE_FIELD = "shippingAddress.communeId"
_DB_INT_MAX = 2**63


def district_of(commune: Commune) -> District | None:
    """The 2022 district a commune belongs (or, for a 2025 commune, belonged) to."""
    if commune.district_id:
        return commune.district
    before = Commune.objects.filter(successor=commune, district__isnull=False).select_related("district").order_by(
        "district__code"
    ).first()
    return before.district if before else None


# -- the address ---------------------------------------------------------------------------------

def _commune_not_found():
    return ShopError(CommonErrorCode.COMMUNE_NOT_FOUND, "Không tìm thấy xã / phường; hãy chọn trong danh sách.",
                     "Unknown commune; choose one from the list.", field=COMMUNE_FIELD)


def _load(commune_id) -> Commune | None:
    if isinstance(commune_id, str) and commune_id.strip().isdigit() and len(commune_id.strip()) < 20:
        commune_id = int(commune_id)
    if not isinstance(commune_id, int) or isinstance(commune_id, bool) or not 0 < commune_id < _DB_INT_MAX:
        return None
    return Commune.objects.select_related("province", "district").filter(pk=commune_id).first()


def legacy_commune(province_code, district_name: str, commune_name: str) -> Commune | None:
    """The 2025 commune of an old, district-era address (None when it cannot be told); with its
    province and district loaded."""
    code = addresses.province_code_of(province_code) or shipping.home_province()
    found = addresses.convert_legacy(code, district_name, commune_name)
    return _load(found.pk) if found is not None else None


def address_commune(address: dict) -> Commune:
    """The commune `address` names: `commune_id` (a commune of either era, any province), else the old
    district-era hint `legacy_district` / `legacy_commune` converted to today's commune. When
    `province` (a GSO code) is given too, the commune must lie in it: the buyer changed the province
    without choosing a commune of it. ShopError commune_not_found otherwise."""
    province = addresses.province_code_of(address.get("province"))
    commune_id = address.get("commune_id")
    if commune_id in (None, ""):
        old_district = (address.get("legacy_district") or "").strip()
        old_commune = (address.get("legacy_commune") or "").strip()
        if not old_commune:
            raise ShopError(CommonErrorCode.COMMUNE_NOT_FOUND, "Hãy chọn xã / phường trong danh sách.",
                            "Choose the commune or ward from the list.", field=COMMUNE_FIELD)
        commune = legacy_commune(province, old_district, old_commune)
        if commune is None:
            old = ", ".join(part for part in (old_commune, old_district) if part)
            raise ShopError(
                CommonErrorCode.COMMUNE_NOT_FOUND,
                f"Không đổi được địa chỉ cũ “{old[:120]}” sang xã / phường hiện nay; hãy chọn xã / phường "
                "trong danh sách (từ 01/07/2025 không còn cấp huyện).",
                f"The old address “{old[:120]}” could not be matched to a commune of today; choose the commune "
                "or ward from the list (districts were abolished on 1 July 2025).",
                field=COMMUNE_FIELD,
            )
        return commune
    commune = _load(commune_id)
    if commune is None:
        raise _commune_not_found()
    if province and province_of(commune) != province:
        chosen = Province.objects.filter(code=province).first()
        name_vi = addresses.province_label(chosen, "vi") if chosen else province
        name_en = addresses.province_label(chosen, "en") if chosen else province
        raise ShopError(
            CommonErrorCode.COMMUNE_NOT_FOUND,
            f"Xã / phường đã chọn không thuộc {name_vi}; hãy chọn lại xã / phường.",
            f"The commune chosen is not in {name_en}; choose the commune or ward again.",
            field=COMMUNE_FIELD,
        )
    return commune


def province_of(commune: Commune) -> str:
    """A commune's province code: its own for a 2025 unit; the home province for a 2022 one (the shop
    keeps only its own province's old communes)."""
    if commune.province_id:
        return commune.province.code
    return shipping.home_province()


# -- where it goes ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Destination:
    commune: Commune
    province_code: str
    home: bool  # in the shop's own province
    district: District | None  # the 2022 district (home province only)
    zone: ShippingZone | None

    def place(self, language: str | None = None) -> str:
        """'thành phố Hà Nội' / 'Ha Noi City' (the province; 'tỉnh Điện Biên' for an old commune)."""
        province = self.commune.province if self.commune.province_id else \
            Province.objects.filter(code=self.province_code).first()
        return addresses.province_label(province, language) if province else self.province_code


def destination(commune: Commune, zones=None) -> Destination:
    code = province_of(commune)
    home = code == shipping.home_province()
    return Destination(commune, code, home, district_of(commune) if home else None,
                       shipping.zone_for(commune, zones))


def commune_not_served() -> ShopError:
    return ShopError(
        CheckoutErrorCode.COMMUNE_NOT_SERVED,
        "Chưa giao hàng tới xã / phường này; hãy chọn nhận tại một điểm bán.",
        "We do not deliver to this commune yet; choose pickup at a sales point.",
        field=COMMUNE_FIELD,
    )


def cannot_ship_there(refusals, place_vi: str, place_en: str, field: str = COMMUNE_FIELD) -> ShopError:
    """The lines that may not go there, each named with why; `error.refusals` keeps them."""
    error = ShopError(
        CheckoutErrorCode.CANNOT_SHIP_THERE,
        f"Không giao được tới {place_vi}: " + " ".join(r.message_vi for r in refusals)
        + " Hãy bỏ sản phẩm đó khỏi giỏ hàng, chọn địa chỉ khác, hoặc nhận tại điểm bán.",
        f"Cannot deliver to {place_en}: " + " ".join(r.message_en for r in refusals)
        + " Remove it from the cart, choose another address, or pick it up at a sales point.",
        field=field,
    )
    error.refusals = list(refusals)
    return error


def _pairs(lines) -> list:
    """Checkout or order lines (with variant and product loaded) -> [(variant, quantity)]."""
    return [(line.variant, line.quantity) for line in lines]


def check_destination(where: Destination, lines, *, field: str = COMMUNE_FIELD) -> None:
    """Refuse a destination no zone covers, or one some of `lines` may not travel to."""
    if where.zone is None:
        raise commune_not_served()
    refusals = [r for r in (_refusal(variant, where.zone) for variant, _q in _pairs(lines)) if r]
    if refusals:
        raise cannot_ship_there(refusals, where.place("vi"), where.place("en"), field=field)


def _refusal(variant, zone) -> shipping.Refusal | None:
    refused = shipping.travel_refusal(variant.product, zone)
    return shipping.Refusal(variant.pk, refused.message_vi, refused.message_en) if refused else None


def checkout_quote(checkout, lines, subtotal_vnd: int) -> shipping.Quote | None:
    """The fee, time and refusals of the checkout's delivery; None for pickup, no address yet, or an
    address no zone covers any more (completion refuses that one)."""
    if checkout.delivery_kind != DeliveryKind.DELIVERY or checkout.ship_commune_id is None:
        return None
    zone = shipping.zone_for(checkout.ship_commune)
    return shipping.quote(zone, _pairs(lines), subtotal_vnd) if zone else None


def check_checkout(checkout, lines) -> None:
    """At completion: the address is still served and every line may still go there (lines may
    have been added after the address was chosen)."""
    if checkout.delivery_kind == DeliveryKind.DELIVERY and checkout.ship_commune_id:
        check_destination(destination(checkout.ship_commune), lines, field="lines")


# -- who sends it ----------------------------------------------------------------------------------

def ships_nationwide(point) -> bool:
    """Whether the province designates `point` (a SalesPoint) to send parcels outside the province
    (settings.SHIPPING_NATIONWIDE_POINTS, by code). With none designated, or none of them open,
    routing.senders falls back to the provincial centre."""
    return point.code in settings.SHIPPING_NATIONWIDE_POINTS


def routing_destination(commune: Commune) -> routing.Delivery:
    """The routing policy's view of an address: inside the province by its 2022 district (the
    centre serves a commune whose district is not known), outside it marked out_of_province."""
    code = province_of(commune)
    if code != shipping.home_province():
        place = commune.province
        return routing.Delivery("", out_of_province=True, place=addresses.province_label(place, "vi"),
                                place_en=addresses.province_label(place, "en"))
    district = district_of(commune)
    if district is None:
        return routing.Delivery("")
    return routing.Delivery(
        district.code,
        float(district.latitude) if district.latitude is not None else None,
        float(district.longitude) if district.longitude is not None else None,
    )


# -- quotes before an address -----------------------------------------------------------------------

@dataclass
class ProvinceQuote:
    """shippingQuote's answer: the zone and quote of a province as a whole, or why there is none."""

    province: Province
    zone: ShippingZone | None
    quote: shipping.Quote | None
    reason_vi: str = ""
    reason_en: str = ""
    refusals: list = field(default_factory=list)

    @property
    def reason(self) -> str:
        return pick(self.reason_vi, self.reason_en)


def _unknown_province(value) -> ShopError:
    return ShopError(
        CommonErrorCode.UNKNOWN_PROVINCE,
        f"Không có tỉnh, thành phố mã “{str(value)[:10]}”; hãy chọn trong danh sách tỉnh, thành phố.",
        f"There is no province with code “{str(value)[:10]}”; choose one from the list of provinces.",
        field="province",
    )


def quote_for_province(province_code, lines) -> ProvinceQuote:
    """The fee and time to a province (its fastest zone: inside the home province the commune's
    district may cost more) for `lines` [(variant_id, quantity)], and the lines that may not go.
    Four queries: the province, the variants with their products, the zones, their rates. The
    lines' caps are checked as checkout checks them."""
    from orders.checkout import _check_units, _parse_lines  # checkout imports this module

    code = addresses.province_code_of(province_code)
    province = Province.objects.filter(code=code).first() if code else None
    if province is None:
        raise _unknown_province(province_code)
    wanted = _parse_lines(list(lines), "lines")
    _check_units(wanted.values())
    ids = [vid for vid in wanted if isinstance(vid, int) and 0 < vid < _DB_INT_MAX]
    variants = {v.pk: v for v in ProductVariant.objects.filter(
        Q(pk__in=ids), is_published=True, product__is_published=True).select_related("product")}
    for i, vid in enumerate(wanted):
        if vid not in variants:
            raise ShopError(CommonErrorCode.VARIANT_NOT_FOUND, "Sản phẩm này không còn bán; hãy bỏ khỏi giỏ hàng.",
                            "This product is no longer on sale; remove it from the cart.", field=f"lines.{i}.variantId")
    pairs = [(variants[vid], quantity) for vid, quantity in wanted.items()]
    zone = shipping.zone_for_province(code)
    if zone is None:
        label_vi, label_en = addresses.province_label(province, "vi"), addresses.province_label(province, "en")
        return ProvinceQuote(province, None, None, f"Chưa giao hàng tới {label_vi}; hãy chọn nhận tại một điểm bán.",
                             f"We do not deliver to {label_en} yet; choose pickup at a sales point.")
    subtotal = sum(int(variant.price_vnd) * quantity for variant, quantity in pairs)
    quote = shipping.quote(zone, pairs, subtotal)
    return ProvinceQuote(province, zone, quote, refusals=quote.refusals)


def travel_notes(lines, province_code: str | None, zones=None) -> dict[int, str]:
    """The cart's notes, by line id: with a province, why a line may not go there; without one,
    where a product that may not travel everywhere can go (lines with variant and product)."""
    zones = zones if zones is not None else list(ShippingZone.objects.prefetch_related("rates"))
    notes = {}
    zone = shipping.zone_for_province(province_code, zones) if province_code else None
    for line in lines:
        product = line.variant.product
        if zone is not None:
            refused = shipping.travel_refusal(product, zone)
            if refused:
                notes[line.pk] = refused.message
        elif product.max_transit_days is not None:
            estimate = shipping.estimate(line.variant, zones)
            notes[line.pk] = estimate.text() if estimate else pick(
                "Sản phẩm này chỉ bán tại điểm bán, không giao tận nơi.",
                "This product is sold at the sales points only, not delivered.")
    return notes
