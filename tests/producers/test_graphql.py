"""The producers' GraphQL (issue 17, item 8): a producer's token sees and changes only its own
producer's things; errors are typed (ProducerError); lists cost a fixed number of queries."""
import base64
import datetime
import uuid

import pytest
from django.utils import timezone
from graphql import parse

from inventory import ledger
from inventory.models import Transfer
from producers.models import ProductChange
from shop.graphql.limits import operation_cost
from shop.schema import schema
from traceability import services as trace_services
from traceability.models import Batch, Scan, TraceEvent

pytestmark = pytest.mark.django_db

TOKEN = """mutation($e: String!, $p: String!) { tokenCreate(email: $e, password: $p) { token errors { code } } }"""
ME = "query($p: ID) { myProducer(producerId: $p) { role isOwner producer { slug name } } }"
PRODUCTS = """query { myProducts { product { slug name }
  stock { sku quantityOnHand quantityAvailable salesPoint { code } }
  openChange { status proposed submittedAt } } }"""
LOTS = """query($first: Int, $after: String, $status: MyLotStatus) { myLots(first: $first, after: $after, status: $status) {
  totalCount edges { cursor node { lotCode status quantity variant { sku } events { bizStep } } }
  pageInfo { hasNextPage endCursor } } }"""
LOT_CREATE = """mutation($key: UUID, $input: ProducerLotInput!) { producerLotCreate(idempotencyKey: $key, input: $input) {
  batch { id lotCode quantity } errors { field code message } } }"""
EVENT_ADD = """mutation($batch: ID!, $key: UUID, $input: ProducerLotEventInput!) {
  producerLotEventAdd(batchId: $batch, idempotencyKey: $key, input: $input) {
  event { bizStep } batch { lotCode } errors { field code message } } }"""
CHANGE_SAVE = """mutation($product: ID!, $input: ProductChangeInput!) {
  producerProductChangeSave(productId: $product, input: $input) { change { status proposed } errors { field code message } } }"""
CHANGE_SUBMIT = """mutation($product: ID!, $key: UUID) {
  producerProductChangeSubmit(productId: $product, idempotencyKey: $key) { change { status submittedAt }
  errors { field code message } } }"""


def _sign_in(gql, user):
    body = gql(TOKEN, {"e": user.email, "p": "ocop-test-2026"})["data"]["tokenCreate"]
    assert body["errors"] == [] and body["token"]
    gql.headers = {"HTTP_AUTHORIZATION": f"Bearer {body['token']}"}
    return gql


@pytest.fixture
def as_user(client):
    from tests.conftest import GraphQLClient

    def make(user):
        return _sign_in(GraphQLClient(client), user)
    return make


def _lot(product, code="L1", quantity=100, by=None):
    return trace_services.create_batch(variant=product.variants.first(), lot_code=code, quantity=quantity,
                                       production_date=timezone.localdate() - datetime.timedelta(days=3))


def _variant_id(product):
    return str(product.variants.first().pk)


def test_a_producer_token_reads_its_producer_and_role(as_user, owner_a, member_a, producers):
    me = as_user(owner_a)(ME)["data"]["myProducer"]
    assert me == {"role": "OWNER", "isOwner": True, "producer": {"slug": producers[0].slug, "name": producers[0].name}}
    member = as_user(member_a)(ME)["data"]["myProducer"]
    assert member["role"] == "MEMBER" and member["isOwner"] is False


def test_signed_out_and_staff_get_a_coded_error(gql, producers):
    body = gql(ME, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "producer_login_required"
    assert body["data"] is None


def test_a_customer_still_cannot_get_a_token(gql, django_user_model):
    django_user_model.objects.create_user(username="khach@test.example", email="khach@test.example",
                                          password="ocop-test-2026")
    body = gql(TOKEN, {"e": "khach@test.example", "p": "ocop-test-2026"})["data"]["tokenCreate"]
    assert body["token"] is None and body["errors"] == [{"code": "not_staff"}]


def test_producer_b_never_sees_producer_a(as_user, owner_a, owner_b, producers):
    a, b = producers
    _lot(a.products.first(), "LA-1")
    _lot(b.products.first(), "LB-1")
    api_b = as_user(owner_b)
    slugs = [row["product"]["slug"] for row in api_b(PRODUCTS)["data"]["myProducts"]]
    assert slugs == [b.products.first().slug]
    lots = api_b(LOTS)["data"]["myLots"]
    assert [e["node"]["lotCode"] for e in lots["edges"]] == ["LB-1"] and lots["totalCount"] == 1
    certs = api_b("{ myCertificates { productSlug } }")["data"]["myCertificates"]
    assert {c["productSlug"] for c in certs} == {b.products.first().slug}
    # Asking for A by its ID is refused, not answered.
    from graphql_relay import to_global_id
    body = api_b(ME, {"p": to_global_id("Producer", a.pk)}, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "not_a_member"


def test_producer_b_cannot_change_producer_a(as_user, owner_a, owner_b, producers):
    a, _ = producers
    product_a = a.products.first()
    lot_a = _lot(product_a, "LA-2")
    api_b = as_user(owner_b)
    created = api_b(LOT_CREATE, {"input": {"variantId": _variant_id(product_a), "productionDate": "2026-01-02",
                                           "quantity": 10}})["data"]["producerLotCreate"]
    assert created["batch"] is None and created["errors"][0]["code"] == "lot_input"
    event = api_b(EVENT_ADD, {"batch": str(lot_a.pk), "input": {"kind": "PACKING"}})["data"]["producerLotEventAdd"]
    assert event["event"] is None and event["errors"][0]["code"] == "lot_not_found"
    saved = api_b(CHANGE_SAVE, {"product": str(product_a.pk), "input": {"description": "Của B"}})
    assert saved["data"]["producerProductChangeSave"]["errors"][0]["code"] == "product_not_found"
    submitted = api_b(CHANGE_SUBMIT, {"product": str(product_a.pk)})["data"]["producerProductChangeSubmit"]
    assert submitted["change"] is None and submitted["errors"][0]["code"] == "product_not_found"
    assert Batch.objects.filter(variant__product__producer=a).count() == 1
    assert not TraceEvent.objects.filter(batch=lot_a).exists()
    assert not ProductChange.objects.filter(product=product_a).exists()


def test_lot_create_is_idempotent_and_refuses_bad_input(as_user, owner_a, producers):
    api = as_user(owner_a)
    product = producers[0].products.first()
    key = str(uuid.uuid4())
    variables = {"key": key, "input": {"variantId": _variant_id(product), "lotCode": "MO-2601",
                                       "productionDate": "2026-01-02", "quantity": 120}}
    first = api(LOT_CREATE, variables)["data"]["producerLotCreate"]
    again = api(LOT_CREATE, variables)["data"]["producerLotCreate"]
    assert first["errors"] == [] and again["errors"] == [] and first["batch"]["id"] == again["batch"]["id"]
    assert Batch.objects.filter(lot_code="MO-2601").count() == 1
    bad = api(LOT_CREATE, {"input": {**variables["input"], "lotCode": "MO-2602", "quantity": 0}}, language="en")
    error = bad["data"]["producerLotCreate"]["errors"][0]
    assert error["code"] == "quantity" and error["field"] == "quantity" and "at least 1" in error["message"]


PDF = base64.b64encode(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").decode()


def test_events_from_harvest_to_dispatch(as_user, owner_a, producers, sales_point):
    api = as_user(owner_a)
    lot = _lot(producers[0].products.first(), "LA-3")
    for kind, extra in (("HARVEST", {"quantity": 12.5}), ("PROCESSING", {}),
                        ("QUALITY", {"reportPdfBase64": PDF, "reportTitle": "Phiếu 12/2026"}), ("PACKING", {})):
        body = api(EVENT_ADD, {"batch": str(lot.pk), "key": str(uuid.uuid4()), "input": {"kind": kind, **extra}})
        assert body["data"]["producerLotEventAdd"]["errors"] == [], kind
    not_pdf = api(EVENT_ADD, {"batch": str(lot.pk), "input": {"kind": "QUALITY", "reportPdfBase64": "aGVsbG8="}},
                  language="en")["data"]["producerLotEventAdd"]
    assert not_pdf["errors"][0]["code"] == "report_invalid" and "PDF" in not_pdf["errors"][0]["message"]
    no_point = api(EVENT_ADD, {"batch": str(lot.pk), "input": {"kind": "DISPATCH", "quantity": 40}})
    assert no_point["data"]["producerLotEventAdd"]["errors"][0]["code"] == "lot_input"
    key = str(uuid.uuid4())
    dispatch = {"batch": str(lot.pk), "key": key, "input": {"kind": "DISPATCH", "salesPointId": str(sales_point.pk),
                                                            "quantity": 40}}
    assert api(EVENT_ADD, dispatch)["data"]["producerLotEventAdd"]["errors"] == []
    assert api(EVENT_ADD, dispatch)["data"]["producerLotEventAdd"]["errors"] == []  # a retry records nothing more
    steps = [s.rsplit("/", 1)[-1].rsplit("-", 1)[-1] for s in
             TraceEvent.objects.filter(batch=lot).order_by("pk").values_list("biz_step", flat=True)]
    assert len(steps) == 5 and steps[-1] == "shipping"
    sent = Transfer.objects.get(to_point=sales_point, status=Transfer.Status.SENT)
    assert sent.from_producer_id == producers[0].pk and [ln.quantity_sent for ln in sent.lines.all()] == [40]
    wrong = api(EVENT_ADD, {"batch": str(lot.pk), "input": {"kind": "DANCING"}}, expect_errors=True)
    assert "DANCING" in wrong["errors"][0]["message"]


def test_product_change_save_submit_and_pending_status(as_user, owner_a, producers):
    api = as_user(owner_a)
    product = producers[0].products.first()
    saved = api(CHANGE_SAVE, {"product": str(product.pk), "input": {"description": "Mật ong hoa ban rừng",
                                                                     "descriptionEn": "Wild bauhinia honey"}})
    change = saved["data"]["producerProductChangeSave"]["change"]
    assert change["status"] == "DRAFT" and change["proposed"]
    key = str(uuid.uuid4())
    sent = api(CHANGE_SUBMIT, {"product": str(product.pk), "key": key})["data"]["producerProductChangeSubmit"]
    assert sent["errors"] == [] and sent["change"]["status"] == "PENDING"
    assert api(CHANGE_SUBMIT, {"product": str(product.pk), "key": key})["data"]["producerProductChangeSubmit"]["errors"] == []
    row = api(PRODUCTS)["data"]["myProducts"][0]
    assert row["openChange"]["status"] == "PENDING" and row["openChange"]["submittedAt"]
    product.refresh_from_db()
    assert product.description != "Mật ong hoa ban rừng"  # published only once the province approves
    locked = api(CHANGE_SAVE, {"product": str(product.pk), "input": {"description": "Khác"}})
    assert locked["data"]["producerProductChangeSave"]["errors"][0]["code"] == "change_pending"


def test_stock_per_point_is_shown(as_user, owner_a, producers, sales_point):
    product = producers[0].products.first()
    ledger.stock_up(product.variants.first(), sales_point, 7)
    row = as_user(owner_a)(PRODUCTS)["data"]["myProducts"][0]
    assert row["stock"] == [{"sku": product.variants.first().sku, "quantityOnHand": 7, "quantityAvailable": 7,
                             "salesPoint": {"code": sales_point.code}}]


def test_scans_are_counted_for_their_producer_only(as_user, owner_a, owner_b, producers):
    lot = _lot(producers[0].products.first(), "LA-4")
    now = timezone.now()
    for verdict in ("AUTHENTIC_FIRST_SCAN", "SUSPICIOUS"):
        Scan.objects.create(scanned_at=now, last_seen_at=now, code=lot.short_code, batch=lot, verdict=verdict,
                            client_hash="x", hits=2)
    query = "{ myScans { scans hits suspicious reports byVerdict { key count } byMonth { key count } byPlace { key count } } }"
    a = as_user(owner_a)(query)["data"]["myScans"]
    assert (a["scans"], a["hits"], a["suspicious"]) == (2, 4, 1)
    assert a["byMonth"] == [{"key": f"{timezone.localdate():%Y-%m}", "count": 2}]
    b = as_user(owner_b)(query)["data"]["myScans"]
    assert (b["scans"], b["hits"], b["suspicious"]) == (0, 0, 0)
    too_long = as_user(owner_a)('{ myScans(start: "2024-01-01", end: "2026-01-01") { scans } }', expect_errors=True)
    assert too_long["errors"][0]["extensions"]["code"] == "range_too_long"


def test_my_sales_is_empty_without_orders(as_user, owner_a, producers):
    assert as_user(owner_a)("{ mySales { month units salesPoint { code } } }")["data"]["mySales"] == []
    bad = as_user(owner_a)('{ mySales(start: "2026-03-01", end: "2026-01-01") { units } }', expect_errors=True)
    assert bad["errors"][0]["extensions"]["code"] == "range_reversed"


def test_my_products_costs_the_same_queries_for_one_or_many(as_user, owner_a, producers, make_product, sales_point,
                                                            django_assert_max_num_queries):
    api = as_user(owner_a)
    first = producers[0].products.first()
    ledger.stock_up(first.variants.first(), sales_point, 2)
    ProductChange.objects.create(product=first, producer=producers[0], fields={"description": "x"})
    api(PRODUCTS)  # warm the token's last-used stamp
    with django_assert_max_num_queries(12) as one:
        assert len(api(PRODUCTS)["data"]["myProducts"]) == 1
    for i in range(6):
        extra = make_product(f"Sản phẩm thêm {i}")
        extra.producer = producers[0]
        extra.save(update_fields=["producer"])
        ledger.stock_up(extra.variants.first(), sales_point, 3)
        ProductChange.objects.create(product=extra, producer=producers[0], fields={"description": "x"})
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(api(PRODUCTS)["data"]["myProducts"]) == 7


def test_my_lots_pages_in_a_fixed_number_of_queries(as_user, owner_a, producers, django_assert_max_num_queries):
    api = as_user(owner_a)
    product = producers[0].products.first()
    for i in range(3):
        lot = _lot(product, f"LQ-{i}")
        trace_services.add_event(batch=lot, biz_step="packing", event_time=timezone.now())
    api(LOTS)
    with django_assert_max_num_queries(10) as few:
        assert api(LOTS, {"first": 2})["data"]["myLots"]["totalCount"] == 3
    for i in range(3, 12):
        lot = _lot(product, f"LQ-{i}")
        trace_services.add_event(batch=lot, biz_step="packing", event_time=timezone.now())
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = api(LOTS, {"first": 10})["data"]["myLots"]
    assert len(page["edges"]) == 10 and page["pageInfo"]["hasNextPage"]
    rest = api(LOTS, {"first": 10, "after": page["pageInfo"]["endCursor"]})["data"]["myLots"]
    assert len(rest["edges"]) == 2 and not rest["pageInfo"]["hasNextPage"]


def test_the_fields_have_weights_in_the_cost_limit(settings):
    def cost(text, variables=None):
        return operation_cost(schema.graphql_schema, parse(text), variables)
    assert cost("{ myScans { scans } }") >= 200
    assert cost("{ mySales { units } }") >= 200
    assert cost(LOTS, {"first": 100}) > cost(LOTS, {"first": 10}) > cost("{ myProducer { role } }")
    assert cost(LOTS, {"first": 100}) <= settings.GRAPHQL_MAX_COST  # a full page of lots is allowed


def test_too_expensive_lot_queries_are_refused(as_user, owner_a, producers, settings):
    query = "{ " + " ".join(
        f"l{i}: myLots(first: 100) {{ edges {{ node {{ lotCode status quantity productionDate expiryDate "
        f"events {{ bizStep description place }} variant {{ sku name }} }} }} }}"
        for i in range(9)) + " }"
    assert operation_cost(schema.graphql_schema, parse(query)) > settings.GRAPHQL_MAX_COST
    body = as_user(owner_a)(query, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "query_too_expensive" and body.get("data") is None

