"""Order lines keep the pack size in English too, so an English order page and e-mail do not say
"Hũ 250 g"; lines placed before are filled from their variant."""
from django.db import migrations, models


def fill(apps, schema_editor):
    OrderLine = apps.get_model("orders", "OrderLine")
    ProductVariant = apps.get_model("catalog", "ProductVariant")
    names = dict(ProductVariant.objects.exclude(name_en="").values_list("pk", "name_en"))
    for line in OrderLine.objects.filter(variant_id__in=list(names)).only("pk", "variant_id").iterator():
        OrderLine.objects.filter(pk=line.pk).update(variant_name_en=names[line.variant_id])


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0009_shipment'),
        ('catalog', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='orderline',
            name='variant_name_en',
            field=models.CharField(blank=True, max_length=120),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
