"""The shop keeps selling when a service it is configured for goes away (issue 7):
Elasticsearch unreachable, Redis down, the database gone in the middle of a request.
(test_operations.py covers a dead broker for a bare task and /readyz with no database.)"""
import json
import socket
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends import utils
from django.db.models import F

import search
from inventory.models import Stock
from orders.models import Order
from shop.celery import app
from shop.graphql.core import global_id
from traceability import codes, shared
from traceability.models import Batch, Scan

CHECKOUT = [
    ("checkoutCreate", """mutation($variant: ID!) { checkoutCreate(input: {lines: [{variantId: $variant, quantity: 1}],
        email: "khach@example.com"}) { checkout { token } errors { code message } } }"""),
    ("checkoutDeliveryMethodUpdate", """mutation($token: UUID!, $point: ID) {
        checkoutDeliveryMethodUpdate(token: $token, pickupPointId: $point) { errors { code message } } }"""),
    ("checkoutComplete", """mutation($token: UUID!) { checkoutComplete(token: $token, paymentMethod: PAY_AT_PICKUP) {
        order { number } errors { code message } } }"""),
]


def free_port() -> int:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_search_answers_from_the_embedded_index_when_elasticsearch_does_not_and_readyz_says_so(
        settings, make_product, gql, client):
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{free_port()}"
    settings.SEARCH_ES_TIMEOUT = 0.3
    make_product("Mật ong hoa ban")
    search.embedded().rebuild()
    body = gql("""query { search(query: "mat ong") { backend totalCount edges { node { name } } } }""")
    assert body["data"]["search"]["backend"] == "embedded"
    assert [e["node"]["name"] for e in body["data"]["search"]["edges"]] == ["Mật ong hoa ban"]
    ready = client.get("/readyz")
    assert ready.status_code == 200  # search is degraded, not down: the shop stays in the load balancer
    assert "fallback" in ready.json()["checks"]["search"] and settings.ELASTICSEARCH_URL in ready.json()["checks"]["search"]


@pytest.fixture
def redis_down(settings):
    """REDIS_URL set, a worker expected (not eager), and nothing listening there."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    settings.REDIS_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.TRACE_SCAN_BUFFER = settings.TRACE_CACHE_LOTS = True
    keys = ("CELERY_BROKER_URL", "CELERY_BROKER_TRANSPORT_OPTIONS")  # the app reads settings with that prefix
    saved = [app.conf[key] for key in keys]
    app.conf[keys[0]], app.conf[keys[1]] = url, {"socket_connect_timeout": 1, "socket_timeout": 1}
    app._after_fork()  # forget connections made to the previous broker
    shared.reset()
    yield url
    app.conf[keys[0]], app.conf[keys[1]] = saved
    app._after_fork()
    shared.reset()


def test_an_order_is_placed_mailed_and_a_scan_logged_when_redis_is_configured_but_down(
        demo, gql, client, redis_down, mailoutbox, django_capture_on_commit_callbacks, caplog):
    stock = (Stock.objects.filter(sales_point__pickup_enabled=True, quantity_on_hand__gt=F("quantity_allocated") + 1,
                                  variant__product__slug="mat-ong-hoa-ban").select_related("variant").first())
    variables = {"variant": global_id("ProductVariant", stock.variant_id),
                 "point": global_id("SalesPoint", stock.sales_point_id)}
    with django_capture_on_commit_callbacks(execute=True):  # the e-mails are queued after the commit
        for name, mutation in CHECKOUT:
            payload = gql(mutation, variables)["data"][name]
            assert payload["errors"] == [], (name, payload["errors"])
            variables["token"] = variables.get("token") or payload["checkout"]["token"]
    number = payload["order"]["number"]
    assert Order.objects.filter(number=number).exists()
    assert "broker unavailable" in caplog.text  # the worker's broker really was down…
    assert any(number in m.subject and "khach@example.com" in m.to for m in mailoutbox)  # …so sent inline, not lost

    batch = Batch.objects.filter(variant__gtin__isnull=False).first()
    response = client.get(codes.link_for_batch(batch, base=""), REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 200 and Scan.objects.filter(batch=batch).exists()  # written at once
    assert client.get("/readyz").status_code == 200


def _database_gone_after(queries: int):
    """The database answers `queries` queries, then the connection drops."""
    real, seen = utils.CursorWrapper._execute, []

    def execute(self, *args, **kwargs):
        seen.append(1)
        if len(seen) > queries:
            raise OperationalError("server closed the connection unexpectedly")
        return real(self, *args, **kwargs)

    return mock.patch.object(utils.CursorWrapper, "_execute", execute)


@pytest.mark.parametrize("language, text", [("vi", "thử lại"), ("en", "try again")])
def test_the_database_going_away_in_the_middle_of_a_page_gives_a_503_page(demo, client, language, text):
    client.raise_request_exception = False
    path = "/san-pham/mat-ong-hoa-ban/" if language == "vi" else "/en/products/mat-ong-hoa-ban/"
    with _database_gone_after(1):
        response = client.get(path)
    body = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] and text in body
    assert "Traceback" not in body and "server closed" not in body


def test_the_database_going_away_under_graphql_gives_a_503_not_its_error_text(demo, client):
    client.raise_request_exception = False
    with _database_gone_after(0):
        response = client.post("/graphql/", json.dumps({"query": "{ products(first: 5) { edges { node { name } } } }"}),
                               content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "service_unavailable"
    assert "server closed" not in response.content.decode()


def test_a_mail_server_that_refuses_never_undoes_an_order(demo, gql, mailoutbox, django_capture_on_commit_callbacks,
                                                          caplog):
    from smtplib import SMTPServerDisconnected

    stock = (Stock.objects.filter(sales_point__pickup_enabled=True, quantity_on_hand__gt=F("quantity_allocated") + 1,
                                  variant__product__slug="mat-ong-hoa-ban").first())
    variables = {"variant": global_id("ProductVariant", stock.variant_id),
                 "point": global_id("SalesPoint", stock.sales_point_id)}
    with mock.patch("shop.tasks.send_mail", side_effect=SMTPServerDisconnected("gone")) as send, \
            django_capture_on_commit_callbacks(execute=True):
        for name, mutation in CHECKOUT:
            payload = gql(mutation, variables)["data"][name]
            assert payload["errors"] == [], (name, payload["errors"])
            variables["token"] = variables.get("token") or payload["checkout"]["token"]
    assert Order.objects.filter(number=payload["order"]["number"]).exists()
    assert send.call_count == 2  # the customer's and the staff's, once each: inline, a retry would only wait
    assert "shop.tasks.send_email failed for good" in caplog.text  # logged with enough to act on
    assert "khach@example.com" in caplog.text
