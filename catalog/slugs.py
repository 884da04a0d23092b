"""The one slug function of the catalogue: Vietnamese names to URL slugs.

'Mật ong hoa ban Mường Ảng' -> 'mat-ong-hoa-ban-muong-ang', 'Đậu đỏ' -> 'dau-do'. The transliteration
is python-slugify's (text-unidecode underneath), after đ/Đ are folded to d/D by hand (they are letters
of their own, not d + a mark). Producer and Product fill a blank slug with it when saved (the admin
form leaves the slug optional), and the admin's own slug preview in the browser is taught the same
folding (catalog/static/catalog/admin/urlify_vi.js).
"""
from slugify import slugify

_D = str.maketrans({"đ": "d", "Đ": "D"})


def make_slug(text: str, max_length: int = 80) -> str:
    """'Chẳm chéo M'Then' -> 'cham-cheo-m-then'; never empty ('x' for text without letters)."""
    slug = slugify((text or "").translate(_D), max_length=max_length, word_boundary=False, save_order=True)
    return slug.strip("-") or "x"


def unique_slug(model, text: str, *, max_length: int, exclude_pk=None, field: str = "slug") -> str:
    """make_slug(text), with -2, -3 … appended while another row of `model` has it."""
    base = make_slug(text, max_length)
    taken = model._default_manager.filter(**{f"{field}__startswith": base})
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    used = set(taken.values_list(field, flat=True))
    slug, n = base, 1
    while slug in used:
        n += 1
        suffix = f"-{n}"
        slug = base[: max_length - len(suffix)].rstrip("-") + suffix
    return slug
