"""Template helpers of the shopper pages: money, language, the OCOP badge,
JSON-LD, canonical and hreflang links, and page links that keep the filters."""
import json
from dataclasses import dataclass

from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.html import _json_script_escapes, format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from catalog import certification
from shop.money import format_vnd
from storefront import presenters

register = template.Library()


@register.filter
def vnd(amount):
    """{{ 125000|vnd }} -> '125.000 ₫' (vi) or '₫125,000' (en)."""
    if amount is None or amount == "":
        return ""
    return format_vnd(int(amount))


@register.filter
def loc(obj, name):
    """{{ product|loc:"name" }}: the English field on English pages when filled."""
    return presenters.loc(obj, name)


@register.filter
def district_name(district):
    return presenters.district_name(district)


@register.filter
def commune_name(commune):
    return presenters.commune_name(commune)


@register.filter
def commune_place(commune):
    return presenters.commune_place(commune)


@register.filter
def origin_commune(commune):
    return presenters.origin_commune(commune)


@register.filter
def point_kind(point):
    return presenters.point_kind(point)


@register.filter
def producer_kind(producer):
    return presenters.producer_kind(producer)


@register.inclusion_tag("storefront/includes/ocop_badge.html")
def ocop_badge(certificates, details=False):
    """The OCOP stars, drawn only from a certificate valid today
    (catalog.certification.displayable); nothing at all otherwise."""
    cert = certification.displayable(list(certificates or []))
    if cert is None:
        return {"cert": None}
    return {
        "cert": cert,
        "filled": range(cert.stars),
        "details": details,
        "status": presenters.certificate_status(cert),
        "expiring": certification.status_of(cert) == certification.CertificateStatus.EXPIRING,
    }


@register.simple_tag
def jsonld(document):
    """A schema.org document in a <script type="application/ld+json">, with <, > and & escaped."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text.translate(_json_script_escapes)))


@dataclass
class Alternate:
    code: str
    name: str
    href: str
    current: bool


@dataclass
class PageLinks:
    canonical: str
    alternates: list
    x_default: str
    switch: list


@register.simple_tag(takes_context=True)
def page_links(context):
    """Canonical URL, hreflang alternates and the language switch of this page.

    The switch keeps the visitor on the same page (and query) in the other
    language; on a page that has no twin (an unknown URL) it leads home.
    """
    request = context.get("request")
    current = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    if request is None:
        return PageLinks("", [], "", [])
    params = context.get("canonical_params") or {}
    query = f"?{urlencode(params)}" if params else ""
    # Django's 404 handler renders with `request_path`: a missing page has no twin to point at.
    indexable = not (context.get("not_found") or "request_path" in context)
    alternates, switch = [], []
    for code, name in settings.LANGUAGES:
        path = translate_url(request.path, code)
        translatable = code == current or path != request.path
        if translatable:
            alternates.append(Alternate(code, name, presenters.absolute(path + query), code == current))
        with translation.override(code):
            home = reverse("storefront:home")
        full = translate_url(request.get_full_path(), code) if translatable and indexable else home
        switch.append(Alternate(code, name, full, code == current))
    if not indexable or len(alternates) < len(settings.LANGUAGES):
        return PageLinks("", [], "", switch)
    canonical = next(a.href for a in alternates if a.current)
    x_default = next(a.href for a in alternates if a.code == settings.LANGUAGE_CODE[:2])
    return PageLinks(canonical, alternates, x_default, switch)


@register.simple_tag(takes_context=True)
def page_url(context, page):
    """This page's URL with `page` changed and every filter kept."""
    request = context["request"]
    params = request.GET.copy()
    if int(page) <= 1:
        params.pop("page", None)
    else:
        params["page"] = str(page)
    encoded = params.urlencode()
    return f"{request.path}?{encoded}" if encoded else request.path
