from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Danh mục sản phẩm OCOP"

    def ready(self):
        from catalog import search
        from catalog.search import sync
        from shop import health

        sync.connect()
        health.register_check("search", search.status)
