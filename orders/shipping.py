"""Delivery fees and times across Vietnam: zones × weight brackets (orders.ShippingZone, edited by
province officers in the admin), the free-delivery threshold, and where a product may travel.

- A 2025 commune's zone: a special zone (đặc khu: islands) is REMOTE; in the home province, the
  sub-zone of its 2022 district; elsewhere the region whose province list holds its province.
- A parcel weighs the sum of its variants' packed weights (a variant without one counts
  SHIPPING_DEFAULT_GRAMS); the fee is the first bracket it fits, or the last one plus the zone's
  fee per started kilogram beyond it; free from SHIPPING_FREE_OVER_VND of goods.
- A product may travel anywhere (max_transit_days empty), only within the home province (0), or
  only where the zone's slowest time is within its days (fresh fruit).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.conf import settings

from catalog.models import Product, ProductVariant
from orders.models import ShippingRate, ShippingZone
from shop.errors import pick
from shop.models import Commune


@dataclass(frozen=True)
class Refusal:
    """A line that cannot go to this destination, and why, in both languages."""

    variant_id: int
    message_vi: str
    message_en: str

    @property
    def message(self) -> str:
        return pick(self.message_vi, self.message_en)


@dataclass(frozen=True)
class Quote:
    zone: ShippingZone
    fee_vnd: int
    days_min: int
    days_max: int
    grams: int
    free: bool
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def deliverable(self) -> bool:
        return not self.refusals


def home_province() -> str:
    return settings.SHIPPING_HOME_PROVINCE


def _zones() -> list[ShippingZone]:
    """Every zone, in its order, each with its rates: one query (the zones LEFT JOIN their rates)
    where `prefetch_related("rates")` took two; a product page and each delivery quote ask."""
    zone_fields = [f.attname for f in ShippingZone._meta.concrete_fields]
    rate_fields = [f.attname for f in ShippingRate._meta.concrete_fields]
    rows = (
        ShippingZone.objects.order_by("position", "code", "rates__up_to_grams", "rates__pk")
        .values_list(*zone_fields, *(f"rates__{f}" for f in rate_fields))
    )
    db, width = ShippingZone.objects.db, len(zone_fields)
    zones: dict[int, ShippingZone] = {}
    rates: dict[int, list[ShippingRate]] = {}
    for row in rows:
        zone = zones.get(row[0])
        if zone is None:
            zone = zones[row[0]] = ShippingZone.from_db(db, zone_fields, row[:width])
            rates[zone.pk] = []
        if row[width] is not None:
            rate = ShippingRate.from_db(db, rate_fields, row[width:])
            rate.zone = zone
            rates[zone.pk].append(rate)
    for zone in zones.values():
        # As prefetch_related leaves them: zone.rates.all() answers from these, with no query.
        kept = zone.rates.all()
        kept._result_cache, kept._prefetch_done = rates[zone.pk], True
        zone._prefetched_objects_cache = {"rates": kept}
    return list(zones.values())


def zone_for(commune: Commune, zones: list[ShippingZone] | None = None) -> ShippingZone | None:
    """The zone a parcel to `commune` (of either era) travels in, or None when no zone covers it."""
    zones = zones if zones is not None else _zones()
    if commune.kind == Commune.Kind.SPECIAL_ZONE:
        return next((z for z in zones if z.kind == ShippingZone.Kind.REMOTE), None)
    province = commune.province.code if commune.province_id else None
    if province is None and (commune.era == Commune.Era.Y2022 or commune.district_id):
        province = home_province()  # the 2022 communes kept are the home province's
    if province == home_province():
        from orders.delivery import district_of  # the 2022 district rule lives with delivery's routing glue

        district = district_of(commune)
        home = [z for z in zones if z.kind == ShippingZone.Kind.HOME]
        exact = next((z for z in home if district and district.code in z.district_codes), None)
        return exact or max(home, key=lambda z: (z.days_max, z.position), default=None)
    return zone_for_province(province, zones)


def zone_for_province(province_code: str | None, zones: list[ShippingZone] | None = None) -> ShippingZone | None:
    """The zone of a province as a whole (an estimate before the commune is known)."""
    zones = zones if zones is not None else _zones()
    if province_code == home_province():
        home = [z for z in zones if z.kind == ShippingZone.Kind.HOME]
        return min(home, key=lambda z: (z.days_max, z.position), default=None)
    return next((z for z in zones if province_code in (z.province_codes or [])), None)


def parcel_grams(lines) -> int:
    """lines: [(variant, quantity)]."""
    default = settings.SHIPPING_DEFAULT_GRAMS
    return sum((variant.weight_grams or default) * quantity for variant, quantity in lines)


def fee_for(zone: ShippingZone, grams: int) -> int:
    rates = sorted(zone.rates.all(), key=lambda r: r.up_to_grams)
    if not rates:
        return 0
    for rate in rates:
        if grams <= rate.up_to_grams:
            return rate.fee_vnd
    last = rates[-1]
    return last.fee_vnd + math.ceil((grams - last.up_to_grams) / 1000) * zone.extra_per_kg_vnd


def travel_refusal(product: Product, zone: ShippingZone) -> Refusal | None:
    """Why `product` may not travel to `zone` (None when it may)."""
    limit = product.max_transit_days
    if limit is None:
        return None
    if limit == 0:
        if zone.kind == ShippingZone.Kind.HOME:
            return None
        return Refusal(0, f"{product.name} chỉ giao trong tỉnh Điện Biên (hàng tươi).",
                       f"{product.name_en or product.name} is delivered within Điện Biên province only (fresh produce).")
    if zone.days_max > limit:
        return Refusal(0, f"{product.name} chỉ chịu được {limit} ngày vận chuyển; tới {zone.name} mất tới {zone.days_max} ngày.",
                       f"{product.name_en or product.name} keeps for {limit} days in transit; {zone.name_en} takes up "
                       f"to {zone.days_max} days.")
    return None


def quote(zone: ShippingZone, lines, subtotal_vnd: int) -> Quote:
    """The fee and time of a parcel of `lines` [(variant, quantity)] to `zone`, and the lines that may not go."""
    grams = parcel_grams(lines)
    refusals = []
    for variant, _quantity in lines:
        refused = travel_refusal(variant.product, zone)
        if refused:
            refusals.append(Refusal(variant.pk, refused.message_vi, refused.message_en))
    threshold = settings.SHIPPING_FREE_OVER_VND
    free = bool(threshold) and subtotal_vnd >= threshold
    return Quote(zone, 0 if free else fee_for(zone, grams), zone.days_min, zone.days_max, grams, free, refusals)


def quote_for_province(province_code: str, lines, subtotal_vnd: int) -> Quote | None:
    zone = zone_for_province(province_code)
    return quote(zone, lines, subtotal_vnd) if zone else None


@dataclass(frozen=True)
class Estimate:
    """What the product page says before any address: how far it goes, how fast, from what fee."""

    nationwide: bool  # False: within the home province only (or within its days)
    days_min: int
    days_max: int
    fee_from_vnd: int
    reachable: list[ShippingZone]

    def text(self, language: str | None = None) -> str:
        from shop.money import format_vnd

        fee = format_vnd(self.fee_from_vnd, language)
        days = f"{self.days_min}–{self.days_max}"
        if self.nationwide:
            return pick(f"Giao toàn quốc {days} ngày, từ {fee}", f"Delivery across Vietnam in {days} days, from {fee}",
                        language)
        names = ", ".join(pick(z.name, z.name_en, language) for z in self.reachable)
        return pick(f"Chỉ giao tới: {names} ({days} ngày, từ {fee})", f"Delivered only to: {names} ({days} days, from {fee})",
                    language)


def estimate(variant: ProductVariant, zones: list[ShippingZone] | None = None) -> Estimate | None:
    """None when the product goes nowhere; a nationwide estimate counts the regions (not the home
    province, which is faster, nor the islands, which are slower: the page names those apart)."""
    zones = zones if zones is not None else _zones()
    reachable = [z for z in zones if travel_refusal(variant.product, z) is None]
    if not reachable:
        return None
    nationwide = len(reachable) == len(zones)
    shown = [z for z in reachable if z.kind not in (ShippingZone.Kind.HOME, ShippingZone.Kind.REMOTE)] if nationwide \
        else reachable
    shown = shown or reachable
    grams = variant.weight_grams or settings.SHIPPING_DEFAULT_GRAMS
    return Estimate(nationwide=nationwide, days_min=min(z.days_min for z in shown), days_max=max(z.days_max for z in shown),
                    fee_from_vnd=min(fee_for(z, grams) for z in shown), reachable=reachable)
