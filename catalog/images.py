"""Product photo pipeline: validate uploads, strip metadata, make WebP renditions.

Pure functions on bytes: no models, no database, no storage. Limits come from
settings (IMAGE_MAX_UPLOAD_BYTES, IMAGE_MAX_PIXELS, IMAGE_MAX_SIDE,
IMAGE_RENDITION_WIDTHS) so tests and deployments can tune them.
"""

from __future__ import annotations

import io
import unicodedata
import warnings
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from PIL import Image, ImageColor, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MIN_SIDE = 64
MOTIFS = ("jar", "bag", "box", "bottle", "cloth", "fruit", "pack", "cup")

_MESSAGES = {
    "too_large_file": (
        "Tệp ảnh quá lớn (tối đa {limit}). Hãy nén ảnh hoặc chọn ảnh nhỏ hơn.",
        "The image file is too large (maximum {limit}). Compress it or choose a smaller image.",
    ),
    "not_an_image": (
        "Tệp không phải là ảnh. Hãy tải lên ảnh JPEG, PNG hoặc WebP.",
        "The file is not an image. Upload a JPEG, PNG or WebP picture.",
    ),
    "format_not_allowed": (
        "Định dạng {format} không được hỗ trợ. Hãy tải lên ảnh JPEG, PNG hoặc WebP.",
        "The {format} format is not supported. Upload a JPEG, PNG or WebP picture.",
    ),
    "too_many_pixels": (
        "Ảnh có quá nhiều điểm ảnh (tối đa {limit} megapixel). Hãy thu nhỏ ảnh rồi tải lên lại.",
        "The image has too many pixels (maximum {limit} megapixels). Resize it and upload again.",
    ),
    "bad_dimensions": (
        "Kích thước ảnh không hợp lệ (mỗi cạnh tối đa {limit} px). Hãy cắt hoặc thu nhỏ ảnh rồi tải lên lại.",
        "The image dimensions are invalid (each side at most {limit} px). Crop or resize it and upload again.",
    ),
    "too_small": (
        "Ảnh quá nhỏ (mỗi cạnh cần ít nhất {limit} px). Hãy tải lên ảnh lớn hơn.",
        "The image is too small (each side needs at least {limit} px). Upload a larger picture.",
    ),
    "corrupt": (
        "Ảnh bị hỏng hoặc tải lên chưa hết. Hãy mở ảnh trên máy, lưu lại rồi tải lên lần nữa.",
        "The image is damaged or incomplete. Open it on your device, save it again and re-upload.",
    ),
}


class ImageRejected(ValueError):
    """An upload we refuse; `.message` is Vietnamese and tells the user what to do."""

    def __init__(self, code: str, **params):
        vi, en = _MESSAGES[code]
        self.code = code
        self.message = vi.format(**params)
        self.message_en = en.format(**params)
        super().__init__(self.message)


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    content: bytes
    format: str = "WEBP"


# Formats Pillow is not allowed to parse (we only open JPEG/PNG/WebP) but which
# people do upload: name them so the user gets "format not supported".
_OTHER_SIGNATURES = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
    (b"8BPS", "PSD"),
    (b"\x00\x00\x01\x00", "ICO"),
)


def _sniff_other_format(data: bytes) -> str | None:
    for magic, name in _OTHER_SIGNATURES:
        if data.startswith(magic):
            return name
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        return "AVIF" if brand.startswith(b"avi") else "HEIC"
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in head:
        return "SVG"
    return None


def _open(data: bytes) -> Image.Image:
    """Parse the header only (no pixels decoded), restricted to the allowed decoders."""
    with warnings.catch_warnings():
        # Pillow's own bomb check must raise rather than just warn, and must not
        # crash us: both become our "too_many_pixels".
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return Image.open(io.BytesIO(data), formats=sorted(ALLOWED_FORMATS))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected("too_many_pixels", limit=settings.IMAGE_MAX_PIXELS // 1_000_000) from None
        except UnidentifiedImageError:
            other = _sniff_other_format(data)
            if other:
                raise ImageRejected("format_not_allowed", format=other) from None
            raise ImageRejected("not_an_image") from None
        except Exception:  # a header that starts right but is broken (OSError, SyntaxError, ...)
            raise ImageRejected("corrupt") from None


def _format(im: Image.Image) -> str:
    # Phone cameras write multi-picture JPEGs, which Pillow calls MPO.
    return "JPEG" if im.format == "MPO" else (im.format or "")


def _check_dimensions(width: int, height: int) -> None:
    if width * height > settings.IMAGE_MAX_PIXELS:
        raise ImageRejected("too_many_pixels", limit=settings.IMAGE_MAX_PIXELS // 1_000_000)
    if max(width, height) > settings.IMAGE_MAX_SIDE:
        raise ImageRejected("bad_dimensions", limit=settings.IMAGE_MAX_SIDE)
    if min(width, height) < MIN_SIDE:
        raise ImageRejected("too_small", limit=MIN_SIDE)


def _load(data: bytes) -> Image.Image:
    """Open, check format and header dimensions, verify, then decode the pixels."""
    if len(data) > settings.IMAGE_MAX_UPLOAD_BYTES:
        raise ImageRejected("too_large_file", limit=f"{settings.IMAGE_MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    im = _open(data)
    if _format(im) not in ALLOWED_FORMATS:
        raise ImageRejected("format_not_allowed", format=im.format or "?")
    # The size comes from the header: a bomb is refused before any pixel is allocated.
    _check_dimensions(*im.size)
    try:
        im.verify()  # verify() leaves the image unusable, hence the second open
        im = _open(data)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im.load()
    except ImageRejected:
        raise
    except Exception:  # hostile input makes Pillow raise OSError, SyntaxError, ValueError, EOFError...
        raise ImageRejected("corrupt") from None
    return im


def _oriented_size(im: Image.Image) -> tuple[int, int]:
    # EXIF orientations 5-8 are rotations by 90 degrees: width and height swap.
    try:
        orientation = im.getexif().get(0x0112, 1)
    except Exception:  # a broken EXIF block must not reject an otherwise fine photo
        orientation = 1
    width, height = im.size
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def inspect_image(data: bytes) -> ImageInfo:
    """Validate an upload and return its format and display size (after EXIF rotation)."""
    im = _load(data)
    return ImageInfo(_format(im), *_oriented_size(im))


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info


def _upright_pixels(im: Image.Image, keep_alpha: bool) -> Image.Image:
    """Apply EXIF rotation and return a fresh RGB/RGBA image carrying no metadata at all."""
    try:
        ImageOps.exif_transpose(im, in_place=True)  # in place: a 40 MP photo is not copied twice
    except Exception:  # unreadable EXIF: keep the pixels as stored
        pass
    mode = "RGBA" if keep_alpha and _has_alpha(im) else "RGB"
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        im = im.point(lambda v: v / 256).convert("L")  # 16-bit grey: scale, don't clip
    clean = im.convert(mode)  # always a new image, even when the mode is unchanged
    # Pillow's savers read metadata (EXIF, XMP, ICC, comments) from .info only: empty it.
    clean.info = {}
    return clean


def _encode(im: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        im.convert("RGB").save(out, "JPEG", quality=88, optimize=True, progressive=True)
    elif fmt == "PNG":
        im.save(out, "PNG")
    else:
        im.save(out, "WEBP", quality=88, method=4)
    return out.getvalue()


def normalise(data: bytes) -> tuple[bytes, ImageInfo]:
    """Validate, rotate upright, strip all metadata and re-encode in the same format."""
    im = _load(data)
    fmt = _format(im)
    clean = _upright_pixels(im, keep_alpha=fmt != "JPEG")
    return _encode(clean, fmt), ImageInfo(fmt, clean.width, clean.height)


def make_renditions(data: bytes, widths=None) -> list[Rendition]:
    """WebP copies at each configured width the source can fill; never upscaled."""
    im = _upright_pixels(_load(data), keep_alpha=True)
    wanted = sorted({int(w) for w in (widths or settings.IMAGE_RENDITION_WIDTHS) if int(w) > 0})
    fitting = [w for w in wanted if w <= im.width] or [im.width]
    renditions = []
    for width in fitting:
        height = max(1, round(im.height * width / im.width))
        # reducing_gap: a cheap box pre-shrink before LANCZOS, visually identical and much faster.
        small = im if width == im.width else im.resize((width, height), Image.LANCZOS, reducing_gap=3.0)
        out = io.BytesIO()
        small.save(out, "WEBP", quality=80, method=4)
        renditions.append(Rendition(width, small.height, out.getvalue()))
    return renditions


def srcset(renditions_urls: list[tuple[str, int]]) -> str:
    """HTML srcset from (url, width) pairs: "a.webp 160w, b.webp 320w"."""
    # A space would end the URL inside srcset, so it must be escaped.
    return ", ".join(f"{url.replace(' ', '%20')} {int(width)}w" for url, width in renditions_urls)


# --- Demo product pictures ------------------------------------------------------------

_FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu
    "/usr/share/fonts/dejavu",  # Fedora (old), Alpine
    "/usr/share/fonts/dejavu-sans-fonts",  # Fedora
    "/usr/share/fonts/TTF",  # Arch
    "/usr/local/share/fonts/dejavu",  # FreeBSD
    "/opt/homebrew/share/fonts",  # macOS with Homebrew fonts
)


@lru_cache(maxsize=32)
def _load_font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (full Vietnamese coverage) if installed, else Pillow's built-in scalable font."""
    names = ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf") if bold else ("DejaVuSans.ttf",)
    for name in names:
        for folder in _FONT_DIRS:
            try:
                return ImageFont.truetype(f"{folder}/{name}", size)
            except OSError:
                continue
    return ImageFont.load_default(size=size)


def _mix(a: tuple[int, ...], b: tuple[int, ...], t: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _draw_motif(d: ImageDraw.ImageDraw, motif: str, s: int, base, dark, light) -> None:
    """Flat shapes around the point (s/2, 0.36 s). Coordinates are in percent of the canvas."""
    cx, cy, u = s / 2, s * 0.36, s / 100
    white = (255, 255, 255)

    def pt(x, y):
        return (cx + x * u, cy + y * u)

    def box(x0, y0, x1, y1):
        return [pt(x0, y0), pt(x1, y1)]

    d.ellipse(box(-24, 21, 24, 27), fill=_mix(light, dark, 0.35))  # a soft shadow grounds the object
    if motif == "jar":  # honey, pickles
        d.rounded_rectangle(box(-18, -14, 18, 24), radius=6 * u, fill=base)
        d.rounded_rectangle(box(-15, -22, 15, -13), radius=2 * u, fill=dark)
        d.rounded_rectangle(box(-13, -4, 13, 12), radius=2 * u, fill=white)
        d.rectangle(box(-9, 2, 9, 5), fill=light)
    elif motif == "bag":  # rice, flour
        d.polygon([pt(-20, -10), pt(20, -10), pt(23, 24), pt(-23, 24)], fill=base)
        d.polygon([pt(-20, -10), pt(-12, -22), pt(12, -22), pt(20, -10)], fill=dark)
        d.rectangle(box(-21, -12, 21, -8), fill=light)
        d.ellipse(box(-10, 0, 10, 16), fill=white)
        d.ellipse(box(-5, 5, 5, 11), fill=base)
    elif motif == "box":  # gift boxes, tea
        d.polygon([pt(-22, -8), pt(-8, -20), pt(24, -20), pt(10, -8)], fill=light)
        d.polygon([pt(10, -8), pt(24, -20), pt(24, 12), pt(10, 24)], fill=dark)
        d.rectangle(box(-22, -8, 10, 24), fill=base)
        d.rectangle(box(-17, 2, 5, 14), fill=white)
    elif motif == "bottle":  # rice wine, sauces
        d.rectangle(box(-5, -24, 5, -18), fill=dark)
        d.rectangle(box(-4, -18, 4, -10), fill=_mix(base, light, 0.5))
        d.rounded_rectangle(box(-13, -12, 13, 24), radius=7 * u, fill=base)
        d.rectangle(box(-13, 0, 13, 13), fill=white)
        d.rectangle(box(-8, 5, 8, 8), fill=light)
        d.rounded_rectangle(box(-9, -8, -6, -2), radius=u, fill=_mix(base, white, 0.5))
    elif motif == "cloth":  # folded brocade
        for i, shade in enumerate((dark, base, _mix(base, light, 0.4))):
            y = 12 - i * 11
            d.rounded_rectangle(box(-26, y - 6, 26, y + 10), radius=2 * u, fill=shade)
            zigzag = [pt(-24 + k * 4, y + (0 if k % 2 else 4)) for k in range(13)]
            d.line(zigzag, fill=white, width=max(1, round(u)))
    elif motif == "fruit":
        d.ellipse(box(-20, -14, 20, 24), fill=base)
        d.ellipse(box(-13, -8, -4, 2), fill=_mix(base, white, 0.45))
        d.line([pt(0, -14), pt(3, -23)], fill=dark, width=round(2 * u))
        d.ellipse(box(3, -24, 17, -16), fill=dark)
    elif motif == "cup":  # tea, coffee
        d.ellipse(box(-26, 16, 26, 26), fill=dark)
        d.arc(box(10, -4, 26, 12), start=270, end=90, fill=base, width=round(3 * u))
        d.polygon([pt(-18, -6), pt(18, -6), pt(12, 20), pt(-12, 20)], fill=base)
        d.ellipse(box(-18, -9, 18, -3), fill=_mix(base, dark, 0.6))
        for x in (-7, 0, 7):  # steam
            d.arc(box(x - 3, -24, x + 3, -12), start=90, end=270, fill=white, width=round(u))
    else:  # "pack": a stand-up pouch with a zip and a window
        d.rounded_rectangle(box(-19, -22, 19, 24), radius=4 * u, fill=base)
        d.rectangle(box(-19, -16, 19, -14), fill=dark)
        d.rounded_rectangle(box(-11, -4, 11, 16), radius=3 * u, fill=light)


def _fit(d: ImageDraw.ImageDraw, line: str, font, max_width: int, cut: bool) -> str:
    """Shorten a line with an ellipsis until it fits (or always mark it when text was cut)."""
    if not cut and d.textlength(line, font=font) <= max_width:
        return line

    def too_wide(text):
        return d.textlength(text + "…", font=font) > max_width

    while " " in line and too_wide(line):  # drop whole words first, it reads better
        line = line.rsplit(" ", 1)[0]
    while line and too_wide(line):  # a single very long word: cut letters
        line = line[:-1]
    return line + "…"


def _wrap(d: ImageDraw.ImageDraw, text: str, font, max_width: int, max_lines: int) -> list[str]:
    """Greedy word wrap by measured width; an ellipsis marks text that did not fit."""
    lines, words = [], text.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and d.textlength(f"{line} {words[0]}", font=font) <= max_width:
            line = f"{line} {words.pop(0)}"
        lines.append(line)
    return [
        _fit(d, line, font, max_width, cut=bool(words) and i == len(lines) - 1)
        for i, line in enumerate(lines)
    ]


def draw_product_picture(
    title: str, subtitle: str = "", *, motif: str = "pack", color: str = "#2e7d32", size: int = 800
) -> bytes:
    """A square illustration for demo products: gradient, a drawn motif, title and subtitle (JPEG)."""
    if motif not in MOTIFS:
        raise ValueError(f"Unknown motif {motif!r}; choose one of {', '.join(MOTIFS)}")
    base = ImageColor.getrgb(color)[:3]
    white, black = (255, 255, 255), (0, 0, 0)
    dark, light = _mix(base, black, 0.35), _mix(base, white, 0.7)
    s = size * 2  # draw at double size, then downsample: cheap anti-aliasing

    # Vertical gradient from a pale tint at the top to a light tint at the bottom.
    mask = Image.linear_gradient("L").resize((s, s))
    img = Image.composite(
        Image.new("RGB", (s, s), _mix(base, white, 0.6)),
        Image.new("RGB", (s, s), _mix(base, white, 0.93)),
        mask,
    )
    d = ImageDraw.Draw(img)
    _draw_motif(d, motif, s, base, dark, light)

    # NFC so Vietnamese letters are single precomposed glyphs, which every font draws well.
    title = unicodedata.normalize("NFC", title)
    subtitle = unicodedata.normalize("NFC", subtitle)
    title_font, sub_font = _load_font(round(s * 0.062), bold=True), _load_font(round(s * 0.04))
    title_step, sub_step = s * 0.075, s * 0.052
    title_lines = _wrap(d, title, title_font, int(s * 0.86), max_lines=2)
    sub_lines = _wrap(d, subtitle, sub_font, int(s * 0.86), max_lines=1)
    # Centre the text block in the band below the motif.
    block = len(title_lines) * title_step + len(sub_lines) * sub_step
    y = s * 0.66 + (s * 0.30 - block) / 2
    for line in title_lines:
        d.text((s / 2, y), line, font=title_font, fill=_mix(dark, black, 0.4), anchor="ma")
        y += title_step
    for line in sub_lines:
        d.text((s / 2, y + s * 0.008), line, font=sub_font, fill=dark, anchor="ma")
        y += sub_step

    out = io.BytesIO()
    img.resize((size, size), Image.LANCZOS).save(out, "JPEG", quality=88, optimize=True, progressive=True)
    return out.getvalue()
