from django.apps import AppConfig


class TraceabilityConfig(AppConfig):
    verbose_name = "Truy xuất nguồn gốc"
    name = "traceability"
