"""axe-core on the main pages: no serious or critical violation, on a phone and in English.

To check another page, add it to PAGES: name -> (its URL from the `shop` and
`live_url` fixtures, its language, a viewport or None for the phone).
"""
import json
import re

import pytest

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PAGES = {
    "home": (lambda shop, url: url("storefront:home"), "vi", None),
    "product": (lambda shop, url: url("storefront:product", "vi", shop.english_product), "vi", None),
    "search": (lambda shop, url: url("storefront:search", "vi", q="mat ong"), "vi", None),
    "catalogue": (lambda shop, url: url("storefront:catalogue", "vi", stars="4"), "vi", None),
    "trace": (lambda shop, url: shop.url + shop.trace_path, "vi", None),
    "home-en-desktop": (lambda shop, url: url("storefront:home", "en"), "en", DESKTOP),
    "product-en-desktop": (lambda shop, url: url("storefront:product", "en", shop.english_product), "en", DESKTOP),
    "trace-en": (lambda shop, url: shop.url + shop.trace_path + "?lang=en", "en", None),
    # A lot nobody issued under a real GTIN: the counterfeit warning, its report form first.
    "trace-warning": (lambda shop, url: shop.url + shop.trace_path.rsplit("/", 1)[0] + "/GIA-MAO-01", "vi", None),
    "trace-report-thanks": (lambda shop, url: shop.url + "/q/bao-cao/?sent=1&back=" + shop.trace_path, "vi", None),
}

# The staff console, signed in through its login page as the manager of that point (the provincial
# centre's queue holds the demo's nationwide orders, a cash-on-delivery parcel among them).
PAGES.update({
    "staff-queue": (lambda shop, url: url("storefront:staff:queue", "vi", "tinh"), "vi", None),
    "staff-pick-list": (lambda shop, url: url("storefront:staff:pick_list", "vi", "tinh"), "vi", None),
    "staff-stock": (lambda shop, url: url("storefront:staff:stock", "vi", "tinh", show="low_first"), "vi", None),
    "staff-queue-en-desktop": (lambda shop, url: url("storefront:staff:queue", "en", "tinh"), "en", DESKTOP),
})
STAFF_LOGIN = {name: "tinh@ocop-dienbien.example" for name in PAGES if name.startswith("staff-")}


def sign_in(page, url, login: str, language: str) -> None:
    page.goto(url("storefront:staff:login", language))
    page.locator("#id_username").fill(login)
    page.locator("#id_password").fill("ocop-demo-2026")
    page.locator("#login-submit").click()
    page.wait_for_url(re.compile(r"/staff/(?!login)"))


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_serious_or_critical_accessibility_violation(name, new_page, shop, live_url, axe_check,
                                                                 artifacts):
    where, language, viewport = PAGES[name]
    options = {"locale": "en-GB" if language == "en" else "vi-VN"}
    if viewport:
        options["viewport"] = viewport
    page = new_page(**options)
    if name in STAFF_LOGIN:
        sign_in(page, live_url, STAFF_LOGIN[name], language)
    response = page.goto(where(shop, live_url))
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == language
    found = axe_check(page)  # fails on serious and critical violations
    (artifacts / f"axe-{name}.json").write_text(json.dumps(found, ensure_ascii=False, indent=1), "utf-8")


def test_the_check_fails_on_a_page_with_serious_violations(page, shop, axe_check):
    page.goto("/")
    page.evaluate("""() => {
        document.documentElement.removeAttribute("lang");
        document.querySelector("#q").labels.forEach(label => label.remove());
        document.querySelector("#q").removeAttribute("placeholder");
    }""")
    with pytest.raises(AssertionError) as failed:
        axe_check(page)
    assert '"html-has-lang"' in str(failed.value) and '"label"' in str(failed.value)
