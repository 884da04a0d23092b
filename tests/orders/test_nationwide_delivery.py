"""Delivery anywhere in Vietnam through checkout (GraphQL and the services) on the demo network: the
2025 address, the zone's fee by weight, who sends the parcel, and what may not travel so far."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders import checkout as checkout_service
from orders.models import Checkout, Order, ShippingZone
from shop.errors import ShopError
from shop.graphql.core import global_id
from shop.models import Commune

CREATE = """mutation($input: CheckoutCreateInput!) { checkoutCreate(input: $input) {
  checkout { token } errors { field code message } } }"""
ADD = """mutation($token: UUID!, $lines: [CheckoutLineInput!]!) { checkoutLinesAdd(token: $token, lines: $lines) {
  errors { field code message } } }"""
DELIVERY = """mutation($token: UUID!, $address: AddressInput) {
  checkoutDeliveryMethodUpdate(token: $token, shippingAddress: $address) {
    checkout { deliveryMethod shippingVnd totalVnd subtotalVnd
               shippingAddress { commune district provinceCode province } }
    errors { field code message } } }"""
COMPLETE = """mutation($token: UUID!, $method: PaymentMethodEnum!) {
  checkoutComplete(token: $token, paymentMethod: $method) {
    order { number totalVnd routingReason fulfillments { salesPoint { code } } }
    errors { field code message } } }"""
QUOTE = """query($province: String!, $lines: [CheckoutLineInput!]!) { shippingQuote(province: $province, lines: $lines) {
  feeVnd daysMin daysMax grams free deliverable reason zone { code name kind } province { code }
  refusals { variantId message } } }"""


def commune(province_code, name) -> Commune:
    return Commune.objects.get(era=2025, province__code=province_code, name=name)


def gid(obj) -> str:
    return global_id(type(obj).__name__, obj.pk)


def line(variant, quantity):
    return {"variantId": gid(variant), "quantity": quantity}


def address(place, **extra):
    return {"fullName": "Nguyễn Thị Lan", "phone": "0912 345 678", "streetAddress": "Số 12 phố Hàng Bạc",
            "communeId": gid(place), **extra}


@pytest.fixture
def goods(points, make_product):
    """Honey that keeps (400 g), fresh pomelo that keeps 4 days in transit (1.2 kg), greens for the
    province only; each with stock at the provincial centre and at Mường Ảng."""
    def variant(name, grams, price, **kwargs):
        v = make_product(name, price=price, stock={points["tinh"]: 20, points["muong-ang"]: 20}, **kwargs).variants.get()
        v.weight_grams = grams
        v.save()
        return v

    class Goods:
        honey = variant("Mật ong hoa ban", 400, 150_000)
        pomelo = variant("Bưởi da xanh", 1200, 60_000, max_transit_days=4, name_en="Green-skin pomelo")
        greens = variant("Rau cải mèo", 300, 20_000, max_transit_days=0)
    return Goods


def checkout_with(gql, lines):
    made = gql(CREATE, {"input": {"lines": [line(v, q) for v, q in lines], "email": "lan@example.com"}})
    assert made["data"]["checkoutCreate"]["errors"] == []
    return made["data"]["checkoutCreate"]["checkout"]["token"]


def deliver(gql, token, place, **extra):
    return gql(DELIVERY, {"token": token, "address": address(place, **extra)})["data"]["checkoutDeliveryMethodUpdate"]


def test_a_hanoi_address_orders_honey_from_the_provincial_centre(gql, goods, points):
    token = checkout_with(gql, [(goods.honey, 2)])  # 800 g: the north's first bracket
    chosen = deliver(gql, token, commune("01", "Hoàn Kiếm"))
    assert chosen["errors"] == []
    got = chosen["checkout"]
    assert got["shippingVnd"] == 30_000 and got["totalVnd"] == 300_000 + 30_000
    assert got["shippingAddress"] == {"commune": "phường Hoàn Kiếm", "district": None, "provinceCode": "01",
                                      "province": "thành phố Hà Nội"}
    done = gql(COMPLETE, {"token": token, "method": "CASH_ON_DELIVERY"})["data"]["checkoutComplete"]
    assert done["errors"] == []
    order = done["order"]
    # Mường Ảng has the honey too; outside the province only the centre sends parcels.
    assert [f["salesPoint"]["code"] for f in order["fulfillments"]] == ["tinh"]
    assert order["routingReason"].startswith("Giao ngoài tỉnh: Trung tâm tỉnh gửi hàng đi toàn quốc.")
    assert "tới thành phố Hà Nội" in order["routingReason"] and order["totalVnd"] == 330_000
    placed = Order.objects.get(number=order["number"])
    assert (placed.shipping_vnd, placed.ship_commune.province.code) == (30_000, "01")
    assert placed.routing_reason_en.startswith("Out-of-province delivery: the provincial centre ships across Vietnam.")


def test_heavier_parcels_and_the_free_threshold(gql, goods, settings):
    token = checkout_with(gql, [(goods.honey, 3)])  # 1.2 kg: the ≤ 2 kg bracket of the north
    assert deliver(gql, token, commune("01", "Hoàn Kiếm"))["checkout"]["shippingVnd"] == 40_000
    settings.SHIPPING_FREE_OVER_VND = 450_000  # 3 × 150.000 ₫ reaches it
    seen = gql("query($t: UUID!) { checkout(token: $t) { shippingVnd totalVnd } }", {"t": token})["data"]["checkout"]
    assert seen == {"shippingVnd": 0, "totalVnd": 450_000}


def test_a_point_the_province_designates_sends_out_of_province_parcels(gql, goods, points, settings):
    settings.SHIPPING_NATIONWIDE_POINTS = ["muong-ang"]
    token = checkout_with(gql, [(goods.honey, 1)])
    deliver(gql, token, commune("79", "Sài Gòn"))
    order = gql(COMPLETE, {"token": token, "method": "CASH_ON_DELIVERY"})["data"]["checkoutComplete"]["order"]
    assert [f["salesPoint"]["code"] for f in order["fulfillments"]] == ["muong-ang"]
    assert "là điểm tỉnh chỉ định gửi hàng đi toàn quốc" in order["routingReason"]


def test_an_in_province_order_is_routed_and_priced_as_before(gql, goods, points, settings):
    settings.SHIPPING_NATIONWIDE_POINTS = ["dien-bien"]  # changes nothing inside the province
    token = checkout_with(gql, [(goods.honey, 1)])
    old = Commune.objects.get(district__code="102", name="Búng Lao")  # a 2022 commune: still accepted
    chosen = deliver(gql, token, old)
    assert chosen["errors"] == [] and chosen["checkout"]["shippingVnd"] == 30_000  # the central zone, ≤ 1 kg
    assert chosen["checkout"]["shippingAddress"]["district"] == "Huyện Mường Ảng"
    order = gql(COMPLETE, {"token": token, "method": "CASH_ON_DELIVERY"})["data"]["checkoutComplete"]["order"]
    assert [f["salesPoint"]["code"] for f in order["fulfillments"]] == ["muong-ang"]
    assert "ngoài tỉnh" not in order["routingReason"] and "điểm bán cấp huyện" in order["routingReason"]


def test_a_special_zone_address_uses_the_remote_zone(gql, goods):
    token = checkout_with(gql, [(goods.honey, 1)])
    island = commune("91", "Phú Quốc")  # đặc khu Phú Quốc, An Giang
    assert island.kind == Commune.Kind.SPECIAL_ZONE
    assert deliver(gql, token, island)["checkout"]["shippingVnd"] == 60_000  # hai-dao, not the south's 42.000
    assert deliver(gql, token, commune("91", "Long Xuyên"))["checkout"]["shippingVnd"] == 42_000
    assert checkout_service.totals(Checkout.objects.get(token=token)).shipping.zone.code == "mien-nam"


def test_fresh_pomelo_to_ca_mau_is_refused_before_completion_with_the_line_named(gql, goods):
    token = checkout_with(gql, [(goods.honey, 1), (goods.pomelo, 1)])
    refused = deliver(gql, token, commune("96", "An Xuyên"))
    assert refused["checkout"] is None
    (error,) = refused["errors"]
    assert error["code"] == "cannot_ship_there" and error["field"] == "shippingAddress.communeId"
    assert error["message"].startswith("Không giao được tới tỉnh Cà Mau: Bưởi da xanh chỉ chịu được 4 ngày vận chuyển")
    assert "Mật ong" not in error["message"]
    assert Checkout.objects.get(token=token).delivery_kind == ""  # nothing saved
    # Hà Nội is within the pomelo's 4 days.
    assert deliver(gql, token, commune("01", "Hoàn Kiếm"))["errors"] == []


def test_a_line_added_after_the_address_is_refused_at_completion(gql, goods):
    token = checkout_with(gql, [(goods.honey, 1)])
    assert deliver(gql, token, commune("96", "An Xuyên"))["errors"] == []
    gql(ADD, {"token": token, "lines": [line(goods.greens, 2)]})
    done = gql(COMPLETE, {"token": token, "method": "CASH_ON_DELIVERY"})["data"]["checkoutComplete"]
    assert done["order"] is None
    (error,) = done["errors"]
    assert error["code"] == "cannot_ship_there" and "Rau cải mèo chỉ giao trong tỉnh Điện Biên" in error["message"]
    assert not Order.objects.exists()


def test_the_services_error_keeps_the_refused_lines(goods, points):
    checkout = checkout_service.create_checkout(lines=[(goods.pomelo.pk, 1), (goods.greens.pk, 1), (goods.honey.pk, 1)],
                                                phone="0912345678")
    with pytest.raises(ShopError) as exc:
        checkout_service.set_delivery(token=checkout.token, address={
            "full_name": "Lê Văn Nam", "street_address": "Ấp 3, xã Tân Thành", "commune_id": commune("96", "Tân Thành").pk})
    assert exc.value.code == "cannot_ship_there"
    assert [r.variant_id for r in exc.value.refusals] == [goods.pomelo.pk, goods.greens.pk]
    assert "Green-skin pomelo keeps for 4 days in transit" in exc.value.message_en


def test_an_old_district_era_address_is_converted(goods, points):
    checkout = checkout_service.create_checkout(lines=[(goods.honey.pk, 1)], phone="0912345678")
    base = {"full_name": "Lò Văn Pánh", "street_address": "Bản Na Ư, tổ 2", "commune_id": None}
    done = checkout_service.set_delivery(token=checkout.token, address={
        **base, "legacy_district": "H. Điện Biên", "legacy_commune": "xa na u"})
    assert (done.ship_commune.era, done.ship_commune.name, done.ship_commune.province.code) == (2025, "Sam Mứn", "11")
    with pytest.raises(ShopError) as exc:
        checkout_service.set_delivery(token=checkout.token, address={
            **base, "legacy_district": "Quận Ba Đình", "legacy_commune": "Phường Điện Biên", "province": "01"})
    assert exc.value.code == "commune_not_found" and "Phường Điện Biên, Quận Ba Đình" in exc.value.message_vi


def test_a_commune_outside_the_province_chosen_is_refused(goods, points):
    checkout = checkout_service.create_checkout(lines=[(goods.honey.pk, 1)], phone="0912345678")
    with pytest.raises(ShopError) as exc:
        checkout_service.set_delivery(token=checkout.token, address={
            "full_name": "Nguyễn Lan", "street_address": "Số 1 Tràng Tiền", "province": "01",
            "commune_id": commune("11", "Mường Thanh").pk})
    assert exc.value.code == "commune_not_found" and exc.value.message_vi == (
        "Xã / phường đã chọn không thuộc thành phố Hà Nội; hãy chọn lại xã / phường.")


def test_totals_cost_the_same_queries_whatever_the_number_of_lines(goods, make_product, points):
    few = checkout_service.create_checkout(lines=[(goods.honey.pk, 1)], phone="0912345678")
    many = checkout_service.create_checkout(
        lines=[(goods.honey.pk, 1), (goods.pomelo.pk, 1)]
        + [(make_product(f"Chè {i}", stock={points["tinh"]: 3}).variants.get().pk, 1) for i in range(4)],
        phone="0912345678")
    counts = []
    for checkout in (few, many):
        checkout_service.set_delivery(token=checkout.token, address={
            "full_name": "Nguyễn Lan", "street_address": "Số 1 Tràng Tiền", "commune_id": commune("01", "Hoàn Kiếm").pk})
        fresh = checkout_service.get_checkout(checkout.token)
        with CaptureQueriesContext(connection) as seen:
            checkout_service.totals(fresh)
        counts.append(len(seen))
    assert counts[0] == counts[1] <= 4


# -- shippingQuote ---------------------------------------------------------------------------------

def test_shipping_quote_to_a_province(gql, goods):
    lines = [line(goods.honey, 2), line(goods.pomelo, 1)]  # 2 kg: the ≤ 2 kg bracket
    north = gql(QUOTE, {"province": "01", "lines": lines})["data"]["shippingQuote"]
    assert north == {"feeVnd": 40_000, "daysMin": 2, "daysMax": 4, "grams": 2000, "free": False, "deliverable": True,
                     "reason": None, "zone": {"code": "mien-bac", "name": "Miền Bắc", "kind": "NORTH"},
                     "province": {"code": "01"}, "refusals": []}
    south = gql(QUOTE, {"province": "96", "lines": lines + [line(goods.greens, 1)]})["data"]["shippingQuote"]
    assert south["zone"]["code"] == "mien-nam" and south["deliverable"] is False
    assert [r["variantId"] for r in south["refusals"]] == [gid(goods.pomelo), gid(goods.greens)]
    assert south["refusals"][0]["message"].startswith("Bưởi da xanh chỉ chịu được 4 ngày")
    english = gql(QUOTE, {"province": "96", "lines": [line(goods.pomelo, 1)]}, language="en")["data"]["shippingQuote"]
    assert english["zone"]["name"] == "The south" and "keeps for 4 days" in english["refusals"][0]["message"]


def test_shipping_quote_without_a_zone_or_with_bad_input(gql, goods):
    ShippingZone.objects.filter(code="mien-nam").delete()
    none = gql(QUOTE, {"province": "96", "lines": [line(goods.honey, 1)]})["data"]["shippingQuote"]
    assert none["zone"] is None and none["feeVnd"] is None and none["deliverable"] is False
    assert none["reason"] == "Chưa giao hàng tới tỉnh Cà Mau; hãy chọn nhận tại một điểm bán."
    unknown = gql(QUOTE, {"province": "99", "lines": [line(goods.honey, 1)]}, expect_errors=True)
    assert unknown["errors"][0]["extensions"]["code"] == "UNKNOWN_PROVINCE"
    too_many = gql(QUOTE, {"province": "01", "lines": [line(goods.honey, 10_000)]}, expect_errors=True)
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID_QUANTITY"
    goods.greens.product.is_published = False
    goods.greens.product.save()
    gone = gql(QUOTE, {"province": "01", "lines": [line(goods.honey, 1), line(goods.greens, 1)]}, expect_errors=True)
    assert gone["errors"][0]["extensions"] == {"code": "VARIANT_NOT_FOUND", "field": "lines.1.variantId"}


def test_shipping_quote_queries_do_not_grow_with_the_lines(gql, goods, make_product, points):
    more = [make_product(f"Chè {i}", stock={points["tinh"]: 3}).variants.get() for i in range(5)]
    counts = []
    for lines in ([line(goods.honey, 1)], [line(goods.honey, 1), line(goods.pomelo, 1)] + [line(v, 1) for v in more]):
        with CaptureQueriesContext(connection) as seen:
            assert gql(QUOTE, {"province": "96", "lines": lines})["data"]["shippingQuote"]["zone"]
        counts.append(len(seen))
    assert counts[0] == counts[1]
