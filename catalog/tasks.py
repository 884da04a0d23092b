"""Catalogue work in the background: periodic (scheduled in settings.CELERY_BEAT_SCHEDULE)
and after an upload."""
import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.mail import send_mail

from catalog import certification, images
from shop.tasks import ShopTask

logger = logging.getLogger(__name__)


@shared_task(base=ShopTask, name="catalog.tasks.notify_expiring_certificates")
def notify_expiring_certificates() -> int:
    """E-mail the province admins the certificates to renew; idempotent (a daily digest)."""
    expiring, expired = certification.report()
    if not expiring and not expired:
        return 0
    admins = get_user_model().objects.filter(
        is_active=True, staff_assignments__role="province"
    ).exclude(email="").values_list("email", flat=True)
    lines = [f"Sắp hết hạn: {c.product.name} — {c.decision_number}, hết hạn {c.valid_until:%d/%m/%Y}" for c in expiring]
    lines += [f"Đã hết hạn: {c.product.name} — {c.decision_number}, hết hạn {c.valid_until:%d/%m/%Y}" for c in expired]
    if admins:
        send_mail(
            f"OCOP: {len(expiring)} chứng nhận sắp hết hạn, {len(expired)} đã hết hạn",
            "\n".join(lines) + "\n\nHãy hướng dẫn chủ thể nộp hồ sơ công nhận lại.",
            None, list(admins),
        )
    return len(lines)


@shared_task(base=ShopTask, name="catalog.tasks.make_image_renditions",
             dont_autoretry_for=(images.ImageRejected,))  # a stored file that will not decode stays that way
def make_image_renditions(image_id: int, name: str) -> int:
    """The WebP renditions of an uploaded picture (catalog/media.py); idempotent."""
    from catalog import media

    return media.store_renditions(image_id, name)
