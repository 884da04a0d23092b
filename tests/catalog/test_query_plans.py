"""The catalogue's queries keep plans that scale (issue 18, item 2).

At 10,000 products the GraphQL product list took 13 s on SQLite: the "in force" EXISTS was
answered, per product, through the unique index on `superseded_by_id` (every current
certificate, for every product), and then every product was sorted by name. These tests
run the real catalogue surfaces (the GraphQL list, the catalogue page with each filter and
its facets, the home page, the search page, the admin's certificate filter), capture their
SQL, and ask the database for its plan of each:

- SQLite (EXPLAIN QUERY PLAN): inside a correlated subquery the certification table is never
  scanned, nor searched by anything but the product (or its own id); no correlated subquery
  reads all the stock of a sales point; the name-ordered list reads its order from an index.
  Without statistics SQLite plans from the schema alone, so a small test database gets the
  plan a 10,000-product one gets.
- PostgreSQL (EXPLAIN): the certificate and stock filters are joins (no SubPlan over those
  tables); the stars a product shows (a scalar subquery, so a SubPlan by nature) read the
  certificates through an index, never a sequential scan (checked with sequential scans
  discouraged, since on a handful of rows one is the cheaper plan and says nothing).
"""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import certification
from catalog.models import Product
from storefront import selectors as pages

CERT = "catalog_certification"
STOCK = "catalog_stock"

PRODUCT_LIST = (
    "query { products(first: 20) { totalCount edges { node { id name slug thumbnail(size: 256) { url } "
    "priceRange { min max } group variants { id name sku stock { quantityAvailable } } } } } }"
)


@pytest.fixture
def catalogue(make_product, sales_point):
    """A few products: certified, expired, revoked, superseded, in stock at a point or not."""
    today = certification.today()
    made = [
        make_product("Mật ong hoa ban", stars=4, stock={sales_point: 5}),
        make_product("Trà Shan tuyết", stars=3, stock={sales_point: 2}),
        make_product("Gạo Séng Cù", stars=5),
        make_product("Chẩm chéo", stars=3, decided=certification.add_months(today, -40)),
    ]
    certification.certify(product=made[1], stars=4, decision_number="2/QĐ-nâng", decision_date=today,
                          issuing_body="UBND tỉnh")
    certification.revoke(certificate=made[2].certifications.get(), on=today, reason="vi phạm")
    return made


def _aliases(sql: str, table: str) -> set[str]:
    """The names `table` goes by in `sql` (itself, and Django's U0/V1/T4… aliases)."""
    return {table} | set(re.findall(rf'"{table}"\s+(?:AS\s+)?"?([A-Z]+\d+)"?', sql))


def captured(run) -> list[str]:
    """The SELECTs of the catalogue that `run` sends."""
    with CaptureQueriesContext(connection) as ctx:
        run()
    return [q["sql"] for q in ctx.captured_queries
            if q["sql"].lstrip().upper().startswith("SELECT") and "catalog_product" in q["sql"]]


# -- SQLite -------------------------------------------------------------------------------------

def sqlite_plan(sql: str) -> list[tuple[int, int, str]]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return [(row[0], row[1], row[3]) for row in cursor.fetchall()]


def index_tables() -> dict[str, str]:
    """{index name: its table} (SQLite names the index a step uses, not always the table)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'")
        return dict(cursor.fetchall())


def correlated_problems(sql: str, plan, indexes: dict[str, str] | None = None) -> list[str]:
    """The steps of `plan` that run once per outer row (inside a correlated subquery) and read a
    share of a table that grows with the catalogue: any full scan; certificates searched by
    anything but their product (or id); stock searched by anything but its variant."""
    indexes = index_tables() if indexes is None else indexes
    parents = {node: parent for node, parent, _ in plan}
    correlated = {node for node, _, detail in plan if detail.startswith("CORRELATED")}

    def inside_correlated(node):
        while node in parents:
            node = parents[node]
            if node in correlated:
                return True
        return False

    certs, stock = _aliases(sql, CERT), _aliases(sql, STOCK)
    problems = []
    for node, _, detail in plan:
        match = re.match(r"(SCAN|SEARCH) (\S+)(?: USING (?:COVERING )?INDEX (\S+))?(.*)", detail)
        if not match or not inside_correlated(node):
            continue
        how, name, index, rest = match.groups()
        table = indexes.get(index) or name
        if how == "SCAN":
            problems.append(detail)
        elif table == CERT or (index is None and name in certs and name not in stock):
            if not re.search(r"\((product_id|rowid|id)=", rest):
                problems.append(detail)
        elif table == STOCK and not re.search(r"\((variant_id|rowid|id)=", rest):
            problems.append(detail)
    return problems


def test_the_plan_check_catches_the_quadratic_plan():
    """The check itself, on the plan SQLite chose before (per product, every current certificate)."""
    sql = ('SELECT "catalog_product"."id" FROM "catalog_product" WHERE EXISTS(SELECT 1 AS "a" FROM '
           '"catalog_certification" U0 WHERE (U0."superseded_by_id" IS NULL AND U0."product_id" = '
           '("catalog_product"."id")) LIMIT 1)')
    before = [(2, 0, "SCAN catalog_product"), (7, 0, "CORRELATED SCALAR SUBQUERY 1"),
              (16, 7, "SEARCH U0 USING INDEX sqlite_autoindex_catalog_certification_1 (superseded_by_id=?)")]
    indexes = {"sqlite_autoindex_catalog_certification_1": CERT, "catalog_cer_product_6c784b_idx": CERT}
    assert correlated_problems(sql, before, indexes) == [before[2][2]]
    full_scan = [(2, 0, "SCAN catalog_product"), (7, 0, "CORRELATED SCALAR SUBQUERY 1"), (16, 7, "SCAN U0")]
    assert correlated_problems(sql, full_scan, indexes) == ["SCAN U0"]
    now = before[:2] + [(16, 7, "SEARCH U0 USING INDEX catalog_cer_product_6c784b_idx (product_id=? AND valid_until>?)")]
    assert correlated_problems(sql, now, indexes) == []
    # The sales-point filter before: per product, every stock row of the point.
    by_point = before[:2] + [(16, 7, "SEARCH V0 USING INDEX catalog_stock_sales_point_id_5ae312ef (sales_point_id=?)")]
    assert correlated_problems(sql, by_point, {"catalog_stock_sales_point_id_5ae312ef": STOCK}) == [by_point[2][2]]


def surfaces(client, sales_point):
    """Every catalogue read a buyer or an officer triggers: (name, callable)."""

    def listing(query: str):
        def run():
            request = client.get(f"/san-pham/{query}")
            assert request.status_code == 200
        return run

    def graphql():
        response = client.post("/graphql/", {"query": PRODUCT_LIST}, content_type="application/json")
        assert response.status_code == 200 and "errors" not in response.json(), response.content

    def home():
        pages.home(pages.Reference.load())

    def admin_standing():
        day = certification.today()
        for status in (None, *certification.CertificateStatus):
            list(certification.filter_standing(Product.objects.all(), status, day).values_list("pk", flat=True))
        certification.report(day)

    return [
        ("graphql product list", graphql),
        ("catalogue", listing("")),
        ("catalogue by name", listing("?sort=name")),
        ("catalogue by price", listing("?sort=price")),
        ("catalogue 4★", listing("?stars=4")),
        ("catalogue at a point", listing(f"?point={sales_point.code}")),
        ("catalogue group, district, band", listing("?group=test-group&district=102&price=0-200000")),
        ("home", home),
        ("search page", listing("?q=mat+ong")),
        ("admin standing and report", admin_standing),
    ]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's EXPLAIN QUERY PLAN")
def test_sqlite_answers_the_catalogue_without_a_correlated_scan(client, catalogue, sales_point):
    checked = 0
    for name, run in surfaces(client, sales_point):
        for sql in captured(run):
            problems = correlated_problems(sql, sqlite_plan(sql))
            assert not problems, f"{name}: {problems}\n{sql}"
            checked += 1
    assert checked > 20


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's EXPLAIN QUERY PLAN")
def test_sqlite_reads_the_product_list_in_name_order_from_an_index(client, catalogue):
    queries = captured(lambda: client.post("/graphql/", {"query": PRODUCT_LIST}, content_type="application/json"))
    page = next(sql for sql in queries if "LIMIT 21" in sql)
    outer = [d for node, parent, d in sqlite_plan(page) if parent == 0]
    assert not any(d == "USE TEMP B-TREE FOR ORDER BY" for d in outer), outer
    assert any(d.startswith("SCAN catalog_product USING") and "INDEX" in d for d in outer), outer


# -- PostgreSQL ---------------------------------------------------------------------------------

def postgres_plan(sql: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            return cursor.fetchone()[0][0]["Plan"]
        finally:
            cursor.execute("RESET enable_seqscan")


def subplan_problems(plan: dict, sql: str) -> list[str]:
    """Per-row SubPlans over certificates or stock that filter products (EXISTS and IN must be
    joins or hashed once), and any sequential scan of those tables inside a SubPlan. The one
    per-row SubPlan allowed is the pick of a product's one certificate (the stars it shows, its
    standing: ORDER BY … LIMIT 1, a Limit node), read through an index."""
    certs, stock = _aliases(sql, CERT), _aliases(sql, STOCK)
    watched = certs | stock
    problems = []

    def tables(node) -> set[str]:
        found = {node.get("Alias"), node.get("Relation Name")} - {None}
        for child in node.get("Plans", []):
            found |= tables(child)
        return found

    def walk(node, in_subplan=False):
        subplan = node.get("Parent Relationship") == "SubPlan"
        name = node.get("Subplan Name", "")
        if subplan and not name.startswith("hashed") and node.get("Node Type") != "Limit" and tables(node) & watched:
            problems.append(f"per-row {name} over {sorted(tables(node) & watched)}")
        inside = in_subplan or subplan
        if inside and node.get("Node Type") == "Seq Scan" and {node.get("Alias"), node.get("Relation Name")} & watched:
            problems.append(f"sequential scan of {node.get('Relation Name')} in a SubPlan")
        for child in node.get("Plans", []):
            walk(child, inside)

    walk(plan)
    return problems


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's EXPLAIN")
def test_postgresql_joins_the_certificate_and_stock_filters(client, catalogue, sales_point):
    checked = 0
    for name, run in surfaces(client, sales_point):
        for sql in captured(run):
            problems = subplan_problems(postgres_plan(sql), sql)
            assert not problems, f"{name}: {problems}\n{sql}"
            checked += 1
    assert checked > 20
