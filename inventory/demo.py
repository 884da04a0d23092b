"""Demo and synthetic stock, added when the catalogue's demo or a synthetic catalogue loads
(catalog.demo.signals), through the ledger like any other receipt."""
import random
import zlib

from catalog.models import ProductVariant
from inventory import ledger
from shop.models import SalesPoint

# The district point that sells a district's products first (2022 district codes).
DISTRICT_POINT = {"100": "dien-bien", "102": "muong-ang", "099": "tuan-giao"}
OTHER_POINTS = ("dien-bien", "muong-ang", "tuan-giao", "hoi-cho")


def _rng(key: str) -> random.Random:
    return random.Random(zlib.crc32(key.encode()))


def demo_plan(sku: str, district_code: str) -> dict[str, int]:
    """Units per point code for one demo variant: always the provincial centre, its district's
    point, sometimes the others; the same every run (seeded by the SKU)."""
    rng = _rng(sku)
    plan = {"tinh": rng.randint(6, 40)}
    district_point = DISTRICT_POINT.get(district_code)
    if district_point:
        plan[district_point] = rng.randint(4, 30)
    for code in OTHER_POINTS:
        if code not in plan and rng.random() < 0.35:
            plan[code] = rng.randint(0, 12)
    return plan


def load_demo(sender, loader, **kwargs) -> None:
    points = {p.code: p.pk for p in SalesPoint.objects.all()}
    rows = []
    for variant in ProductVariant.objects.filter(stocks__isnull=True).select_related("product__district"):
        district = variant.product.district.code if variant.product.district_id else ""
        rows += [(variant.pk, points[code], qty) for code, qty in demo_plan(variant.sku, district).items() if code in points]
    loader.summary.add("stock rows", ledger.receive_many(rows, reason="Hàng mẫu của cửa hàng demo", reference="demo"))


def load_synthetic(sender, variant_ids, seed, **kwargs) -> None:
    rng = random.Random(seed)
    points = list(SalesPoint.objects.order_by("pk").values_list("pk", flat=True))
    ledger.receive_many([(v, p, rng.randint(0, 50)) for v in variant_ids for p in points],
                        reason="Hàng tổng hợp cho đo hiệu năng", reference="synthetic")
