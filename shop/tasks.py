"""How the apps hand work to the background.

`ShopTask` is the base of every task: retried with exponential backoff and
jitter, and a task that fails for good is logged with its name, arguments and
error, enough to act on. `enqueue` sends a task only after the current
transaction commits (a worker never sees uncommitted data); with no broker, or
a broker that is down, the task runs inline so nothing is lost (once: there a
failure is logged rather than retried while the request waits).
`enqueue_later` does the same a number of seconds later.
"""
import logging

from celery import Task, shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

logger = logging.getLogger("shop.tasks")


class ShopTask(Task):
    autoretry_for = (Exception,)
    retry_backoff = True
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 5
    acks_late = True  # a worker that dies mid-task leaves it for another

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        logger.error(
            "task %s failed for good (id %s, args %r, kwargs %r): %s: %s",
            self.name, task_id, args, kwargs, exc.__class__.__name__, exc,
            extra={"task": self.name},
        )


def _run_inline(task, args, kwargs):
    # One attempt: retrying at once, in the request, only makes it wait for the same failure.
    result = task.apply(args=args, kwargs=kwargs, retries=task.max_retries)
    if result.failed():
        logger.error("inline task %s failed: %r", task.name, result.result, extra={"task": task.name})
    return result


def _send(task, args, kwargs, countdown=None):
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return _run_inline(task, args, kwargs)
    try:
        return task.apply_async(args=args, kwargs=kwargs, countdown=countdown, retry=False)
    except Exception as exc:  # noqa: BLE001 - broker down: do the work here rather than lose it
        logger.warning("broker unavailable (%s); running %s inline", exc.__class__.__name__, task.name,
                       extra={"task": task.name})
        return _run_inline(task, args, kwargs)


def enqueue(task, *args, **kwargs) -> None:
    """Run `task(*args, **kwargs)` once the current transaction has committed."""
    transaction.on_commit(lambda: _send(task, args, kwargs))


def enqueue_later(task, seconds: float, *args, **kwargs) -> None:
    """Like `enqueue`, run by a worker `seconds` after the commit (inline, at once, without one)."""
    transaction.on_commit(lambda: _send(task, args, kwargs, countdown=seconds))


@shared_task(base=ShopTask, name="shop.tasks.send_email")
def send_email(subject: str, body: str, recipients: list[str]) -> int:
    """One e-mail, retried with backoff while the mail server refuses it. A retry
    happens only when sending raised, so a message goes out once (at least once
    if the server fails after accepting it)."""
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
