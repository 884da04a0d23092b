"""What the pages cost: SQL queries, bytes, static files, templates, translations."""
import gettext
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import connection
from django.template import engines
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from catalog.media import add_product_image
from catalog.models import Producer, ProductVariant
from inventory import ledger
from inventory.models import SaleHold
from shop.models import Commune, SalesPoint
from storefront import selectors

LOCALE = Path(settings.BASE_DIR) / "storefront" / "locale"


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured)


@pytest.fixture
def products(make_product, sales_point):
    def make(n):
        return [
            make_product(f"Chè thử {i}", stars=3 + i % 3, price=50_000 + 40_000 * i, stock={sales_point: 5})
            for i in range(n)
        ]
    return make


def test_catalogue_query_count_does_not_grow_with_the_page_size(client, products):
    products(12)
    counts = {}
    for size in (2, 12):
        with override_settings(STOREFRONT_PAGE_SIZE=size):
            counts[size] = queries(client, "/san-pham/?stars=3&stars=4&stars=5&point=muong-ang")
            page = client.get("/san-pham/").content.decode()
            assert page.count('<li class="card">') == size
    assert counts[2] == counts[12]
    assert counts[12] <= 15, counts  # 15: one for the note on lapsed certificates (issue 15)


def test_home_and_search_query_counts_do_not_grow_with_the_catalogue(client, products):
    products(3)
    client.get("/tim-kiem/?q=che")  # the embedded index catches up with the new products first
    home_small, search_small = queries(client, "/"), queries(client, "/tim-kiem/?q=che")
    products(9)
    client.get("/tim-kiem/?q=che")
    assert queries(client, "/") == home_small
    assert queries(client, "/tim-kiem/?q=che") == search_small


def test_product_page_query_count_does_not_grow_with_variants_or_points(client, make_product, sales_point):
    product = make_product("Mật ong thử", stock={sales_point: 3})
    path = f"/san-pham/{product.slug}/"
    before = queries(client, path)
    for i in range(5):
        variant = ProductVariant.objects.create(product=product, sku=f"EXTRA-{i}", name=f"Hũ {i}", price_vnd=10_000 * (i + 1))
        ledger.stock_up(variant, sales_point, i)
    assert queries(client, path) == before


def _tables(sql: str) -> set[str]:
    return set(re.findall(r'(?:FROM|JOIN) "?(\w+)"?', sql))


def test_a_product_page_read_afresh_costs_eight_queries_with_every_place_and_point(
        client, make_product, sales_point, settings):
    """The cold path (no kept facts, no kept page): the variants with their product, producer
    and group; the communes; the districts; certificates; pictures; the open points; the
    shipping zones with their rates; stock and holds. The same with more variants, points and
    holds. No catalogue query joins the shop's tables (a read replica serves only the former)."""
    settings.STOREFRONT_PRODUCT_CACHE_SECONDS = 0
    new = Commune.objects.create(slug="xa-moi-thu", name="Mường Ảng", era=Commune.Era.Y2025)
    old = Commune.objects.create(slug="xa-cu-thu", name="Ẳng Tở", era=Commune.Era.Y2022, successor=new,
                                 district=sales_point.district)
    product = make_product("Mật ong thử", stock={sales_point: 3}, commune=old)
    Producer.objects.filter(pk=product.producer_id).update(commune=new, former_commune=old)
    path = f"/san-pham/{product.slug}/"
    with CaptureQueriesContext(connection) as captured:
        html = client.get(path).content.decode()
    assert "Ẳng Tở" in html and "còn 3" in html and "Giao" in html  # the commune, the stock, the delivery
    assert len(captured) == 8, [q["sql"][:120] for q in captured]
    tables = [_tables(q["sql"]) for q in captured]
    assert {"catalog_productvariant", "catalog_product", "catalog_producer", "catalog_productgroup"} == tables[0]
    assert not any(any(n.startswith("catalog_") for n in t) and any(n.startswith("shop_") for n in t) for t in tables)
    assert any({"orders_shippingzone", "orders_shippingrate"} <= t for t in tables)  # zones and rates: one query

    other = SalesPoint.objects.create(code="tuan-giao-thu", name="Điểm bán Tuần Giáo", kind="DISTRICT",
                                      district=sales_point.district, address="Tuần Giáo", latitude=21.6, longitude=103.4)
    for i in range(3):
        variant = ProductVariant.objects.create(product=product, sku=f"MORE-{i}", name=f"Hũ {i}", price_vnd=50_000 + i)
        ledger.stock_up(variant, other, i + 1)
    SaleHold.objects.create(variant=variant, source="recall:9", reason="Lô bị thu hồi", reason_en="Lot recalled")
    assert queries(client, path) == 8

    ProductVariant.objects.filter(product=product).update(is_published=False)  # nothing to sell: no form, no zones
    html = client.get(path).content.decode()
    assert "Mật ong thử" in html and 'name="variant"' not in html
    assert queries(client, path) <= 8
    assert client.get("/san-pham/khong-co/").status_code == 404


def test_the_stock_list_names_each_variant_escaped_with_what_is_left_in_both_languages(
        client, make_product, sales_point):
    product = make_product("Chè thử", stock={sales_point: 4})
    ProductVariant.objects.filter(product=product).update(name="Gói <b>", name_en="Pack & <i>")
    extra = ProductVariant.objects.create(product=product, sku="EXTRA-0", name="Hũ", name_en="Jar", price_vnd=1)
    ledger.stock_up(extra, sales_point, 0)
    vi = client.get(f"/san-pham/{product.slug}/").content.decode()
    assert '<a href="/diem-ban/muong-ang/"><b>Điểm bán Mường Ảng</b></a>' in vi
    assert "<span>Hũ: hết · Gói &lt;b&gt;: còn 4</span>" in vi  # in the form's order: the cheaper first
    en = client.get(f"/en/products/{product.slug}/").content.decode()
    assert "<span>Jar: sold out · Pack &amp; &lt;i&gt;: 4 left</span>" in en


def test_a_product_pages_facts_are_kept_but_its_stock_is_read_afresh_and_a_save_shows_at_once(
        client, make_product, sales_point, settings):
    settings.STOREFRONT_PRODUCT_CACHE_SECONDS = 60
    product = make_product("Mật ong thử", stock={sales_point: 3}, price=120_000)
    path = f"/san-pham/{product.slug}/"
    assert queries(client, path) > 2
    assert queries(client, path) == 1  # its stock and sale holds, in one; not the product, places, variants, pictures…

    variant = product.variants.get()
    ledger.receive(variant_id=variant.pk, sales_point_id=sales_point.pk, quantity=40)  # saves no catalogue row
    assert "43" in client.get(path).content.decode()  # stock is never from the cache

    variant.price_vnd = 99_000
    variant.save()  # a saved catalogue row: the next page is built afresh
    assert "99.000" in client.get(path).content.decode()


def test_a_kept_product_page_shows_every_stock_change_and_hold_and_its_own_csrf_token(
        client, make_product, sales_point, settings):
    """The rendered page is kept by what it shows: stock changed without a catalogue save (a ledger
    F() update) or a hold placed by another process (no signal here) shows on the next view."""
    settings.STOREFRONT_PRODUCT_CACHE_SECONDS = 60
    product = make_product("Mật ong giữ", stock={sales_point: 3}, price=120_000)
    variant = product.variants.get()
    path = f"/san-pham/{product.slug}/"
    first, second = client.get(path).content.decode(), client.get(path).content.decode()
    assert "còn 3" in first and "còn 3" in second and 'id="add-to-cart">' in second

    ledger.receive(variant_id=variant.pk, sales_point_id=sales_point.pk, quantity=4)
    assert "còn 7" in client.get(path).content.decode()

    SaleHold.objects.bulk_create([SaleHold(variant=variant, source="recall:1", reason="Lô bị thu hồi",
                                           reason_en="Lot recalled")])  # bulk: no signal, no new generation
    with CaptureQueriesContext(connection) as captured:
        held = client.get(path).content.decode()
    assert len(captured) == 1
    assert "Tạm dừng bán: Lô bị thu hồi" in held and 'id="add-to-cart" disabled' in held and "còn 7" not in held
    assert "Lot recalled" in client.get(f"/en/products/{product.slug}/").content.decode()

    SaleHold.objects.update(released_at=timezone.now())
    assert "còn 7" in client.get(path).content.decode()

    tokens = [re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(path).content.decode()).group(1)
              for _ in range(2)]
    assert tokens[0] != tokens[1] and all(len(t) == 64 for t in tokens)  # masked afresh on each response
    strict = Client(enforce_csrf_checks=True)
    html = strict.get(path).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = strict.post("/gio-hang/them/", {"variant": variant.pk, "quantity": 1, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert 'id="cart-count">1<' in strict.get(path).content.decode()  # a kept page is never another cart's


def test_a_kept_product_page_goes_with_its_facts_when_another_process_saved(
        client, make_product, sales_point, settings):
    settings.STOREFRONT_PRODUCT_CACHE_SECONDS = 60
    product = make_product("Mật ong giá", stock={sales_point: 3}, price=120_000)
    path = f"/san-pham/{product.slug}/"
    assert "120.000" in client.get(path).content.decode()
    ProductVariant.objects.filter(product=product).update(price_vnd=99_000)  # as seen from here: no signal
    assert "120.000" in client.get(path).content.decode()  # the facts are kept their seconds
    for key, (_deadline, facts) in list(selectors._facts_held.items()):
        selectors._facts_held[key] = (0, facts)  # … and those seconds pass
    html = client.get(path).content.decode()
    assert "99.000" in html and "120.000" not in html


def test_a_kept_product_page_still_shows_the_flash_message_once(client, make_product, sales_point, settings):
    settings.STOREFRONT_PRODUCT_CACHE_SECONDS = 60
    product = make_product("Mật ong hết", stock={sales_point: 0})
    path = f"/san-pham/{product.slug}/"
    client.get(path)
    response = client.post("/gio-hang/them/", {"variant": product.variants.get().pk, "quantity": 1})
    assert response["Location"] == path
    assert "chưa thêm vào giỏ" in client.get(path).content.decode()
    assert "chưa thêm vào giỏ" not in client.get(path).content.decode()


def _static_bytes(page: str) -> int:
    total = 0
    for path in re.findall(r'(?:href|src)="/static/([^"]+\.(?:css|js))"', page):
        found = finders.find(path)
        total += Path(found).stat().st_size
    return total


def test_home_weighs_under_150_kb_and_a_product_page_under_100_kb(client, products, sales_point):
    made = products(24)
    home = client.get("/").content.decode()
    product = client.get(f"/san-pham/{made[0].slug}/").content.decode()
    assert _static_bytes(home) > 1000  # the stylesheet and the script are counted
    home_bytes = len(home.encode()) + _static_bytes(home)
    product_bytes = len(product.encode()) + _static_bytes(product)
    assert home_bytes <= 150 * 1024, home_bytes
    assert product_bytes <= 100 * 1024, product_bytes


def _png(width=900, height=900) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 160, 40)).save(out, "PNG")
    return out.getvalue()


def test_product_photos_have_srcset_sizes_and_lazy_loading(client, make_product, tmp_path, settings,
                                                           django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    product = make_product("Mật ong có ảnh")
    with django_capture_on_commit_callbacks(execute=True):  # the renditions are made after the commit
        add_product_image(product=product, data=_png(), filename="a.png", alt="Hũ mật ong", alt_en="A jar of honey")
        add_product_image(product=product, data=_png(), filename="b.png", alt="Mặt sau", position=1)
    page = client.get(f"/san-pham/{product.slug}/").content.decode()
    images = re.findall(r"<img [^>]+>", page)
    assert len(images) == 2
    assert all("srcset=" in i and " 320w" in i and "sizes=" in i and "width=" in i for i in images)
    assert 'fetchpriority="high"' in images[0] and 'loading="lazy"' in images[1]
    assert 'alt="Hũ mật ong"' in images[0]
    assert 'alt="A jar of honey"' in client.get(f"/en/products/{product.slug}/").content.decode()
    card = re.findall(r"<img [^>]+>", client.get("/san-pham/").content.decode())
    assert card and 'loading="lazy"' in card[0] and "srcset=" in card[0]


def test_static_files_are_fingerprinted_and_compressed_when_debug_is_off(client, make_product, tmp_path):
    storage = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storage):
        call_command("collectstatic", interactive=False, verbosity=0)
        hashed = sorted(p.name for p in (tmp_path / "storefront").iterdir())
        assert any(re.fullmatch(r"site\.[0-9a-f]{12}\.css", n) for n in hashed), hashed
        assert any(re.fullmatch(r"site\.[0-9a-f]{12}\.css\.gz", n) for n in hashed), hashed
        assert any(re.fullmatch(r"site\.[0-9a-f]{12}\.js", n) for n in hashed), hashed
        page = client.get("/").content.decode()
        css = re.search(r'href="(/static/storefront/site\.[0-9a-f]{12}\.css)"', page)
        assert css and re.search(r'src="/static/storefront/site\.[0-9a-f]{12}\.js"', page)
        served = client.get(css.group(1), HTTP_ACCEPT_ENCODING="gzip, deflate")
        assert served.status_code == 200 and served["Content-Encoding"] == "gzip"
        assert "immutable" in served["Cache-Control"]  # a fingerprinted file never changes: cached for good
        assert int(served["Content-Length"]) < Path(finders.find("storefront/site.css")).stat().st_size / 2


# Imports the settings as a production server does (DEBUG off) and reports what they chose.
PRODUCTION_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.template import engines
engine = engines["django"].engine
print(json.dumps({"storage": settings.STORAGES["staticfiles"]["BACKEND"], "loaders": engine.loaders,
                  "debug": engine.debug, "first": type(engine.template_loaders[0]).__module__}))
"""


def test_production_settings_fingerprint_and_compress_static_files_and_cache_templates():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "probe-" + "x" * 50, "DJANGO_SETTINGS_MODULE": "shop.settings"}
    probe = subprocess.run([sys.executable, "-c", PRODUCTION_PROBE], env=env, cwd=settings.BASE_DIR,
                           capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0, probe.stderr
    chosen = json.loads(probe.stdout.strip().splitlines()[-1])
    assert chosen["storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert chosen["loaders"] == [["django.template.loaders.cached.Loader", [
        "django.template.loaders.filesystem.Loader", "django.template.loaders.app_directories.Loader"]]]
    assert chosen["first"] == "django.template.loaders.cached" and chosen["debug"] is False


def test_templates_are_compiled_once_and_cached():
    loaders = engines["django"].engine.template_loaders
    assert loaders[0].__class__.__module__ == "django.template.loaders.cached"


def test_english_catalogue_is_complete_and_compiled():
    with open(LOCALE / "en" / "LC_MESSAGES" / "django.po", "rb") as f:
        catalog = read_po(f)
    untranslated = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    assert untranslated == []
    with open(LOCALE / "en" / "LC_MESSAGES" / "django.mo", "rb") as f:
        compiled = gettext.GNUTranslations(f)
    for message in catalog:
        if message.id and isinstance(message.id, str):
            found = compiled.pgettext(message.context, message.id) if message.context else compiled.gettext(message.id)
            assert found == message.string, f"django.mo is stale: run compilemessages ({message.id})"


def test_every_template_string_is_in_the_english_catalogue():
    with open(LOCALE / "en" / "LC_MESSAGES" / "django.po", "rb") as f:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    missing = []
    templates = [path for app in ("storefront", "producers")
                 for path in (Path(settings.BASE_DIR) / app / "templates").rglob("*.html")]
    for path in templates:
        text = path.read_text("utf-8")
        for found in re.findall(r'{% translate "([^"]+)"', text) + re.findall(r"{% translate '([^']+)'", text):
            if found not in known:
                missing.append((path.name, found))
    assert missing == []
