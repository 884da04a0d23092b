"""The embedded backend's in-memory copy of its index.

Each process keeps one per database, loaded from `SearchEntry` and reloaded
when the index's generation token changes. Besides the documents it holds
what filters, facets and sorts need, worked out once per generation:

- a word index per field (folded word -> products): matching on PostgreSQL,
  the accents check and ranking's first pass are set operations on it;
- every product has a *position*, in the order of relevance ranking's first
  pass (shorter names first, then by name);
- a set of products is also kept as a *mask*: a Python int with one byte per
  position, 1 where the product belongs. `a & b` is a filter,
  `(a & b).bit_count()` a facet count, both in C over the whole catalogue
  at once, and `ids_in(mask)` lists the products in position order.
"""
import bisect
import datetime
from dataclasses import dataclass
from itertools import compress

from search import analysis
from search.bands import band_key, price_in_band
from search.documents import FIELDS
from shop.text import fold

CACHED_PRICE_RANGES = 32
CACHED_PHRASES = 256  # accented synonyms come from synonyms.txt: a short, fixed list


class Doc:
    """A product as ranked in memory: its four fields (documents.FIELDS: name,
    en, place, body), folded and with accents, each as its words with a space
    at both ends, so matching a word, a prefix or a phrase is one substring test."""

    __slots__ = ("id", "slug", "name", "folded_fields", "exact_fields", "word_count")

    def __init__(self, product_id: int, data: dict):
        self.id = product_id
        self.slug = data["slug"]
        self.name = data["name"]
        words = data["words"]
        folded = data.get("folded") or {k: fold(words.get(k, "")) for k in FIELDS}
        self.folded_fields = tuple(f" {folded.get(k, '')} " for k in FIELDS)
        self.exact_fields = tuple(f" {words.get(k, '')} " for k in FIELDS)
        self.word_count = len(folded.get("name", "").split())

    @property
    def name_text(self) -> str:
        return self.folded_fields[0]


@dataclass
class Certified:
    """Who holds a certificate valid on one day, and its stars."""

    stars: dict[int, int]  # product id -> stars, only for products certified that day
    mask: int
    by_stars: dict[int, int]  # stars -> mask


def _date(value):
    return datetime.date.fromisoformat(value) if value else None


class MemoryIndex:
    def __init__(self, generation: str, rows, bands, sales_points: dict[int, tuple[str, str]]):
        """`rows`: (product id, SearchEntry.data) pairs; `bands`: the price bands (low, high);
        `sales_points`: {id: (name, English name)}."""
        self.generation = generation
        self.sales_points = sales_points
        self.docs: dict[int, Doc] = {}
        groups: dict[str, set[int]] = {}  # every level of the classification, for the filter
        leaf_groups: dict[str, set[int]] = {}  # the product set, for the facet
        districts: dict[str, set[int]] = {}
        points: dict[int, set[int]] = {}  # sales points with stock
        in_band: dict[str, set[int]] = {band_key(lo, hi): set() for lo, hi in bands}
        self.by_producer: dict[int, set[int]] = {}
        self.producer_of: dict[int, int] = {}
        self.labels: dict[str, dict] = {"group": {}, "district": {}, "producer": {}}
        self._windows = []  # (id, stars, certified from, certified until)
        prices, keys = [], {}
        for pk, data in rows:
            doc = self.docs[pk] = Doc(pk, data)
            keys[pk] = (doc.name_text, data.get("min_price") or 0, data.get("created_at") or "")
            path = data.get("groups") or ()
            for code in path:
                groups.setdefault(code, set()).add(pk)
            if path:
                leaf_groups.setdefault(path[0], set()).add(pk)
                self.labels["group"][path[0]] = tuple(data.get("group_label") or ("", ""))
            if data.get("district"):
                districts.setdefault(data["district"], set()).add(pk)
                self.labels["district"][data["district"]] = tuple(data.get("district_label") or ("", ""))
            if data.get("producer"):
                self.by_producer.setdefault(data["producer"], set()).add(pk)
                self.producer_of[pk] = data["producer"]
                self.labels["producer"][data["producer"]] = data.get("producer_label") or ""
            for point in data.get("points") or ():
                points.setdefault(point, set()).add(pk)
            own = data.get("prices") or ()
            prices.extend((p, pk) for p in own)
            for lo, hi in bands:
                if any(price_in_band(p, lo, hi) for p in own):
                    in_band[band_key(lo, hi)].add(pk)
            start, end = _date(data.get("certified_from")), _date(data.get("certified_until"))
            if data.get("stars") and start and end:
                self._windows.append((pk, data["stars"], start, end))

        self.ids = frozenset(self.docs)
        self.postings: list[dict[str, set[int]]] = [{} for _ in FIELDS]  # per field: folded word -> products
        self.texts: list[dict[int, str]] = [{} for _ in FIELDS]  # per field: product -> its folded words
        for pk, doc in self.docs.items():
            for postings, texts, text in zip(self.postings, self.texts, doc.folded_fields, strict=True):
                texts[pk] = text
                for word in text.split():
                    postings.setdefault(word, set()).add(pk)
        self._vocabularies = [sorted(postings) for postings in self.postings]
        self.order = sorted(self.docs, key=lambda pk: (self.docs[pk].word_count, keys[pk][0], pk))
        self.position = {pk: n for n, pk in enumerate(self.order)}
        self.all = self.mask(self.order)
        self.groups = self._masks(groups)
        self.leaf_groups = self._masks(leaf_groups)
        self.districts = self._masks(districts)
        self.points = self._masks(points)
        self.bands = self._masks(in_band)
        self.orders = {  # every product, for the sorts; descending is the reverse
            "NAME": sorted(keys, key=lambda pk: (keys[pk][0], pk)),
            "PRICE": sorted(keys, key=lambda pk: (keys[pk][1], pk)),
            "NEWEST": sorted(keys, key=lambda pk: (keys[pk][2], pk)),
        }
        prices.sort()
        self._prices = [p for p, _ in prices]
        self._price_ids = [pk for _, pk in prices]
        self._price_ranges: dict = {}
        self._phrases: dict[str, frozenset[int]] = {}
        self._certified: tuple[datetime.date, Certified] | None = None
        self.vocabulary = analysis.Vocabulary(w for postings in self.postings for w in postings)
        self.vocabulary.near("")  # build the typo map now, not during somebody's search
        self.cache: dict = {}  # (query, filters, sort, day, language) -> ordered ids and facets

    # -- masks ----------------------------------------------------------------------
    def mask(self, ids) -> int:
        flags, position = bytearray(len(self.order)), self.position
        for pk in ids:
            flags[position[pk]] = 1
        return int.from_bytes(flags, "little")

    def ids_in(self, mask: int) -> list[int]:
        """The products of `mask`, in position order."""
        return list(compress(self.order, mask.to_bytes(len(self.order), "little")))

    def _masks(self, sets: dict) -> dict:
        return {key: self.mask(ids) for key, ids in sets.items()}

    def in_field(self, field: int, words: tuple[str, ...], prefix: bool, within: set[int] | None = None) -> set[int]:
        """Products (of `within`, if given) whose field (index in documents.FIELDS)
        holds these folded words side by side, the last one maybe only as a prefix."""
        postings, vocabulary = self.postings[field], self._vocabularies[field]
        *head, last = words
        if prefix:
            start = bisect.bisect_left(vocabulary, last)
            end = bisect.bisect_left(vocabulary, last + "\uffff")
            found = set().union(*(postings[w] for w in vocabulary[start:end]))
            if within is not None:
                found &= within
        else:
            found = postings.get(last, set()) & within if within is not None else set(postings.get(last, ()))
        for word in head:
            found &= postings.get(word, set())
        if head and found:
            needle = " " + " ".join(words) + ("" if prefix else " ")
            texts = self.texts[field]
            found = {pk for pk in found if needle in texts[pk]}
        return found

    def matching(self, parsed: analysis.ParsedQuery, require_all: bool) -> set[int]:
        """Products whose folded words match every group of the query (or any,
        if not `require_all`) in any field: the same answer as the FTS5 query."""
        found = []
        for group in parsed.groups:
            found.append(set().union(*(
                self.in_field(field, alt.words, alt.prefix) for alt in group.alternatives for field in range(len(FIELDS))
            )))
        if not found:
            return set()
        return set.intersection(*found) if require_all else set().union(*found)

    # -- cached per generation ----------------------------------------------------------
    def certified(self, day: datetime.date) -> Certified:
        """The products whose certificate counts on `day` (worked out once per day)."""
        current = self._certified
        if current is None or current[0] != day:
            stars = {pk: s for pk, s, start, end in self._windows if start <= day <= end}
            by_stars: dict[int, set[int]] = {}
            for pk, s in stars.items():
                by_stars.setdefault(s, set()).add(pk)
            current = self._certified = (day, Certified(stars, self.mask(stars), self._masks(by_stars)))
        return current[1]

    def priced(self, low: int | None, high: int | None) -> int:
        """The mask of products with a published variant priced within [low, high] (both inclusive)."""
        key = (low, high)
        found = self._price_ranges.get(key)
        if found is None:
            start = 0 if low is None else bisect.bisect_left(self._prices, low)
            end = len(self._prices) if high is None else bisect.bisect_right(self._prices, high)
            found = self.mask(self._price_ids[start:end])
            if len(self._price_ranges) >= CACHED_PRICE_RANGES:
                self._price_ranges.clear()
            self._price_ranges[key] = found
        return found

    def containing(self, padded_phrase: str) -> frozenset[int]:
        """Products whose words, accents kept, contain `padded_phrase` (" trà ")."""
        found = self._phrases.get(padded_phrase)
        if found is None:
            found = frozenset(
                pk for pk, doc in self.docs.items() if any(padded_phrase in text for text in doc.exact_fields)
            )
            if len(self._phrases) >= CACHED_PHRASES:
                self._phrases.clear()
            self._phrases[padded_phrase] = found
        return found
