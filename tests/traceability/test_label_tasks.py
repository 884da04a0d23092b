"""Large label runs in the background: `print_labels --background` mints the
serials at once and leaves the PDF to a worker (traceability.tasks.render_labels,
inline without one), which writes it into the media storage."""
import re
from unittest import mock

import pytest
from django.core.management import call_command

from traceability import services
from traceability.models import ItemSerial
from traceability.tasks import render_labels


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_background_run_prints_exactly_the_serials_it_minted(lot, media_root, capsys,
                                                               django_capture_on_commit_callbacks):
    services.mint_serials(batch=lot, count=24)  # an earlier run's serials stay off this sheet
    with django_capture_on_commit_callbacks(execute=True):  # queued once the command's work is committed
        call_command("print_labels", "--batch", lot.lot_code, "--count", "30", "--out", "labels/lo.pdf", "--demo",
                     "--background")
    assert "30 labels" in capsys.readouterr().out
    assert ItemSerial.objects.filter(batch=lot).count() == 54
    pdf = (media_root / "labels" / "lo.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pages(pdf) == 2  # 30 labels: 24 + 6, not 54


def test_a_background_run_of_lot_labels_and_its_retry(lot, media_root):
    path = render_labels(lot.pk, "labels/lot.pdf", None, 48)
    assert path == "labels/lot.pdf" and pages((media_root / path).read_bytes()) == 2
    with mock.patch("traceability.labels.render") as render:  # a retry after the file was written
        assert render_labels(lot.pk, "labels/lot.pdf", None, 48) == "labels/lot.pdf"
    assert not render.called and sorted(p.name for p in (media_root / "labels").iterdir()) == ["lot.pdf"]

