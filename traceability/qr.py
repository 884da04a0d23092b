"""QR images of trace links (segno).

Error-correction level Q (25 % of the symbol can be lost: smudges, a
scratched label, a curved bag) and the standard quiet zone of 4 modules,
which small printed labels need to scan reliably. SVG for screens, PNG
for download and print.
"""
import io

import segno

ERROR = "q"
QUIET_ZONE = 4


# Any of the 8 masks is valid; choosing the best one costs most of the encoding
# time, so label sheets (thousands of codes) use a fixed one.
LABEL_MASK = 4


def make(url: str, mask: int | None = None) -> segno.QRCode:
    # boost_error=False keeps the level at Q, so the symbol's size is predictable on labels.
    return segno.make_qr(url, error=ERROR, boost_error=False, mask=mask)


def svg(url: str, scale: int = 4, title: str | None = None) -> str:
    """An inline <svg> element (no XML declaration), for an HTML page."""
    return make(url).svg_inline(scale=scale, border=QUIET_ZONE, title=title, dark="#000", light="#fff")


def png(url: str, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    make(url).save(buffer, kind="png", scale=scale, border=QUIET_ZONE)
    return buffer.getvalue()


def matrix_size(url: str) -> int:
    """Modules per side, quiet zone included (for laying out labels)."""
    return make(url).symbol_size(scale=1, border=QUIET_ZONE)[0]
