from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Tìm kiếm"

    def ready(self):
        import search
        from search import sync
        from shop import health

        sync.connect()
        health.register_check("search", search.status)
