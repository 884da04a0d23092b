"""The read replica (shop/db/router.py, shop/db/middleware.py) and the pooler settings (docs/scaling.md).

How the pages are proved to read the replica inside a test: the test's rows live in a transaction
that another connection cannot see, so a real second connection (Django's TEST MIRROR) would find
nothing. The `replica` fixture adds a "replica" alias to `connections` (not to settings, which were
read at start-up) whose wrapper is a wrapper of its own, with its own query log, over the primary
connection's database connection: it sees the test's rows, and CaptureQueriesContext on it counts
exactly the queries the router sent there. Its HOST names another server, so the router takes it
for one (a replica naming the primary's own database is the primary: see replica_configured()).
"""
import contextlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.db import connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from catalog.models import Product
from inventory.models import Stock
from orders.models import Order
from search.models import SearchEntry
from shop.db import router as replica_router
from shop.db.middleware import STICKY_COOKIE, ReplicaReadsMiddleware
from shop.db.router import REPLICA, ReplicaRouter, primary, replica_reads
from shop.graphql.core import global_id
from shop.models import SalesPoint
from traceability.models import Scan

ROOT = Path(__file__).resolve().parents[2]
ROUTER = "shop.db.router.ReplicaRouter"
MIDDLEWARE = "shop.db.middleware.ReplicaReadsMiddleware"


@contextlib.contextmanager
def _alias(config):
    """connections[REPLICA] configured so (None: no such alias) for a while; whatever was there
    before (a run with DATABASE_REPLICA_URL set) comes back after."""
    saved = (connections.settings.pop(REPLICA, None), getattr(connections._connections, REPLICA, None))
    if saved[1] is not None:
        del connections[REPLICA]
    if config is not None:
        connections.settings[REPLICA] = config
    try:
        yield connections[REPLICA] if config is not None else None
    finally:
        if config is not None:
            del connections[REPLICA]
        connections.settings.pop(REPLICA, None)
        if saved[0] is not None:
            connections.settings[REPLICA] = saved[0]
        if saved[1] is not None:
            setattr(connections._connections, REPLICA, saved[1])


@pytest.fixture
def replica(db, settings):
    """A "replica" alias over the primary's connection, the router and the middleware installed."""
    primary_connection = connections["default"]
    primary_connection.ensure_connection()
    config = {**primary_connection.settings_dict, "HOST": "replica.invalid",
              "TEST": {**primary_connection.settings_dict["TEST"], "MIRROR": "default"}}
    settings.DATABASE_ROUTERS = [ROUTER]
    middleware = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
    middleware.insert(middleware.index("shop.auth.BearerTokenMiddleware") + 1, MIDDLEWARE)
    settings.MIDDLEWARE = middleware
    with _alias(config) as wrapper:
        wrapper.connection = primary_connection.connection  # never connects on its own
        wrapper.autocommit = primary_connection.get_autocommit()
        try:
            yield wrapper
        finally:
            wrapper.connection = None  # the primary's: not this wrapper's to close


# -- the router's decisions ----------------------------------------------------------------

@pytest.fixture
def configured(replica):
    return ReplicaRouter()


def test_catalogue_search_and_trace_reads_go_to_the_replica_only_where_allowed(configured):
    assert configured.db_for_read(Product) == "default"  # not allowed here: a task, a command, the shell
    with replica_reads():
        assert configured.db_for_read(Product) == REPLICA
        assert configured.db_for_read(SearchEntry) == REPLICA
        assert configured.db_for_read(Scan) == REPLICA
        # Orders, stock, sales points (shop) and accounts always read the primary.
        assert configured.db_for_read(Order) == "default"
        assert configured.db_for_read(Stock) == "default"
        assert configured.db_for_read(SalesPoint) == "default"
        assert configured.db_for_read(User) == "default"
    assert configured.db_for_read(Product) == "default"


def test_writes_always_go_to_the_primary(configured):
    with replica_reads():
        for model in (Product, SearchEntry, Scan, Order, Stock):
            assert configured.db_for_write(model) == "default"


def test_a_transaction_opened_since_reads_the_primary(configured):
    with replica_reads():
        with transaction.atomic():
            assert configured.db_for_read(Product) == "default"
            with transaction.atomic():  # a savepoint: still inside
                assert configured.db_for_read(Scan) == "default"
        assert configured.db_for_read(Product) == REPLICA  # the transaction is over


def test_primary_pins_reads(configured):
    with replica_reads():
        with primary():
            assert configured.db_for_read(Product) == "default"
            with replica_reads():  # allowing again inside does not undo the pin
                assert configured.db_for_read(Product) == "default"
        assert configured.db_for_read(Product) == REPLICA


def test_celery_tasks_read_the_primary_even_inline(configured):
    from shop.celery import app

    @app.task(name="tests.replica_probe")
    def probe():
        return configured.db_for_read(Product)

    try:
        with replica_reads():
            assert probe.apply().get() == "default"  # run inline, as CELERY_TASK_ALWAYS_EAGER does
            assert configured.db_for_read(Product) == REPLICA
    finally:
        app.tasks.pop("tests.replica_probe", None)


def test_relations_and_migrations(configured):
    one, other = Product(), Product()
    one._state.db, other._state.db = "default", REPLICA
    assert configured.allow_relation(one, other) is True
    assert configured.allow_relation(other, other) is True
    other._state.db = "elsewhere"
    assert configured.allow_relation(one, other) is None  # not ours to decide
    assert configured.allow_migrate(REPLICA, "catalog", "product") is False
    assert configured.allow_migrate("default", "catalog", "product") is not False


def test_without_a_replica_every_read_is_the_primary(db):
    with _alias(None), replica_reads():
        assert not replica_router.reads_replica()
        assert ReplicaRouter().db_for_read(Product) == "default"


def test_a_replica_naming_the_primary_database_is_the_primary(replica):
    connections.settings[REPLICA]["HOST"] = connections["default"].settings_dict["HOST"]
    with replica_reads():
        assert ReplicaRouter().db_for_read(Product) == "default"


# -- the middleware ------------------------------------------------------------------------

def _decision(request) -> tuple[bool, HttpResponse]:
    seen = {}

    def view(request):
        seen["replica"] = replica_router.reads_replica()
        return HttpResponse("ok")

    response = ReplicaReadsMiddleware(view)(request)
    return seen["replica"], response


def test_anonymous_get_reads_the_replica_and_post_the_primary(replica, rf: RequestFactory):
    get = rf.get("/san-pham/")
    get.user = AnonymousUser()
    assert _decision(get)[0] is True
    head = rf.head("/q/ABCDEFGH")
    head.user = AnonymousUser()
    assert _decision(head)[0] is True
    post = rf.post("/graphql/", "{}", content_type="application/json")
    post.user = AnonymousUser()
    reads_replica, response = _decision(post)
    assert reads_replica is False
    # The same browser reads the primary for a few seconds after: it sees what it just did.
    assert response.cookies[STICKY_COOKIE]["max-age"] == 5
    after = rf.get("/san-pham/", HTTP_COOKIE=f"{STICKY_COOKIE}=1")
    after.user = AnonymousUser()
    assert _decision(after)[0] is False


def test_signed_in_and_write_paths_read_the_primary(replica, rf, django_user_model):
    staff = django_user_model.objects.create_user("staff@example.com", "staff@example.com", "x", is_staff=True)
    signed_in = rf.get("/san-pham/", HTTP_COOKIE="sessionid=abc")
    signed_in.user = staff
    assert _decision(signed_in)[0] is False
    token = rf.get("/graphql/?query={shop{name}}", HTTP_AUTHORIZATION="Bearer x")
    token.user = staff
    assert _decision(token)[0] is False
    for path in ("/admin/", "/staff/orders/", "/en/staff/", "/producer/lots/", "/thanh-toan/", "/en/checkout/",
                 "/gio-hang/"):
        request = rf.get(path)
        request.user = AnonymousUser()
        assert _decision(request)[0] is False, path
    # A session cookie without a signed-in user (a visitor with a cart) is still anonymous.
    visitor = rf.get("/san-pham/", HTTP_COOKIE="sessionid=abc")
    visitor.user = AnonymousUser()
    assert _decision(visitor)[0] is True


# -- through the whole stack ---------------------------------------------------------------

@pytest.fixture
def product(make_product, sales_point):
    return make_product("Mật ong bạc hà", stock={sales_point: 10})


def test_catalogue_pages_read_the_replica(replica, client, product):
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:
        page = client.get(f"/san-pham/{product.slug}/")
    assert page.status_code == 200 and "Mật ong bạc hà" in page.content.decode()
    assert len(on_replica) > 0
    stock = re.compile(rf"\b{Stock._meta.db_table}\b")  # inventory's table keeps its old name, catalog_stock
    on_replica_sql = " ".join(q["sql"] for q in on_replica)
    assert f'"{Product._meta.db_table}"."name"' in on_replica_sql  # the product (joined to its variants)
    # What the replica is never asked: stock (inventory), shipping (orders), sales points (shop).
    assert not stock.search(on_replica_sql) and '"orders_' not in on_replica_sql and '"shop_' not in on_replica_sql
    assert any(stock.search(q["sql"]) for q in on_primary)  # the page's stock, from the primary

    listing = "{ products(first: 5) { totalCount edges { node { name } } } }"
    with CaptureQueriesContext(replica) as on_replica:
        answer = client.get("/graphql/", {"query": listing})
    assert answer.status_code == 200, answer.content
    assert answer.json()["data"]["products"]["totalCount"] == 1
    assert len(on_replica) > 0

    with CaptureQueriesContext(replica) as on_replica:
        posted = client.post("/graphql/", json.dumps({"query": listing}), content_type="application/json")
    assert posted.json()["data"]["products"]["totalCount"] == 1
    assert len(on_replica) == 0  # a POST reads the primary (queries included: the body is not looked into)


CREATE = """mutation($input: CheckoutCreateInput!) { checkoutCreate(input: $input) {
  checkout { token } errors { field code message } } }"""
DELIVERY = """mutation($token: UUID!, $point: ID) { checkoutDeliveryMethodUpdate(token: $token, pickupPointId: $point) {
  errors { field code message } } }"""
COMPLETE = """mutation($token: UUID!) { checkoutComplete(token: $token, paymentMethod: PAY_AT_PICKUP) {
  order { number status } errors { field code message } } }"""


def test_checkout_runs_wholly_on_the_primary(replica, gql, product, sales_point):
    variant = product.variants.get()
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:
        made = gql(CREATE, {"input": {"lines": [{"variantId": global_id("ProductVariant", variant.pk), "quantity": 2}],
                                      "email": "khach@example.com"}})["data"]["checkoutCreate"]
        assert made["errors"] == []
        token = made["checkout"]["token"]
        chosen = gql(DELIVERY, {"token": token, "point": global_id("SalesPoint", sales_point.pk)})
        assert chosen["data"]["checkoutDeliveryMethodUpdate"]["errors"] == []
        done = gql(COMPLETE, {"token": token})["data"]["checkoutComplete"]
    assert done["errors"] == [] and done["order"]["status"] == "CONFIRMED"
    assert on_replica.captured_queries == []
    assert any(f'"{Product._meta.db_table}"' in q["sql"] for q in on_primary)  # the catalogue, read on the primary
    assert Stock.objects.get(variant=variant, sales_point=sales_point).quantity_allocated == 2


# -- the settings -------------------------------------------------------------------------

def _databases(**env) -> dict:
    """shop.settings' DATABASES, MIDDLEWARE and routers read in a fresh interpreter with this environment."""
    script = ("import json, shop.settings as s; print(json.dumps({'databases': s.DATABASES, "
              "'middleware': s.MIDDLEWARE, 'routers': getattr(s, 'DATABASE_ROUTERS', [])}, default=str))")
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("DATABASE_", "DJANGO_"))}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**base, **env}, capture_output=True,
                         text=True, check=True, timeout=60)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_transaction_pooling_settings_keep_options_and_connection_age():
    found = _databases(DATABASE_URL="postgres://ocop:pw@pgbouncer:5432/ocop?sslmode=require",
                       DATABASE_POOLER="transaction", DB_CONN_MAX_AGE="120")
    default = found["databases"]["default"]
    assert default["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert default["OPTIONS"] == {"sslmode": "require", "prepare_threshold": None}  # merged, not replaced
    assert default["CONN_MAX_AGE"] == 120
    assert found["routers"] == [] and MIDDLEWARE not in found["middleware"]


def test_without_the_pooler_flag_nothing_changes():
    default = _databases(DATABASE_URL="postgres://ocop:pw@postgres:5432/ocop")["databases"]["default"]
    assert "DISABLE_SERVER_SIDE_CURSORS" not in default or default["DISABLE_SERVER_SIDE_CURSORS"] is False
    assert "prepare_threshold" not in default.get("OPTIONS", {})
    sqlite = _databases(DATABASE_POOLER="transaction")["databases"]["default"]  # SQLite: no pooler to speak of
    assert sqlite["ENGINE"] == "shop.db.sqlite3" and "prepare_threshold" not in sqlite["OPTIONS"]


def test_a_replica_url_adds_the_alias_router_and_middleware():
    found = _databases(DATABASE_URL="postgres://ocop:pw@pgbouncer:5432/ocop",
                       DATABASE_REPLICA_URL="postgres://ocop:pw@replica:5432/ocop", DATABASE_POOLER="transaction")
    replica = found["databases"]["replica"]
    assert replica["HOST"] == "replica" and replica["TEST"] == {"MIRROR": "default"}
    assert replica["CONN_MAX_AGE"] == found["databases"]["default"]["CONN_MAX_AGE"]
    assert replica["DISABLE_SERVER_SIDE_CURSORS"] is True and replica["OPTIONS"]["prepare_threshold"] is None
    assert found["routers"] == [ROUTER]
    middleware = found["middleware"]
    # After both authentications (it looks at the user), before anything that reads the catalogue.
    assert middleware.index("shop.auth.BearerTokenMiddleware") < middleware.index(MIDDLEWARE)
    assert middleware.index(MIDDLEWARE) == middleware.index("shop.auth.BearerTokenMiddleware") + 1


# -- the scaled stack ----------------------------------------------------------------------

def test_compose_puts_pgbouncer_between_the_app_and_postgresql():
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    bouncer = services["pgbouncer"]
    image, _, tag = bouncer["image"].partition(":")
    assert image == "edoburu/pgbouncer" and tag and tag != "latest"  # pinned
    env = bouncer["environment"]
    assert env["POOL_MODE"] == "transaction" and env["DB_HOST"] == "postgres"
    assert int(env["DEFAULT_POOL_SIZE"]) + int(env["RESERVE_POOL_SIZE"]) <= int(env["MAX_DB_CONNECTIONS"]) < 100
    assert int(env["MAX_CLIENT_CONN"]) > int(env["MAX_DB_CONNECTIONS"])
    assert bouncer["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        app = services[name]
        assert app["environment"]["DATABASE_URL"].split("@")[1].startswith("pgbouncer:5432/"), name
        assert app["environment"]["DATABASE_POOLER"] == "transaction", name
        assert app["depends_on"]["pgbouncer"]["condition"] == "service_healthy", name
    # Migrations go straight to PostgreSQL, with the rest of the app's environment.
    migrate = services["migrate"]["environment"]
    assert migrate["DATABASE_URL"].split("@")[1].startswith("postgres:5432/")
    assert migrate["DATABASE_POOLER"] == "none" and migrate["REDIS_URL"] == services["web"]["environment"]["REDIS_URL"]
    assert "migrate --noinput" in " ".join(services["migrate"]["command"])
