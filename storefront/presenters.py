"""Turn catalogue rows into what a page shows, in the page's language.

No rule is decided here: which certificate may show its stars is
`catalog.certification.displayable`, prices are `shop.money.format_vnd`.
Presenters only pick the right language, build image `srcset`s and the
schema.org JSON-LD documents.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import formats, translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from catalog import certification
from shop.addresses import province_label
from shop.errors import pick
from shop.money import format_vnd

SCHEMA = "https://schema.org"


def lang() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE)[:2]


def loc(obj, name: str) -> str:
    """`obj.<name>_en` on English pages when it is filled, else `obj.<name>`."""
    if obj is None:
        return ""
    if lang() == "en":
        english = getattr(obj, f"{name}_en", "")
        if english:
            return english
    return getattr(obj, name, "") or ""


def absolute(path: str) -> str:
    """A public absolute URL on the shop's own origin (settings.SITE_URL)."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}{path}"


# -- labels ------------------------------------------------------------------

PRODUCER_KINDS_EN = {
    "COOPERATIVE": "cooperative", "ENTERPRISE": "enterprise",
    "COOPERATIVE_GROUP": "cooperative group", "HOUSEHOLD": "household business",
}
POINT_KINDS_EN = {"PROVINCIAL": "Provincial centre", "DISTRICT": "District point", "FAIR": "Fair stall"}
COMMUNE_KINDS_EN = {"xa": "commune", "phuong": "ward", "thi_tran": "township", "dac_khu": "special zone"}


def producer_kind(producer) -> str:
    return pick(producer.get_kind_display(), PRODUCER_KINDS_EN.get(producer.kind))


def point_kind(point) -> str:
    return pick(point.get_kind_display(), POINT_KINDS_EN.get(point.kind))


def district_name(district) -> str:
    if district is None:
        return ""
    return pick(district.name, district.name_en or district.name)


def commune_name(commune) -> str:
    """'xã Sam Mứn' / 'Sam Mứn commune' (Vietnamese place names keep their marks)."""
    if commune is None:
        return ""
    return pick(f"{commune.get_kind_display()} {commune.name}", f"{commune.name} {COMMUNE_KINDS_EN.get(commune.kind, '')}".strip())


def commune_place(commune) -> str:
    """An address's commune with its province: 'phường Hoàn Kiếm, thành phố Hà Nội' / 'Hoàn Kiếm ward,
    Ha Noi City' (a 2025 unit: select_related its province in lists); a 2022 commune, of the shop's
    own province, as commune_name."""
    text = commune_name(commune)
    if commune is not None and commune.province_id:
        text += ", " + province_label(commune.province, lang())
    return text


def origin_commune(commune) -> str:
    """A 2022 commune with the 2025 commune it was merged into, if known."""
    if commune is None:
        return ""
    text = commune_name(commune)
    if commune.successor_id and commune.successor_id != commune.pk:
        successor = commune_name(commune.successor)
        if successor != text:
            text += pick(f" (nay là {successor})", f" (since July 2025: {successor})")
    return text


def price_range(prices: list[int]) -> str:
    if not prices:
        return ""
    low, high = min(prices), max(prices)
    if low == high:
        return format_vnd(low)
    return pick(f"từ {format_vnd(low)}", f"from {format_vnd(low)}")


def certificate_status(cert) -> str:
    status = certification.status_of(cert)
    return pick(status.label, status.label_en)


LAPSED = (certification.CertificateStatus.EXPIRED, certification.CertificateStatus.REVOKED)


def lapsed_notice(status, cert) -> str:
    """Why a product shows no OCOP stars although it was certified (`certification.standing`):
    'Chứng nhận OCOP hết hạn ngày 14/03/2025 …', or '' when its standing is not lapsed."""
    if cert is None or status not in LAPSED:
        return ""
    if status == certification.CertificateStatus.REVOKED:
        day = cert.revoked_at
        return pick(
            f"Chứng nhận OCOP bị thu hồi từ ngày {day:%d/%m/%Y}; sản phẩm không còn mang nhãn OCOP.",
            f"OCOP certificate revoked on {day:%d/%m/%Y}; the product no longer carries the OCOP mark.",
        )
    day = cert.valid_until
    return pick(
        f"Chứng nhận OCOP hết hạn ngày {day:%d/%m/%Y}. Sản phẩm vẫn có thể được bán, nhưng không được mang "
        "nhãn OCOP cho tới khi được chứng nhận lại.",
        f"OCOP certificate expired on {day:%d/%m/%Y}. The product may still be sold, but without the OCOP mark "
        "until it is certified again.",
    )


# -- pictures ----------------------------------------------------------------

@dataclass
class Picture:
    src: str
    srcset: str
    width: int
    height: int
    alt: str

    @classmethod
    def of(cls, image, size: int = 320) -> Picture:
        """The smallest WebP rendition at least `size` wide as `src`, all of them as `srcset`."""
        renditions = image.renditions or []
        urls = [(default_storage.url(r["path"]), r) for r in renditions]
        srcset = ", ".join(f"{url.replace(' ', '%20')} {r['width']}w" for url, r in urls)
        fitting = [(url, r) for url, r in urls if r["width"] >= size] or urls[-1:]
        if fitting:
            url, r = fitting[0]
            return cls(url, srcset, r["width"], r["height"], loc(image, "alt"))
        return cls(image.image.url, "", image.width, image.height, loc(image, "alt"))


# -- the product page's stock list ---------------------------------------------

def point_url(point) -> str:
    return reverse("storefront:sales_point", args=[point.code])


def stock_at_point(lines) -> SafeString:
    """"Hũ 250 g: còn 5 · Hũ 500 g: hết" for one point's [(variant, units)], as the template's
    {% blocktranslate count %} wrote it (names escaped, the catalogue's translation not), built
    here once instead of three template tags per variant."""
    parts = []
    for variant, qty in lines:
        if qty:
            text = translation.ngettext("còn %(n)s", "còn %(n)s", qty) % {"n": conditional_escape(formats.localize(qty))}
        else:
            text = conditional_escape(translation.gettext("hết"))
        parts.append(f"{conditional_escape(loc(variant, 'name'))}: {text}")
    return mark_safe(" · ".join(parts))


# -- product cards -------------------------------------------------------------

@dataclass
class Card:
    """A product in a list: what a buyer needs to decide to open it."""

    slug: str
    url: str
    name: str
    place: str
    producer: str
    price: str
    certificates: list = field(default_factory=list)
    picture: Picture | None = None
    initial: str = ""


def card(product) -> Card:
    """`product` comes from storefront.selectors with its variants, certificates
    and images prefetched (`published_variants`, `certifications`, `images`)."""
    images = list(product.images.all())
    district = product.district or (product.producer.district if product.producer_id else None)
    name = loc(product, "name")
    return Card(
        slug=product.slug,
        url=reverse("storefront:product", kwargs={"slug": product.slug}),
        name=name,
        place=district_name(district),
        producer=product.producer.name if product.producer_id else "",
        price=price_range([v.price_vnd for v in product.published_variants]),
        certificates=list(product.certifications.all()),
        picture=Picture.of(images[0]) if images else None,
        initial=name[:1].upper(),
    )


# -- schema.org JSON-LD ----------------------------------------------------------

AVAILABILITY = {True: f"{SCHEMA}/InStock", False: f"{SCHEMA}/OutOfStock"}


def product_jsonld(page) -> dict:
    """schema.org Product with one Offer per variant, priced in VND."""
    product = page.product
    url = absolute(reverse("storefront:product", kwargs={"slug": product.slug}))
    doc = {
        "@context": SCHEMA,
        "@type": "Product",
        "name": loc(product, "name"),
        "description": loc(product, "description"),
        "url": url,
        "category": loc(product.group, "name"),
        "countryOfOrigin": {"@type": "Country", "name": "VN"},
        "offers": [],
    }
    if page.pictures:
        doc["image"] = [absolute(p.src) for p in page.pictures]
    if product.producer_id:
        doc["brand"] = {"@type": "Brand", "name": product.producer.name}
        doc["manufacturer"] = producer_jsonld(product.producer, with_context=False)
    if page.certificate is not None:
        cert = page.certificate
        doc["award"] = pick(
            f"OCOP {cert.stars} sao — {cert.decision_number}", f"OCOP {cert.stars} stars — {cert.decision_number}"
        )
    for variant in page.variants:
        offer = {
            "@type": "Offer",
            "sku": variant.variant.sku,
            "name": loc(variant.variant, "name"),
            "price": str(variant.variant.price_vnd),
            "priceCurrency": "VND",
            "availability": AVAILABILITY[variant.available > 0],
            "url": url,
        }
        gtin = variant.variant.gtin or ""
        if len(gtin) in (8, 12, 13, 14):
            offer[f"gtin{len(gtin)}"] = gtin
        doc["offers"].append(offer)
    return doc


def producer_jsonld(producer, with_context: bool = True) -> dict:
    doc = {
        "@type": "Organization",
        "name": producer.name,
        "url": absolute(reverse("storefront:producer", kwargs={"slug": producer.slug})),
    }
    if with_context:
        doc = {"@context": SCHEMA, **doc}
    if loc(producer, "story"):
        doc["description"] = loc(producer, "story")
    if producer.phone:
        doc["telephone"] = producer.phone
    if producer.gln:
        doc["globalLocationNumber"] = producer.gln
    address = {"@type": "PostalAddress", "addressRegion": "Điện Biên", "addressCountry": "VN"}
    if producer.address:
        address["streetAddress"] = producer.address
    commune = producer.commune or producer.former_commune
    if commune is not None:
        address["addressLocality"] = commune_name(commune)
    doc["address"] = address
    return doc


def sales_point_jsonld(point, delivers_to) -> dict:
    doc = {
        "@context": SCHEMA,
        "@type": "LocalBusiness",
        "name": loc(point, "name"),
        "url": absolute(reverse("storefront:sales_point", kwargs={"code": point.code})),
        "address": {
            "@type": "PostalAddress", "streetAddress": point.address,
            "addressLocality": district_name(point.district), "addressRegion": "Điện Biên", "addressCountry": "VN",
        },
        "geo": {"@type": "GeoCoordinates", "latitude": float(point.latitude), "longitude": float(point.longitude)},
        "currenciesAccepted": "VND",
    }
    if point.phone:
        doc["telephone"] = point.phone
    if point.opening_hours:
        doc["description"] = point.opening_hours
    if delivers_to:
        doc["areaServed"] = [{"@type": "AdministrativeArea", "name": district_name(d)} for d in delivers_to]
    return doc
