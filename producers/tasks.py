"""Background work of the producers' portal (each part adds its tasks here)."""
from celery import shared_task

from shop.tasks import ShopTask


@shared_task(base=ShopTask, name="producers.tasks.run_label_job")
def run_label_job(job_id: int, minted_at: str | None = None) -> int:
    """A large label run of the portal (producers.labels.run_job); returns the labels laid out."""
    from producers import labels

    return labels.run_job(job_id, minted_at).done


@shared_task(base=ShopTask, name="producers.tasks.send_certificate_reminders")
def send_certificate_reminders() -> int:
    """The daily certificate reminders, 90 and 30 days before expiry (producers.certificates.send_reminders);
    idempotent: each goes once per certificate and threshold."""
    from producers import certificates

    return certificates.send_reminders()
