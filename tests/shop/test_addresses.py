"""Addresses for the whole country since 1 July 2025 (shop/addresses.py, migration 0004, GraphQL)."""
import importlib

import pytest
from django.apps import apps
from django.db.models import Count

from catalog.demo.loader import DemoLoader
from shop import addresses
from shop.errors import ShopError
from shop.models import Commune, Province

LOAD_UNITS = importlib.import_module("shop.migrations.0004_load_units_2025").load_units


@pytest.fixture(autouse=True)
def units(db):
    """The migration's rows (a transactional test elsewhere in the session may have flushed them)."""
    if Province.objects.count() != 34:
        LOAD_UNITS(apps, None)


def names(rows):
    return [str(c) for c in rows]


def test_the_34_provinces_and_3321_units_of_2025_are_in_the_database():
    provinces = addresses.provinces()
    assert len(provinces) == 34
    assert provinces[0].code == "01"  # GSO order: Hà Nội first
    by_code = {p.code: p for p in provinces}
    assert (by_code["11"].name, by_code["11"].name_en, by_code["11"].kind) == ("Điện Biên", "Dien Bien", "tinh")
    assert (by_code["01"].name, by_code["01"].name_en, by_code["01"].kind) == ("Thành phố Hà Nội", "Ha Noi City", "thanh_pho")
    assert by_code["79"].name_en == "Ho Chi Minh City" and by_code["96"].name_en == "Ca Mau"
    assert sum(p.kind == Province.Kind.CITY for p in provinces) == 6

    current = Commune.objects.filter(era=2025)
    assert current.count() == 3321 and not current.filter(province=None).exists()
    assert dict(current.values_list("kind").annotate(n=Count("id"))) == {"xa": 2621, "phuong": 687, "dac_khu": 13}
    dien_bien = current.filter(province__code="11")
    assert dict(dien_bien.values_list("kind").annotate(n=Count("id"))) == {"xa": 42, "phuong": 3}
    assert set(dien_bien.filter(kind="phuong").values_list("name", flat=True)) == {"Điện Biên Phủ", "Mường Thanh", "Mường Lay"}
    hoan_kiem = current.get(province__code="01", name="Hoàn Kiếm")
    assert (hoan_kiem.kind, hoan_kiem.code, hoan_kiem.folded_name) == ("phuong", "00070", "hoan kiem")
    assert current.filter(province__code="01").count() == 126
    # Names are cleaned ('Xã  Đại Hải' has a double space in the package) and stored without the kind word.
    assert current.get(code="31561").name == "Đại Hải"


def test_loading_again_changes_nothing():
    before = list(Commune.objects.filter(era=2025).order_by("code").values_list("pk", "code", "slug", "name", "province__code"))
    LOAD_UNITS(apps, None)
    after = list(Commune.objects.filter(era=2025).order_by("code").values_list("pk", "code", "slug", "name", "province__code"))
    assert after == before and Province.objects.count() == 34


def test_search_ignores_diacritics_case_and_matches_word_starts(django_assert_num_queries):
    with django_assert_num_queries(1):
        found = addresses.communes("11", "dien bien phu")
    assert names(found) == ["phường Điện Biên Phủ"]
    assert found[0].province.name == "Điện Biên"  # came with the same query
    assert names(addresses.communes("11", "QUAI TO")) == ["xã Quài Tở"]
    assert names(addresses.communes("11", "  Mường   THANH ")) == ["phường Mường Thanh"]
    # A name's start first, then a later word's start: Thanh An before Mường Thanh.
    thanh = names(addresses.communes("11", "thanh"))
    assert thanh == ["xã Thanh An", "xã Thanh Nưa", "xã Thanh Yên", "phường Mường Thanh"]
    assert names(addresses.communes("11", "anh")) == []  # inside a word is not a match
    # A leading kind word narrows to that kind.
    assert names(addresses.communes("11", "phuong muong")) == ["phường Mường Lay", "phường Mường Thanh"]
    assert names(addresses.communes("11", "xa thanh an")) == ["xã Thanh An"]
    assert [c.name for c in addresses.communes("22", "dac khu")] == ["Cô Tô", "Vân Đồn"]
    # Punctuation and apostrophes: 'Văn Miếu - Quốc Tử Giám', "M’Drắk".
    assert [c.code for c in addresses.communes("01", "van mieu quoc")] == ["00196"]
    assert [c.name for c in addresses.communes("66", "mdrak")] == ["M’Drắk"]
    # Two names that fold alike are both found (Thanh An and Thạnh An, Hồ Chí Minh City).
    assert sorted(c.name for c in addresses.communes("79", "thanh an")) == ["Thanh An", "Thạnh An"]
    # Hà Nội's wards are Hà Nội's only, and a province code may be written without its zero.
    assert names(addresses.communes("1", "hoan kiem")) == ["phường Hoàn Kiếm"]
    assert addresses.communes("11", "hoan kiem") == []


def test_listing_a_province_and_its_limits(django_assert_num_queries):
    with django_assert_num_queries(1):
        everything = addresses.communes("11")
    assert len(everything) == 45
    assert [c.folded_name for c in everything] == sorted(c.folded_name for c in everything)
    assert len(addresses.communes("11", "muong", limit=3)) == 3
    assert len(addresses.communes("11", "%")) == 45  # nothing left to search with: the whole list
    assert addresses.communes("11", "_") == addresses.communes("11")


@pytest.mark.parametrize("code", ["99", "abc", "", None, "111", "1; drop"])
def test_an_unknown_province_is_a_bilingual_error(code):
    with pytest.raises(ShopError) as caught:
        addresses.communes(code, "thanh")
    assert caught.value.code == "unknown_province" and caught.value.field == "province"
    assert "province" in caught.value.message_en and "tỉnh" in caught.value.message_vi


def test_labels_in_both_languages():
    thanh_an = Commune.objects.get(era=2025, province__code="11", name="Thanh An")
    assert addresses.commune_label(thanh_an, "vi") == "Xã Thanh An, tỉnh Điện Biên"
    assert addresses.commune_label(thanh_an, "en") == "Thanh An Commune, Dien Bien Province"
    hoan_kiem = Commune.objects.get(code="00070")
    assert addresses.commune_label(hoan_kiem, "vi") == "Phường Hoàn Kiếm, thành phố Hà Nội"
    assert addresses.commune_label(hoan_kiem, "en") == "Hoan Kiem Ward, Ha Noi City"
    con_dao = Commune.objects.get(era=2025, name="Côn Đảo")
    assert addresses.commune_label(con_dao, "vi") == "Đặc khu Côn Đảo, thành phố Hồ Chí Minh"
    assert addresses.commune_label(con_dao, "en") == "Con Dao Special Zone, Ho Chi Minh City"


def test_the_demo_loader_reuses_dien_biens_2025_communes_instead_of_adding_twins(demo_without_lots):
    with demo_without_lots():
        DemoLoader(with_images=False).run()
        DemoLoader(with_images=False).run()
    dien_bien = Commune.objects.filter(era=2025, province__code="11")
    assert dien_bien.count() == 45
    assert Commune.objects.filter(era=2025).count() == 3321  # no 2025 commune without a province
    twins = Commune.objects.filter(era=2025).values("province", "name", "kind").annotate(n=Count("id")).filter(n__gt=1)
    assert not twins.exists()
    # The demo's 2022 communes point at the package's rows.
    sam_mun_2022 = Commune.objects.get(era=2022, name="Sam Mứn")
    assert (sam_mun_2022.successor.code, sam_mun_2022.successor.province.code) == ("03352", "11")
    assert sam_mun_2022.successor.slug == "xa-thanh-an-2025"  # the slug the demo has always given it
    assert sam_mun_2022.folded_name == "sam mun"
    assert Commune.objects.get(era=2025, name="Sam Mứn").predecessors.filter(name="Pom Lót").exists()


def test_the_migration_adopts_communes_the_demo_made_before_it():
    """A database whose demo was loaded before migration 0004: its 2025 rows are updated, not doubled."""
    Commune.objects.all().delete()
    Province.objects.all().delete()
    DemoLoader(with_images=False).load_units()
    made = dict(Commune.objects.filter(era=2025).values_list("slug", "pk"))
    assert len(made) == 11 and not Commune.objects.filter(folded_name="").exists()
    LOAD_UNITS(apps, None)
    assert Commune.objects.filter(era=2025).count() == 3321
    adopted = dict(Commune.objects.filter(slug__in=made).values_list("slug", "pk"))
    assert adopted == made
    assert not Commune.objects.filter(pk__in=made.values(), province=None).exists()
    assert not Commune.objects.filter(pk__in=made.values(), code="").exists()


def test_an_old_address_is_converted_where_the_merger_is_known(django_assert_num_queries):
    DemoLoader(with_images=False).load_units()
    thanh_an = Commune.objects.get(era=2025, province__code="11", name="Thanh An")
    with django_assert_num_queries(1):
        assert addresses.convert_legacy("11", "Huyện Điện Biên", "Xã Sam Mứn") == thanh_an
    assert addresses.convert_legacy(11, "dien bien", "sam mun") == thanh_an
    assert addresses.convert_legacy("11", "H. Điện Biên", "x. Sam Mứn") == thanh_an
    # The name alone would be wrong: the 2025 Sam Mứn is another commune (Pom Lót went into it).
    assert addresses.convert_legacy("11", "Điện Biên", "Pom Lót").name == "Sam Mứn"
    assert addresses.convert_legacy("11", None, "Pom Lót").name == "Sam Mứn"  # one district has the name
    assert addresses.convert_legacy("11", "Thành phố Điện Biên Phủ", "phường Mường Thanh").kind == "phuong"
    assert addresses.convert_legacy("11", "Thị xã Mường Lay", "Sam Mứn") is None  # not in that district
    assert addresses.convert_legacy("11", "Tuần Giáo", "Quài Cang") is None  # merger not held by the shop
    assert addresses.convert_legacy("11", "Điện Biên", "Nowhere") is None
    assert addresses.convert_legacy("01", "Hoàn Kiếm", "Hàng Bạc") is None  # the package has no merger table
    assert addresses.convert_legacy("x", "Điện Biên", "Sam Mứn") is None
    assert addresses.convert_legacy("11", "Điện Biên", "") is None
    # An old commune's label names its district.
    sam_mun_2022 = Commune.objects.get(era=2022, name="Sam Mứn")
    assert addresses.commune_label(sam_mun_2022, "vi") == "Xã Sam Mứn, huyện Điện Biên, tỉnh Điện Biên"
    assert addresses.commune_label(sam_mun_2022, "en") == "Sam Mun Commune, Dien Bien District, Dien Bien Province"


PROVINCES = "{ provinces { code name nameEn kind label communes { id name kind label province { code } } } }"


def test_graphql_provinces_with_their_communes_in_two_queries(gql, django_assert_num_queries):
    with django_assert_num_queries(2):  # the provinces, then every province's communes at once
        body = gql(PROVINCES, language="en")["data"]["provinces"]
    assert len(body) == 34
    dien_bien = next(p for p in body if p["code"] == "11")
    assert (dien_bien["name"], dien_bien["nameEn"], dien_bien["kind"], dien_bien["label"]) == (
        "Điện Biên", "Dien Bien", "PROVINCE", "Dien Bien Province")
    assert len(dien_bien["communes"]) == 45
    assert {c["province"]["code"] for c in dien_bien["communes"]} == {"11"}
    assert "Dien Bien Phu Ward, Dien Bien Province" in {c["label"] for c in dien_bien["communes"]}
    assert sum(len(p["communes"]) for p in body) == 3321
    with django_assert_num_queries(1):  # without communes, no query for them
        assert len(gql("{ provinces { code } }")["data"]["provinces"]) == 34


COMMUNES = "query($p: String!, $s: String) { communes(province: $p, search: $s) { id code name kind label province { nameEn } } }"


def test_graphql_communes_search_in_one_query(gql, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = gql(COMMUNES, {"p": "11", "s": "dien bien phu"})["data"]["communes"]
    assert [(c["name"], c["kind"], c["label"], c["province"]["nameEn"]) for c in found] == [
        ("Điện Biên Phủ", "WARD", "Phường Điện Biên Phủ, tỉnh Điện Biên", "Dien Bien")]
    with django_assert_num_queries(1):
        ha_noi = gql(COMMUNES, {"p": "01"})["data"]["communes"]
    assert len(ha_noi) == 126
    # The id is the checkout's communeId: a global ID of a Commune.
    node = gql('query($id: ID!) { node(id: $id) { ... on Commune { name code } } }', {"id": found[0]["id"]})
    assert node["data"]["node"] == {"name": "Điện Biên Phủ", "code": found[0]["code"]}


def test_graphql_unknown_province_is_an_error_with_a_code(gql):
    body = gql(COMMUNES, {"p": "99"}, language="en", expect_errors=True)
    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "UNKNOWN_PROVINCE" and "no province" in error["message"]
