"""axe-core on the main pages: no serious or critical violation, on a phone and in English.

To check another page, add it to PAGES: name -> (its URL from the `shop` and
`live_url` fixtures, its language, a viewport or None for the phone).
"""
import json

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
}


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_serious_or_critical_accessibility_violation(name, new_page, shop, live_url, axe_check,
                                                                 artifacts):
    where, language, viewport = PAGES[name]
    options = {"locale": "en-GB" if language == "en" else "vi-VN"}
    if viewport:
        options["viewport"] = viewport
    page = new_page(**options)
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
