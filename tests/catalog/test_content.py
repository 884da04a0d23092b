"""catalog.content.apply_content: the one door for reviewed producer content (issue 17, item 2)."""
import io

import pytest
from PIL import Image

from catalog import content, images
from catalog.models import Product, ProductImage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def test_applies_text_pack_sizes_and_photos_and_nothing_else(make_product, django_capture_on_commit_callbacks):
    product, other = make_product("Chè"), make_product("Gạo")
    variant, foreign = product.variants.get(), other.variants.get()
    Product.objects.filter(pk=product.pk).update(search_dirty=False)
    with django_capture_on_commit_callbacks(execute=True):
        added = content.apply_content(product, {
            "description_en": "Shan tuyet tea", "name": "Đổi tên", "price_vnd": 1,
            "variants": {str(variant.pk): {"pack_size": "Túi 100 g", "weight_grams": 120, "price_vnd": 1, "sku": "X"},
                         str(foreign.pk): {"pack_size": "không được"}, "rác": {}},
        }, [content.NewPhoto(jpeg(), "che.jpg", alt="Búp chè")])
    product.refresh_from_db()
    variant.refresh_from_db()
    foreign.refresh_from_db()
    assert product.description_en == "Shan tuyet tea" and product.name == "Chè"
    assert (variant.pack_size, variant.weight_grams, variant.price_vnd) == ("Túi 100 g", 120, 100_000)
    assert variant.sku != "X" and foreign.pack_size == ""
    assert [i.alt for i in ProductImage.objects.filter(product=product)] == ["Búp chè"] == [a.alt for a in added]
    assert added[0].renditions == [] and ProductImage.objects.get(pk=added[0].pk).renditions  # made after commit


def test_a_bad_photo_applies_nothing(make_product):
    product = make_product("Chè")
    with pytest.raises(images.ImageRejected):
        content.apply_content(product, {"description": "Mới"}, [content.NewPhoto(b"GIF89a....", "a.gif")])
    product.refresh_from_db()
    assert product.description == "" and not ProductImage.objects.exists()
