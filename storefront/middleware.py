"""Language negotiation that keeps the rest of the shop's URLs negotiating.

With `i18n_patterns(..., prefix_default_language=False)` in the root
URLconf, Django's LocaleMiddleware activates LANGUAGE_CODE on *every* path
without a language prefix, ignoring the language cookie and
Accept-Language. That is right for the storefront's Vietnamese pages
(`/san-pham/…` is Vietnamese, `/en/products/…` English), but wrong for the
URLs that have no language twin: `/graphql/` (its errors follow
Accept-Language), the trace pages `/q/{code}` and `/01/…`, the order status
page. This middleware forces the default language only on storefront pages
and lets everything else negotiate as before.
"""
import functools

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.middleware.locale import LocaleMiddleware
from django.urls import Resolver404, resolve
from django.utils import translation

STOREFRONT_NAMESPACE = "storefront"


@functools.lru_cache(maxsize=4096)
def is_storefront_page(path: str, urlconf) -> bool:
    """Does an unprefixed `path` name a storefront page (in the default language)? The
    URLconf does not change while the process runs, so the answer is kept (every request
    asks, and the trace pages of a lot are asked for again and again)."""
    with translation.override(settings.LANGUAGE_CODE):
        try:
            match = resolve(path, urlconf)
        except Resolver404:
            return False
    return STOREFRONT_NAMESPACE in match.namespaces


class ShopLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        i18n_patterns_used, prefixed_default_language = is_language_prefix_patterns_used(urlconf)
        language = translation.get_language_from_request(request, check_path=i18n_patterns_used)
        language_from_path = translation.get_language_from_path(request.path_info)
        if (
            not language_from_path
            and i18n_patterns_used
            and not prefixed_default_language
            and is_storefront_page(request.path_info, urlconf)
        ):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
