"""Reads behind the shopper pages.

Products are chosen by `search.catalogue.filter_products` (the catalogue)
or `search.search` (the search page); this module only parses what
the visitor asked for, fetches a page and counts the facets. A page costs
the same number of queries whatever its size: the cards' variants,
certificates and images are prefetched in one query each, and every facet
is one aggregate query.

Visitor input is never trusted: unknown codes, stars other than 3–5, bands
that do not exist are dropped (the filter is ignored), so an odd URL shows
the unfiltered list instead of an error.
"""
from __future__ import annotations

import datetime
import math
import time
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.db.models.functions import Coalesce
from django.http import Http404, QueryDict

from catalog import certification, selectors
from catalog.models import Certification, Producer, Product, ProductGroup, ProductVariant
from inventory import availability
from inventory.models import SaleHold
from orders import shipping
from search import catalogue as catalogue_filters
from search.bands import band_key, band_label, bands_by_key, price_bands
from shop import generation
from shop.errors import pick
from shop.models import Commune, District, SalesPoint
from storefront import presenters

MAX_QUERY_LENGTH = 200
MAX_VALUES_PER_FILTER = 30
SORTS = ("relevance", "name", "price", "-price", "stars", "newest")


def default_page_size() -> int:
    return int(getattr(settings, "STOREFRONT_PAGE_SIZE", 24))


# -- reference data --------------------------------------------------------------

@dataclass
class Reference:
    """What the filters may name: loaded once per page (three small queries)."""

    day: datetime.date
    groups: dict[str, ProductGroup]
    districts: dict[str, District]
    points: dict[str, SalesPoint]

    @classmethod
    def load(cls, day: datetime.date | None = None) -> Reference:
        day = day or certification.today()
        return cls(
            day=day,
            groups={g.code: g for g in ProductGroup.objects.order_by("level", "position", "code")},
            districts={d.code: d for d in District.objects.order_by("code")},
            points={p.code: p for p in availability.open_points(day).select_related("district").order_by("priority", "code")},
        )

    @property
    def points_by_id(self) -> dict[int, SalesPoint]:
        return {p.pk: p for p in self.points.values()}


# -- what the visitor asked for ----------------------------------------------------

@dataclass
class Filters:
    q: str = ""
    groups: list[str] = field(default_factory=list)
    stars: list[int] = field(default_factory=list)
    districts: list[str] = field(default_factory=list)
    band: str = ""
    points: list[str] = field(default_factory=list)
    sort: str = ""

    @property
    def active(self) -> bool:
        return bool(self.groups or self.stars or self.districts or self.band or self.points)

    def price_limits(self) -> tuple[int | None, int | None]:
        """A band [low, high) as the inclusive bounds filter_products takes."""
        low, high = bands_by_key().get(self.band, (None, None))
        return low, (high - 1 if high is not None else None)

    def catalogue_kwargs(self, ref: Reference, without: str | None = None) -> dict:
        """Keyword arguments of search.catalogue.filter_products, optionally leaving one facet out."""
        low, high = self.price_limits()
        return {
            "groups": self.groups if without != "group" else None,
            "stars": self.stars if without != "stars" else None,
            "districts": self.districts if without != "district" else None,
            "price_gte": low if without != "price" else None,
            "price_lte": high if without != "price" else None,
            "available_at": [ref.points[c].pk for c in self.points] if without != "point" else None,
            "day": ref.day,
        }

    def search_filters(self, ref: Reference):
        from search import SearchFilters

        low, high = self.price_limits()
        return SearchFilters(
            groups=list(self.groups), stars=list(self.stars), districts=list(self.districts),
            price_gte=low, price_lte=high, available_at=[ref.points[c].pk for c in self.points],
        )


def _clean_text(value: str) -> str:
    # NUL cannot be stored or compared by PostgreSQL; control characters mean nothing in a search.
    value = "".join(ch for ch in (value or "") if ch.isprintable())
    return " ".join(value.split())[:MAX_QUERY_LENGTH]


def _known(values: list[str], allowed) -> list[str]:
    seen = []
    for value in values[:MAX_VALUES_PER_FILTER]:
        value = value.strip()
        if value in allowed and value not in seen:
            seen.append(value)
    return seen


def parse_filters(params: QueryDict, ref: Reference) -> Filters:
    stars = []
    for value in params.getlist("stars")[:MAX_VALUES_PER_FILTER]:
        if value.strip() in ("3", "4", "5") and int(value) not in stars:
            stars.append(int(value))
    band = params.get("price", "").strip()
    sort = params.get("sort", "").strip()
    return Filters(
        q=_clean_text(params.get("q", "")),
        groups=_known(params.getlist("group"), ref.groups),
        stars=sorted(stars, reverse=True),
        districts=_known(params.getlist("district"), ref.districts),
        band=band if band in bands_by_key() else "",
        points=_known(params.getlist("point"), ref.points),
        sort=sort if sort in SORTS else "",
    )


def parse_page(params: QueryDict) -> int:
    """The page number: missing or not a number means the first page."""
    value = params.get("page", "1").strip()
    if not value.isdigit() or len(value) > 6:
        return 1
    return max(1, int(value))


# -- facets --------------------------------------------------------------------------

@dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class Facet:
    name: str  # the query parameter
    title: str
    options: list[Option]
    multiple: bool = True


def build_facets(filters: Filters, ref: Reference, counts: dict[str, dict[str, int]]) -> list[Facet]:
    """Options in the shop's order; those with no product are left out unless chosen."""

    def options(pairs, chosen, name):
        out = []
        for value, label in pairs:
            n = counts.get(name, {}).get(value, 0)
            if n or value in chosen:
                out.append(Option(value, label, n, value in chosen))
        return out

    groups = [(code, presenters.loc(g, "name")) for code, g in ref.groups.items()]
    facets = [
        Facet("group", pick("Nhóm sản phẩm", "Product group"), options(groups, filters.groups, "group")),
        Facet("stars", pick("Hạng sao OCOP", "OCOP stars"), options(
            [(s, pick(f"{s} sao", f"{s} stars")) for s in ("5", "4", "3")], [str(s) for s in filters.stars], "stars")),
        Facet("district", pick("Huyện", "District"), options(
            [(c, presenters.district_name(d)) for c, d in ref.districts.items()], filters.districts, "district")),
        Facet("price", pick("Giá", "Price"), options(
            [(band_key(lo, hi), band_label(lo, hi)) for lo, hi in price_bands()], [filters.band], "price"), multiple=False),
        Facet("point", pick("Có sẵn tại điểm bán", "Available at"), options(
            [(c, presenters.loc(p, "name")) for c, p in ref.points.items()], filters.points, "point")),
    ]
    return [f for f in facets if f.options]


def catalogue_counts(filters: Filters, ref: Reference) -> dict[str, dict[str, int]]:
    """Disjunctive facet counts (each facet ignores its own filter), one query per facet."""

    def base(without):
        return catalogue_filters.filter_products(Product.objects.published(), **filters.catalogue_kwargs(ref, without)).order_by()

    def grouped(qs, key):
        rows = qs.annotate(k=key).values("k").annotate(n=Count("pk", distinct=True))
        return {str(row["k"]): row["n"] for row in rows if row["k"]}

    counts = {
        "group": grouped(base("group"), F("group__code")),
        "stars": grouped(selectors.with_current_stars(base("stars"), ref.day), F("current_stars")),
        "district": grouped(base("district"), Coalesce("district__code", "producer__district__code")),
    }
    # Price bands: one conditional count per band, all in one query.
    in_band = {}
    for low, high in price_bands():
        variants = ProductVariant.objects.filter(product=OuterRef("pk"), is_published=True)
        if low is not None:
            variants = variants.filter(price_vnd__gte=low)
        if high is not None:
            variants = variants.filter(price_vnd__lt=high)
        in_band[band_key(low, high)] = Count("pk", filter=Q(Exists(variants)))
    aliases = {f"b{i}": agg for i, agg in enumerate(in_band.values())}
    totals = base("price").aggregate(**aliases)
    counts["price"] = {key: totals[f"b{i}"] for i, key in enumerate(in_band)}
    # Sales points: products with a unit available at each open point.
    rows = (
        availability.sellable_stock(ref.day)
        .filter(sales_point_id__in=[p.pk for p in ref.points.values()], variant__product__in=base("point").values("pk"))
        .values("sales_point_id").annotate(n=Count("variant__product_id", distinct=True)).order_by()
    )
    by_id = ref.points_by_id
    counts["point"] = {by_id[r["sales_point_id"]].code: r["n"] for r in rows if r["sales_point_id"] in by_id}
    return counts


# -- lists of products ---------------------------------------------------------------

def card_queryset():
    """Published products with what a card shows, prefetched (three queries per page)."""
    return (
        Product.objects.published()
        .select_related("producer__district", "district", "group")
        .prefetch_related(
            Prefetch("variants", queryset=ProductVariant.objects.filter(is_published=True), to_attr="published_variants"),
            Prefetch("certifications", queryset=Certification.objects.order_by()),
            "images",
        )
    )


@dataclass
class Listing:
    cards: list
    total: int
    page: int
    pages: int
    page_size: int
    facets: list[Facet]
    filters: Filters
    backend: str = "catalogue"
    lapsed: list = field(default_factory=list)  # Lapsed: matching products left out for a lapsed certificate
    chips: list = field(default_factory=list)  # Chip: the active filters, each with a link that removes it

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _page_bounds(total: int, page: int, size: int) -> int:
    pages = max(1, math.ceil(total / size))
    if page > pages:
        raise Http404("page out of range")
    return pages


SORT_KEYS = {
    "name": ("NAME", False), "price": ("PRICE", False), "-price": ("PRICE", True),
    "stars": ("STARS", True), "newest": ("NEWEST", True),
}


def catalogue(filters: Filters, ref: Reference, page: int = 1, page_size: int | None = None) -> Listing:
    """The catalogue page: certified products, filtered and sorted in SQL."""
    size = page_size or default_page_size()
    products = catalogue_filters.filter_products(Product.objects.published(), **filters.catalogue_kwargs(ref))
    total = products.count()
    pages = _page_bounds(total, page, size)
    field, descending = SORT_KEYS.get(filters.sort, ("STARS", True) if not filters.sort else ("NAME", False))
    ordered = selectors.sort_products(products, field, descending=descending)
    ids = list(ordered.values_list("pk", flat=True)[(page - 1) * size : page * size])
    cards = cards_for(ids)
    counts = catalogue_counts(filters, ref)
    facets = build_facets(filters, ref, counts)
    lapsed = lapsed_products(catalogue_filters.filter_products(
        Product.objects.published(), certified_only=False, **filters.catalogue_kwargs(ref, without="stars")), ref.day)
    return Listing(cards, total, page, pages, size, facets, filters, lapsed=lapsed, chips=chips(filters, facets))


@dataclass
class Lapsed:
    product: Product
    notice: str  # presenters.lapsed_notice: "Chứng nhận OCOP hết hạn ngày …"


def lapsed_products(products, day: datetime.date, limit: int = 5) -> list[Lapsed]:
    """Among `products`, those not in the certified list because their certificate expired or was
    revoked (`certification.standing`), with the reason: one query, whatever their number."""
    standing = certification.with_standing(products.not_certified_on(day), day)
    certs = (
        Certification.objects.filter(pk__in=standing.filter(ocop_standing_id__isnull=False).values("ocop_standing_id"))
        .select_related("product").order_by("product__name", "product_id")[:limit]
    )
    found = []
    for cert in certs:
        notice = presenters.lapsed_notice(certification.status_of(cert, day), cert)
        if notice:
            found.append(Lapsed(cert.product, notice))
    return found


@dataclass
class Chip:
    label: str
    remove_url: str  # the query string without this one filter ("?q=…&stars=5")


def chips(filters: Filters, facets: list[Facet]) -> list[Chip]:
    """One removable chip per active filter value, in the facets' order (no query)."""
    params: list[tuple[str, str]] = []
    if filters.q:
        params.append(("q", filters.q))
    params += [("group", v) for v in filters.groups] + [("stars", str(v)) for v in filters.stars]
    params += [("district", v) for v in filters.districts]
    if filters.band:
        params.append(("price", filters.band))
    params += [("point", v) for v in filters.points]
    if filters.sort:
        params.append(("sort", filters.sort))
    found = []
    for facet in facets:
        for option in facet.options:
            if option.selected and (facet.name, option.value) in params:
                rest = QueryDict(mutable=True)
                for name, value in params:
                    if (name, value) != (facet.name, option.value):
                        rest.appendlist(name, value)
                query = rest.urlencode()
                found.append(Chip(f"{facet.title}: {option.label}", f"?{query}" if query else "?"))
    return found


def cards_for(ids: list[int]) -> list:
    """Cards for these product ids, in their order."""
    by_id = {p.pk: p for p in card_queryset().filter(pk__in=ids)} if ids else {}
    return [presenters.card(by_id[i]) for i in ids if i in by_id]


def search(filters: Filters, ref: Reference, page: int = 1, page_size: int | None = None) -> Listing:
    """The search page, answered by search.search (embedded or Elasticsearch)."""
    import search as search_api

    size = page_size or default_page_size()
    sort = filters.sort or "relevance"
    field, descending = SORT_KEYS.get(sort, ("RELEVANCE", False))
    result = search_api.search(
        filters.q, filters=filters.search_filters(ref), sort=field, descending=descending,
        offset=(page - 1) * size, limit=size, day=ref.day,
    )
    pages = _page_bounds(result.total, page, size)
    counts = _counts_from_search(result.facets, ref)
    facets = build_facets(filters, ref, counts)
    listing = Listing(cards_for(result.product_ids), result.total, page, pages, size,
                      facets, filters, backend=result.backend, chips=chips(filters, facets))
    if filters.q:
        listing.lapsed = lapsed_products(
            Product.objects.published().filter(pk__in=search_api.matching_ids(filters.q)), ref.day)
    return listing


def _counts_from_search(facets, ref: Reference) -> dict[str, dict[str, int]]:
    """The search contract's facets, keyed as the pages' query parameters."""
    from shop.graphql.core import decode_id

    names = {"group": "group", "stars": "stars", "district": "district", "priceBand": "price", "salesPoint": "point"}
    by_id = ref.points_by_id
    counts: dict[str, dict[str, int]] = {}
    for facet in facets:
        name = names.get(facet.field)
        if name is None:
            continue
        values = counts.setdefault(name, {})
        for v in facet.values:
            key = v.value
            if name == "point":
                try:
                    point = by_id.get(decode_id(v.value, "SalesPoint"))
                except Exception:  # noqa: BLE001 - an id we cannot read is a value we do not show
                    point = None
                if point is None:
                    continue
                key = point.code
            values[str(key)] = v.count
    return counts


def suggestions(prefix: str, limit: int = 8) -> list[dict]:
    import search as search_api

    prefix = _clean_text(prefix)[:60]
    if len(prefix) < 2:
        return []
    found = search_api.suggest(prefix, limit)
    return [{"text": s.text, "slug": s.slug} for s in found if s.slug]


# -- home ----------------------------------------------------------------------------

@dataclass
class Home:
    featured: list
    groups: list  # (group, count)
    districts: list  # (district, count)
    points: list


def home(ref: Reference, featured: int = 8) -> Home:
    """4★ and 5★ products first; the product groups and districts with their counts; the points."""
    certified = catalogue_filters.filter_products(Product.objects.published(), day=ref.day)
    # Only products whose stars shown today (certification.shown_stars) are 4 or 5: never a 3★ one.
    top = catalogue_filters.filter_products(Product.objects.published(), stars=[5, 4], day=ref.day)
    ids = list(selectors.sort_products(top, "STARS", descending=True).values_list("pk", flat=True)[:featured])
    by_group = dict(certified.order_by().values_list("group__code").annotate(n=Count("pk")))
    by_district = dict(
        certified.order_by().annotate(k=Coalesce("district__code", "producer__district__code"))
        .values_list("k").annotate(n=Count("pk"))
    )
    groups = [(g, by_group[c]) for c, g in ref.groups.items() if by_group.get(c)]
    groups.sort(key=lambda pair: -pair[1])
    districts = [(d, by_district[c]) for c, d in ref.districts.items() if by_district.get(c)]
    return Home(cards_for(ids), groups, districts, list(ref.points.values()))


# -- one product -----------------------------------------------------------------------

@dataclass
class VariantLine:
    variant: ProductVariant
    available: int  # sellable units at the open points (0 while the variant is on a sale hold)
    price: int
    hold: SaleHold | None = None  # why it is off sale (a recalled lot), shown to the buyer


@dataclass
class PointStock:
    point: SalesPoint
    lines: list  # (variant, quantity available)

    @property
    def has_any(self) -> bool:
        return any(q > 0 for _, q in self.lines)

    @cached_property
    def url(self) -> str:
        return presenters.point_url(self.point)

    @cached_property
    def summary(self) -> str:
        """What is left of each variant here: presenters.stock_at_point."""
        return presenters.stock_at_point(self.lines)


@dataclass
class ProductPage:
    facts: _Facts
    day: datetime.date
    variants: list[VariantLine]
    availability: list[PointStock]
    # Everything the page shows that is not the visitor's own (language, address, cart, CSRF
    # token): the kept facts' key and the stock and holds just read; None when facts are not kept.
    key: tuple | None = None

    @property
    def product(self) -> Product:
        return self.facts.product

    @property
    def certificates(self) -> list:
        return self.facts.certificates

    @cached_property
    def certificate(self) -> Certification | None:
        return certification.displayable(self.facts.certificates, self.day)

    @cached_property
    def pictures(self) -> list:
        return [presenters.Picture.of(i, 640) for i in self.facts.images]

    @cached_property
    def delivery(self) -> str:
        """"Giao toàn quốc 2–6 ngày, từ 30.000 ₫", or where it may go; "" when nowhere."""
        return self.facts.delivery.text() if self.facts.delivery else ""

    @cached_property
    def lapsed(self) -> str:
        """Why no stars: "Chứng nhận OCOP hết hạn ngày …" (presenters.lapsed_notice)."""
        return presenters.lapsed_notice(*certification.standing(self.facts.certificates, self.day))

    @cached_property
    def chosen(self) -> VariantLine | None:
        """The variant the form selects first: the first one in stock, else the first."""
        return next((line for line in self.variants if line.available and not line.hold),
                    self.variants[0] if self.variants else None)

    @property
    def can_buy(self) -> bool:
        chosen = self.chosen
        return chosen is not None and bool(chosen.available) and chosen.hold is None


@dataclass
class _Facts:
    """What a product page shows that only a saved catalogue row changes."""

    product: Product
    variants: list[ProductVariant]
    certificates: list[Certification]
    images: list
    points: list[SalesPoint]
    delivery: shipping.Estimate | None  # of the first variant (the one the form selects)


FACTS_MAX = 500  # products whose facts a process keeps
_facts_held: dict[tuple, tuple[float, _Facts]] = {}


def product_page(slug: str, day: datetime.date | None = None) -> ProductPage:
    """Any published product (an expired certificate hides the stars, not the product).
    Stock and sale holds are read afresh (one query, at the facts' open points for their
    published variants); the rest comes from `_facts`."""
    day = day or certification.today()
    facts, facts_key = _facts(slug, day)
    variants, points = facts.variants, facts.points
    stock, held = availability.sellable_and_held([v.pk for v in variants], [p.pk for p in points])
    per_point = [PointStock(p, [(v, stock.get((v.pk, p.pk), 0)) for v in variants]) for p in points]
    lines = [
        VariantLine(v, sum(stock.get((v.pk, p.pk), 0) for p in points), v.price_vnd, held.get(v.pk))
        for v in variants
    ]
    key = None
    if facts_key is not None:
        holds = tuple((h.variant_id, h.pk, h.reason, h.reason_en) for h in held.values())
        key = (facts_key, tuple(sorted(stock.items())), holds)
    return ProductPage(facts=facts, day=day, variants=lines, availability=[a for a in per_point if a.has_any], key=key)


def _facts(slug: str, day: datetime.date) -> tuple[_Facts, tuple | None]:
    """The product, its places, variants, certificates, pictures and the open points: kept
    by the process for STOREFRONT_PRODUCT_CACHE_SECONDS under the catalogue's generation
    (shop/generation.py), so a saved change shows at once here and within that time in
    the other processes. Seven of the page's eight queries: the product with its variants, the
    communes, the districts, certificates, pictures, open points, shipping zones with their
    rates (a product with no published variant: one more). With them, a key that names this
    load of them (None when facts are not kept)."""
    seconds = settings.STOREFRONT_PRODUCT_CACHE_SECONDS
    key = (slug, day, generation.current()) if seconds else None
    held = _facts_held.get(key) if key else None
    if held is not None and held[0] > time.monotonic():
        return held[1], (*key, held[0])
    product, variants = _product_and_variants(slug)
    _attach_places(product)
    facts = _Facts(
        product=product,
        variants=variants,
        certificates=list(product.certifications.all()),
        images=list(product.images.all()),
        points=list(availability.open_points(day).select_related("district").order_by("priority", "code")),
        delivery=None,
    )
    facts.delivery = shipping.estimate(facts.variants[0]) if facts.variants else None
    if key:
        if len(_facts_held) >= FACTS_MAX:
            _facts_held.clear()
        deadline = time.monotonic() + seconds
        _facts_held[key] = (deadline, facts)
        # The deadline tells this load from the next one of the same generation, which another
        # process's save (not seen here) may have changed: what is kept by this key goes with it.
        return facts, (*key, deadline)
    return facts, None


def _product_and_variants(slug: str) -> tuple[Product, list[ProductVariant]]:
    """The published product with its producer and group, and its published variants in the
    form's order: one query, a row per variant with the product joined; a second one for a
    product with no published variant. Catalogue tables only: with a read replica (shop/db/
    router.py) they are read from it, the shop's places from the primary (_attach_places)."""
    related = ("producer", "group")
    variants = list(
        ProductVariant.objects.filter(is_published=True, product__slug=slug, product__is_published=True)  # published()
        .select_related(*(f"product__{name}" for name in related)).order_by("position", "price_vnd", "pk")
    )
    if variants:
        product = variants[0].product
        for variant in variants[1:]:
            variant.product = product  # one product for all, as product.variants.all() leaves them
        return product, variants
    product = next(iter(Product.objects.published().select_related(*related).filter(slug=slug).order_by()[:1]), None)
    if product is None:
        raise Http404("no such product")
    return product, []


def _attach_places(product: Product) -> None:
    """The product's and its producer's communes (with successors) and districts, in two
    small queries (one when neither names a commune): as one nine-table join PostgreSQL spent
    2-7 ms planning a query that runs in a fraction of a millisecond, most of a product
    page's database time."""
    producer = product.producer
    owners = [product, producer] if producer is not None else [product]
    wanted = {getattr(o, f"{f}_id") for o in owners for f in ("commune", "former_commune") if hasattr(o, f"{f}_id")}
    wanted.discard(None)
    communes = {c.pk: c for c in Commune.objects.select_related("successor").filter(pk__in=wanted).order_by()} \
        if wanted else {}
    districts = {o.district_id for o in owners} - {None}
    districts = {d.pk: d for d in District.objects.filter(pk__in=districts).order_by()} if districts else {}
    for owner in owners:
        owner.district = districts.get(owner.district_id)
        for name in ("commune", "former_commune"):
            if hasattr(owner, f"{name}_id"):
                setattr(owner, name, communes.get(getattr(owner, f"{name}_id")))


# -- producers and sales points ----------------------------------------------------------

def producers() -> list:
    """Every producer with its number of published products (one query)."""
    return list(
        Producer.objects.select_related("district", "commune")
        .annotate(n=Count("products", filter=Q(products__is_published=True)))
        .filter(n__gt=0).order_by("name", "pk")
    )


def producer_page(slug: str):
    producer = (
        Producer.objects.select_related("district", "commune", "former_commune__successor")
        .filter(slug=slug).first()
    )
    if producer is None:
        raise Http404("no such producer")
    ids = list(
        selectors.sort_products(Product.objects.published().filter(producer=producer), "NAME").values_list("pk", flat=True)[:100]
    )
    return producer, cards_for(ids)


def sales_points(ref: Reference) -> list[tuple[SalesPoint, list]]:
    """The open points with the districts each delivers to (two queries)."""
    points = list(ref.points.values())
    through = SalesPoint.delivers_to.through.objects.filter(salespoint_id__in=[p.pk for p in points]).select_related(
        "district"
    ).order_by("district__code")
    served: dict[int, list] = {p.pk: [] for p in points}
    for row in through:
        served[row.salespoint_id].append(row.district)
    return [(p, served[p.pk]) for p in points]


def sales_point_page(code: str, ref: Reference):
    point = ref.points.get(code)
    if point is None:
        raise Http404("no such sales point")
    delivers_to = list(point.delivers_to.order_by("code"))
    ids = list(
        selectors.sort_products(
            catalogue_filters.filter_products(Product.objects.published(), available_at=[point.pk], day=ref.day), "STARS",
            descending=True,
        ).values_list("pk", flat=True)[:12]
    )
    count = catalogue_filters.filter_products(Product.objects.published(), available_at=[point.pk], day=ref.day).count()
    return point, delivers_to, cards_for(ids), count
