"""Stock moved to the `inventory` app (same table): repoint the foreign keys in the state only."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_payment_review"),
        ("inventory", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="fulfillmentline",
                    name="stock",
                    field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                            to="inventory.stock"),
                ),
                migrations.AlterField(
                    model_name="stockmovement",
                    name="stock",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="movements",
                                            to="inventory.stock"),
                ),
            ],
        ),
    ]
