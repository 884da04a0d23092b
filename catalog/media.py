"""Product images: every upload goes through here.

The file is checked (catalog/images.py), cleaned of metadata and turned
upright, then stored with WebP renditions for `srcset`. The admin form, the
demo loader and any future API all end in `attach_clean_image`.
"""
import os

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from catalog import images
from catalog.models import ProductImage
from shop.text import slugify_vi

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def _stem(filename: str) -> str:
    return slugify_vi(os.path.splitext(os.path.basename(filename or "anh"))[0], 60)


def attach_clean_image(image: ProductImage, clean: bytes, info: images.ImageInfo, filename: str) -> ProductImage:
    """Store already-normalised bytes on `image` (unsaved) with its renditions."""
    image.image.save(f"{_stem(filename)}.{EXTENSIONS[info.format]}", ContentFile(clean), save=False)
    image.width, image.height = info.width, info.height
    stem = _stem(image.image.name)
    image.renditions = [
        {"width": r.width, "height": r.height,
         "path": default_storage.save(f"products/{image.product_id}/renditions/{stem}-{r.width}.webp", ContentFile(r.content))}
        for r in images.make_renditions(clean)
    ]
    return image


@transaction.atomic
def add_product_image(*, product, data: bytes, filename: str, alt: str = "", alt_en: str = "", position: int = 0):
    """Validate, clean and store one image; raises images.ImageRejected with a clear message."""
    clean, info = images.normalise(data)
    image = attach_clean_image(ProductImage(product=product, alt=alt, alt_en=alt_en, position=position), clean, info, filename)
    image.save()
    return image
