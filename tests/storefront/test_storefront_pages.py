"""The shopper pages, read by a buyer in Vietnamese and in English."""
import json
import re

import pytest

from catalog import certification
from catalog.models import Certification, Producer, Product
from inventory import availability
from shop.models import SalesPoint


@pytest.fixture
def shop(demo_shop, db):
    return None


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def jsonld(page: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return [json.loads(b) for b in blocks]


def links(page: str, rel: str) -> dict:
    found = {}
    for tag in re.findall(r"<link [^>]*>", page):
        if f'rel="{rel}"' in tag:
            href = re.search(r'href="([^"]+)"', tag).group(1)
            lang = re.search(r'hreflang="([^"]+)"', tag)
            found[lang.group(1) if lang else rel] = href
    return found


def test_home_in_vietnamese_and_english_puts_four_star_products_first(client, shop):
    vi = html(client.get("/"))
    assert '<html lang="vi">' in vi
    assert "Sản phẩm 4 và 5 sao" in vi and "Điểm bán" in vi
    en = html(client.get("/en/"))
    assert '<html lang="en">' in en
    assert "4 and 5 star products" in en and "Sales points" in en
    # The language is remembered for the pages outside /en/ (trace pages, order status).
    assert client.cookies["django_language"].value == "en"
    four_star = set(Product.objects.certified_on(certification.today()).filter(
        certifications__stars=4).values_list("slug", flat=True))
    first_cards = re.findall(r'href="/san-pham/([^/]+)/"', vi)[:len(four_star)]
    assert set(first_cards) == four_star
    # The groups, districts and sales points are on the page, with links that filter the catalogue.
    assert "/san-pham/?group=tea" in vi and "/san-pham/?district=102" in vi
    assert "/diem-ban/muong-ang/" in vi and "/en/sales-points/muong-ang/" in en


def test_every_page_has_canonical_hreflang_description_and_a_switch_to_the_same_page(client, shop):
    pairs = [
        ("/", "/en/"),
        ("/san-pham/", "/en/products/"),
        ("/san-pham/mat-ong-hoa-ban/", "/en/products/mat-ong-hoa-ban/"),
        ("/chu-the/htx-ong-mat-dien-bien/", "/en/producers/htx-ong-mat-dien-bien/"),
        ("/diem-ban/", "/en/sales-points/"),
        ("/diem-ban/tuan-giao/", "/en/sales-points/tuan-giao/"),
    ]
    for vi_path, en_path in pairs:
        for path, other in ((vi_path, en_path), (en_path, vi_path)):
            page = html(client.get(path))
            assert links(page, "canonical") == {"canonical": f"http://127.0.0.1:8000{path}"}, path
            alternates = links(page, "alternate")
            assert alternates["vi"] == f"http://127.0.0.1:8000{vi_path}"
            assert alternates["en"] == f"http://127.0.0.1:8000{en_path}"
            assert alternates["x-default"] == alternates["vi"]
            assert re.search(r'<meta name="description" content="[^"]{20,}">', page), path
            assert f'href="{other}"' in page, f"{path}: no language switch to {other}"


def test_language_switch_keeps_the_filters(client, shop):
    page = html(client.get("/san-pham/?stars=4&group=food"))
    assert 'href="/en/products/?stars=4&amp;group=food"' in page
    assert '<meta name="robots" content="noindex, follow">' in page


def test_catalogue_filters_by_stars_and_counts_every_facet(client, shop):
    day = certification.today()
    certified = Product.objects.published().certified_on(day)
    four = certified.filter(certifications__in=Certification.objects.valid_on(day).filter(stars=4)).distinct()
    page = html(client.get("/san-pham/?stars=4"))
    shown = set(re.findall(r'<li class="card">\s*<a href="/san-pham/([^/]+)/"', page))
    assert shown == set(four.values_list("slug", flat=True))
    # Disjunctive counts: the stars facet still offers 3★ with its own count.
    three = certified.count() - four.count()
    assert re.search(rf'value="3"> 3 sao <span class="n">\({three}\)</span>', page)
    assert re.search(rf'value="4" checked> 4 sao <span class="n">\({four.count()}\)</span>', page)
    # Every facet is offered: group, stars, district, price band, sales point.
    for name in ("group", "stars", "district", "price", "point"):
        assert f'name="{name}"' in page, name
    muong_ang = SalesPoint.objects.get(code="muong-ang")
    page = html(client.get("/en/products/?point=muong-ang"))
    available = certified.filter(variants__stocks__sales_point=muong_ang, variants__stocks__quantity_on_hand__gt=0).distinct()
    assert f"{available.count()} products" in page


def test_catalogue_price_band_and_district_filters(client, shop):
    page = html(client.get("/san-pham/?price=0-100000&district=102"))
    shown = re.findall(r'<li class="card">\s*<a href="/san-pham/([^/]+)/"', page)
    assert shown
    for slug in shown:
        product = Product.objects.get(slug=slug)
        assert min(v.price_vnd for v in product.variants.all()) < 100_000
        assert "102" in (product.district.code, product.producer.district.code if product.producer else None)


@pytest.mark.parametrize("query", [
    "stars=9&group=nope&district=%3Cscript%3E&price=abc&point=nowhere&sort=drop+table",
    "stars=-1&stars=4.5&page=abc",
    "q=%00mat&group=" + "x" * 500,
])
def test_absurd_filters_are_ignored(client, shop, query):
    unfiltered = html(client.get("/san-pham/"))
    total = re.search(r'class="count" role="status">(\d+) sản phẩm', unfiltered).group(1)
    page = html(client.get(f"/san-pham/?{query}"))
    assert re.search(rf'class="count" role="status">{total} sản phẩm', page)


def test_bad_pages_and_unknown_slugs_are_friendly_404s(client, shop):
    for path in ("/san-pham/?page=999", "/san-pham/khong-co-san-pham-nay/", "/en/products/nope/",
                 "/chu-the/nope/", "/diem-ban/nope/", "/khong-co-trang-nay/", "/en/no-such-page/",
                 "/tim-kiem/?q=mat&page=500"):
        response = client.get(path)
        assert response.status_code == 404, path
        body = response.content.decode()
        assert "Không tìm thấy trang này" in body or "We could not find this page" in body, path
        assert "noindex" in body
    assert "We could not find this page" in client.get("/en/products/nope/").content.decode()


def test_product_page_shows_stars_certificate_producer_commune_prices_and_stock(client, shop):
    product = Product.objects.get(slug="mat-ong-hoa-ban")
    cert = certification.displayable(product.certifications.all())
    page = html(client.get("/san-pham/mat-ong-hoa-ban/"))
    assert 'class="ocop ocop-lg"' in page and "★★★★<" in page
    assert cert.decision_number in page and cert.valid_until.strftime("%d/%m/%Y") in page
    assert "HTX Ong mật Điện Biên" in page and 'href="/chu-the/htx-ong-mat-dien-bien/"' in page
    assert "xã Sam Mứn (nay là xã Thanh An)" in page
    variant = product.variants.first()
    assert f"{variant.price_vnd:,}".replace(",", ".") + "\xa0₫" in page
    assert 'action="/gio-hang/them/"' in page and "csrfmiddlewaretoken" in page
    assert "Điểm bán Mường Ảng" in page or "Trung tâm" in page
    en = html(client.get("/en/products/mat-ong-hoa-ban/"))
    assert product.name_en in en and f"₫{variant.price_vnd:,}" in en
    assert "Sam Mứn commune (since July 2025: Thanh An commune)" in en
    assert 'action="/en/cart/add/"' in en


def test_lapsed_m_then_product_shows_no_stars_anywhere(client, shop):
    page = html(client.get("/san-pham/cham-cheo-m-then/"))
    assert "Chẳm chéo M&#x27;Then" in page or "Chẳm chéo M'Then" in page
    assert 'class="ocop' not in page and "★★★" not in page
    assert "hiệu lực đến" not in page
    (doc,) = jsonld(page)
    assert doc["@type"] == "Product" and "award" not in doc
    # And it is not offered as a certified product in the catalogue: a note under the list says why (issue 15).
    catalogue = html(client.get("/san-pham/?sort=name"))
    cards = catalogue[:catalogue.index('id="lapsed-note"')]
    assert "cham-cheo-m-then" not in cards and "/san-pham/cham-cheo-m-then/" in catalogue[len(cards):]


def test_product_json_ld_has_offers_in_vnd(client, shop):
    product = Product.objects.get(slug="mat-ong-hoa-ban")
    (doc,) = jsonld(html(client.get("/en/products/mat-ong-hoa-ban/")))
    assert doc["@context"] == "https://schema.org" and doc["@type"] == "Product"
    assert doc["name"] == product.name_en
    assert doc["manufacturer"]["@type"] == "Organization"
    assert doc["award"].startswith("OCOP 4 stars")
    prices = sorted(int(o["price"]) for o in doc["offers"])
    assert prices == sorted(v.price_vnd for v in product.variants.filter(is_published=True))
    assert {o["priceCurrency"] for o in doc["offers"]} == {"VND"}
    assert all(o["availability"].startswith("https://schema.org/") for o in doc["offers"])


def test_producer_and_sales_point_pages_carry_organization_and_local_business(client, shop):
    producer = Producer.objects.get(slug="htx-ong-mat-dien-bien")
    page = html(client.get("/chu-the/htx-ong-mat-dien-bien/"))
    (doc,) = jsonld(page)
    assert doc["@type"] == "Organization" and doc["name"] == producer.name
    assert 'href="/san-pham/mat-ong-hoa-ban/"' in page

    point = SalesPoint.objects.get(code="muong-ang")
    page = html(client.get("/en/sales-points/muong-ang/"))
    (doc,) = jsonld(page)
    assert doc["@type"] == "LocalBusiness" and doc["name"] == point.name_en
    assert doc["geo"]["latitude"] == float(point.latitude)
    assert point.opening_hours in page and point.address in page
    served = [d.name_en for d in point.delivers_to.all()]
    assert served and all(name in page for name in served)
    assert {a["name"] for a in doc["areaServed"]} == set(served)


def test_sales_points_page_lists_address_hours_phone_and_delivery(client, shop):
    SalesPoint.objects.filter(code="tuan-giao").update(phone="0215 3862 123")
    page = html(client.get("/diem-ban/"))
    for point in availability.open_points(certification.today()):
        assert point.name in page and point.opening_hours in page
    assert 'href="tel:02153862123"' in page
    assert "Giao hàng đến" in page and "Huyện Mường Ảng" in page
    assert "Không giao hàng; mua trực tiếp tại điểm" in page  # the fair stall delivers nowhere


def test_sitemap_lists_every_product_producer_and_point_in_both_languages(client, shop):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    locs = set(re.findall(r"<loc>([^<]+)</loc>", xml))
    base = "http://127.0.0.1:8000"
    for slug in Product.objects.published().values_list("slug", flat=True):
        assert f"{base}/san-pham/{slug}/" in locs and f"{base}/en/products/{slug}/" in locs, slug
    for slug in Producer.objects.filter(products__is_published=True).values_list("slug", flat=True):
        assert f"{base}/chu-the/{slug}/" in locs and f"{base}/en/producers/{slug}/" in locs
    for code in availability.open_points(certification.today()).values_list("code", flat=True):
        assert f"{base}/diem-ban/{code}/" in locs and f"{base}/en/sales-points/{code}/" in locs
    assert f'hreflang="en" href="{base}/en/products/mat-ong-hoa-ban/"' in xml
    assert 'hreflang="x-default"' in xml


def test_robots_txt_points_at_the_sitemap(client, shop):
    response = client.get("/robots.txt")
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in text
    assert "Disallow: /admin/" in text and "Disallow: /en/cart/" in text


def test_search_page_finds_honey_in_both_languages_and_works_without_javascript(client, shop):
    page = html(client.get("/tim-kiem/?q=mat+ong"))
    assert 'href="/san-pham/mat-ong-hoa-ban/"' in page
    assert 'action="/tim-kiem/"' in page and 'name="q"' in page and 'value="mat ong"' in page
    en = html(client.get("/en/search/?q=honey"))
    assert 'href="/en/products/mat-ong-hoa-ban/"' in en
    assert 'href="/tim-kiem/?q=honey"' in en  # the switch keeps the query


def test_suggestions_lead_to_product_pages(client, shop):
    data = client.get("/tim-kiem/goi-y/?q=mat on").json()
    assert {"text": "Mật ong hoa ban", "url": "/san-pham/mat-ong-hoa-ban/"} in data["suggestions"]
    en = client.get("/en/search/suggest/?q=mat").json()
    assert any(s["url"].startswith("/en/products/") for s in en["suggestions"])
    assert client.get("/tim-kiem/goi-y/?q=%00").json() == {"suggestions": []}


def test_cart_link_and_reserved_cart_urls(client, shop):
    page = html(client.get("/"))
    assert 'href="/gio-hang/"' in page
    response = client.post("/gio-hang/them/", {"variant": "1", "quantity": "1"})
    assert response.status_code == 302 and response["Location"] == "/gio-hang/"
    assert client.get("/gio-hang/them/").status_code == 405


def test_root_pages_are_vietnamese_but_other_urls_still_negotiate_the_language(client, shop):
    page = client.get("/san-pham/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="vi">' in page
    client.cookies.clear()  # the page remembered "vi"; a new visitor has no cookie
    missing = client.get("/khong-co-trang-nay/", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 404 and "We could not find this page" in missing.content.decode()
    assert missing["Content-Language"] == "en"
    api = client.post("/graphql/", '{"query": "{ nope }"}', content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert api["Content-Language"] == "en"
