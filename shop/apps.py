from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Hệ thống & điểm bán"

    def ready(self):
        from shop import (
            checks,  # noqa: F401 - registers the production system checks
            generation,
        )

        generation.connect()
