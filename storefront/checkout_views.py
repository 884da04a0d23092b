"""The cart, checkout and order status pages.

Each view parses the form, calls orders.checkout / orders.services /
orders.payments and renders; the services' errors (ShopError, in both
languages) are shown beside the field or cart line they name. Every page
works without JavaScript except the card step, which loads Stripe.js there
and nowhere else.
"""
import uuid

from django.conf import settings
from django.contrib import messages
from django.db.models import Sum
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from orders import checkout as checkout_service
from orders import payments, services
from orders.models import PaymentMethod
from shop.errors import ShopError, pick
from shop.net import client_ip
from storefront import cart, checkout_pages, delivery_pages, presenters
from storefront.forms import AddToCartForm, DeliveryForm, LineQuantityForm, PaymentForm, add_service_error
from storefront.views import _render

STRIPE_JS = "https://js.stripe.com/v3/"
# A cart-add error about a variant already in the cart is shown beside its line.
VARIANT_TAG = "cart-variant-"


def _units(checkout) -> int:
    return checkout.lines.aggregate(n=Sum("quantity"))["n"] or 0


# -- cart ---------------------------------------------------------------------------------------


@require_POST
def cart_add(request):
    """Add a variant from the product page; on any problem the cart page says what to do."""
    form = AddToCartForm(request.POST)
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
        return redirect("storefront:cart")
    variant_id, quantity = form.cleaned_data["variant"], form.cleaned_data["quantity"]
    checkout = cart.current(request)
    try:
        if checkout is None:
            checkout = checkout_service.create_checkout(
                lines=[(variant_id, quantity)], language=presenters.lang(), user=request.user
            )
        else:
            checkout_service.add_lines(token=checkout.token, lines=[(variant_id, quantity)], user=request.user)
    except ShopError as error:
        # Out of stock or off sale: said for the product page, where another pack size can be chosen.
        refusal = checkout_pages.add_refusal(variant_id)
        if refusal is not None:
            messages.error(request, refusal.message)
            return redirect(refusal.url)
        messages.error(request, error.message, extra_tags=f"{VARIANT_TAG}{variant_id}")
        return redirect("storefront:cart")
    cart.remember(request, checkout, _units(checkout))
    messages.success(request, pick("Đã thêm vào giỏ hàng.", "Added to your cart."))
    return redirect("storefront:cart")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def cart_page(request):
    """The lines with their quantities; one form saves every quantity, removes a line, or goes to checkout.

    Each line is saved on its own, so a refused quantity (too many, out of stock, a lapsed
    certificate) is shown beside its line while the other lines keep their changes.
    """
    checkout = cart.current(request)
    lines = checkout_pages.cart_lines(checkout)
    forms = {}
    if request.method == "POST" and checkout is not None:
        forms, saved = _save_quantities(request, checkout, lines)
        if saved:
            return redirect("storefront:checkout" if "checkout" in request.POST else "storefront:cart")
        lines = checkout_pages.cart_lines(checkout)
    rows, top = _cart_rows(request, lines, forms)
    if checkout is not None:
        cart.set_count(request, checkout_pages.units(lines))
    # Where the items can go: the fee to the province chosen (?province=, or at checkout) and a note per line.
    shipping = delivery_pages.cart_delivery(request, checkout, lines)
    for row in rows:
        row.travel_note = shipping.notes.get(row.id, "")
    return _render(request, "storefront/cart.html", {
        "lines": rows, "top_messages": top, "checkout": checkout, "noindex": True,
        "subtotal": sum(row.total for row in rows), "shipping": shipping,
    })


def _save_quantities(request, checkout, lines) -> tuple[dict, bool]:
    """Save each changed line (every line when going to checkout): the forms by line id, and
    whether everything was saved."""
    removed = request.POST.get("remove", "")
    going_on = "checkout" in request.POST
    forms, saved = {}, True
    for line in lines:
        form = None
        if removed == str(line.pk):
            wanted = 0
        else:
            form = forms[line.pk] = LineQuantityForm(request.POST, prefix=f"line-{line.pk}")
            if not form.is_valid():
                saved = False
                continue
            wanted = form.cleaned_data["quantity"]
        # Going to checkout re-checks every line: a certificate may have lapsed or stock run out since.
        if wanted == line.quantity and not going_on:
            continue
        try:
            checkout_service.update_lines(token=checkout.token, lines=[(line.variant_id, wanted)], user=request.user)
        except ShopError as error:
            saved = False
            if form is None:
                messages.error(request, error.message)
            else:
                form.add_error("quantity", error.message)
    return forms, saved


def _cart_rows(request, lines, forms):
    """Cart lines with their form (the typed value kept on error) and the messages meant for them."""
    by_variant = {line.variant_id: line.pk for line in lines}
    beside: dict[int, list] = {}
    top = []
    for message in messages.get_messages(request):
        variant = next((t[len(VARIANT_TAG):] for t in message.extra_tags.split() if t.startswith(VARIANT_TAG)), "")
        line_id = by_variant.get(int(variant)) if variant.isdigit() else None
        if line_id is not None:
            beside.setdefault(line_id, []).append(message.message)
        else:
            top.append(message)
    rows = []
    for line in lines:
        row = checkout_pages.cart_line(line)
        row.form = forms.get(line.pk) or LineQuantityForm(prefix=f"line-{line.pk}", initial={"quantity": line.quantity})
        row.errors = beside.get(line.pk, [])
        rows.append(row)
    return rows, top


# -- checkout: contact and delivery ----------------------------------------------------------------


def _delivery_initial(checkout) -> dict:
    return {
        "email": checkout.email, "phone": checkout.phone,
        "delivery_method": checkout.delivery_kind or "",
        "pickup_point": checkout.pickup_point.code if checkout.pickup_point_id else "",
        "ship_name": checkout.ship_name, "ship_phone": checkout.ship_phone,
        "ship_street": checkout.ship_street, "ship_commune": checkout.ship_commune_id,
    }


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def checkout_details(request):
    """Step 1: contact (e-mail, phone) and how the order reaches the shopper."""
    checkout = cart.current(request)
    lines = checkout_pages.cart_lines(checkout)
    if not lines:
        return redirect("storefront:cart")
    points = checkout_pages.pickup_points()
    if request.method == "POST" and delivery_pages.FIND in request.POST:
        # "Show the communes" / "Find": the page again with the province's communes; nothing saved.
        form = DeliveryForm(initial=request.POST.dict(), points=points)
    elif request.method == "POST":
        form = DeliveryForm(request.POST, points=points)
        parsed = form.is_valid()
        if _save_details(request, checkout, form) and parsed:
            return redirect("storefront:checkout_payment")
    else:
        form = DeliveryForm(initial={**_delivery_initial(checkout), **delivery_pages.query_initial(request)},
                            points=points)
    return _render(request, "storefront/checkout.html", {
        "form": form, "points": points, "fills": checkout_pages.pickup_fill(points, lines), "address": delivery_pages.address_picker(request, checkout, form),
        "summary": checkout_pages.review(checkout, lines), "step": 1, "noindex": True,
    })


def _save_details(request, checkout, form) -> bool:
    """Contact, then delivery, each saved when it is right; every problem is put beside its field.

    Runs on whatever the form could parse, so one visit shows every mistake at once.
    """
    data = form.cleaned_data
    ok = True
    # The e-mail and the phone one at a time, so a mistake in both is shown beside both.
    for name in ("email", "phone"):
        if name in data:
            ok &= _call(form, checkout_service.update_contact, token=checkout.token, user=request.user,
                        **{name: data[name]})
    if ok and "email" in data and "phone" in data:
        ok &= _call(form, services.require_contact, email=data["email"], phone=data["phone"])
    if form.delivery_fields_parsed():
        if form.is_delivery:
            ok &= _call(form, checkout_service.set_delivery, token=checkout.token, address=form.address(),
                        user=request.user)
        else:
            point = data.get("pickup_point")
            ok &= _call(form, checkout_service.set_delivery, token=checkout.token,
                        pickup_point_id=point.pk if point else None, user=request.user)
    return ok


def _call(form, service, **kwargs) -> bool:
    """Call a service; its ShopError goes beside the field it names."""
    try:
        service(**kwargs)
    except ShopError as error:
        add_service_error(form, error)
        return False
    return True


# -- checkout: payment and placing the order -------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def checkout_payment(request):
    """Step 2: the order as it will be placed, the payment method, and the button that places it.

    The form carries an idempotency key made when the page is shown: a double submit (or a
    retry after a lost response) gets the order the first submit made.
    """
    checkout = cart.current(request, completed_ok=True)
    if checkout is not None and checkout.order_id and request.method != "POST":
        return redirect("storefront:order_status", token=checkout.order.token)
    lines = checkout_pages.cart_lines(checkout)
    if not lines:
        return redirect("storefront:cart")
    if not checkout.delivery_kind:
        return redirect("storefront:checkout")
    review = checkout_pages.review(checkout, lines)
    if request.method == "POST":
        form = PaymentForm(request.POST)
        if form.is_valid():
            try:
                completion = checkout_service.complete_checkout(
                    token=checkout.token, payment_method=form.cleaned_data["payment_method"],
                    idempotency_key=form.cleaned_data["idempotency_key"], user=request.user,
                    client_ip=client_ip(request),
                )
            except ShopError as error:
                add_service_error(form, error)
            else:
                return _placed(request, completion.order)
    else:
        only = review.methods[0] if len(review.methods) == 1 else ""
        form = PaymentForm(initial={"payment_method": only, "idempotency_key": uuid.uuid4().hex})
    return _render(request, "storefront/checkout_payment.html", {
        "form": form, "checkout": checkout, "review": review, "step": 2, "noindex": True,
        "methods": checkout_pages.payment_choices(review.methods),
    })


def _placed(request, order):
    cart.set_count(request, 0)
    if checkout_pages.awaits_card_payment(order):
        return redirect("storefront:checkout_card", token=order.token)
    if order.payment_method == PaymentMethod.BANK_TRANSFER:
        messages.success(request, pick(
            f"Đơn hàng {order.number} đã được đặt. Hãy chuyển khoản theo mã QR dưới đây; hãy lưu trang này để theo dõi đơn.",
            f"Order {order.number} is placed. Pay by bank transfer with the QR code below; keep this page to follow it.",
        ))
        return redirect(reverse("storefront:order_status", kwargs={"token": order.token}) + "#vietqr")
    messages.success(request, pick(
        f"Cảm ơn bạn! Đơn hàng {order.number} đã được đặt. Hãy lưu trang này để theo dõi đơn.",
        f"Thank you! Order {order.number} is placed. Keep this page to follow it.",
    ))
    return redirect("storefront:order_status", token=order.token)


# -- checkout: card payment (the only step that needs JavaScript) ------------------------------------


@never_cache
@require_safe
def checkout_card(request, token):
    """Step 3 for card orders: Stripe Elements with the client secret of the order's payment."""
    try:
        order = services.get_order_by_token(token)
    except ShopError as error:
        return _order_missing(request, error)
    if not checkout_pages.awaits_card_payment(order):
        return redirect("storefront:order_status", token=order.token)
    client_secret, problem = "", None
    try:
        client_secret = payments.ensure_payment_intent(order)
    except ShopError as error:
        problem = error.message
    return _render(request, "storefront/checkout_card.html", {
        "order": order, "client_secret": client_secret, "problem": problem, "stripe_js": STRIPE_JS,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY, "step": 3, "noindex": True,
    })


@never_cache
@require_safe
def checkout_card_failed(request, token):
    """What to do when the card is refused: try again while the items are held, or pay another way."""
    try:
        order = services.get_order_by_token(token)
    except ShopError as error:
        return _order_missing(request, error)
    return _render(request, "storefront/checkout_card_failed.html", {
        "order": order, "can_retry": checkout_pages.awaits_card_payment(order), "noindex": True,
    })


# -- the order status page ------------------------------------------------------------------------------


def _order_missing(request, error):
    return _render(request, "storefront/order_status_missing.html", {
        "message": error.message, "not_found": True, "noindex": True,
    }, status=404)


@never_cache
@require_safe
def order_status(request, token):
    """The customer's page, reached by the secret token in the confirmation e-mail."""
    try:
        page = checkout_pages.order_page(token)
    except ShopError as error:
        return _order_missing(request, error)
    return _render(request, "storefront/order_status.html", {
        "page": page, "order": page.order, "noindex": True, "flash": messages.get_messages(request),
    })


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def order_cancel(request, token):
    """Cancel before hand-over: GET asks for confirmation, POST cancels."""
    try:
        page = checkout_pages.order_page(token)
    except ShopError as error:
        return _order_missing(request, error)
    status_url = reverse("storefront:order_status", kwargs={"token": page.order.token})
    if request.method == "POST":
        try:
            services.cancel_by_customer(token=page.order.token)
        except ShopError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, pick("Đơn hàng đã được huỷ.", "Your order is cancelled."))
        return redirect(status_url)
    if not page.can_cancel:
        messages.error(request, pick(
            "Đơn này không huỷ được nữa; hãy liên hệ điểm bán nếu cần đổi trả.",
            "This order can no longer be cancelled; contact the sales point for a return.",
        ))
        return redirect(status_url)
    return _render(request, "storefront/order_status_cancel.html", {"page": page, "order": page.order, "noindex": True})
