"""Background work of traceability (scheduled in shop/settings.py CELERY_BEAT_SCHEDULE)."""
import datetime

from celery import shared_task

from shop.tasks import ShopTask, enqueue_later
from traceability import labels, scanwrite
from traceability.models import Batch


@shared_task(base=ShopTask, name="traceability.tasks.flush_scans")
def flush_scans() -> int:
    """Write the scans buffered in Redis to the database (traceability/scanwrite.py); a
    failed chunk stays in the buffer for the retry."""
    flushed = scanwrite.flush()
    if flushed.backlog:
        enqueue_later(flush_scans, 0)  # a backlog longer than one run: go on in another
    return flushed.moved


@shared_task(base=ShopTask, name="traceability.tasks.render_labels")
def render_labels(batch_id: int, path: str, minted_at: str | None = None, copies: int | None = None) -> str:
    """A label PDF in the media storage (print_labels --background); idempotent."""
    batch = Batch.objects.select_related("variant__product").get(pk=batch_id)
    stamp = datetime.datetime.fromisoformat(minted_at) if minted_at else None
    return labels.render_to_storage(batch, path, minted_at=stamp, copies=copies or labels.ROWS * labels.COLUMNS)
