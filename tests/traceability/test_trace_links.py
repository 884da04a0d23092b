"""Every link from traceability to the shop's pages, in both languages: they come
from traceability/links.py, reversed by the storefront's URL names."""
from urllib.parse import urlsplit

from django.conf import settings

from traceability import codes, links


def test_product_page_links_follow_the_storefronts_translated_routes(lot):
    product = lot.variant.product
    site = settings.SITE_URL.rstrip("/")
    assert links.product_page_url(product, "vi") == f"/san-pham/{product.slug}/"
    assert links.product_page_url(product, "en") == f"/en/products/{product.slug}/"
    assert links.product_page_url(product, "fr") == f"/san-pham/{product.slug}/"  # anything else: Vietnamese
    assert links.product_page_urls(product) == {"vi": f"{site}/san-pham/{product.slug}/",
                                                "en": f"{site}/en/products/{product.slug}/"}
    assert links.certificate_url(product, "en", absolute=True) == f"{site}/en/products/{product.slug}/#ocop"


def test_the_linkset_the_page_and_the_redirects_use_those_links(client, lot):
    product = lot.variant.product
    site = settings.SITE_URL.rstrip("/")
    path = urlsplit(codes.link_for_batch(lot)).path
    entry = client.get(path + "?linkType=linkset").json()["linkset"][0]
    assert [(link["href"], link["hreflang"]) for link in entry["https://gs1.org/voc/pip"]] == [
        (f"{site}/san-pham/{product.slug}/", ["vi"]), (f"{site}/en/products/{product.slug}/", ["en"])]
    assert entry["https://gs1.org/voc/certificationInfo"][0]["href"] == f"{site}/san-pham/{product.slug}/#ocop"

    vietnamese = client.get(path, REMOTE_ADDR="192.0.2.1").content.decode()
    english = client.get(path + "?lang=en", REMOTE_ADDR="192.0.2.2").content.decode()
    assert f'href="/san-pham/{product.slug}/"' in vietnamese
    assert f'href="/en/products/{product.slug}/"' in english

    # Redirects are absolute and pass the request's query on (before the fragment).
    assert client.get(path + "?linkType=gs1:certificationInfo&lang=en")["Location"] == \
        f"{site}/en/products/{product.slug}/?lang=en#ocop"
    assert client.get(f"/01/{lot.variant.gtin}?lang=en")["Location"] == f"{site}/en/products/{product.slug}/?lang=en"
