"""Root URLs: the only place (with shop/schema.py) that assembles every app."""
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.static import serve

from shop import health
from shop.graphql.view import ShopGraphQLView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("graphql/", csrf_exempt(ShopGraphQLView.as_view(graphiql=settings.DEBUG)), name="graphql"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", include("orders.urls")),
    path("", include("traceability.urls")),
]

if settings.DEBUG:
    urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))
