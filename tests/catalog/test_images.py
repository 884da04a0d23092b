"""The product photo pipeline, on real images built with Pillow (no database)."""

import io
import struct
import time
import zlib

import pytest
from PIL import ExifTags, Image, ImageChops

from catalog import images
from catalog.images import (
    ImageRejected,
    draw_product_picture,
    inspect_image,
    make_renditions,
    normalise,
    srcset,
)

RED, BLUE = (220, 20, 20), (20, 20, 220)


def encode(im: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **params)
    return out.getvalue()


def open_bytes(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def noisy(size=(300, 200), mode="RGB") -> Image.Image:
    """Random-looking pixels, so encoded files are big enough to truncate meaningfully."""
    return Image.effect_noise(size, 64).convert(mode)


def red_left_blue_right(size=(300, 200)) -> Image.Image:
    im = Image.new("RGB", size, BLUE)
    im.paste(RED, (0, 0, size[0] // 2, size[1]))
    return im


def png_with_header_size(width: int, height: int) -> bytes:
    """A real 64x64 1-bit PNG whose IHDR claims another size (CRC fixed so it parses)."""
    data = bytearray(encode(Image.new("1", (64, 64)), "PNG"))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def reject_code(data: bytes) -> ImageRejected:
    with pytest.raises(ImageRejected) as info:
        inspect_image(data)
    return info.value


def is_vietnamese(message: str) -> bool:
    return any(ch in message for ch in "ảạấầẩậắằặếềểệịỏọốồổộớờởợủụứừửựđ")


# -- inspect_image ----------------------------------------------------------------------


def test_a_valid_jpeg_passes_with_its_dimensions():
    info = inspect_image(encode(noisy((300, 200)), "JPEG"))
    assert info == images.ImageInfo("JPEG", 300, 200)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_pass(fmt):
    assert inspect_image(encode(noisy((120, 90)), fmt)) == images.ImageInfo(fmt, 120, 90)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"Xin chao, day la mot tep van ban.\n" * 20, "not_an_image"),
        (encode(Image.new("P", (100, 100)), "GIF"), "format_not_allowed"),
        (encode(Image.new("RGB", (100, 100)), "BMP"), "format_not_allowed"),
        (encode(Image.new("RGB", (100, 100)), "TIFF"), "format_not_allowed"),
        (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n", "format_not_allowed"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "format_not_allowed"),
    ],
    ids=["text", "gif", "bmp", "tiff", "pdf", "svg"],
)
def test_non_images_and_other_formats_are_rejected_in_vietnamese(data, code):
    exc = reject_code(data)
    assert exc.code == code
    assert is_vietnamese(exc.message) and "JPEG, PNG hoặc WebP" in exc.message
    assert str(exc) == exc.message
    assert "JPEG, PNG or WebP" in exc.message_en
    assert isinstance(exc, ValueError)


def test_the_format_message_names_the_rejected_format():
    exc = reject_code(encode(Image.new("P", (100, 100)), "GIF"))
    assert "GIF" in exc.message and "GIF" in exc.message_en


def test_a_truncated_jpeg_is_corrupt():
    data = encode(noisy((400, 300)), "JPEG", quality=95)
    exc = reject_code(data[: len(data) * 2 // 3])
    assert exc.code == "corrupt"
    assert is_vietnamese(exc.message)


def test_a_png_with_a_damaged_chunk_is_corrupt():
    data = bytearray(encode(noisy((100, 100)), "PNG"))
    data[-40] ^= 0xFF  # inside the last IDAT chunk: its CRC no longer matches
    assert reject_code(bytes(data)).code == "corrupt"


@pytest.mark.parametrize(
    "size",
    [(8000, 6000), (10_000, 10_000), (30_000, 30_000)],
    ids=["over-our-limit", "pillow-warns", "pillow-errors"],
)
def test_a_decompression_bomb_is_rejected_from_its_header(size):
    data = png_with_header_size(*size)
    assert len(data) < 1000  # the point of a bomb: a tiny file
    started = time.perf_counter()
    exc = reject_code(data)
    # Decoding 100-900 million pixels would take seconds and gigabytes; the header check takes microseconds.
    assert time.perf_counter() - started < 0.5
    assert exc.code == "too_many_pixels"
    assert "40 megapixel" in exc.message


def test_the_bomb_check_does_not_rely_on_pillows_global_limit(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # someone disabled Pillow's guard
    started = time.perf_counter()
    assert reject_code(png_with_header_size(30_000, 30_000)).code == "too_many_pixels"
    assert time.perf_counter() - started < 0.5


def test_a_very_long_strip_is_rejected_as_bad_dimensions():
    # 200,000 pixels is well under the pixel limit: the side limit is what catches it.
    exc = reject_code(encode(Image.new("L", (20_000, 10)), "PNG"))
    assert exc.code == "bad_dimensions"
    assert "10000 px" in exc.message


def test_a_tiny_image_is_too_small():
    exc = reject_code(encode(Image.new("RGB", (63, 200)), "PNG"))
    assert exc.code == "too_small"
    assert inspect_image(encode(Image.new("RGB", (64, 64)), "PNG")).width == 64


def test_the_upload_size_limit_comes_from_settings(settings):
    data = encode(noisy((300, 200)), "PNG")
    settings.IMAGE_MAX_UPLOAD_BYTES = len(data) - 1
    exc = reject_code(data)
    assert exc.code == "too_large_file"
    assert is_vietnamese(exc.message)
    settings.IMAGE_MAX_UPLOAD_BYTES = len(data)
    assert inspect_image(data).format == "PNG"


def test_pixel_limit_comes_from_settings(settings):
    settings.IMAGE_MAX_PIXELS = 300 * 200 - 1
    assert reject_code(encode(noisy((300, 200)), "JPEG")).code == "too_many_pixels"


# -- normalise --------------------------------------------------------------------------


def photo_with_metadata(orientation: int) -> bytes:
    """A 300x200 JPEG (red left half) with orientation, GPS, XMP, ICC profile and a comment."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (21.0, 23.0, 10.0)
    data = encode(
        red_left_blue_right((300, 200)),
        "JPEG",
        exif=exif,
        xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>secret</x:xmpmeta>",
        icc_profile=b"not-really-an-icc-profile",
        comment=b"taken at home",
    )
    # Make sure the input really carries what normalise must remove.
    src = open_bytes(data)
    assert src.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert {"exif", "xmp", "icc_profile", "comment"} <= set(src.info)
    return data


def test_inspect_reports_the_upright_size():
    assert inspect_image(photo_with_metadata(6)) == images.ImageInfo("JPEG", 200, 300)


def test_normalise_rotates_by_exif_and_strips_all_metadata():
    clean, info = normalise(photo_with_metadata(6))
    out = open_bytes(clean)
    assert info == images.ImageInfo("JPEG", 200, 300)
    assert (out.format, out.size) == ("JPEG", (200, 300))
    # Orientation 6 = rotate 90° clockwise for display: the left (red) half ends up on top.
    top, bottom = out.getpixel((100, 30)), out.getpixel((100, 270))
    assert top[0] > 150 and top[2] < 100
    assert bottom[2] > 150 and bottom[0] < 100
    assert len(out.getexif()) == 0
    assert out.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert not {"exif", "xmp", "icc_profile", "comment"} & set(out.info)
    for secret in (b"PhoneMaker", b"secret", b"not-really-an-icc-profile", b"taken at home"):
        assert secret not in clean
    assert out.info.get("progressive") == 1


def test_normalise_keeps_an_upright_photo_as_is():
    clean, info = normalise(photo_with_metadata(1))
    assert info.width == 300 and open_bytes(clean).getpixel((30, 100))[0] > 150


def test_normalise_keeps_png_transparency_and_drops_png_metadata():
    im = Image.new("RGBA", (100, 80), (0, 128, 0, 255))
    im.paste((0, 0, 0, 0), (0, 0, 50, 80))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    clean, info = normalise(encode(im, "PNG", exif=exif))
    out = open_bytes(clean)
    assert (info.format, out.format, out.mode) == ("PNG", "PNG", "RGBA")
    assert out.getpixel((10, 10))[3] == 0 and out.getpixel((90, 10))[3] == 255
    assert b"PhoneMaker" not in clean


def test_normalise_turns_a_palette_png_with_transparency_into_rgba():
    im = Image.new("P", (100, 100), 1)
    im.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    data = encode(im, "PNG", transparency=0)
    assert open_bytes(normalise(data)[0]).mode == "RGBA"


def test_normalise_makes_cmyk_jpeg_rgb():
    data = encode(Image.new("CMYK", (100, 100), (0, 255, 255, 0)), "JPEG")
    out = open_bytes(normalise(data)[0])
    assert out.mode == "RGB"
    r, g, b = out.getpixel((50, 50))
    assert r > 200 and g < 60 and b < 60  # still red


def test_normalise_scales_16_bit_grey_instead_of_clipping():
    data = encode(Image.new("I;16", (100, 100), 32768), "PNG")
    out = open_bytes(normalise(data)[0])
    assert 120 <= out.getpixel((0, 0))[0] <= 136  # mid grey, not white


def test_normalise_rejects_what_inspect_rejects():
    with pytest.raises(ImageRejected) as info:
        normalise(png_with_header_size(30_000, 30_000))
    assert info.value.code == "too_many_pixels"


# -- renditions -------------------------------------------------------------------------


def test_renditions_are_webp_at_the_widths_that_fit_the_source():
    renditions = make_renditions(encode(noisy((700, 350)), "JPEG"))
    assert [(r.width, r.height) for r in renditions] == [(160, 80), (320, 160), (640, 320)]
    for r in renditions:
        out = open_bytes(r.content)
        assert (r.format, out.format) == ("WEBP", "WEBP")
        assert out.size == (r.width, r.height)
        assert out.width <= 700


def test_all_configured_widths_for_a_large_source(settings):
    renditions = make_renditions(encode(noisy((1600, 1200)), "JPEG"))
    assert [r.width for r in renditions] == list(settings.IMAGE_RENDITION_WIDTHS)
    assert renditions[-1].height == 960


def test_a_narrow_source_gets_one_rendition_at_its_own_width():
    renditions = make_renditions(encode(noisy((100, 150)), "PNG"))
    assert [(r.width, r.height) for r in renditions] == [(100, 150)]
    assert open_bytes(renditions[0].content).format == "WEBP"


def test_renditions_follow_exif_orientation_and_keep_alpha():
    upright = make_renditions(photo_with_metadata(6), widths=[160])
    assert (upright[0].width, upright[0].height) == (160, 240)
    rgba = Image.new("RGBA", (400, 200), (0, 0, 0, 0))
    out = open_bytes(make_renditions(encode(rgba, "PNG"), widths=[200])[0].content)
    assert out.mode == "RGBA" and out.getpixel((10, 10))[3] == 0


def test_renditions_use_custom_and_settings_widths(settings):
    settings.IMAGE_RENDITION_WIDTHS = (50, 100)
    assert [r.width for r in make_renditions(encode(noisy((300, 300)), "PNG"))] == [50, 100]
    assert [r.width for r in make_renditions(encode(noisy((300, 300)), "PNG"), widths=[250, 80])] == [80, 250]


def test_srcset():
    pairs = [("/m/a-160.webp", 160), ("/m/a-320.webp", 320)]
    assert srcset(pairs) == "/m/a-160.webp 160w, /m/a-320.webp 320w"
    assert srcset([("/m/my photo.webp", 160)]) == "/m/my%20photo.webp 160w"
    assert srcset([]) == ""


# -- demo pictures ----------------------------------------------------------------------


def test_product_picture_is_an_800px_jpeg_and_deterministic():
    args = ("Mật ong hoa ban Điện Biên", "Huyện Mường Ảng")
    data = draw_product_picture(*args, motif="jar", color="#f9a825")
    im = open_bytes(data)
    assert (im.format, im.size, im.mode) == ("JPEG", (800, 800), "RGB")
    assert draw_product_picture(*args, motif="jar", color="#f9a825") == data
    other = draw_product_picture(*args, motif="jar", color="#1565c0")
    assert other != data
    # The picture passes our own upload pipeline unchanged in size.
    assert normalise(data)[1] == images.ImageInfo("JPEG", 800, 800)


@pytest.mark.parametrize("motif", images.MOTIFS)
def test_every_motif_draws_something_different(motif):
    blank = open_bytes(draw_product_picture("", motif="pack", size=200)).convert("L")
    pictured = open_bytes(draw_product_picture("", motif=motif, size=200)).convert("L")
    assert pictured.size == (200, 200)
    if motif != "pack":
        assert ImageChops.difference(blank, pictured).getbbox() is not None


def test_unknown_motif_is_refused():
    with pytest.raises(ValueError, match="motif"):
        draw_product_picture("Trà", motif="spaceship")


def test_the_title_is_drawn_and_long_titles_wrap():
    plain = open_bytes(draw_product_picture("", motif="box")).convert("L")
    short = open_bytes(draw_product_picture("Trà", motif="box")).convert("L")
    title = "Trà Shan tuyết cổ thụ Tủa Chùa hộp quà"
    long = open_bytes(draw_product_picture(title, motif="box")).convert("L")
    short_box = ImageChops.difference(plain, short).getbbox()
    long_box = ImageChops.difference(plain, long).getbbox()
    assert short_box and long_box
    assert short_box[1] > 800 * 0.6  # the text sits below the motif
    # Wrapped onto two lines: the text block is taller, and stays inside the picture.
    assert long_box[3] - long_box[1] > 1.6 * (short_box[3] - short_box[1])
    assert long_box[0] > 0 and long_box[2] < 800 and long_box[3] < 800


def test_vietnamese_letters_have_real_glyphs():
    font = images._load_font(40)
    missing = font.getmask("\ue000").getbbox()  # a private-use code point: the "no glyph" box
    for letter in "ệởữđẶ":
        assert font.getmask(letter).getbbox() != missing, letter
    # Diacritics make the letter taller than its bare base letter.
    assert font.getbbox("Ệ")[3] - font.getbbox("Ệ")[1] > font.getbbox("E")[3] - font.getbbox("E")[1]
