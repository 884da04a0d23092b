"""Product images: every upload goes through here.

The file is checked (catalog/images.py), cleaned of metadata and turned
upright, and stored at once; its WebP renditions for `srcset` are made in
the background after the upload commits (catalog.tasks.make_image_renditions,
inline without a worker), and pages show the original until then. The admin
form, the demo loader and any future API all end in `attach_clean_image`.
"""
import os

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from catalog import images
from catalog.models import ProductImage
from shop.tasks import enqueue
from shop.text import slugify_vi

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def _stem(filename: str) -> str:
    return slugify_vi(os.path.splitext(os.path.basename(filename or "anh"))[0], 60)


def attach_clean_image(image: ProductImage, clean: bytes, info: images.ImageInfo, filename: str) -> ProductImage:
    """Store already-normalised bytes on `image` (unsaved); once the caller has saved
    it and the transaction commits, its renditions are queued."""
    image.image.save(f"{_stem(filename)}.{EXTENSIONS[info.format]}", ContentFile(clean), save=False)
    image.width, image.height = info.width, info.height
    image.renditions = []
    transaction.on_commit(lambda: _queue_renditions(image))
    return image


def _queue_renditions(image: ProductImage) -> None:
    from catalog.tasks import make_image_renditions

    if image.pk:  # not saved after all (a form that failed later): nothing to render
        enqueue(make_image_renditions, image.pk, image.image.name)


def store_renditions(image_id: int, name: str) -> int:
    """Make and store the WebP renditions of a stored image; returns how many. Idempotent:
    an image already rendered, replaced by another file or deleted is left alone, and a
    retry overwrites the files of its failed attempt (their paths are fixed)."""
    image = ProductImage.objects.filter(pk=image_id, image=name).first()
    if image is None or image.renditions:
        return 0
    with image.image.open("rb") as stored:
        data = stored.read()
    stem = _stem(name)
    renditions = []
    for r in images.make_renditions(data):
        path = f"products/{image.product_id}/renditions/{stem}-{r.width}.webp"
        if default_storage.exists(path):
            default_storage.delete(path)
        renditions.append({"width": r.width, "height": r.height, "path": default_storage.save(path, ContentFile(r.content))})
    ProductImage.objects.filter(pk=image_id, image=name).update(renditions=renditions)
    return len(renditions)


@transaction.atomic
def add_product_image(*, product, data: bytes, filename: str, alt: str = "", alt_en: str = "", position: int = 0):
    """Validate, clean and store one image; raises images.ImageRejected with a clear message."""
    clean, info = images.normalise(data)
    image = attach_clean_image(ProductImage(product=product, alt=alt, alt_en=alt_en, position=position), clean, info, filename)
    image.save()
    return image
