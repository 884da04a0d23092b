from django.apps import AppConfig


class OrdersConfig(AppConfig):
    verbose_name = "Đơn hàng"
    name = "orders"

    def ready(self):
        from catalog.demo.signals import demo_loaded
        from orders import demo
        from shop import generation, reference_data

        reference_data.restore_when_empty("orders", "ShippingZone", "orders.migrations.0007_shipping_zones", "add_zones")

        demo_loaded.connect(demo.load_demo, dispatch_uid="orders.demo_accounts")
        demo_loaded.connect(demo.load_demo_orders, dispatch_uid="orders.demo_orders")
        generation.watch(self.label, "ShippingZone", "ShippingRate")  # the product page's delivery estimate
