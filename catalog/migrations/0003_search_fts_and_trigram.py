"""The embedded search backend's database side, per database vendor.

SQLite: an FTS5 table over the folded words (folded in Python: FTS5's own
`remove_diacritics` leaves đ alone), rowid = product id, plus an fts5vocab
view of its terms.

PostgreSQL: the `unaccent` and `pg_trgm` extensions, an IMMUTABLE wrapper
`ocop_fold(text)` (unaccent itself is only STABLE, so it cannot appear in an
index expression) and a trigram GIN index on `ocop_fold(document)`.
Creating extensions needs a role allowed to (the superuser, or a DBA doing
it once beforehand: both statements are IF NOT EXISTS).
"""
from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_search_fts USING fts5("
    "name, en, place, body, tokenize = 'unicode61 remove_diacritics 0')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_search_fts_vocab USING fts5vocab('catalog_search_fts', 'row')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS catalog_search_fts_vocab", "DROP TABLE IF EXISTS catalog_search_fts"]

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # lower() after unaccent(): the result is ASCII for Vietnamese, so it folds
    # the same under any database collation, like shop.text.fold does.
    "CREATE OR REPLACE FUNCTION ocop_fold(text) RETURNS text "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
    "AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$",
    "CREATE INDEX IF NOT EXISTS catalog_searchentry_fold_trgm "
    "ON catalog_searchentry USING gin (ocop_fold(document) gin_trgm_ops)",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS catalog_searchentry_fold_trgm", "DROP FUNCTION IF EXISTS ocop_fold(text)"]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_search_entry")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
