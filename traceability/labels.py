"""A4 label sheets (reportlab): 3 × 8 labels of 70 × 37 mm.

Each label carries the product name, the lot, the expiry date, the OCOP
stars only while the certificate is valid, the QR code and its short text
code (for typing when the QR will not scan). QR codes are drawn as vectors
(one path of row runs per code), so they stay sharp on any printer and a
1,000-label PDF takes a few seconds.
"""
from __future__ import annotations

import datetime
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdf_canvas

from catalog import certification
from shop.errors import ShopError
from shop.text import fold
from traceability import codes, qr
from traceability.errors import TraceabilityErrorCode

COLUMNS, ROWS = 3, 8
LABEL_W, LABEL_H = 70 * mm, 37.125 * mm
PADDING = 2 * mm
QR_SIDE = LABEL_H - 2 * PADDING  # quiet zone included

_FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/dejavu-sans-fonts",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts/dejavu",
    "/opt/homebrew/share/fonts",
)


@dataclass(frozen=True)
class Label:
    title: str
    subtitle: str
    lot: str
    expiry: datetime.date | None
    stars: int | None
    url: str
    code: str  # the short text code printed under the QR


@lru_cache(maxsize=1)
def _fonts() -> tuple[str, str, bool]:
    """(regular, bold, unicode): DejaVu Sans when installed (full Vietnamese),
    else Helvetica with the text folded to plain ASCII."""
    for folder in _FONT_DIRS:
        try:
            pdfmetrics.registerFont(TTFont("OcopSans", f"{folder}/DejaVuSans.ttf"))
            try:
                pdfmetrics.registerFont(TTFont("OcopSans-Bold", f"{folder}/DejaVuSans-Bold.ttf"))
                bold = "OcopSans-Bold"
            except Exception:  # noqa: BLE001 - a missing bold face is not fatal
                bold = "OcopSans"
            return "OcopSans", bold, True
        except Exception:  # noqa: BLE001 - try the next folder
            continue
    return "Helvetica", "Helvetica-Bold", False


def _text(value: str) -> str:
    return value if _fonts()[2] else fold(value)


def labels_for_batch(batch, serials: Iterable[str] | None = None, copies: int = ROWS * COLUMNS,
                     day: datetime.date | None = None) -> list[Label]:
    """One label per serial, or `copies` lot-level labels when no serials are given."""
    product = batch.variant.product
    cert = certification.displayable(product.certifications.all(), day)
    stars = cert.stars if cert else None
    common = {
        "title": product.name,
        "subtitle": batch.variant.name,
        "lot": batch.lot_code,
        "expiry": batch.expiry_date,
        "stars": stars,
    }
    if serials is None:
        url = codes.link_for_batch(batch)
        return [Label(url=url, code=codes.pretty(batch.short_code), **common)] * copies
    return [Label(url=codes.link_for_serial(batch, s), code=codes.pretty(s), **common) for s in serials]


# GS1 reserves the GS1 prefix 952 for demonstrations and examples: such a GTIN
# belongs to no company, so a real package must never carry it. Real GTINs come
# from a company prefix licensed by GS1 Vietnam (prefix 893).
DEMO_GS1_PREFIX = "952"


def is_demo_gtin(gtin: str | None) -> bool:
    """Whether a stored GTIN (14 digits) carries the demonstration prefix 952 (as a GTIN-13,
    a GTIN-14 after its indicator digit, or a GTIN-8)."""
    if not gtin or len(gtin) != 14:
        return False
    if gtin.startswith("000000"):
        return gtin[6:9] == DEMO_GS1_PREFIX
    return gtin[1:4] == DEMO_GS1_PREFIX


def check_printable(batch, *, demo: bool = False) -> None:
    """Refuse production labels for a GTIN with GS1's demonstration prefix 952 when DEBUG is off,
    unless the run is declared a demo (`print_labels --demo`). Called before any serial is minted."""
    gtin = batch.variant.gtin
    if demo or settings.DEBUG or not is_demo_gtin(gtin):
        return
    raise ShopError(
        TraceabilityErrorCode.DEMO_GTIN,
        f"GTIN {gtin} có đầu mã 952, mã GS1 chỉ dành cho trình diễn: không in tem thật với mã này. Hãy dùng GTIN "
        "từ mã doanh nghiệp do GS1 Việt Nam cấp (đầu 893), hoặc thêm --demo nếu đây là bản trình diễn.",
        f"GTIN {gtin} has the prefix 952, which GS1 reserves for demonstrations: no real labels with it. Use a GTIN "
        "from a company prefix licensed by GS1 Vietnam (893), or add --demo if this is a demo.",
        field="gtin",
    )


def print_labels(batch, serials: list[str] | None, out, *, copies: int = ROWS * COLUMNS,
                 demo: bool = False) -> tuple[list[Label], int]:
    """The label sheets for `serials` (or `copies` lot-level labels) written to `out`:
    (labels, pages). Refuses a demonstration GTIN outside a demo (check_printable)."""
    check_printable(batch, demo=demo)
    label_list = labels_for_batch(batch, serials) if serials is not None else labels_for_batch(batch, copies=copies)
    return label_list, render(label_list, out)


def _qr_path(c, url: str, x: float, y: float, side: float) -> None:
    """The QR as one filled path of row runs, in module units (integers), so
    a sheet of a thousand codes is written quickly."""
    matrix = qr.make(url, mask=qr.LABEL_MASK).matrix
    n = len(matrix) + 2 * qr.QUIET_ZONE
    ops = []
    for row_index, row in enumerate(matrix):
        top = n - (row_index + qr.QUIET_ZONE + 1)
        start = None
        for col, dark in enumerate((*row, 0)):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                ops.append(f"{start + qr.QUIET_ZONE} {top} {col - start} 1 re")
                start = None
    c.saveState()
    c.translate(x, y)
    c.scale(side / n, side / n)
    c.setFillColorRGB(0, 0, 0)
    # reportlab has no public call for raw path operators; its own modules append to _code the same way.
    c._code.append(" ".join(ops) + " f")
    c.restoreState()


def _wrap(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if pdfmetrics.stringWidth(candidate, font, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        if len(lines) == max_lines:
            break
    if line and len(lines) < max_lines:
        lines.append(line)
    if len(lines) == max_lines and " ".join(lines) != " ".join(words):
        while lines[-1] and pdfmetrics.stringWidth(lines[-1] + "…", font, size) > width:
            lines[-1] = lines[-1][:-1]
        lines[-1] += "…"
    return lines


HINT = ("Quét để kiểm tra nguồn gốc", "Scan to verify the origin")  # one line per language
HINT_SIZES = (5.5, 5.25, 5.0)  # points: the largest that fits the text column


def text_width() -> float:
    """The width of the text column beside the QR code."""
    return LABEL_W - 2 * PADDING - QR_SIDE - 1.5 * mm


def hint_lines(font: str, width: float) -> tuple[list[str], float]:
    """The hint under the label's text, whole (never cut to "Scan to…"): a line per
    language at the largest size in HINT_SIZES at which both fit `width`."""
    lines = [_text(line) for line in HINT]
    for size in HINT_SIZES:
        if all(pdfmetrics.stringWidth(line, font, size) <= width for line in lines):
            break
    return lines, size


def _draw_label(c, label: Label, x: float, y: float, forms: dict) -> None:
    regular, bold, _ = _fonts()
    qr_x, qr_y = x + PADDING, y + PADDING
    if label.url in forms:
        c.saveState()
        c.translate(qr_x, qr_y)
        c.doForm(forms[label.url])
        c.restoreState()
    else:
        _qr_path(c, label.url, qr_x, qr_y, QR_SIDE)
    tx = qr_x + QR_SIDE + 1.5 * mm
    width = x + LABEL_W - PADDING - tx
    ty = y + LABEL_H - PADDING - 3 * mm
    for line in _wrap(_text(label.title), bold, 7.5, width, 2):
        c.setFont(bold, 7.5)
        c.drawString(tx, ty, line)
        ty -= 3.2 * mm
    c.setFont(regular, 6.5)
    for line in _wrap(_text(label.subtitle), regular, 6.5, width, 1):
        c.drawString(tx, ty, line)
        ty -= 3 * mm
    c.drawString(tx, ty, _text(f"Lô / Lot: {label.lot}"))
    ty -= 3 * mm
    if label.expiry:
        c.drawString(tx, ty, _text(f"HSD / EXP: {label.expiry:%d/%m/%Y}"))
        ty -= 3 * mm
    if label.stars:
        c.setFont(bold, 7)
        mark = "★" * label.stars if _fonts()[2] else "*" * label.stars
        c.drawString(tx, ty, f"OCOP {mark}")
        ty -= 3 * mm
    lines, size = hint_lines(regular, width)
    c.setFont(regular, size)
    for n, line in enumerate(lines):  # Vietnamese above English, just over the text code
        c.drawString(tx, y + PADDING + (3.5 + 2.4 * (len(lines) - 1 - n)) * mm, line)
    c.setFont("Courier-Bold", 7)
    c.drawString(tx, y + PADDING, label.code)


def render(labels: list[Label], out, title: str = "OCOP Điện Biên — tem truy xuất", progress=None) -> int:
    """Write the sheets to `out` (a path or a binary file); returns the page count.
    `progress(done)`, if given, is called with the labels laid out so far after each page."""
    c = pdf_canvas.Canvas(out, pagesize=A4, pageCompression=1)
    c.setTitle(title)
    c.setAuthor("OCOP Điện Biên")
    page_w, page_h = A4
    margin_x = (page_w - COLUMNS * LABEL_W) / 2
    margin_y = (page_h - ROWS * LABEL_H) / 2
    forms: dict[str, str] = {}
    for url, uses in Counter(label.url for label in labels).items():
        if uses < 2:
            continue
        name = f"qr{len(forms)}"
        c.beginForm(name)
        _qr_path(c, url, 0, 0, QR_SIDE)
        c.endForm()
        forms[url] = name
    per_page = COLUMNS * ROWS
    pages = 0
    for index, label in enumerate(labels):
        slot = index % per_page
        if slot == 0 and index:
            c.showPage()
            if progress is not None:
                progress(index)
        if slot == 0:
            pages += 1
        col, row = slot % COLUMNS, slot // COLUMNS
        x = margin_x + col * LABEL_W
        y = page_h - margin_y - (row + 1) * LABEL_H
        _draw_label(c, label, x, y, forms)
    if not labels:
        c.drawString(margin_x, page_h / 2, _text("Không có tem nào để in."))
        pages = 1
    c.showPage()
    c.save()
    if progress is not None:
        progress(len(labels))
    return pages


def render_to_storage(batch, path: str, *, minted_at: datetime.datetime | None = None,
                      copies: int = ROWS * COLUMNS) -> str:
    """The sheets for the serials minted for `batch` at `minted_at` (one call of
    services.mint_serials), or `copies` lot-level labels, saved at `path` in the
    media storage; for large runs in the background (traceability.tasks.render_labels).
    Idempotent: a PDF already at `path` is kept."""
    if default_storage.exists(path):
        return path
    if minted_at is None:
        label_list = labels_for_batch(batch, copies=copies)
    else:
        serials = batch.serials.filter(created_at=minted_at).order_by("id").values_list("serial", flat=True)
        label_list = labels_for_batch(batch, list(serials))
    buffer = io.BytesIO()
    render(label_list, buffer, title=f"OCOP Điện Biên — tem lô {batch.lot_code}")
    return default_storage.save(path, ContentFile(buffer.getvalue()))
