"""Periodic work of orders (scheduled in shop/settings.py CELERY_BEAT_SCHEDULE)."""
from celery import shared_task

from shop.tasks import ShopTask


@shared_task(base=ShopTask, name="orders.tasks.release_expired_reservations")
def release_expired_reservations():
    from orders import services

    return services.release_expired_reservations()


@shared_task(base=ShopTask, name="orders.tasks.release_expired_holds")
def release_expired_holds():
    from orders import unpaid

    return unpaid.release_expired_holds()


@shared_task(base=ShopTask, name="orders.tasks.send_sms")
def send_sms(to: str, text: str) -> str:
    """One text message through settings.SMS_BACKEND (orders/sms.py), retried like e-mails."""
    from orders import sms

    return sms.deliver(to, text)
