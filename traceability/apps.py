from django.apps import AppConfig


class TraceabilityConfig(AppConfig):
    verbose_name = "Truy xuất nguồn gốc"
    name = "traceability"

    def ready(self):
        # Imported here, not at the top: apps.py is loaded while the app registry is
        # being filled, and these modules import models, which only ready() may.
        from catalog.demo.signals import demo_loaded
        from shop import generation
        from traceability import demo, lotcache

        demo_loaded.connect(demo.load, dispatch_uid="traceability.demo_lots")
        lotcache.connect()
        generation.watch(self.label, "Batch")  # a recall changes what the catalogue shows
