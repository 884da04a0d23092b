"""Stock and sale holds moved to `inventory`, the search tables to `search`: they keep their
tables, so this only forgets them."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_drop_unused_trigram_search"),
        ("inventory", "0001_initial"),
        ("search", "0001_initial"),
        ("orders", "0005_delete_stockmovement"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="SaleHold"),
                migrations.DeleteModel(name="Stock"),
                migrations.DeleteModel(name="SearchEntry"),
                migrations.DeleteModel(name="SearchIndexState"),
            ],
        ),
    ]
