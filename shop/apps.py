from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Hệ thống & điểm bán"

    def ready(self):
        from shop import (
            checks,  # noqa: F401 - registers the production system checks
            generation,
            reference_data,
        )

        generation.connect()
        reference_data.restore_when_empty("shop", "Province", "shop.migrations.0004_load_units_2025", "load_units")
