"""PostgreSQL: drop the trigram matching of migrations 0003-0004.

The embedded backend matches from its in-memory word index on PostgreSQL
(catalog/search/memory.py): the trigram index had to recheck every
candidate row, 20-60 ms for a broad word against about 1 ms in memory,
with the same products found. Keeping the generated column would cost a
fold on every index write for nothing. The extensions stay (harmless, and
a DBA may have created them for us).
"""
from django.db import migrations

FORWARD = [
    "DROP INDEX IF EXISTS catalog_searchentry_folded_trgm",
    "ALTER TABLE catalog_searchentry DROP COLUMN IF EXISTS folded",
    "DROP FUNCTION IF EXISTS ocop_fold(text)",
]
BACKWARD = [
    "CREATE OR REPLACE FUNCTION ocop_fold(text) RETURNS text "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
    "AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$",
    "ALTER TABLE catalog_searchentry ADD COLUMN folded text GENERATED ALWAYS AS (ocop_fold(document)) STORED",
    "CREATE INDEX IF NOT EXISTS catalog_searchentry_folded_trgm ON catalog_searchentry USING gin (folded gin_trgm_ops)",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_sale_hold")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
