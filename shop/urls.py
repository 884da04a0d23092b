"""Root URLs: the only place (with shop/schema.py) that assembles every app."""
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.static import serve

from shop import health
from shop.graphql.view import ShopGraphQLView
from storefront import views as storefront_views
from storefront.sitemaps import SITEMAPS

urlpatterns = [
    # The trace resolver first: its pages are the most requested (every package's QR code),
    # and each request resolves its path twice (storefront.middleware, then the handler).
    path("", include("traceability.urls")),
    path("admin/", admin.site.urls),
    path("graphql/", csrf_exempt(ShopGraphQLView.as_view(graphiql=settings.DEBUG)), name="graphql"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", include("orders.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", storefront_views.robots_txt, name="robots_txt"),
]
# The shopper pages: Vietnamese at the root, English under /en/ (translated routes).
# Keep them last: they include the home page at "".
urlpatterns += i18n_patterns(
    path("producer/", include("producers.urls")),  # the producers' portal
    path("", include("storefront.urls")),
    prefix_default_language=False,
)

if settings.DEBUG:
    urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))
