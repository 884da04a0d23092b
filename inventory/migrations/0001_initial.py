"""Stock and SaleHold move here from `catalog`, keeping their tables: state only."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalog", "0006_drop_unused_trigram_search"),
        ("shop", "0002_api_token"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Stock',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('quantity_on_hand', models.IntegerField(default=0, verbose_name='tồn kho')),
                        ('quantity_allocated', models.IntegerField(default=0, verbose_name='đã giữ cho đơn')),
                        ('sales_point', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stocks', to='shop.salespoint')),
                        ('variant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stocks', to='catalog.productvariant')),
                    ],
                    options={
                        'verbose_name': 'tồn kho',
                        'verbose_name_plural': 'tồn kho',
                        'db_table': 'catalog_stock',
                        'ordering': ['variant_id', 'sales_point_id'],
                    },
                ),
                migrations.CreateModel(
                    name='SaleHold',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('source', models.CharField(help_text='Ai đặt lệnh dừng, ví dụ recall:12', max_length=60, verbose_name='nguồn')),
                        ('reason', models.CharField(max_length=500, verbose_name='lý do')),
                        ('reason_en', models.CharField(blank=True, max_length=500, verbose_name='lý do (tiếng Anh)')),
                        ('placed_at', models.DateTimeField(auto_now_add=True, verbose_name='thời điểm dừng bán')),
                        ('released_at', models.DateTimeField(blank=True, null=True, verbose_name='thời điểm bán lại')),
                        ('release_note', models.CharField(blank=True, max_length=500, verbose_name='ghi chú khi bán lại')),
                        ('released_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('variant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sale_holds', to='catalog.productvariant')),
                    ],
                    options={
                        'verbose_name': 'lệnh dừng bán',
                        'verbose_name_plural': 'lệnh dừng bán',
                        'db_table': 'catalog_salehold',
                        'ordering': ['-placed_at', '-id'],
                        'indexes': [models.Index(condition=models.Q(('released_at__isnull', True)), fields=['variant'], name='sale_hold_open')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('released_at__isnull', True)), fields=('variant', 'source'), name='sale_hold_one_open_per_source')],
                    },
                ),
                migrations.AddIndex(
                    model_name='stock',
                    index=models.Index(fields=['sales_point', 'variant'], name='catalog_sto_sales_p_4d7b09_idx'),
                ),
                migrations.AddConstraint(
                    model_name='stock',
                    constraint=models.UniqueConstraint(fields=('variant', 'sales_point'), name='stock_unique_variant_point'),
                ),
                migrations.AddConstraint(
                    model_name='stock',
                    constraint=models.CheckConstraint(condition=models.Q(('quantity_allocated__gte', 0)), name='stock_allocated_not_negative'),
                ),
                migrations.AddConstraint(
                    model_name='stock',
                    constraint=models.CheckConstraint(condition=models.Q(('quantity_allocated__lte', models.F('quantity_on_hand'))), name='stock_allocated_within_on_hand'),
                ),
            ],
        ),
    ]
