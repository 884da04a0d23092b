from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Danh mục sản phẩm OCOP"

    def ready(self):
        from catalog import generation, search
        from catalog.search import sync
        from shop import health

        generation.connect()
        sync.connect()
        health.register_check("search", search.status)
