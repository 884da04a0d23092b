"""Checkout: lines, contact, delivery method, payment method, and completion.

Services are plain functions with keyword arguments; each runs in one
transaction and validates everything before writing, so a refused request
changes nothing. They raise `shop.errors.ShopError` with a field and a code.

What may be sold (`sellable_variants`):
- the product and the variant are published;
- the product holds a valid OCOP certificate: sold with the mark (its stars
  are kept on the order line);
- the product's current certificate has *lapsed* (expired, not renewed):
  still sold — the goods did not change, and buyers of the province's
  products should not lose them while a renewal is pending — but without the
  mark (the order line's `ocop_stars` is empty, as everywhere else the shop
  hides the badge of an expired certificate);
- a product whose certificate was *revoked* (a sanction, usually quality),
  or that was never certified (or only by a decision not yet in force), is
  refused: this is the province's OCOP shop, and revocation stops the sale.
"""
import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email as django_validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog import certification
from catalog.certification import CertificateStatus
from catalog.models import Certification, ProductVariant
from inventory import availability
from orders import allocation, bank_transfers, delivery, events, notifications, routing, services, unpaid
from orders.errors import CheckoutErrorCode, PaymentErrorCode
from orders.models import Checkout, CheckoutLine, DeliveryKind, Order, OrderLine, PaymentMethod
from shop.errors import ShopError
from shop.models import SalesPoint
from shop.money import format_vnd
from shop.text import clean_text, has_hidden_characters

LANGUAGES = ("vi", "en")


# -- small validators -------------------------------------------------------------------

_PHONE_JUNK = re.compile(r"[\s.\-()]")
_MOBILE = re.compile(r"^0[35789]\d{8}$")
_LANDLINE = re.compile(r"^02\d{9}$")


def normalize_phone(value: str, field: str = "phone") -> str:
    """A Vietnamese phone number in E.164 ('+84912345678'), or ShopError.

    Accepts 0912 345 678, 0912.345.678, +84 912 345 678, 84912345678;
    mobiles have 10 digits (03x, 05x, 07x, 08x, 09x), landlines 11 (02xx).
    """
    raw = _PHONE_JUNK.sub("", value or "")
    if raw.startswith("+84"):
        raw = "0" + raw[3:]
    elif raw.startswith("84") and len(raw) in (11, 12):
        raw = "0" + raw[2:]
    if not (_MOBILE.match(raw) or _LANDLINE.match(raw)):
        raise ShopError(
            CheckoutErrorCode.INVALID_PHONE,
            "Số điện thoại không hợp lệ; hãy nhập số Việt Nam, ví dụ 0912 345 678 hoặc +84 912 345 678.",
            "Invalid phone number; enter a Vietnamese number, e.g. 0912 345 678 or +84 912 345 678.",
            field=field,
        )
    return "+84" + raw[1:]


def normalize_email(value: str, field: str = "email") -> str:
    value = (value or "").strip()
    try:
        django_validate_email(value)
        if has_hidden_characters(value):  # a control or bidi character: it would read as another address
            raise ValidationError("hidden characters")
    except ValidationError:
        raise ShopError(
            CheckoutErrorCode.INVALID_EMAIL, "Địa chỉ e-mail không hợp lệ; hãy kiểm tra lại (ví dụ ten@example.com).",
            "Invalid e-mail address; check it (e.g. name@example.com).", field=field,
        ) from None
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def _check_quantity(quantity, field, *, allow_zero=False) -> int:
    cap = settings.ORDER_MAX_LINE_QUANTITY
    low = 0 if allow_zero else 1
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not low <= quantity <= cap:
        raise ShopError(
            CheckoutErrorCode.INVALID_QUANTITY,
            f"Số lượng phải từ {low} đến {cap}; đơn lớn hơn xin liên hệ điểm bán.",
            f"Quantity must be between {low} and {cap}; for larger orders contact a sales point.",
            field=field,
        )
    return quantity


def _check_units(quantities, field: str = "lines") -> None:
    """All the lines together stay within ORDER_MAX_ORDER_QUANTITY units (each line has its own cap)."""
    cap, total = settings.ORDER_MAX_ORDER_QUANTITY, sum(quantities)
    if total > cap:
        raise ShopError(
            CheckoutErrorCode.TOO_MANY_UNITS,
            f"Mỗi đơn tối đa {cap} sản phẩm (giỏ hàng sẽ có {total}); hãy giảm số lượng, đơn lớn hơn xin liên hệ điểm bán.",
            f"At most {cap} items per order (the cart would have {total}); lower the quantities, or contact a "
            "sales point for a larger order.",
            field=field,
        )


# -- what may be sold -------------------------------------------------------------------

@dataclass(frozen=True)
class Sellable:
    variant: ProductVariant
    stars: int | None  # stars shown on the order line; None when the certificate lapsed


def ocop_sale_state(certs, day) -> tuple[str, int | None]:
    """('CERTIFIED', stars) | ('LAPSED', None) | ('REVOKED', None) | ('NOT_CERTIFIED', None),
    from the product's standing on `day` (catalog.certification.standing)."""
    status, cert = certification.standing(certs, day)
    if status is not None and status.shows_mark:
        return "CERTIFIED", cert.stars
    return {CertificateStatus.EXPIRED: "LAPSED", CertificateStatus.REVOKED: "REVOKED"}.get(status, "NOT_CERTIFIED"), None


def sellable_variants(variant_ids, *, field: str = "lines", day=None, variants=None,
                      units: bool = False) -> dict[int, Sellable]:
    """The variants, checked for sale, by id; ShopError naming the first that is refused.

    `variants`: {id: ProductVariant with its product}, already read (a checkout's lines), so only
    their certificates and holds are; each may carry `is_held` (availability.held_flag), which saves
    the look-up of holds when none is held. `units`: read each variant's `units_sellable` with it
    (availability.with_checkout_state), for `_check_available`."""
    day = day or certification.today()
    ids = sorted(set(variant_ids))
    if variants is None:
        # An id past the database's integer range names no variant (and would make the driver raise).
        existing_ids = [vid for vid in ids if isinstance(vid, int) and 0 < vid < 2**63]
        found = ProductVariant.objects.filter(pk__in=existing_ids).select_related("product")
        found = availability.with_checkout_state(found) if units else found.annotate(is_held=availability.held_flag())
        variants = {v.pk: v for v in found}
    certs: dict[int, list] = {}
    for cert in Certification.objects.filter(product_id__in={v.product_id for v in variants.values()}):
        certs.setdefault(cert.product_id, []).append(cert)
    result = {}
    for vid in ids:
        variant = variants.get(vid)
        if variant is None or not variant.is_published or not variant.product.is_published:
            raise ShopError(
                CheckoutErrorCode.VARIANT_NOT_AVAILABLE,
                "Sản phẩm này không còn bán; hãy bỏ khỏi giỏ hàng.",
                "This product is no longer on sale; remove it from the cart.", field=field,
            )
        state, stars = ocop_sale_state(certs.get(variant.product_id, []), day)
        if state in ("REVOKED", "NOT_CERTIFIED"):
            raise ShopError(
                CheckoutErrorCode.VARIANT_NOT_SELLABLE,
                f"{variant.product.name} không có chứng nhận OCOP còn giá trị để bán tại cửa hàng; hãy chọn sản phẩm khác.",
                f"{variant.product.name_en or variant.product.name} has no OCOP certificate that allows its sale here; "
                "choose another product.",
                field=field,
            )
        result[vid] = Sellable(variant, stars)
    flags = [getattr(s.variant, "is_held", None) for s in result.values()]
    if None in flags:
        held = availability.held_variants(result)
    else:  # read with the variants: the holds themselves (their reasons) only when one is held
        held = availability.held_variants([vid for vid, s in result.items() if s.variant.is_held]) if any(flags) else {}
    if held:
        vid, hold = min(held.items())
        product = result[vid].variant.product
        raise ShopError(
            CheckoutErrorCode.VARIANT_ON_HOLD,
            f"{product.name} đang tạm dừng bán ({hold.reason}); hãy bỏ khỏi giỏ hàng.",
            f"{product.name_en or product.name} is off sale for now ({hold.reason_en or hold.reason}); remove it from the cart.",
            field=field,
        )
    return result


def _label(variant: ProductVariant) -> str:
    return f"{variant.product.name} — {variant.name}"


def _label_en(variant: ProductVariant) -> str:
    return f"{variant.product.name_en or variant.product.name} — {variant.name_en or variant.name}"


def _check_available(wanted: dict[int, int], sellables: dict[int, Sellable], field: str) -> None:
    """A friendly early check (the real one is under lock at completion)."""
    # Read with the variants (availability.with_checkout_state), which `sellable_variants` found published
    # and not held: the rest of the sellable rule.
    if all(hasattr(s.variant, "units_sellable") for s in sellables.values()):
        free = {vid: s.variant.units_sellable for vid, s in sellables.items()}
    else:
        free = availability.sellable_totals(wanted)
    for vid, quantity in wanted.items():
        if free.get(vid, 0) < quantity:
            left = max(0, free.get(vid, 0))
            label = _label(sellables[vid].variant)
            raise ShopError(
                CheckoutErrorCode.INSUFFICIENT_STOCK,
                f"{label}: chỉ còn {left}; hãy giảm số lượng." if left else f"{label} đã hết hàng; hãy bỏ khỏi giỏ.",
                f"{label}: only {left} left; lower the quantity." if left else f"{label} is out of stock; remove it.",
                field=field,
            )


# -- checkouts ---------------------------------------------------------------------------

CHECKOUT_RELATED = ("pickup_point", "ship_commune__district", "ship_commune__province", "order")


def get_checkout(token, *, user=None, lock: bool = False, for_update: bool = True,
                 related=CHECKOUT_RELATED) -> Checkout:
    """The checkout with `token`, if `user` may use it (a signed-in customer's checkout is theirs alone).
    `related`: what to read with it (select_related), for a caller that needs less."""
    qs = Checkout.objects.select_related(*related) if related else Checkout.objects.all()
    if lock:
        qs = qs.select_for_update(of=("self",))
    checkout = qs.filter(token=token).first() if token else None
    user_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else None
    if checkout is None or (checkout.user_id and checkout.user_id != user_id):
        raise ShopError(
            CheckoutErrorCode.CHECKOUT_NOT_FOUND, "Không tìm thấy giỏ hàng; có thể nó đã hết hạn. Hãy tạo giỏ hàng mới.",
            "Checkout not found; it may have expired. Start a new one.", field="token",
        )
    if for_update and checkout.order_id:
        raise ShopError(
            CheckoutErrorCode.CHECKOUT_COMPLETED, "Giỏ hàng này đã thành đơn hàng; hãy tạo giỏ hàng mới để mua thêm.",
            "This checkout is already an order; start a new checkout to buy more.", field="token",
        )
    return checkout


def _parse_lines(lines, field: str, *, allow_zero=False) -> dict[int, int]:
    merged: dict[int, int] = {}
    if len(lines) > settings.ORDER_MAX_LINES:
        raise ShopError(CheckoutErrorCode.TOO_MANY_LINES, f"Tối đa {settings.ORDER_MAX_LINES} dòng mỗi đơn.",
                        f"At most {settings.ORDER_MAX_LINES} lines per order.", field=field)
    for i, (variant_id, quantity) in enumerate(lines):
        _check_quantity(quantity, f"{field}.{i}.quantity", allow_zero=allow_zero)
        merged[variant_id] = merged.get(variant_id, 0) + quantity
    return merged


@transaction.atomic
def create_checkout(*, lines=(), email: str = "", phone: str = "", language: str = "vi", user=None) -> Checkout:
    """lines: [(variant_id, quantity)]."""
    wanted = _parse_lines(list(lines), "lines")
    for i, q in enumerate(wanted.values()):
        _check_quantity(q, f"lines.{i}.quantity")
    _check_units(wanted.values())
    email = normalize_email(email) if email else ""
    phone = normalize_phone(phone) if phone else ""
    if language not in LANGUAGES:
        raise ShopError(CheckoutErrorCode.INVALID_LANGUAGE, "Ngôn ngữ chỉ nhận vi hoặc en.", "Language must be vi or en.", field="language")
    sellables = sellable_variants(wanted, field="lines", units=True) if wanted else {}
    if wanted:
        _check_available(wanted, sellables, "lines")
    checkout = Checkout.objects.create(
        user=user if user is not None and user.is_authenticated else None, email=email, phone=phone, language=language
    )
    CheckoutLine.objects.bulk_create([CheckoutLine(checkout=checkout, variant_id=v, quantity=q) for v, q in wanted.items()])
    return checkout


@transaction.atomic
def update_contact(*, token, email=None, phone=None, user=None) -> Checkout:
    checkout = get_checkout(token, user=user, lock=True)
    if email is not None:
        checkout.email = normalize_email(email) if email else ""
    if phone is not None:
        checkout.phone = normalize_phone(phone) if phone else ""
    checkout.save(update_fields=["email", "phone", "updated_at"])
    return checkout


@transaction.atomic
def add_lines(*, token, lines, user=None) -> Checkout:
    """Add quantities to the checkout (a variant already there gets more)."""
    checkout = get_checkout(token, user=user, lock=True)
    added = _parse_lines(list(lines), "lines")
    existing = {line.variant_id: line for line in checkout.lines.all()}
    wanted = {v: q + (existing[v].quantity if v in existing else 0) for v, q in added.items()}
    for i, (_v, q) in enumerate(wanted.items()):
        _check_quantity(q, f"lines.{i}.quantity")
    if len(set(existing) | set(wanted)) > settings.ORDER_MAX_LINES:
        raise ShopError(CheckoutErrorCode.TOO_MANY_LINES, f"Tối đa {settings.ORDER_MAX_LINES} dòng mỗi đơn.",
                        f"At most {settings.ORDER_MAX_LINES} lines per order.", field="lines")
    _check_units([line.quantity for v, line in existing.items() if v not in wanted] + list(wanted.values()))
    sellables = sellable_variants(wanted, field="lines", units=True)
    _check_available(wanted, sellables, "lines")
    _write_lines(checkout, existing, wanted)
    return checkout


@transaction.atomic
def update_lines(*, token, lines, user=None) -> Checkout:
    """Set quantities; 0 removes the line."""
    checkout = get_checkout(token, user=user, lock=True)
    wanted = _parse_lines(list(lines), "lines", allow_zero=True)
    for i, (_v, q) in enumerate(wanted.items()):
        _check_quantity(q, f"lines.{i}.quantity", allow_zero=True)
    existing = {line.variant_id: line for line in checkout.lines.all()}
    keep = {v: q for v, q in wanted.items() if q > 0}
    if len((set(existing) - {v for v, q in wanted.items() if q == 0}) | set(keep)) > settings.ORDER_MAX_LINES:
        raise ShopError(CheckoutErrorCode.TOO_MANY_LINES, f"Tối đa {settings.ORDER_MAX_LINES} dòng mỗi đơn.",
                        f"At most {settings.ORDER_MAX_LINES} lines per order.", field="lines")
    _check_units([line.quantity for v, line in existing.items() if v not in wanted] + list(keep.values()))
    if keep:
        sellables = sellable_variants(keep, field="lines", units=True)
        _check_available(keep, sellables, "lines")
    removed = [v for v, q in wanted.items() if q == 0 and v in existing]
    CheckoutLine.objects.filter(checkout=checkout, variant_id__in=removed).delete()
    _write_lines(checkout, existing, keep)
    return checkout


def _write_lines(checkout, existing, wanted):
    for vid, quantity in wanted.items():
        line = existing.get(vid)
        if line is None:
            CheckoutLine.objects.create(checkout=checkout, variant_id=vid, quantity=quantity)
        elif line.quantity != quantity:
            CheckoutLine.objects.filter(pk=line.pk).update(quantity=quantity)
    Checkout.objects.filter(pk=checkout.pk).update(updated_at=timezone.now())


@transaction.atomic
def delete_line(*, token, line_id: int, user=None) -> Checkout:
    checkout = get_checkout(token, user=user, lock=True)
    deleted, _ = CheckoutLine.objects.filter(checkout=checkout, pk=line_id).delete()
    if not deleted:
        raise ShopError(CheckoutErrorCode.LINE_NOT_FOUND, "Không có dòng này trong giỏ hàng.", "No such line in this checkout.", field="lineId")
    return checkout


# -- delivery (the address, its zone and fee: orders/delivery.py, orders/shipping.py) ----------------

def check_pickup_point(point_id: int, field: str = "pickupPointId", day=None, point=None) -> SalesPoint:
    """The point, open on `day` and offering pickup; `point`: that point, already read."""
    if point is not None and point.pk == point_id:
        point = point if availability.is_open(point, day) else None
    else:
        point = availability.open_points(day).filter(pk=point_id).first()
    if point is None or not point.pickup_enabled:
        raise ShopError(
            CheckoutErrorCode.PICKUP_POINT_UNAVAILABLE,
            "Điểm bán này hôm nay không mở cửa hoặc không nhận khách đến lấy hàng; hãy chọn điểm khác.",
            "This sales point is closed today or offers no pickup; choose another point.",
            field=field,
        )
    return point


@transaction.atomic
def set_delivery(*, token, pickup_point_id: int | None = None, address: dict | None = None, user=None) -> Checkout:
    """Pickup at a point, or delivery to `address` {full_name, phone, street_address, commune_id}
    anywhere in Vietnam (optional: province, the GSO code the commune must lie in; legacy_district and
    legacy_commune, an old district-era address used when commune_id is empty: orders/delivery.py)."""
    # Nothing read with it: the point or the commune chosen here replaces what it had.
    checkout = get_checkout(token, user=user, lock=True, related=())
    if (pickup_point_id is None) == (address is None):
        raise ShopError(
            CheckoutErrorCode.DELIVERY_METHOD_REQUIRED, "Hãy chọn một cách nhận hàng: nhận tại điểm bán hoặc giao tận nơi.",
            "Choose one delivery method: pickup at a sales point, or delivery to an address.", field="pickupPointId",
        )
    if pickup_point_id is not None:
        point = check_pickup_point(pickup_point_id)
        checkout.delivery_kind, checkout.pickup_point = DeliveryKind.PICKUP, point
        checkout.ship_name = checkout.ship_phone = checkout.ship_street = ""
        checkout.ship_commune = None
    else:
        # No control or bidi characters: they would change how the name reads on the console and the label.
        name = clean_text(address.get("full_name"))
        street = clean_text(address.get("street_address"))
        if not 2 <= len(name) <= 120:
            raise ShopError(CheckoutErrorCode.INVALID_NAME, "Hãy nhập họ tên người nhận (2–120 ký tự).",
                            "Enter the recipient's full name (2–120 characters).", field="shippingAddress.fullName")
        if not 5 <= len(street) <= 300:
            raise ShopError(CheckoutErrorCode.INVALID_ADDRESS, "Hãy nhập số nhà, thôn/bản, tổ dân phố (5–300 ký tự).",
                            "Enter the street, village or hamlet (5–300 characters).",
                            field="shippingAddress.streetAddress")
        phone = address.get("phone") or checkout.phone
        if not phone:
            raise ShopError(CheckoutErrorCode.PHONE_REQUIRED, "Hãy nhập số điện thoại người nhận để shipper gọi.",
                            "Enter the recipient's phone number so the courier can call.",
                            field="shippingAddress.phone")
        phone = normalize_phone(phone, field="shippingAddress.phone")
        # Any commune of the country (or an old district-era address converted); refused when no zone
        # covers it or a line's product may not travel there (fresh produce), the lines named.
        commune = delivery.address_commune(address)
        delivery.check_destination(delivery.destination(commune), checkout.lines.select_related("variant__product"))
        checkout.delivery_kind, checkout.pickup_point = DeliveryKind.DELIVERY, None
        checkout.ship_name, checkout.ship_phone, checkout.ship_street, checkout.ship_commune = name, phone, street, commune
    checkout.save(update_fields=["delivery_kind", "pickup_point", "ship_name", "ship_phone", "ship_street", "ship_commune",
                                  "updated_at"])
    return checkout


# -- totals -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Totals:
    subtotal_vnd: int
    shipping_vnd: int
    shipping: object = None  # orders.shipping.Quote of a delivery (zone, days, free), None for pickup

    @property
    def total_vnd(self) -> int:
        return self.subtotal_vnd + self.shipping_vnd


def totals(checkout: Checkout, lines=None) -> Totals:
    """Whole đồng, computed here only: the client never sends a price. The delivery fee is the
    zone's bracket for the parcel's packed weight (orders/shipping.py), free from the threshold."""
    lines = lines if lines is not None else list(checkout.lines.select_related("variant__product"))
    subtotal = sum(int(line.variant.price_vnd) * line.quantity for line in lines)
    quote = delivery.checkout_quote(checkout, lines, subtotal)
    return Totals(subtotal, quote.fee_vnd if quote else 0, quote)


def payment_methods_for(checkout: Checkout, lines=None) -> list[str]:
    return [m for m in PAYMENT_METHOD_ORDER if payment_method_allowed(checkout, m, lines)]


PAYMENT_METHOD_ORDER = (PaymentMethod.CARD.value, PaymentMethod.BANK_TRANSFER.value,
                        PaymentMethod.CASH_ON_DELIVERY.value, PaymentMethod.PAY_AT_PICKUP.value)


def payment_method_allowed(checkout: Checkout, method: str, lines=None) -> bool:
    """Is `method` one of `payment_methods_for(checkout)`? Asks the database only about a bank transfer."""
    if method == PaymentMethod.CARD:
        return bool(settings.STRIPE_SECRET_KEY)
    if method == PaymentMethod.BANK_TRANSFER:
        # Bank transfer where an account receives it (before routing: the pickup point's, else the default).
        return bool(checkout.delivery_kind) and bank_transfers.offered(
            checkout.pickup_point_id if checkout.delivery_kind == DeliveryKind.PICKUP else None,
            lambda: totals(checkout, lines).total_vnd,
        )
    if method == PaymentMethod.CASH_ON_DELIVERY:
        return checkout.delivery_kind == DeliveryKind.DELIVERY
    if method == PaymentMethod.PAY_AT_PICKUP:
        return checkout.delivery_kind == DeliveryKind.PICKUP
    return False


# -- completion ---------------------------------------------------------------------------

@dataclass
class Completion:
    order: Order
    created: bool
    client_secret: str = ""
    payment_error: ShopError | None = None


def _idempotency_conflict():
    return ShopError(
        CheckoutErrorCode.IDEMPOTENCY_KEY_REUSED, "Khoá chống trùng (idempotencyKey) này đã dùng cho một giỏ hàng khác; hãy tạo khoá mới.",
        "This idempotencyKey was already used for another checkout; send a new key.", field="idempotencyKey",
    )


def _route_point(p, *, full: bool = True) -> routing.Point:
    return routing.Point(
        id=p.pk, code=p.code, name=p.name, name_en=p.name_en, kind=p.kind,
        district=p.district.code if full else "",
        delivers_to=frozenset(d.code for d in p.delivers_to.all()) if full else frozenset(), priority=p.priority,
        latitude=float(p.latitude), longitude=float(p.longitude), pickup_enabled=p.pickup_enabled,
        nationwide=delivery.ships_nationwide(p),
    )


def _route(checkout, lines, stocks, pickup_point=None) -> routing.Decision:
    """routing.route over the open points. A pickup (its point already read and checked open, and only
    its stock rows locked) is decided by that point alone, as routing.route would decide it; when the
    point falls short, the other points and their stock are read (unlocked: they only name, in the
    error, where the lines are) and routing.route refuses with them."""
    if pickup_point is not None and checkout.delivery_kind == DeliveryKind.PICKUP:
        route_lines, _, available, destination = _routing_input(checkout, lines, stocks, points=[])
        try:
            return routing.route(route_lines, [_route_point(pickup_point, full=False)], available, destination)
        except routing.RoutingError:
            locked = stocks
            stocks = {**allocation.stock_rows([line.variant_id for line in lines]), **locked}
            decision = routing.route(*_routing_input(checkout, lines, stocks))
            # It refuses: the point's own rows, locked, are the ones the first answer read.
            assert all((a.point_id, a.variant_id) in locked for a in decision.allocations), decision
            return decision
    return routing.route(*_routing_input(checkout, lines, stocks))


def _routing_input(checkout, lines, stocks, points=None):
    if points is None:
        points = list(availability.open_points().select_related("district").prefetch_related("delivers_to"))
    route_points = [_route_point(p) for p in points]
    available = {key: s.quantity_available for key, s in stocks.items()}
    if checkout.delivery_kind == DeliveryKind.PICKUP:
        destination = routing.Pickup(checkout.pickup_point_id)
    else:  # by 2022 district inside the province; outside it, the points that ship nationwide
        destination = delivery.routing_destination(checkout.ship_commune)
    route_lines = [routing.Line(line.variant_id, line.quantity, _label(line.variant), _label_en(line.variant))
                   for line in lines]
    return route_lines, route_points, available, destination


def complete_checkout(*, token, payment_method: str, idempotency_key: str | None = None, user=None,
                      client_ip: str = "") -> Completion:
    """Turn the checkout into an order: validate, lock stock, route, allocate — one transaction.

    Idempotent: the same `idempotency_key`, or completing the same checkout
    again (a double click), returns the order made the first time. A card
    order then gets its Stripe PaymentIntent (after the commit: no stock row
    stays locked while Stripe answers); if Stripe fails, the order keeps its
    reservation and calling again retries the payment.

    `client_ip` (shop.net.client_ip of the request) counts towards the open unpaid orders allowed per
    client address (orders/unpaid.py); only a keyed hash of it is stored on the order.
    """
    from orders import payments

    idempotency_key = (idempotency_key or "").strip() or None
    if idempotency_key and len(idempotency_key) > 80:
        raise ShopError(CheckoutErrorCode.INVALID_IDEMPOTENCY_KEY, "idempotencyKey dài tối đa 80 ký tự.",
                        "idempotencyKey is at most 80 characters.", field="idempotencyKey")
    if payment_method not in PaymentMethod.values:
        raise ShopError(CheckoutErrorCode.INVALID_PAYMENT_METHOD, "Phương thức thanh toán không hợp lệ.", "Unknown payment method.",
                        field="paymentMethod")
    try:
        with transaction.atomic():
            order, created = _complete_locked(token, payment_method, idempotency_key, user, client_ip)
    except IntegrityError:
        # A concurrent request with the same idempotency key won the race.
        order = Order.objects.filter(idempotency_key=idempotency_key).first() if idempotency_key else None
        if order is None:
            raise
        checkout = get_checkout(token, user=user, for_update=False)
        if checkout.order_id != order.pk:
            raise _idempotency_conflict() from None
        created = False
    result = Completion(order=order, created=created)
    if order.payment_method == PaymentMethod.CARD and order.status == Order.Status.UNCONFIRMED:
        try:
            result.client_secret = payments.ensure_payment_intent(order)
        except ShopError as exc:
            result.payment_error = exc
    return result


def _complete_locked(token, payment_method, idempotency_key, user, client_ip=""):
    if idempotency_key:
        previous = Order.objects.filter(idempotency_key=idempotency_key).first()
        if previous is not None:
            checkout = get_checkout(token, user=user, for_update=False)
            if checkout.order_id != previous.pk:
                raise _idempotency_conflict()
            return previous, False
    # The pickup point and the address's commune, for the checks; not the order (see below). A point
    # read with the lock may be as old as the lock wait, as one read before it would be: a point closed
    # meanwhile is as if closed a moment later.
    checkout = get_checkout(token, user=user, lock=True, for_update=False,
                            related=("pickup_point", "ship_commune__district", "ship_commune__province"))
    if checkout.order_id:
        # Not checkout.order: a row joined to a locked one may be from before the lock wait.
        return Order.objects.get(pk=checkout.order_id), False
    lines = list(checkout.lines.select_related("variant__product").annotate(variant_held=availability.held_flag("variant"))
                 .order_by("variant_id"))
    for line in lines:
        line.variant.is_held = line.variant_held
    if not lines:
        raise ShopError(CheckoutErrorCode.EMPTY_CHECKOUT, "Giỏ hàng chưa có sản phẩm nào.", "The cart is empty.", field="lines")
    services.require_contact(email=checkout.email, phone=checkout.phone)
    if not checkout.delivery_kind:
        raise ShopError(CheckoutErrorCode.DELIVERY_METHOD_REQUIRED, "Hãy chọn cách nhận hàng trước khi đặt.",
                        "Choose a delivery method before placing the order.", field="deliveryMethod")
    pickup_point = None
    if checkout.delivery_kind == DeliveryKind.PICKUP:
        pickup_point = check_pickup_point(checkout.pickup_point_id, field="deliveryMethod", point=checkout.pickup_point)
    if not payment_method_allowed(checkout, payment_method, lines):
        if payment_method == PaymentMethod.CARD:
            raise ShopError(PaymentErrorCode.CARD_PAYMENTS_UNAVAILABLE, "Hiện chưa nhận thanh toán thẻ; hãy chọn trả tiền mặt.",
                            "Card payments are not available; choose cash.", field="paymentMethod")
        if payment_method == PaymentMethod.BANK_TRANSFER:
            raise bank_transfers.unavailable()
        raise ShopError(
            CheckoutErrorCode.PAYMENT_METHOD_NOT_ALLOWED,
            "Trả tiền khi nhận hàng chỉ dùng khi giao tận nơi; trả tại điểm bán chỉ dùng khi nhận tại điểm.",
            "Cash on delivery is for delivery only; pay at pickup is for pickup only.", field="paymentMethod",
        )
    # The caps hold at completion too: a cap may have been lowered since the lines were written.
    if len(lines) > settings.ORDER_MAX_LINES:
        raise ShopError(CheckoutErrorCode.TOO_MANY_LINES, f"Tối đa {settings.ORDER_MAX_LINES} dòng mỗi đơn.",
                        f"At most {settings.ORDER_MAX_LINES} lines per order.", field="lines")
    for line in lines:
        _check_quantity(line.quantity, "lines")
    _check_units([line.quantity for line in lines])
    sellables = sellable_variants([line.variant_id for line in lines], field="lines",
                                  variants={line.variant_id: line.variant for line in lines})
    delivery.check_checkout(checkout, lines)  # still served, and every line may go there
    client = unpaid.client_hash(client_ip)
    unpaid.check_open_orders(email=checkout.email, phones=[checkout.phone, checkout.ship_phone], client=client,
                             user=user)

    # The rows routing may take units from: a pickup's point's alone, else every point's.
    stocks = allocation.lock_stock([line.variant_id for line in lines],
                                   [pickup_point.pk] if pickup_point is not None else None)
    decision = _route(checkout, lines, stocks, pickup_point)

    sums = totals(checkout, lines)
    card = payment_method == PaymentMethod.CARD
    transfer = payment_method == PaymentMethod.BANK_TRANSFER
    # The account of the points routing chose (refused here, before anything is written, if none).
    account = bank_transfers.account_for_order(decision.point_ids, sums.total_vnd) if transfer else None
    order = Order.objects.create(
        idempotency_key=idempotency_key,
        user=checkout.user, email=checkout.email, phone=checkout.phone, language=checkout.language,
        status=Order.Status.UNCONFIRMED if card or transfer else Order.Status.CONFIRMED,
        delivery_kind=checkout.delivery_kind, pickup_point_id=checkout.pickup_point_id,
        ship_name=checkout.ship_name, ship_phone=checkout.ship_phone, ship_street=checkout.ship_street,
        ship_commune_id=checkout.ship_commune_id,
        payment_method=payment_method,
        payment_status=Order.PaymentStatus.AWAITING if card or transfer else Order.PaymentStatus.NOT_PAID,
        subtotal_vnd=sums.subtotal_vnd, shipping_vnd=sums.shipping_vnd, total_vnd=sums.total_vnd,
        routing_reason=decision.reason, routing_reason_en=decision.reason_en,
        reserved_until=timezone.now() + datetime.timedelta(minutes=settings.ORDER_RESERVATION_MINUTES) if card else None,
        hold_until=unpaid.hold_deadline(payment_method), client_hash=client,
    )
    order.number = f"{settings.ORDER_NUMBER_PREFIX}{order.pk:06d}"
    order.save(update_fields=["number"])
    if transfer:
        bank_transfers.remember_account(order, account)
    order_lines = OrderLine.objects.bulk_create([
        OrderLine(
            order=order, variant=line.variant, product_name=line.variant.product.name,
            product_name_en=line.variant.product.name_en, variant_name=line.variant.name,
            variant_name_en=line.variant.name_en, sku=line.variant.sku,
            ocop_stars=sellables[line.variant_id].stars, unit_price_vnd=line.variant.price_vnd,
            quantity=line.quantity, total_vnd=line.variant.price_vnd * line.quantity,
        )
        for line in lines
    ])
    if not all(ol.pk for ol in order_lines):  # backends without RETURNING on bulk insert
        order_lines = list(order.lines.all())
    allocation.allocate(order=order, decision=decision, stocks=stocks, order_lines=order_lines, user=user)
    Checkout.objects.filter(pk=checkout.pk).update(order=order)
    with events.batch():  # "placed" and the messages' log lines in one write
        events.log(
            order, "PLACED",
            f"Đặt hàng {order.number}: {len(order_lines)} sản phẩm, tổng {format_vnd(order.total_vnd, 'vi')}. {decision.reason}",
            f"Order {order.number} placed: {len(order_lines)} items, total {format_vnd(order.total_vnd, 'en')}. "
            f"{decision.reason_en}",
            user=user, actor=order.email or order.phone,
        )
        if transfer:
            bank_transfers.order_placed(order)
        elif not card:
            notifications.order_confirmed(order, lines=order_lines, point_ids=decision.point_ids, new=True)
    return order, True
