from django.apps import AppConfig


class OrdersConfig(AppConfig):
    verbose_name = "Đơn hàng"
    name = "orders"
