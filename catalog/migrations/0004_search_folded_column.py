"""PostgreSQL: keep the folded document in a stored generated column.

Matching `ocop_fold(document) LIKE …` through the expression index made
PostgreSQL run unaccent again on every candidate row it rechecked; the
generated column folds once, when the row is written, and the trigram
index is on the plain column. (SQLite has its FTS5 table; nothing to do.)
"""
from django.db import migrations

FORWARD = [
    "ALTER TABLE catalog_searchentry ADD COLUMN folded text GENERATED ALWAYS AS (ocop_fold(document)) STORED",
    "CREATE INDEX IF NOT EXISTS catalog_searchentry_folded_trgm ON catalog_searchentry USING gin (folded gin_trgm_ops)",
    "DROP INDEX IF EXISTS catalog_searchentry_fold_trgm",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS catalog_searchentry_fold_trgm "
    "ON catalog_searchentry USING gin (ocop_fold(document) gin_trgm_ops)",
    "DROP INDEX IF EXISTS catalog_searchentry_folded_trgm",
    "ALTER TABLE catalog_searchentry DROP COLUMN IF EXISTS folded",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_search_fts_and_trigram")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
