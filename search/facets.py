"""Filters and disjunctive facet counts of the embedded backend, as set
operations over the in-memory copy (search/memory.py).

Lists are OR within a filter, AND across filters. Each facet counts the
products that pass every *other* filter, so choosing 4★ leaves the 3★ count.
"""
import datetime
import functools
import heapq
from collections import Counter

from search.bands import band_key, band_label, price_bands
from search.memory import MemoryIndex
from search.types import Facet, FacetValue, SearchFilters
from shop.errors import pick

FACET_VALUES = 50  # producers: the most frequent this many (the other facets are short lists)


def _any_of(masks: dict, keys) -> int:
    found = 0
    for key in keys:
        found |= masks.get(key, 0)
    return found


def filter_and_count(memory: MemoryIndex, pool, filters: SearchFilters, day: datetime.date, with_facets: bool):
    """(the products of `pool` that pass the filters, in position order; the facets or []).
    `pool`: the products the query matched, or `memory.ids` for every product."""
    certified = memory.certified(day)
    pool = memory.all if pool is memory.ids else memory.mask(pool)
    if filters.certified_only:
        pool &= certified.mask
    chosen: dict[str, int] = {}  # facet name -> the mask of products its filter lets through
    if filters.groups:
        chosen["group"] = _any_of(memory.groups, filters.groups)
    if filters.stars:
        chosen["stars"] = _any_of(certified.by_stars, filters.stars)
    if filters.districts:
        chosen["district"] = _any_of(memory.districts, filters.districts)
    if filters.producers:
        chosen["producer"] = memory.mask(set().union(*(memory.by_producer.get(p, ()) for p in filters.producers)))
    if filters.price_gte is not None or filters.price_lte is not None:
        chosen["priceBand"] = memory.priced(filters.price_gte, filters.price_lte)
    if filters.available_at:
        chosen["salesPoint"] = _any_of(memory.points, filters.available_at)
    hits = pool
    for allowed in chosen.values():
        hits &= allowed
    if not with_facets:
        return memory.ids_in(hits), []

    def base(name) -> int:
        found = pool
        for other, allowed in chosen.items():
            if other != name:
                found &= allowed
        return found

    def count(name, masks: dict) -> dict:
        within = base(name)
        return {key: n for key, mask in masks.items() if (n := (within & mask).bit_count())}

    producers = Counter(map(memory.producer_of.get, memory.ids_in(base("producer"))))
    producers.pop(None, None)
    counts = {
        "group": count("group", memory.leaf_groups),
        "stars": count("stars", certified.by_stars),
        "district": count("district", memory.districts),
        "producer": producers,
        "priceBand": count("priceBand", memory.bands),
        "salesPoint": count("salesPoint", memory.points),
    }
    return memory.ids_in(hits), _facets(counts, memory)


@functools.lru_cache(maxsize=4096)
def _global_id(type_name: str, pk: int) -> str:
    from shop.graphql.core import global_id

    return global_id(type_name, pk)


def _facets(counts, memory: MemoryIndex) -> list[Facet]:
    def by_count(values):
        return sorted(values, key=lambda v: (-v.count, v.label))

    labels = memory.labels
    vi_en = lambda pair: pick(pair[0], pair[1] or pair[0])  # noqa: E731
    stars = counts["stars"]
    return [
        Facet("group", by_count(FacetValue(k, vi_en(labels["group"][k]), n) for k, n in counts["group"].items())),
        Facet("stars", [FacetValue(str(k), f"{k}★", stars[k]) for k in (5, 4, 3) if stars.get(k)]),
        Facet("district", by_count(
            FacetValue(k, vi_en(labels["district"][k]), n) for k, n in counts["district"].items()
        )),
        Facet("producer", by_count(
            FacetValue(_global_id("Producer", k), labels["producer"][k], n)
            for k, n in heapq.nlargest(FACET_VALUES, counts["producer"].items(), key=lambda kv: (kv[1], -kv[0]))
        )),
        Facet("priceBand", [
            FacetValue(band_key(lo, hi), band_label(lo, hi), counts["priceBand"][band_key(lo, hi)])
            for lo, hi in price_bands() if counts["priceBand"].get(band_key(lo, hi))
        ]),
        Facet("salesPoint", by_count(
            FacetValue(_global_id("SalesPoint", k), vi_en(memory.sales_points[k]), n)
            for k, n in counts["salesPoint"].items() if k in memory.sales_points
        )),
    ]
