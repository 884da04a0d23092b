"""The ledger checks a stock row against its last movement's running totals, not the sum of all.

Migration 0002's trigger summed every movement of a row on each change of the row: a variant
that sold for a year at one point made each checkout slower, linearly. Each movement already
carries the row's totals after it (`on_hand_after`, `allocated_after`); the database now keeps
that running total honest and compares the row with it, one index probe each way:

- a movement's totals must be the previous movement's (latest by id, of the same row; 0/0 for
  the first) plus its own change, and it must come after every other movement of its row;
- a stock row must equal its latest movement's totals (0/0 with none).

By induction the latest totals are the sum of all movements, so the guarantee is 0002's: the
row is the sum of its ledger, and the ledger is append-only (0002's triggers already refuse an
UPDATE of the totals). On PostgreSQL a movement also locks its stock row (FOR NO KEY UPDATE,
which `inventory.ledger` already holds), so two transactions cannot both chain from the same
previous movement; SQLite has one writer at a time.

Before the switch the running totals are recomputed from the changes (window sums per row, in
id order) wherever they disagree; the ledger wrote them right, so normally nothing changes.
"""
import importlib

from django.db import migrations

ledger_0002 = importlib.import_module("inventory.migrations.0002_ledger")

MISMATCH = "stock_ledger_mismatch: a stock row must equal the running totals of its latest movement"
UNCHAINED = ("stock_ledger_running_totals: the totals of a movement must be those of the previous movement "
             "plus its change, after every other movement of its stock row")

SQLITE = [
    "DROP TRIGGER IF EXISTS inventory_stock_matches_ledger_insert",
    "DROP TRIGGER IF EXISTS inventory_stock_matches_ledger_update",
    *(f"""CREATE TRIGGER inventory_stock_matches_ledger_{event.split()[0].lower()} AFTER {event} ON catalog_stock
    BEGIN
        SELECT RAISE(ABORT, '{MISMATCH}')
        WHERE NEW.quantity_on_hand != COALESCE((SELECT on_hand_after FROM inventory_stockmovement
                                                 WHERE stock_id = NEW.id ORDER BY id DESC LIMIT 1), 0)
           OR NEW.quantity_allocated != COALESCE((SELECT allocated_after FROM inventory_stockmovement
                                                   WHERE stock_id = NEW.id ORDER BY id DESC LIMIT 1), 0);
    END""" for event in ("INSERT", "UPDATE OF quantity_on_hand, quantity_allocated")),
    # AFTER, not BEFORE: SQLite gives NEW.id of an automatic key only once the row is in. Row
    # triggers run row by row, so a multi-row INSERT chains each movement on the one before it.
    f"""CREATE TRIGGER inventory_ledger_running_totals AFTER INSERT ON inventory_stockmovement
    BEGIN
        SELECT RAISE(ABORT, '{UNCHAINED}')
        WHERE NEW.id != (SELECT MAX(id) FROM inventory_stockmovement WHERE stock_id = NEW.stock_id)
           OR NEW.on_hand_after != NEW.on_hand_change + COALESCE((SELECT on_hand_after FROM inventory_stockmovement
                WHERE stock_id = NEW.stock_id AND id < NEW.id ORDER BY id DESC LIMIT 1), 0)
           OR NEW.allocated_after != NEW.allocated_change + COALESCE((SELECT allocated_after FROM inventory_stockmovement
                WHERE stock_id = NEW.stock_id AND id < NEW.id ORDER BY id DESC LIMIT 1), 0);
    END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS inventory_ledger_running_totals",
    "DROP TRIGGER IF EXISTS inventory_stock_matches_ledger_insert",
    "DROP TRIGGER IF EXISTS inventory_stock_matches_ledger_update",
    *(sql for sql in ledger_0002.SQLITE if "inventory_stock_matches_ledger" in sql),
]
POSTGRES = [
    # Same function name, so 0002's trigger on catalog_stock now runs this body.
    """CREATE OR REPLACE FUNCTION inventory_stock_matches_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        on_hand bigint;
        allocated bigint;
    BEGIN
        SELECT on_hand_after, allocated_after INTO on_hand, allocated
          FROM inventory_stockmovement WHERE stock_id = NEW.id ORDER BY id DESC LIMIT 1;
        IF NOT FOUND THEN
            on_hand := 0;
            allocated := 0;
        END IF;
        IF NEW.quantity_on_hand <> on_hand OR NEW.quantity_allocated <> allocated THEN
            RAISE EXCEPTION 'stock_ledger_mismatch: stock % is %/% but its ledger''s running totals are %/%',
                NEW.id, NEW.quantity_on_hand, NEW.quantity_allocated, on_hand, allocated
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$""",
    # A BEFORE row trigger of a VOLATILE function sees the rows its own statement inserted before
    # this one, so a multi-row INSERT chains each movement on the one before it.
    """CREATE OR REPLACE FUNCTION inventory_ledger_running_totals() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        last_id bigint;
        on_hand bigint := 0;
        allocated bigint := 0;
    BEGIN
        -- One writer per stock row: whoever else is changing it commits first, and the query
        -- below (a new snapshot) sees their movements.
        PERFORM 1 FROM catalog_stock WHERE id = NEW.stock_id FOR NO KEY UPDATE;
        SELECT id, on_hand_after, allocated_after INTO last_id, on_hand, allocated
          FROM inventory_stockmovement WHERE stock_id = NEW.stock_id ORDER BY id DESC LIMIT 1;
        IF NOT FOUND THEN
            on_hand := 0;
            allocated := 0;
        END IF;
        IF last_id >= NEW.id OR NEW.on_hand_after <> on_hand + NEW.on_hand_change
           OR NEW.allocated_after <> allocated + NEW.allocated_change THEN
            RAISE EXCEPTION 'stock_ledger_running_totals: movement % of stock % says %/% after %/%; the previous movement (%) left %/%',
                NEW.id, NEW.stock_id, NEW.on_hand_after, NEW.allocated_after, NEW.on_hand_change,
                NEW.allocated_change, last_id, on_hand, allocated
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER inventory_ledger_running_totals BEFORE INSERT ON inventory_stockmovement
        FOR EACH ROW EXECUTE FUNCTION inventory_ledger_running_totals()""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS inventory_ledger_running_totals ON inventory_stockmovement",
    "DROP FUNCTION IF EXISTS inventory_ledger_running_totals()",
    *(sql for sql in ledger_0002.POSTGRES if sql.startswith("CREATE OR REPLACE FUNCTION inventory_stock_matches_ledger()")),
]

# The running totals as the changes add them up, per stock row in id order.
REBALANCE = """
    UPDATE inventory_stockmovement SET on_hand_after = totals.on_hand, allocated_after = totals.allocated
      FROM (SELECT id, SUM(on_hand_change) OVER by_row AS on_hand, SUM(allocated_change) OVER by_row AS allocated
              FROM inventory_stockmovement
            WINDOW by_row AS (PARTITION BY stock_id ORDER BY id)) AS totals
     WHERE inventory_stockmovement.id = totals.id
       AND (inventory_stockmovement.on_hand_after != totals.on_hand
            OR inventory_stockmovement.allocated_after != totals.allocated)
"""
NO_UPDATE = {
    "sqlite": ("DROP TRIGGER inventory_ledger_no_update",
               next(sql for sql in ledger_0002.SQLITE if "inventory_ledger_no_update" in sql)),
    "postgresql": ("DROP TRIGGER inventory_ledger_no_update ON inventory_stockmovement",
                   next(sql for sql in ledger_0002.POSTGRES if "TRIGGER inventory_ledger_no_update" in sql)),
}


def rebalance(connection) -> int:
    """Recompute every movement's running totals from the changes where they disagree (the
    append-only trigger is lifted for the one UPDATE); how many movements it rewrote."""
    drop, create = NO_UPDATE[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(drop)
        cursor.execute(REBALANCE)
        rewritten = cursor.rowcount
        cursor.execute(create)
    return rewritten


def _rebalance(apps, schema_editor):
    if schema_editor.connection.vendor in NO_UPDATE:
        rebalance(schema_editor.connection)


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)  # None: the % in the SQL are not placeholders
    return run


class Migration(migrations.Migration):
    dependencies = [("inventory", "0004_producer_dispatch")]

    operations = [
        migrations.RunPython(_rebalance, migrations.RunPython.noop),
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRES}),
                             _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD})),
    ]
