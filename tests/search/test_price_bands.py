"""One price band definition (search/bands.py) for the search facets and the storefront's
catalogue: a price on a band's edge lands in the same band on both, under the same key."""
from django.http import QueryDict

import search
from search import bands
from storefront import selectors

EDGES = [99_999, 100_000, 199_999, 200_000, 499_999, 500_000]
EXPECTED = {"0-100000": 1, "100000-200000": 2, "200000-500000": 2, "500000-": 1}


def test_bands_are_half_open_and_keyed_for_urls(settings):
    settings.SEARCH_PRICE_BANDS = [(None, 100_000), (100_000, 200_000), (200_000, 500_000), (500_000, None)]
    assert list(bands.bands_by_key()) == list(EXPECTED)
    assert [key for price in EDGES for key, (lo, hi) in bands.bands_by_key().items()
            if bands.price_in_band(price, lo, hi)] == [
        "0-100000", "100000-200000", "100000-200000", "200000-500000", "200000-500000", "500000-"]


def test_the_catalogue_and_the_search_count_the_same_bands(make_product, settings):
    settings.SEARCH_PRICE_BANDS = [(None, 100_000), (100_000, 200_000), (200_000, 500_000), (500_000, None)]
    for price in EDGES:
        make_product(f"Sản phẩm giá {price}", stars=4, price=price)
    searched = {v.value: v.count for f in search.search("", limit=50).facets if f.field == "priceBand"
                for v in f.values}
    ref = selectors.Reference.load()
    filters = selectors.parse_filters(QueryDict(), ref)
    counted = {key: n for key, n in selectors.catalogue_counts(filters, ref)["price"].items() if n}
    assert searched == counted == EXPECTED
    offered = next(f for f in selectors.build_facets(filters, ref, {"price": counted}) if f.name == "price")
    assert [o.label for o in offered.options] == [bands.band_label(lo, hi) for lo, hi in bands.price_bands()]
