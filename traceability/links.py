"""The shop's pages that traceability links to, in one place.

storefront sits above traceability, which may not import it: the links are
reversed by the storefront's URL names (storefront/urls.py) in the language
asked for, so they follow its translated routes: Vietnamese at the root
(`/san-pham/{slug}/`), English under `/en/` (`/en/products/{slug}/`).
"""
from django.conf import settings
from django.urls import reverse
from django.utils import translation

LANGUAGES = ("vi", "en")
OCOP_ANCHOR = "#ocop"  # the product page's OCOP certificate block


def _shop_url(name: str, language: str, absolute: bool, **kwargs) -> str:
    with translation.override(language if language in LANGUAGES else "vi"):
        path = reverse(f"storefront:{name}", kwargs=kwargs or None)
    return settings.SITE_URL.rstrip("/") + path if absolute else path


def product_page_url(product, language: str = "vi", *, absolute: bool = False) -> str:
    """The product's page on the shop (a path, or with `absolute` a full URL)."""
    return _shop_url("product", language, absolute, slug=product.slug)


def product_page_urls(product) -> dict[str, str]:
    """The product's page in each language, as full URLs (linksets)."""
    return {language: product_page_url(product, language, absolute=True) for language in LANGUAGES}


def certificate_url(product, language: str = "vi", *, absolute: bool = False) -> str:
    """Where the product page shows its OCOP certificate."""
    return product_page_url(product, language, absolute=absolute) + OCOP_ANCHOR
