"""The trace page in the shop's look, and still tiny for a weak mountain connection."""
import datetime
import gzip
import re
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from inventory import ledger
from traceability import codes, services

SITE_CSS = Path(settings.BASE_DIR) / "storefront" / "static" / "storefront" / "site.css"


def colours(css: str) -> dict[str, str]:
    root = re.search(r":root\{([^}]*)\}", css).group(1)
    return dict(re.findall(r"(--[\w-]+):\s*([^;]+)", root))


def trace_page(client, lot, **query):
    return client.get(urlsplit(codes.link_for_batch(lot)).path, query)


def test_trace_page_uses_the_shop_colours_and_type(client, lot):
    html = trace_page(client, lot).content.decode()
    inline = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    shop, page = colours(SITE_CSS.read_text("utf-8")), colours(inline)
    shared = {"--ink", "--muted", "--line", "--bg", "--brand", "--gold", "--gold-bg", "--focus"}
    assert {name: page.get(name) for name in shared} == {name: shop[name] for name in shared}
    font = re.search(r"body\{[^}]*font:([^;}]+)", SITE_CSS.read_text("utf-8")).group(1)
    assert font in inline
    assert '<header class="top">' in html and 'class="brand" href="/"' in html


def test_trace_page_header_leads_to_the_shop_in_the_visitor_language(client, lot):
    vietnamese = trace_page(client, lot).content.decode()
    assert 'action="/tim-kiem/"' in vietnamese and 'href="/san-pham/"' in vietnamese
    assert '<span aria-current="true">VI</span>' in vietnamese and "?lang=en" in vietnamese
    english = trace_page(client, lot, lang="en").content.decode()
    assert 'action="/en/search/"' in english and 'href="/en/products/"' in english and 'href="/en/"' in english
    assert '<html lang="en">' in english and "Skip to main content" in english
    assert "Đến nội dung chính" in vietnamese


def test_trace_page_stays_under_30_kb_with_a_long_story_and_gzips_under_8_kb(client, lot_factory, sales_point):
    lot = lot_factory()
    ledger.stock_up(lot.variant, sales_point, 5)
    for leg in range(12):  # a lot that travelled through many hands
        services.add_event(batch=lot, biz_step="shipping", event_time=timezone.now() - datetime.timedelta(hours=leg),
                           description=f"Chặng {leg}: xuất hàng tới điểm bán",
                           description_en=f"Leg {leg}: shipped to a sales point")
    response = trace_page(client, lot)
    html = response.content
    assert response.status_code == 200 and html.count(b"<li") >= 16
    assert len(html) <= 30 * 1024, len(html)
    assert len(gzip.compress(html)) <= 8 * 1024
    assert b"<script" not in html and b'rel="stylesheet"' not in html  # one request shows it all
