from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    verbose_name = "Cửa hàng"
    name = "storefront"
