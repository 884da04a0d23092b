from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = "Kho hàng"

    def ready(self):
        from catalog.demo.signals import catalog_generated, demo_loaded
        from inventory import demo
        from shop import generation

        demo_loaded.connect(demo.load_demo, dispatch_uid="inventory.demo_stock")
        catalog_generated.connect(demo.load_synthetic, dispatch_uid="inventory.synthetic_stock")

        # A new stock row or a sale hold changes what the public catalogue offers; movements of
        # existing rows don't retire the answer caches (they expire within seconds anyway).
        generation.watch(self.label, "Stock", "SaleHold")
