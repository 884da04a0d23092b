from django.apps import AppConfig


class ProducersConfig(AppConfig):
    """The producers' portal (/producer/): an OCOP producer's own people keep its products,
    certificates, lots, labels, and see its scans and sales. Above orders and traceability
    (it reads both), beside the storefront; neither imports the other."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "producers"
    verbose_name = "Cổng chủ thể OCOP"

    def ready(self):
        from catalog.demo.signals import demo_loaded
        from producers import demo

        # After traceability's and inventory's receivers (app order): the demo's points, stock and staff exist.
        demo_loaded.connect(demo.load, dispatch_uid="producers.demo_portal")

        from inventory.signals import transfer_received
        from producers import lots

        transfer_received.connect(lots.record_receipt, dispatch_uid="producers.lot_receipt")
