"""What the index knows about a product: one plain dict per product, built in
a handful of queries for a whole batch, and used by both backends.

Stars are stored with the days they are shown (`_certificate_window`, from
catalog.certification.displayable), and every search checks those days
against today, so a certificate that expires or whose revocation takes effect
overnight stops counting before anything is re-indexed.
"""
import datetime
import itertools
from collections import defaultdict

from django.db.models import F, Sum

from catalog import certification
from catalog.models import Certification, Product, ProductGroup, ProductVariant
from inventory import availability
from search.analysis import words
from shop.text import fold

FIELDS = ("name", "en", "place", "body")


def _join(*parts) -> str:
    return " ".join(p for p in parts if p)


def _certificate_window(certs, day: datetime.date):
    """(stars, first day, last day): the run of days around `day` (else the next run to
    come) on which `certification.displayable` shows the same stars; None if none is left.

    What is shown can change only on the days `certification.change_days` names (a
    decision, the day after the last valid day, a revocation taking effect), so the run
    is found by asking `displayable` on those days. It ends the day before the stars change (a future revocation included),
    so every search agrees with the rule on each day without re-indexing; the sweep
    (search.sync.stale_ids) re-indexes a product once its run is over."""
    one_day = datetime.timedelta(days=1)
    changes = sorted(set().union(*map(certification.change_days, certs)))
    runs: list[list] = []  # [stars, first day, last day], in order
    for start, following in itertools.zip_longest(changes, changes[1:]):
        shown = certification.displayable(certs, start)
        stars = shown.stars if shown else None
        if runs and runs[-1][0] == stars and runs[-1][2] == start - one_day:
            runs[-1][2] = following - one_day if following else runs[-1][2]
        elif stars is not None:
            # Nothing is in force after the last change (every certificate has expired by then).
            runs.append([stars, start, following - one_day if following else start])
    return next((tuple(run) for run in runs if run[2] >= day), None)


def build_documents(product_ids, day: datetime.date | None = None) -> list[dict]:
    """Documents of the published products among `product_ids` (others are simply absent)."""
    day = day or certification.today()
    ids = list(product_ids)
    products = list(
        Product.objects.published()
        .filter(pk__in=ids)
        .select_related(
            "producer__district", "producer__commune", "producer__former_commune", "district", "commune__successor",
        )
    )
    if not products:
        return []
    ids = [p.pk for p in products]
    prices = defaultdict(list)
    for product_id, price in ProductVariant.objects.filter(product_id__in=ids, is_published=True).values_list(
        "product_id", "price_vnd"
    ):
        prices[product_id].append(price)
    stock = defaultdict(dict)
    rows = (
        availability.sellable_stock(day).filter(variant__product_id__in=ids)
        .values("variant__product_id", "sales_point_id")
        .annotate(available=Sum(F("quantity_on_hand") - F("quantity_allocated")))
    )
    for row in rows:
        stock[row["variant__product_id"]][row["sales_point_id"]] = max(0, row["available"] or 0)
    certs = defaultdict(list)
    for cert in Certification.objects.filter(product_id__in=ids):
        certs[cert.product_id].append(cert)
    groups = {g.pk: g for g in ProductGroup.objects.all()}
    return [_document(p, prices[p.pk], stock[p.pk], certs[p.pk], day, groups) for p in products]


def _document(p: Product, prices: list[int], stock: dict, certs: list, day, groups: dict) -> dict:
    group_path, node = [], groups.get(p.group_id)
    while node is not None and len(group_path) < 5:
        group_path.append(node)
        node = groups.get(node.parent_id)
    producer = p.producer
    district = p.district or (producer.district if producer else None)
    places = [
        producer.name if producer else "",
        district.name if district else "", district.name_en if district else "",
    ]
    for commune in (p.commune, p.commune.successor if p.commune else None,
                    producer.commune if producer else None, producer.former_commune if producer else None):
        if commune is not None:
            places.append(str(commune))
    window = _certificate_window(certs, day)
    texts = {
        "name": p.name,
        "en": _join(p.name_en, p.keywords_en),
        "place": _join(*places),
        "body": _join(p.description, p.description_en, *(g.name for g in group_path), *(g.name_en for g in group_path),
                      p.ingredients, p.ingredients_en),
    }
    return {
        "id": p.pk,
        "slug": p.slug,
        "name": p.name,
        "name_en": p.name_en,
        "texts": texts,
        "words": {k: " ".join(words(v)) for k, v in texts.items()},
        "folded": {k: " ".join(fold(w) for w in words(v)) for k, v in texts.items()},
        "stars": window[0] if window else None,
        "certified_from": window[1].isoformat() if window else None,
        "certified_until": window[2].isoformat() if window else None,
        "groups": [g.code for g in group_path],
        "group_label": [group_path[0].name, group_path[0].name_en or group_path[0].name] if group_path else ["", ""],
        "district": district.code if district else "",
        "district_label": [district.name, district.name_en or district.name] if district else ["", ""],
        "producer": producer.pk if producer else None,
        "producer_label": producer.name if producer else "",
        "prices": sorted(prices),
        "min_price": min(prices) if prices else None,
        "max_price": max(prices) if prices else None,
        "stock": {str(k): v for k, v in sorted(stock.items())},
        "points": sorted(k for k, v in stock.items() if v > 0),
        "created_at": p.created_at.isoformat(),
    }
