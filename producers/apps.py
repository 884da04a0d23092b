from django.apps import AppConfig


class ProducersConfig(AppConfig):
    """The producers' portal (/producer/): an OCOP producer's own people keep its products,
    certificates, lots, labels, and see its scans and sales. Above orders and traceability
    (it reads both), beside the storefront; neither imports the other."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "producers"
    verbose_name = "Cổng chủ thể OCOP"
