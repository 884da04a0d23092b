"""What serving the trace page directly at the Digital Link saves a phone on 3G (README,
"GS1 resolver"): the same page reached through one more redirect (the Digital Link's
`?linkType=gs1:traceability`, a 307 to the page's own address `/q/{code}`), both under
Chrome DevTools' "Fast 3G" profile (562.5 ms round trip, 1.44 Mbit/s down)."""
import statistics

import pytest
from django.test import override_settings

pytestmark = pytest.mark.e2e

FAST_3G = {"offline": False, "latency": 562.5, "downloadThroughput": 1_440_000 / 8, "uploadThroughput": 675_000 / 8}


def _load_ms(page, path: str) -> float:
    page.goto(path)
    return page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0];"
                         " return n.responseEnd - n.startTime; }")


def test_a_redirect_to_the_trace_page_costs_a_phone_on_3g_one_more_round_trip(page, shop):
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", FAST_3G)
    direct, redirected = [], []
    with override_settings(SITE_URL=shop.url):  # the redirect's absolute Location is this server
        _measure(page, shop, direct, redirected)
    cost = statistics.median(redirected) - statistics.median(direct)
    print(f"\n3G: direct {statistics.median(direct):.0f} ms, through a redirect "
          f"{statistics.median(redirected):.0f} ms: +{cost:.0f} ms")
    assert cost >= 0.8 * FAST_3G["latency"]  # at least one more round trip


def _measure(page, shop, direct: list, redirected: list) -> None:
    for _ in range(3):
        direct.append(_load_ms(page, shop.trace_path))
        redirected.append(_load_ms(page, shop.trace_path + "?linkType=gs1:traceability"))
        assert "/q/" in page.url  # it did go through the redirect
