"""Transfers between sales points: sent at once, in transit, counted on receipt (a shortfall is a
loss on the transfer), cancelled back to the source; and the low-stock list."""
import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from inventory import audit, ledger
from inventory import transfers as service
from inventory.models import Stock, StockMovement, Transfer, TransferLine
from shop.auth import create_token
from shop.errors import ShopError
from shop.graphql.core import global_id
from shop.models import StaffAssignment

Kind = StockMovement.Kind
PASSWORD = "chuyen-kho-2026"


@pytest.fixture
def people(shop):
    """Staff of three points (clerks, not managers), a province admin, a customer."""
    User = get_user_model()

    def make(name, role=None, point=None):
        user = User.objects.create_user(username=f"{name}@test.example", email=f"{name}@test.example", password=PASSWORD)
        if role:
            StaffAssignment.objects.create(user=user, role=role, sales_point=shop[point] if point else None)
        return user

    return {
        "tinh": make("kho-tinh", "clerk", "tinh"),
        "muong-ang": make("kho-muong-ang", "clerk", "muong-ang"),
        "tuan-giao": make("kho-tuan-giao", "clerk", "tuan-giao"),
        "province": make("so-cong-thuong", "province"),
        "customer": make("khach"),
    }


@pytest.fixture
def two_variants(shop, stocked_variant, make_product):
    """Two variants stocked at the provincial centre only: 20 and 6 units."""
    first = stocked_variant(shop["tinh"], 20, only_there=True)
    second = make_product("Chè Shan tuyết thử", stock={shop["tinh"]: 6}).variants.get()
    return first, second


def on_hand(variant, point):
    row = Stock.objects.filter(variant=variant, sales_point=point).first()
    return (row.quantity_on_hand, row.quantity_allocated) if row else None


def send(people, shop, lines, *, who="tinh", to="muong-ang", note="bổ sung hàng"):
    return service.send(user=people[who], from_point_id=shop["tinh"].pk, to_point_id=shop[to].pk,
                        lines=[(v.pk, q) for v, q in lines], note=note)


def refused(fn) -> ShopError:
    with pytest.raises(ShopError) as caught:
        fn()
    return caught.value


# -- send, in transit, receive ---------------------------------------------------------------

def test_send_then_receive_with_a_shortfall_keeps_the_ledger_and_records_the_loss(shop, people, two_variants):
    honey, tea = two_variants
    transfer = send(people, shop, [(honey, 10), (tea, 4)])
    assert transfer.number == f"CK-{transfer.pk:06d}" and transfer.status == "SENT" and transfer.in_transit
    assert transfer.created_by == people["tinh"] and transfer.note == "bổ sung hàng"
    # The units left the source at once; nothing has arrived yet.
    assert on_hand(honey, shop["tinh"]) == (10, 0) and on_hand(tea, shop["tinh"]) == (2, 0)
    assert on_hand(honey, shop["muong-ang"]) in (None, (0, 0))
    out = list(StockMovement.objects.filter(reference=f"transfer:{transfer.number}").order_by("id"))
    assert [(m.stock.sales_point.code, m.kind, m.on_hand_change, m.actor) for m in out] == [
        ("tinh", Kind.TRANSFER_OUT, -10, people["tinh"]), ("tinh", Kind.TRANSFER_OUT, -4, people["tinh"])]
    assert "Mường Ảng" in out[0].reason
    assert list(service.visible_transfers(people["muong-ang"], status="SENT")) == [transfer]

    lines = {line.variant_id: line for line in transfer.lines.all()}
    done = service.receive(user=people["muong-ang"], transfer_id=transfer.pk, counts=[
        service.Count(lines[honey.pk].pk, 8, "  vỡ 2 hũ   khi vận chuyển "),  # the tea line: all arrived
    ])
    assert done.status == "RECEIVED" and done.received_by == people["muong-ang"] and done.received_at
    assert on_hand(honey, shop["muong-ang"]) == (8, 0) and on_hand(tea, shop["muong-ang"]) == (4, 0)
    assert on_hand(honey, shop["tinh"]) == (10, 0)  # the two lost units are not put back at the source
    honey_line, tea_line = TransferLine.objects.get(pk=lines[honey.pk].pk), TransferLine.objects.get(pk=lines[tea.pk].pk)
    assert (honey_line.quantity_received, honey_line.discrepancy, honey_line.discrepancy_note) == (
        8, -2, "vỡ 2 hũ khi vận chuyển")
    assert (tea_line.quantity_received, tea_line.discrepancy, tea_line.discrepancy_note) == (4, 0, "")
    arrived = StockMovement.objects.filter(reference=f"transfer:{transfer.number}", kind=Kind.TRANSFER_IN)
    assert sorted((m.stock.sales_point.code, m.on_hand_change, m.actor_id) for m in arrived) == [
        ("muong-ang", 4, people["muong-ang"].pk), ("muong-ang", 8, people["muong-ang"].pk)]
    assert list(service.visible_transfers(people["muong-ang"], status="SENT")) == []
    assert audit.audit().clean


def test_a_count_that_differs_needs_a_note_and_a_wild_count_is_refused_with_nothing_written(shop, people, two_variants):
    honey, _ = two_variants
    transfer = send(people, shop, [(honey, 5)])
    line = transfer.lines.get()
    for count, code, field in (
        (service.Count(line.pk, 4, ""), "discrepancy_note_required", "lines.0.note"),
        (service.Count(line.pk, 6, "x"), "discrepancy_note_required", "lines.0.note"),
        (service.Count(line.pk, 11, "thừa nhiều"), "received_too_many", "lines.0.quantityReceived"),
        (service.Count(line.pk, -1, "âm"), "invalid_quantity", "lines.0.quantityReceived"),
        (service.Count(line.pk + 999, 5, ""), "invalid_line", "lines.0.lineId"),
    ):
        error = refused(lambda count=count: service.receive(user=people["muong-ang"], transfer_id=transfer.pk,
                                                             counts=[count]))
        assert (error.code, error.field) == (code, field)
        assert error.message_vi != error.message_en
    transfer.refresh_from_db()
    assert transfer.status == "SENT" and not StockMovement.objects.filter(kind=Kind.TRANSFER_IN).exists()
    # An excess within reason is taken in, with its note.
    service.receive(user=people["muong-ang"], transfer_id=transfer.pk,
                    counts=[service.Count(line.pk, 7, "điểm gửi đếm thiếu 2 hũ")])
    assert on_hand(honey, shop["muong-ang"]) == (7, 0)
    assert TransferLine.objects.get(pk=line.pk).discrepancy == 2
    assert audit.audit().clean


def test_the_database_refuses_a_discrepancy_without_a_note_and_a_transfer_to_itself(shop, people, two_variants):
    honey, _ = two_variants
    transfer = send(people, shop, [(honey, 5)])
    line = transfer.lines.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        TransferLine.objects.filter(pk=line.pk).update(quantity_received=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        TransferLine.objects.filter(pk=line.pk).update(quantity_received=11, discrepancy_note="gõ nhầm")
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.filter(pk=transfer.pk).update(to_point=shop["tinh"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.filter(pk=transfer.pk).update(status="RECEIVED")  # no receipt time


def test_a_transfer_is_received_once(shop, people, two_variants):
    honey, _ = two_variants
    transfer = send(people, shop, [(honey, 5)])
    service.receive(user=people["muong-ang"], transfer_id=transfer.pk)
    moves = StockMovement.objects.count()
    again = refused(lambda: service.receive(user=people["muong-ang"], transfer_id=transfer.pk))
    assert again.code == "already_received" and transfer.number in again.message_vi and "received" in again.message_en
    assert refused(lambda: service.cancel(user=people["tinh"], transfer_id=transfer.pk)).code == "already_received"
    assert StockMovement.objects.count() == moves and on_hand(honey, shop["muong-ang"]) == (5, 0)


def test_cancel_before_receipt_puts_the_units_back_at_the_source(shop, people, two_variants):
    honey, tea = two_variants
    transfer = send(people, shop, [(honey, 10), (tea, 6)])
    assert on_hand(tea, shop["tinh"]) == (0, 0)
    done = service.cancel(user=people["tinh"], transfer_id=transfer.pk, reason="xe hỏng")
    assert done.status == "CANCELLED" and done.cancelled_by == people["tinh"] and done.cancelled_at
    assert on_hand(honey, shop["tinh"]) == (20, 0) and on_hand(tea, shop["tinh"]) == (6, 0)
    back = StockMovement.objects.filter(reference=f"transfer:{transfer.number}", kind=Kind.TRANSFER_IN)
    assert {(m.stock.sales_point.code, m.on_hand_change) for m in back} == {("tinh", 10), ("tinh", 6)}
    assert all("Huỷ phiếu chuyển" in m.reason and "xe hỏng" in m.reason for m in back)
    assert refused(lambda: service.receive(user=people["muong-ang"], transfer_id=transfer.pk)).code == "transfer_cancelled"
    assert refused(lambda: service.cancel(user=people["tinh"], transfer_id=transfer.pk)).code == "transfer_cancelled"
    assert on_hand(honey, shop["muong-ang"]) in (None, (0, 0))
    assert audit.audit().clean


# -- what may be sent ------------------------------------------------------------------------

def test_only_free_units_can_be_sent_and_a_refusal_writes_nothing(shop, people, two_variants):
    honey, tea = two_variants
    with transaction.atomic():  # an order holds 15 of the 20
        row = ledger.stock_row(variant_id=honey.pk, sales_point_id=shop["tinh"].pk)
        ledger.apply([ledger.Change(row, Kind.ALLOCATE, allocated=15)], reason="Giữ cho đơn", reference="order:T-1")
    moves = StockMovement.objects.count()
    error = refused(lambda: send(people, shop, [(tea, 2), (honey, 6)]))
    assert (error.code, error.field) == ("insufficient_stock", "lines.1.quantity")
    assert "5" in error.message_vi and "5" in error.message_en
    assert not Transfer.objects.exists() and StockMovement.objects.count() == moves
    assert on_hand(honey, shop["tinh"]) == (20, 15) and on_hand(tea, shop["tinh"]) == (6, 0)
    # A variant the point has no row for at all.
    nowhere = refused(lambda: service.send(user=people["muong-ang"], from_point_id=shop["muong-ang"].pk,
                                           to_point_id=shop["tinh"].pk, lines=[(tea.pk, 1)]))
    assert nowhere.code == "insufficient_stock"
    # Exactly the free units is fine; the allocated ones stay.
    send(people, shop, [(honey, 3), (honey, 2)])  # one line, the quantities added
    assert on_hand(honey, shop["tinh"]) == (15, 15)
    assert TransferLine.objects.get().quantity_sent == 5


@pytest.mark.parametrize(("change", "code", "field"), [
    ({"to": "tinh"}, "same_point", "toPointId"),
    ({"to_id": 10**9}, "sales_point_not_found", "toPointId"),
    ({"closed": True}, "point_closed", "toPointId"),
    ({"lines": []}, "lines_required", "lines"),
    ({"lines": [(None, 0)]}, "invalid_quantity", "lines.0.quantity"),
    ({"lines": [(None, 1_000_001)]}, "invalid_quantity", "lines.0.quantity"),
    ({"lines": [(None, True)]}, "invalid_quantity", "lines.0.quantity"),
    ({"lines": [(None, 1), (10**9, 1)]}, "variant_not_found", "lines.1.variantId"),
    ({"lines": [(None, 1)] * 101}, "too_many_lines", "lines"),
    ({"note": "x" * 501}, "note_too_long", "note"),
])
def test_send_checks_its_input(shop, people, two_variants, change, code, field):
    honey, _ = two_variants
    if change.get("closed"):
        shop["tuan-giao"].is_active = False
        shop["tuan-giao"].save()
    to = shop[change.get("to", "tuan-giao")].pk if "to_id" not in change else change["to_id"]
    lines = [(honey.pk if v is None else v, q) for v, q in change.get("lines", [(None, 1)])]
    error = refused(lambda: service.send(user=people["province"], from_point_id=shop["tinh"].pk, to_point_id=to,
                                         lines=lines, note=change.get("note", "")))
    assert (error.code, error.field) == (code, field)
    assert not Transfer.objects.exists()


# -- who may ---------------------------------------------------------------------------------

SEND_MATRIX = [("tinh", None), ("province", None), ("muong-ang", "permission_denied"),
               ("tuan-giao", "permission_denied"), ("customer", "permission_denied")]
# A transfer from the centre to Mường Ảng: who may receive it, who may cancel it.
RECEIVE_MATRIX = [("muong-ang", None), ("province", None), ("tinh", "permission_denied"),
                  ("tuan-giao", "transfer_not_found"), ("customer", "permission_denied")]
CANCEL_MATRIX = [("tinh", None), ("province", None), ("muong-ang", "permission_denied"),
                 ("tuan-giao", "transfer_not_found"), ("customer", "permission_denied")]


@pytest.mark.parametrize(("who", "refusal"), SEND_MATRIX)
def test_who_may_send_from_the_centre(shop, people, two_variants, who, refusal):
    honey, _ = two_variants
    if refusal is None:
        assert send(people, shop, [(honey, 1)], who=who).status == "SENT"
    else:
        assert refused(lambda: send(people, shop, [(honey, 1)], who=who)).code == refusal
        assert not Transfer.objects.exists() and on_hand(honey, shop["tinh"]) == (20, 0)


@pytest.mark.parametrize(("who", "refusal"), RECEIVE_MATRIX)
def test_who_may_receive_a_transfer_to_muong_ang(shop, people, two_variants, who, refusal):
    honey, _ = two_variants
    transfer = send(people, shop, [(honey, 3)])
    if refusal is None:
        assert service.receive(user=people[who], transfer_id=transfer.pk).status == "RECEIVED"
        assert on_hand(honey, shop["muong-ang"]) == (3, 0)
    else:
        assert refused(lambda: service.receive(user=people[who], transfer_id=transfer.pk)).code == refusal
        transfer.refresh_from_db()
        assert transfer.status == "SENT" and on_hand(honey, shop["muong-ang"]) in (None, (0, 0))


@pytest.mark.parametrize(("who", "refusal"), CANCEL_MATRIX)
def test_who_may_cancel_a_transfer_to_muong_ang(shop, people, two_variants, who, refusal):
    honey, _ = two_variants
    transfer = send(people, shop, [(honey, 3)])
    if refusal is None:
        assert service.cancel(user=people[who], transfer_id=transfer.pk).status == "CANCELLED"
        assert on_hand(honey, shop["tinh"]) == (20, 0)
    else:
        assert refused(lambda: service.cancel(user=people[who], transfer_id=transfer.pk)).code == refusal
        transfer.refresh_from_db()
        assert transfer.status == "SENT" and on_hand(honey, shop["tinh"]) == (17, 0)


def test_each_point_sees_only_its_own_transfers(shop, people, two_variants):
    honey, _ = two_variants
    to_muong_ang = send(people, shop, [(honey, 1)])
    to_tuan_giao = send(people, shop, [(honey, 1)], to="tuan-giao")
    assert set(service.visible_transfers(people["tinh"])) == {to_muong_ang, to_tuan_giao}
    assert set(service.visible_transfers(people["province"])) == {to_muong_ang, to_tuan_giao}
    assert list(service.visible_transfers(people["muong-ang"])) == [to_muong_ang]
    assert list(service.visible_transfers(people["tuan-giao"])) == [to_tuan_giao]
    refusal = refused(lambda: service.visible_transfers(people["tuan-giao"], point_id=shop["muong-ang"].pk))
    assert refusal.code == "permission_denied"
    assert refused(lambda: service.visible_transfers(people["customer"])).code == "permission_denied"


# -- low stock -------------------------------------------------------------------------------

def test_low_stock_lists_rows_at_or_below_their_threshold_in_one_query(
        shop, people, two_variants, make_product, django_assert_num_queries):
    honey, tea = two_variants  # 20 and 6 at the centre
    jam = make_product("Mứt thử", stock={shop["muong-ang"]: 2}).variants.get()
    service.set_threshold(user=people["tinh"], variant_id=honey.pk, sales_point_id=shop["tinh"].pk, value=20)
    service.set_threshold(user=people["tinh"], variant_id=tea.pk, sales_point_id=shop["tinh"].pk, value=5)
    service.set_threshold(user=people["muong-ang"], variant_id=jam.pk, sales_point_id=shop["muong-ang"].pk, value=3)
    with transaction.atomic():  # allocated units are not free: tea's 6 on hand, 2 held → 4 ≤ 5
        row = ledger.stock_row(variant_id=tea.pk, sales_point_id=shop["tinh"].pk)
        ledger.apply([ledger.Change(row, Kind.ALLOCATE, allocated=2)], reason="Giữ cho đơn")
    with django_assert_num_queries(1):
        rows = service.low_stock()
        labels = [(s.sales_point.code, s.variant.sku, s.quantity_available, s.variant.product.name) for s in rows]
    # By point (the centre first), then the furthest below its threshold: tea is 1 under, honey at it.
    assert labels == [("tinh", tea.sku, 4, tea.product.name), ("tinh", honey.sku, 20, honey.product.name),
                      ("muong-ang", jam.sku, 2, "Mứt thử")]
    assert [s.variant_id for s in service.low_stock([shop["muong-ang"].pk])] == [jam.pk]
    assert [s.variant_id for s in service.low_stock_for(people["muong-ang"])] == [jam.pk]
    assert len(service.low_stock_for(people["province"])) == 3
    assert refused(lambda: service.low_stock_for(people["muong-ang"], shop["tinh"].pk)).code == "permission_denied"
    # Above the threshold, or no threshold: not listed.
    service.set_threshold(user=people["tinh"], variant_id=honey.pk, sales_point_id=shop["tinh"].pk, value=19)
    row = Stock.objects.get(variant=tea, sales_point=shop["tinh"])
    service.set_threshold(user=people["province"], stock_id=row.pk, value=None)
    assert [s.variant_id for s in service.low_stock([shop["tinh"].pk])] == []
    assert audit.audit().clean  # thresholds are not stock: the ledger is untouched


def test_setting_a_threshold_is_checked(shop, people, two_variants):
    honey, _ = two_variants
    point = shop["tinh"].pk
    assert refused(lambda: service.set_threshold(user=people["tuan-giao"], variant_id=honey.pk, sales_point_id=point,
                                                 value=3)).code == "permission_denied"
    row = Stock.objects.get(variant=honey, sales_point_id=point)
    assert refused(lambda: service.set_threshold(user=people["muong-ang"], stock_id=row.pk, value=3)).code == \
        "permission_denied"
    for value in (-1, 1_000_001, "5", True):
        error = refused(lambda value=value: service.set_threshold(user=people["tinh"], stock_id=row.pk, value=value))
        assert (error.code, error.field) == ("invalid_threshold", "threshold")
    assert refused(lambda: service.set_threshold(user=people["tinh"], variant_id=10**9, sales_point_id=point,
                                                 value=1)).code == "variant_not_found"
    assert Stock.objects.get(pk=row.pk).low_stock_threshold is None
    # A threshold for a product the point has none of yet: an empty row, watched.
    _, tea = two_variants
    stock = service.set_threshold(user=people["muong-ang"], variant_id=tea.pk, sales_point_id=shop["muong-ang"].pk,
                                  value=2)
    assert (stock.quantity_on_hand, stock.low_stock_threshold) == (0, 2)
    assert [s.pk for s in service.low_stock([shop["muong-ang"].pk])] == [stock.pk]


# -- the API ---------------------------------------------------------------------------------

CREATE = """mutation($input: StockTransferCreateInput!) { stockTransferCreate(input: $input) {
  transfer { id number status inTransit fromPoint { code } toPoint { code } note canReceive canCancel
             lines { id sku productName quantitySent quantityReceived discrepancy discrepancyNote variant { sku } } }
  errors { field code message } } }"""
RECEIVE = """mutation($id: ID!, $lines: [StockTransferReceiveLineInput!]) { stockTransferReceive(id: $id, lines: $lines) {
  transfer { number status receivedBy lines { quantitySent quantityReceived discrepancy discrepancyNote } }
  errors { field code message } } }"""
CANCEL = """mutation($id: ID!) { stockTransferCancel(id: $id) { transfer { status cancelledBy } errors { field code message } } }"""
LIST = """query($point: ID, $status: StockTransferStatus, $first: Int) {
  stockTransfers(pointId: $point, status: $status, first: $first) { totalCount
    edges { node { number status fromPoint { code district } toPoint { code district } createdBy canReceive
                   lines { sku productName quantitySent variant { sku stock { quantityAvailable } } } } } } }"""
LOW = """query($point: ID) { lowStock(pointId: $point) {
  salesPoint { code district } sku productName quantityOnHand quantityAllocated quantityAvailable lowStockThreshold
  variant { sku } } }"""


def sign_in(gql, user):
    _, raw = create_token(email=user.email, password=PASSWORD)
    gql.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    return gql


def create_input(shop, lines, *, source="tinh", to="muong-ang"):
    return {"input": {"fromPointId": global_id("SalesPoint", shop[source].pk), "toPointId": global_id("SalesPoint", shop[to].pk),
                      "lines": [{"variantId": global_id("ProductVariant", v.pk), "quantity": q} for v, q in lines],
                      "note": "hàng Tết"}}


def test_api_send_receive_with_a_discrepancy_and_cancel(gql, shop, people, two_variants):
    honey, tea = two_variants
    sign_in(gql, people["tinh"])
    made = gql(CREATE, create_input(shop, [(honey, 10), (tea, 2)]))["data"]["stockTransferCreate"]
    assert made["errors"] == []
    t = made["transfer"]
    assert (t["status"], t["inTransit"], t["fromPoint"]["code"], t["toPoint"]["code"], t["note"]) == (
        "SENT", True, "tinh", "muong-ang", "hàng Tết")
    assert (t["canReceive"], t["canCancel"]) == (False, True)
    assert [(line["sku"], line["quantitySent"], line["quantityReceived"], line["discrepancy"]) for line in t["lines"]] == [
        (honey.sku, 10, None, 0), (tea.sku, 2, None, 0)]
    assert on_hand(honey, shop["tinh"]) == (10, 0)

    # Too much: the error says which line, in the request's language.
    over = gql(CREATE, create_input(shop, [(tea, 5)]), language="en")["data"]["stockTransferCreate"]
    assert over["transfer"] is None and over["errors"][0]["code"] == "insufficient_stock"
    assert over["errors"][0]["field"] == "lines.0.quantity" and "free to send" in over["errors"][0]["message"]

    # The centre cannot receive its own transfer; Mường Ảng can.
    refused_here = gql(RECEIVE, {"id": t["id"]})["data"]["stockTransferReceive"]
    assert refused_here["errors"][0]["code"] == "permission_denied"
    sign_in(gql, people["muong-ang"])
    no_note = gql(RECEIVE, {"id": t["id"], "lines": [{"lineId": t["lines"][0]["id"], "quantityReceived": 9}]})
    assert no_note["data"]["stockTransferReceive"]["errors"][0]["field"] == "lines.0.note"
    done = gql(RECEIVE, {"id": t["id"], "lines": [
        {"lineId": t["lines"][0]["id"], "quantityReceived": 9, "note": "mất 1 hũ"}]})["data"]["stockTransferReceive"]
    assert done["errors"] == [] and done["transfer"]["status"] == "RECEIVED"
    assert done["transfer"]["receivedBy"] == people["muong-ang"].email
    assert [(line["quantityReceived"], line["discrepancy"], line["discrepancyNote"]) for line in done["transfer"]["lines"]] == [
        (9, -1, "mất 1 hũ"), (2, 0, None)]
    again = gql(RECEIVE, {"id": t["id"]}, language="en")["data"]["stockTransferReceive"]
    assert again["transfer"] is None and again["errors"][0]["code"] == "already_received"
    assert "already received" in again["errors"][0]["message"]
    assert on_hand(honey, shop["muong-ang"]) == (9, 0)

    sign_in(gql, people["tinh"])
    second = gql(CREATE, create_input(shop, [(tea, 1)]))["data"]["stockTransferCreate"]["transfer"]
    cancelled = gql(CANCEL, {"id": second["id"]})["data"]["stockTransferCancel"]
    assert cancelled == {"transfer": {"status": "CANCELLED", "cancelledBy": people["tinh"].email}, "errors": []}
    assert on_hand(tea, shop["tinh"]) == (4, 0)
    assert audit.audit().clean


def test_api_a_tuan_giao_clerk_cannot_receive_or_see_a_transfer_to_muong_ang(gql, shop, people, two_variants):
    honey, _ = two_variants
    transfer = send(people, shop, [(honey, 4)])
    sign_in(gql, people["tuan-giao"])
    body = gql(RECEIVE, {"id": global_id("StockTransfer", transfer.pk)})["data"]["stockTransferReceive"]
    assert body["transfer"] is None and body["errors"][0]["code"] == "transfer_not_found"
    assert gql(CANCEL, {"id": global_id("StockTransfer", transfer.pk)})["data"]["stockTransferCancel"]["errors"][0][
        "code"] == "transfer_not_found"
    assert gql(LIST, {})["data"]["stockTransfers"] == {"totalCount": 0, "edges": []}
    node = gql("query($id: ID!) { node(id: $id) { ... on StockTransfer { number } } }",
               {"id": global_id("StockTransfer", transfer.pk)})
    assert node["data"]["node"] is None
    denied = gql(LIST, {"point": global_id("SalesPoint", shop["muong-ang"].pk)}, expect_errors=True)
    assert denied["data"] is None and denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    transfer.refresh_from_db()
    assert transfer.status == "SENT" and on_hand(honey, shop["muong-ang"]) in (None, (0, 0))
    gql.headers = {}
    anonymous = gql(LIST, {}, expect_errors=True)
    assert anonymous["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert gql(CREATE, create_input(shop, [(honey, 1)]))["data"]["stockTransferCreate"]["errors"][0]["code"] == \
        "permission_denied"


def test_api_bad_ids_are_errors_in_the_payload(gql, shop, people, two_variants):
    sign_in(gql, people["province"])
    body = gql(RECEIVE, {"id": "nonsense"})["data"]["stockTransferReceive"]
    assert body["errors"][0]["code"] == "invalid_id" and body["errors"][0]["field"] == "id"
    variables = create_input(shop, [(two_variants[0], 1)])
    variables["input"]["lines"][0]["variantId"] = global_id("SalesPoint", 1)
    body = gql(CREATE, variables)["data"]["stockTransferCreate"]
    assert (body["errors"][0]["code"], body["errors"][0]["field"]) == ("invalid_id", "lines.0.variantId")
    body = gql(RECEIVE, {"id": global_id("StockTransfer", 10**9)})["data"]["stockTransferReceive"]
    assert body["errors"][0]["code"] == "transfer_not_found"


def test_api_lists_are_scoped_and_their_query_count_does_not_grow(gql, shop, people, two_variants, make_product,
                                                                   django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    honey, tea = two_variants
    ledger.stock_up(tea, shop["tinh"], 20)
    send(people, shop, [(honey, 1), (tea, 1)])
    sign_in(gql, people["province"])

    def count(query, variables):
        with CaptureQueriesContext(connection) as captured:
            gql(query, variables)
        return len(captured)

    gql(LIST, {"first": 50})  # the token's first use is recorded once
    few = count(LIST, {"first": 50})
    for i in range(6):
        send(people, shop, [(honey, 1), (tea, 1)], to=["muong-ang", "tuan-giao", "dien-bien"][i % 3])
    body = gql(LIST, {"first": 50})["data"]["stockTransfers"]
    assert body["totalCount"] == 7 and len(body["edges"]) == 7
    assert count(LIST, {"first": 50}) == few
    with django_assert_max_num_queries(12):
        gql(LIST, {"first": 50})

    sign_in(gql, people["muong-ang"])
    mine = gql(LIST, {"status": "SENT", "point": global_id("SalesPoint", shop["muong-ang"].pk)})["data"]["stockTransfers"]
    assert mine["totalCount"] == 3 and {e["node"]["toPoint"]["code"] for e in mine["edges"]} == {"muong-ang"}
    assert all(e["node"]["canReceive"] for e in mine["edges"])
    assert gql(LIST, {"status": "RECEIVED"})["data"]["stockTransfers"]["totalCount"] == 0

    # lowStock: scoped, one list however long.
    sign_in(gql, people["province"])
    service.set_threshold(user=people["tinh"], variant_id=honey.pk, sales_point_id=shop["tinh"].pk, value=100)
    gql(LOW, {})
    few = count(LOW, {})
    for n in range(4):
        jam = make_product(f"Mứt {n}", stock={shop["muong-ang"]: n}).variants.get()
        service.set_threshold(user=people["muong-ang"], variant_id=jam.pk, sales_point_id=shop["muong-ang"].pk, value=5)
    rows = gql(LOW, {})["data"]["lowStock"]
    assert [(r["salesPoint"]["code"], r["quantityAvailable"]) for r in rows] == [
        ("tinh", 13), ("muong-ang", 0), ("muong-ang", 1), ("muong-ang", 2), ("muong-ang", 3)]
    assert rows[0]["lowStockThreshold"] == 100 and rows[0]["sku"] == honey.sku == rows[0]["variant"]["sku"]
    assert count(LOW, {}) == few
    sign_in(gql, people["muong-ang"])
    assert len(gql(LOW, {})["data"]["lowStock"]) == 4
    denied = gql(LOW, {"point": global_id("SalesPoint", shop["tinh"].pk)}, expect_errors=True)
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
