"""Fixtures of the traceability tests: a product with a GTIN and a lot with a story."""
import datetime

import pytest
from django.utils import timezone

from catalog.gtin import make_gtin
from traceability import services

ICT = datetime.timezone(datetime.timedelta(hours=7))


@pytest.fixture
def lot_factory(make_product):
    counter = {"n": 0}

    def make(*, gtin=True, stars=4, decided=None, quantity=200, product=None, lot_code=None):
        counter["n"] += 1
        product = product or make_product(f"Cà phê Mường Ảng {counter['n']}", stars=stars, decided=decided)
        variant = product.variants.first()
        if gtin and not variant.gtin:
            variant.gtin = make_gtin(f"952999{counter['n']:06d}")
            variant.save(update_fields=["gtin"])
        made = timezone.localdate() - datetime.timedelta(days=30)
        batch = services.create_batch(
            variant=variant, lot_code=lot_code or f"CF26-{counter['n']:03d}", production_date=made,
            expiry_date=made + datetime.timedelta(days=365), quantity=quantity, raw_materials="Cà phê chè Arabica",
        )
        for step, days in (("harvesting", -5), ("commissioning", 0), ("inspecting", 1), ("packing", 2)):
            services.add_event(
                batch=batch, biz_step=step, description=f"Bước {step}", description_en=f"Step {step}",
                event_time=datetime.datetime.combine(made + datetime.timedelta(days=days), datetime.time(8), tzinfo=ICT),
            )
        return batch

    return make


@pytest.fixture
def lot(lot_factory):
    return lot_factory()
