"""SearchEntry and SearchIndexState move here from `catalog`, keeping their tables: state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('catalog', '0006_drop_unused_trigram_search'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='SearchEntry',
                    fields=[
                        ('product', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search_entry', serialize=False, to='catalog.product')),
                        ('document', models.TextField()),
                        ('folded_name', models.CharField(max_length=300)),
                        ('stars', models.PositiveSmallIntegerField(null=True)),
                        ('certified_until', models.DateField(null=True)),
                        ('points', models.CharField(blank=True, help_text='Sales point ids with stock, space separated', max_length=500)),
                        ('data', models.JSONField(default=dict)),
                        ('indexed_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'verbose_name': 'mục tìm kiếm',
                        'verbose_name_plural': 'chỉ mục tìm kiếm',
                        'db_table': 'catalog_searchentry',
                    },
                ),
                migrations.CreateModel(
                    name='SearchIndexState',
                    fields=[
                        ('key', models.CharField(max_length=40, primary_key=True, serialize=False)),
                        ('generation', models.CharField(max_length=40)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'db_table': 'catalog_searchindexstate',
                    },
                ),
            ],
        ),
    ]
