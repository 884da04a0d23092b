"""English for the few kinds of text staff type in Vietnamese and the shop shows to everyone:
a sales point's opening hours, a certificate's issuing body, a quality document's title.

Rules, not a translator: each knows the shapes such text takes ("7:30–17:30, thứ Hai–thứ Bảy",
"UBND tỉnh Điện Biên", "Phiếu kết quả thử nghiệm số 123/2026") and leaves anything else as it
is, so a name is never mangled. Models expose the results as `<field>_en` properties, which the
pages' `loc` filter picks on English pages.
"""
import re

_DAYS = {
    "chủ nhật": "Sunday", "thứ hai": "Monday", "thứ ba": "Tuesday", "thứ tư": "Wednesday",
    "thứ năm": "Thursday", "thứ sáu": "Friday", "thứ bảy": "Saturday",
    "thứ 2": "Monday", "thứ 3": "Tuesday", "thứ 4": "Wednesday", "thứ 5": "Thursday",
    "thứ 6": "Friday", "thứ 7": "Saturday", "cn": "Sunday",
}
_DAY = "|".join(sorted((re.escape(d) for d in _DAYS), key=len, reverse=True))
_HOUR_PHRASES = [
    (r"hằng ngày|hàng ngày|mỗi ngày|cả tuần", "daily"),
    (r"trong thời gian hội chợ", "while the fair is on"),
    (r"ngày lễ", "public holidays"),
    (r"nghỉ", "closed"),
    (r"sáng", "morning"),
    (r"chiều", "afternoon"),
    (r"tối", "evening"),
    (r"(?<![\w])và(?![\w])", "and"),
    (r"(?<![\w])từ(?![\w])", "from"),
    (r"(?<![\w])đến(?![\w])", "to"),
]


def _day(match) -> str:
    return _DAYS[match.group(0).lower()]


def opening_hours(text: str) -> str:
    """'7:30–17:30, thứ Hai–thứ Bảy' -> '7:30–17:30, Monday–Saturday'; '7:00–18:00 hằng ngày' ->
    '7:00–18:00 daily'. Words it does not know stay as they are."""
    if not text:
        return ""
    out = re.sub(rf"(?<![\w])(?:{_DAY})(?![\w])", _day, text, flags=re.IGNORECASE)
    for pattern, english in _HOUR_PHRASES:
        out = re.sub(pattern, english, out, flags=re.IGNORECASE)
    return out


_BODY_LEVELS = [
    (r"^(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+tỉnh\s+(.+)$", "{} Provincial People's Committee"),
    (r"^(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+(?:thành phố|TP\.?)\s+(.+)$", "{} City People's Committee"),
    (r"^(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+(?:huyện)\s+(.+)$", "{} District People's Committee"),
    (r"^(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+(?:thị xã)\s+(.+)$", "{} Town People's Committee"),
    (r"^(?:Bộ Nông nghiệp và Phát triển nông thôn|Bộ Nông nghiệp và Môi trường)$", "Ministry of Agriculture and Environment"),
    (r"^(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+tỉnh$", "Provincial People's Committee"),
    (r"^UBND$", "People's Committee"),
]


def issuing_body(text: str) -> str:
    """'UBND tỉnh Điện Biên' -> "Điện Biên Provincial People's Committee" (the place's name stays)."""
    text = (text or "").strip()
    for pattern, english in _BODY_LEVELS:
        match = re.match(pattern, text, flags=re.IGNORECASE)
        if match:
            return english.format(*match.groups())
    return text


_DOCUMENTS = [
    (r"^Phiếu kết quả thử nghiệm", "Test report"),
    (r"^Phiếu kiểm nghiệm", "Test certificate"),
    (r"^Giấy chứng nhận an toàn thực phẩm", "Food safety certificate"),
    (r"^Giấy chứng nhận", "Certificate"),
    (r"^Công bố chất lượng", "Quality declaration"),
    (r"^Tự công bố sản phẩm", "Product self-declaration"),
]


def document_title(text: str) -> str:
    """'Phiếu kết quả thử nghiệm số 123/2026' -> 'Test report no. 123/2026'."""
    out = text or ""
    for pattern, english in _DOCUMENTS:
        out, found = re.subn(pattern, english, out, flags=re.IGNORECASE)
        if found:
            break
    return re.sub(r"(?<![\w])số(?![\w])", "no.", out)


COMMUNE_KINDS = {"xa": "commune", "phuong": "ward", "thi_tran": "township", "dac_khu": "special zone"}


def commune_label(commune, language: str = "vi") -> str:
    """'xã Sam Mứn' / 'Sam Mứn commune' (place names keep their marks)."""
    if commune is None:
        return ""
    if language != "en":
        return str(commune)
    return f"{commune.name} {COMMUNE_KINDS.get(commune.kind, '')}".strip()


_VIETNAMESE_LETTER = re.compile(r"[À-ÃÈ-ÊÌÍÒ-ÕÙÚÝà-ãè-êìíò-õùúýĂăĐđĨĩŨũƠơƯưẠ-ỹ]")


def halves(text: str) -> tuple[str, str]:
    """A text staff wrote in both languages at once, "Vietnamese … / English …", as (vi, en);
    any other text is both halves."""
    text = text or ""
    if " / " in text:
        vi, en = text.rsplit(" / ", 1)
        if _VIETNAMESE_LETTER.search(vi) and not _VIETNAMESE_LETTER.search(en):
            return vi.strip(), en.strip()
    return text, text
