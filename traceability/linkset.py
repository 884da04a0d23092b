"""RFC 9264 linksets with GS1 link types, for resolver clients.

Valid against GS1's resolver linkset schema: link relations are full
`https://gs1.org/voc/…` URIs, each link has `href` and `title`.

A request for a lot or a serial gets one entry per level of the identifier's
tree, the most granular first (the serial or lot, then the GTIN), as the
GS1-Conformant Resolver standard asks of a linkset of a URI with key qualifiers.

The default link (`gs1:defaultLink`) has only `href` and `title`, and is never the
request URI itself: a lot's or a serial's is its trace page at its short code
(`/q/{code}`, the same page the Digital Link serves directly), a GTIN's its
product page (README, "GS1 resolver").
"""
from catalog import certification
from traceability import codes, links

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
    }, {
        "href": links.certificate_url(product, "en", absolute=True),
        "title": f"OCOP {cert.stars}★ — {cert.decision_number}, valid until {cert.valid_until:%d/%m/%Y}",
        "type": "text/html",
        "hreflang": ["en"],
    }]


def epcis_url(batch) -> str:
    """Where a lot's EPCIS 2.0 events are (JSON-LD)."""
    return codes.short_link(batch.short_code) + "/epcis"


def product_entry(product, anchor: str) -> dict:
    entry = {"anchor": anchor, "itemDescription": product.name,
             GS1 + "defaultLink": [{"href": links.product_page_url(product, "vi", absolute=True),
                                    "title": product.name}],
             GS1 + "pip": _pip(product)}
    cert = _certification(product)
    if cert:
        entry[GS1 + "certificationInfo"] = cert
    return entry


def for_product(product, anchor: str) -> dict:
    return {"linkset": [product_entry(product, anchor)]}


def batch_entry(batch, anchor: str, serial: str | None = None) -> dict:
    product = batch.variant.product
    what = f"{product.name} — {batch.variant.name}, lô {batch.lot_code}" + (f", sê-ri {serial}" if serial else "")
    page = codes.short_link(serial or batch.short_code)
    entry = {
        "anchor": anchor,
        "itemDescription": what,
        GS1 + "defaultLink": [{"href": page, "title": "Trang truy xuất / Trace page"}],
        GS1 + "pip": _pip(product),
        GS1 + "traceability": [
            {"href": page, "title": "Hành trình của lô hàng / The lot's journey", "type": "text/html",
             "hreflang": ["vi", "en"]},
            {"href": epcis_url(batch), "title": "EPCIS 2.0 events (JSON-LD)", "type": "application/ld+json"},
        ],
    }
    cert = _certification(product)
    if cert:
        entry[GS1 + "certificationInfo"] = cert
    return entry


def entries(*, batch=None, product=None, anchor: str, serial: str | None = None) -> list[dict]:
    """The linkset's entries for a request URI `anchor`, walking up its tree: the serial
    or lot (when we know it), its lot, then its GTIN (when it has one). Without a lot,
    `anchor` is the GTIN's URI."""
    out = []
    if batch is not None:
        out.append(batch_entry(batch, anchor, serial))
        product = batch.variant.product
        gtin = batch.variant.gtin
        if gtin:
            lot_anchor = codes.link_for_batch(batch)
            if serial and lot_anchor != anchor:
                out.append(batch_entry(batch, lot_anchor))
            product_anchor = codes.digital_link(gtin)
            if product_anchor != anchor:
                out.append(product_entry(product, product_anchor))
        return out
    if product is not None:
        out.append(product_entry(product, anchor))
    return out


def for_batch(batch, anchor: str, serial: str | None = None) -> dict:
    return {"linkset": entries(batch=batch, anchor=anchor, serial=serial)}
