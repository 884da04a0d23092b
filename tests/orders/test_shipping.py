"""Delivery across Vietnam: zones by commune, weight brackets, the free threshold, and products
that may not travel far."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders import shipping
from orders.models import ShippingZone
from shop.models import Commune


@pytest.fixture
def honey(make_product):
    variant = make_product("Mật ong hoa ban").variants.get()
    variant.weight_grams = 400
    variant.save()
    return variant


def ward(province_code, name):
    return Commune.objects.get(era=2025, province__code=province_code, name=name)


@pytest.mark.parametrize(("province", "name", "zone"), [
    ("01", "Hoàn Kiếm", "mien-bac"), ("79", "Sài Gòn", "mien-nam"), ("48", "Hải Châu", "mien-trung"),
    ("96", "Tân Thành", "mien-nam"), ("91", "Phú Quốc", "hai-dao"),
])
def test_a_commune_anywhere_in_vietnam_has_its_zone(db, province, name, zone):
    assert shipping.zone_for(ward(province, name)).code == zone


def test_home_province_communes_use_their_2022_district(db):
    from shop.models import District

    district = District.objects.create(code="102", name="Huyện Mường Ảng")
    old = Commune.objects.create(slug="xa-ang-to-2022", name="Ẳng Tở", era=2022, district=district)
    assert shipping.zone_for(old).code == "dien-bien-trung-tam"
    assert shipping.zone_for_province("11").kind == ShippingZone.Kind.HOME


def test_fees_follow_the_weight_brackets_then_the_price_per_kilogram(db, honey):
    zone = ShippingZone.objects.get(code="mien-bac")
    assert [shipping.fee_for(zone, g) for g in (400, 1000, 1001, 2000, 5000, 5001, 7200)] == [
        30_000, 30_000, 40_000, 40_000, 55_000, 63_000, 79_000]
    quote = shipping.quote(zone, [(honey, 3)], subtotal_vnd=300_000)
    assert (quote.grams, quote.fee_vnd, quote.days_min, quote.days_max, quote.free) == (1200, 40_000, 2, 4, False)


def test_delivery_is_free_from_the_threshold(db, honey, settings):
    settings.SHIPPING_FREE_OVER_VND = 500_000
    zone = ShippingZone.objects.get(code="mien-nam")
    assert shipping.quote(zone, [(honey, 1)], subtotal_vnd=499_999).fee_vnd == 42_000
    quote = shipping.quote(zone, [(honey, 1)], subtotal_vnd=500_000)
    assert quote.fee_vnd == 0 and quote.free


def test_fresh_produce_is_refused_where_it_cannot_arrive_in_time(db, make_product):
    pomelo = make_product("Bưởi da xanh Mường Ảng", max_transit_days=4).variants.get()
    greens = make_product("Rau cải mèo", max_transit_days=0).variants.get()
    north, south = ShippingZone.objects.get(code="mien-bac"), ShippingZone.objects.get(code="mien-nam")
    home = ShippingZone.objects.get(code="dien-bien-noi-thanh")
    assert shipping.quote(north, [(pomelo, 1)], 0).deliverable
    refused = shipping.quote(south, [(pomelo, 1), (greens, 1)], 0).refusals
    assert [r.variant_id for r in refused] == [pomelo.pk, greens.pk]
    assert "tới Miền Nam mất tới 6 ngày" in refused[0].message_vi and "within Điện Biên province only" in refused[1].message_en
    assert shipping.quote(home, [(greens, 1)], 0).deliverable


def test_the_product_page_estimate(db, honey, make_product):
    assert shipping.estimate(honey).text("vi") == "Giao toàn quốc 2–6 ngày, từ 30.000\xa0₫"
    assert shipping.estimate(honey).text("en") == "Delivery across Vietnam in 2–6 days, from ₫30,000"
    greens = make_product("Rau cải mèo", max_transit_days=0).variants.get()
    text = shipping.estimate(greens).text("vi")
    assert text.startswith("Chỉ giao tới: Điện Biên Phủ và huyện Điện Biên, ") and "1–3 ngày, từ 20.000" in text


def test_province_officers_edit_zones_in_the_admin_and_others_cannot(db, client, admin_client, django_user_model):
    zone = ShippingZone.objects.get(code="mien-bac")
    assert "Miền Bắc" in admin_client.get("/admin/orders/shippingzone/").content.decode()
    assert admin_client.get(f"/admin/orders/shippingzone/{zone.pk}/change/").status_code == 200
    clerk = django_user_model.objects.create_user(username="c", email="c@example.com", password="x", is_staff=True)
    client.force_login(clerk)
    assert client.get("/admin/orders/shippingzone/").status_code == 403


def test_the_shipping_zones_are_read_in_one_query_as_prefetch_related_reads_them(make_product):

    ShippingZone.objects.create(code="zz-no-rates", name="Vùng thử", name_en="Test zone", kind="REGION",
                                province_codes=["99"], district_codes=[], days_min=3, days_max=9, position=99)
    with CaptureQueriesContext(connection) as captured:
        zones = shipping._zones()
    assert len(captured) == 1
    expected = list(ShippingZone.objects.prefetch_related("rates"))
    assert [z.pk for z in zones] == [z.pk for z in expected] and len(zones) > 2
    for mine, theirs in zip(zones, expected, strict=True):
        assert [(f.attname, getattr(mine, f.attname)) for f in ShippingZone._meta.concrete_fields] == \
            [(f.attname, getattr(theirs, f.attname)) for f in ShippingZone._meta.concrete_fields]
        with CaptureQueriesContext(connection) as captured:
            rates = [(r.pk, r.up_to_grams, r.fee_vnd, r.zone is mine) for r in mine.rates.all()]
        assert len(captured) == 0
        assert rates == [(r.pk, r.up_to_grams, r.fee_vnd, True) for r in sorted(theirs.rates.all(), key=lambda r: r.up_to_grams)]
    assert zones[-1].code == "zz-no-rates" and list(zones[-1].rates.all()) == []
    for transit in (None, 0, 2, 5):
        variant = make_product("Rau thử", max_transit_days=transit).variants.get()
        assert shipping.estimate(variant, zones) == shipping.estimate(variant, expected)


