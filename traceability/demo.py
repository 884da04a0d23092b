"""Demo lots with believable event stories, added when the catalogue's demo
loads (the `catalog.demo.signals.demo_loaded` signal, inside its transaction).

One lot per demo product (its first variant): harvesting (the shop's
extension step; not for handicrafts), production and coding, a quality
inspection, packing, shipping to a sales point, receiving and putting on
the shelf (stocking, sellable_accessible). One lot is recalled with a reason; two lots get a few item
serials, one with a GTIN (Digital Link) and one without (/q/ codes).
Idempotent: a product whose first variant already has a lot is skipped.
"""
from __future__ import annotations

import datetime
import random
import zlib

from django.utils import timezone

from catalog.models import ProductVariant
from shop.text import slugify_vi
from traceability import codes, services, vocabulary
from traceability.models import Batch, ItemSerial, TraceEvent

ICT = datetime.timezone(datetime.timedelta(hours=7))
RECALLED_PRODUCT = "Miến dong Lộc Biên"
RECALL_REASON = (
    "Một số gói bị rách bao bì khi vận chuyển, có nguy cơ ẩm mốc; người mua hãy mang sản phẩm tới điểm bán để đổi. "
    "/ Some bags were torn in transport and may be mouldy; bring the product back to a sales point for an exchange."
)
DISTRICT_POINT = {"100": "dien-bien", "102": "muong-ang", "099": "tuan-giao"}


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=ICT)


def _top_group(product) -> str:
    group = product.group
    for _ in range(3):  # at most three levels; never trust the data not to loop
        if not group.parent_id or group.parent_id == group.pk:
            break
        group = group.parent
    return group.code


def _place(product):
    """(origin commune, district, producer) of a product, as far as the demo knows."""
    producer = product.producer
    commune = product.commune or (producer.former_commune if producer else None) or (producer.commune if producer else None)
    district = product.district or (producer.district if producer else None) or (commune.district if commune else None)
    return commune, district, producer


def _story(batch, product, points, rng, now) -> list[TraceEvent]:
    commune, district, producer = _place(product)
    where_vi = f"{commune}" if commune else (district.name if district else "Điện Biên")
    where_en = f"{commune.name} commune" if commune else (district.name_en if district and district.name_en else "Điện Biên")
    maker = producer.name if producer else "cơ sở sản xuất"
    maker_en = producer.name if producer else "the producer"
    point = points.get(DISTRICT_POINT.get(district.code if district else "", ""), points["tinh"])
    made = batch.production_date
    steps = []
    if _top_group(product) != "handicraft":
        steps.append(("harvesting", "ADD", made - datetime.timedelta(days=rng.randint(2, 12)), 7, commune, None,
                      f"Thu hoạch, sơ chế nguyên liệu tại {where_vi}", f"Raw materials harvested in {where_en}"))
    steps += [
        ("commissioning", "ADD", made, 8, commune, None,
         f"{maker} sản xuất và đặt mã lô {batch.lot_code}", f"{maker_en} made the lot {batch.lot_code}"),
        ("inspecting", "OBSERVE", made + datetime.timedelta(days=rng.randint(1, 2)), 10, None, None,
         f"Kiểm tra chất lượng lô: đạt (phiếu kiểm nghiệm số {rng.randint(10, 99)}/{made.year})",
         "Lot quality inspection: passed"),
        ("packing", "OBSERVE", made + datetime.timedelta(days=rng.randint(2, 3)), 14, None, None,
         f"Đóng gói {batch.quantity} đơn vị, dán tem truy xuất", f"{batch.quantity} units packed and labelled"),
        ("shipping", "OBSERVE", made + datetime.timedelta(days=rng.randint(4, 6)), 7, None, None,
         f"Xuất hàng tới {point.name}", f"Shipped to {point.name_en or point.name}"),
    ]
    arrival = steps[-1][2] + datetime.timedelta(days=1)
    steps += [
        ("receiving", "OBSERVE", arrival, 9, None, point, f"{point.name} nhận hàng, kiểm đếm đủ",
         f"Received and counted at {point.name_en or point.name}"),
        ("stocking", "OBSERVE", arrival, 15, None, point, f"Bày bán tại {point.name}",
         f"On sale at {point.name_en or point.name}"),
    ]
    events = []
    for step, action, day, hour, at_commune, at_point, text_vi, text_en in steps:
        when = min(_at(day, hour, rng.randint(0, 59)), now - datetime.timedelta(hours=1))
        biz_step = vocabulary.biz_step_value(step)
        events.append(TraceEvent(
            batch=batch, action=action, biz_step=biz_step,
            # CBV 2.0 pairs (vocabulary.DISPOSITION_STEPS): on the shelf is stocking, sellable_accessible.
            disposition={"harvesting": "active", "commissioning": "active", "shipping": "in_transit",
                         "stocking": "sellable_accessible", "receiving": "sellable_not_accessible",
                         "inspecting": "conformant"}.get(step, ""),
            event_time=when, event_timezone_offset="+07:00", commune=at_commune, sales_point=at_point,
            place="" if at_point or at_commune else (producer.name if producer else ""),
            description=text_vi, description_en=text_en,
        ))
    return events


def load(loader, **kwargs) -> None:
    """The demo_loaded receiver."""
    today = loader.today
    now = timezone.now()
    points = loader.points
    slugs = [slugify_vi(fact["name"]) for fact in loader.facts["products"]]
    variants = list(
        ProductVariant.objects.filter(product__slug__in=slugs, position=0)
        .select_related("product__producer__district", "product__producer__former_commune__district",
                        "product__producer__commune", "product__district", "product__commune__district",
                        "product__group__parent__parent")
    )
    has_lot = set(Batch.objects.filter(variant__in=variants).values_list("variant_id", flat=True))
    order = {slug: i for i, slug in enumerate(slugs)}
    variants = sorted((v for v in variants if v.pk not in has_lot), key=lambda v: order[v.product.slug])
    if not variants:
        return
    taken = set(Batch.objects.values_list("short_code", flat=True))
    batches = []
    for variant in variants:
        product = variant.product
        rng = random.Random(zlib.crc32(f"lot:{variant.sku}".encode()))
        made = today - datetime.timedelta(days=rng.randint(25, 110))
        commune, _, _ = _place(product)
        short = codes.new_lot_short_code()
        while short in taken:
            short = codes.new_lot_short_code()
        taken.add(short)
        batches.append(Batch(
            variant=variant, lot_code=f"L{made:%y%m%d}-{order[product.slug] + 1:02d}", short_code=short,
            production_date=made,
            expiry_date=made + datetime.timedelta(days=product.shelf_life_days) if product.shelf_life_days else None,
            quantity=rng.randint(12, 60) * 10, origin_commune=commune,
            raw_materials=f"Nguyên liệu từ vùng sản xuất tại {commune or 'Điện Biên'}",
            raw_materials_en=f"Raw materials from {commune.name + ' commune' if commune else 'Điện Biên'}",
            quality_documents=[{"title": f"Phiếu kết quả thử nghiệm số {rng.randint(100, 999)}/{made.year}", "url": ""}],
        ))
    batches = Batch.objects.bulk_create(batches)
    if not batches or batches[0].pk is None:  # backends that do not return keys
        batches = list(Batch.objects.filter(variant__in=variants).select_related("variant__product"))
    events = []
    for batch in batches:
        rng = random.Random(zlib.crc32(f"story:{batch.variant.sku}".encode()))
        events += _story(batch, batch.variant.product, points, rng, now)
    TraceEvent.objects.bulk_create(events)
    loader.summary.add("lots", len(batches))
    loader.summary.add("trace events", len(events))

    with_gtin = next((b for b in batches if b.variant.gtin and b.variant.product.name != RECALLED_PRODUCT), None)
    without_gtin = next((b for b in batches if not b.variant.gtin), None)
    for batch in (with_gtin, without_gtin):
        if batch is not None:
            serials = codes.new_serials(4)
            ItemSerial.objects.bulk_create([ItemSerial(batch=batch, serial=s) for s in serials])
            loader.summary.add("item serials", len(serials))
    recalled = next((b for b in batches if b.variant.product.name == RECALLED_PRODUCT), None)
    if recalled is not None:
        services.recall_batch(batch=recalled, reason=RECALL_REASON)
        loader.summary.add("recalled lots")
