"""/sitemap.xml: every product, producer and sales point, in both languages.

`i18n = True` writes one <url> per language; `alternates = True` adds the
xhtml:link hreflang pairs (and x-default). URLs use settings.SITE_URL, the
shop's public origin, not whatever Host the crawler sent.
"""
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, OuterRef
from django.urls import reverse

from catalog.certification import today
from catalog.models import Producer, Product
from inventory import availability


class ShopSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class PagesSitemap(ShopSitemap):
    priority = 0.8
    changefreq = "daily"

    def items(self):
        return ["home", "catalogue", "producers", "sales_points"]

    def location(self, item):
        return reverse(f"storefront:{item}")


class ProductSitemap(ShopSitemap):
    priority = 0.9
    changefreq = "weekly"

    def items(self):
        return Product.objects.published().only("slug", "updated_at").order_by("pk")

    def location(self, product):
        return reverse("storefront:product", kwargs={"slug": product.slug})

    def lastmod(self, product):
        return product.updated_at


class ProducerSitemap(ShopSitemap):
    priority = 0.6
    changefreq = "monthly"

    def items(self):
        published = Product.objects.published().filter(producer=OuterRef("pk"))
        return Producer.objects.filter(Exists(published)).only("slug").order_by("pk")

    def location(self, producer):
        return reverse("storefront:producer", kwargs={"slug": producer.slug})


class SalesPointSitemap(ShopSitemap):
    priority = 0.6
    changefreq = "monthly"

    def items(self):
        return availability.open_points(today()).only("code").order_by("priority", "code")

    def location(self, point):
        return reverse("storefront:sales_point", kwargs={"code": point.code})


SITEMAPS = {
    "pages": PagesSitemap,
    "products": ProductSitemap,
    "producers": ProducerSitemap,
    "sales-points": SalesPointSitemap,
}
