"""Which sales points serve an order: the whole policy, as one pure function.

`route(lines, points, stock, destination)` takes plain data and returns a
`Decision` (units per point and line, and a reason in Vietnamese and
English that is stored on the order and shown to staff), or raises
`RoutingError` saying what is missing and where it can be found. No
database, no clock: the same input always gives the same decision, so it is
tested on its own (tests/orders/test_orders_routing.py, with hypothesis) and
reused by checkout, the admin and the staff console.

The policy (DESIGN.md, "Order routing"):

1. Pickup: everything from the chosen point, or an error naming the missing
   lines and the points that have them.
2. Delivery: one point that has every line — a district point that delivers
   to the destination's district first (the one in that district, then the
   nearest), then the provincial centre, then the nearest other point that
   ships. If none has everything: the fewest fulfilments; among as few,
   the smallest priorities, then the shortest total distance.
3. Delivery outside the province (`Delivery(out_of_province=True)`): the
   points that send parcels across Vietnam (`Point.nationwide`: the ones the
   province designates, else the provincial centre) and no other — one of
   them with everything, else the fewest of them; short stock there is an
   error naming the lines and the points that have them (staff can transfer).

Points that deliver nowhere (a fair stall, `delivers_to` empty) sell over the
counter and for pickup, but never ship.
"""
import itertools
import math
from dataclasses import dataclass, field

from orders.errors import CheckoutErrorCode
from shop.errors import ShopError

PROVINCIAL = "PROVINCIAL"
DISTRICT = "DISTRICT"
# Exhaustive set search up to this many shipping points; a greedy cover beyond.
EXHAUSTIVE_LIMIT = 12


@dataclass(frozen=True)
class Line:
    variant_id: int
    quantity: int
    label: str = ""  # "Mật ong hoa ban — Hũ 500 g", for messages
    label_en: str = ""  # "Ban flower honey — 500 g jar" (the Vietnamese label if blank)


@dataclass(frozen=True)
class Point:
    id: int
    code: str
    name: str
    kind: str = DISTRICT
    district: str = ""  # 2022 district code of the point
    delivers_to: frozenset = field(default_factory=frozenset)
    priority: int = 100
    latitude: float = 0.0
    longitude: float = 0.0
    pickup_enabled: bool = True
    nationwide: bool = False  # sends parcels outside the province (see `senders`)
    name_en: str = ""  # the English name, for the English half of the reasons (the Vietnamese one if blank)

    @property
    def english(self) -> str:
        return self.name_en or self.name


@dataclass(frozen=True)
class Pickup:
    point_id: int


@dataclass(frozen=True)
class Delivery:
    district: str  # 2022 district code of the destination ("" when not known, or outside the province)
    latitude: float | None = None
    longitude: float | None = None
    out_of_province: bool = False
    place: str = ""  # where it goes, for the reason: "thành phố Hà Nội"
    place_en: str = ""


@dataclass(frozen=True)
class Allocation:
    point_id: int
    variant_id: int
    quantity: int


@dataclass(frozen=True)
class Decision:
    allocations: tuple[Allocation, ...]
    reason: str
    reason_en: str

    @property
    def point_ids(self) -> list[int]:
        return sorted({a.point_id for a in self.allocations})


class RoutingError(ShopError):
    """No point (or set of points) can serve the lines; `missing` says which and where."""

    def __init__(self, code, message_vi, message_en, *, field=None, missing=()):
        super().__init__(code, message_vi, message_en, field=field)
        self.missing = missing


def distance_km(lat1, lon1, lat2, lon2) -> float:
    """Great-circle (straight-line) distance."""
    if None in (lat1, lon1, lat2, lon2):
        return 0.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def _merge(lines) -> dict[int, int]:
    """Quantity wanted per variant (two lines of one variant count together)."""
    wanted: dict[int, int] = {}
    for line in lines:
        wanted[line.variant_id] = wanted.get(line.variant_id, 0) + line.quantity
    return wanted


def _labels(lines) -> dict[int, str]:
    return {line.variant_id: line.label or f"#{line.variant_id}" for line in lines}


def _labels_en(lines) -> dict[int, str]:
    return {line.variant_id: line.label_en or line.label or f"#{line.variant_id}" for line in lines}


def _available(stock, point_id, variant_id) -> int:
    return max(0, int(stock.get((point_id, variant_id), 0)))


def _has_all(stock, point_id, wanted) -> bool:
    return all(_available(stock, point_id, v) >= q for v, q in wanted.items())


def route(lines, points, stock, destination) -> Decision:
    """Decide which points serve `lines`.

    - lines: iterable of Line (quantity ≥ 1)
    - points: iterable of Point — the points open today (the caller filters)
    - stock: {(point_id, variant_id): units available (on hand − allocated)}
    - destination: Pickup(point_id) or Delivery(district, latitude, longitude[, out_of_province, place])
    """
    lines = list(lines)
    wanted = _merge(lines)
    if not wanted or any(q <= 0 for q in wanted.values()):
        raise RoutingError(CheckoutErrorCode.EMPTY_CHECKOUT, "Giỏ hàng chưa có sản phẩm nào.", "The cart is empty.", field="lines")
    points = sorted(points, key=lambda p: p.id)
    if isinstance(destination, Pickup):
        return _route_pickup(lines, wanted, points, stock, destination)
    if destination.out_of_province:
        return _route_out_of_province(lines, wanted, points, stock, destination)
    return _route_delivery(lines, wanted, points, stock, destination)


def _where_to_find(variant_id, need, points, stock) -> list[Point]:
    return [p for p in points if _available(stock, p.id, variant_id) >= need]


def _route_pickup(lines, wanted, points, stock, destination) -> Decision:
    by_id = {p.id: p for p in points}
    point = by_id.get(destination.point_id)
    if point is None or not point.pickup_enabled:
        raise RoutingError(
            CheckoutErrorCode.PICKUP_POINT_UNAVAILABLE,
            "Điểm nhận hàng này hôm nay không mở cửa hoặc không nhận giao tại chỗ; hãy chọn điểm khác.",
            "This pickup point is closed today or offers no pickup; choose another point.",
            field="pickupPointId",
        )
    labels = _labels(lines)
    missing = []
    for variant_id, quantity in wanted.items():
        have = _available(stock, point.id, variant_id)
        if have < quantity:
            elsewhere = [p for p in _where_to_find(variant_id, quantity, points, stock) if p.pickup_enabled]
            missing.append((variant_id, labels[variant_id], quantity, have, elsewhere))
    if missing:
        vi_parts, en_parts = [], []
        labels_en = _labels_en(lines)
        for variant_id, label, quantity, have, elsewhere in missing:
            where_vi = ", ".join(p.name for p in elsewhere) or "chưa điểm nào có đủ"
            where_en = ", ".join(p.english for p in elsewhere) or "no point has enough"
            vi_parts.append(f"{label} (cần {quantity}, còn {have}; có tại: {where_vi})")
            en_parts.append(f"{labels_en[variant_id]} (need {quantity}, {have} left; available at: {where_en})")
        raise RoutingError(
            CheckoutErrorCode.INSUFFICIENT_STOCK_AT_PICKUP_POINT,
            f"{point.name} không đủ hàng: " + "; ".join(vi_parts) + ". Hãy chọn điểm nhận khác hoặc bớt số lượng.",
            f"{point.english} does not have enough: " + "; ".join(en_parts) + ". Choose another pickup point or lower the quantity.",
            field="pickupPointId",
            missing=tuple((v, [p.id for p in e]) for v, _, _, _, e in missing),
        )
    allocations = tuple(Allocation(point.id, v, q) for v, q in sorted(wanted.items()))
    return Decision(
        allocations,
        f"Khách nhận tại {point.name}: điểm này có đủ mọi sản phẩm.",
        f"Customer picks up at {point.english}, which has every item.",
    )


def _single_point_rank(point: Point, destination: Delivery):
    """Smaller is better: serving district point, provincial centre, then the rest; then distance."""
    serves = destination.district in point.delivers_to
    if point.kind == DISTRICT and serves:
        tier = 0
    elif point.kind == PROVINCIAL:
        tier = 1
    else:
        tier = 2
    in_district = 0 if point.district == destination.district else 1
    km = distance_km(point.latitude, point.longitude, destination.latitude, destination.longitude)
    return (tier, in_district, round(km, 3), point.priority, point.code, point.id)


def _route_delivery(lines, wanted, points, stock, destination) -> Decision:
    shippers = sorted((p for p in points if p.delivers_to), key=lambda p: _single_point_rank(p, destination))
    labels = _labels(lines)
    # 1. One point with everything.
    for point in shippers:
        if _has_all(stock, point.id, wanted):
            tier = _single_point_rank(point, destination)[0]
            why_vi, why_en = {
                0: ("là điểm bán cấp huyện giao hàng tới huyện nhận", "is the district point delivering to the destination"),
                1: ("là trung tâm tỉnh (điểm bán huyện phục vụ nơi nhận không đủ hàng)",
                    "is the provincial centre (no district point serving the destination has everything)"),
                2: ("là điểm gần nhất có đủ hàng", "is the nearest point with everything"),
            }[tier]
            allocations = tuple(Allocation(point.id, v, q) for v, q in sorted(wanted.items()))
            return Decision(
                allocations,
                f"Giao từ {point.name}: điểm này có đủ mọi sản phẩm và {why_vi}.",
                f"Shipped from {point.english}: it has every item and {why_en}.",
            )
    # 2. Too little stock in the whole network?
    short = []
    for variant_id, quantity in wanted.items():
        total = sum(_available(stock, p.id, variant_id) for p in shippers)
        if total < quantity:
            short.append((variant_id, labels[variant_id], quantity, total))
    if short:
        raise RoutingError(
            CheckoutErrorCode.OUT_OF_STOCK,
            "Không đủ hàng: " + "; ".join(f"{label} (cần {q}, cả tỉnh còn {t})" for _, label, q, t in short)
            + ". Hãy bớt số lượng hoặc bỏ sản phẩm đó.",
            "Out of stock: " + "; ".join(f"{_labels_en(lines)[v]} (need {q}, {t} left in the province)"
                                         for v, _, q, t in short)
            + ". Lower the quantity or remove the item.",
            field="lines",
            missing=tuple((v, []) for v, _, _, _ in short),
        )
    # 3. The fewest fulfilments.
    chosen = _fewest_points(wanted, shippers, stock, destination)
    allocations = _split(wanted, chosen, stock)
    names = ", ".join(p.name for p in chosen)
    return Decision(
        allocations,
        f"Không điểm nào có đủ mọi sản phẩm; chia cho {len(chosen)} điểm ({names}) — ít điểm nhất, "
        "ưu tiên điểm có thứ tự ưu tiên cao và gần nơi nhận.",
        f"No single point has every item; split across {len(chosen)} points ({', '.join(p.english for p in chosen)}) "
        "— the fewest points, "
        "preferring higher priority and shorter distance.",
    )


def _covers(subset, wanted, stock) -> bool:
    return all(sum(_available(stock, p.id, v) for p in subset) >= q for v, q in wanted.items())


def _subset_key(subset, destination):
    km = sum(distance_km(p.latitude, p.longitude, destination.latitude, destination.longitude) for p in subset)
    return (sorted(p.priority for p in subset), round(km, 3), sorted(p.code for p in subset), sorted(p.id for p in subset))


def _fewest_points(wanted, shippers, stock, destination) -> list[Point]:
    useful = [p for p in shippers if any(_available(stock, p.id, v) > 0 for v in wanted)]
    if len(useful) <= EXHAUSTIVE_LIMIT:
        for size in range(2, len(useful) + 1):
            covering = [s for s in itertools.combinations(useful, size) if _covers(s, wanted, stock)]
            if covering:
                best = min(covering, key=lambda s: _subset_key(s, destination))
                return sorted(best, key=lambda p: _single_point_rank(p, destination))
    # Greedy cover: the point that covers the most outstanding units, ties by rank.
    remaining = dict(wanted)
    chosen: list[Point] = []
    while any(remaining.values()):
        candidates = [p for p in useful if p not in chosen]
        # `useful` is in rank order and max() keeps the first of equals: ties go to the better rank.
        best = max(candidates, key=lambda p: sum(min(_available(stock, p.id, v), q) for v, q in remaining.items()))
        gain = {v: min(_available(stock, best.id, v), q) for v, q in remaining.items()}
        if not any(gain.values()):
            break
        chosen.append(best)
        remaining = {v: q - gain[v] for v, q in remaining.items()}
    return sorted(chosen, key=lambda p: _single_point_rank(p, destination))


def _split(wanted, chosen, stock) -> tuple[Allocation, ...]:
    """Units per point: a line stays whole at the best-ranked point that has it all, else is split in rank order."""
    allocations = []
    for variant_id, quantity in sorted(wanted.items()):
        whole = next((p for p in chosen if _available(stock, p.id, variant_id) >= quantity), None)
        if whole is not None:
            allocations.append(Allocation(whole.id, variant_id, quantity))
            continue
        left = quantity
        for p in chosen:
            take = min(left, _available(stock, p.id, variant_id))
            if take:
                allocations.append(Allocation(p.id, variant_id, take))
                left -= take
            if not left:
                break
    return tuple(allocations)


# -- outside the province -----------------------------------------------------------------------

def senders(points) -> list[Point]:
    """The points that send parcels outside the province: those flagged `nationwide` (the province's
    designation), or, when none is, the provincial centre(s); best priority first."""
    chosen = [p for p in points if p.nationwide] or [p for p in points if p.kind == PROVINCIAL]
    return sorted(chosen, key=lambda p: (p.priority, p.code, p.id))


def _who_sends(point: Point) -> tuple[str, str]:
    if point.kind == PROVINCIAL:
        return "Trung tâm tỉnh gửi hàng đi toàn quốc", "the provincial centre ships across Vietnam"
    return (f"{point.name} là điểm tỉnh chỉ định gửi hàng đi toàn quốc",
            f"{point.english} is the point the province designates to ship across Vietnam")


def _route_out_of_province(lines, wanted, points, stock, destination) -> Decision:
    chosen = senders(points)
    to_vi = f" tới {destination.place}" if destination.place else ""
    to_en = f" to {destination.place_en or destination.place}" if destination.place else ""
    if not chosen:
        raise RoutingError(
            CheckoutErrorCode.COMMUNE_NOT_SERVED,
            "Hôm nay chưa có điểm bán nào gửi hàng đi ngoài tỉnh; hãy thử lại sau hoặc chọn nhận tại điểm bán.",
            "No sales point is sending parcels outside the province today; try again later or choose pickup.",
            field="deliveryMethod",
        )
    labels = _labels(lines)
    for point in chosen:
        if _has_all(stock, point.id, wanted):
            who_vi, who_en = _who_sends(point)
            return Decision(
                tuple(Allocation(point.id, v, q) for v, q in sorted(wanted.items())),
                f"Giao ngoài tỉnh: {who_vi}. Gửi từ {point.name}{to_vi}: điểm này có đủ mọi sản phẩm.",
                f"Out-of-province delivery: {who_en}. Shipped from {point.english}{to_en}: it has every item.",
            )
    short = []
    for variant_id, quantity in wanted.items():
        total = sum(_available(stock, p.id, variant_id) for p in chosen)
        if total < quantity:
            elsewhere = [p for p in points if p not in chosen and _available(stock, p.id, variant_id) > 0]
            short.append((variant_id, labels[variant_id], quantity, total, elsewhere))
    if short:
        names = ", ".join(p.name for p in chosen)
        vi = "; ".join(f"{label} (cần {q}, còn {t}" + (f"; có tại: {', '.join(p.name for p in e)}" if e else "") + ")"
                       for _, label, q, t, e in short)
        en = "; ".join(f"{_labels_en(lines)[v]} (need {q}, {t} left"
                       + (f"; available at: {', '.join(p.english for p in e)}" if e else "") + ")"
                       for v, _, q, t, e in short)
        names_en = ", ".join(p.english for p in chosen)
        raise RoutingError(
            CheckoutErrorCode.OUT_OF_STOCK,
            f"Đơn giao ngoài tỉnh do {names} gửi đi, và ở đó không đủ hàng: {vi}. "
            "Hãy bớt số lượng, bỏ sản phẩm đó, hoặc nhận tại điểm bán có hàng.",
            f"Orders outside the province are shipped by {names_en}, which does not have enough: {en}. "
            "Lower the quantity, remove the item, or pick it up at a point that has it.",
            field="lines",
            missing=tuple((v, [p.id for p in e]) for v, _, _, _, e in short),
        )
    split = _fewest_points(wanted, chosen, stock, destination)
    allocations = _split(wanted, split, stock)
    names = ", ".join(p.name for p in split)
    who_vi, who_en = _who_sends(split[0])
    return Decision(
        allocations,
        f"Giao ngoài tỉnh: {who_vi}. Không điểm gửi đi nào có đủ mọi sản phẩm; chia cho {len(split)} điểm ({names}){to_vi}.",
        f"Out-of-province delivery: {who_en}. No shipping point has every item; split across {len(split)} points "
        f"({', '.join(p.english for p in split)}){to_en}.",
    )
