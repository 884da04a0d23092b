"""Reads behind the delivery address of the checkout page and the delivery notes of the cart.

No rule is decided here: what may be delivered where, and for what fee, is orders.delivery and
orders.shipping; the address units are shop.addresses.

    address_picker(request, checkout, form)  AddressPicker: the provinces, the chosen province's
                                             communes (all, or those a search finds), the commune
                                             selected; remembers the province for the cart
    cart_delivery(request, checkout, lines)  CartDelivery: the province picker, the fee and time to
                                             the chosen province, and a note per line that may not go

The province the buyer chose (on the checkout page or the cart) is kept in the session, so the
cart speaks of it even when the address was refused. Each function costs a fixed number of
queries whatever the number of lines or communes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from orders import delivery, shipping
from orders.models import ShippingZone
from shop import addresses
from shop.errors import ShopError, pick
from shop.models import Commune, Province, search_key
from shop.money import format_vnd
from storefront import presenters

SESSION_PROVINCE = "ship_province"
FIND = "find"  # the checkout form's buttons that show a province's communes, saving nothing

KIND_GROUPS = (
    (Commune.Kind.WARD, "Phường", "Wards"),
    (Commune.Kind.COMMUNE, "Xã", "Communes"),
    (Commune.Kind.TOWNSHIP, "Thị trấn", "Townships"),
    (Commune.Kind.SPECIAL_ZONE, "Đặc khu", "Special zones"),
)


def province_label(province: Province) -> str:
    """'Hà Nội', 'Điện Biên' / 'Ha Noi', 'Dien Bien' (for a list of provinces)."""
    return pick(province.short_name, province.name_en.removesuffix(" City"))


def province_options(rows=None) -> list[tuple[str, str]]:
    """(code, label) of the 34 provinces: the shop's own first, then alphabetically without diacritics."""
    rows = rows if rows is not None else addresses.provinces()
    home = shipping.home_province()
    ordered = sorted(rows, key=lambda p: (p.code != home, search_key(p.short_name)))
    return [(p.code, province_label(p)) for p in ordered]


def query_initial(request) -> dict:
    """`?province=01&q=hoan kiem` on the checkout page: the province and the search (the picker's
    fallback without JavaScript, and a link that opens the page on a province)."""
    initial = {}
    code = addresses.province_code_of(request.GET.get("province"))
    if code:
        initial["ship_province"] = code
    if request.GET.get("q"):
        initial["q"] = request.GET["q"][: addresses.MAX_SEARCH_CHARS]
    return initial


def remembered_province(request, checkout=None) -> str | None:
    """The province the buyer last chose, else the one of the checkout's saved address."""
    code = addresses.province_code_of(request.session.get(SESSION_PROVINCE))
    if code:
        return code
    commune = getattr(checkout, "ship_commune", None) if checkout is not None and checkout.ship_commune_id else None
    return delivery.province_of(commune) if commune is not None else None


def remember_province(request, code: str | None) -> None:
    if code and request.session.get(SESSION_PROVINCE) != code:
        request.session[SESSION_PROVINCE] = code


# -- the checkout's address -------------------------------------------------------------------------

@dataclass
class AddressPicker:
    provinces: list  # (code, label)
    province: Province | None
    groups: list  # (label, [(id, label)])
    selected: int | None
    search: str = ""
    note: str = ""  # a search that found nothing, an old address converted or not

    @property
    def province_code(self) -> str:
        return self.province.code if self.province else ""


def _value(form, name) -> str:
    value = form[name].value()
    return "" if value is None else str(value).strip()


def _option(commune: Commune) -> tuple[int, str]:
    label = commune.name
    if commune.era == Commune.Era.Y2022:
        label = pick(f"{presenters.commune_name(commune)} (trước 01/07/2025)",
                     f"{presenters.commune_name(commune)} (before 1 July 2025)")
    return commune.pk, label


@dataclass
class _Past:
    """What the shop knows of a 2025 commune's past (its 2022 communes, `successor` links)."""

    district: object = None  # the 2022 district it lies in, when its old communes tell
    old_names: list = field(default_factory=list)  # the 2022 communes merged into it, when named otherwise


def _pasts(province_code: str, communes) -> dict[int, _Past]:
    """{2025 commune id: _Past} from the province's 2022 communes (one query; none outside the
    provinces whose 2022 communes the shop holds, i.e. Điện Biên). The district is that of the
    communes merged into it, else of a 2022 namesake that went nowhere else, else the district
    it is named after (Phường Mường Lay: the former Mường Lay town)."""
    if not communes:
        return {}
    old = list(Commune.objects.filter(era=Commune.Era.Y2022, district__province_code=province_code)
               .select_related("district").order_by("name", "pk"))
    if not old:
        return {}
    merged: dict[int, list] = {}
    namesakes: dict[str, list] = {}
    for row in old:
        if row.successor_id:
            merged.setdefault(row.successor_id, []).append(row)
        namesakes.setdefault(row.folded_name or search_key(row.name), []).append(row)
    seats = {search_key(row.district.short_name): row.district for row in old}
    pasts = {}
    for commune in communes:
        before = merged.get(commune.pk, [])
        district = None
        if before:
            districts = [row.district for row in before]
            district = max(districts, key=lambda d: (districts.count(d), -int(d.pk)))
        else:
            same = [row for row in namesakes.get(commune.folded_name or search_key(commune.name), [])
                    if row.successor_id in (None, commune.pk)]
            district = same[0].district if len({row.district_id for row in same}) == 1 else None
            if district is None:
                district = seats.get(commune.folded_name or search_key(commune.name))
        names = sorted({row.name for row in before}, key=search_key)
        pasts[commune.pk] = _Past(district, names if names and names != [commune.name] else [])
    return pasts


def _labelled(commune: Commune, past: _Past | None) -> tuple[int, str]:
    """'Xã Thanh An (trước đây: Sam Mứn, Thanh An)': the kind tells a ward from a commune of the
    same name; the old names are a hint for who remembers them."""
    label = pick(f"{addresses.KIND_VI.get(commune.kind, '')} {commune.name}".strip(), presenters.commune_name(commune))
    if past is not None and past.old_names:
        old = ", ".join(past.old_names)
        label += pick(f" (trước đây: {old})", f" (formerly {old})")
    return commune.pk, label


def _groups(communes, searched: str, pasts: dict | None = None) -> list:
    """By old district (2022) where the shop knows them (Điện Biên), else by kind; a search's
    results in the same groups, so two units of the same name stay told apart."""
    pasts = pasts or {}
    suffix = pick(f" — khớp “{searched}”", f" — matching “{searched}”") if searched else ""
    if pasts and any(p.district is not None for p in pasts.values()):
        by_district: dict = {}
        for commune in communes:
            past = pasts.get(commune.pk)
            district = past.district if past else None
            by_district.setdefault(district, []).append(_labelled(commune, past))
        known = sorted((d for d in by_district if d is not None), key=lambda d: search_key(d.short_name))
        groups = [(pick(f"{d.name} (cũ)", f"Former {d.name_en or addresses.plain(d.name)}") + suffix, by_district[d])
                  for d in known]
        if None in by_district:
            groups.append((pick("Xã, phường khác (chưa ghi huyện cũ)", "Other communes and wards (former district not recorded)") + suffix,
                           by_district[None]))
        return groups
    groups = []
    for kind, vi, en in KIND_GROUPS:
        options = [_option(c) for c in communes if c.kind == kind]
        if options:
            groups.append((pick(vi, en) + suffix, options))
    return groups


def address_picker(request, checkout, form) -> AddressPicker:
    """The province (the form's, else the selected commune's, else the one remembered), its 2025
    communes grouped by kind (or those `q` finds, without diacritics), and the commune selected —
    an old district-era address converted when nothing is selected. Four queries at most."""
    rows = addresses.provinces()
    by_code = {p.code: p for p in rows}
    code = addresses.province_code_of(_value(form, "ship_province"))
    province = by_code.get(code) if code else None
    selected_id = _value(form, "ship_commune")
    selected = Commune.objects.select_related("province", "district").filter(pk=int(selected_id)).first() \
        if selected_id.isdigit() and len(selected_id) < 19 else None
    note = ""
    old_commune = _value(form, "legacy_commune")
    if selected is None and old_commune:
        old_district = _value(form, "legacy_district")
        selected = delivery.legacy_commune(code or shipping.home_province(), old_district, old_commune)
        old = ", ".join(part for part in (old_commune, old_district) if part)
        if selected is not None:
            note = pick(f"Địa chỉ cũ “{old}” nay là {addresses.commune_label(selected, 'vi')}.",
                        f"The old address “{old}” is now {addresses.commune_label(selected, 'en')}.")
        else:
            note = pick(f"Không đổi được địa chỉ cũ “{old}” sang xã / phường hiện nay; hãy chọn trong danh sách.",
                        f"The old address “{old}” could not be matched to a commune of today; choose from the list.")
    if province is not None and selected is not None and delivery.province_of(selected) != province.code:
        selected = None  # the buyer changed the province: a commune of the new one is to be chosen
    if province is None and selected is not None:
        province = by_code.get(delivery.province_of(selected))
    if province is None:
        province = by_code.get(remembered_province(request, checkout) or "")
    if province is not None and (request.method == "POST" or code):
        remember_province(request, province.code)
    search = _value(form, "q")[: addresses.MAX_SEARCH_CHARS]
    communes, found_by = [], ""
    if province is not None:
        try:
            communes = addresses.communes(province.code, search or None)
            found_by = search
        except ShopError:
            communes = []
        if search and not communes:
            note = note or pick(f"Không thấy xã, phường nào khớp “{search}” ở {province_label(province)}; đây là "
                                "tất cả xã, phường của tỉnh.",
                                f"No commune or ward of {province_label(province)} matches “{search}”; here are all "
                                "of them.")
            communes, found_by = addresses.communes(province.code), ""
    pasts = _pasts(province.code, communes) if province is not None else {}
    groups = _groups(communes, found_by, pasts)
    listed = {c.pk for c in communes}
    if selected is not None and selected.pk not in listed:
        groups.insert(0, (pick("Đã chọn", "Chosen"), [_option(selected)]))
    return AddressPicker(province_options(rows), province, groups, selected.pk if selected else None, search, note)


# -- the cart ---------------------------------------------------------------------------------------

@dataclass
class CartDelivery:
    provinces: list  # (code, label)
    province: Province | None
    quote: shipping.Quote | None  # the whole cart to that province (its fastest zone)
    notes: dict = field(default_factory=dict)  # line id -> why it may not go / where it can go

    @property
    def province_code(self) -> str:
        return self.province.code if self.province else ""

    @property
    def summary(self) -> str:
        """'Giao tới Hà Nội: 30.000 ₫, 2–4 ngày' (or free, or not deliverable there)."""
        if self.province is None:
            return ""
        name = province_label(self.province)
        if self.quote is None:
            return pick(f"Chưa giao hàng tới {name}; hãy chọn nhận tại điểm bán.",
                        f"No delivery to {name} yet; choose pickup at a sales point.")
        days = f"{self.quote.days_min}–{self.quote.days_max}"
        if self.quote.free:
            return pick(f"Giao tới {name}: miễn phí, {days} ngày.", f"Delivery to {name}: free, {days} days.")
        fee = format_vnd(self.quote.fee_vnd, presenters.lang())
        home = pick(" (trong tỉnh: tuỳ xã, phường)", " (within the province: by commune)") \
            if self.province.code == shipping.home_province() else ""
        return pick(f"Giao tới {name}: {fee}, {days} ngày{home}.", f"Delivery to {name}: {fee}, {days} days{home}.")


def cart_delivery(request, checkout, lines) -> CartDelivery:
    """The cart's delivery block: `?province=` (kept in the session), else the province remembered
    (chosen at checkout, or of the saved address); the fee and time of the whole cart there and
    the lines that may not go. Three queries (provinces, zones, their rates)."""
    rows = addresses.provinces()
    by_code = {p.code: p for p in rows}
    asked = addresses.province_code_of(request.GET.get("province"))
    if asked in by_code:
        remember_province(request, asked)
    province = by_code.get(asked or remembered_province(request, checkout) or "")
    if not lines:
        return CartDelivery(province_options(rows), province, None)
    zones = list(ShippingZone.objects.prefetch_related("rates"))
    quote = None
    if province is not None:
        zone = shipping.zone_for_province(province.code, zones)
        if zone is not None:
            subtotal = sum(int(line.variant.price_vnd) * line.quantity for line in lines)
            quote = shipping.quote(zone, [(line.variant, line.quantity) for line in lines], subtotal)
    notes = delivery.travel_notes(lines, province.code if province else None, zones)
    return CartDelivery(province_options(rows), province, quote, notes)
