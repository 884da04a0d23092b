"""Addresses anywhere in Vietnam, as the country is divided since 1 July 2025: province, then
commune (xã), ward (phường) or special zone (đặc khu); no district level any more.

The units come from the `vietnam-provinces` package (migration 0004). Điện Biên's own 2022
districts and communes stay for history and routing, each 2022 commune pointing at the 2025
commune it went into (`successor`).

    provinces()                                   the 34 provinces and cities, in GSO code order
    province(code)                                one of them, or None
    communes(province_code, search=None, limit=None)
                                                  a province's 2025 communes; `search` without
                                                  diacritics or case, by prefix or by word
    commune_label(commune, language=None)         'Xã Thanh An, tỉnh Điện Biên' /
                                                  'Thanh An Commune, Dien Bien Province'
    convert_legacy(province_code, district_name, commune_name)
                                                  an old (district-era) address -> its 2025 commune,
                                                  or None when it cannot be told

The package (2025.10.1) has no table from the old communes to the new ones: an old address is
converted only where the shop holds the merger itself (Điện Biên's `successor` links). Names
alone cannot do it: 2022 Sam Mứn went into 2025 Thanh An while a different 2025 Sam Mứn exists.
"""
import re
import unicodedata

from django.db.models import Case, IntegerField, Q, Value, When

from shop.errors import CommonErrorCode, ShopError, pick
from shop.models import Commune, Province, search_key
from shop.text import clean_text, nfc

MAX_SEARCH_CHARS = 60

_D = str.maketrans({"đ": "d", "Đ": "D"})

KIND_VI = {
    Commune.Kind.COMMUNE: "Xã", Commune.Kind.WARD: "Phường", Commune.Kind.TOWNSHIP: "Thị trấn",
    Commune.Kind.SPECIAL_ZONE: "Đặc khu",
}
KIND_EN = {
    Commune.Kind.COMMUNE: "Commune", Commune.Kind.WARD: "Ward", Commune.Kind.TOWNSHIP: "Township",
    Commune.Kind.SPECIAL_ZONE: "Special Zone",
}
# A search may start with the kind's word ('phuong dien bien', 'xa thanh an'): it then also
# matches the rest of the words among the units of that kind.
KIND_WORDS = (
    ("dac khu", Commune.Kind.SPECIAL_ZONE), ("thi tran", Commune.Kind.TOWNSHIP), ("phuong", Commune.Kind.WARD),
    ("xa", Commune.Kind.COMMUNE), ("p", Commune.Kind.WARD), ("x", Commune.Kind.COMMUNE),
)
# What people write before an old district's or commune's name, folded.
_DISTRICT_PREFIXES = ("thanh pho ", "thi xa ", "huyen ", "quan ", "tp ", "tx ", "h ", "q ")
_COMMUNE_PREFIXES = ("thi tran ", "phuong ", "xa ", "tt ", "p ", "x ")


def plain(text: str) -> str:
    """Without diacritics, case kept: 'Điện Biên Phủ' -> 'Dien Bien Phu' (English labels)."""
    decomposed = unicodedata.normalize("NFD", nfc(text).translate(_D))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def province_code_of(value) -> str | None:
    """'11', 11, ' 1 ' -> '11', '01'; anything else -> None."""
    text = str(value if value is not None else "").strip()
    if not re.fullmatch(r"\d{1,2}", text):
        return None
    return f"{int(text):02d}"


def _unknown_province(value) -> ShopError:
    return ShopError(
        CommonErrorCode.UNKNOWN_PROVINCE,
        f"Không có tỉnh, thành phố mã “{str(value)[:10]}”; hãy chọn trong danh sách tỉnh, thành phố.",
        f"There is no province with code “{str(value)[:10]}”; choose one from the list of provinces.",
        field="province",
    )


def provinces() -> list[Province]:
    """The 34 provinces and centrally-run cities since 1 July 2025, Hà Nội first (GSO order). One query."""
    return list(Province.objects.order_by("code"))


def province(code) -> Province | None:
    code = province_code_of(code)
    return Province.objects.filter(code=code).first() if code else None


def _word_match(key: str) -> Q:
    return Q(folded_name__startswith=key) | Q(folded_name__contains=f" {key}")


def communes(province_code, search: str | None = None, limit: int | None = None) -> list[Commune]:
    """The 2025 communes, wards and special zones of a province, with their province (one query).

    `search` ignores diacritics, case and punctuation ('dien bien phu' finds Phường Điện Biên
    Phủ) and matches a name's start or any of its words' starts ('thanh' finds Thanh An and
    Mường Thanh); a leading kind word narrows to that kind ('phuong muong' finds wards only,
    as well as names that begin with the word; the word alone lists that kind). Exact names first, then names that begin with
    the search, then the others, each alphabetically (without diacritics).

    Raises ShopError('unknown_province') for a code that names no province.
    """
    code = province_code_of(province_code)
    if code is None:
        raise _unknown_province(province_code)
    rows = Commune.objects.filter(era=Commune.Era.Y2025, province__code=code).select_related("province")
    key = search_key(clean_text(search)[:MAX_SEARCH_CHARS]) if search else ""
    if key:
        exact, prefix, match = Q(folded_name=key), Q(folded_name__startswith=key), _word_match(key)
        for word, kind in KIND_WORDS:
            if key == word and len(word) > 1:  # 'dac khu' alone: every special zone
                match |= Q(kind=kind)
            rest = key[len(word) + 1:] if key.startswith(f"{word} ") else ""
            if rest:
                of_kind = Q(kind=kind)
                exact |= of_kind & Q(folded_name=rest)
                prefix |= of_kind & Q(folded_name__startswith=rest)
                match |= of_kind & _word_match(rest)
        rank = Case(When(exact, then=Value(0)), When(prefix, then=Value(1)), default=Value(2),
                    output_field=IntegerField())
        rows = rows.filter(match).annotate(rank=rank).order_by("rank", "folded_name", "id")
    else:
        rows = rows.order_by("folded_name", "id")
    if limit is not None:
        rows = rows[: max(0, int(limit))]
    found = list(rows)
    if not found and not Province.objects.filter(code=code).exists():
        raise _unknown_province(province_code)
    return found


def province_label(province: Province, language: str | None = None) -> str:
    """'tỉnh Điện Biên', 'thành phố Hà Nội' / 'Dien Bien Province', 'Ha Noi City'."""
    if pick("vi", "en", language) == "en":
        return province.name_en if province.kind == Province.Kind.CITY else f"{province.name_en} Province"
    if province.kind == Province.Kind.CITY:
        return f"thành phố {province.short_name}"
    return f"tỉnh {province.name}"


def commune_label(commune: Commune, language: str | None = None) -> str:
    """A commune as an address line names it, in the given (or active) language:
    'Xã Thanh An, tỉnh Điện Biên' / 'Thanh An Commune, Dien Bien Province'. A 2022 commune names
    its district too: 'Xã Quài Cang, huyện Tuần Giáo, tỉnh Điện Biên'. Reads commune.province
    (select_related it for lists); a 2022 commune costs one query for its province."""
    english = pick("vi", "en", language) == "en"
    parts = [f"{plain(commune.name)} {KIND_EN.get(commune.kind, '')}".strip() if english
             else f"{KIND_VI.get(commune.kind, '')} {commune.name}".strip()]
    place = commune.province if commune.province_id else None
    if place is None and commune.district_id:
        district = commune.district
        if english:
            parts.append(district.name_en or plain(district.name))
        else:
            parts.append(district.name[:1].lower() + district.name[1:])
        place = Province.objects.filter(code=district.province_code).first()
    if place is not None:
        parts.append(province_label(place, "en" if english else "vi"))
    return ", ".join(parts)


def _names(text: str, prefixes) -> set[str]:
    """The search keys a written name may stand for: as written, and without a kind word."""
    key = search_key(clean_text(text)[:MAX_SEARCH_CHARS]) if text else ""
    keys = {key} if key else set()
    for prefix in prefixes:
        if key.startswith(prefix) and key[len(prefix):]:
            keys.add(key[len(prefix):])
    return keys


def convert_legacy(province_code, district_name: str | None, commune_name: str | None) -> Commune | None:
    """The 2025 commune an old, district-era address lies in ('huyện Điện Biên', 'xã Sam Mứn' ->
    Xã Thanh An), or None when it cannot be told: an unknown province, district or commune, a
    commune whose merger the shop does not hold (outside Điện Biên: the package has no table of
    mergers), or a commune name that stands in several districts when no district is given.
    Diacritics, case and kind words ('huyện', 'H.', 'xã', 'TT') are optional. One query."""
    code = province_code_of(province_code)
    commune_keys = _names(commune_name or "", _COMMUNE_PREFIXES)
    if code is None or not commune_keys:
        return None
    district_keys = _names(district_name or "", _DISTRICT_PREFIXES)
    candidates = (
        Commune.objects.filter(era=Commune.Era.Y2022, district__province_code=code, folded_name__in=commune_keys)
        .select_related("district", "successor__province")
    )
    found = []
    for old in candidates:
        if district_keys:
            names = {search_key(old.district.name), search_key(old.district.short_name)}
            if not names & district_keys:
                continue
        found.append(old)
    successors = {old.successor_id for old in found}
    if len(successors) != 1 or None in successors:
        return None
    return found[0].successor
