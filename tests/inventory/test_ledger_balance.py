"""The database keeps each movement's running totals chained to the one before it and checks a
stock row against its latest movement only (migration 0005): the same guarantee as a sum of the
whole ledger, at one index probe per write however long the row's history."""
import importlib
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, close_old_connections, connection, connections, transaction
from django.db.models import F

from inventory import audit, ledger
from inventory.models import Stock, StockMovement

Kind = StockMovement.Kind
migration = importlib.import_module("inventory.migrations.0005_ledger_running_totals")


@pytest.fixture
def variant(make_product):
    return make_product().variants.get()


@pytest.fixture
def second(make_product):
    return make_product("Trà shan tuyết").variants.get().pk


def movement(stock, on_hand=0, allocated=0, *, after, kind=Kind.ADJUSTMENT, **extra):
    return StockMovement(stock=stock, kind=kind, on_hand_change=on_hand, allocated_change=allocated,
                         on_hand_after=after[0], allocated_after=after[1], reason="raw", **extra)


def totals(stock):
    return list(StockMovement.objects.filter(stock=stock).order_by("id").values_list("on_hand_after", "allocated_after"))


def test_a_movement_must_carry_the_previous_totals_plus_its_change(variant, sales_point):
    stock = ledger.receive(variant_id=variant.pk, sales_point_id=sales_point.pk, quantity=5)
    for wrong in [(7, 0), (1, 0), (5, 0), (6, 1)]:  # 5/0 and +1 on hand is 6/0, nothing else
        with pytest.raises(IntegrityError, match="stock_ledger_running_totals"), transaction.atomic():
            movement(stock, on_hand=1, after=wrong).save()
    movement(stock, on_hand=1, after=(6, 0)).save()  # the right totals are accepted...
    Stock.objects.filter(pk=stock.pk).update(quantity_on_hand=F("quantity_on_hand") + 1)  # ...and the row follows
    assert totals(stock) == [(5, 0), (6, 0)] and audit.audit().clean


def test_the_first_movement_of_a_row_starts_from_nothing(variant, sales_point):
    stock = Stock.objects.create(variant=variant, sales_point=sales_point)
    with pytest.raises(IntegrityError, match="stock_ledger_running_totals"), transaction.atomic():
        movement(stock, on_hand=3, after=(10, 0)).save()  # an opening balance that claims history
    movement(stock, on_hand=3, after=(3, 0)).save()


def test_a_movement_cannot_be_slipped_in_before_the_latest(variant, sales_point):
    stock = ledger.receive(variant_id=variant.pk, sales_point_id=sales_point.pk, quantity=5)
    latest = StockMovement.objects.get()
    with pytest.raises(IntegrityError, match="stock_ledger_running_totals"), transaction.atomic():
        movement(stock, on_hand=1, after=(6, 0), id=latest.pk - 1 if latest.pk > 1 else 0).save(force_insert=True)


def test_the_row_must_equal_the_latest_totals(variant, second, sales_point):
    stock = ledger.receive(variant_id=variant.pk, sales_point_id=sales_point.pk, quantity=5)
    movement(stock, allocated=2, after=(5, 2), kind=Kind.ALLOCATE).save()
    with pytest.raises(IntegrityError, match="stock_ledger_mismatch"), transaction.atomic():
        Stock.objects.filter(pk=stock.pk).update(quantity_allocated=1)
    with pytest.raises(IntegrityError, match="stock_ledger_mismatch"), transaction.atomic():
        Stock.objects.filter(pk=stock.pk).update(quantity_on_hand=6, quantity_allocated=2)
    Stock.objects.filter(pk=stock.pk).update(quantity_allocated=2)
    other = ledger.stock_row(variant_id=second, sales_point_id=sales_point.pk)
    assert (other.quantity_on_hand, other.quantity_allocated) == (0, 0)  # a new row with no movement is 0/0
    with pytest.raises(IntegrityError, match="stock_ledger_mismatch"), transaction.atomic():
        Stock.objects.filter(pk=other.pk).update(quantity_on_hand=1)


def test_running_totals_cannot_be_rewritten(variant, sales_point):
    stock = ledger.receive(variant_id=variant.pk, sales_point_id=sales_point.pk, quantity=5)
    for change in [{"on_hand_after": 50}, {"allocated_after": 1}, {"on_hand_after": 6, "on_hand_change": 6}]:
        with pytest.raises(IntegrityError, match="stock_ledger_append_only"), transaction.atomic():
            StockMovement.objects.filter(stock=stock).update(**change)
    assert totals(stock) == [(5, 0)]


def test_many_movements_of_several_rows_chain_within_one_statement(variant, second, sales_point,
                                                                   django_assert_num_queries):
    ledger.receive(variant_id=variant.pk, sales_point_id=sales_point.pk, quantity=10)
    ledger.receive(variant_id=second, sales_point_id=sales_point.pk, quantity=4)
    with transaction.atomic():
        rows = ledger.lock([variant.pk, second])
        a, b = rows[(sales_point.pk, variant.pk)], rows[(sales_point.pk, second)]
        changes = [ledger.Change(a, Kind.ALLOCATE, allocated=2), ledger.Change(b, Kind.RECEIPT, on_hand=1),
                   ledger.Change(a, Kind.SALE, on_hand=-2, allocated=-2), ledger.Change(b, Kind.ALLOCATE, allocated=4),
                   ledger.Change(a, Kind.ADJUSTMENT, on_hand=-1)]
        with django_assert_num_queries(3):  # one INSERT of five movements, one UPDATE per row (no row sells out)
            ledger.apply(changes, reason="many at once")
    assert totals(a) == [(10, 0), (10, 2), (8, 0), (7, 0)]
    assert totals(b) == [(4, 0), (5, 0), (5, 4)]
    assert Stock.objects.get(pk=a.pk).quantity_on_hand == 7 and audit.audit().clean
    # Raw, in one statement: a wrong link in the middle refuses the whole statement.
    with pytest.raises(IntegrityError, match="stock_ledger_running_totals"), transaction.atomic():
        StockMovement.objects.bulk_create([movement(a, 1, after=(8, 0)), movement(a, 1, after=(10, 0)),
                                           movement(a, 1, after=(10, 0))])
    StockMovement.objects.bulk_create([movement(a, 1, after=(8, 0)), movement(b, 1, after=(6, 4)),
                                       movement(a, 1, after=(9, 0))])
    assert totals(a)[-2:] == [(8, 0), (9, 0)] and totals(b)[-1] == (6, 4)


def _drop(trigger, table="inventory_stockmovement"):
    """As a restore or a hand-written SQL fix could (rolled back with the test)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {trigger}" + (f" ON {table}" if connection.vendor == "postgresql" else ""))


def test_the_migration_recomputes_running_totals_that_do_not_add_up(variant, second, sales_point):
    stock = Stock.objects.create(variant=variant, sales_point=sales_point)
    other = Stock.objects.create(variant_id=second, sales_point=sales_point)
    _drop("inventory_ledger_running_totals")  # a ledger written before 0005 checked nothing
    rows = [(stock.pk, 10, 0, 10, 0), (other.pk, 3, 0, 99, 99), (stock.pk, 0, 4, 10, 4), (stock.pk, -2, -2, 0, 0),
            (other.pk, 0, 1, 3, 1), (stock.pk, 5, 0, 13, 2)]
    with connection.cursor() as cursor:
        for row in rows:
            cursor.execute(
                "INSERT INTO inventory_stockmovement (stock_id, kind, on_hand_change, allocated_change, on_hand_after,"
                " allocated_after, reason, reference, created_at) VALUES (%s, 'ADJUSTMENT', %s, %s, %s, %s, 'raw', '',"
                " CURRENT_TIMESTAMP)", row)
    assert migration.rebalance(connection) == 2  # other's first movement and stock's third
    assert totals(stock) == [(10, 0), (10, 4), (8, 2), (13, 2)]
    assert totals(other) == [(3, 0), (3, 1)]
    assert migration.rebalance(connection) == 0
    with pytest.raises(IntegrityError, match="stock_ledger_append_only"), transaction.atomic():
        StockMovement.objects.filter(stock=stock).update(on_hand_after=0)  # the append-only trigger is back


def test_the_audit_reports_running_totals_that_left_the_sum(variant, sales_point, capsys):
    stock = ledger.receive(variant_id=variant.pk, sales_point_id=sales_point.pk, quantity=5)
    _drop("inventory_ledger_running_totals")
    _drop("inventory_stock_matches_ledger" + ("" if connection.vendor == "postgresql" else "_update"), "catalog_stock")
    movement(stock, on_hand=1, after=(7, 0)).save()  # says 7 where 5 + 1 is 6
    Stock.objects.filter(pk=stock.pk).update(quantity_on_hand=6)  # the row is the sum: only the chain is off
    with pytest.raises(CommandError, match="1 drifting"):
        call_command("inventory_audit")
    assert "row 6 on hand / 0 allocated, ledger 6 / 0, running totals 7 / 0" in capsys.readouterr().out
    migration.rebalance(connection)
    assert audit.audit().clean


def test_the_stock_check_reads_one_movement_not_the_whole_history(variant, sales_point):
    """5,000 movements on one row: the triggers look up the latest one through the (stock, id) index."""
    stock = ledger.receive(variant_id=variant.pk, sales_point_id=sales_point.pk, quantity=1)
    with transaction.atomic():
        stock = ledger.lock_ids([stock.pk])[stock.pk]
        ledger.apply([ledger.Change(stock, Kind.ADJUSTMENT, on_hand=1)] * 4999, reason="a year of sales")
    assert StockMovement.objects.filter(stock=stock).count() == 5000
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE inventory_stockmovement")
            cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'inventory_stock_matches_ledger'")
            assert "SUM(" not in cursor.fetchone()[0].upper()
            # The database's own count of the rows this transaction read from the ledger table: a
            # change of the row (its movement chained, the row checked) reads one or two, not 5,000.
            read = ("SELECT seq_tup_read + COALESCE(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables"
                    " WHERE relname = 'inventory_stockmovement'")
            cursor.execute(read)
            before = cursor.fetchone()[0]
            ledger.adjust(stock_id=stock.pk, change=1, reason="found a box")
            cursor.execute(read)
            assert cursor.fetchone()[0] - before <= 3
            cursor.execute("EXPLAIN SELECT on_hand_after, allocated_after FROM inventory_stockmovement"
                           " WHERE stock_id = %s ORDER BY id DESC LIMIT 1", [stock.pk])
            plan = "\n".join(r[0] for r in cursor.fetchall())
            assert plan.lstrip().startswith("Limit") and "Index Scan Backward" in plan and "Sort" not in plan
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'inventory_stock_matches%'")
            assert all("SUM(" not in sql.upper() and "LIMIT 1" in sql.upper() for (sql,) in cursor.fetchall())
            cursor.execute("EXPLAIN QUERY PLAN SELECT on_hand_after FROM inventory_stockmovement"
                           " WHERE stock_id = %s ORDER BY id DESC LIMIT 1", [stock.pk])
            plan = " ".join(str(r[-1]) for r in cursor.fetchall())
            # Either index on stock_id serves: SQLite keeps its entries in rowid (id) order within a key.
            assert plan.startswith("SEARCH") and "(stock_id=?)" in plan and "TEMP B-TREE" not in plan
            ledger.adjust(stock_id=stock.pk, change=1, reason="found a box")
    assert Stock.objects.get(pk=stock.pk).quantity_on_hand == 5001 and audit.audit().clean


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (row locks, real concurrency)")
@pytest.mark.django_db(transaction=True)
def test_two_writers_that_skip_the_lock_cannot_both_chain_from_the_same_movement(variant, sales_point):
    """A raw writer reads the latest totals without locking the row; a second one does the same
    meanwhile. The second movement waits for the first writer (the trigger locks the row) and is
    then refused: its totals leave out the first one's movement."""
    stock = ledger.receive(variant_id=variant.pk, sales_point_id=sales_point.pk, quantity=5)
    first_wrote, outcome = threading.Event(), {}

    def second():
        close_old_connections()
        try:
            with transaction.atomic():
                on_hand, allocated = StockMovement.objects.filter(stock=stock).order_by("-id").values_list(
                    "on_hand_after", "allocated_after")[0]  # 5/0: the first writer has not committed
                first_wrote.wait(30)
                movement(stock, on_hand=1, after=(on_hand + 1, allocated)).save()
                Stock.objects.filter(pk=stock.pk).update(quantity_on_hand=on_hand + 1)
            outcome["second"] = "ok"
        except IntegrityError as exc:
            outcome["second"] = str(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=second)
    thread.start()
    with transaction.atomic():
        movement(stock, on_hand=1, after=(6, 0)).save()
        Stock.objects.filter(pk=stock.pk).update(quantity_on_hand=6)
        first_wrote.set()
        with connection.cursor() as cursor:  # until the second writer waits on this row's lock
            for _ in range(300):
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                               " AND datname = current_database()")
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.05)
    thread.join(60)
    assert "stock_ledger_running_totals" in outcome["second"]
    assert totals(stock) == [(5, 0), (6, 0)] and Stock.objects.get(pk=stock.pk).quantity_on_hand == 6
    assert audit.audit().clean
