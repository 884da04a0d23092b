"""Labels for a producer's own lots: lot labels, or new serials minted and printed one label each.

The same service as `manage.py print_labels` (traceability.labels): check_printable before any
serial is minted, then print_labels. A small run is laid out in the request; a large one
(over INLINE_MAX labels) becomes a LabelJob run by the task queue (producers.tasks.run_label_job,
inline when there is no broker), which counts its progress for the job page and keeps the PDF
in the media storage under a name nobody can guess. The PDF is served only through the portal
(label_views.job_pdf), to the producer's own people.
"""
from __future__ import annotations

import datetime
import io
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from producers.access import Acting
from producers.models import LabelJob
from shop.tasks import enqueue
from traceability import labels as trace_labels
from traceability import services as trace_services
from traceability.models import Batch

INLINE_MAX = 500  # labels laid out in the request; more go to the background
MAX_LABELS = 10_000  # one run (print_labels --copies allows as many)
SHEET = trace_labels.COLUMNS * trace_labels.ROWS
LOT, SERIAL = "lot", "serial"


def demo_allowed() -> bool:
    """Whether demonstration GTINs (GS1 prefix 952) may be printed: with DEBUG, or where the
    setting PRODUCER_LABELS_DEMO is on (a demo site running with DEBUG=0)."""
    return bool(settings.DEBUG or settings.PRODUCER_LABELS_DEMO)


def own_lots(acting: Acting):
    """The producer's lots, newest first (one query with product and pack size)."""
    return (Batch.objects.filter(variant__product__producer=acting.producer)
            .select_related("variant__product").order_by("-production_date", "-id"))


def own_lot(acting: Acting, batch_id) -> Batch | None:
    """The lot if it is the producer's, else None (the page answers 404 either way)."""
    try:
        batch_id = int(batch_id)
    except (TypeError, ValueError):
        return None
    return own_lots(acting).filter(pk=batch_id).first()


def own_jobs(acting: Acting, limit: int = 20) -> list[LabelJob]:
    return list(LabelJob.objects.filter(producer=acting.producer).select_related("batch__variant__product")
                .order_by("-created_at", "-id")[:limit])


def own_job(acting: Acting, job_id: int) -> LabelJob | None:
    return (LabelJob.objects.filter(producer=acting.producer, pk=job_id)
            .select_related("batch__variant__product").first())


def _mint(acting: Acting, batch: Batch, count: int) -> tuple[list[str], datetime.datetime]:
    serials = trace_services.mint_serials(batch=batch, count=count, by=acting.user)
    minted_at = batch.serials.filter(serial=serials[0]).values_list("created_at", flat=True).get()
    return serials, minted_at


def print_now(acting: Acting, batch: Batch, *, kind: str, count: int) -> tuple[bytes, int]:
    """A small run laid out now: (the PDF, the number of labels). Raises ShopError for a
    demonstration GTIN outside a demo (nothing minted then) or a recalled lot."""
    trace_labels.check_printable(batch, demo=demo_allowed())
    serials = _mint(acting, batch, count)[0] if kind == SERIAL else None
    out = io.BytesIO()
    label_list, _pages = trace_labels.print_labels(batch, serials, out, copies=count, demo=demo_allowed())
    return out.getvalue(), len(label_list)


def start_job(acting: Acting, batch: Batch, *, kind: str, count: int) -> LabelJob:
    """A large run: the serials are minted now (so a second click mints no more for this job),
    the layout is queued. Raises ShopError like print_now."""
    trace_labels.check_printable(batch, demo=demo_allowed())
    with transaction.atomic():
        minted_at = _mint(acting, batch, count)[1] if kind == SERIAL else None
        job = LabelJob.objects.create(producer=acting.producer, batch=batch, created_by=acting.user,
                                      serials=count if kind == SERIAL else 0, copies=count if kind == LOT else 0,
                                      total=count)
        from producers.tasks import run_label_job  # the task module imports this one

        enqueue(run_label_job, job.pk, minted_at.isoformat() if minted_at else None)
    return job


def run_job(job_id: int, minted_at: str | None) -> LabelJob:
    """Lay out a job's labels, counting progress page by page, and keep the PDF. Idempotent:
    a job already done is left as it is."""
    job = LabelJob.objects.select_related("batch__variant__product").get(pk=job_id)
    if job.status == LabelJob.Status.DONE:
        return job
    batch = job.batch
    if minted_at:
        stamp = datetime.datetime.fromisoformat(minted_at)
        serials = list(batch.serials.filter(created_at=stamp).order_by("id").values_list("serial", flat=True))
        label_list = trace_labels.labels_for_batch(batch, serials)
    else:
        label_list = trace_labels.labels_for_batch(batch, copies=job.copies or SHEET)
    LabelJob.objects.filter(pk=job.pk).update(status=LabelJob.Status.RUNNING, total=len(label_list), done=0)
    step = max(SHEET, len(label_list) // 20)  # about twenty updates for a long run
    reported = {"n": 0}

    def progress(done: int) -> None:
        if done - reported["n"] >= step or done == len(label_list):
            reported["n"] = done
            LabelJob.objects.filter(pk=job.pk).update(done=done)

    out = io.BytesIO()
    try:
        trace_labels.render(label_list, out, title=f"OCOP Điện Biên — tem lô {batch.lot_code}", progress=progress)
    except Exception as exc:
        LabelJob.objects.filter(pk=job.pk).update(status=LabelJob.Status.FAILED, error=str(exc)[:500])
        raise
    job.refresh_from_db()
    # A name nobody can guess: the file is served only by the portal's view, never linked from media.
    job.file.save(f"{batch.lot_code}-{secrets.token_urlsafe(16)}.pdf", ContentFile(out.getvalue()), save=False)
    job.status, job.done, job.finished_at = LabelJob.Status.DONE, len(label_list), timezone.now()
    job.save(update_fields=["file", "status", "done", "finished_at"])
    return job


def filename(batch: Batch) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in batch.lot_code)
    return f"tem-{safe or batch.pk}.pdf"
