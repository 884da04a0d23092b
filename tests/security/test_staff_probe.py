"""Issue 12 (low): the staff console told a foreign fulfilment from a missing one.

A clerk of Mường Ảng posting to /staff/fulfilments/<id>/status/ got a 403
"not assigned to this point" for another point's fulfilment and a 400 "not
found" for an id that does not exist, so ids (and how busy each point is)
could be probed. The same held for the cash form and the GraphQL mutations.
Now both get the same answer: the same status code and the same page, or the
same error code.
"""
import re

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Max

from orders import checkout as checkout_service
from orders.models import Fulfillment, Order
from shop.graphql.core import global_id


@pytest.fixture
def foreign(shop, stocked_variant):
    """A pay-at-pickup order served by Tuần Giáo (not the clerk's point)."""
    variant = stocked_variant(shop["tuan-giao"], 20)
    checkout = checkout_service.create_checkout(lines=[(variant.pk, 1)], email="khach@example.com")
    checkout_service.set_delivery(token=checkout.token, pickup_point_id=shop["tuan-giao"].pk)
    return checkout_service.complete_checkout(token=checkout.token, payment_method="PAY_AT_PICKUP").order


def missing_ids():
    return ((Fulfillment.objects.aggregate(m=Max("pk"))["m"] or 0) + 1000,
            (Order.objects.aggregate(m=Max("pk"))["m"] or 0) + 1000)


def shape(response) -> tuple[int, str]:
    """The status and the page, less what differs on every page (the CSRF token)."""
    return response.status_code, re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def clerk(client):
    client.force_login(get_user_model().objects.get(username="muong-ang@ocop-dienbien.example"))
    return client


POSTS = {
    "move": ("/staff/fulfilments/{f}/status/", {"status": "PICKING"}),
    "cancel": ("/staff/fulfilments/{f}/status/", {"status": "CANCELLED", "reason": "hết hàng rồi"}),
    "cash": ("/staff/orders/{o}/cash/", {"amount": "100000"}),
    "hold": ("/staff/orders/{o}/hold/", {"days": "2"}),
}


@pytest.mark.parametrize("action", sorted(POSTS))
@pytest.mark.parametrize("point", ["muong-ang", "tuan-giao", ""])
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_foreign_id_and_a_missing_one_get_the_same_page(client, shop, foreign, action, point, prefix):
    clerk(client)
    path, data = POSTS[action]
    f, o = foreign.fulfillments.get().pk, foreign.pk
    mf, mo = missing_ids()
    theirs = client.post(prefix + path.format(f=f, o=o), {**data, "point": point})
    nobody = client.post(prefix + path.format(f=mf, o=mo), {**data, "point": point})
    assert theirs.status_code in (400, 403, 404)
    assert shape(theirs) == shape(nobody)
    huge = 10**20  # past the database's integer range: the same answer, not a 500
    assert shape(client.post(prefix + path.format(f=huge, o=huge), {**data, "point": point})) == shape(nobody)
    foreign.refresh_from_db()
    assert foreign.fulfillments.get().status == "NEW" and foreign.payment_status == "NOT_PAID"


STATUS = """mutation($id: ID!) { fulfillmentUpdateStatus(id: $id, status: PICKING) { fulfillment { status }
  errors { field code message } } }"""
COLLECT = """mutation($id: ID!) { paymentMarkCollected(orderId: $id, amountVnd: 100000) { order { number }
  errors { field code message } } }"""


@pytest.mark.parametrize("language", ["vi", "en"])
def test_graphql_gives_a_foreign_id_and_a_missing_one_the_same_error(gql, client, shop, foreign, language):
    clerk(client)
    mf, mo = missing_ids()
    for query, kind, pk, missing in ((STATUS, "Fulfillment", foreign.fulfillments.get().pk, mf),
                                     (COLLECT, "Order", foreign.pk, mo)):
        theirs = gql(query, {"id": global_id(kind, pk)}, language=language)["data"]
        nobody = gql(query, {"id": global_id(kind, missing)}, language=language)["data"]
        assert theirs == nobody
        assert next(iter(theirs.values()))["errors"][0]["code"].endswith("not_found")
    foreign.refresh_from_db()
    assert foreign.fulfillments.get().status == "NEW" and foreign.payment_status == "NOT_PAID"
