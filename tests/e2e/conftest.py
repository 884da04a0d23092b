"""Browser tests: Debian's chromium, driven by Playwright, against a live server
that holds the demo shop.

The demo is loaded once for the whole session (loading it costs seconds, a
test should cost less), committed to the test database so the server thread
sees it on PostgreSQL too, and flushed when the session ends. That is why the
server comes from pytest-django's LiveServer helper in a session fixture, not
from the per-test `live_server` fixture: that one forces `transactional_db`,
which flushes the tables after every test.

So an e2e test never requests `db` or `transactional_db`: pytest-django orders
such tests first, before the demo is loaded. A test that must read or change
rows from the test side uses `shop_db` (see below). The shop is shared by the
session's tests, so one that changes it (places an order) must not assume
another test found it fresh.

Fixtures for the flows still to come (cart, checkout, staff): `shop` (the server and demo
facts), `live_url(name, lang, *args, **query)`, `page` (a phone-sized page in
Vietnamese that fails its test on a script error or a broken same-origin
request), `new_page(**context_options)`, `axe_check(page)` and
`screenshot(page, name)`.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 740}
# What a failed accessibility check is: the two worst of axe-core's four impact levels.
AXE_FAILING_IMPACTS = {"serious", "critical"}
TIMEOUT_MS = 10_000
# Read before pytest-django points the connection at the test database.
REAL_DATABASE = settings.DATABASES["default"]["NAME"]


def find_chromium() -> str | None:
    """$CHROMIUM, else Debian's chromium (never a browser Playwright downloads)."""
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        found = candidate and shutil.which(candidate)
        if found:
            return found
    return None


@dataclass
class Shop:
    """The live server and the demo facts the tests navigate by."""

    url: str
    trace_path: str  # a demo lot's GS1 Digital Link path (a GTIN lot, not recalled)
    trace_lot: str
    recalled_path: str  # the demo's recalled lot (a /q/ or Digital Link path)
    english_product: str  # slug of a product with an English name
    server: object = field(repr=False, default=None)


def _demo_facts() -> dict:
    from catalog.models import Product
    from traceability import codes
    from traceability.demo import RECALLED_PRODUCT
    from traceability.models import Batch

    lot = (Batch.objects.select_related("variant__product").exclude(variant__gtin="")
           .exclude(variant__product__name=RECALLED_PRODUCT).order_by("pk").first())
    recalled = Batch.objects.select_related("variant").get(variant__product__name=RECALLED_PRODUCT)
    english = Product.objects.exclude(name_en="").order_by("pk").first()
    return {"trace_path": codes.link_for_batch(lot, base=""), "trace_lot": lot.lot_code,
            "recalled_path": codes.link_for_batch(recalled, base=""), "english_product": english.slug}


def missing(message: str):
    """Skip on a developer's machine; fail in CI, where .ci/run installs everything."""
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        missing("browser tests need Chromium: `apt-get install -y chromium` (Debian's package; .ci/run "
                    "installs it), or set CHROMIUM=/path/to/chromium")
    return path


@contextlib.contextmanager
def _test_database():
    """pytest-django creates the test database only when a collected test asks
    for `db`; the e2e tests ask for none, so run alone they make their own."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.settings_dict["NAME"] != REAL_DATABASE:
        yield
        return
    config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        yield
    finally:
        teardown_databases(config, verbosity=0)


@pytest.fixture(scope="session")
def shop(chromium_path, django_db_setup, django_db_blocker):
    """The demo shop behind a live server, for the whole session."""
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import modify_settings
    from pytest_django.live_server_helper import LiveServer

    from catalog.demo.loader import DemoLoader

    host = os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost")
    # The server thread and this one reach the database only while it is unblocked.
    with django_db_blocker.unblock(), _test_database(), modify_settings(ALLOWED_HOSTS={"append": host.split(":")[0]}):
        assert connection.settings_dict["NAME"] != REAL_DATABASE
        if connection.in_atomic_block:
            pytest.fail("an e2e test requested `db`: use `shop_db` instead (see tests/e2e/conftest.py)")
        DemoLoader(with_images=False).run()
        facts = _demo_facts()
        server = LiveServer(host)
        try:
            yield Shop(url=server.url, server=server, **facts)
        finally:
            server.stop()
            call_command("flush", interactive=False, verbosity=0)  # the next run may --reuse-db


@pytest.fixture
def shop_db(shop):
    """shop_db(fn, *args) runs fn against the shop's database from the test side,
    e.g. `shop_db(lambda: Order.objects.get(number=n).status)`.

    Playwright's sync API keeps an event loop running in this thread and
    Django's ORM refuses to run there, so fn runs in a worker thread, on the
    server's own connection when the database is SQLite in memory.
    """
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def run(fn, *args, **kwargs):
        def call():
            for alias, conn in shop.server.thread.connections_override.items():
                connections[alias] = conn
            try:
                return fn(*args, **kwargs)
            finally:
                if not shop.server.thread.connections_override:
                    connections.close_all()
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(call).result()

    return run


@pytest.fixture
def live_url(shop):
    """live_url("storefront:product", "en", slug) -> http://localhost:PORT/en/products/slug/"""
    def build(name: str, lang: str = "vi", *args, **query) -> str:
        with translation.override(lang):
            path = reverse(name, args=args)
        return shop.url + path + (f"?{urlencode(query, doseq=True)}" if query else "")

    return build


@pytest.fixture(scope="session")
def browser(chromium_path, shop):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, args=["--disable-dev-shm-usage"])
        yield launched
        launched.close()


class PageProblems:
    """Script errors, console errors and failed same-origin requests of a page."""

    def __init__(self, origin: str):
        self.origin = origin
        self.found: list[str] = []

    def watch(self, page) -> None:
        page.on("pageerror", lambda error: self.found.append(f"script error: {error}"))
        page.on("console", self._console)
        page.on("response", self._response)
        page.on("requestfailed", self._failed)

    def _console(self, message) -> None:
        # Chromium logs every HTTP error as "Failed to load resource"; _response judges those by URL.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.found.append(f"console: {message.text}")

    def _failed(self, request) -> None:
        # Leaving a page cancels its pending requests (a suggestion fetch, say): that is no fault.
        if self._same_origin(request.url) and request.failure != "net::ERR_ABORTED":
            self.found.append(f"request failed: {request.url} {request.failure}")

    def _same_origin(self, url: str) -> bool:
        return urlsplit(url).netloc == urlsplit(self.origin).netloc

    def _response(self, response) -> None:
        # A 404 page is a page under test (friendly 404s); a missing stylesheet or script is a fault.
        if response.status >= 400 and self._same_origin(response.url) and response.request.resource_type != "document":
            self.found.append(f"{response.status} {response.url}")


@pytest.fixture
def new_page(browser, shop):
    """new_page(**context options) -> a page in its own context; closed after the test,
    which fails if any page it opened had a script error or a broken request."""
    contexts, problems = [], []

    def make(**options):
        options = {"viewport": PHONE, "locale": "vi-VN", "base_url": shop.url, **options}
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        watcher = PageProblems(shop.url)
        problems.append(watcher)
        context.on("page", watcher.watch)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    found = [p for watcher in problems for p in watcher.found]
    assert found == [], found


@pytest.fixture
def page(new_page):
    """A phone-sized (360×740) page in Vietnamese with JavaScript on."""
    return new_page()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        missing(f"axe-core is not installed ({AXE_JS}): run `make test` or `npm ci` (needs Node's npm)")
    return AXE_JS.read_text("utf-8")


@pytest.fixture
def axe_check(axe_source):
    """axe_check(page) runs axe-core on the page as it is now and fails on any
    serious or critical violation. It returns what axe found: the violations
    (minor and moderate ones pass) and the rules it could not decide
    ("incomplete", e.g. contrast over a gradient), for a person to look at."""
    def check(page) -> dict:
        # Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') does not block it.
        if not page.evaluate("() => !!window.axe"):
            page.evaluate(axe_source)
        found = page.evaluate("""async () => {
            const r = await axe.run(document);
            const brief = (v) => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " | " + n.failureSummary)});
            return {violations: r.violations.map(brief), incomplete: r.incomplete.map(brief)};
        }""")
        failing = [v for v in found["violations"] if v["impact"] in AXE_FAILING_IMPACTS]
        assert failing == [], f"axe-core on {page.url}:\n" + json.dumps(failing, ensure_ascii=False, indent=1)
        return found

    return check


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def screenshot(artifacts):
    """screenshot(page, "home-phone") saves tests/e2e/artifacts/home-phone.png (the whole page)."""
    def save(page, name: str) -> Path:
        path = artifacts / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
