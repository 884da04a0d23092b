"""Product picture renditions are made in the background after the upload commits
(catalog.tasks.make_image_renditions): queued only once the image is committed,
idempotent, and never retried on a file that cannot decode."""
import io
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image

from catalog import media
from catalog.tasks import make_image_renditions


def jpeg(size=(700, 350)) -> bytes:
    out = io.BytesIO()
    Image.effect_noise(size, 40).convert("RGB").save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def rendition_files(root):
    return sorted(p.name for p in root.rglob("renditions/*"))


def test_an_upload_is_stored_at_once_and_rendered_after_the_commit(make_product, media_root,
                                                                    django_capture_on_commit_callbacks):
    product = make_product()
    with django_capture_on_commit_callbacks(execute=True):
        image = media.add_product_image(product=product, data=jpeg(), filename="Mật ong.jpg", alt="Mật ong")
        assert image.renditions == [] and (media_root / image.image.name).exists()  # the original, at once
        assert rendition_files(media_root) == []
    image.refresh_from_db()
    assert [(r["width"], r["height"]) for r in image.renditions] == [(160, 80), (320, 160), (640, 320)]
    assert all((media_root / r["path"]).exists() for r in image.renditions)


def test_the_task_is_sent_to_the_worker_only_after_the_commit(make_product, media_root, settings,
                                                              django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    product = make_product()
    with mock.patch.object(make_image_renditions, "apply_async") as send:
        with django_capture_on_commit_callbacks(execute=True):
            image = media.add_product_image(product=product, data=jpeg(), filename="a.jpg")
            assert not send.called
        send.assert_called_once()
        assert send.call_args.kwargs["args"] == (image.pk, image.image.name)

        with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            media.add_product_image(product=product, data=jpeg(), filename="b.jpg")
            raise RuntimeError("the upload's transaction fails")
    assert send.call_count == 1  # nothing queued for a rolled-back upload


def test_running_the_task_again_changes_nothing(make_product, media_root, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        image = media.add_product_image(product=make_product(), data=jpeg(), filename="a.jpg")
    files = rendition_files(media_root)
    assert len(files) == 3
    assert make_image_renditions(image.pk, image.image.name) == 0
    assert rendition_files(media_root) == files


def test_a_retry_overwrites_the_files_of_its_failed_attempt(make_product, media_root):
    image = media.add_product_image(product=make_product(), data=jpeg(), filename="a.jpg")  # not committed: no task
    save, saved = default_storage.save, []

    def disk_full_at_the_third(name, content, **kwargs):
        saved.append(name)
        if len(saved) == 3:
            raise OSError("disk full")
        return save(name, content, **kwargs)

    with mock.patch.object(default_storage, "save", side_effect=disk_full_at_the_third), pytest.raises(OSError):
        media.store_renditions(image.pk, image.image.name)
    assert len(rendition_files(media_root)) == 2
    assert make_image_renditions(image.pk, image.image.name) == 3
    image.refresh_from_db()
    assert rendition_files(media_root) == sorted(r["path"].rsplit("/", 1)[1] for r in image.renditions)
    assert len(rendition_files(media_root)) == 3  # the first two overwritten, not copied under new names


def test_an_image_replaced_or_deleted_meanwhile_is_left_alone(make_product, media_root):
    image = media.add_product_image(product=make_product(), data=jpeg(), filename="a.jpg")
    assert make_image_renditions(image.pk, "products/older-file.jpg") == 0
    image_id, name = image.pk, image.image.name
    image.delete()
    assert make_image_renditions(image_id, name) == 0
    assert rendition_files(media_root) == []


def test_a_stored_file_that_will_not_decode_is_not_retried(make_product, media_root, caplog):
    image = media.add_product_image(product=make_product(), data=jpeg(), filename="a.jpg")
    (media_root / image.image.name).write_bytes(b"not a picture any more")
    with mock.patch.object(media.images, "make_renditions", wraps=media.images.make_renditions) as render:
        result = make_image_renditions.apply(args=(image.pk, image.image.name))
    assert result.failed() and render.call_count == 1
    assert "catalog.tasks.make_image_renditions failed for good" in caplog.text
