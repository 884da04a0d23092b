from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Danh mục sản phẩm OCOP"

    def ready(self):
        from shop import generation

        generation.watch(self.label)
