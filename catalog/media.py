"""Product images: every upload goes through here.

The file is checked (catalog/images.py), cleaned of metadata and turned
upright, then stored with WebP renditions for `srcset`. Admin forms, the
demo loader and any future API all call `add_product_image`.
"""
import os

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from catalog import images
from catalog.models import ProductImage

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def _stem(filename: str) -> str:
    from shop.text import slugify_vi

    return slugify_vi(os.path.splitext(os.path.basename(filename or "anh"))[0], 60)


def store_renditions(image: ProductImage, data: bytes) -> list[dict]:
    stem = _stem(image.image.name)
    renditions = []
    for r in images.make_renditions(data):
        path = default_storage.save(f"products/{image.product_id}/renditions/{stem}-{r.width}.webp", ContentFile(r.content))
        renditions.append({"width": r.width, "height": r.height, "path": path})
    return renditions


@transaction.atomic
def add_product_image(*, product, data: bytes, filename: str, alt: str = "", alt_en: str = "", position: int = 0):
    """Validate, clean and store one image; raises images.ImageRejected with a clear message."""
    clean, info = images.normalise(data)
    name = f"{_stem(filename)}.{EXTENSIONS[info.format]}"
    image = ProductImage(product=product, alt=alt, alt_en=alt_en, position=position)
    image.image.save(name, ContentFile(clean), save=False)
    image.renditions = store_renditions(image, clean)
    image.save()
    return image
