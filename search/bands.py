"""The price bands of the catalogue and search facets: the one definition.

A band is [low, high) in VND, None for an open end (settings.SEARCH_PRICE_BANDS).
Its key ('0-100000', '500000-') is what a URL's `?price=` and the API's facet
values carry, the same for the embedded index, Elasticsearch and the
storefront's catalogue; its label is said in the active language.
"""
import functools

from django.conf import settings
from django.utils import translation

from shop.errors import pick
from shop.money import format_vnd

Band = tuple[int | None, int | None]


def price_bands() -> list[Band]:
    return list(settings.SEARCH_PRICE_BANDS)


def band_key(low, high) -> str:
    return f"{low or 0}-{high or ''}"


def bands_by_key() -> dict[str, Band]:
    return {band_key(low, high): (low, high) for low, high in price_bands()}


def price_in_band(price, low, high) -> bool:
    return (low is None or price >= low) and (high is None or price < high)


@functools.lru_cache(maxsize=64)
def _band_label(low, high, language) -> str:
    with translation.override(language):
        if low is None:
            return pick(f"Dưới {format_vnd(high)}", f"Under {format_vnd(high)}")
        if high is None:
            return pick(f"Từ {format_vnd(low)}", f"{format_vnd(low)} and up")
        return f"{format_vnd(low)} – {format_vnd(high)}"


def band_label(low, high) -> str:
    return _band_label(low, high, (translation.get_language() or "vi")[:2])
