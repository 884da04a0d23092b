"""Background work of traceability (scheduled in shop/settings.py CELERY_BEAT_SCHEDULE)."""
from celery import shared_task

from shop.tasks import ShopTask


@shared_task(base=ShopTask, name="traceability.tasks.flush_scans")
def flush_scans() -> int:
    """Write the scans buffered in Redis to the database (traceability/scans.py); a
    failed chunk stays in the buffer for the retry."""
    from traceability import scans

    return scans.flush()


@shared_task(base=ShopTask, name="traceability.tasks.render_labels")
def render_labels(batch_id: int, path: str, minted_at: str | None = None, copies: int | None = None) -> str:
    """A label PDF in the media storage (print_labels --background); idempotent."""
    import datetime

    from traceability import labels
    from traceability.models import Batch

    batch = Batch.objects.select_related("variant__product").get(pk=batch_id)
    stamp = datetime.datetime.fromisoformat(minted_at) if minted_at else None
    return labels.render_to_storage(batch, path, minted_at=stamp, copies=copies or labels.ROWS * labels.COLUMNS)
