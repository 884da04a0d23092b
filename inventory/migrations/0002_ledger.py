"""The stock ledger: every change to a stock row is a movement, and the database keeps the
row equal to the sum of its movements and the movements unchangeable.

Existing stock gets an opening balance (what it held before any recorded movement) followed
by the history orders kept until now, so each row's ledger adds up from the start.
"""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OLD_KINDS = {"CONSUME": "SALE"}  # the old ledger's name for a hand-over

SQLITE = [
    # A stock row must equal the sum of its movements (checked after each insert or change of its numbers).
    """CREATE TRIGGER inventory_stock_matches_ledger_insert AFTER INSERT ON catalog_stock
    BEGIN
        SELECT RAISE(ABORT, 'stock_ledger_mismatch: a stock row must equal the sum of its movements')
        WHERE NEW.quantity_on_hand != (SELECT COALESCE(SUM(on_hand_change), 0) FROM inventory_stockmovement WHERE stock_id = NEW.id)
           OR NEW.quantity_allocated != (SELECT COALESCE(SUM(allocated_change), 0) FROM inventory_stockmovement WHERE stock_id = NEW.id);
    END""",
    """CREATE TRIGGER inventory_stock_matches_ledger_update AFTER UPDATE OF quantity_on_hand, quantity_allocated ON catalog_stock
    BEGIN
        SELECT RAISE(ABORT, 'stock_ledger_mismatch: a stock row must equal the sum of its movements')
        WHERE NEW.quantity_on_hand != (SELECT COALESCE(SUM(on_hand_change), 0) FROM inventory_stockmovement WHERE stock_id = NEW.id)
           OR NEW.quantity_allocated != (SELECT COALESCE(SUM(allocated_change), 0) FROM inventory_stockmovement WHERE stock_id = NEW.id);
    END""",
    # Append-only: what happened is never rewritten (the actor may be set null when a user is deleted).
    """CREATE TRIGGER inventory_ledger_no_update BEFORE UPDATE OF stock_id, kind, on_hand_change, allocated_change,
        on_hand_after, allocated_after, reason, reference, created_at ON inventory_stockmovement
    BEGIN
        SELECT RAISE(ABORT, 'stock_ledger_append_only: a stock movement cannot be changed');
    END""",
    # ... nor deleted while its stock row exists (removing a whole row with its history is a flush).
    """CREATE TRIGGER inventory_ledger_no_delete BEFORE DELETE ON inventory_stockmovement
    WHEN EXISTS (SELECT 1 FROM catalog_stock WHERE id = OLD.stock_id)
    BEGIN
        SELECT RAISE(ABORT, 'stock_ledger_append_only: a stock movement cannot be deleted');
    END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS inventory_stock_matches_ledger_insert",
    "DROP TRIGGER IF EXISTS inventory_stock_matches_ledger_update",
    "DROP TRIGGER IF EXISTS inventory_ledger_no_update",
    "DROP TRIGGER IF EXISTS inventory_ledger_no_delete",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION inventory_stock_matches_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        on_hand bigint;
        allocated bigint;
    BEGIN
        SELECT COALESCE(SUM(on_hand_change), 0), COALESCE(SUM(allocated_change), 0) INTO on_hand, allocated
          FROM inventory_stockmovement WHERE stock_id = NEW.id;
        IF NEW.quantity_on_hand <> on_hand OR NEW.quantity_allocated <> allocated THEN
            RAISE EXCEPTION 'stock_ledger_mismatch: stock % is %/% but its movements sum to %/%',
                NEW.id, NEW.quantity_on_hand, NEW.quantity_allocated, on_hand, allocated
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER inventory_stock_matches_ledger AFTER INSERT OR UPDATE OF quantity_on_hand, quantity_allocated
        ON catalog_stock FOR EACH ROW EXECUTE FUNCTION inventory_stock_matches_ledger()""",
    """CREATE OR REPLACE FUNCTION inventory_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM catalog_stock WHERE id = OLD.stock_id) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'stock_ledger_append_only: a stock movement cannot be changed or deleted'
            USING ERRCODE = 'integrity_constraint_violation';
    END $$""",
    """CREATE TRIGGER inventory_ledger_no_update BEFORE UPDATE OF stock_id, kind, on_hand_change, allocated_change,
        on_hand_after, allocated_after, reason, reference, created_at
        ON inventory_stockmovement FOR EACH ROW EXECUTE FUNCTION inventory_ledger_append_only()""",
    """CREATE TRIGGER inventory_ledger_no_delete BEFORE DELETE
        ON inventory_stockmovement FOR EACH ROW EXECUTE FUNCTION inventory_ledger_append_only()""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS inventory_stock_matches_ledger ON catalog_stock",
    "DROP TRIGGER IF EXISTS inventory_ledger_no_update ON inventory_stockmovement",
    "DROP TRIGGER IF EXISTS inventory_ledger_no_delete ON inventory_stockmovement",
    "DROP FUNCTION IF EXISTS inventory_stock_matches_ledger()",
    "DROP FUNCTION IF EXISTS inventory_ledger_append_only()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for sql in statements:
            schema_editor.execute(sql, params=None)  # None: the % in the SQL are not placeholders
    return run


def copy_history(apps, schema_editor):
    """Opening balance per stock row, then the old ledger's rows in order, with running totals."""
    Stock = apps.get_model("inventory", "Stock")
    Movement = apps.get_model("inventory", "StockMovement")
    OldMovement = apps.get_model("orders", "StockMovement")
    Order = apps.get_model("orders", "Order")
    numbers = dict(Order.objects.values_list("pk", "number"))
    old_by_stock = {}
    for old in OldMovement.objects.order_by("created_at", "id"):
        old_by_stock.setdefault(old.stock_id, []).append(old)
    for stock in Stock.objects.order_by("pk").iterator():
        history = old_by_stock.get(stock.pk, [])
        on_hand = stock.quantity_on_hand - sum(m.on_hand_change for m in history)
        allocated = stock.quantity_allocated - sum(m.allocated_change for m in history)
        rows = [Movement(stock_id=stock.pk, kind="OPENING", on_hand_change=on_hand, allocated_change=allocated,
                         on_hand_after=on_hand, allocated_after=allocated, reason="Số dư trước khi có sổ kho")]
        times = [history[0].created_at if history else None]
        for old in history:
            on_hand += old.on_hand_change
            allocated += old.allocated_change
            rows.append(Movement(
                stock_id=stock.pk, kind=OLD_KINDS.get(old.kind, old.kind), on_hand_change=old.on_hand_change,
                allocated_change=old.allocated_change, on_hand_after=on_hand, allocated_after=allocated,
                reason=old.reason[:300], reference=f"order:{numbers[old.order_id]}" if old.order_id in numbers else "",
                actor_id=old.user_id,
            ))
            times.append(old.created_at)
        for row, when in zip(Movement.objects.bulk_create(rows), times, strict=True):
            if when is not None:  # auto_now_add stamped them now; keep when they happened
                Movement.objects.filter(pk=row.pk).update(created_at=when)


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0001_initial"),
        ("orders", "0004_stock_moved_to_inventory"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="stock",
            name="low_stock_threshold",
            field=models.PositiveIntegerField(blank=True, help_text='Báo sắp hết hàng khi số có thể bán từ mức này trở xuống; để trống nếu không theo dõi.', null=True, verbose_name='ngưỡng sắp hết'),
        ),
        migrations.CreateModel(
            name='StockMovement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('OPENING', 'số dư đầu kỳ'), ('RECEIPT', 'nhập kho'), ('ALLOCATE', 'giữ cho đơn'), ('RELEASE', 'trả lại (đơn huỷ)'), ('SALE', 'giao cho khách'), ('RETURN', 'khách trả lại'), ('ADJUSTMENT', 'điều chỉnh'), ('RECOUNT', 'kiểm kê'), ('TRANSFER_OUT', 'chuyển đi điểm khác'), ('TRANSFER_IN', 'nhận từ điểm khác')], max_length=12, verbose_name='loại')),
                ('on_hand_change', models.IntegerField(default=0, verbose_name='thay đổi tồn kho')),
                ('allocated_change', models.IntegerField(default=0, verbose_name='thay đổi số giữ')),
                ('on_hand_after', models.IntegerField(verbose_name='tồn kho sau')),
                ('allocated_after', models.IntegerField(verbose_name='số giữ sau')),
                ('reason', models.CharField(max_length=300, verbose_name='lý do')),
                ('reference', models.CharField(blank=True, db_index=True, max_length=80, verbose_name='tham chiếu')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='thời điểm')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='người thực hiện')),
                ('stock', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='movements', to='inventory.stock')),
            ],
            options={
                'verbose_name': 'biến động tồn kho',
                'verbose_name_plural': 'sổ biến động tồn kho',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.AddIndex(
            model_name='stockmovement',
            index=models.Index(fields=['stock', 'id'], name='inventory_movement_stock'),
        ),
        migrations.AddConstraint(
            model_name='stockmovement',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('on_hand_change', 0), _negated=True), models.Q(('allocated_change', 0), _negated=True), ('kind', 'OPENING'), ('kind', 'RECOUNT'), _connector='OR'), name='inventory_movement_changes_something'),
        ),
        migrations.RunPython(copy_history, migrations.RunPython.noop),
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRES}),
                             _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD})),
    ]
