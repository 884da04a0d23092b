"""The cart count in the page header, read from the session (storefront.cart): no query of its own."""
from django import template

from storefront import cart

register = template.Library()


@register.simple_tag(takes_context=True)
def cart_count(context) -> int:
    request = context.get("request")
    return cart.count(request) if request is not None else 0
