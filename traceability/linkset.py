"""RFC 9264 linksets with GS1 link types, for resolver clients.

Valid against GS1's resolver linkset schema: link relations are full
`https://gs1.org/voc/…` URIs, each link has `href` and `title`.
"""
from catalog import certification
from traceability import links

GS1 = "https://gs1.org/voc/"
CONTENT_TYPE = "application/linkset+json"


def _pip(product) -> list[dict]:
    urls = links.product_page_urls(product)
    return [
        {"href": urls["vi"], "title": product.name, "type": "text/html", "hreflang": ["vi"]},
        {"href": urls["en"], "title": product.name_en or product.name, "type": "text/html", "hreflang": ["en"]},
    ]


def _certification(product) -> list[dict]:
    cert = certification.displayable(product.certifications.all())
    if cert is None:  # the OCOP mark is shown only while a certificate is valid
        return []
    return [{
        "href": links.certificate_url(product, "vi", absolute=True),
        "title": f"OCOP {cert.stars}★ — {cert.decision_number}, hiệu lực đến {cert.valid_until:%d/%m/%Y}",
        "type": "text/html",
        "hreflang": ["vi"],
    }]


def for_product(product, anchor: str) -> dict:
    entry = {"anchor": anchor, "itemDescription": product.name, GS1 + "pip": _pip(product),
             GS1 + "defaultLink": _pip(product)[:1]}
    cert = _certification(product)
    if cert:
        entry[GS1 + "certificationInfo"] = cert
    return {"linkset": [entry]}


def for_batch(batch, anchor: str, serial: str | None = None) -> dict:
    product = batch.variant.product
    what = f"{product.name} — {batch.variant.name}, lô {batch.lot_code}" + (f", sê-ri {serial}" if serial else "")
    entry = {
        "anchor": anchor,
        "itemDescription": what,
        GS1 + "defaultLink": [{"href": anchor, "title": "Trang truy xuất / Trace page", "type": "text/html",
                               "hreflang": ["vi", "en"]}],
        GS1 + "pip": _pip(product),
        GS1 + "traceability": [
            {"href": anchor, "title": "Hành trình của lô hàng / The lot's journey", "type": "text/html",
             "hreflang": ["vi", "en"]},
            {"href": f"{anchor}?linkType=gs1:traceability", "title": "EPCIS 2.0 events (JSON-LD)",
             "type": "application/ld+json"},
        ],
    }
    cert = _certification(product)
    if cert:
        entry[GS1 + "certificationInfo"] = cert
    return {"linkset": [entry]}
