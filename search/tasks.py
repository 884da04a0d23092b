"""Search work in the background (scheduled in settings.CELERY_BEAT_SCHEDULE)."""
from celery import shared_task

from shop.tasks import ShopTask


@shared_task(base=ShopTask, name="search.tasks.sweep_search_index")
def sweep_search_index() -> int:
    """Re-index what bulk updates and the calendar changed (lapsed certificates, stock drift)."""
    from search import sync

    return sync.sweep()
