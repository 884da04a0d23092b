from django.apps import AppConfig


class OrdersConfig(AppConfig):
    verbose_name = "Đơn hàng"
    name = "orders"

    def ready(self):
        from catalog.demo.signals import demo_loaded
        from orders import demo

        demo_loaded.connect(demo.load_demo, dispatch_uid="orders.demo_accounts")
