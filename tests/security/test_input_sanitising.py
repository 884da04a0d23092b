"""Issue 12 (low): customer names, addresses and notes kept control characters
and bidi overrides.

A recipient name with U+202E (right-to-left override) shows reversed text on
the staff console and the parcel label ("Lò Thị Hoa" can read as anything), a
terminal escape (ESC[…) or a NUL rides into logs and the database, and an
e-mail domain with an override reads as another domain. Now the checkout
services clean names, addresses and notes (one helper, shop.text.clean_text)
and refuse an e-mail address that carries such characters.
"""
import pytest

from orders import checkout as checkout_service
from orders import fulfilment
from orders.models import Order
from shop.errors import ShopError
from shop.graphql.core import global_id
from shop.models import Commune
from shop.text import clean_text

RLO, LRI, PDI, LRM = "\u202e", "\u2066", "\u2069", "\u200e"


@pytest.fixture
def variant(shop, stocked_variant):
    return stocked_variant(shop["muong-ang"], 20)


def commune():
    return Commune.objects.filter(district__code="102", era=2022).order_by("id").first()


def test_a_delivery_address_loses_its_overrides_and_control_characters(shop, variant):
    checkout = checkout_service.create_checkout(lines=[(variant.pk, 1)], email="khach@example.com")
    checkout_service.set_delivery(token=checkout.token, address={
        "full_name": f"Lò {RLO}aoH ịhT{PDI}\x00\x07 Hoa", "phone": "0987654321", "commune_id": commune().pk,
        "street_address": f"Bản Co Mạ,\x1b[31m tổ 3{LRI}{LRM}\r\nnhà\x85 5\u0085\x9b",
    })
    order = checkout_service.complete_checkout(token=checkout.token, payment_method="CASH_ON_DELIVERY").order
    order.refresh_from_db()
    assert order.ship_name == "Lò aoH ịhT Hoa"
    assert order.ship_street == "Bản Co Mạ,[31m tổ 3 nhà 5"
    for text in (order.ship_name, order.ship_street):
        assert not any(c in text for c in (RLO, LRI, PDI, LRM, "\x00", "\x07", "\x1b", "\r", "\n", "\x85", "\x9b"))


def test_the_same_through_graphql(gql, shop, variant):
    made = gql("""mutation($i: CheckoutCreateInput!) { checkoutCreate(input: $i) { checkout { token } errors { code } } }""",
               {"i": {"lines": [{"variantId": global_id("ProductVariant", variant.pk), "quantity": 1}],
                      "email": "khach@example.com"}})["data"]["checkoutCreate"]
    token = made["checkout"]["token"]
    got = gql("""mutation($t: UUID!, $a: AddressInput) { checkoutDeliveryMethodUpdate(token: $t, shippingAddress: $a) {
                 errors { field code } } }""",
              {"t": token, "a": {"fullName": f"{RLO}Hoa Lò", "phone": "0987654321", "streetAddress": f"Bản Co\x1b Mạ {RLO}3",
                                 "communeId": global_id("Commune", commune().pk)}})
    assert got["data"]["checkoutDeliveryMethodUpdate"]["errors"] == []
    checkout = checkout_service.get_checkout(token)
    assert (checkout.ship_name, checkout.ship_street) == ("Hoa Lò", "Bản Co Mạ 3")


def test_a_name_made_only_of_invisible_characters_is_refused_not_stored(shop, variant):
    checkout = checkout_service.create_checkout(lines=[(variant.pk, 1)], email="khach@example.com")
    with pytest.raises(ShopError) as refused:
        checkout_service.set_delivery(token=checkout.token, address={
            "full_name": f"{RLO}{LRI}\x01\x02{PDI}", "phone": "0987654321", "commune_id": commune().pk,
            "street_address": "Bản Co Mạ, tổ 3"})
    assert refused.value.code == "invalid_name" and refused.value.field == "shippingAddress.fullName"


@pytest.mark.parametrize("email", [f"khach@{RLO}moc.elpmaxe", "khach@exam\u2067ple.com", "kh\x00ach@example.com",
                                   '"a\x01b"@example.com', "khach@example.com\u200f"])
def test_an_email_with_control_or_bidi_characters_is_refused(shop, variant, email):
    with pytest.raises(ShopError) as refused:
        checkout_service.create_checkout(lines=[(variant.pk, 1)], email=email)
    assert refused.value.code == "invalid_email"
    checkout = checkout_service.create_checkout(lines=[(variant.pk, 1)])
    with pytest.raises(ShopError):
        checkout_service.update_contact(token=checkout.token, email=email)


def test_a_staff_cancel_reason_shown_to_the_customer_is_cleaned(shop, variant, django_user_model):
    checkout = checkout_service.create_checkout(lines=[(variant.pk, 1)], email="khach@example.com")
    checkout_service.set_delivery(token=checkout.token, pickup_point_id=shop["muong-ang"].pk)
    order = checkout_service.complete_checkout(token=checkout.token, payment_method="PAY_AT_PICKUP").order
    clerk = django_user_model.objects.get(username="muong-ang@ocop-dienbien.example")
    fulfilment.cancel_by_staff(fulfillment_id=order.fulfillments.get().pk, reason=f"hết {RLO}gnàh\x1b[2J", user=clerk)
    order = Order.objects.get(pk=order.pk)
    messages = " ".join(order.events.values_list("message", flat=True))
    assert "hết gnàh[2J" in messages and RLO not in messages and "\x1b" not in messages


@pytest.mark.parametrize("raw,single,multi", [
    ("  a \t b  ", "a b", "a b"),
    ("a\r\nb", "a b", "a\nb"),
    ("a\n\n\n\nb", "a b", "a\n\nb"),
    (f"x{RLO}y{LRM}z\u200fw\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u061c", "xyzw", "xyzw"),
    ("\x00\x01\x1f\x7f\x80\x9f ok", "ok", "ok"),
    ("a\u2028b", "a b", "a b"),
    ("Nguye\u0302\u0303n", "Nguyễn", "Nguyễn"),  # NFC
    ("a\ud800b", "ab", "ab"),  # a lone surrogate (no database stores it)
    ("👩‍👩‍👧 Lò", "👩‍👩‍👧 Lò", "👩‍👩‍👧 Lò"),  # the zero-width joiner of an emoji stays
    (None, "", ""),
])
def test_the_one_helper(raw, single, multi):
    assert clean_text(raw) == single
    assert clean_text(raw, multiline=True) == multi


def test_a_problem_report_is_cleaned_and_a_nul_is_no_server_error(shop):
    """On PostgreSQL a NUL in the report's text was a DataError (500): now the service cleans it."""
    from traceability import services as trace_services

    report = trace_services.report_problem(
        code="/q/AB\x00C", kind="OTHER", client="test",
        message=f"Nhãn {RLO}lạ\x00\x1b[2J\r\ndòng hai", contact=f"09\x00 12{LRI} 345",
    )
    report.refresh_from_db()
    assert report.message == "Nhãn lạ[2J\ndòng hai"  # a multi-line field keeps its line break
    assert report.contact == "09 12 345"
    assert "\x00" not in report.code
    with pytest.raises(ShopError):  # only invisible characters: no message at all
        trace_services.report_problem(code="/q/ABC", kind="OTHER", client="test", message=f"{RLO}\x00\x00\x00\x00\x00")
