"""The shopper's cart is an `orders.models.Checkout`; the session only holds its token.

Also kept in the session: the number of units in the cart, so the header of
every page shows it without a query of its own (the pages that change the
cart write it; the cart page refreshes it from the lines it reads).
"""
import uuid

from orders import checkout as checkout_service
from shop.errors import ShopError

TOKEN_KEY = "cart_token"
COUNT_KEY = "cart_count"


def token(request) -> uuid.UUID | None:
    value = request.session.get(TOKEN_KEY)
    try:
        return uuid.UUID(value) if value else None
    except (TypeError, ValueError):
        return None


def remember(request, checkout, count: int) -> None:
    request.session[TOKEN_KEY] = str(checkout.token)
    set_count(request, count)


def set_count(request, count: int) -> None:
    if request.session.get(COUNT_KEY) != count:
        request.session[COUNT_KEY] = count


def count(request) -> int:
    """Units in the cart, from the session (no query beyond loading the session, and none without one)."""
    session = getattr(request, "session", None)
    return int(session.get(COUNT_KEY) or 0) if session is not None else 0


def forget(request) -> None:
    request.session.pop(TOKEN_KEY, None)
    request.session.pop(COUNT_KEY, None)


def current(request, *, completed_ok: bool = False):
    """The session's checkout, or None; a token that expired, or whose checkout became an
    order, is forgotten. With `completed_ok` a checkout already turned into an order is
    returned instead, so a second click on "place order" finds the order the first one made.
    """
    value = token(request)
    if value is None:
        return None
    try:
        return checkout_service.get_checkout(value, user=request.user, for_update=not completed_ok)
    except ShopError:
        forget(request)
        return None
