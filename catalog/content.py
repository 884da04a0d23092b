"""What buyers read about a product, changed in one go: descriptions (vi/en), pack sizes of its
variants and new photos. The province applies a producer's reviewed proposal here (the portal's
review queue, producers/products.py); prices, SKUs, GTINs and names are not content and cannot be
changed through this door.

Saves go through the models (Product.save, ProductVariant.save), so the search index is flagged
dirty by the same signals as every other product save (search/sync.py); photos go through
catalog.media like admin uploads, so their renditions are made in the background after commit.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max

from catalog import media
from catalog.models import Product, ProductImage, ProductVariant

# The product's text fields a producer may propose, in the order the portal shows them.
TEXT_FIELDS: tuple[str, ...] = tuple(
    name for name in ("description", "description_en", "ingredients", "ingredients_en", "usage", "usage_en",
                      "storage", "storage_en")
    if any(f.name == name for f in Product._meta.get_fields())
)
# A variant's fields a producer may propose (never price, SKU or GTIN).
VARIANT_FIELDS: tuple[str, ...] = tuple(
    name for name in ("pack_size", "weight_grams") if any(f.name == name for f in ProductVariant._meta.get_fields())
)


@dataclass(frozen=True)
class NewPhoto:
    data: bytes
    filename: str
    alt: str = ""
    alt_en: str = ""


def current_content(product: Product, variants: Iterable[ProductVariant] | None = None) -> dict:
    """The published content in the shape of a proposal: {field: value, "variants": {id: {field: value}}}."""
    variants = product.variants.all() if variants is None else variants
    content = {name: getattr(product, name) for name in TEXT_FIELDS}
    content["variants"] = {str(v.pk): {name: getattr(v, name) for name in VARIANT_FIELDS} for v in variants}
    return content


@transaction.atomic
def apply_content(product: Product, fields: dict, photos: Iterable[NewPhoto] = (), by=None) -> list[ProductImage]:
    """Publish `fields` (the TEXT_FIELDS given, and {"variants": {id: {VARIANT_FIELDS}}} of this
    product's own variants) and add `photos` after the product's photos, in one transaction.
    Anything else in `fields` (a price, a SKU, another product's variant) is ignored.
    Raises catalog.images.ImageRejected if a photo does not pass the upload checks (nothing is applied)."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    changed = [name for name in TEXT_FIELDS if name in fields and getattr(product, name) != fields[name]]
    for name in changed:
        setattr(product, name, str(fields[name] or ""))
    # Always saved: the post_save signal flags the product for the search index even when only
    # photos or variants change (search.sync), exactly as an admin save does.
    product.save(update_fields=[*changed, "updated_at"])

    proposed = fields.get("variants") or {}
    if proposed:
        for variant in ProductVariant.objects.select_for_update().filter(product=product, pk__in=_ids(proposed)):
            values = proposed.get(str(variant.pk)) or {}
            updates = [name for name in VARIANT_FIELDS if name in values and getattr(variant, name) != values[name]]
            for name in updates:
                setattr(variant, name, values[name])
            if updates:
                variant.save(update_fields=updates)

    added = []
    position = (product.images.aggregate(top=Max("position"))["top"] or 0) + 1
    for offset, photo in enumerate(photos):
        added.append(media.add_product_image(product=product, data=photo.data, filename=photo.filename,
                                             alt=photo.alt, alt_en=photo.alt_en, position=position + offset))
    return added


def _ids(proposed: dict) -> list[int]:
    ids = []
    for key in proposed:
        try:
            ids.append(int(key))
        except (TypeError, ValueError):
            continue
    return ids
