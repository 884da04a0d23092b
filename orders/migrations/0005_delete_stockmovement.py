"""The stock ledger is inventory's now (inventory 0002 copied these rows)."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_stock_moved_to_inventory"),
        ("inventory", "0002_ledger"),
    ]

    operations = [migrations.DeleteModel(name="StockMovement")]
