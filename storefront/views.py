"""The shopper pages: thin callers of storefront.selectors and presenters.

Each view reads the request, asks a selector for the page's data and
renders a template; no rule of the shop is decided here.
"""
import secrets

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_safe

from storefront import cart, presenters, selectors


def _render(request, template, context=None, status=200):
    return _remember_language(request, render(request, template, context or {}, status=status))


def _remember_language(request, response):
    # Remember the language of the last page seen, for the pages outside the
    # language prefix (trace pages, order status) and the next visit.
    language = translation.get_language()
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH, secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY, samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def _listing_context(listing):
    return {
        "listing": listing,
        "filters": listing.filters,
        "canonical_params": {"page": listing.page} if listing.page > 1 else {},
        "noindex": listing.filters.active or bool(listing.filters.sort),
    }


@require_safe
def home(request):
    ref = selectors.Reference.load()
    return _render(request, "storefront/home.html", {"home": selectors.home(ref)})


@require_safe
def catalogue(request):
    ref = selectors.Reference.load()
    filters = selectors.parse_filters(request.GET, ref)
    listing = selectors.catalogue(filters, ref, selectors.parse_page(request.GET))
    return _render(request, "storefront/catalogue.html", _listing_context(listing))


@require_safe
def search(request):
    ref = selectors.Reference.load()
    filters = selectors.parse_filters(request.GET, ref)
    listing = selectors.search(filters, ref, selectors.parse_page(request.GET))
    context = _listing_context(listing)
    context["noindex"] = True
    return _render(request, "storefront/search.html", context)


@require_safe
def suggest(request):
    """As-you-type suggestions for the search box (storefront/static/storefront/suggest.js)."""
    found = selectors.suggestions(request.GET.get("q", ""))
    payload = {"suggestions": [{"text": s["text"], "url": reverse("storefront:product", args=[s["slug"]])} for s in found]}
    response = JsonResponse(payload)
    response["Cache-Control"] = "public, max-age=60"
    return response


# Rendered product pages, by everything they show (`_page_key`): the template costs several
# times the page's one query, and a product's page looks the same until its stock, a hold or
# its facts change. The visitor's CSRF token is put in on every response.
PAGES_MAX = 500
_pages: dict[tuple, str] = {}
_CSRF_MARK = f"csrf-{secrets.token_hex(16)}"  # unguessable: no product text can contain it


def _page_key(request, page) -> tuple | None:
    """None when the page must be rendered afresh: facts not kept, or flash messages waiting
    (rendering them marks them read)."""
    if page.key is None or len(get_messages(request)):
        return None
    return (page.key, translation.get_language(), request.get_full_path(), cart.count(request))


@require_safe
def product(request, slug):
    page = selectors.product_page(slug)
    key = _page_key(request, page)
    html = _pages.get(key) if key is not None else None
    if html is None:
        html = render_to_string("storefront/product.html", {
            "page": page, "product": page.product, "jsonld": presenters.product_jsonld(page),
            "csrf_token": _CSRF_MARK,
        }, request)
        if key is not None:
            if len(_pages) >= PAGES_MAX:
                _pages.clear()
            _pages[key] = html
    if _CSRF_MARK in html:  # a product with nothing to sell has no form, and sets no CSRF cookie
        html = html.replace(_CSRF_MARK, get_token(request))
    return _remember_language(request, HttpResponse(html))


@require_safe
def producers(request):
    return _render(request, "storefront/producers.html", {"producers": selectors.producers()})


@require_safe
def producer(request, slug):
    producer, cards = selectors.producer_page(slug)
    return _render(request, "storefront/producer.html", {
        "producer": producer, "cards": cards, "jsonld": presenters.producer_jsonld(producer),
    })


@require_safe
def sales_points(request):
    ref = selectors.Reference.load()
    return _render(request, "storefront/sales_points.html", {"points": selectors.sales_points(ref)})


@require_safe
def sales_point(request, code):
    ref = selectors.Reference.load()
    point, delivers_to, cards, count = selectors.sales_point_page(code, ref)
    return _render(request, "storefront/sales_point.html", {
        "point": point, "delivers_to": delivers_to, "cards": cards, "count": count,
        "jsonld": presenters.sales_point_jsonld(point, delivers_to),
    })


@require_safe
def robots_txt(request):
    """Crawl the shop, not its back rooms; the sitemap names every page."""
    from django.http import HttpResponse

    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /graphql/",
    ]
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            lines += [f"Disallow: {reverse(name)}" for name in ("storefront:cart", "storefront:checkout", "storefront:suggest", "storefront:staff:home")]
    lines += ["Allow: /", "", f"Sitemap: {presenters.absolute('/sitemap.xml')}", ""]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response
