"""shop/english.py: the English of opening hours, issuing bodies and document titles that staff type
in Vietnamese, and of text written in both languages at once."""
import pytest

from shop import english
from shop.models import Commune


@pytest.mark.parametrize("vi, en", [
    ("7:30–21:00 hằng ngày", "7:30–21:00 daily"),
    ("7:30–17:30, thứ Hai–thứ Bảy", "7:30–17:30, Monday–Saturday"),
    ("8:00–22:00 trong thời gian hội chợ", "8:00–22:00 while the fair is on"),
    ("7:00–11:00 sáng, nghỉ Chủ nhật", "7:00–11:00 morning, closed Sunday"),
    ("Thứ 2 - Thứ 6: 8:00-17:00", "Monday - Friday: 8:00-17:00"),
    ("", ""),
])
def test_opening_hours(vi, en):
    assert english.opening_hours(vi) == en


@pytest.mark.parametrize("vi, en", [
    ("UBND tỉnh Điện Biên", "Điện Biên Provincial People's Committee"),
    ("Ủy ban nhân dân tỉnh Điện Biên", "Điện Biên Provincial People's Committee"),
    ("UBND huyện Mường Ảng", "Mường Ảng District People's Committee"),
    ("UBND thành phố Điện Biên Phủ", "Điện Biên Phủ City People's Committee"),
    ("Sở Nông nghiệp", "Sở Nông nghiệp"),  # unknown: left as it is, never mangled
])
def test_issuing_body(vi, en):
    assert english.issuing_body(vi) == en


def test_document_titles_and_both_languages_at_once():
    assert english.document_title("Phiếu kết quả thử nghiệm số 123/2026") == "Test report no. 123/2026"
    assert english.document_title("Phiếu kiểm nghiệm số 12/2026") == "Test certificate no. 12/2026"
    assert english.halves("Bao bì rách / Torn bags") == ("Bao bì rách", "Torn bags")
    assert english.halves("Hàng lỗi") == ("Hàng lỗi", "Hàng lỗi")
    assert english.halves("A / B") == ("A / B", "A / B")


def test_commune_label():
    commune = Commune(name="Sam Mứn", kind=Commune.Kind.COMMUNE)
    ward = Commune(name="Mường Thanh", kind=Commune.Kind.WARD)
    assert english.commune_label(commune, "en") == "Sam Mứn commune"
    assert english.commune_label(ward, "en") == "Mường Thanh ward"
    assert english.commune_label(None, "en") == ""
