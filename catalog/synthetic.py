"""A synthetic catalogue for benchmarks: believable names, bulk inserts."""
import datetime
import random

from django.db import transaction

from catalog import certification
from catalog.demo.signals import catalog_generated
from catalog.models import Certification, Producer, Product, ProductGroup, ProductVariant
from shop.models import District, SalesPoint

WORDS = {
    "honey": ["Mật ong", "honey"], "rice": ["Gạo", "rice"], "tea": ["Trà", "tea"], "coffee": ["Cà phê", "coffee"],
    "meat": ["Thịt trâu sấy", "dried buffalo"], "liquor": ["Rượu", "liquor"], "noodles": ["Miến dong", "glass noodles"],
    "textiles": ["Khăn thổ cẩm", "brocade scarf"], "fresh_fruit": ["Bưởi", "pomelo"], "condiments": ["Chẩm chéo", "dip"],
}
PLACES = ["Mường Phăng", "Thanh Yên", "Sính Phình", "Búng Lao", "Quài Cang", "Na Sang", "Tả Phìn", "Núa Ngam", "Ẳng Nưa"]
BATCH = 2000


def generate_catalog(count: int, seed: int = 7) -> str:
    from catalog.demo.loader import DemoLoader

    if not SalesPoint.objects.exists() or not ProductGroup.objects.filter(code__in=WORDS).exists():
        DemoLoader(with_images=False).run()
    rng = random.Random(seed)
    groups = {g.code: g for g in ProductGroup.objects.filter(code__in=WORDS)}
    districts = list(District.objects.all())
    today = certification.today()
    start = Product.objects.count()
    with transaction.atomic():
        producers = Producer.objects.bulk_create([
            Producer(name=f"HTX tổng hợp {PLACES[i % len(PLACES)]} số {start + i}", slug=f"syn-producer-{start + i}",
                     kind=Producer.Kind.COOPERATIVE, district=rng.choice(districts))
            for i in range(max(1, count // 10))
        ])
        made = 0
        while made < count:
            n = min(BATCH, count - made)
            products = []
            for i in range(made, made + n):
                code = rng.choice(list(groups))
                vi, en = WORDS[code]
                place = rng.choice(PLACES)
                producer = rng.choice(producers)
                products.append(Product(
                    slug=f"syn-{start + i}", name=f"{vi} {place} {start + i}", name_en=f"{place} {en} {start + i}",
                    description=f"{vi} từ {place}, sản phẩm tổng hợp cho đo hiệu năng.", group=groups[code],
                    producer=producer, district_id=producer.district_id,
                ))
            products = Product.objects.bulk_create(products)
            variants = ProductVariant.objects.bulk_create([
                ProductVariant(product=p, sku=f"{p.slug}-{k}", name=f"Gói {k}", pack_size=f"{k * 250} g",
                               weight_grams=k * 260, price_vnd=rng.randrange(50, 900) * 1000, position=k)
                for p in products for k in (1, 2)
            ])
            catalog_generated.send(sender=generate_catalog, variant_ids=[v.pk for v in variants], seed=rng.random())
            certs = []
            for p in products:
                if rng.random() < 0.9:
                    decided = today - datetime.timedelta(days=rng.randint(0, 1400))
                    certs.append(Certification(
                        product=p, stars=rng.choice((3, 3, 3, 4, 5)), decision_number=f"SYN-{p.pk}/QĐ-UBND",
                        decision_date=decided, valid_until=certification.validity_end(decided),
                        issuing_body="UBND tỉnh Điện Biên", issuing_level="PROVINCE",
                    ))
            Certification.objects.bulk_create(certs)  # bulk_create skips save(): valid_until is set above
            made += n
    return f"{count} products, {2 * count} variants"
