from django.apps import AppConfig


class TraceabilityConfig(AppConfig):
    verbose_name = "Truy xuất nguồn gốc"
    name = "traceability"

    def ready(self):
        from catalog.demo.signals import demo_loaded
        from traceability import demo

        demo_loaded.connect(demo.load, dispatch_uid="traceability.demo_lots")
        from traceability import lotcache

        lotcache.connect()
