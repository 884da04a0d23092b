"""Staff at work: the fulfilment state machine, cash, stock, tokens, and who may do what."""
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import StockMovement
from orders import checkout as checkout_service
from orders.models import Fulfillment, Order, OrderEvent
from shop.errors import ShopError
from shop.graphql.core import global_id
from shop.money import format_vnd

STATUS = """mutation($id: ID!, $s: FulfillmentStatusEnum!, $note: String) {
  fulfillmentUpdateStatus(id: $id, status: $s, note: $note) { fulfillment { status allowedNextStatuses }
  errors { field code message } } }"""
COLLECT = """mutation($id: ID!, $a: Int!) { paymentMarkCollected(orderId: $id, amountVnd: $a) {
  order { paymentStatus } errors { field code message } } }"""
STOCK = """mutation($p: ID!, $v: ID!, $q: Int!, $r: String!) {
  stockUpdate(salesPointId: $p, variantId: $v, quantityOnHand: $q, reason: $r) {
  stock { quantityOnHand quantityAllocated quantityAvailable } errors { field code message } } }"""
LIST = """query($p: ID, $s: [FulfillmentStatusEnum!]) { fulfillments(salesPoint: $p, status: $s, first: 50) {
  totalCount edges { node { id number status salesPoint { code } order { number totalVnd routingReason }
  lines { quantity orderLine { sku productName } } } } } }"""
CANCEL = """mutation($t: UUID!) { orderCancel(token: $t) { order { status } errors { code message } } }"""


def place(oh, code, variant, quantity=2, method="PAY_AT_PICKUP", address=None, email="khach@example.com"):
    """An order through the services (GraphQL checkout has its own tests)."""
    checkout = checkout_service.create_checkout(lines=[(variant.pk, quantity)], email=email)
    if address:
        checkout_service.set_delivery(token=checkout.token, address=address)
    else:
        checkout_service.set_delivery(token=checkout.token, pickup_point_id=oh.points[code].pk)
    return checkout_service.complete_checkout(token=checkout.token, payment_method=method).order


def fid(order):
    return global_id("Fulfillment", order.fulfillments.get().pk)


def test_pickup_walk_collects_cash_then_hands_over(gql, oh, staff_login):
    variant = oh.variant_only_at(["muong-ang"])
    before = oh.stock_of(variant, oh.points["muong-ang"])
    order = place(oh, "muong-ang", variant)
    staff_login(gql, "muong-ang")
    for status in ("PICKING", "PACKED", "READY_FOR_PICKUP"):
        body = gql(STATUS, {"id": fid(order), "s": status})["data"]["fulfillmentUpdateStatus"]
        assert body["errors"] == [] and body["fulfillment"]["status"] == status
    body = gql(STATUS, {"id": fid(order), "s": "PICKED_UP"})["data"]["fulfillmentUpdateStatus"]
    assert body["errors"][0]["code"] == "payment_not_collected"
    wrong = gql(COLLECT, {"id": global_id("Order", order.pk), "a": 1})["data"]["paymentMarkCollected"]
    assert wrong["errors"][0]["code"] == "amount_mismatch"
    paid = gql(COLLECT, {"id": global_id("Order", order.pk), "a": order.total_vnd})["data"]["paymentMarkCollected"]
    assert paid["order"]["paymentStatus"] == "PAID"
    body = gql(STATUS, {"id": fid(order), "s": "PICKED_UP"})["data"]["fulfillmentUpdateStatus"]
    assert body["errors"] == [] and body["fulfillment"]["allowedNextStatuses"] == []
    after = oh.stock_of(variant, oh.points["muong-ang"])
    assert after.quantity_on_hand == before.quantity_on_hand - 2 and after.quantity_allocated == before.quantity_allocated
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    log = list(order.events.values_list("kind", "actor"))
    assert ("CASH_COLLECTED", "muong-ang@ocop-dienbien.example") in log and log[-1][0] == "COMPLETED"
    assert StockMovement.objects.filter(reference=f"order:{order.number}", kind="SALE", on_hand_change=-2).exists()


def _walk(order, user, *statuses):
    from orders import fulfilment

    for status in statuses:
        fulfilment.update_status(fulfillment_id=order.fulfillments.get().pk, status=status, user=user)


COD_ADDRESS = {"full_name": "Quàng Thị Xuân", "street_address": "Bản Sáng", "phone": "0987654321"}


def _cod(oh, variant):
    from shop.models import Commune

    commune = Commune.objects.get(district__code="099", name="Chiềng Sinh")
    return place(oh, None, variant, 1, method="CASH_ON_DELIVERY", address={**COD_ADDRESS, "commune_id": commune.pk})


@pytest.mark.parametrize("kind", ["pickup", "cod"])
def test_the_service_hands_cash_goods_over_only_with_the_cash_in_one_transaction(oh, kind, django_user_model):
    from orders import fulfilment

    code = "muong-ang" if kind == "pickup" else "tuan-giao"
    clerk = django_user_model.objects.get(username=f"{code}@ocop-dienbien.example")
    variant = oh.variant_only_at([code])
    before = oh.stock_of(variant, oh.points[code])
    order = place(oh, code, variant, 1) if kind == "pickup" else _cod(oh, variant)
    hand_over = "PICKED_UP" if kind == "pickup" else "DELIVERED"
    _walk(order, clerk, "PICKING", "PACKED", "READY_FOR_PICKUP" if kind == "pickup" else "SHIPPED")
    f = order.fulfillments.get()
    with pytest.raises(ShopError) as refused:
        fulfilment.update_status(fulfillment_id=f.pk, status=hand_over, user=clerk)
    assert refused.value.code == "payment_not_collected"
    assert format_vnd(order.total_vnd, "vi") in refused.value.message and str(order.total_vnd) not in refused.value.message
    with pytest.raises(ShopError) as wrong:  # the wrong amount: neither paid nor handed over
        fulfilment.update_status(fulfillment_id=f.pk, status=hand_over, user=clerk, cash_vnd=order.total_vnd - 1000)
    assert wrong.value.code == "amount_mismatch"
    order.refresh_from_db()
    f.refresh_from_db()
    assert (order.payment_status, f.status) == ("NOT_PAID", "READY_FOR_PICKUP" if kind == "pickup" else "SHIPPED")
    done = fulfilment.update_status(fulfillment_id=f.pk, status=hand_over, user=clerk, cash_vnd=order.total_vnd)
    assert done.status == hand_over
    order.refresh_from_db()
    assert (order.payment_status, order.paid_vnd, order.status) == ("PAID", order.total_vnd, "COMPLETED")
    kinds = list(order.events.order_by("id").values_list("kind", flat=True))
    assert kinds.count("CASH_COLLECTED") == 1 and kinds.index("CASH_COLLECTED") < kinds.index("COMPLETED")
    after = oh.stock_of(variant, oh.points[code])
    assert (after.quantity_on_hand, after.quantity_allocated) == (before.quantity_on_hand - 1, before.quantity_allocated)
    with pytest.raises(ShopError) as twice:  # a second tap changes nothing
        fulfilment.update_status(fulfillment_id=f.pk, status=hand_over, user=clerk, cash_vnd=order.total_vnd)
    assert twice.value.code == "illegal_transition"
    assert order.events.filter(kind="CASH_COLLECTED").count() == 1


def test_a_failed_hand_over_undoes_the_cash_recorded_in_the_same_step(oh, django_user_model, monkeypatch):
    from orders import allocation, fulfilment

    clerk = django_user_model.objects.get(username="muong-ang@ocop-dienbien.example")
    variant = oh.variant_only_at(["muong-ang"])
    order = place(oh, "muong-ang", variant, 1)
    _walk(order, clerk, "PICKING", "PACKED", "READY_FOR_PICKUP")

    def broken(*args, **kwargs):
        raise ShopError("illegal_transition", "hỏng", "broken")

    monkeypatch.setattr(allocation, "consume", broken)
    with pytest.raises(ShopError):
        fulfilment.update_status(fulfillment_id=order.fulfillments.get().pk, status="PICKED_UP", user=clerk,
                                 cash_vnd=order.total_vnd)
    order.refresh_from_db()
    assert order.payment_status == "NOT_PAID" and not order.events.filter(kind="CASH_COLLECTED").exists()


def test_another_points_clerk_cannot_collect_and_hand_over(oh, django_user_model):
    from orders import fulfilment

    clerk = django_user_model.objects.get(username="muong-ang@ocop-dienbien.example")
    other = django_user_model.objects.get(username="tuan-giao@ocop-dienbien.example")
    variant = oh.variant_only_at(["muong-ang"])
    order = place(oh, "muong-ang", variant, 1)
    _walk(order, clerk, "PICKING", "PACKED", "READY_FOR_PICKUP")
    with pytest.raises(ShopError) as refused:
        fulfilment.update_status(fulfillment_id=order.fulfillments.get().pk, status="PICKED_UP", user=other,
                                 cash_vnd=order.total_vnd)
    assert refused.value.code == "fulfillment_not_found"
    order.refresh_from_db()
    assert order.payment_status == "NOT_PAID"


def test_illegal_transitions_are_errors(gql, oh, staff_login):
    variant = oh.variant_only_at(["muong-ang"])
    order = place(oh, "muong-ang", variant)
    staff_login(gql, "muong-ang")
    body = gql(STATUS, {"id": fid(order), "s": "PACKED"}, language="en")["data"]["fulfillmentUpdateStatus"]
    assert body["errors"][0]["code"] == "illegal_transition" and "PICKING" in body["errors"][0]["message"]
    gql(STATUS, {"id": fid(order), "s": "PICKING"})
    gql(STATUS, {"id": fid(order), "s": "PACKED"})
    body = gql(STATUS, {"id": fid(order), "s": "SHIPPED"})["data"]["fulfillmentUpdateStatus"]
    assert body["errors"][0]["code"] == "illegal_transition"  # a pickup order is not shipped
    assert Fulfillment.objects.get(order=order).status == "PACKED"


def test_delivery_walk_and_staff_cancel_release(gql, oh, staff_login):
    from shop.models import Commune

    variant = oh.variant_only_at(["tuan-giao"])
    commune = Commune.objects.get(district__code="099", name="Chiềng Sinh")
    address = {"full_name": "Quàng Thị Xuân", "street_address": "Bản Sáng", "commune_id": commune.pk, "phone": "0987654321"}
    shipped = place(oh, None, variant, 1, method="CASH_ON_DELIVERY", address=address)
    cancelled = place(oh, None, variant, 1, method="CASH_ON_DELIVERY", address=address)
    assert shipped.fulfillments.get().sales_point.code == "tuan-giao"
    before = oh.stock_of(variant, oh.points["tuan-giao"])
    staff_login(gql, "tuan-giao")
    for status in ("PICKING", "PACKED", "SHIPPED"):
        assert gql(STATUS, {"id": fid(shipped), "s": status})["data"]["fulfillmentUpdateStatus"]["errors"] == []
    # Cash on delivery: not delivered before its cash is recorded (the customer's timeline: paid, then completed).
    body = gql(STATUS, {"id": fid(shipped), "s": "DELIVERED"}, language="en")["data"]["fulfillmentUpdateStatus"]
    assert body["errors"][0]["code"] == "payment_not_collected" and body["fulfillment"] is None
    assert format_vnd(shipped.total_vnd, "en") in body["errors"][0]["message"]
    assert "paymentMarkCollected" not in body["errors"][0]["message"]
    assert Fulfillment.objects.get(order=shipped).status == "SHIPPED"
    paid = gql(COLLECT, {"id": global_id("Order", shipped.pk), "a": shipped.total_vnd})["data"]["paymentMarkCollected"]
    assert paid["errors"] == []
    assert gql(STATUS, {"id": fid(shipped), "s": "DELIVERED"})["data"]["fulfillmentUpdateStatus"]["errors"] == []
    body = gql(STATUS, {"id": fid(cancelled), "s": "CANCELLED", "note": "khách đổi ý"})["data"]["fulfillmentUpdateStatus"]
    assert body["errors"] == []
    after = oh.stock_of(variant, oh.points["tuan-giao"])
    assert after.quantity_on_hand == before.quantity_on_hand - 1  # the shipped unit left
    assert after.quantity_allocated == before.quantity_allocated - 2  # one consumed, one released
    shipped.refresh_from_db()
    cancelled.refresh_from_db()
    assert shipped.status == "COMPLETED" and cancelled.status == "CANCELLED"
    assert gql(STATUS, {"id": fid(cancelled), "s": "PICKING"})["data"]["fulfillmentUpdateStatus"]["errors"][0]["code"] == (
        "illegal_transition")


def test_customer_cancels_before_hand_over_but_not_after(gql, oh, staff_login, mailoutbox, django_capture_on_commit_callbacks):
    variant = oh.variant_only_at(["muong-ang"])
    before = oh.stock_of(variant, oh.points["muong-ang"])
    order = place(oh, "muong-ang", variant)
    with django_capture_on_commit_callbacks(execute=True):
        body = gql(CANCEL, {"t": str(order.token)})["data"]["orderCancel"]
    assert body == {"order": {"status": "CANCELLED"}, "errors": []}
    assert oh.stock_of(variant, oh.points["muong-ang"]).quantity_allocated == before.quantity_allocated
    assert {m.subject for m in mailoutbox} >= {f"Đơn hàng {order.number} đã huỷ", f"[OCOP] Đơn {order.number} đã huỷ"}
    again = gql(CANCEL, {"t": str(order.token)})["data"]["orderCancel"]
    assert again["errors"][0]["code"] == "already_cancelled"

    handed = place(oh, "muong-ang", variant, 1)
    staff_login(gql, "muong-ang")
    for status in ("PICKING", "PACKED", "READY_FOR_PICKUP"):
        gql(STATUS, {"id": fid(handed), "s": status})
    gql(COLLECT, {"id": global_id("Order", handed.pk), "a": handed.total_vnd})
    gql(STATUS, {"id": fid(handed), "s": "PICKED_UP"})
    gql.headers = {}
    late = gql(CANCEL, {"t": str(handed.token)})["data"]["orderCancel"]
    assert late["errors"][0]["code"] == "already_handed_over"


def test_stock_update_needs_a_reason_and_keeps_reserved_units(gql, oh, staff_login):
    variant = oh.variant_only_at(["muong-ang"])
    place(oh, "muong-ang", variant, 2)
    staff_login(gql, "muong-ang")
    args = {"p": global_id("SalesPoint", oh.points["muong-ang"].pk), "v": global_id("ProductVariant", variant.pk)}
    body = gql(STOCK, {**args, "q": 10, "r": " "})["data"]["stockUpdate"]
    assert body["errors"][0]["code"] == "reason_required"
    body = gql(STOCK, {**args, "q": 1, "r": "kiểm kê"})["data"]["stockUpdate"]
    assert body["errors"][0]["code"] == "below_allocated"
    body = gql(STOCK, {**args, "q": -5, "r": "kiểm kê"})["data"]["stockUpdate"]
    assert body["errors"][0]["code"] == "invalid_quantity"
    body = gql(STOCK, {**args, "q": 12, "r": "kiểm kê cuối ngày"})["data"]["stockUpdate"]
    assert body == {"stock": {"quantityOnHand": 12, "quantityAllocated": 2, "quantityAvailable": 10}, "errors": []}
    movement = StockMovement.objects.filter(kind="RECOUNT").get()
    assert movement.reason == "kiểm kê cuối ngày" and movement.on_hand_after == 12 and movement.actor.email.startswith("muong-ang")


def test_clerk_of_tuan_giao_cannot_see_or_change_muong_ang(gql, client, oh, staff_login, django_user_model):
    """The permission matrix: anonymous, a customer, a Tuần Giáo clerk, the Mường Ảng manager, the province admin."""
    call_command("create_staff", email="clerk-tg@example.com", password="a-long-pass-2026", sales_point="tuan-giao",
                 role="clerk", stdout=open("/dev/null", "w"))
    ma_variant = oh.variant_only_at(["muong-ang"])
    tg_variant = oh.variant_only_at(["tuan-giao"])
    ma_order = place(oh, "muong-ang", ma_variant, 1)
    tg_order = place(oh, "tuan-giao", tg_variant, 1)
    ma_point = global_id("SalesPoint", oh.points["muong-ang"].pk)
    stock_args = {"p": ma_point, "v": global_id("ProductVariant", ma_variant.pk), "q": 99, "r": "thử quyền"}
    node = "query($id: ID!) { node(id: $id) { ... on Fulfillment { number } ... on Order { number } } }"

    def attempts():
        """What the current caller gets for each Mường Ảng thing."""
        listing = gql(LIST, {}, expect_errors=True)
        seen = None if listing.get("errors") else sorted(e["node"]["number"] for e in listing["data"]["fulfillments"]["edges"])
        return {
            "list": seen,
            "list_ma": not gql(LIST, {"p": ma_point}, expect_errors=True).get("errors"),
            "status": gql(STATUS, {"id": fid(ma_order), "s": "PICKING"})["data"]["fulfillmentUpdateStatus"]["errors"],
            "stock": gql(STOCK, stock_args)["data"]["stockUpdate"]["errors"],
            "collect": gql(COLLECT, {"id": global_id("Order", ma_order.pk), "a": ma_order.total_vnd})[
                "data"]["paymentMarkCollected"]["errors"],
            "node_f": gql(node, {"id": fid(ma_order)})["data"]["node"],
            "node_o": gql(node, {"id": global_id("Order", ma_order.pk)})["data"]["node"],
        }

    denied = [{"field": None, "code": "permission_denied"}]

    def codes(errors):
        return [{"field": None, "code": e["code"]} for e in errors]

    # Anonymous, then a signed-in customer: nothing.
    customer = django_user_model.objects.create_user("khach@example.com", "khach@example.com", "a-long-pass-2026")
    for who in (None, customer):
        if who:
            client.force_login(who)
        got = attempts()
        assert got["list"] is None and got["list_ma"] is False
        assert codes(got["status"]) == denied and codes(got["stock"]) == denied and codes(got["collect"]) == denied
        assert got["node_f"] is None and got["node_o"] is None
    client.logout()

    # The Tuần Giáo clerk sees Tuần Giáo only, and can change nothing at Mường Ảng.
    from shop.auth import create_token

    _, raw = create_token(email="clerk-tg@example.com", password="a-long-pass-2026")
    gql.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    got = attempts()
    assert got["list"] == [tg_order.fulfillments.get().number]
    assert got["list_ma"] is False
    # Another point's fulfilment or order reads as missing (tests/security/test_staff_probe.py).
    assert [e["code"] for e in got["status"]] == ["fulfillment_not_found"]
    assert [e["code"] for e in got["stock"]] == ["permission_denied"]
    assert [e["code"] for e in got["collect"]] == ["order_not_found"]
    assert got["node_f"] is None and got["node_o"] is None
    assert Fulfillment.objects.get(order=ma_order).status == "NEW"
    assert oh.stock_of(ma_variant, oh.points["muong-ang"]).quantity_on_hand != 99
    assert not OrderEvent.objects.filter(order=ma_order).exclude(kind__in=["PLACED", "EMAIL"]).exists()

    # The Mường Ảng manager and the province admin may.
    staff_login(gql, "muong-ang")
    assert gql(LIST, {})["data"]["fulfillments"]["totalCount"] == 1
    staff_login(gql, "tinh")  # tinh@ is also the province admin of the demo
    assert gql(LIST, {})["data"]["fulfillments"]["totalCount"] == 2
    got = attempts()
    assert got["status"] == [] and got["node_f"] == {"number": ma_order.fulfillments.get().number}


def test_token_create_and_bearer(gql, oh, django_user_model):
    token = """mutation($e: String!, $p: String!) { tokenCreate(email: $e, password: $p) { token user { email isStaff }
               errors { field code } } }"""
    bad = gql(token, {"e": "muong-ang@ocop-dienbien.example", "p": "wrong"})["data"]["tokenCreate"]
    assert bad["token"] is None and bad["errors"] == [{"field": "password", "code": "invalid_credentials"}]
    django_user_model.objects.create_user("khach@example.com", "khach@example.com", "a-long-pass-2026")
    customer = gql(token, {"e": "khach@example.com", "p": "a-long-pass-2026"})["data"]["tokenCreate"]
    assert customer["errors"] == [{"field": "email", "code": "not_staff"}]
    good = gql(token, {"e": "muong-ang@ocop-dienbien.example", "p": "ocop-demo-2026"})["data"]["tokenCreate"]
    assert good["errors"] == [] and good["user"] == {"email": "muong-ang@ocop-dienbien.example", "isStaff": True}
    me = "{ me { email isStaff assignments { role salesPoint { code } } } }"
    gql.headers = {"HTTP_AUTHORIZATION": f"Bearer {good['token']}"}
    assert gql(me)["data"]["me"]["assignments"] == [{"role": "manager", "salesPoint": {"code": "muong-ang"}}]
    gql.headers = {"HTTP_AUTHORIZATION": "Bearer ocop_forged"}
    assert gql(me)["data"]["me"] is None


def test_create_staff_command(db, oh):
    from shop.models import StaffAssignment

    call_command("create_staff", email="Lan@Example.com", password="a-long-pass-2026", sales_point="dien-bien",
                 role="manager", stdout=open("/dev/null", "w"))
    call_command("create_staff", email="lan@example.com", province=True, stdout=open("/dev/null", "w"))
    roles = sorted(StaffAssignment.objects.filter(user__username="lan@example.com").values_list("role", flat=True))
    assert roles == ["manager", "province"]
    with pytest.raises(CommandError, match="known codes"):
        call_command("create_staff", email="x@example.com", password="a-long-pass-2026", sales_point="nowhere")
    with pytest.raises(CommandError, match="exactly one"):
        call_command("create_staff", email="x@example.com", password="a-long-pass-2026")


def test_fulfillments_query_count_does_not_grow(gql, oh, staff_login):
    variant = oh.variant_only_at(["tinh"])
    staff_login(gql, "tinh")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            body = gql(LIST, {})
        return len(ctx.captured_queries), body["data"]["fulfillments"]["totalCount"]

    place(oh, "tinh", variant, 1)
    place(oh, "tinh", variant, 1)
    count()  # warm-up: the token's first use records last_used_at
    small, n_small = count()
    for i in range(4):
        place(oh, "tinh", variant, 1, email=f"khach{i}@example.com")  # one customer's open orders are limited
    large, n_large = count()
    assert (n_small, n_large) == (2, 6)
    assert large == small, (small, large)
