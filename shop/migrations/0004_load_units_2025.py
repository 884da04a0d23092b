"""Load the country's administrative units since 1 July 2025 from the `vietnam-provinces`
package (pinned in pyproject.toml): 34 provinces and 3,321 communes, wards and special zones.

Every database gets them (`make run`, the tests). Idempotent, like an update_or_create by
code, in bulk: a unit already here (found by its GSO code, or by the slug the demo loader
gives Điện Biên's 2025 communes) is updated, the others are created. Điện Biên's rows get
exactly that demo slug ('xa-thanh-an-2025'), so catalog/demo/loader.py, which runs after the
migrations and finds 2025 communes by slug, updates these rows instead of adding twins;
the other provinces' slugs carry the unit's own code ('xa-thanh-an-26734'), since names
repeat across provinces and, without diacritics, within one (Thanh An and Thạnh An, Hồ Chí Minh City). The helpers are copied here, frozen, as a migration must not follow
later changes of the app's code.
"""
import re
import unicodedata

from django.db import migrations

DEMO_PROVINCE = "11"  # Điện Biên: the demo loader's own 2025 communes
KINDS = {"xã": ("xa", "Xã "), "phường": ("phuong", "Phường "), "đặc khu": ("dac_khu", "Đặc khu ")}
_D = str.maketrans({"đ": "d", "Đ": "D"})


def _nfc(text):
    return unicodedata.normalize("NFC", text or "")


def _plain(text):
    """Without marks, case kept: 'Điện Biên' -> 'Dien Bien'."""
    decomposed = unicodedata.normalize("NFD", _nfc(text).translate(_D))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _fold(text):
    return _plain(text).lower()


def _search_key(text):
    folded = re.sub(r"['’‘`]", "", _fold(text))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", folded).split())


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "-", _fold(text)).strip("-")[:80].rstrip("-") or "x"


def _province_values(p):
    name = " ".join(_nfc(p.name).split())
    city = p.division_type.value == "thành phố trung ương"
    short = name.removeprefix("Thành phố ")
    return f"{int(p.code):02d}", {
        "name": name,
        "name_en": f"{_plain(short)} City" if city else _plain(name),
        "codename": p.codename,
        "kind": "thanh_pho" if city else "tinh",
    }


def _ward_values(w):
    kind, prefix = KINDS[w.division_type.value]
    full = " ".join(_nfc(w.name).split())  # a few names have a double space: 'Xã  Đại Hải'
    name = full[len(prefix):] if full.startswith(prefix) else full
    code, province = f"{int(w.code):05d}", f"{int(w.province_code):02d}"
    slug = _slug(f"{kind}-{name}-2025") if province == DEMO_PROVINCE else _slug(f"{kind}-{name}-{code}")
    return code, province, slug, {"name": name, "kind": kind, "folded_name": _search_key(name)}


def load_units(apps, schema_editor):
    from vietnam_provinces import Province as PackageProvince
    from vietnam_provinces import Ward

    Province = apps.get_model("shop", "Province")
    Commune = apps.get_model("shop", "Commune")

    existing = {p.code: p for p in Province.objects.all()}
    new, changed = [], []
    for p in PackageProvince.iter_all():
        code, values = _province_values(p)
        row = existing.get(code)
        if row is None:
            new.append(Province(code=code, **values))
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            changed.append(row)
    Province.objects.bulk_create(new)
    Province.objects.bulk_update(changed, ["name", "name_en", "codename", "kind"])
    provinces = {p.code: p for p in Province.objects.all()}

    wards = [_ward_values(w) for w in Ward.iter_all()]
    by_code = {c.code: c for c in Commune.objects.filter(era=2025, code__in=[w[0] for w in wards])}
    by_slug = {c.slug: c for c in Commune.objects.filter(slug__in=[w[2] for w in wards])}
    new, changed = [], []
    for code, province, slug, values in wards:
        values = {**values, "province_id": provinces[province].pk}
        row = by_code.get(code) or by_slug.get(slug)
        if row is None:
            new.append(Commune(code=code, slug=slug, era=2025, **values))
            continue
        if row.era != 2025:
            raise RuntimeError(f"commune slug {slug} is taken by a {row.era} commune")
        values["code"] = code
        if any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            changed.append(row)
    Commune.objects.bulk_create(new, batch_size=500)
    Commune.objects.bulk_update(changed, ["code", "name", "kind", "folded_name", "province"], batch_size=500)

    # Communes that were here before (the demo's 2022 communes): their search key.
    unfolded = list(Commune.objects.filter(folded_name=""))
    for c in unfolded:
        c.folded_name = _search_key(c.name)
    Commune.objects.bulk_update(unfolded, ["folded_name"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("shop", "0003_provinces_2025"),
    ]

    operations = [
        migrations.RunPython(load_units, migrations.RunPython.noop, elidable=False),
    ]
