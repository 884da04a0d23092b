"""Money is whole Vietnamese đồng, held as int and never as float.

VND has no minor unit in use (Stripe treats it as zero-decimal), so
125,000 ₫ is the integer 125000 everywhere: database, API, Stripe.
"""
from babel.numbers import format_currency
from django.utils import translation

CURRENCY = "VND"
_BABEL_LOCALES = {"vi": "vi_VN", "en": "en_US"}


def format_vnd(amount: int, language: str | None = None) -> str:
    """'125.000 ₫' in Vietnamese, '₫125,000' in English."""
    if isinstance(amount, float):
        raise TypeError("money is whole đồng: pass an int, not a float")
    language = (language or translation.get_language() or "vi")[:2]
    locale = _BABEL_LOCALES.get(language, "vi_VN")
    # Babel's VND pattern already has no decimals; the NBSP it puts before ₫
    # in Vietnamese is kept so a price never breaks across lines.
    return format_currency(int(amount), CURRENCY, locale=locale)
